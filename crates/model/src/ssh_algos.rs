//! SSH algorithm names and how strong each is, after ssh-audit's database
//! (`ssh2_kexdb.py`) and TrueNAS's security recommendations.
//!
//! The same table judges a stored config (SSH-004..008) and, later, what a
//! live server offers in its KEXINIT, so both speak the same verdicts.

/// How an algorithm is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strength {
    /// Recommended.
    Ok,
    /// Acceptable, with a weakness (non-etm MAC, NIST curve, no PQ).
    Weak,
    /// Broken in the way its rule says (CBC, SHA-1, 1024-bit DH...).
    Bad,
    /// Broken outright: no confidentiality worth the name (none, RC4, DES).
    Broken,
}

/// The cipher list TrueNAS's recommendations give, in their order.
pub const RECOMMENDED_CIPHERS: [&str; 6] = [
    "chacha20-poly1305@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
];

pub const RECOMMENDED_MACS: [&str; 3] =
    ["hmac-sha2-512-etm@openssh.com", "hmac-sha2-256-etm@openssh.com", "umac-128-etm@openssh.com"];

/// Strong key exchanges that OpenSSH 9.2 (Debian 12) supports, PQ first.
pub const RECOMMENDED_KEX: [&str; 6] = [
    "sntrup761x25519-sha512@openssh.com",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group-exchange-sha256",
];

pub const RECOMMENDED_HOSTKEY: [&str; 3] = ["ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256"];

/// Post-quantum hybrid key exchanges.
pub const PQ_KEX: [&str; 3] = ["sntrup761x25519-sha512@openssh.com", "sntrup761x25519-sha512", "mlkem768x25519-sha256"];

pub type Table = &'static [(&'static str, Strength, &'static str)];

pub const CIPHERS: Table = &[
    ("chacha20-poly1305@openssh.com", Strength::Ok, ""),
    ("aes128-ctr", Strength::Ok, ""),
    ("aes192-ctr", Strength::Ok, ""),
    ("aes256-ctr", Strength::Ok, ""),
    ("aes128-gcm@openssh.com", Strength::Ok, ""),
    ("aes256-gcm@openssh.com", Strength::Ok, ""),
    ("aes128-cbc", Strength::Bad, "CBC mode (plaintext recovery attacks)"),
    ("aes192-cbc", Strength::Bad, "CBC mode (plaintext recovery attacks)"),
    ("aes256-cbc", Strength::Bad, "CBC mode (plaintext recovery attacks)"),
    ("rijndael-cbc@lysator.liu.se", Strength::Bad, "CBC mode, obsolete alias"),
    ("3des-cbc", Strength::Broken, "3DES: 64-bit block (Sweet32), CBC"),
    ("blowfish-cbc", Strength::Broken, "Blowfish: 64-bit block, CBC"),
    ("cast128-cbc", Strength::Broken, "CAST-128: 64-bit block, CBC"),
    ("arcfour", Strength::Broken, "RC4 (arcfour) is broken"),
    ("arcfour128", Strength::Broken, "RC4 (arcfour) is broken"),
    ("arcfour256", Strength::Broken, "RC4 (arcfour) is broken"),
    ("des-cbc", Strength::Broken, "DES: 56-bit key"),
    ("none", Strength::Broken, "no encryption"),
];

pub const MACS: Table = &[
    ("hmac-sha2-512-etm@openssh.com", Strength::Ok, ""),
    ("hmac-sha2-256-etm@openssh.com", Strength::Ok, ""),
    ("umac-128-etm@openssh.com", Strength::Ok, ""),
    ("hmac-sha2-256", Strength::Weak, "encrypt-and-MAC (not etm)"),
    ("hmac-sha2-512", Strength::Weak, "encrypt-and-MAC (not etm)"),
    ("umac-128@openssh.com", Strength::Weak, "encrypt-and-MAC (not etm)"),
    ("umac-64-etm@openssh.com", Strength::Weak, "64-bit tag"),
    ("umac-64@openssh.com", Strength::Weak, "64-bit tag, encrypt-and-MAC"),
    ("hmac-sha1", Strength::Bad, "SHA-1"),
    ("hmac-sha1-96", Strength::Bad, "SHA-1, truncated"),
    ("hmac-sha1-etm@openssh.com", Strength::Bad, "SHA-1"),
    ("hmac-sha1-96-etm@openssh.com", Strength::Bad, "SHA-1, truncated"),
    ("hmac-md5", Strength::Bad, "MD5"),
    ("hmac-md5-96", Strength::Bad, "MD5, truncated"),
    ("hmac-md5-etm@openssh.com", Strength::Bad, "MD5"),
    ("hmac-md5-96-etm@openssh.com", Strength::Bad, "MD5, truncated"),
    ("hmac-ripemd160", Strength::Bad, "RIPEMD-160"),
    ("hmac-ripemd160@openssh.com", Strength::Bad, "RIPEMD-160"),
    ("hmac-ripemd160-etm@openssh.com", Strength::Bad, "RIPEMD-160"),
];

pub const KEX: Table = &[
    ("mlkem768x25519-sha256", Strength::Ok, ""),
    ("sntrup761x25519-sha512@openssh.com", Strength::Ok, ""),
    ("sntrup761x25519-sha512", Strength::Ok, ""),
    ("curve25519-sha256", Strength::Ok, ""),
    ("curve25519-sha256@libssh.org", Strength::Ok, ""),
    ("diffie-hellman-group16-sha512", Strength::Ok, ""),
    ("diffie-hellman-group18-sha512", Strength::Ok, ""),
    ("diffie-hellman-group-exchange-sha256", Strength::Ok, ""),
    ("diffie-hellman-group14-sha256", Strength::Ok, ""),
    ("ecdh-sha2-nistp256", Strength::Weak, "NIST P-curve (suspected weak parameters)"),
    ("ecdh-sha2-nistp384", Strength::Weak, "NIST P-curve (suspected weak parameters)"),
    ("ecdh-sha2-nistp521", Strength::Weak, "NIST P-curve (suspected weak parameters)"),
    ("diffie-hellman-group1-sha1", Strength::Bad, "1024-bit group (Logjam) and SHA-1"),
    ("diffie-hellman-group14-sha1", Strength::Bad, "SHA-1"),
    ("diffie-hellman-group-exchange-sha1", Strength::Bad, "SHA-1"),
];

pub const HOSTKEY: Table = &[
    ("ssh-ed25519", Strength::Ok, ""),
    ("ssh-ed25519-cert-v01@openssh.com", Strength::Ok, ""),
    ("sk-ssh-ed25519@openssh.com", Strength::Ok, ""),
    ("sk-ssh-ed25519-cert-v01@openssh.com", Strength::Ok, ""),
    ("rsa-sha2-512", Strength::Ok, ""),
    ("rsa-sha2-256", Strength::Ok, ""),
    ("rsa-sha2-512-cert-v01@openssh.com", Strength::Ok, ""),
    ("rsa-sha2-256-cert-v01@openssh.com", Strength::Ok, ""),
    ("ecdsa-sha2-nistp256", Strength::Weak, "NIST P-curve"),
    ("ecdsa-sha2-nistp384", Strength::Weak, "NIST P-curve"),
    ("ecdsa-sha2-nistp521", Strength::Weak, "NIST P-curve"),
    ("ecdsa-sha2-nistp256-cert-v01@openssh.com", Strength::Weak, "NIST P-curve"),
    ("ecdsa-sha2-nistp384-cert-v01@openssh.com", Strength::Weak, "NIST P-curve"),
    ("ecdsa-sha2-nistp521-cert-v01@openssh.com", Strength::Weak, "NIST P-curve"),
    ("sk-ecdsa-sha2-nistp256@openssh.com", Strength::Weak, "NIST P-curve"),
    ("sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", Strength::Weak, "NIST P-curve"),
    ("ssh-rsa", Strength::Bad, "SHA-1 signatures"),
    ("ssh-rsa-cert-v01@openssh.com", Strength::Bad, "SHA-1 signatures"),
    ("ssh-dss", Strength::Bad, "DSA, 1024-bit"),
    ("ssh-dss-cert-v01@openssh.com", Strength::Bad, "DSA, 1024-bit"),
];

/// The strength and reason of `name` in `table`, `None` if unknown.
pub fn classify(table: Table, name: &str) -> Option<(Strength, &'static str)> {
    table.iter().find(|(n, _, _)| *n == name).map(|(_, s, why)| (*s, *why))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recommended_lists_are_all_ok() {
        for (table, list) in [
            (CIPHERS, &RECOMMENDED_CIPHERS[..]),
            (MACS, &RECOMMENDED_MACS[..]),
            (KEX, &RECOMMENDED_KEX[..]),
            (HOSTKEY, &RECOMMENDED_HOSTKEY[..]),
        ] {
            for name in list {
                assert_eq!(classify(table, name).map(|c| c.0), Some(Strength::Ok), "{name}");
            }
        }
    }

    #[test]
    fn cbc_and_arcfour_are_flagged() {
        assert_eq!(classify(CIPHERS, "aes128-cbc").map(|c| c.0), Some(Strength::Bad));
        assert_eq!(classify(CIPHERS, "arcfour").map(|c| c.0), Some(Strength::Broken));
    }
}

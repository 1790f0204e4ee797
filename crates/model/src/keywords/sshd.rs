//! sshd_config (OpenSSH 9.2, Debian 12): the fields' keywords, values and
//! sshd's defaults, the hardened defaults nasguard writes for keywords that
//! are not fields, and OpenSSH's `+`/`-`/`^` list syntax.
//!
//! Defaults and accepted spellings were taken from `sshd -T` on an empty
//! file and on one line of each spelling (sshd matches values
//! case-insensitively and refuses `true`, `1`... for yes/no options).
//!
//! To add a keyword that sets a field: one [`Row`] in [`SSHD`] (the field,
//! the keyword, sshd's default, a codec with the value's spellings), and the
//! keyword marked `Owned` by that field in `ssh_keywords` (a test checks the
//! two agree). Normalise, render, import and the generated round-trip tests
//! then cover it.

use super::{Choice, Codec, How, Meaning, Number, Refusal, Row, Table, Words, meaning};
use crate::ssh::SshService;
use crate::ssh_algos;
use Meaning::{Exact, Nearest};

/// sshd's yes/no.
pub const YES_NO: Words<bool> = &[("yes", Exact(true)), ("no", Exact(false))];

const ROOT_KEY: &str = "root may still log in with a key, which rootlogin=false (PermitRootLogin no) does not allow";

pub const PERMIT_ROOT_LOGIN: Words<bool> = &[
    ("yes", Exact(true)),
    ("no", Exact(false)),
    ("prohibit-password", Nearest(false, ROOT_KEY)),
    ("without-password", Nearest(false, ROOT_KEY)),
    (
        "forced-commands-only",
        Nearest(false, "root may still run the forced commands of its keys, which rootlogin=false does not allow"),
    ),
];

const ONE_WAY: &str = "forwarding in one direction only; tcpfwd=true (AllowTcpForwarding yes) allows both";

pub const ALLOW_TCP_FORWARDING: Words<bool> = &[
    ("yes", Exact(true)),
    ("all", Exact(true)),
    ("no", Exact(false)),
    ("local", Nearest(true, ONE_WAY)),
    ("remote", Nearest(true, ONE_WAY)),
];

/// `delayed` has meant `yes` since OpenSSH 7.4; nasguard keeps writing it.
pub const COMPRESSION: Words<bool> = &[("delayed", Exact(true)), ("yes", Exact(true)), ("no", Exact(false))];

pub const SSHD_CIPHERS: &str =
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com";
pub const SSHD_MACS: &str = "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1";
pub const SSHD_KEX: &str = "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256";
pub const SSHD_HOSTKEY: &str = "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256";

/// The fields of `SshService` that are sshd keywords, in the order nasguard
/// writes them.
pub static SSHD: Table<SshService> = Table {
    daemon: "sshd",
    rows: &[
        Row::new("tcpport", "Port", "22", &Number::<SshService> { get: |s| s.tcpport, set: |s, v| s.tcpport = v }),
        Row::new("rootlogin", "PermitRootLogin", "without-password", &RootLogin).match_worst("true"),
        Row::new(
            "passwordauth",
            "PasswordAuthentication",
            "yes",
            &Choice::<SshService, _> { get: |s| s.passwordauth, set: |s, v| s.passwordauth = v, words: YES_NO },
        )
        .also(&["KbdInteractiveAuthentication"])
        .match_worst("true"),
        Row::new(
            "tcpfwd",
            "AllowTcpForwarding",
            "yes",
            &Choice::<SshService, _> { get: |s| s.tcpfwd, set: |s, v| s.tcpfwd = v, words: ALLOW_TCP_FORWARDING },
        )
        .match_worst("true"),
        Row::new(
            "compression",
            "Compression",
            "yes",
            &Choice::<SshService, _> { get: |s| s.compression, set: |s, v| s.compression = v, words: COMPRESSION },
        ),
        Row::new(
            "ciphers",
            "Ciphers",
            SSHD_CIPHERS,
            &Algorithms {
                get: |s| &s.ciphers,
                rendered: SshService::effective_ciphers,
                set: |s, v| s.ciphers = v,
                table: ssh_algos::CIPHERS,
            },
        ),
        Row::new(
            "macs",
            "MACs",
            SSHD_MACS,
            &Algorithms {
                get: |s| &s.macs,
                rendered: |s| s.macs.clone(),
                set: |s, v| s.macs = v,
                table: ssh_algos::MACS,
            },
        ),
        Row::new(
            "kex_algorithms",
            "KexAlgorithms",
            SSHD_KEX,
            &Algorithms {
                get: |s| &s.kex_algorithms,
                rendered: |s| s.kex_algorithms.clone(),
                set: |s, v| s.kex_algorithms = v,
                table: ssh_algos::KEX,
            },
        ),
        Row::new(
            "hostkey_algorithms",
            "HostKeyAlgorithms",
            SSHD_HOSTKEY,
            &Algorithms {
                get: |s| &s.hostkey_algorithms,
                rendered: |s| s.hostkey_algorithms.clone(),
                set: |s, v| s.hostkey_algorithms = v,
                table: ssh_algos::HOSTKEY,
            },
        ),
        // One field, two keywords: a pasted line of one cannot change both,
        // so it is refused naming the field.
        Row::new(
            "kerberosauth",
            "GSSAPIAuthentication",
            "no",
            &Choice::<SshService, _> { get: |s| s.kerberosauth, set: |s, v| s.kerberosauth = v, words: YES_NO },
        )
        .also(&["KerberosAuthentication"])
        .refuse_pasted(),
    ],
};

/// A keyword that is not the field's own but changes what sshd does with
/// it: when its effective value is one of `when`, import reads `then` into
/// `field` (through the field's row).
#[derive(Clone, Copy, Debug)]
pub struct Interaction {
    pub keyword: &'static str,
    /// sshd's default.
    pub default: &'static str,
    pub when: &'static [&'static str],
    pub field: &'static str,
    pub then: &'static str,
}

pub const INTERACTIONS: [Interaction; 2] = [
    // DisableForwarding yes turns every kind of forwarding off.
    Interaction { keyword: "DisableForwarding", default: "no", when: &["yes"], field: "tcpfwd", then: "no" },
    // Kerberos password validation is Kerberos authentication too.
    Interaction {
        keyword: "KerberosAuthentication",
        default: "no",
        when: &["yes"],
        field: "kerberosauth",
        then: "yes",
    },
];

/// A keyword nasguard hardens without a field: written unless an auxiliary
/// option sets it (sshd keeps the first value, so both must not be written).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hardened {
    pub keyword: &'static str,
    /// What nasguard writes (the CIS / ComplianceAsCode value behind rules
    /// SSH-010 to SSH-016).
    pub nasguard: &'static str,
    /// What sshd does when the keyword is absent.
    pub sshd: &'static str,
}

const fn hardened(keyword: &'static str, nasguard: &'static str, sshd: &'static str) -> Hardened {
    Hardened { keyword, nasguard, sshd }
}

pub const HARDENED: [Hardened; 13] = [
    hardened("PermitEmptyPasswords", "no", "no"),
    hardened("X11Forwarding", "no", "no"),
    hardened("AllowAgentForwarding", "no", "yes"),
    hardened("PermitTunnel", "no", "no"),
    hardened("GatewayPorts", "no", "no"),
    hardened("MaxAuthTries", "4", "6"),
    hardened("LoginGraceTime", "60", "120"),
    hardened("ClientAliveInterval", "300", "0"),
    hardened("ClientAliveCountMax", "3", "3"),
    hardened("PermitUserEnvironment", "no", "no"),
    hardened("IgnoreRhosts", "yes", "yes"),
    hardened("HostbasedAuthentication", "no", "no"),
    hardened("MaxStartups", "10:30:60", "10:30:100"),
];

/// sshd's value of a keyword the audit judges, when the file does not set
/// it: a field's row, an interaction or a hardened keyword.
pub fn sshd_default(keyword: &str) -> Option<&'static str> {
    let k = keyword.trim();
    SSHD.row(k)
        .and_then(Row::daemon_default)
        .or_else(|| INTERACTIONS.iter().find(|i| i.keyword.eq_ignore_ascii_case(k)).map(|i| i.default))
        .or_else(|| HARDENED.iter().find(|h| h.keyword.eq_ignore_ascii_case(k)).map(|h| h.sshd))
}

/// Whether import judges `keyword` through the tables (so it is not also
/// kept as an auxiliary option).
pub fn judged(keyword: &str) -> bool {
    SSHD.owns(keyword) || sshd_default(keyword).is_some()
}

/// `PermitRootLogin`: two fields, `rootlogin` (TrueNAS's "Log in as Root
/// with Password": `yes`) and `root_key_login` (`prohibit-password`,
/// Debian's default, kept when a host that relies on it is adopted); both
/// false is `no`. `forced-commands-only` has no model value of its own.
pub struct RootLogin;

/// The three model values, as `(rootlogin, root_key_login)`.
const ROOT_LOGIN_VALUES: [((bool, bool), &str); 3] =
    [((true, false), "yes"), ((false, true), "prohibit-password"), ((false, false), "no")];

impl Codec<SshService> for RootLogin {
    fn render(&self, svc: &SshService) -> String {
        svc.permit_root_login().to_string()
    }

    fn shown(&self, svc: &SshService) -> String {
        if !svc.rootlogin && svc.root_key_login {
            "false root_key_login=true".into()
        } else {
            svc.rootlogin.to_string()
        }
    }

    fn read(&self, svc: &mut SshService, spelling: &str, how: How<'_>) -> Result<Option<&'static str>, Refusal> {
        let (value, why) = match meaning(PERMIT_ROOT_LOGIN, spelling) {
            Some(Meaning::Exact(v)) => (v, None),
            Some(Meaning::Nearest(v, why)) => (v, Some(why)),
            Some(Meaning::Refused(why)) => return Err(Refusal::Daemon(why)),
            None => return Err(Refusal::Unknown),
        };
        let key = matches!(spelling.trim().to_ascii_lowercase().as_str(), "prohibit-password" | "without-password");
        match (why, how) {
            (Some(why), How::Pasted) if !key => Err(Refusal::NoEquivalent(why)),
            _ => {
                svc.rootlogin = value;
                svc.root_key_login = key;
                Ok(why.filter(|_| !key))
            }
        }
    }

    fn expected(&self) -> String {
        "true (yes) or false (no); with root_key_login=true, false is prohibit-password".into()
    }

    fn spellings(&self) -> Vec<&'static str> {
        PERMIT_ROOT_LOGIN.iter().map(|(w, _)| *w).collect()
    }

    fn sample(&self, seed: u64) -> String {
        let n = ROOT_LOGIN_VALUES.len() as u64;
        ROOT_LOGIN_VALUES.get((seed % n) as usize).map(|(_, w)| (*w).to_string()).unwrap_or_default()
    }
}

/// An algorithm list (`Ciphers`, `MACs`...), with OpenSSH's list syntax.
pub struct Algorithms {
    pub get: fn(&SshService) -> &[String],
    /// What sshd is given (ciphers add the weak ones the admin allowed).
    pub rendered: fn(&SshService) -> Vec<String>,
    pub set: fn(&mut SshService, Vec<String>),
    pub table: ssh_algos::Table,
}

impl Codec<SshService> for Algorithms {
    fn render(&self, svc: &SshService) -> String {
        (self.rendered)(svc).join(",")
    }

    fn shown(&self, svc: &SshService) -> String {
        (self.get)(svc).join(",")
    }

    fn read(&self, svc: &mut SshService, spelling: &str, how: How<'_>) -> Result<Option<&'static str>, Refusal> {
        let list = match how {
            How::Pasted => {
                check_list(spelling, self.table).map_err(Refusal::Invalid)?;
                apply_list((self.get)(svc), spelling)
            }
            // Unknown names are kept, so the audit still sees them.
            How::Import { base } => {
                let base: Vec<String> = base.split(',').filter(|s| !s.is_empty()).map(String::from).collect();
                apply_list(&base, spelling)
            }
        };
        (self.set)(svc, list);
        Ok(None)
    }

    fn expected(&self) -> String {
        "a comma-separated list of algorithms (OpenSSH's +, - and ^ prefixes work)".into()
    }

    fn sample(&self, seed: u64) -> String {
        let names: Vec<&str> = self.table.iter().map(|(n, _, _)| *n).filter(|n| *n != "none").collect();
        let mut picked: Vec<&str> =
            names.iter().enumerate().filter(|(i, _)| seed.rotate_right(*i as u32) & 1 == 1).map(|(_, n)| *n).collect();
        if picked.is_empty() {
            picked.extend(names.get((seed % names.len().max(1) as u64) as usize));
        }
        picked.join(",")
    }
}

/// Splits OpenSSH list syntax into its operator (`=` for a plain list) and
/// the names (empty ones dropped).
fn list_op(spec: &str) -> (char, Vec<String>) {
    let spec = spec.trim();
    let (op, body) = match spec.chars().next() {
        Some(c @ ('+' | '-' | '^')) => (c, spec.get(1..).unwrap_or_default()),
        _ => ('=', spec),
    };
    (op, body.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
}

/// Applies OpenSSH list syntax to `current`: `a,b` replaces it, `+a`
/// appends, `-a` removes, `^a` puts first; duplicates are dropped. The one
/// implementation: normalise applies it to the field, import to sshd's
/// default.
pub fn apply_list(current: &[String], spec: &str) -> Vec<String> {
    let (op, names) = list_op(spec);
    let mut out: Vec<String> = match op {
        '+' => current.iter().cloned().chain(names).collect(),
        '-' => current.iter().filter(|c| !names.contains(c)).cloned().collect(),
        '^' => names.iter().cloned().chain(current.iter().filter(|c| !names.contains(c)).cloned()).collect(),
        _ => names,
    };
    let mut seen = std::collections::HashSet::new();
    out.retain(|n| seen.insert(n.clone()));
    out
}

/// What nasguard accepts in a pasted list: algorithm names this OpenSSH
/// knows, no wildcards, no empty names.
pub fn check_list(spec: &str, table: ssh_algos::Table) -> Result<(), String> {
    let body = spec.trim().strip_prefix(['+', '-', '^']).unwrap_or(spec.trim());
    let names: Vec<&str> = body.split(',').map(str::trim).collect();
    if let Some(bad) = names.iter().find(|n| n.contains(['*', '?', '!'])) {
        return Err(format!("wildcards ({bad}) are not supported: list the algorithms"));
    }
    if names.iter().any(|n| n.is_empty()) {
        return Err(format!("{spec:?} has an empty name"));
    }
    if let Some(bad) = names.iter().find(|n| ssh_algos::classify(table, n).is_none()) {
        return Err(format!("{bad:?} is not an algorithm this OpenSSH knows"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssh_keywords::{self, Keyword};

    #[test]
    fn every_row_keyword_is_owned_by_its_field_in_the_allowlist() {
        for row in SSHD.rows {
            for kw in std::iter::once(&row.keyword).chain(row.also) {
                match ssh_keywords::keyword(kw) {
                    Some(Keyword::Owned(by)) => {
                        assert!(by.contains(row.field), "{kw}: owned by {by:?}, row {}", row.field)
                    }
                    other => panic!("{kw} is {other:?} in ssh_keywords, but the field {} writes it", row.field),
                }
            }
        }
        for h in HARDENED {
            assert!(matches!(ssh_keywords::keyword(h.keyword), Some(Keyword::Allowed(_))), "{}", h.keyword);
        }
    }

    #[test]
    fn list_syntax() {
        let cur: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        assert_eq!(apply_list(&cur, "+d,a"), ["a", "b", "c", "d"]);
        assert_eq!(apply_list(&cur, "-b"), ["a", "c"]);
        assert_eq!(apply_list(&cur, "^c"), ["c", "a", "b"]);
        assert_eq!(apply_list(&cur, "x,,y"), ["x", "y"]);
        assert!(check_list("aes128-ctr,,aes256-ctr", ssh_algos::CIPHERS).is_err());
        assert!(check_list("+aes*", ssh_algos::CIPHERS).is_err());
        assert!(check_list("-aes128-cbc", ssh_algos::CIPHERS).is_ok());
    }

    #[test]
    fn defaults_cover_every_judged_keyword() {
        for kw in ["port", "PERMITROOTLOGIN", "disableforwarding", "kerberosauthentication", "maxstartups"] {
            assert!(sshd_default(kw).is_some(), "{kw}");
        }
        assert_eq!(sshd_default("maxauthtries"), Some("6"));
        assert!(judged("KbdInteractiveAuthentication"));
        assert!(!judged("AllowUsers"));
    }

    #[test]
    fn pasted_nearest_values_are_refused_naming_the_field() {
        let mut svc = SshService::default();
        let e = SSHD.paste(&mut svc, "permitrootlogin", "forced-commands-only");
        let Some(Err(m)) = e else { panic!("{e:?}") };
        assert!(m.starts_with("rootlogin is true (yes) or false (no)"), "{m}");
        // A key-only root login is a model value of its own.
        let ok = SSHD.paste(&mut svc, "PermitRootLogin", "prohibit-password");
        assert_eq!(ok, Some(Ok("rootlogin=false root_key_login=true".into())));
        assert!(!svc.rootlogin && svc.root_key_login);
        assert_eq!(SSHD.paste(&mut svc, "PermitRootLogin", "no"), Some(Ok("rootlogin=false".into())));
        assert!(!svc.root_key_login);
        assert_eq!(SSHD.paste(&mut svc, "AllowTcpForwarding", "all"), Some(Ok("tcpfwd=true".into())));
        assert!(SSHD.paste(&mut svc, "GSSAPIAuthentication", "yes").is_none(), "kerberosauth refuses pasted lines");
        assert!(svc.tcpfwd && !svc.kerberosauth);
    }
}

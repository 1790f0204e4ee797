//! SSH: the identification line and the server's KEXINIT (RFC 4253 4.2,
//! 6, 7.1), read without completing key exchange, as ssh-audit and nmap's
//! ssh2-enum-algos do.

use crate::{Reader, WireError};

/// What a probe sends first: servers answer with their own line and KEXINIT.
pub const CLIENT_BANNER: &[u8] = b"SSH-2.0-nasguard_probe\r\n";

/// Lines a server may send before its identification (RFC 4253 4.2).
const MAX_PRE_BANNER: usize = 8192;
/// The largest packet the probe accepts (RFC 4253 6.1 asks for 35000).
pub const MAX_PACKET: usize = 35_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    /// The whole identification line, without CR LF.
    pub raw: String,
    pub protocol: String,
    pub software: String,
}

/// Parses the identification line once it has arrived: `Ok(None)` while
/// more bytes are needed; `Ok(Some((banner, consumed)))` when complete.
pub fn parse_banner(buf: &[u8]) -> Result<Option<(Banner, usize)>, WireError> {
    let mut start = 0;
    loop {
        let Some(nl) = buf.get(start..).and_then(|rest| rest.iter().position(|b| *b == b'\n')) else {
            if buf.len() > MAX_PRE_BANNER {
                return Err(WireError::TooLarge {
                    what: "pre-identification text",
                    len: buf.len(),
                    max: MAX_PRE_BANNER,
                });
            }
            return Ok(None);
        };
        let end = start + nl;
        let line = buf.get(start..end).unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(b"SSH-") {
            let text = String::from_utf8_lossy(line).to_string();
            let mut parts = text.splitn(3, '-');
            let _ = parts.next();
            let protocol = parts.next().unwrap_or("").to_string();
            let software = parts.next().unwrap_or("").split(' ').next().unwrap_or("").to_string();
            if !(protocol == "2.0" || protocol == "1.99") {
                return Err(WireError::Malformed(format!("SSH protocol {protocol:?} is not 2.0")));
            }
            return Ok(Some((Banner { raw: text, protocol, software }, end + 1)));
        }
        start = end + 1;
        if start > MAX_PRE_BANNER {
            return Err(WireError::NotProtocol("SSH"));
        }
    }
}

/// The server's algorithm offer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KexInit {
    pub kex: Vec<String>,
    pub hostkey: Vec<String>,
    pub enc_c2s: Vec<String>,
    pub enc_s2c: Vec<String>,
    pub mac_c2s: Vec<String>,
    pub mac_s2c: Vec<String>,
    pub comp_c2s: Vec<String>,
    pub comp_s2c: Vec<String>,
}

impl KexInit {
    /// `kex-strict-s-v00@openssh.com`: the server implements the Terrapin
    /// countermeasure (strict KEX).
    pub fn strict_kex(&self) -> bool {
        self.kex.iter().any(|k| k == "kex-strict-s-v00@openssh.com")
    }

    /// Both directions' ciphers, first seen first.
    pub fn ciphers(&self) -> Vec<String> {
        union(&self.enc_c2s, &self.enc_s2c)
    }

    pub fn macs(&self) -> Vec<String> {
        union(&self.mac_c2s, &self.mac_s2c)
    }

    /// Key exchange algorithms without the extension pseudo-algorithms
    /// (`ext-info-s`, `kex-strict-*`).
    pub fn kex_algorithms(&self) -> Vec<String> {
        self.kex.iter().filter(|k| !k.starts_with("ext-info-") && !k.starts_with("kex-strict-")).cloned().collect()
    }
}

fn union(a: &[String], b: &[String]) -> Vec<String> {
    let mut out = a.to_vec();
    for x in b {
        if !out.contains(x) {
            out.push(x.clone());
        }
    }
    out
}

fn name_list(r: &mut Reader, what: &str) -> Result<Vec<String>, WireError> {
    let len = r.u32_be(what)? as usize;
    if len > r.remaining() {
        return Err(WireError::Malformed(format!("{what}: name-list of {len} bytes, {} left", r.remaining())));
    }
    let raw = r.take(len, what)?;
    if !raw.iter().all(|b| b.is_ascii_graphic()) {
        return Err(WireError::Malformed(format!("{what}: name-list is not printable ASCII")));
    }
    Ok(String::from_utf8_lossy(raw).split(',').filter(|s| !s.is_empty()).map(String::from).collect())
}

/// Parses the first binary packet, which must be KEXINIT (message 20).
/// `Ok(None)` while more bytes are needed.
pub fn parse_kexinit_packet(buf: &[u8]) -> Result<Option<(KexInit, usize)>, WireError> {
    let mut r = Reader::new(buf);
    let Ok(len) = r.u32_be("packet length") else { return Ok(None) };
    let len = len as usize;
    if !(5..=MAX_PACKET).contains(&len) {
        return Err(WireError::TooLarge { what: "SSH packet", len, max: MAX_PACKET });
    }
    if r.remaining() < len {
        return Ok(None);
    }
    let packet = r.take(len, "packet")?;
    let mut p = Reader::new(packet);
    let padding = p.u8("padding length")? as usize;
    let payload_len =
        len.checked_sub(padding + 1).ok_or_else(|| WireError::Malformed("padding longer than the packet".into()))?;
    let payload = p.take(payload_len, "payload")?;
    let mut k = Reader::new(payload);
    let msg = k.u8("message number")?;
    if msg != 20 {
        return Err(WireError::Malformed(format!("expected KEXINIT (20), got message {msg}")));
    }
    k.take(16, "cookie")?;
    let kex = KexInit {
        kex: name_list(&mut k, "kex_algorithms")?,
        hostkey: name_list(&mut k, "server_host_key_algorithms")?,
        enc_c2s: name_list(&mut k, "encryption_algorithms_client_to_server")?,
        enc_s2c: name_list(&mut k, "encryption_algorithms_server_to_client")?,
        mac_c2s: name_list(&mut k, "mac_algorithms_client_to_server")?,
        mac_s2c: name_list(&mut k, "mac_algorithms_server_to_client")?,
        comp_c2s: name_list(&mut k, "compression_algorithms_client_to_server")?,
        comp_s2c: name_list(&mut k, "compression_algorithms_server_to_client")?,
    };
    // languages (2 lists), first_kex_packet_follows, reserved: read for
    // strictness, ignored.
    name_list(&mut k, "languages_client_to_server")?;
    name_list(&mut k, "languages_server_to_client")?;
    k.u8("first_kex_packet_follows")?;
    k.u32_be("reserved")?;
    Ok(Some((kex, 4 + len)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a KEXINIT packet as a server would.
    pub(crate) fn kexinit_packet(lists: [&str; 10]) -> Vec<u8> {
        let mut payload = vec![20u8];
        payload.extend_from_slice(&[7u8; 16]);
        for l in lists {
            payload.extend_from_slice(&(l.len() as u32).to_be_bytes());
            payload.extend_from_slice(l.as_bytes());
        }
        payload.push(0);
        payload.extend_from_slice(&0u32.to_be_bytes());
        let padding = 8 - ((payload.len() + 5) % 8) + 4;
        let len = payload.len() + padding + 1;
        let mut out = (len as u32).to_be_bytes().to_vec();
        out.push(padding as u8);
        out.extend(payload);
        out.extend(std::iter::repeat_n(0u8, padding));
        out
    }

    #[test]
    fn banner_after_pre_banner_lines_and_in_pieces() {
        let buf = b"hello\r\nSSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\nrest";
        assert_eq!(parse_banner(&buf[..10]), Ok(None));
        let (b, used) = parse_banner(buf).unwrap().unwrap();
        assert_eq!(b.software, "OpenSSH_9.2p1");
        assert_eq!(&buf[used..], b"rest");
        assert!(parse_banner(b"SSH-1.5-old\r\n").is_err());
        assert!(parse_banner(&vec![b'x'; 9000]).is_err());
    }

    #[test]
    fn kexinit_lists_and_strict_marker() {
        let pkt = kexinit_packet([
            "curve25519-sha256,ext-info-s,kex-strict-s-v00@openssh.com",
            "ssh-ed25519",
            "aes128-ctr,aes128-cbc",
            "aes128-ctr",
            "hmac-sha2-256-etm@openssh.com",
            "hmac-sha2-256-etm@openssh.com",
            "none",
            "none",
            "",
            "",
        ]);
        assert_eq!(parse_kexinit_packet(&pkt[..20]), Ok(None));
        let (k, used) = parse_kexinit_packet(&pkt).unwrap().unwrap();
        assert_eq!(used, pkt.len());
        assert!(k.strict_kex());
        assert_eq!(k.kex_algorithms(), vec!["curve25519-sha256"]);
        assert_eq!(k.ciphers(), vec!["aes128-ctr", "aes128-cbc"]);
    }

    #[test]
    fn hostile_lengths_are_refused_not_allocated() {
        let mut huge = (u32::MAX).to_be_bytes().to_vec();
        huge.extend_from_slice(&[0; 16]);
        assert!(matches!(parse_kexinit_packet(&huge), Err(WireError::TooLarge { .. })));
        let mut pkt = kexinit_packet(["a", "b", "c", "d", "e", "f", "g", "h", "", ""]);
        // A name-list claiming more bytes than the packet holds.
        pkt[4 + 1 + 1 + 16] = 0x7f;
        assert!(parse_kexinit_packet(&pkt).is_err());
    }
}

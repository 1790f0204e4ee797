//! SMB NEGOTIATE: an SMB1 request offering only "NT LM 0.12" (is SMB1
//! accepted?) and SMB2/3 requests (which dialects, is signing required,
//! encryption). Direct-TCP framing: a zero byte and a 24-bit length.

use crate::{Reader, WireError};

/// SMB2 dialect revisions, oldest first.
pub const DIALECTS: [u16; 5] = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311];

/// A reply larger than this is refused (a negotiate reply is a few hundred
/// bytes; Samba's security blob keeps it well under 1 KiB).
pub const MAX_MESSAGE: usize = 65_536;

/// `2.0.2`, `2.1`, `3.0`, `3.0.2`, `3.1.1`: as nmap's smb-protocols names them.
pub fn dialect_name(d: u16) -> String {
    let (major, minor, patch) = (d >> 8, (d >> 4) & 0xf, d & 0xf);
    if patch == 0 { format!("{major}.{minor}") } else { format!("{major}.{minor}.{patch}") }
}

fn frame(msg: Vec<u8>) -> Vec<u8> {
    let len = msg.len() as u32;
    let mut out = vec![0, (len >> 16) as u8, (len >> 8) as u8, len as u8];
    out.extend(msg);
    out
}

/// Splits one framed message off `buf`: `Ok(None)` while incomplete.
pub fn unframe(buf: &[u8]) -> Result<Option<(&[u8], usize)>, WireError> {
    let Some(head) = buf.get(..4) else { return Ok(None) };
    if head[0] != 0 {
        return Err(WireError::NotProtocol("SMB (direct TCP)"));
    }
    let len = (usize::from(head[1]) << 16) | (usize::from(head[2]) << 8) | usize::from(head[3]);
    if len > MAX_MESSAGE {
        return Err(WireError::TooLarge { what: "SMB message", len, max: MAX_MESSAGE });
    }
    match buf.get(4..4 + len) {
        Some(msg) => Ok(Some((msg, 4 + len))),
        None => Ok(None),
    }
}

/// SMB1 NEGOTIATE offering only NT LM 0.12.
pub fn smb1_negotiate() -> Vec<u8> {
    let mut m = b"\xffSMB".to_vec();
    m.push(0x72); // SMB_COM_NEGOTIATE
    m.extend_from_slice(&[0; 4]); // status
    m.push(0x18); // flags: case-insensitive, canonicalised paths
    m.extend_from_slice(&0xc853u16.to_le_bytes()); // flags2: unicode, NT status, extended security, long names
    m.extend_from_slice(&[0; 12]); // PID high, security features, reserved
    m.extend_from_slice(&[0xff, 0xff]); // TID
    m.extend_from_slice(&0xfeffu16.to_le_bytes()); // PID
    m.extend_from_slice(&[0; 2]); // UID
    m.extend_from_slice(&[0; 2]); // MID
    let dialects = b"\x02NT LM 0.12\x00";
    m.push(0); // word count
    m.extend_from_slice(&(dialects.len() as u16).to_le_bytes());
    m.extend_from_slice(dialects);
    frame(m)
}

/// What an SMB1 negotiate reply says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smb1Reply {
    /// The server chose NT LM 0.12: SMB1 is accepted.
    pub accepted: bool,
    pub signing_enabled: bool,
    pub signing_required: bool,
}

pub fn parse_smb1_reply(msg: &[u8]) -> Result<Smb1Reply, WireError> {
    let refused = Smb1Reply { accepted: false, signing_enabled: false, signing_required: false };
    if msg.starts_with(b"\xfeSMB") {
        return Ok(refused); // an SMB2 answer: SMB1 is not spoken
    }
    if !msg.starts_with(b"\xffSMB") {
        return Err(WireError::NotProtocol("SMB"));
    }
    let mut r = Reader::new(msg);
    r.take(4, "protocol id")?;
    let cmd = r.u8("command")?;
    let status = r.u32_le("status")?;
    if cmd != 0x72 {
        return Err(WireError::Malformed(format!("SMB1 reply to command {cmd:#x}, not NEGOTIATE")));
    }
    if status != 0 {
        return Ok(refused);
    }
    r.take(23, "header rest")?;
    let words = r.u8("word count")?;
    if words == 0 {
        return Ok(refused);
    }
    let index = r.u16_le("dialect index")?;
    if index != 0 {
        return Ok(refused);
    }
    let mode = r.u8("security mode")?;
    Ok(Smb1Reply { accepted: true, signing_enabled: mode & 0x04 != 0, signing_required: mode & 0x08 != 0 })
}

/// SMB2 NEGOTIATE offering `dialects` (with the 3.1.1 contexts when
/// 3.1.1 is offered).
pub fn smb2_negotiate(dialects: &[u16]) -> Vec<u8> {
    let mut m = b"\xfeSMB".to_vec();
    m.extend_from_slice(&64u16.to_le_bytes()); // structure size
    m.extend_from_slice(&0u16.to_le_bytes()); // credit charge
    m.extend_from_slice(&0u32.to_le_bytes()); // status
    m.extend_from_slice(&0u16.to_le_bytes()); // command: NEGOTIATE
    m.extend_from_slice(&1u16.to_le_bytes()); // credits requested
    m.extend_from_slice(&0u32.to_le_bytes()); // flags
    m.extend_from_slice(&0u32.to_le_bytes()); // next command
    m.extend_from_slice(&0u64.to_le_bytes()); // message id
    m.extend_from_slice(&0u32.to_le_bytes()); // reserved / process id
    m.extend_from_slice(&0u32.to_le_bytes()); // tree id
    m.extend_from_slice(&0u64.to_le_bytes()); // session id
    m.extend_from_slice(&[0; 16]); // signature
    let with_contexts = dialects.contains(&0x0311);
    m.extend_from_slice(&36u16.to_le_bytes());
    m.extend_from_slice(&(dialects.len() as u16).to_le_bytes());
    m.extend_from_slice(&1u16.to_le_bytes()); // security mode: signing enabled
    m.extend_from_slice(&0u16.to_le_bytes());
    m.extend_from_slice(&0x7fu32.to_le_bytes()); // capabilities
    m.extend_from_slice(b"nasguard-probe!!"); // client guid
    let offset_at = m.len();
    m.extend_from_slice(&[0; 8]); // context offset/count, or client start time
    for d in dialects {
        m.extend_from_slice(&d.to_le_bytes());
    }
    if with_contexts {
        while !m.len().is_multiple_of(8) {
            m.push(0);
        }
        let offset = m.len() as u32;
        // PREAUTH_INTEGRITY_CAPABILITIES: SHA-512, 32-byte salt.
        let mut preauth = vec![];
        preauth.extend_from_slice(&1u16.to_le_bytes());
        preauth.extend_from_slice(&32u16.to_le_bytes());
        preauth.extend_from_slice(&1u16.to_le_bytes());
        preauth.extend_from_slice(&[0x5a; 32]);
        // ENCRYPTION_CAPABILITIES: AES-128-GCM, AES-128-CCM.
        let enc = [2u8, 0, 2, 0, 1, 0];
        for (i, (kind, data)) in [(1u16, &preauth[..]), (2u16, &enc[..])].into_iter().enumerate() {
            if i > 0 {
                while !m.len().is_multiple_of(8) {
                    m.push(0);
                }
            }
            m.extend_from_slice(&kind.to_le_bytes());
            m.extend_from_slice(&(data.len() as u16).to_le_bytes());
            m.extend_from_slice(&0u32.to_le_bytes());
            m.extend_from_slice(data);
        }
        let head = [offset.to_le_bytes().as_slice(), &2u16.to_le_bytes(), &0u16.to_le_bytes()].concat();
        m.splice(offset_at..offset_at + 8, head);
    }
    frame(m)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smb2Reply {
    /// `None` when the server refused every dialect offered.
    pub dialect: Option<u16>,
    pub signing_enabled: bool,
    pub signing_required: bool,
    /// The ENCRYPTION capability (SMB 3.0/3.0.2; 3.1.1 negotiates it in a context).
    pub encryption: bool,
}

pub fn parse_smb2_reply(msg: &[u8]) -> Result<Smb2Reply, WireError> {
    let none = Smb2Reply { dialect: None, signing_enabled: false, signing_required: false, encryption: false };
    if msg.starts_with(b"\xffSMB") {
        return Ok(none); // an SMB1-only server
    }
    if !msg.starts_with(b"\xfeSMB") {
        return Err(WireError::NotProtocol("SMB2"));
    }
    let mut r = Reader::new(msg);
    r.take(8, "header start")?;
    let status = r.u32_le("status")?;
    let command = r.u16_le("command")?;
    if command != 0 {
        return Err(WireError::Malformed(format!("SMB2 reply to command {command}, not NEGOTIATE")));
    }
    if status != 0 {
        return Ok(none);
    }
    r.take(64 - 14, "header rest")?;
    let size = r.u16_le("structure size")?;
    if size != 65 {
        return Err(WireError::Malformed(format!("NEGOTIATE response structure size {size}, not 65")));
    }
    let mode = r.u16_le("security mode")?;
    let dialect = r.u16_le("dialect")?;
    r.u16_le("context count")?;
    r.take(16, "server guid")?;
    let caps = r.u32_le("capabilities")?;
    Ok(Smb2Reply {
        dialect: (dialect != 0x02ff).then_some(dialect),
        signing_enabled: mode & 0x01 != 0,
        signing_required: mode & 0x02 != 0,
        encryption: caps & 0x40 != 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smb2_reply(status: u32, mode: u16, dialect: u16, caps: u32) -> Vec<u8> {
        let mut m = b"\xfeSMB".to_vec();
        m.extend_from_slice(&64u16.to_le_bytes());
        m.extend_from_slice(&0u16.to_le_bytes());
        m.extend_from_slice(&status.to_le_bytes());
        m.extend_from_slice(&0u16.to_le_bytes());
        m.extend_from_slice(&[0; 50]);
        m.extend_from_slice(&65u16.to_le_bytes());
        m.extend_from_slice(&mode.to_le_bytes());
        m.extend_from_slice(&dialect.to_le_bytes());
        m.extend_from_slice(&0u16.to_le_bytes());
        m.extend_from_slice(&[0; 16]);
        m.extend_from_slice(&caps.to_le_bytes());
        m.extend_from_slice(&[0; 40]);
        m
    }

    #[test]
    fn requests_are_framed_and_offer_what_they_say() {
        let r = smb1_negotiate();
        let (msg, used) = unframe(&r).unwrap().unwrap();
        assert_eq!(used, r.len());
        assert!(msg.windows(10).any(|w| w == b"NT LM 0.12"));
        let r = smb2_negotiate(&DIALECTS);
        let (msg, _) = unframe(&r).unwrap().unwrap();
        assert_eq!(&msg[..4], b"\xfeSMB");
        assert_eq!(u16::from_le_bytes([msg[66], msg[67]]), 5);
        // The 3.1.1 contexts start at an 8-aligned offset from the header.
        let off = u32::from_le_bytes([msg[92], msg[93], msg[94], msg[95]]) as usize;
        assert_eq!(off % 8, 0);
        assert_eq!(u16::from_le_bytes([msg[off], msg[off + 1]]), 1);
    }

    #[test]
    fn smb2_signing_and_dialect() {
        let r = parse_smb2_reply(&smb2_reply(0, 3, 0x0311, 0x40)).unwrap();
        assert_eq!(r.dialect, Some(0x0311));
        assert!(r.signing_required && r.signing_enabled && r.encryption);
        let r = parse_smb2_reply(&smb2_reply(0xc000_0001, 0, 0, 0)).unwrap();
        assert_eq!(r.dialect, None);
        assert_eq!(dialect_name(0x0311), "3.1.1");
        assert_eq!(dialect_name(0x0210), "2.1");
    }

    #[test]
    fn smb1_refusals() {
        assert!(!parse_smb1_reply(&smb2_reply(0, 1, 0x02ff, 0)).unwrap().accepted);
        assert!(parse_smb1_reply(b"garbage").is_err());
        assert!(unframe(&[0, 0xff, 0xff, 0xff]).is_err());
        assert_eq!(unframe(&[0, 0, 0, 9, 1]).unwrap(), None);
    }
}

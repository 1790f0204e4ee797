//! iSCSI (RFC 7143): Login and Text PDUs for the unauthenticated probe.
//!
//! Done right where nmap's iscsi-info is not: the Login request carries the
//! Immediate bit (opcode 0x43), the reply's opcode must be Login Response
//! (0x23), and a login counts as accepted only with status 0, the Transit
//! bit set and the next stage advanced.

use crate::{Reader, WireError};

pub const BHS: usize = 48;
/// Data segments larger than this are refused.
pub const MAX_DATA: usize = 1 << 20;

/// Login stages.
pub const SECURITY: u8 = 0;
pub const OPERATIONAL: u8 = 1;
pub const FULL_FEATURE: u8 = 3;

/// The probe's initiator name.
pub const INITIATOR: &str = "iqn.2026-11.org.nasguard:probe";

fn pdu(opcode: u8, flags: u8, specific: &[u8; 40], keys: &[(&str, &str)]) -> Vec<u8> {
    let mut data = vec![];
    for (k, v) in keys {
        data.extend_from_slice(k.as_bytes());
        data.push(b'=');
        data.extend_from_slice(v.as_bytes());
        data.push(0);
    }
    let len = data.len();
    let mut out = vec![opcode, flags, 0, 0, 0, (len >> 16) as u8, (len >> 8) as u8, len as u8];
    out.extend_from_slice(specific);
    while data.len() % 4 != 0 {
        data.push(0);
    }
    out.extend(data);
    out
}

/// A Login request moving from `csg` to `nsg` (Transit set).
pub fn login(csg: u8, nsg: u8, itt: u32, cmd_sn: u32, keys: &[(&str, &str)]) -> Vec<u8> {
    let mut s = [0u8; 40];
    s[0..6].copy_from_slice(&[0x40, 0x00, 0x01, 0x37, 0x00, 0x00]); // ISID: random type
    s[8..12].copy_from_slice(&itt.to_be_bytes());
    s[16..20].copy_from_slice(&cmd_sn.to_be_bytes());
    pdu(0x43, 0x80 | (csg << 2) | nsg, &s, keys)
}

/// A Text request (Final) such as `SendTargets=All`.
pub fn text(itt: u32, cmd_sn: u32, keys: &[(&str, &str)]) -> Vec<u8> {
    let mut s = [0u8; 40];
    s[8..12].copy_from_slice(&itt.to_be_bytes());
    s[12..16].copy_from_slice(&0xffff_ffffu32.to_be_bytes()); // target transfer tag
    s[16..20].copy_from_slice(&cmd_sn.to_be_bytes());
    pdu(0x44, 0x80, &s, keys)
}

/// A parsed response PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub opcode: u8,
    pub transit: bool,
    pub csg: u8,
    pub nsg: u8,
    /// Login status class and detail (0/0 = success, 2/1 = authentication failure).
    pub status: (u8, u8),
    pub keys: Vec<(String, String)>,
}

impl Response {
    pub fn key(&self, k: &str) -> Option<&str> {
        self.keys.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    /// A Login Response that lets the login go on to `nsg`.
    pub fn login_accepted(&self, nsg: u8) -> bool {
        self.opcode == 0x23 && self.status == (0, 0) && self.transit && self.nsg == nsg
    }
}

/// Parses one PDU: `Ok(None)` until it has fully arrived.
pub fn parse(buf: &[u8]) -> Result<Option<(Response, usize)>, WireError> {
    let Some(bhs) = buf.get(..BHS) else { return Ok(None) };
    let mut r = Reader::new(bhs);
    let opcode = r.u8("opcode")? & 0x3f;
    let flags = r.u8("flags")?;
    r.take(2, "version")?;
    let ahs = usize::from(r.u8("AHS length")?) * 4;
    let len =
        r.take(3, "data length").map(|b| (usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))?;
    if len > MAX_DATA {
        return Err(WireError::TooLarge { what: "iSCSI data segment", len, max: MAX_DATA });
    }
    if !matches!(opcode, 0x23 | 0x24 | 0x3f | 0x26 | 0x32) {
        return Err(WireError::NotProtocol("iSCSI"));
    }
    let total = BHS + ahs + len.div_ceil(4) * 4;
    let Some(whole) = buf.get(..total) else { return Ok(None) };
    let data = whole.get(BHS + ahs..BHS + ahs + len).unwrap_or_default();
    let mut keys = vec![];
    for pair in data.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let text = String::from_utf8_lossy(pair);
        if let Some((k, v)) = text.split_once('=') {
            keys.push((k.to_string(), v.to_string()));
        }
    }
    let status = (bhs.get(36).copied().unwrap_or(0), bhs.get(37).copied().unwrap_or(0));
    Ok(Some((
        Response { opcode, transit: flags & 0x80 != 0, csg: (flags >> 2) & 3, nsg: flags & 3, status, keys },
        total,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login_reply(flags: u8, class: u8, detail: u8, data: &[u8]) -> Vec<u8> {
        let mut b = vec![0x23, flags, 0, 0, 0, 0, 0, data.len() as u8];
        b.extend_from_slice(&[0; 28]);
        b.push(class);
        b.push(detail);
        b.extend_from_slice(&[0; 10]);
        b.extend_from_slice(data);
        while b.len() % 4 != 0 {
            b.push(0);
        }
        b
    }

    #[test]
    fn login_request_has_the_immediate_bit_and_padded_keys() {
        let p = login(
            SECURITY,
            OPERATIONAL,
            1,
            0,
            &[("InitiatorName", INITIATOR), ("SessionType", "Discovery"), ("AuthMethod", "None")],
        );
        assert_eq!(p[0], 0x43);
        assert_eq!(p[1], 0x81);
        assert_eq!(p.len() % 4, 0);
        assert!(p.windows(15).any(|w| w == b"AuthMethod=None"));
    }

    #[test]
    fn accepted_only_with_status_zero_transit_and_next_stage() {
        let (ok, used) = parse(&login_reply(0x81, 0, 0, b"AuthMethod=None\0")).unwrap().unwrap();
        assert_eq!(used, 64);
        assert!(ok.login_accepted(OPERATIONAL));
        assert_eq!(ok.key("AuthMethod"), Some("None"));
        let (denied, _) = parse(&login_reply(0x00, 2, 1, b"AuthMethod=Reject\0")).unwrap().unwrap();
        assert!(!denied.login_accepted(OPERATIONAL));
        assert_eq!(denied.status, (2, 1));
        // A Reject PDU (0x3f) with zero status is not an accepted login.
        let mut reject = login_reply(0x81, 0, 0, b"");
        reject[0] = 0x3f;
        assert!(!parse(&reject).unwrap().unwrap().0.login_accepted(OPERATIONAL));
    }

    #[test]
    fn hostile_input() {
        assert_eq!(parse(&[0x23; 20]), Ok(None));
        let mut huge = login_reply(0x81, 0, 0, b"");
        huge[5] = 0xff;
        assert!(parse(&huge).is_err());
        assert!(parse(&[0x01; 48]).is_err());
    }
}

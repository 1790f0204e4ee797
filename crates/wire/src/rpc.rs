//! ONC RPC over TCP (RFC 5531) for the NFS probe: portmapper DUMP (100000
//! v2 proc 4) and MOUNT EXPORT (100005 v3 proc 5), as rpcinfo and
//! showmount -e send them.

use crate::{Reader, WireError};

pub const PORTMAP: u32 = 100_000;
pub const NFS: u32 = 100_003;
pub const MOUNT: u32 = 100_005;

/// A reply larger than this (all fragments) is refused.
pub const MAX_REPLY: usize = 1 << 20;

fn auth_unix(out: &mut Vec<u8>) {
    let machine = b"nasguard";
    let mut body = vec![];
    body.extend_from_slice(&0u32.to_be_bytes()); // stamp
    body.extend_from_slice(&(machine.len() as u32).to_be_bytes());
    body.extend_from_slice(machine);
    while body.len() % 4 != 0 {
        body.push(0);
    }
    body.extend_from_slice(&0u32.to_be_bytes()); // uid
    body.extend_from_slice(&0u32.to_be_bytes()); // gid
    body.extend_from_slice(&0u32.to_be_bytes()); // no extra gids
    out.extend_from_slice(&1u32.to_be_bytes()); // AUTH_UNIX
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend(body);
}

/// A call with `xid`, AUTH_UNIX credentials and no arguments.
pub fn call(xid: u32, prog: u32, vers: u32, proc_: u32) -> Vec<u8> {
    let mut m = vec![];
    for v in [xid, 0, 2, prog, vers, proc_] {
        m.extend_from_slice(&v.to_be_bytes());
    }
    auth_unix(&mut m);
    m.extend_from_slice(&[0; 8]); // verifier: AUTH_NULL
    let mut out = (0x8000_0000u32 | m.len() as u32).to_be_bytes().to_vec();
    out.extend(m);
    out
}

/// Joins record-marked fragments: `Ok(None)` until the last fragment has
/// arrived; then the record and the bytes it used.
pub fn unframe(buf: &[u8]) -> Result<Option<(Vec<u8>, usize)>, WireError> {
    let mut r = Reader::new(buf);
    let mut record = vec![];
    loop {
        let Ok(mark) = r.u32_be("record mark") else { return Ok(None) };
        let len = (mark & 0x7fff_ffff) as usize;
        if record.len() + len > MAX_REPLY {
            return Err(WireError::TooLarge { what: "RPC reply", len: record.len() + len, max: MAX_REPLY });
        }
        if r.remaining() < len {
            return Ok(None);
        }
        record.extend_from_slice(r.take(len, "fragment")?);
        if mark & 0x8000_0000 != 0 {
            return Ok(Some((record, buf.len() - r.remaining())));
        }
    }
}

/// Checks the reply header for `xid`; returns a reader at the results.
fn accepted(record: &[u8], xid: u32) -> Result<Reader<'_>, WireError> {
    let mut r = Reader::new(record);
    if r.u32_be("xid")? != xid {
        return Err(WireError::Malformed("RPC reply for another call".into()));
    }
    if r.u32_be("message type")? != 1 {
        return Err(WireError::NotProtocol("ONC RPC"));
    }
    match r.u32_be("reply status")? {
        0 => {}
        1 => return Err(WireError::Malformed("RPC call denied (authentication)".into())),
        s => return Err(WireError::Malformed(format!("RPC reply status {s}"))),
    }
    r.u32_be("verifier flavor")?;
    let vlen = r.u32_be("verifier length")? as usize;
    if vlen > 400 {
        return Err(WireError::TooLarge { what: "RPC verifier", len: vlen, max: 400 });
    }
    r.take(vlen.div_ceil(4) * 4, "verifier")?;
    match r.u32_be("accept status")? {
        0 => Ok(r),
        1 => Err(WireError::Malformed("program unavailable".into())),
        2 => Err(WireError::Malformed("program version mismatch".into())),
        3 => Err(WireError::Malformed("procedure unavailable".into())),
        s => Err(WireError::Malformed(format!("RPC accept status {s}"))),
    }
}

fn string(r: &mut Reader, what: &str) -> Result<String, WireError> {
    let len = r.u32_be(what)? as usize;
    if len > 4096 || len > r.remaining() {
        return Err(WireError::Malformed(format!("{what}: string of {len} bytes, {} left", r.remaining())));
    }
    let s = String::from_utf8_lossy(r.take(len, what)?).to_string();
    r.take((4 - len % 4) % 4, "padding")?;
    Ok(s)
}

/// One portmapper registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub prog: u32,
    pub vers: u32,
    /// 6 = TCP, 17 = UDP.
    pub prot: u32,
    pub port: u32,
}

pub fn parse_dump(record: &[u8], xid: u32) -> Result<Vec<Mapping>, WireError> {
    let mut r = accepted(record, xid)?;
    let mut out = vec![];
    while r.u32_be("list follows")? == 1 {
        if out.len() >= 4096 {
            return Err(WireError::TooLarge { what: "portmapper list", len: out.len(), max: 4096 });
        }
        out.push(Mapping {
            prog: r.u32_be("prog")?,
            vers: r.u32_be("vers")?,
            prot: r.u32_be("prot")?,
            port: r.u32_be("port")?,
        });
    }
    Ok(out)
}

/// One export: its path and client groups (none = every host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub path: String,
    pub groups: Vec<String>,
}

pub fn parse_exports(record: &[u8], xid: u32) -> Result<Vec<Export>, WireError> {
    let mut r = accepted(record, xid)?;
    let mut out = vec![];
    while r.u32_be("export follows")? == 1 {
        if out.len() >= 4096 {
            return Err(WireError::TooLarge { what: "export list", len: out.len(), max: 4096 });
        }
        let path = string(&mut r, "export path")?;
        let mut groups = vec![];
        while r.u32_be("group follows")? == 1 {
            if groups.len() >= 4096 {
                return Err(WireError::TooLarge { what: "group list", len: groups.len(), max: 4096 });
            }
            groups.push(string(&mut r, "group")?);
        }
        out.push(Export { path, groups });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(xid: u32, body: &[u32], strings: &[(usize, &str)]) -> Vec<u8> {
        // Builds an accepted reply whose results are `body`, with strings
        // spliced in after the word at each index.
        let mut m = vec![];
        for v in [xid, 1, 0, 0, 0, 0] {
            m.extend_from_slice(&u32::to_be_bytes(v));
        }
        for (i, v) in body.iter().enumerate() {
            m.extend_from_slice(&v.to_be_bytes());
            for (at, s) in strings {
                if *at == i {
                    m.extend_from_slice(&(s.len() as u32).to_be_bytes());
                    m.extend_from_slice(s.as_bytes());
                    while m.len() % 4 != 0 {
                        m.push(0);
                    }
                }
            }
        }
        m
    }

    #[test]
    fn calls_are_record_marked() {
        let c = call(7, MOUNT, 3, 5);
        let (rec, used) = unframe(&c).unwrap().unwrap();
        assert_eq!(used, c.len());
        assert_eq!(&rec[..4], &7u32.to_be_bytes());
    }

    #[test]
    fn exports_and_groups() {
        // export "/a" groups ["10.0.0.0/8"], export "/b" no groups.
        let rec = reply(9, &[1, 1, 0, 1, 0, 0], &[(0, "/a"), (1, "10.0.0.0/8"), (3, "/b")]);
        let e = parse_exports(&rec, 9).unwrap();
        assert_eq!(
            e,
            vec![
                Export { path: "/a".into(), groups: vec!["10.0.0.0/8".into()] },
                Export { path: "/b".into(), groups: vec![] }
            ]
        );
        assert!(parse_exports(&rec, 10).is_err());
    }

    #[test]
    fn dump_and_fragments_and_caps() {
        let rec = reply(3, &[1, MOUNT, 3, 6, 20048, 0], &[]);
        assert_eq!(parse_dump(&rec, 3).unwrap()[0].port, 20048);
        let mut two = (4u32).to_be_bytes().to_vec();
        two.extend_from_slice(&rec[..4]);
        two.extend_from_slice(&(0x8000_0000u32 | (rec.len() as u32 - 4)).to_be_bytes());
        two.extend_from_slice(&rec[4..]);
        assert_eq!(unframe(&two).unwrap().unwrap().0, rec);
        assert!(unframe(&[0xff, 0xff, 0xff, 0xff]).is_err());
    }
}

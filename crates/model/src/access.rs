//! Who an access list admits, whatever way it is written.
//!
//! **Invariant:** an access list that admits every address is "everyone",
//! exactly like an empty one. `0.0.0.0/0`, `::/0`, `0.0.0.0/0.0.0.0`,
//! `0.0.0.0/1` + `128.0.0.0/1`, `::ffff:0:0/96` (every IPv4 client as seen
//! on an IPv6 socket), a host `*`, `*.*` or `0/0`, Samba's `ALL`: each is
//! everyone. Validation refuses such a list unless the object says
//! `allow_everyone`, the rules flag it wherever the evidence comes from
//! (store, config files, live probes), and renderers treat it as everyone.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An address entry of an access list (`10.0.0.0/8`, `10.0.0.1`,
/// `10.0.0.0/255.0.0.0`), or `None` for a name or pattern.
pub fn parse_network(entry: &str) -> Option<IpNet> {
    let entry = entry.trim();
    // `[::1]/64` is how Samba and exports(5) bracket IPv6.
    let unbracketed = entry.replacen('[', "", 1).replacen(']', "", 1);
    let entry = unbracketed.as_str();
    if let Ok(net) = entry.parse::<IpNet>() {
        return Some(net);
    }
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(IpNet::from(ip));
    }
    let (addr, mask) = entry.split_once('/')?;
    // `0/0`, `10/8`: a shortened IPv4 address with a prefix length.
    if let (Ok(first), Ok(len)) = (addr.parse::<u8>(), mask.parse::<u8>()) {
        return Ipv4Net::new(Ipv4Addr::new(first, 0, 0, 0), len).ok().map(IpNet::V4);
    }
    // `a.b.c.d/255.255.0.0`: a dotted netmask.
    let addr: Ipv4Addr = addr.parse().ok()?;
    let mask: Ipv4Addr = mask.parse().ok()?;
    let bits = u32::from(mask);
    if bits.leading_ones() + bits.trailing_zeros() != 32 {
        return None;
    }
    Ipv4Net::new(addr, bits.leading_ones() as u8).ok().map(|n| IpNet::V4(n.trunc()))
}

/// Why an iSCSI initiator-name entry admits every initiator, if it does:
/// `ALL` (TrueNAS's word) or a wildcard with nothing fixed in it.
pub fn initiator_is_everyone(entry: &str) -> Option<String> {
    let e = entry.trim();
    if e.eq_ignore_ascii_case("ALL") {
        return Some(format!("{e:?} admits every initiator"));
    }
    if !e.is_empty() && e.chars().all(|c| matches!(c, '*' | '?' | '.' | '-' | '[' | ']' | ':')) {
        return Some(format!("{e:?} is a pattern that matches every initiator"));
    }
    None
}

/// Why a host entry (a name, address or pattern) admits every host, if it
/// does: Samba's `ALL` and `FAIL` (`string_match` treats FAIL exactly like
/// ALL, lib/util/access.c), an all-zero address, or a wildcard pattern
/// (`*`, `?`, `[...]` ranges as exports(5) and Ganesha match them) that is
/// not one of the shapes known to be narrow (see [`narrow_pattern`]):
/// `[--z]*` matches every name and address, as `*` does.
pub fn pattern_is_everyone(entry: &str) -> Option<String> {
    let e = entry.trim();
    if e.eq_ignore_ascii_case("ALL") || e.eq_ignore_ascii_case("FAIL") {
        return Some(format!("{e:?} admits every host"));
    }
    if let Some(why) = zero_mask(e) {
        return Some(why);
    }
    // exports(5): `gss/krb5` is every client that authenticates with
    // Kerberos, whatever its address.
    if e.starts_with("gss/") {
        return Some(format!("{e:?} admits every host that uses that security flavour"));
    }
    if e.contains(['*', '?', '[', ']']) && !narrow_pattern(e) {
        return Some(format!(
            "{e:?} is a pattern that matches every host (a wildcard is accepted only under a fixed domain such as *.example.com or after a fixed address prefix such as 10.1.*)"
        ));
    }
    if matches!(e.parse::<IpAddr>(), Ok(ip) if ip.is_unspecified()) {
        return Some(format!("{e:?} is the unspecified address: exports and Samba read it as every host"));
    }
    None
}

/// An IPv4 address as `inet_aton` reads it (what getaddrinfo with
/// AI_NUMERICHOST accepts, so what exports(5) and Samba accept): one to
/// four parts, each decimal, `0x` hex or `0` octal, the last filling the
/// bytes left (`0.0` is 0.0.0.0, `10.1` is 10.0.0.1).
pub fn inet_aton(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let mut values = vec![];
    for p in &parts {
        let v = if let Some(hex) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
            u32::from_str_radix(hex, 16).ok()?
        } else if let Some(oct) = p.strip_prefix('0').filter(|o| !o.is_empty()) {
            u32::from_str_radix(oct, 8).ok()?
        } else if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
            p.parse::<u32>().ok()?
        } else {
            return None;
        };
        values.push(v);
    }
    let (last, init) = values.split_last()?;
    if init.iter().any(|v| *v > 255) {
        return None;
    }
    let room = 8 * (4 - init.len() as u32);
    if room < 32 && u64::from(*last) >= 1u64 << room {
        return None;
    }
    let mut out = *last;
    for (i, v) in init.iter().enumerate() {
        out |= v << (24 - 8 * i as u32);
    }
    Some(out)
}

/// Why `ADDR/MASK` admits everyone, if its mask is zero however it is
/// written: a prefix length of 0 (`/0`, `/00`), or a mask address that is
/// all zeros (`/0.0.0.0`, `/0.0`, `/0x0` as Samba reads masks longer than
/// two characters, `/::`). Whatever the address, nothing of it is compared.
fn zero_mask(entry: &str) -> Option<String> {
    let (addr, mask) = entry.rsplit_once('/')?;
    if addr.is_empty() || mask.is_empty() {
        return None;
    }
    let zero = (mask.bytes().all(|b| b.is_ascii_digit()) && mask.bytes().all(|b| b == b'0'))
        || inet_aton(mask) == Some(0)
        || mask.parse::<Ipv6Addr>().is_ok_and(|m| m.is_unspecified());
    zero.then(|| format!("{entry:?} has a mask of zero: it admits every address"))
}

/// The wildcard shapes known to admit a narrow set of hosts; every other
/// wildcard or range pattern is "everyone" (an allowlist of shapes, not a
/// guess at what a range covers):
/// - a fixed address prefix: a whole IPv4 octet then `.` (`10.1.*`,
///   `192.168.1.[0-9]*`), or IPv6 hex digits then `:`, with nothing but
///   digits, separators and wildcards after it;
/// - a fixed DNS suffix: the labels after the last label holding a wildcard
///   are literal, the last one has a letter, and there are two of them
///   (`*.example.com`) or the wildcard label starts with a literal part
///   (`nas?.lan`).
pub fn narrow_pattern(e: &str) -> bool {
    let wild = |c: char| matches!(c, '*' | '?' | '[' | ']' | '!' | '^' | '\\');
    let literal = |l: &str| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if let Some((head, _)) = e.split_once('.')
        && !head.is_empty()
        && head.parse::<u8>().is_ok()
        && e.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-' || wild(c))
    {
        return true;
    }
    if let Some((head, _)) = e.split_once(':')
        && (1..=4).contains(&head.len())
        && head.chars().all(|c| c.is_ascii_hexdigit())
        && e.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '-' || wild(c))
    {
        return true;
    }
    let labels: Vec<&str> = e.split('.').collect();
    let Some(last_wild) = labels.iter().rposition(|l| l.chars().any(wild)) else {
        return false;
    };
    let suffix = labels.get(last_wild + 1..).unwrap_or_default();
    let starts_literal = labels
        .get(last_wild)
        .and_then(|l| l.chars().next())
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    !suffix.is_empty()
        && suffix.iter().all(|l| literal(l))
        && suffix.last().is_some_and(|l| l.chars().any(|c| c.is_ascii_alphabetic()))
        && (suffix.len() >= 2 || starts_literal)
}

/// The IPv4 networks an IPv6 network reaches through IPv4-mapped
/// (`::ffff:a.b.c.d`) addresses: a server listening on an IPv6 socket sees
/// every IPv4 client that way.
fn mapped_v4(net: &Ipv6Net) -> Option<Ipv4Net> {
    let mapped: Ipv6Net = Ipv6Net::new(Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96).ok()?;
    if net.prefix_len() <= 96 {
        return net.contains(&mapped).then(|| Ipv4Net::new(Ipv4Addr::UNSPECIFIED, 0).ok()).flatten();
    }
    if !mapped.contains(net) {
        return None;
    }
    let addr = net.network().to_ipv4_mapped()?;
    Ipv4Net::new(addr, net.prefix_len() - 96).ok()
}

/// Why `nets` together admit every IPv4 or every IPv6 address, if they do.
pub fn networks_cover_everyone<'a>(nets: impl IntoIterator<Item = &'a IpNet>) -> Option<String> {
    let mut v4: Vec<IpNet> = vec![];
    let mut v6: Vec<IpNet> = vec![];
    for net in nets {
        match net {
            IpNet::V4(n) => v4.push(IpNet::V4(n.trunc())),
            IpNet::V6(n) => {
                v6.push(IpNet::V6(n.trunc()));
                if let Some(m) = mapped_v4(n) {
                    v4.push(IpNet::V4(m));
                }
            }
        }
    }
    let all_v4 = IpNet::V4(Ipv4Net::default());
    let all_v6 = IpNet::V6(Ipv6Net::default());
    if IpNet::aggregate(&v4).contains(&all_v4) {
        return Some(describe(&v4, "IPv4"));
    }
    if IpNet::aggregate(&v6).contains(&all_v6) {
        return Some(describe(&v6, "IPv6"));
    }
    None
}

fn describe(nets: &[IpNet], family: &str) -> String {
    let shown: Vec<String> = nets.iter().take(4).map(ToString::to_string).collect();
    let more = if nets.len() > 4 { ", ..." } else { "" };
    format!("{}{more} together admit every {family} address", shown.join(", "))
}

/// Why a list of networks plus name/address entries admits everyone, if
/// it does (an empty list is handled by the caller: its meaning differs).
pub fn admits_everyone(networks: &[IpNet], hosts: &[String]) -> Option<String> {
    if let Some(why) = hosts.iter().find_map(|h| pattern_is_everyone(h)) {
        return Some(why);
    }
    let from_hosts: Vec<IpNet> = hosts.iter().filter_map(|h| parse_network(h)).collect();
    networks_cover_everyone(networks.iter().chain(&from_hosts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn hosts(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_spelling_of_everyone_is_everyone() {
        for n in
            [&["0.0.0.0/0"][..], &["::/0"], &["0.0.0.0/1", "128.0.0.0/1"], &["::ffff:0:0/96"], &["::/1", "8000::/1"]]
        {
            assert!(admits_everyone(&nets(n), &[]).is_some(), "{n:?}");
        }
        for h in [
            "*",
            "*.*",
            "?*",
            "**",
            "ALL",
            "all",
            "0.0.0.0",
            "::",
            "0/0",
            "0.0.0.0/0",
            "0.0.0.0/0.0.0.0",
            "::/0",
            "[::]/0",
            "::ffff:0.0.0.0/96",
            "FAIL",
            "fail",
            "[--z]*",
            "[.-z]*",
            "[0-z]*",
            "[!x]*",
            "*[a-z]",
            "*.com",
            "*.[a-z]*.com",
            "a*",
            "*.5",
            "1*",
            "1.*.[a-z]*",
            "0.0/0",
            "0x0/0",
            "0.0.0.0/00",
            "::/00",
            "0.0.0.0/0x0",
            "10.0.0.0/0.0",
            "0/0.0.0.0",
            "gss/krb5",
        ] {
            assert!(admits_everyone(&[], &hosts(&[h])).is_some(), "{h:?}");
        }
        assert!(admits_everyone(&nets(&["0.0.0.0/1"]), &hosts(&["128.0.0.0/1"])).is_some());
    }

    #[test]
    fn real_restrictions_are_not_everyone() {
        assert!(admits_everyone(&nets(&["10.0.0.0/8", "192.168.0.0/16"]), &[]).is_none());
        assert!(admits_everyone(&nets(&["0.0.0.0/1"]), &[]).is_none());
        assert!(admits_everyone(&nets(&["::ffff:10.0.0.0/104"]), &[]).is_none());
        assert!(
            admits_everyone(&[], &hosts(&["*.example.com", "nas?.lan", "@trusted", "10.0.0.0/255.0.0.0"])).is_none()
        );
        for narrow in ["10.1.*", "192.168.1.[0-9]*", "fd00:*", "nas[0-9].lan", "*.lan.example", "web-*.corp.example"] {
            assert!(admits_everyone(&[], &hosts(&[narrow])).is_none(), "{narrow}");
        }
    }

    #[test]
    fn inet_aton_reads_every_form() {
        assert_eq!(inet_aton("0.0"), Some(0));
        assert_eq!(inet_aton("0x0"), Some(0));
        assert_eq!(inet_aton("10.1"), Some(0x0a00_0001));
        assert_eq!(inet_aton("012.0.0.1"), Some(0x0a00_0001));
        assert_eq!(inet_aton("4294967295"), Some(u32::MAX));
        assert_eq!(inet_aton("1.256"), Some(0x0100_0100));
        assert_eq!(inet_aton("256.1"), None);
        assert_eq!(inet_aton("1.2.3.4.5"), None);
        assert_eq!(inet_aton("a.b"), None);
        assert_eq!(inet_aton(""), None);
    }

    #[test]
    fn dotted_masks_and_short_forms_parse() {
        assert_eq!(parse_network("10.1.0.0/255.255.0.0"), Some("10.1.0.0/16".parse().unwrap()));
        assert_eq!(parse_network("10/8"), Some("10.0.0.0/8".parse().unwrap()));
        assert_eq!(parse_network("10.0.0.0/255.0.255.0"), None);
        assert_eq!(parse_network("nas.lan"), None);
    }

    /// Splits `whole` into `depth` random halvings: the pieces always cover it.
    fn partition(whole: IpNet, choices: &[bool]) -> Vec<IpNet> {
        let mut pieces = vec![whole];
        for &pick_first in choices {
            let at = if pick_first { 0 } else { pieces.len() - 1 };
            let net = pieces.remove(at);
            if let Ok(halves) = net.subnets(net.prefix_len() + 1) {
                pieces.extend(halves);
            } else {
                pieces.push(net);
            }
        }
        pieces
    }

    proptest! {
        /// However the whole address space is cut into networks, the list
        /// is everyone; drop any one piece and it no longer is.
        #[test]
        fn a_partition_of_everything_is_everyone(choices in proptest::collection::vec(any::<bool>(), 0..24), v6 in any::<bool>(), drop in any::<prop::sample::Index>()) {
            let whole: IpNet = if v6 { "::/0".parse().unwrap() } else { "0.0.0.0/0".parse().unwrap() };
            let pieces = partition(whole, &choices);
            prop_assert!(admits_everyone(&pieces, &[]).is_some());
            let as_hosts: Vec<String> = pieces.iter().map(ToString::to_string).collect();
            prop_assert!(admits_everyone(&[], &as_hosts).is_some());
            // (IPv6 pieces can reach every IPv4 client through mapped
            // addresses, so dropping one need not make them less than everyone.)
            if pieces.len() > 1 && !v6 {
                let mut fewer = pieces.clone();
                fewer.remove(drop.index(fewer.len()));
                prop_assert!(admits_everyone(&fewer, &[]).is_none(), "{:?}", fewer);
            }
        }
    }
}

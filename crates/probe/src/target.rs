//! Scan targets: `ssh://host[:port]`, `smb://host[:port]`,
//! `nfs://host[:port]`, `iscsi://host[:port]`, or a bare host for all four
//! default ports. Where a host goes, an address block may stand instead:
//! a CIDR block (`10.0.0.0/24`, `[fd00::/120]`) or an IPv4 range
//! (`10.0.0.1-10.0.3.254`, `10.0.0.1-254`). A [`TargetSpec`] holds the
//! block, not its addresses: [`TargetSpec::iter`] makes them one at a time,
//! so a /8 costs no more memory than one host.

use nasguard_model::Service;
use serde::Serialize;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Target {
    pub service: Service,
    pub host: String,
    pub port: u16,
}

impl Target {
    pub fn url(&self) -> String {
        if self.host.contains(':') {
            format!("{}://[{}]:{}", self.service, self.host, self.port)
        } else {
            format!("{}://{}:{}", self.service, self.host, self.port)
        }
    }
}

pub fn default_port(s: Service) -> u16 {
    match s {
        Service::Ssh => 22,
        Service::Smb => 445,
        Service::Nfs => 111,
        Service::Iscsi => 3260,
    }
}

fn host_port(rest: &str, default: u16) -> Result<(String, u16), String> {
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if let Some(v6) = rest.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or_else(|| format!("{rest:?}: unclosed ["))?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| format!("{p:?} is not a port"))?,
            None if after.is_empty() => default,
            None => return Err(format!("{after:?} after ]: write [host]:port")),
        };
        return Ok((host.to_string(), port));
    }
    match rest.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Ok((h.to_string(), p.parse().map_err(|_| format!("{p:?} is not a port"))?)),
        _ => Ok((rest.to_string(), default)),
    }
}

/// The hosts of one target argument.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Hosts {
    /// A name or a single address, as written.
    One(String),
    /// IPv4 addresses `first..=last`.
    V4 { first: u32, last: u32 },
    /// IPv6 addresses `first..=last`.
    V6 { first: u128, last: u128 },
}

/// Most addresses one IPv6 block may name (a /96): more is a typo, not a
/// network anyone scans.
const MAX_V6_BLOCK: u128 = 1 << 32;

fn parse_hosts(host: &str) -> Result<Hosts, String> {
    if let Some((addr, len)) = host.split_once('/') {
        let net: ipnet::IpNet =
            format!("{addr}/{len}").parse().map_err(|_| format!("{host:?} is not a CIDR block (e.g. 10.0.0.0/24)"))?;
        // Host bits are ignored, as nmap does: 10.0.0.7/24 is 10.0.0.0/24.
        return Ok(match net.trunc() {
            ipnet::IpNet::V4(n) => Hosts::V4 { first: n.network().into(), last: n.broadcast().into() },
            ipnet::IpNet::V6(n) => {
                let (first, last) = (u128::from(n.network()), u128::from(n.broadcast()));
                if last - first >= MAX_V6_BLOCK {
                    return Err(format!("{host:?}: an IPv6 block may hold at most 2^32 addresses (/96)"));
                }
                Hosts::V6 { first, last }
            }
        });
    }
    if let Some((a, b)) = host.split_once('-')
        && let Ok(first) = a.parse::<Ipv4Addr>()
    {
        let last = match b.parse::<Ipv4Addr>() {
            Ok(l) => l,
            Err(_) => {
                let octet: u8 =
                    b.parse().map_err(|_| format!("{host:?}: a range ends in an address or a last octet (0-255)"))?;
                let [x, y, z, _] = first.octets();
                Ipv4Addr::new(x, y, z, octet)
            }
        };
        let (first, last) = (u32::from(first), u32::from(last));
        if last < first {
            return Err(format!("{host:?}: the range ends before it starts"));
        }
        return Ok(Hosts::V4 { first, last });
    }
    if host.is_empty() {
        return Err("missing host".into());
    }
    Ok(Hosts::One(host.to_string()))
}

/// One target argument: the services (with ports) it names, over the hosts
/// it names. Made by [`TargetSpec::parse`]; [`TargetSpec::iter`] yields its
/// targets host by host (all services of a host together).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSpec {
    services: Vec<(Service, u16)>,
    hosts: Hosts,
}

impl TargetSpec {
    /// Parses one argument. Errors say what is wrong with it.
    pub fn parse(arg: &str) -> Result<TargetSpec, String> {
        let arg = arg.trim();
        if arg.is_empty() || arg.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("{arg:?} is not a target"));
        }
        let (services, rest, port) = match arg.split_once("://") {
            Some((scheme, rest)) => {
                let service = Service::parse(scheme)
                    .ok_or_else(|| format!("{scheme:?}: use ssh://, smb://, nfs:// or iscsi://"))?;
                let (host, port) = host_port(rest, default_port(service))?;
                (vec![(service, port)], host, port)
            }
            None => {
                let (host, _) = host_port(arg, 0)?;
                (Service::ALL.into_iter().map(|s| (s, default_port(s))).collect(), host, 1)
            }
        };
        if rest.is_empty() || port == 0 {
            return Err(format!("{arg:?}: missing host or port"));
        }
        let hosts = parse_hosts(&rest).map_err(|m| format!("{arg:?}: {m}"))?;
        Ok(TargetSpec { services, hosts })
    }

    /// How many targets it names.
    pub fn len(&self) -> u64 {
        let hosts = match &self.hosts {
            Hosts::One(_) => 1,
            Hosts::V4 { first, last } => u64::from(last - first) + 1,
            // At most 2^32 (parse refuses more).
            Hosts::V6 { first, last } => u64::try_from(last - first).unwrap_or(u64::MAX - 1) + 1,
        };
        hosts.saturating_mul(self.services.len() as u64)
    }

    /// Whether it names no target (never, once parsed).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Its targets, made one at a time.
    pub fn iter(&self) -> impl Iterator<Item = Target> + use<> {
        self.clone().into_targets()
    }

    /// [`TargetSpec::iter`], consuming the spec.
    pub fn into_targets(self) -> impl Iterator<Item = Target> {
        let hosts: Box<dyn Iterator<Item = String> + Send> = match self.hosts {
            Hosts::One(h) => Box::new(std::iter::once(h)),
            Hosts::V4 { first, last } => Box::new((first..=last).map(|a| Ipv4Addr::from(a).to_string())),
            Hosts::V6 { first, last } => Box::new((first..=last).map(|a| Ipv6Addr::from(a).to_string())),
        };
        let services = self.services;
        hosts.flat_map(move |host| {
            services.clone().into_iter().map(move |(service, port)| Target { service, host: host.clone(), port })
        })
    }

    /// Whether every address it names is a loopback address (a name is
    /// judged as written: `localhost` only).
    pub fn is_loopback(&self) -> bool {
        match &self.hosts {
            Hosts::One(h) => h == "localhost" || h.parse::<IpAddr>().is_ok_and(|a| a.is_loopback()),
            Hosts::V4 { first, last } => Ipv4Addr::from(*first).is_loopback() && Ipv4Addr::from(*last).is_loopback(),
            Hosts::V6 { first, last } => first == last && Ipv6Addr::from(*first).is_loopback(),
        }
    }
}

/// Parses one target argument into the targets it names (for callers that
/// want them all at once: check [`TargetSpec::len`] first for blocks).
pub fn parse_targets(arg: &str) -> Result<Vec<Target>, String> {
    Ok(TargetSpec::parse(arg)?.iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_forms() {
        let t = parse_targets("ssh://127.0.0.1:2222").unwrap();
        assert_eq!(t, vec![Target { service: Service::Ssh, host: "127.0.0.1".into(), port: 2222 }]);
        assert_eq!(parse_targets("smb://[::1]").unwrap()[0].port, 445);
        assert_eq!(parse_targets("nas.lan").unwrap().len(), 4);
        assert!(parse_targets("ftp://x").is_err());
        assert!(parse_targets("ssh://x:99999").is_err());
        assert_eq!(parse_targets("ssh://[::1]:22").unwrap()[0].url(), "ssh://[::1]:22");
    }

    #[test]
    fn blocks_and_ranges_expand_lazily() {
        let s = TargetSpec::parse("ssh://127.0.0.0/24:2222").unwrap();
        assert_eq!(s.len(), 256);
        let all: Vec<Target> = s.iter().collect();
        assert_eq!(all.len(), 256);
        assert_eq!(all[0].url(), "ssh://127.0.0.0:2222");
        assert_eq!(all[255].url(), "ssh://127.0.0.255:2222");
        // Host bits are dropped, as nmap does.
        assert_eq!(TargetSpec::parse("ssh://127.0.0.9/30").unwrap().iter().next().unwrap().host, "127.0.0.8");
        // Ranges: a full address or the last octet.
        let r = TargetSpec::parse("smb://127.0.0.250-127.0.1.4").unwrap();
        assert_eq!(r.len(), 11);
        assert_eq!(r.iter().last().unwrap().host, "127.0.1.4");
        assert_eq!(TargetSpec::parse("127.0.0.1-254").unwrap().len(), 254 * 4);
        assert!(TargetSpec::parse("127.0.0.9-3").is_err());
        assert!(TargetSpec::parse("127.0.0.1-300").is_err());
        assert!(TargetSpec::parse("ssh://127.0.0.0/33").is_err());
        // A /8 is a number, not 16 million strings.
        let big = TargetSpec::parse("ssh://127.0.0.0/8").unwrap();
        assert_eq!(big.len(), 1 << 24);
        assert_eq!(big.iter().nth(70_000).unwrap().host, "127.1.17.112");
        assert!(big.is_loopback() && !TargetSpec::parse("ssh://10.0.0.0/8").unwrap().is_loopback());
        // IPv6 blocks, bracketed, bounded.
        let v6 = TargetSpec::parse("ssh://[fd00::/126]:22").unwrap();
        assert_eq!(v6.iter().map(|t| t.url()).last().unwrap(), "ssh://[fd00::3]:22");
        assert!(TargetSpec::parse("ssh://[fd00::/64]").is_err());
        // Targets of a host stay together.
        let hosts: Vec<String> = TargetSpec::parse("127.0.0.1-2").unwrap().iter().map(|t| t.host).collect();
        assert_eq!(hosts[..4], ["127.0.0.1"; 4]);
    }
}

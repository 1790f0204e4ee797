//! Scan targets: `ssh://host[:port]`, `smb://host[:port]`,
//! `nfs://host[:port]`, `iscsi://host[:port]`, or a bare host for all four
//! default ports.

use nasguard_model::Service;
use serde::Serialize;

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

fn default_port(s: Service) -> u16 {
    match s {
        Service::Ssh => 22,
        Service::Smb => 445,
        Service::Nfs => 111,
        Service::Iscsi => 3260,
    }
}

fn host_port(rest: &str, default: u16) -> Result<(String, u16), String> {
    let rest = rest.trim_end_matches('/');
    if let Some(v6) = rest.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or_else(|| format!("{rest:?}: unclosed ["))?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| format!("{p:?} is not a port"))?,
            None => default,
        };
        return Ok((host.to_string(), port));
    }
    match rest.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Ok((h.to_string(), p.parse().map_err(|_| format!("{p:?} is not a port"))?)),
        _ => Ok((rest.to_string(), default)),
    }
}

/// Parses one target argument into the targets it names.
pub fn parse_targets(arg: &str) -> Result<Vec<Target>, String> {
    let arg = arg.trim();
    if arg.is_empty() || arg.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{arg:?} is not a target"));
    }
    if let Some((scheme, rest)) = arg.split_once("://") {
        let service =
            Service::parse(scheme).ok_or_else(|| format!("{scheme:?}: use ssh://, smb://, nfs:// or iscsi://"))?;
        let (host, port) = host_port(rest, default_port(service))?;
        if host.is_empty() || port == 0 {
            return Err(format!("{arg:?}: missing host or port"));
        }
        return Ok(vec![Target { service, host, port }]);
    }
    let (host, _) = host_port(arg, 0)?;
    Ok(Service::ALL
        .into_iter()
        .map(|service| Target { service, host: host.clone(), port: default_port(service) })
        .collect())
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
}

//! NFS service and shares (exports), with TrueNAS's field names.

use crate::error::Errors;
use crate::text;
use crate::{Config, ValidationError};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::net::IpAddr;

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NfsProtocol {
    Nfsv3,
    Nfsv4,
}

/// Per-share security flavour. TrueNAS `security`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NfsSecurity {
    Sys,
    Krb5,
    Krb5i,
    Krb5p,
}

impl NfsSecurity {
    pub const ALL: [NfsSecurity; 4] = [NfsSecurity::Sys, NfsSecurity::Krb5, NfsSecurity::Krb5i, NfsSecurity::Krb5p];

    pub fn name(self) -> &'static str {
        match self {
            NfsSecurity::Sys => "SYS",
            NfsSecurity::Krb5 => "KRB5",
            NfsSecurity::Krb5i => "KRB5I",
            NfsSecurity::Krb5p => "KRB5P",
        }
    }
}

impl std::str::FromStr for NfsSecurity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        crate::by_name(&NfsSecurity::ALL, NfsSecurity::name, s)
    }
}

/// The NFS service (TrueNAS `nfs.config`). TrueNAS's security guidance is to
/// keep these at their defaults (NFS-008).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct NfsService {
    /// Number of nfsd threads; `None` = automatic.
    pub servers: Option<u16>,
    pub protocols: Vec<NfsProtocol>,
    pub v4_krb: bool,
    pub v4_domain: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub bindip: Vec<IpAddr>,
    pub mountd_port: Option<u16>,
    pub rpcstatd_port: Option<u16>,
    pub rpclockd_port: Option<u16>,
    /// Accept requests from unprivileged source ports (`insecure`; NFS-003).
    pub allow_nonroot: bool,
    pub userd_manage_gids: bool,
    pub mountd_log: bool,
    pub statd_lockd_log: bool,
}

impl Default for NfsService {
    fn default() -> Self {
        NfsService {
            servers: None,
            protocols: vec![NfsProtocol::Nfsv3, NfsProtocol::Nfsv4],
            v4_krb: false,
            v4_domain: String::new(),
            bindip: vec![],
            mountd_port: None,
            rpcstatd_port: None,
            rpclockd_port: None,
            allow_nonroot: false,
            userd_manage_gids: false,
            mountd_log: true,
            statd_lockd_log: false,
        }
    }
}

impl NfsService {
    /// The fields that differ from the defaults, except the ones that only
    /// narrow exposure (`bindip`, `v4_krb`): what NFS-008 reports.
    pub fn changed_from_defaults(&self) -> Vec<&'static str> {
        let d = NfsService::default();
        let mut changed = vec![];
        let checks: [(&'static str, bool); 10] = [
            ("servers", self.servers != d.servers),
            ("protocols", self.protocols != d.protocols),
            ("v4_domain", self.v4_domain != d.v4_domain),
            ("mountd_port", self.mountd_port != d.mountd_port),
            ("rpcstatd_port", self.rpcstatd_port != d.rpcstatd_port),
            ("rpclockd_port", self.rpclockd_port != d.rpclockd_port),
            ("allow_nonroot", self.allow_nonroot != d.allow_nonroot),
            ("userd_manage_gids", self.userd_manage_gids != d.userd_manage_gids),
            ("mountd_log", self.mountd_log != d.mountd_log),
            ("statd_lockd_log", self.statd_lockd_log != d.statd_lockd_log),
        ];
        for (name, differs) in checks {
            if differs {
                changed.push(name);
            }
        }
        changed
    }

    /// Resets every field [`Self::changed_from_defaults`] looks at.
    pub fn reset_to_defaults(&mut self) {
        *self = NfsService { bindip: std::mem::take(&mut self.bindip), v4_krb: self.v4_krb, ..NfsService::default() };
    }
}

/// An NFS share (TrueNAS `sharing.nfs`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct NfsShare {
    pub id: u32,
    pub path: String,
    pub comment: String,
    /// Authorized networks (CIDR).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub networks: Vec<IpNet>,
    /// Authorized hosts and IP addresses (names, `*.domain`, `@netgroup`).
    pub hosts: Vec<String>,
    pub ro: bool,
    pub maproot_user: Option<String>,
    pub maproot_group: Option<String>,
    pub mapall_user: Option<String>,
    pub mapall_group: Option<String>,
    pub security: Vec<NfsSecurity>,
    pub enabled: bool,
    /// Empty `networks` and `hosts` mean everyone (as in TrueNAS); nasguard
    /// accepts that only when this is set, and the audit flags it (NFS-001).
    pub allow_everyone: bool,
}

impl Default for NfsShare {
    fn default() -> Self {
        NfsShare {
            id: 0,
            path: String::new(),
            comment: String::new(),
            networks: vec![],
            hosts: vec![],
            ro: false,
            maproot_user: None,
            maproot_group: None,
            mapall_user: None,
            mapall_group: None,
            security: vec![],
            enabled: true,
            allow_everyone: false,
        }
    }
}

impl NfsShare {
    /// No networks and no hosts, or lists that admit every address anyway
    /// (see [`crate::access`]).
    pub fn open_to_everyone(&self) -> bool {
        (self.networks.is_empty() && self.hosts.is_empty()) || self.admits_everyone().is_some()
    }

    /// Why the lists admit every address, when they are not empty but do.
    pub fn admits_everyone(&self) -> Option<String> {
        crate::access::admits_everyone(&self.networks, &self.hosts)
    }
}

/// A network for an access list: no host bits, and not "everything".
pub fn access_network(net: &IpNet) -> Result<(), String> {
    if net.prefix_len() == 0 {
        return Err(format!(
            "do not use {net} to represent all networks; no entry is needed to allow everybody: leave the lists empty and set allow_everyone"
        ));
    }
    if net.trunc() != *net {
        return Err(format!("{net} has host bits set; did you mean {}?", net.trunc()));
    }
    Ok(())
}

fn nfs_host(h: &str) -> Result<(), String> {
    text::host_token(h)?;
    if let Some(why) = crate::access::pattern_is_everyone(h) {
        return Err(format!("{why}; leave the lists empty and set allow_everyone instead"));
    }
    if let Some(net) = crate::access::parse_network(h) {
        access_network(&net)?;
    }
    Ok(())
}

fn port(e: &mut Errors, field: &str, p: Option<u16>) {
    match p {
        Some(0) => e.add(field, "must be between 1 and 65535"),
        Some(20049) => e.add(field, "20049 is reserved for NFS over RDMA"),
        _ => {}
    }
}

pub(crate) fn validate_service(cfg: &Config, out: &mut Vec<ValidationError>) {
    let svc = &cfg.nfs;
    let mut e = Errors::new("nfs", out);
    if let Some(n) = svc.servers
        && !(1..=256).contains(&n)
    {
        e.add("servers", "must be between 1 and 256");
    }
    if svc.protocols.is_empty() {
        e.add("protocols", "Must specify at least one value (NFSV3, NFSV4)");
    }
    let mut protos = svc.protocols.clone();
    protos.sort();
    protos.dedup();
    if protos.len() != svc.protocols.len() {
        e.add("protocols", "lists a protocol twice");
    }
    if !svc.v4_domain.is_empty() {
        if !svc.protocols.contains(&NfsProtocol::Nfsv4) {
            e.add("v4_domain", "This option does not apply to NFSv3");
        }
        e.check("v4_domain", text::host_token(&svc.v4_domain));
    }
    if svc.v4_krb && !svc.protocols.contains(&NfsProtocol::Nfsv4) {
        e.add("v4_krb", "Kerberos for NFS needs NFSV4 in protocols");
    }
    port(&mut e, "mountd_port", svc.mountd_port);
    port(&mut e, "rpcstatd_port", svc.rpcstatd_port);
    port(&mut e, "rpclockd_port", svc.rpclockd_port);
    let ports: Vec<u16> = [svc.mountd_port, svc.rpcstatd_port, svc.rpclockd_port].into_iter().flatten().collect();
    if ports.iter().collect::<HashSet<_>>().len() != ports.len() {
        e.add("mountd_port", "mountd_port, rpcstatd_port and rpclockd_port must differ");
    }
    if ports.contains(&2049) || ports.contains(&111) {
        e.add("mountd_port", "ports 111 (rpcbind) and 2049 (nfsd) are taken");
    }
}

pub(crate) fn validate_shares(cfg: &Config, out: &mut Vec<ValidationError>) {
    for share in &cfg.nfs_shares {
        let before = out.len();
        let mut e = Errors::new("nfs share", &mut *out);
        e.check("path", text::absolute_path(&share.path));
        e.check("comment", text::single_line(&share.comment));
        let mut nets = HashSet::new();
        for net in &share.networks {
            e.check("networks", access_network(net));
            if !nets.insert(net) {
                e.add("networks", format!("{net} is listed twice"));
            }
        }
        for (i, a) in share.networks.iter().enumerate() {
            for b in &share.networks[i + 1..] {
                if a != b && (a.contains(b) || b.contains(a)) {
                    e.add("networks", format!("{a} and {b} overlap"));
                }
            }
        }
        let mut hosts = HashSet::new();
        for host in &share.hosts {
            e.check("hosts", nfs_host(host));
            if !hosts.insert(host.to_lowercase()) {
                e.add("hosts", format!("{host} is listed twice"));
            }
        }
        // Entries that are everyone on their own were named above; this is
        // for lists whose entries only add up to everyone.
        let entries_ok = e.out.len() == before;
        if let Some(why) = share.admits_everyone().filter(|_| !share.allow_everyone && entries_ok) {
            let field =
                if crate::access::networks_cover_everyone(&share.networks).is_some() { "networks" } else { "hosts" };
            e.add(
                field,
                format!("{why}: that is everyone; leave the lists empty and set allow_everyone (CLI: --allow-everyone) if that is meant (the audit flags it as NFS-001)"),
            );
        } else if share.networks.is_empty() && share.hosts.is_empty() && !share.allow_everyone {
            e.add(
                "networks",
                "no authorized networks or hosts: the export would be open to everyone; add networks or hosts, or set allow_everyone (CLI: --allow-everyone) to accept that (the audit flags it as NFS-001)",
            );
        }
        for (field, name) in [
            ("maproot_user", &share.maproot_user),
            ("maproot_group", &share.maproot_group),
            ("mapall_user", &share.mapall_user),
            ("mapall_group", &share.mapall_group),
        ] {
            if let Some(n) = name {
                e.check(field, text::unix_name(n));
            }
        }
        if share.maproot_user.is_some() && (share.mapall_user.is_some() || share.mapall_group.is_some()) {
            e.add("mapall_user", "maproot_user disqualifies mapall_user");
        }
        if share.maproot_group.is_some() && share.maproot_user.is_none() {
            e.add("maproot_group", "maproot_group needs maproot_user");
        }
        if share.mapall_group.is_some() && share.mapall_user.is_none() {
            e.add("mapall_group", "mapall_group needs mapall_user");
        }
        if share.security.iter().any(|s| *s != NfsSecurity::Sys) && !cfg.nfs.protocols.contains(&NfsProtocol::Nfsv4) {
            e.add("security", "Kerberos security flavours need NFSV4 enabled in the NFS service");
        }
    }
    // Two exports of the same path must not both reach the same client.
    // Grouped by path first: linear in the number of shares.
    let mut by_path: std::collections::HashMap<&str, Vec<&NfsShare>> = std::collections::HashMap::new();
    for share in &cfg.nfs_shares {
        by_path.entry(share.path.as_str()).or_default().push(share);
    }
    for same in by_path.values().filter(|v| v.len() > 1) {
        for (i, a) in same.iter().enumerate() {
            for b in &same[i + 1..] {
                let mut e = Errors::new("nfs share", &mut *out);
                if a.open_to_everyone() || b.open_to_everyone() {
                    e.add("path", format!("{} is already exported to everyone by share {}", a.path, a.id));
                } else if let Some(n) =
                    a.networks.iter().find(|n| b.networks.iter().any(|m| n.contains(m) || m.contains(*n)))
                {
                    e.add("networks", format!("share {} already exports {} to {n}", a.id, a.path));
                } else if let Some(h) = a.hosts.iter().find(|h| b.hosts.contains(h)) {
                    e.add("hosts", format!("share {} already exports {} to {h}", a.id, a.path));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_networks_are_refused() {
        assert!(access_network(&"0.0.0.0/0".parse().unwrap()).is_err());
        assert!(access_network(&"::/0".parse().unwrap()).is_err());
        assert!(access_network(&"10.0.0.1/8".parse().unwrap()).is_err());
        assert!(access_network(&"10.0.0.0/8".parse().unwrap()).is_ok());
    }

    #[test]
    fn defaults_are_unchanged() {
        assert!(NfsService::default().changed_from_defaults().is_empty());
        let mut s =
            NfsService { allow_nonroot: true, bindip: vec!["127.0.0.1".parse().unwrap()], ..Default::default() };
        assert_eq!(s.changed_from_defaults(), vec!["allow_nonroot"]);
        s.reset_to_defaults();
        assert!(s.changed_from_defaults().is_empty());
        assert_eq!(s.bindip.len(), 1);
    }
}

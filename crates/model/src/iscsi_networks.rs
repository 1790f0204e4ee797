//! Who enforces an iSCSI initiator group's networks (`auth_network`).
//!
//! Neither target can do it for every case the model holds: LIO has no
//! per-network list at all, and tgt's lists are either-or (a login passes
//! on a listed address *or* a listed name). On a host nasguard closes the
//! gap with a firewall (its own nftables table): a portal's port accepts
//! only the networks of the targets served there. A port is shared by every
//! target on the portal, so the firewall can only enforce the *union* of
//! their networks, and nothing at all when one of them admits every network.
//! This module works out, purely from the model, what the firewall can
//! enforce (the renderer writes it) and what stays unenforced (the audit
//! says so, ISCSI-007).

use crate::deployment::IscsiBackend;
use crate::iscsi::{IscsiConfig, Target};
use ipnet::IpNet;
use std::net::IpAddr;

/// One listening address of the iSCSI service and who may connect to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortalNetworks {
    /// The portal's address (`0.0.0.0` / `::`: every local address).
    pub ip: IpAddr,
    pub port: u16,
    /// The networks the port may accept; `None`: every network (a target
    /// on it admits every network, so the port cannot be narrowed).
    pub allowed: Option<Vec<IpNet>>,
    /// Targets served on this portal, by full IQN.
    pub targets: Vec<String>,
}

/// A target's networks that are not (or only partly) enforced, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unenforced {
    pub target: String,
    pub why: String,
}

/// The networks a target admits: `None` for every network (a group
/// without an initiator group, or one that admits every network).
fn target_networks(c: &IscsiConfig, t: &Target) -> Option<Vec<IpNet>> {
    let mut nets = vec![];
    for g in &t.groups {
        let ig = c.initiator_group(g.initiator?)?;
        if ig.admits_every_network() {
            return None;
        }
        nets.extend(ig.auth_network.iter().copied());
    }
    Some(nets)
}

/// Every portal address targets use, with the networks its port may accept.
pub fn portal_networks(c: &IscsiConfig) -> Vec<PortalNetworks> {
    let mut out: Vec<PortalNetworks> = vec![];
    for t in &c.targets {
        let nets = target_networks(c, t);
        for g in &t.groups {
            let Some(p) = c.portals.iter().find(|p| p.id == g.portal) else { continue };
            for l in &p.listen {
                let port = l.port.unwrap_or(c.global.listen_port);
                let iqn = c.target_iqn(t);
                let at = match out.iter().position(|x| x.ip == l.ip && x.port == port) {
                    Some(i) => i,
                    None => {
                        out.push(PortalNetworks { ip: l.ip, port, allowed: Some(vec![]), targets: vec![] });
                        out.len() - 1
                    }
                };
                let Some(entry) = out.get_mut(at) else { continue };
                if !entry.targets.contains(&iqn) {
                    entry.targets.push(iqn);
                }
                match (&mut entry.allowed, &nets) {
                    (Some(list), Some(mine)) => {
                        for n in mine {
                            if !list.contains(n) {
                                list.push(*n);
                            }
                        }
                    }
                    (allowed, _) => *allowed = None,
                }
            }
        }
    }
    for p in &mut out {
        if let Some(list) = &mut p.allowed {
            list.sort();
        }
    }
    out
}

/// The targets whose networks are not enforced as written, given the
/// backend and whether nasguard's firewall is in place (a host: yes; a
/// sandbox: no).
pub fn unenforced(c: &IscsiConfig, backend: IscsiBackend, firewall: bool) -> Vec<Unenforced> {
    let portals = portal_networks(c);
    let mut out = vec![];
    for t in &c.targets {
        let iqn = c.target_iqn(t);
        let Some(mine) = target_networks(c, t) else { continue };
        if mine.is_empty() {
            continue;
        }
        let names_listed = t
            .groups
            .iter()
            .filter_map(|g| g.initiator.and_then(|id| c.initiator_group(id)))
            .any(|g| !g.initiators.is_empty());
        let daemon_enforces = backend == IscsiBackend::Tgt && !names_listed;
        if daemon_enforces {
            continue;
        }
        let daemon_why = match backend {
            IscsiBackend::Lio => "LIO has no per-network list",
            IscsiBackend::Tgt => "tgt's lists are either-or, so it enforces the initiator names alone",
        };
        if !firewall {
            out.push(Unenforced {
                target: iqn,
                why: format!("{daemon_why}, and no firewall enforces the authorized networks here"),
            });
            continue;
        }
        for p in portals.iter().filter(|p| p.targets.contains(&iqn)) {
            match &p.allowed {
                None => out.push(Unenforced {
                    target: iqn.clone(),
                    why: format!(
                        "{daemon_why}, and portal {}:{} also serves a target open to every network, so the firewall cannot narrow it",
                        p.ip, p.port
                    ),
                }),
                Some(all) if all.iter().any(|n| !mine.contains(n)) => out.push(Unenforced {
                    target: iqn.clone(),
                    why: format!(
                        "{daemon_why}; the firewall admits the networks of every target on portal {}:{} ({}), a wider list than this target's",
                        p.ip,
                        p.port,
                        all.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                    ),
                }),
                Some(_) => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iscsi::{InitiatorGroup, Portal, PortalListen, TargetGroup};

    fn cfg(groups: &[(&[&str], &[&str])]) -> IscsiConfig {
        let mut c = IscsiConfig::default();
        c.portals.push(Portal {
            id: 1,
            tag: 1,
            listen: vec![PortalListen { ip: "0.0.0.0".parse().unwrap(), port: None }],
            ..Default::default()
        });
        for (i, (names, nets)) in groups.iter().enumerate() {
            let id = i as u32 + 1;
            c.initiators.push(InitiatorGroup {
                id,
                initiators: names.iter().map(|s| s.to_string()).collect(),
                auth_network: nets.iter().map(|s| s.parse().unwrap()).collect(),
                ..Default::default()
            });
            c.targets.push(Target {
                id,
                name: format!("t{id}"),
                groups: vec![TargetGroup { portal: 1, initiator: Some(id), ..Default::default() }],
                ..Default::default()
            });
        }
        c
    }

    #[test]
    fn the_port_admits_the_union_or_everyone() {
        let c = cfg(&[(&[], &["10.0.2.0/24"]), (&["iqn.2026-01.x:a"], &["192.0.2.0/24"])]);
        let p = portal_networks(&c);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].port, 3260);
        let allowed: Vec<String> = p[0].allowed.as_ref().unwrap().iter().map(ToString::to_string).collect();
        assert_eq!(allowed, ["10.0.2.0/24", "192.0.2.0/24"]);
        // A third target open to every network opens the port.
        let c = cfg(&[(&[], &["10.0.2.0/24"]), (&["iqn.2026-01.x:a"], &[])]);
        assert_eq!(portal_networks(&c)[0].allowed, None);
    }

    #[test]
    fn what_stays_unenforced_depends_on_backend_and_firewall() {
        let one = cfg(&[(&["iqn.2026-01.x:a"], &["10.0.2.0/24"])]);
        // LIO: never by the daemon; the firewall enforces a lone target.
        assert_eq!(unenforced(&one, IscsiBackend::Lio, false).len(), 1);
        assert!(unenforced(&one, IscsiBackend::Lio, true).is_empty());
        // tgt with names listed: either-or, as ISCSI-007 always said.
        assert_eq!(unenforced(&one, IscsiBackend::Tgt, false).len(), 1);
        assert!(unenforced(&one, IscsiBackend::Tgt, true).is_empty());
        // tgt with only networks enforces them itself.
        let nets = cfg(&[(&[], &["10.0.2.0/24"])]);
        assert!(unenforced(&nets, IscsiBackend::Tgt, false).is_empty());
        // Two targets on one portal: each gets the union, which is wider.
        let two = cfg(&[(&[], &["10.0.2.0/24"]), (&[], &["192.0.2.0/24"])]);
        let u = unenforced(&two, IscsiBackend::Lio, true);
        assert_eq!(u.len(), 2, "{u:?}");
        assert!(u[0].why.contains("wider"), "{}", u[0].why);
        // One open target: the others' networks cannot be enforced.
        let open = cfg(&[(&[], &["10.0.2.0/24"]), (&[], &[])]);
        let u = unenforced(&open, IscsiBackend::Lio, true);
        assert_eq!(u.len(), 1);
        assert!(u[0].why.contains("open to every network"), "{}", u[0].why);
    }
}

//! tgt's targets.conf (mode 0600: it holds CHAP secrets, as tgt needs them).
//!
//! tgt has no per-portal discovery authentication: `incomingdiscoveryuser`
//! is global. If any portal asks for discovery CHAP, every portal gets it
//! (stricter than asked, never looser); the audit notes the difference.
//! tgt reserves LUN 0 for its controller, so the model's `lunid` N is tgt
//! LUN N+1.

use crate::Writer;
use nasguard_model::Config;
use nasguard_model::iscsi::AuthMethod;

/// An address no initiator connects from (the limited broadcast address).
pub const UNMATCHABLE: &str = "255.255.255.255";

pub fn render(cfg: &Config) -> String {
    let c = &cfg.iscsi;
    let mut w = Writer::new('#', "nasguard iscsi ...");
    w.line("default-driver iscsi");
    let discovery: Vec<(AuthMethod, u32)> = c
        .portals
        .iter()
        .filter(|p| p.discovery_authmethod != AuthMethod::None)
        .filter_map(|p| p.discovery_authgroup.map(|g| (p.discovery_authmethod, g)))
        .collect();
    if let Some((method, tag)) = discovery.first() {
        for a in c.auths_with_tag(*tag) {
            w.line(&format!("incomingdiscoveryuser {} {}", a.user, a.secret.expose()));
        }
        if *method == AuthMethod::ChapMutual
            && let Some(a) = c.auths_with_tag(*tag).find(|a| !a.peeruser.is_empty())
        {
            w.line(&format!("outgoingdiscoveryuser {} {}", a.peeruser, a.peersecret.expose()));
        }
    }
    for t in &c.targets {
        w.blank();
        w.line(&format!("<target {}>", c.target_iqn(t)));
        let mut luns: Vec<_> = c.targetextents.iter().filter(|m| m.target == t.id).collect();
        luns.sort_by_key(|m| m.lunid);
        for m in luns {
            if let Some(x) = c.extents.iter().find(|x| x.id == m.extent && x.enabled) {
                let store = x.disk.as_deref().unwrap_or(&x.path);
                w.line(&format!("    <backing-store {store}>"));
                w.line(&format!("        lun {}", m.lunid + 1));
                if !x.serial.is_empty() {
                    w.line(&format!("        scsi_sn {}", x.serial));
                }
                w.line(&format!("        block-size {}", x.blocksize));
                if x.ro {
                    w.line("        readonly 1");
                }
                w.line("    </backing-store>");
            }
        }
        let groups = t.groups.iter().filter_map(|g| g.initiator.and_then(|id| c.initiator_group(id)));
        let mut addresses = vec![];
        let mut names = vec![];
        for g in groups {
            addresses.extend(g.auth_network.iter().map(ToString::to_string));
            names.extend(g.initiators.iter().cloned());
        }
        addresses.dedup();
        names.dedup();
        // tgt's ACLs are either-or: a login passes if its address OR its
        // name is listed, and no initiator-address line means ALL addresses.
        // So when names are listed, the address ACL gets one address no TCP
        // peer can have, and the names decide. (The networks are then not
        // enforced by tgt; the audit says so: ISCSI-007.)
        if !names.is_empty() {
            addresses = vec![UNMATCHABLE.to_string()];
        }
        for a in &addresses {
            w.line(&format!("    initiator-address {a}"));
        }
        for n in &names {
            w.line(&format!("    initiator-name {n}"));
        }
        let mut users = vec![];
        let mut outgoing = None;
        for g in t.groups.iter().filter(|g| g.authmethod != AuthMethod::None) {
            for a in g.auth.into_iter().flat_map(|tag| c.auths_with_tag(tag)) {
                if !users.contains(&(a.user.clone(), a.secret.expose().to_string())) {
                    users.push((a.user.clone(), a.secret.expose().to_string()));
                }
                if g.authmethod == AuthMethod::ChapMutual && outgoing.is_none() && !a.peeruser.is_empty() {
                    outgoing = Some((a.peeruser.clone(), a.peersecret.expose().to_string()));
                }
            }
        }
        for (u, s) in &users {
            w.line(&format!("    incominguser {u} {s}"));
        }
        if let Some((u, s)) = outgoing {
            w.line(&format!("    outgoinguser {u} {s}"));
        }
        w.line("</target>");
    }
    w.finish()
}

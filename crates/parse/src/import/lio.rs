//! LIO's saved configuration -> `Config::iscsi` (the inverse of
//! `render::lio`, for configs nasguard wrote, and the best the model can
//! hold for hand-made ones; what it cannot hold is listed).

use super::Imported;
use crate::Loc;
use crate::lio::{Chap, LioConf};
use nasguard_model::Secret;
use nasguard_model::iscsi::{
    Auth, AuthMethod, Extent, ExtentType, InitiatorGroup, Portal, PortalListen, Target, TargetExtent, TargetGroup,
};
use std::net::IpAddr;

fn portal_ip(s: &str) -> Option<IpAddr> {
    s.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

/// Up to 20 letters and digits (the model's serial): LIO's unit serials
/// are often UUIDs.
fn serial_from(wwn: &str) -> String {
    wwn.chars().filter(char::is_ascii_alphanumeric).take(20).collect()
}

struct Tags<'a> {
    into: &'a mut Imported,
    next: u32,
}

impl Tags<'_> {
    /// The tag of an auth group holding `chap` (made once per credential).
    fn tag_for(&mut self, chap: &Chap) -> u32 {
        let auths = &self.into.config.iscsi.auths;
        if let Some(a) = auths.iter().find(|a| {
            a.user == chap.userid
                && a.secret.expose() == chap.password
                && a.peeruser == chap.mutual_userid
                && a.peersecret.expose() == chap.mutual_password
        }) {
            return a.tag;
        }
        let tag = self.next;
        self.next += 1;
        let id = self.into.config.iscsi.auths.len() as u32 + 1;
        self.into.config.iscsi.auths.push(Auth {
            id,
            tag,
            user: chap.userid.clone(),
            secret: Secret::new(chap.password.clone()),
            peeruser: chap.mutual_userid.clone(),
            peersecret: Secret::new(chap.mutual_password.clone()),
        });
        tag
    }
}

fn method(authentication: bool, chap: &Chap) -> AuthMethod {
    match (authentication, chap.is_set(), chap.mutual_userid.is_empty()) {
        (false, _, _) | (true, false, _) => AuthMethod::None,
        (true, true, true) => AuthMethod::Chap,
        (true, true, false) => AuthMethod::ChapMutual,
    }
}

pub fn import_lio(conf: &LioConf, into: &mut Imported) {
    let file = conf.discovery_loc.clone().map(|l| l.file).unwrap_or_default();
    let mut tags = Tags { into, next: 1 };
    // Storage objects -> extents.
    for so in &conf.storage_objects {
        let kind = match so.plugin.as_str() {
            "fileio" => ExtentType::File,
            "block" => ExtentType::Disk,
            other => {
                tags.into.note(
                    &so.loc,
                    format!(
                        "storage object {:?} ({other}): not imported (nasguard exports files and block devices)",
                        so.name
                    ),
                );
                continue;
            }
        };
        let serial = serial_from(&so.wwn);
        if !so.wwn.is_empty() && serial != so.wwn {
            tags.into.note(&so.loc, format!("storage object {:?}: unit serial {:?} is kept as {serial:?} (letters and digits, at most 20): initiators will see the new serial", so.name, so.wwn));
        }
        let id = tags.into.config.iscsi.extents.len() as u32 + 1;
        let block = so.block_size.unwrap_or(512);
        tags.into.config.iscsi.extents.push(Extent {
            id,
            name: so.name.clone(),
            kind,
            disk: (kind == ExtentType::Disk).then(|| so.dev.clone()),
            path: if kind == ExtentType::File { so.dev.clone() } else { String::new() },
            filesize: if kind == ExtentType::File { so.size } else { 0 },
            blocksize: block,
            serial,
            ro: so.readonly,
            ..Default::default()
        });
        tags.into.at(&format!("iscsi/extent/{}", so.name), "", &so.loc);
    }
    // Discovery authentication is global in LIO: every portal gets it.
    let discovery = conf.discovery.as_ref().filter(|c| c.is_set()).map(|c| (tags.tag_for(c), method(true, c)));
    let portal_of = |ip: IpAddr, port: u16, tags: &mut Tags| -> u32 {
        let c = &mut tags.into.config.iscsi;
        let listen = PortalListen { ip, port: (port != c.global.listen_port).then_some(port) };
        if let Some(p) = c.portals.iter().find(|p| p.listen == [listen.clone()]) {
            return p.id;
        }
        let id = c.portals.len() as u32 + 1;
        c.portals.push(Portal {
            id,
            tag: id,
            listen: vec![listen],
            discovery_authmethod: discovery.map_or(AuthMethod::None, |(_, m)| m),
            discovery_authgroup: discovery.map(|(t, _)| t),
            ..Default::default()
        });
        id
    };
    if let Some(l) = &conf.discovery_loc {
        tags.into.at("iscsi/portal/1", "discovery_authmethod", l);
    }
    for t in &conf.targets {
        if t.fabric != "iscsi" {
            tags.into.note(&t.loc, format!("{} target {:?}: not imported (nasguard manages iSCSI)", t.fabric, t.wwn));
            continue;
        }
        let Some(tpg) = t.tpgs.first() else {
            tags.into.note(&t.loc, format!("target {:?} has no TPG: not imported", t.wwn));
            continue;
        };
        if t.tpgs.len() > 1 {
            tags.into.note(
                &t.loc,
                format!("target {:?}: only TPG {} imported (nasguard gives a target one TPG)", t.wwn, tpg.tag),
            );
        }
        if !tpg.enable {
            tags.into.note(&t.loc, format!("target {:?}: its TPG is disabled; imported enabled", t.wwn));
        }
        let tid = tags.into.config.iscsi.targets.len() as u32 + 1;
        let portals: Vec<u32> = tpg
            .portals
            .iter()
            .filter_map(|(ip, port)| portal_ip(ip).map(|ip| portal_of(ip, *port, &mut tags)))
            .collect();
        let portal = portals.first().copied().unwrap_or_else(|| portal_of(IpAddr::from([0, 0, 0, 0]), 3260, &mut tags));
        let mut groups = vec![];
        let mut allow_everyone = false;
        if tpg.generate_node_acls {
            let m = method(tpg.authentication, &tpg.chap);
            let auth = (m != AuthMethod::None).then(|| tags.tag_for(&tpg.chap));
            groups.push(TargetGroup { portal, initiator: None, authmethod: m, auth });
            allow_everyone = true;
        }
        // One initiator group per distinct credential: LIO gives each ACL
        // its own, the model gives each group one.
        let mut by_chap: Vec<(Chap, Vec<String>)> = vec![];
        for acl in &tpg.node_acls {
            match by_chap.iter_mut().find(|(c, _)| *c == acl.chap) {
                Some((_, names)) => names.push(acl.node_wwn.clone()),
                None => by_chap.push((acl.chap.clone(), vec![acl.node_wwn.clone()])),
            }
            if tpg.authentication && !acl.chap.is_set() {
                tags.into.note(&t.loc, format!("target {:?}: ACL {} has no CHAP credentials while the TPG requires authentication (it cannot log in); imported without authentication", t.wwn, acl.node_wwn));
            }
        }
        for (chap, names) in by_chap {
            let gid = tags.into.config.iscsi.initiators.len() as u32 + 1;
            tags.into.config.iscsi.initiators.push(InitiatorGroup {
                id: gid,
                initiators: names,
                comment: format!("imported from LIO target {}", t.wwn),
                ..Default::default()
            });
            let m = method(tpg.authentication, &chap);
            let auth = (m != AuthMethod::None).then(|| tags.tag_for(&chap));
            groups.push(TargetGroup { portal, initiator: Some(gid), authmethod: m, auth });
        }
        for extra in portals.iter().skip(1) {
            let more: Vec<TargetGroup> = groups
                .iter()
                .filter(|g| g.portal == portal)
                .map(|g| TargetGroup { portal: *extra, ..g.clone() })
                .collect();
            groups.extend(more);
        }
        for lun in &tpg.luns {
            let name = lun.storage_object.rsplit('/').next().unwrap_or("");
            let c = &mut tags.into.config.iscsi;
            match c.extents.iter().find(|x| x.name == name).map(|x| x.id) {
                Some(extent) => {
                    let id = c.targetextents.len() as u32 + 1;
                    c.targetextents.push(TargetExtent { id, target: tid, extent, lunid: lun.index });
                }
                None => {
                    let loc = t.loc.clone();
                    tags.into.note(
                        &loc,
                        format!(
                            "target {:?}: LUN {} ({}) names no imported storage object",
                            t.wwn, lun.index, lun.storage_object
                        ),
                    );
                }
            }
        }
        let ro_everywhere = |name: &str| -> bool {
            let Some(lun) = tpg.luns.iter().find(|l| l.storage_object.ends_with(&format!("/{name}"))) else {
                return false;
            };
            let maps: Vec<bool> = tpg
                .node_acls
                .iter()
                .flat_map(|a| a.mapped_luns.iter().filter(|m| m.1 == lun.index).map(|m| m.2))
                .collect();
            let demo_ro = !tpg.generate_node_acls || tpg.demo_mode_write_protect;
            !maps.is_empty() && maps.iter().all(|ro| *ro) && demo_ro
        };
        for x in tags.into.config.iscsi.extents.iter_mut() {
            if !x.ro && ro_everywhere(&x.name) {
                x.ro = true;
            }
        }
        tags.into.config.iscsi.targets.push(Target {
            id: tid,
            name: t.wwn.clone(),
            alias: None,
            groups,
            allow_everyone,
        });
        let loc = if t.loc.file.as_os_str().is_empty() { Loc { file: file.clone(), line: 0 } } else { t.loc.clone() };
        tags.into.at(&format!("iscsi/target/{}", t.wwn), "", &loc);
    }
}

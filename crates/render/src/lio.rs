//! LIO, the kernel's iSCSI target: rtslib-fb's saved configuration
//! (`/etc/rtslib-fb-target/saveconfig.json`, mode 0600: it holds CHAP
//! secrets), which `targetctl restore` loads (and unit
//! `rtslib-fb-targetctl` at boot).
//!
//! How the model maps (LIO has other shapes than tgt):
//! - an extent is a storage object (`fileio` for FILE, `block` for DISK),
//!   named `nasguard-ID` (LIO names are path components; extent names need
//!   not be);
//! - a target is one TPG (tag 1) with the portals of all its groups and a
//!   LUN per mapping (LIO has a LUN 0, so `lunid` is the LUN);
//! - initiator names become node ACLs, each with its group's CHAP (and
//!   mutual CHAP) credentials and every LUN mapped, read-only for read-only
//!   extents. A group that admits every initiator turns on demo mode
//!   (`generate_node_acls`) with the credentials on the TPG;
//! - discovery CHAP is global in LIO (as in tgt): if any portal asks for
//!   it, discovery needs it everywhere (stricter than asked, never looser).
//! - LIO has no per-network list: the firewall module enforces the groups'
//!   networks (`nft.rs`), or the audit says it is not enforced.

use nasguard_model::Config;
use nasguard_model::iscsi::{AuthMethod, Extent, ExtentType, IscsiConfig};
use serde_json::{Value, json};

/// The storage object name of an extent.
pub fn object_name(x: &Extent) -> String {
    format!("nasguard-{}", x.id)
}

/// The configfs path of an extent's storage object, as LUNs name it.
pub fn object_path(x: &Extent) -> String {
    let plugin = match x.kind {
        ExtentType::File => "fileio",
        ExtentType::Disk => "block",
    };
    format!("/backstores/{plugin}/{}", object_name(x))
}

fn serial(x: &Extent) -> String {
    if x.serial.is_empty() { IscsiConfig::derived_serial(&x.name) } else { x.serial.clone() }
}

fn storage_object(x: &Extent) -> Value {
    match x.kind {
        ExtentType::File => json!({
            "plugin": "fileio",
            "name": object_name(x),
            "dev": x.path,
            "size": x.filesize,
            // Write-through: a write is on disk when the initiator is told so.
            "write_back": false,
            "wwn": serial(x),
            "attributes": { "block_size": x.blocksize },
        }),
        ExtentType::Disk => json!({
            "plugin": "block",
            "name": object_name(x),
            "dev": x.disk.clone().unwrap_or_default(),
            "readonly": x.ro,
            "write_back": false,
            "wwn": serial(x),
        }),
    }
}

/// CHAP credentials of an auth group: the first of its tag.
fn credentials(c: &IscsiConfig, tag: Option<u32>, mutual: bool) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    if let Some(a) = tag.and_then(|t| c.auths_with_tag(t).next()) {
        m.insert("chap_userid".into(), json!(a.user));
        m.insert("chap_password".into(), json!(a.secret.expose()));
        if mutual && !a.peeruser.is_empty() {
            m.insert("chap_mutual_userid".into(), json!(a.peeruser));
            m.insert("chap_mutual_password".into(), json!(a.peersecret.expose()));
        }
    }
    m
}

fn portal_address(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

fn discovery(c: &IscsiConfig) -> Value {
    let wanted = c
        .portals
        .iter()
        .filter(|p| p.discovery_authmethod != AuthMethod::None)
        .find_map(|p| p.discovery_authgroup.map(|g| (p.discovery_authmethod, g)));
    let mut m = serde_json::Map::new();
    m.insert("name".into(), json!("iscsi"));
    match wanted.and_then(|(method, tag)| c.auths_with_tag(tag).next().map(|a| (method, a))) {
        Some((method, a)) => {
            m.insert("discovery_enable_auth".into(), json!(true));
            m.insert("discovery_userid".into(), json!(a.user));
            m.insert("discovery_password".into(), json!(a.secret.expose()));
            if method == AuthMethod::ChapMutual && !a.peeruser.is_empty() {
                m.insert("discovery_mutual_userid".into(), json!(a.peeruser));
                m.insert("discovery_mutual_password".into(), json!(a.peersecret.expose()));
            }
        }
        None => {
            m.insert("discovery_enable_auth".into(), json!(false));
        }
    }
    Value::Object(m)
}

/// The saved configuration, pretty-printed with sorted keys (deterministic).
pub fn render(cfg: &Config) -> String {
    let c = &cfg.iscsi;
    let extents: Vec<&Extent> = c.extents.iter().filter(|x| x.enabled).collect();
    let objects: Vec<Value> = extents.iter().map(|x| storage_object(x)).collect();
    let mut targets = vec![];
    for t in &c.targets {
        let mut maps: Vec<_> = c
            .targetextents
            .iter()
            .filter(|m| m.target == t.id)
            .filter_map(|m| extents.iter().find(|x| x.id == m.extent).map(|x| (m.lunid, *x)))
            .collect();
        maps.sort_by_key(|(lun, _)| *lun);
        maps.dedup_by_key(|(lun, _)| *lun);
        let luns: Vec<Value> =
            maps.iter().map(|(lun, x)| json!({ "index": lun, "storage_object": object_path(x) })).collect();
        let mapped = || -> Vec<Value> {
            maps.iter().map(|(lun, x)| json!({ "index": lun, "tpg_lun": lun, "write_protect": x.ro })).collect()
        };
        let mut portals: Vec<(String, u16)> = vec![];
        for g in &t.groups {
            if let Some(p) = c.portals.iter().find(|p| p.id == g.portal) {
                for l in &p.listen {
                    let at = (portal_address(l.ip), l.port.unwrap_or(c.global.listen_port));
                    if !portals.contains(&at) {
                        portals.push(at);
                    }
                }
            }
        }
        let authenticate = t.groups.iter().any(|g| g.authmethod != AuthMethod::None);
        // Every initiator admitted (no group, or a group that lists none):
        // demo mode, with the TPG's own credentials.
        let open = t
            .groups
            .iter()
            .any(|g| g.initiator.and_then(|id| c.initiator_group(id)).is_none_or(|ig| ig.admits_every_initiator()));
        let mut acls: Vec<Value> = vec![];
        let mut named: Vec<&str> = vec![];
        for g in &t.groups {
            let Some(ig) = g.initiator.and_then(|id| c.initiator_group(id)) else { continue };
            if ig.admits_every_initiator() {
                continue;
            }
            let creds = if g.authmethod == AuthMethod::None {
                serde_json::Map::new()
            } else {
                credentials(c, g.auth, g.authmethod == AuthMethod::ChapMutual)
            };
            for iqn in &ig.initiators {
                if named.contains(&iqn.as_str()) {
                    continue;
                }
                named.push(iqn);
                let mut acl = creds.clone();
                acl.insert("node_wwn".into(), json!(iqn));
                acl.insert("mapped_luns".into(), json!(mapped()));
                acls.push(Value::Object(acl));
            }
        }
        let mut tpg = serde_json::Map::new();
        if open {
            let g = t.groups.iter().find(|g| g.authmethod != AuthMethod::None);
            if let Some(g) = g {
                tpg.extend(credentials(c, g.auth, g.authmethod == AuthMethod::ChapMutual));
            }
        }
        let all_ro = !maps.is_empty() && maps.iter().all(|(_, x)| x.ro);
        tpg.insert("tag".into(), json!(1));
        tpg.insert("enable".into(), json!(true));
        tpg.insert(
            "attributes".into(),
            json!({
                "authentication": u8::from(authenticate),
                "generate_node_acls": u8::from(open),
                "cache_dynamic_acls": u8::from(open),
                "demo_mode_write_protect": u8::from(!open || all_ro),
            }),
        );
        tpg.insert("parameters".into(), json!({ "AuthMethod": if authenticate { "CHAP" } else { "None" } }));
        tpg.insert(
            "portals".into(),
            json!(portals.iter().map(|(ip, port)| json!({ "ip_address": ip, "port": port })).collect::<Vec<_>>()),
        );
        tpg.insert("luns".into(), json!(luns));
        tpg.insert("node_acls".into(), json!(acls));
        targets.push(json!({ "fabric": "iscsi", "wwn": c.target_iqn(t), "tpgs": [Value::Object(tpg)] }));
    }
    let doc = json!({
        "fabric_modules": [discovery(c)],
        "storage_objects": objects,
        "targets": targets,
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

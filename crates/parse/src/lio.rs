//! LIO's saved configuration (rtslib-fb's `saveconfig.json`, as
//! `targetcli saveconfig` and `targetctl save` write it): storage objects,
//! iSCSI targets with their TPGs (portals, LUNs, node ACLs with CHAP), and
//! the iSCSI fabric module's discovery authentication.
//!
//! Lenient like every parser here: what is not understood becomes a
//! diagnostic, and any input (not JSON, wrong shapes) gives a result.

use crate::{Diag, Loc};
use serde_json::Value;
use std::path::Path;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StorageObject {
    /// fileio, block, ramdisk, pscsi, user:...
    pub plugin: String,
    pub name: String,
    pub dev: String,
    pub size: u64,
    pub wwn: String,
    pub block_size: Option<u32>,
    pub readonly: bool,
    pub loc: Loc,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chap {
    pub userid: String,
    pub password: String,
    pub mutual_userid: String,
    pub mutual_password: String,
}

impl Chap {
    fn read(v: &Value, prefix: &str) -> Chap {
        let s = |k: &str| v.get(format!("{prefix}{k}")).and_then(Value::as_str).unwrap_or("").to_string();
        Chap {
            userid: s("userid"),
            password: s("password"),
            mutual_userid: s("mutual_userid"),
            mutual_password: s("mutual_password"),
        }
    }

    pub fn is_set(&self) -> bool {
        !self.userid.is_empty()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lun {
    pub index: u32,
    /// `/backstores/PLUGIN/NAME`.
    pub storage_object: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeAcl {
    pub node_wwn: String,
    pub chap: Chap,
    /// (mapped LUN, TPG LUN, write protected).
    pub mapped_luns: Vec<(u32, u32, bool)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tpg {
    pub tag: u32,
    pub enable: bool,
    pub authentication: bool,
    pub generate_node_acls: bool,
    pub demo_mode_write_protect: bool,
    /// TPG-wide credentials (demo mode).
    pub chap: Chap,
    pub portals: Vec<(String, u16)>,
    pub luns: Vec<Lun>,
    pub node_acls: Vec<NodeAcl>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LioTarget {
    pub fabric: String,
    pub wwn: String,
    pub tpgs: Vec<Tpg>,
    pub loc: Loc,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LioConf {
    pub storage_objects: Vec<StorageObject>,
    pub targets: Vec<LioTarget>,
    /// The iSCSI fabric module's discovery authentication, when enabled.
    pub discovery: Option<Chap>,
    pub discovery_loc: Option<Loc>,
    pub diags: Vec<Diag>,
}

/// The line of the first occurrence of `needle` (for findings' locations).
fn line_of(text: &str, needle: &str, file: &Path) -> Loc {
    let line = text.lines().position(|l| l.contains(needle)).map_or(0, |i| i + 1);
    Loc { file: file.to_path_buf(), line }
}

fn num(v: &Value, k: &str) -> Option<u64> {
    v.get(k).and_then(|x| x.as_u64().or_else(|| x.as_bool().map(u64::from)))
}

fn flag(v: &Value, k: &str) -> bool {
    num(v, k).is_some_and(|n| n != 0)
}

fn text(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or("").to_string()
}

fn list<'a>(v: &'a Value, k: &str) -> &'a [Value] {
    v.get(k).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn small(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub fn parse(text_in: &str, file: &Path) -> LioConf {
    let mut out = LioConf::default();
    let doc: Value = match serde_json::from_str(text_in) {
        Ok(v) => v,
        Err(e) => {
            out.diags.push(Diag {
                loc: Loc { file: file.to_path_buf(), line: e.line() },
                message: format!("not LIO's saved configuration (JSON): {e}"),
            });
            return out;
        }
    };
    for fm in list(&doc, "fabric_modules") {
        if text(fm, "name") == "iscsi" && fm.get("discovery_enable_auth").and_then(Value::as_bool).unwrap_or(false) {
            out.discovery = Some(Chap::read(fm, "discovery_"));
            out.discovery_loc = Some(line_of(text_in, "discovery_enable_auth", file));
        }
    }
    for so in list(&doc, "storage_objects") {
        let name = text(so, "name");
        out.storage_objects.push(StorageObject {
            plugin: text(so, "plugin"),
            dev: text(so, "dev"),
            size: num(so, "size").unwrap_or(0),
            wwn: text(so, "wwn"),
            block_size: so.get("attributes").and_then(|a| num(a, "block_size")).map(small),
            readonly: flag(so, "readonly"),
            loc: line_of(text_in, &format!("\"name\": \"{name}\""), file),
            name,
        });
    }
    for t in list(&doc, "targets") {
        let wwn = text(t, "wwn");
        let mut target = LioTarget { fabric: text(t, "fabric"), loc: line_of(text_in, &wwn, file), wwn, tpgs: vec![] };
        for tpg in list(t, "tpgs") {
            let attrs = tpg.get("attributes").cloned().unwrap_or(Value::Null);
            target.tpgs.push(Tpg {
                tag: num(tpg, "tag").map_or(1, small),
                enable: tpg.get("enable").and_then(Value::as_bool).unwrap_or(true),
                authentication: flag(&attrs, "authentication"),
                generate_node_acls: flag(&attrs, "generate_node_acls"),
                demo_mode_write_protect: flag(&attrs, "demo_mode_write_protect"),
                chap: Chap::read(tpg, "chap_"),
                portals: list(tpg, "portals")
                    .iter()
                    .map(|p| {
                        (text(p, "ip_address"), num(p, "port").and_then(|n| u16::try_from(n).ok()).unwrap_or(3260))
                    })
                    .collect(),
                luns: list(tpg, "luns")
                    .iter()
                    .map(|l| Lun { index: num(l, "index").map_or(0, small), storage_object: text(l, "storage_object") })
                    .collect(),
                node_acls: list(tpg, "node_acls")
                    .iter()
                    .map(|a| NodeAcl {
                        node_wwn: text(a, "node_wwn"),
                        chap: Chap::read(a, "chap_"),
                        mapped_luns: list(a, "mapped_luns")
                            .iter()
                            .map(|m| {
                                (
                                    num(m, "index").map_or(0, small),
                                    num(m, "tpg_lun").map_or(0, small),
                                    flag(m, "write_protect"),
                                )
                            })
                            .collect(),
                    })
                    .collect(),
            });
        }
        out.targets.push(target);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anything_parses_to_something() {
        for bad in ["", "{", "[]", "null", r#"{"targets": 3}"#, r#"{"targets": [{"tpgs": [7]}]}"#] {
            let _ = parse(bad, Path::new("/etc/rtslib-fb-target/saveconfig.json"));
        }
        let c = parse("{bad", Path::new("x"));
        assert_eq!(c.diags.len(), 1);
    }
}

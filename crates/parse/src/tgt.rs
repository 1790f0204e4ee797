//! tgt's targets.conf: `<target IQN>` blocks holding directives and
//! `<backing-store PATH>` sub-blocks (or `backing-store PATH` lines), global
//! directives outside, `#` comments.

use crate::{Diag, Loc};
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub key: String,
    pub value: String,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Store {
    pub path: String,
    pub loc: Loc,
    pub directives: Vec<Directive>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetBlock {
    pub name: String,
    pub loc: Loc,
    pub directives: Vec<Directive>,
    pub stores: Vec<Store>,
}

impl TargetBlock {
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Directive> + 'a {
        self.directives.iter().filter(move |d| d.key.eq_ignore_ascii_case(key))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TgtConf {
    pub globals: Vec<Directive>,
    pub targets: Vec<TargetBlock>,
    pub diags: Vec<Diag>,
}

pub fn parse(text: &str, file: &Path) -> TgtConf {
    let mut conf = TgtConf::default();
    let mut target: Option<TargetBlock> = None;
    let mut store: Option<Store> = None;
    for (i, raw) in text.lines().enumerate() {
        let loc = Loc { file: file.to_path_buf(), line: i + 1 };
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(close) = line.strip_prefix("</").map(|l| l.trim_end_matches('>').trim().to_lowercase()) {
            match close.as_str() {
                "backing-store" | "direct-store" => match (store.take(), target.as_mut()) {
                    (Some(s), Some(t)) => t.stores.push(s),
                    _ => conf.diags.push(Diag { loc, message: format!("</{close}> without an open block") }),
                },
                "target" => match target.take() {
                    Some(t) => conf.targets.push(t),
                    None => conf.diags.push(Diag { loc, message: "</target> without <target>".into() }),
                },
                other => conf.diags.push(Diag { loc, message: format!("unknown block </{other}>") }),
            }
            continue;
        }
        if let Some(open) = line.strip_prefix('<').map(|l| l.trim_end_matches('>').trim()) {
            let (kind, arg) = open.split_once(char::is_whitespace).unwrap_or((open, ""));
            match (kind.to_lowercase().as_str(), target.is_some()) {
                ("target", false) => {
                    target = Some(TargetBlock { name: arg.trim().into(), loc, directives: vec![], stores: vec![] })
                }
                ("backing-store" | "direct-store", true) => {
                    store = Some(Store { path: arg.trim().into(), loc, directives: vec![] })
                }
                _ => conf.diags.push(Diag { loc, message: format!("unexpected <{open}>") }),
            }
            continue;
        }
        let (key, value) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let d = Directive { key: key.to_lowercase(), value: value.trim().to_string(), loc };
        match (store.as_mut(), target.as_mut()) {
            (Some(s), _) => s.directives.push(d),
            (None, Some(t)) if d.key == "backing-store" || d.key == "direct-store" => {
                t.stores.push(Store { path: d.value.clone(), loc: d.loc.clone(), directives: vec![] })
            }
            (None, Some(t)) => t.directives.push(d),
            (None, None) => conf.globals.push(d),
        }
    }
    if let Some(t) = target {
        conf.diags.push(Diag { loc: t.loc.clone(), message: format!("<target {}> not closed", t.name) });
        conf.targets.push(t);
    }
    conf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_stores() {
        let c = parse(
            "default-driver iscsi\nincomingdiscoveryuser u s\n<target iqn.a:b>\n backing-store /x.img\n <backing-store /y.img>\n  lun 2\n </backing-store>\n initiator-address 10.0.0.0/8\n incominguser u p\n</target>\n",
            Path::new("t.conf"),
        );
        assert!(c.diags.is_empty(), "{:?}", c.diags);
        assert_eq!(c.globals[1].key, "incomingdiscoveryuser");
        let t = &c.targets[0];
        assert_eq!(t.stores.len(), 2);
        assert_eq!(t.stores[1].directives[0].value, "2");
        assert_eq!(t.all("incominguser").count(), 1);
    }
}

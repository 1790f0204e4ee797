//! smb.conf as Samba reads it: `[section]` headers, `key = value` lines,
//! names case-insensitive with inner spaces collapsed and synonyms
//! resolved, `#`/`;` comment lines, a trailing backslash continuing a line,
//! `include = FILE` read in place, and the last value of a key winning.

use crate::{Diag, Files, IncludeGuard, Loc};
use nasguard_model::{smb_canonical_name, smb_compact_name, smb_is_global_section};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One effective parameter: its value (after inversion of an inverted
/// synonym such as `writeable`) and where it was set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub value: String,
    pub loc: Loc,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub loc: Option<Loc>,
    pub params: BTreeMap<String, Param>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SmbConf {
    pub global: Section,
    /// Shares in file order (a repeated section name continues the first).
    pub shares: Vec<Section>,
    pub diags: Vec<Diag>,
}

impl SmbConf {
    pub fn global(&self, key: &str) -> Option<&Param> {
        self.global.params.get(key)
    }
}

fn invert(value: &str) -> String {
    match value.to_lowercase().as_str() {
        "yes" | "true" | "1" | "on" => "no".into(),
        "no" | "false" | "0" | "off" => "yes".into(),
        _ => value.into(),
    }
}

pub fn parse(path: &Path, files: &dyn Files) -> SmbConf {
    let mut conf = SmbConf { global: Section { name: "global".into(), ..Default::default() }, ..Default::default() };
    let mut current: Option<usize> = None; // None = global
    read(path, files, &mut conf, &mut current, &mut IncludeGuard::default());
    conf
}

/// Parses text that has no includes to follow (tests, fuzzing).
pub fn parse_text(text: &str) -> SmbConf {
    let mut files = crate::MemFiles::default();
    let path = PathBuf::from("smb.conf");
    files.0.insert(path.clone(), text.to_string());
    parse(&path, &files)
}

fn read(path: &Path, files: &dyn Files, conf: &mut SmbConf, current: &mut Option<usize>, guard: &mut IncludeGuard) {
    let text = match files.read(path) {
        Ok(text) => text,
        Err(why) => {
            conf.diags.push(Diag { loc: Loc { file: path.into(), line: 0 }, message: why });
            return;
        }
    };
    guard.enter(path);
    let mut pending = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if pending.is_empty() {
            start = i + 1;
        }
        // As Samba joins continued lines: leading whitespace of the next
        // line becomes one space (checked against testparm).
        let joined = if !pending.is_empty() && raw.starts_with(char::is_whitespace) {
            format!(" {}", raw.trim_start())
        } else {
            raw.to_string()
        };
        let trimmed = joined.trim_end();
        if let Some(cont) = trimmed.strip_suffix('\\') {
            pending.push_str(cont);
            continue;
        }
        pending.push_str(trimmed);
        let line = std::mem::take(&mut pending);
        let loc = Loc { file: path.to_path_buf(), line: start };
        handle(line.trim(), loc, path, files, conf, current, guard);
    }
    if !pending.is_empty() {
        let loc = Loc { file: path.to_path_buf(), line: start };
        handle(pending.trim(), loc, path, files, conf, current, guard);
    }
    guard.leave();
}

fn handle(
    line: &str,
    loc: Loc,
    path: &Path,
    files: &dyn Files,
    conf: &mut SmbConf,
    current: &mut Option<usize>,
    guard: &mut IncludeGuard,
) {
    if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
        return;
    }
    if let Some(rest) = line.strip_prefix('[') {
        let Some(name) = rest.split(']').next().map(str::trim).filter(|_| rest.contains(']')) else {
            conf.diags.push(Diag { loc, message: format!("unterminated section header {line:?}") });
            return;
        };
        if smb_is_global_section(name) {
            *current = None;
            return;
        }
        *current = match conf.shares.iter().position(|s| s.name.eq_ignore_ascii_case(name)) {
            Some(i) => Some(i),
            None => {
                conf.shares.push(Section { name: name.to_string(), loc: Some(loc), params: BTreeMap::new() });
                Some(conf.shares.len() - 1)
            }
        };
        return;
    }
    let Some((k, v)) = line.split_once('=') else {
        conf.diags.push(Diag { loc, message: format!("not \"key = value\": {line:?}") });
        return;
    };
    let (key, inverted) = smb_canonical_name(k);
    let value = if inverted { invert(v.trim()) } else { v.trim().to_string() };
    if key == "include" {
        if value.contains('%') {
            conf.diags.push(Diag { loc, message: format!("include with substitutions not followed: {value}") });
            return;
        }
        match guard.include() {
            Ok(()) => {}
            Err(Some(why)) => {
                conf.diags.push(Diag { loc, message: why });
                return;
            }
            Err(None) => return,
        }
        let target = path.parent().unwrap_or(Path::new("/")).join(&value);
        match guard.refuse(&target) {
            Some(why) => conf.diags.push(Diag { loc, message: why }),
            None => read(&target, files, conf, current, guard),
        }
        return;
    }
    // `copy = SERVICE`: the parameters of an earlier share, except those
    // this share set already (Samba's copymap); later lines override them.
    // A share copying one with `force user = root` acts as root too.
    if key == "copy"
        && let Some(i) = *current
    {
        let wanted = smb_compact_name(&value);
        let source = conf.shares.iter().enumerate().find(|(j, s)| *j != i && smb_compact_name(&s.name) == wanted);
        match source.map(|(_, s)| s.params.clone()) {
            Some(params) => {
                if let Some(dest) = conf.shares.get_mut(i) {
                    for (k, p) in params {
                        dest.params.entry(k).or_insert(p);
                    }
                }
            }
            None => conf.diags.push(Diag { loc: loc.clone(), message: format!("copy: no earlier share {value:?}") }),
        }
    }
    let section = match current {
        None => &mut conf.global,
        Some(i) => match conf.shares.get_mut(*i) {
            Some(s) => s,
            None => return,
        },
    };
    section.params.insert(key, Param { value, loc });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samba_semantics() {
        let c = parse_text(
            "; comment\n[Global]\n  Server   Signing = auto\nserver signing = mandatory\nmin protocol = NT1\n[data]\npath = /srv/\\\n  data\nwriteable = yes\n# x\n[DATA]\nbrowsable = no\n",
        );
        assert_eq!(c.global("server signing").map(|p| p.value.as_str()), Some("mandatory"));
        assert_eq!(c.global("server signing").map(|p| p.loc.line), Some(4));
        assert_eq!(c.global("server min protocol").map(|p| p.value.as_str()), Some("NT1"));
        assert_eq!(c.shares.len(), 1);
        let s = &c.shares[0];
        assert_eq!(s.params["path"].value, "/srv/ data", "as testparm joins it");
        assert_eq!(s.params["read only"].value, "no");
        assert_eq!(s.params["browseable"].value, "no");
    }

    #[test]
    fn includes_are_read_in_place() {
        let mut f = crate::MemFiles::default();
        f.0.insert("/etc/samba/smb.conf".into(), "[global]\ninclude = extra.conf\nworkgroup = LATE\n".into());
        f.0.insert("/etc/samba/extra.conf".into(), "workgroup = EARLY\nserver signing = mandatory\n".into());
        let c = parse(Path::new("/etc/samba/smb.conf"), &f);
        assert_eq!(c.global("workgroup").map(|p| p.value.as_str()), Some("LATE"));
        assert_eq!(
            c.global("server signing").map(|p| p.loc.file.clone()),
            Some(PathBuf::from("/etc/samba/extra.conf"))
        );
    }

    #[test]
    fn copy_takes_an_earlier_shares_parameters() {
        let c = parse_text(
            "[template]\n force user = root\n available = no\n comment = t\n[data]\n comment = mine\n copy = TEMPLATE\n available = yes\n",
        );
        let data = &c.shares[1];
        assert_eq!(data.params["force user"].value, "root");
        assert_eq!(data.params["available"].value, "yes");
        assert_eq!(data.params["comment"].value, "mine", "set before copy: kept (Samba's copymap)");
    }

    #[test]
    fn include_loops_stop() {
        let mut f = crate::MemFiles::default();
        f.0.insert("/a.conf".into(), "include = /a.conf\n".into());
        let c = parse(Path::new("/a.conf"), &f);
        assert!(!c.diags.is_empty());
    }
}

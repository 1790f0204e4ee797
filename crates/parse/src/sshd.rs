//! sshd_config as sshd reads it: case-insensitive keywords, `Keyword args`
//! or `Keyword=args`, a token starting with `#` ends the line, the *first*
//! value of a keyword wins (a few keywords accumulate), `Include` takes
//! globs (relative to /etc/ssh) and reads them in place, and `Match` starts
//! a block that lasts until the next `Match`.

use crate::{Diag, Files, IncludeGuard, Loc};
use nasguard_model::ssh_keywords::{SshdLine, split_sshd_line, sshd_args};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub value: String,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchBlock {
    pub criteria: String,
    pub loc: Loc,
    pub params: BTreeMap<String, Param>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SshdConf {
    /// First value of each keyword outside Match blocks (lowercase keys).
    pub global: BTreeMap<String, Param>,
    /// Every value of the accumulating keywords.
    pub repeated: BTreeMap<String, Vec<Param>>,
    pub matches: Vec<MatchBlock>,
    pub diags: Vec<Diag>,
}

/// Keywords whose every occurrence counts.
pub const ACCUMULATE: [&str; 10] = [
    "port",
    "listenaddress",
    "hostkey",
    "acceptenv",
    "setenv",
    "subsystem",
    "allowusers",
    "allowgroups",
    "denyusers",
    "denygroups",
];

/// Splits a line into tokens as sshd does: the keyword (quotes removed
/// the way sshd's `strdelim` removes them), then the arguments
/// (`argv_split`: quotes and escapes anywhere, a token starting with `#`
/// ending the line). A line sshd skips has no tokens; one it refuses
/// (unterminated quotes) is an error.
pub fn tokens(line: &str) -> Result<Vec<String>, String> {
    match split_sshd_line(line) {
        SshdLine::Skipped => Ok(vec![]),
        SshdLine::Keyword { keyword, rest } => {
            let mut out = vec![keyword];
            out.extend(sshd_args(&rest)?);
            Ok(out)
        }
    }
}

pub fn parse(path: &Path, files: &dyn Files) -> SshdConf {
    let mut conf = SshdConf::default();
    read(path, files, &mut conf, &mut IncludeGuard::default(), None);
    conf
}

pub fn parse_text(text: &str) -> SshdConf {
    let mut files = crate::MemFiles::default();
    let path = PathBuf::from("/etc/ssh/sshd_config");
    files.0.insert(path.clone(), text.to_string());
    parse(&path, &files)
}

/// Reads one file. `block` is the Match block the file starts in (the one
/// its Include line was in): a Match the file opens lasts to its end only,
/// as sshd confines it, so the including file's later lines are not in it.
fn read(path: &Path, files: &dyn Files, conf: &mut SshdConf, guard: &mut IncludeGuard, mut block: Option<usize>) {
    let text = match files.read(path) {
        Ok(text) => text,
        Err(why) => {
            conf.diags.push(Diag { loc: Loc { file: path.into(), line: 0 }, message: why });
            return;
        }
    };
    guard.enter(path);
    for (i, raw) in text.lines().enumerate() {
        let loc = Loc { file: path.to_path_buf(), line: i + 1 };
        // As sshd splits it: `Keyword=value`, quoted parts of the keyword
        // (`Ban"ner"` is Banner), quoted and escaped arguments.
        let toks = match tokens(raw) {
            Ok(toks) => toks,
            Err(why) => {
                conf.diags.push(Diag { loc, message: why });
                continue;
            }
        };
        let Some((kw, args)) = toks.split_first() else { continue };
        let kw = kw.clone();
        let value = args.join(" ");
        match kw.as_str() {
            "include" => {
                for pattern in args {
                    match guard.include() {
                        Ok(()) => {}
                        Err(Some(why)) => {
                            conf.diags.push(Diag { loc: loc.clone(), message: why });
                            continue;
                        }
                        Err(None) => continue,
                    }
                    let p = Path::new("/etc/ssh").join(pattern);
                    let matches = if crate::is_glob(pattern) { files.glob(&p) } else { vec![p] };
                    for m in matches {
                        match guard.refuse(&m) {
                            Some(why) => conf.diags.push(Diag { loc: loc.clone(), message: why }),
                            None => read(&m, files, conf, guard, block),
                        }
                    }
                }
            }
            "match" => {
                conf.matches.push(MatchBlock { criteria: value, loc, params: BTreeMap::new() });
                block = Some(conf.matches.len() - 1);
            }
            _ if value.is_empty() => conf.diags.push(Diag { loc, message: format!("{kw}: missing argument") }),
            _ => {
                let param = Param { value, loc };
                if let Some(block) = block.and_then(|i| conf.matches.get_mut(i)) {
                    block.params.entry(kw).or_insert(param);
                } else if ACCUMULATE.contains(&kw.as_str()) {
                    conf.repeated.entry(kw).or_default().push(param);
                } else {
                    conf.global.entry(kw).or_insert(param);
                }
            }
        }
    }
    guard.leave();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_value_wins_outside_match() {
        let c = parse_text(
            "PermitRootLogin no\npermitrootlogin yes\nPort 22\nPort=2222\nMatch User bob\n  PasswordAuthentication yes\n  PermitRootLogin yes\n",
        );
        assert_eq!(c.global["permitrootlogin"].value, "no");
        assert_eq!(c.repeated["port"].len(), 2);
        assert_eq!(c.repeated["port"][1].value, "2222");
        assert_eq!(c.matches.len(), 1);
        assert_eq!(c.matches[0].params["passwordauthentication"].value, "yes");
        assert!(!c.global.contains_key("passwordauthentication"));
    }

    #[test]
    fn include_globs_come_first_when_included_first() {
        let mut f = crate::MemFiles::default();
        f.0.insert(
            "/etc/ssh/sshd_config".into(),
            "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication yes\n".into(),
        );
        f.0.insert("/etc/ssh/sshd_config.d/10-hard.conf".into(), "PasswordAuthentication no # inline comment\n".into());
        f.0.insert("/etc/ssh/sshd_config.d/README".into(), "PasswordAuthentication maybe\n".into());
        let c = parse(Path::new("/etc/ssh/sshd_config"), &f);
        let p = &c.global["passwordauthentication"];
        assert_eq!(p.value, "no");
        assert_eq!(p.loc.file, PathBuf::from("/etc/ssh/sshd_config.d/10-hard.conf"));
    }

    #[test]
    fn a_match_block_ends_with_its_file() {
        let mut f = crate::MemFiles::default();
        f.0.insert("/etc/ssh/sshd_config".into(), "Include /etc/ssh/x.conf\nPermitRootLogin yes\n".into());
        f.0.insert("/etc/ssh/x.conf".into(), "Match User nobody\n  PermitRootLogin no\n".into());
        let c = parse(Path::new("/etc/ssh/sshd_config"), &f);
        assert_eq!(c.global["permitrootlogin"].value, "yes");
        assert_eq!(c.matches[0].params["permitrootlogin"].value, "no");
        // An Include inside a Match block: its lines are in that block.
        f.0.insert("/etc/ssh/sshd_config".into(), "Match User bob\n  Include /etc/ssh/y.conf\n".into());
        f.0.insert("/etc/ssh/y.conf".into(), "PasswordAuthentication yes\n".into());
        let c = parse(Path::new("/etc/ssh/sshd_config"), &f);
        assert_eq!(c.matches[0].params["passwordauthentication"].value, "yes");
        assert!(!c.global.contains_key("passwordauthentication"));
    }

    #[test]
    fn self_including_files_are_read_once() {
        // Found by fuzzing: two Include lines naming their own file made
        // 2^16 reads.
        let text = "Include sshd_config\nInclude sshd_config\nPort 22\n".repeat(3);
        let c = parse_text(&text);
        assert_eq!(c.repeated["port"].len(), 3);
        assert!(c.diags.iter().any(|d| d.message.contains("includes itself")));
    }

    #[test]
    fn quoted_tokens() {
        assert_eq!(tokens("Banner \"/etc/a b\" # c").unwrap(), vec!["banner", "/etc/a b"]);
        // What `sshd -T` (OpenSSH 9.2) prints for each.
        for (line, want) in [
            ("Ban\"ner\" /etc/shadow", vec!["banner", "/etc/shadow"]),
            ("AuthorizedKeysCommand\"\" /bin/x", vec!["authorizedkeyscommand", "/bin/x"]),
            (" \"Ciphers\" aes128-cbc", vec!["ciphers", "aes128-cbc"]),
            ("PermitRootLogin 'y'e\"s\"", vec!["permitrootlogin", "yes"]),
            ("PasswordAuthentication=\"yes\"", vec!["passwordauthentication", "yes"]),
            ("PasswordAuthentication = yes", vec!["passwordauthentication", "yes"]),
            ("AuthorizedKeysCommandUser r\\oot", vec!["authorizedkeyscommanduser", "r\\oot"]),
            ("X a\\ b 'c d' #e", vec!["x", "a b", "c d"]),
            ("\"#Banner\" x", vec![]),
            ("Ban\"ner x", vec![]),
        ] {
            assert_eq!(tokens(line).unwrap(), want, "{line}");
        }
        assert!(tokens("Banner \"x").is_err());
    }
}

//! Parsers for the daemons' config formats, with each daemon's semantics,
//! and the mapping from what they say to nasguard's model (`import`).
//!
//! **Architecture invariant:** pure. Files named by `include`/`Include`
//! are read through the [`Files`] trait (the IO edge implements it over the
//! filesystem; tests over a map). Parsers never fail: they return what they
//! understood plus diagnostics, and never panic on any input (fuzzed).

pub mod exports;
pub mod ganesha;
pub mod import;
pub mod lio;
pub mod smb;
pub mod sshd;
pub mod tgt;

use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where a setting was written.
#[derive(Serialize, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Loc {
    pub file: PathBuf,
    pub line: usize,
}

/// Something the parser could not understand, with where.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Diag {
    pub loc: Loc,
    pub message: String,
}

/// Read access for includes.
pub trait Files {
    /// The file's text, or why it cannot be read (missing, or refused: the
    /// reason names the path, never its content).
    fn read(&self, path: &Path) -> Result<String, String>;
    /// Paths matching a glob (see [`glob_match`], in any component), in
    /// glob(3)'s order ([`glob_sort`]).
    fn glob(&self, pattern: &Path) -> Vec<PathBuf>;
}

/// An in-memory file set, for tests and fuzzing.
#[derive(Default, Clone, Debug)]
pub struct MemFiles(pub BTreeMap<PathBuf, String>);

impl Files for MemFiles {
    fn read(&self, path: &Path) -> Result<String, String> {
        self.0.get(path).cloned().ok_or_else(|| "cannot read file".to_string())
    }

    fn glob(&self, pattern: &Path) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self.0.keys().filter(|k| glob_path_match(pattern, k)).cloned().collect();
        glob_sort(&mut out);
        out
    }
}

/// One element of a glob pattern.
#[derive(Debug)]
enum GlobTok {
    Star,
    Any,
    Lit(char),
    /// `[...]`: ranges, negated by a leading `!` or `^`.
    Class(Vec<(char, char)>, bool),
}

fn glob_tokens(pattern: &str) -> Vec<GlobTok> {
    let p: Vec<char> = pattern.chars().collect();
    let mut out = vec![];
    let mut i = 0;
    while let Some(&c) = p.get(i) {
        i += 1;
        match c {
            '*' => out.push(GlobTok::Star),
            '?' => out.push(GlobTok::Any),
            '\\' => {
                if let Some(&n) = p.get(i) {
                    out.push(GlobTok::Lit(n));
                    i += 1;
                } else {
                    out.push(GlobTok::Lit('\\'));
                }
            }
            '[' => {
                let mut j = i;
                let negated = matches!(p.get(j), Some('!' | '^'));
                if negated {
                    j += 1;
                }
                let mut ranges = vec![];
                let mut first = true;
                let mut closed = false;
                while let Some(&c) = p.get(j) {
                    j += 1;
                    if c == ']' && !first {
                        closed = true;
                        break;
                    }
                    first = false;
                    if p.get(j) == Some(&'-')
                        && let Some(&hi) = p.get(j + 1)
                        && hi != ']'
                    {
                        ranges.push((c, hi));
                        j += 2;
                    } else {
                        ranges.push((c, c));
                    }
                }
                if closed {
                    out.push(GlobTok::Class(ranges, negated));
                    i = j;
                } else {
                    out.push(GlobTok::Lit('['));
                }
            }
            c => out.push(GlobTok::Lit(c)),
        }
    }
    out
}

/// Shell-style matching of one path component as glob(3) does it for
/// sshd's Include: `*`, `?`, `[...]` ranges (`!` or `^` negating), `\`
/// escaping, and a leading `.` matched only by a literal `.`.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p = glob_tokens(pattern);
    let n: Vec<char> = name.chars().collect();
    if n.first() == Some(&'.') && !matches!(p.first(), Some(GlobTok::Lit('.'))) {
        return false;
    }
    let one = |t: &GlobTok, c: char| match t {
        GlobTok::Any => true,
        GlobTok::Lit(l) => *l == c,
        GlobTok::Class(ranges, negated) => ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated,
        GlobTok::Star => false,
    };
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while let Some(&c) = n.get(ni) {
        match p.get(pi) {
            Some(GlobTok::Star) => {
                star = Some(pi);
                mark = ni;
                pi += 1;
            }
            Some(t) if one(t, c) => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some(s) => {
                    pi = s + 1;
                    mark += 1;
                    ni = mark;
                }
                None => return false,
            },
        }
    }
    while matches!(p.get(pi), Some(GlobTok::Star)) {
        pi += 1;
    }
    pi == p.len()
}

/// Whether `path` matches `pattern` component by component (wildcards in
/// any component, as glob(3) expands them; a wildcard never matches `/`).
pub fn glob_path_match(pattern: &Path, path: &Path) -> bool {
    let parts =
        |p: &Path| -> Vec<String> { p.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect() };
    let (pat, got) = (parts(pattern), parts(path));
    pat.len() == got.len() && pat.iter().zip(&got).all(|(p, g)| glob_match(p, g))
}

/// Whether a path has glob characters (sshd's Include globs it then).
pub fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?', '['])
}

/// glob(3)'s order: the whole path compared byte by byte (sshd runs in the
/// C locale), not component by component.
pub fn glob_sort(paths: &mut [PathBuf]) {
    paths.sort_by(|a, b| a.as_os_str().as_encoded_bytes().cmp(b.as_os_str().as_encoded_bytes()));
}

/// How deep includes may nest before the parser stops (as sshd's limit).
pub(crate) const MAX_INCLUDE_DEPTH: usize = 16;

/// How many files one parse may read in all: a bound on includes that
/// fan out (found by fuzzing: two `Include` lines naming their own file
/// made 2^16 reads).
pub(crate) const MAX_FILES_READ: usize = 256;

/// How many include patterns one parse follows in all (read or not): a
/// file of a million `Include` lines must not keep the parser busy.
pub(crate) const MAX_INCLUDES: usize = 4096;

/// The include path being read, and how many files were read in all.
#[derive(Default)]
pub(crate) struct IncludeGuard {
    stack: Vec<PathBuf>,
    reads: usize,
    includes: usize,
}

impl IncludeGuard {
    /// Counts one include pattern. `Err` when the budget is spent: with a
    /// message the first time only (one diagnostic, not one per line).
    pub(crate) fn include(&mut self) -> Result<(), Option<String>> {
        self.includes += 1;
        match self.includes.cmp(&(MAX_INCLUDES + 1)) {
            std::cmp::Ordering::Less => Ok(()),
            std::cmp::Ordering::Equal => {
                Err(Some(format!("more than {MAX_INCLUDES} includes; the rest are not followed")))
            }
            std::cmp::Ordering::Greater => Err(None),
        }
    }

    /// Why `path` may not be read now, if it may not.
    pub(crate) fn refuse(&self, path: &Path) -> Option<String> {
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            return Some("includes nested too deeply".into());
        }
        if self.stack.iter().any(|p| p == path) {
            return Some(format!("{} includes itself (a loop); not followed", path.display()));
        }
        if self.reads >= MAX_FILES_READ {
            return Some(format!("more than {MAX_FILES_READ} files included; stopped"));
        }
        None
    }

    pub(crate) fn enter(&mut self, path: &Path) {
        self.stack.push(path.to_path_buf());
        self.reads += 1;
    }

    pub(crate) fn leave(&mut self) {
        self.stack.pop();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn globbing() {
        assert!(super::glob_match("*.conf", "a.conf"));
        assert!(!super::glob_match("*.conf", "a.conf.bak"));
        assert!(super::glob_match("x?z", "xyz"));
        assert!(super::glob_match("*", ""));
    }

    /// As glob(3) (what sshd's Include uses) matches.
    #[test]
    fn globbing_as_glob3() {
        use super::glob_match as m;
        assert!(m("[a-z].conf", "b.conf"));
        assert!(!m("[a-z].conf", "0.conf"));
        assert!(m("[!a-z].conf", "0.conf") && m("[^a-z].conf", "0.conf"));
        assert!(m("[]x].conf", "].conf"), "a ] first in a class is literal");
        assert!(m("a[.conf", "a[.conf"), "an unclosed [ is literal");
        assert!(m("\\*.conf", "*.conf") && !m("\\*.conf", "a.conf"));
        assert!(!m("*.conf", ".hidden.conf") && !m("?hidden.conf", ".hidden.conf"));
        assert!(!m("[.]hidden.conf", ".hidden.conf"));
        assert!(m(".*.conf", ".hidden.conf"));
        let p = std::path::Path::new;
        assert!(super::glob_path_match(p("/etc/ssh/*.d/a.conf"), p("/etc/ssh/evil.d/a.conf")));
        assert!(!super::glob_path_match(p("/etc/ssh/*.conf"), p("/etc/ssh/d/a.conf")));
        let mut v = vec![std::path::PathBuf::from("/e/a/x"), std::path::PathBuf::from("/e/a.d/x")];
        super::glob_sort(&mut v);
        assert_eq!(v[0], std::path::PathBuf::from("/e/a.d/x"), "strcmp order: '.' sorts before '/'");
    }
}

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
    /// Paths matching a glob (`*` and `?` in the last component), sorted.
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
        let (Some(dir), Some(pat)) = (pattern.parent(), pattern.file_name().and_then(|p| p.to_str())) else {
            return vec![];
        };
        self.0
            .keys()
            .filter(|k| {
                k.parent() == Some(dir) && k.file_name().and_then(|n| n.to_str()).is_some_and(|n| glob_match(pat, n))
            })
            .cloned()
            .collect()
    }
}

/// Shell-style matching of `*` and `?` (no brackets), as sshd's Include
/// and smb.conf need.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
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
}

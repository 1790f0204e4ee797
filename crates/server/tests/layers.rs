//! The server's modules form layers (ARCHITECTURE.md, "server"): each one
//! imports only from layers below its own, so no two modules import each
//! other, however indirectly. This reads the sources and checks it, and that
//! every module is in the table and no file (tests included) outgrows ~600
//! lines.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::string_slice)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module -> layer, bottom first. Keep in step with ARCHITECTURE.md.
const LAYERS: &[(&str, u32)] = &[
    ("options", 0),
    ("error", 0),
    ("tls", 0),
    ("notify", 0),
    ("error_page", 1),
    ("state", 1),
    ("listen", 1),
    ("extract", 2),
    ("auth", 2),
    ("metrics", 3),
    ("api::common", 4),
    ("ui::forms", 4),
    ("ui::frame", 5),
    ("api::services", 5),
    ("api::shares", 5),
    ("api::iscsi", 5),
    ("api::audit", 5),
    ("api::users", 5),
    ("api::truenas", 5),
    ("api::fleet", 5),
    ("ui::dashboard", 6),
    ("ui::services", 6),
    ("ui::sharing", 6),
    ("ui::iscsi", 6),
    ("ui::tools", 6),
    ("ui::account", 6),
    ("ui::session", 6),
    ("ui::truenas", 6),
    ("ui::fleet", 6),
    ("api", 7),
    ("ui", 7),
    ("crate", 8),
];

const MAX_LINES: usize = 600;

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/ui/frame.rs` -> `ui::frame`; `src/api/mod.rs` -> `api`; `src/lib.rs` -> `crate`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts == ["lib"] {
        return "crate".into();
    }
    parts.join("::")
}

/// The modules `code` (of module `me`) names through `crate::` or `super::`.
fn imports(me: &str, code: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    // `super` of `ui::frame` (ui/frame.rs) is `ui`; of `ui` (ui/mod.rs), the crate.
    let parent = me.rsplit_once("::").map(|(p, _)| p.to_string()).unwrap_or_default();
    let resolve = |root: &str, path: &str| -> String {
        // The longest known module the path starts with; else the root itself.
        let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        for n in (1..=segments.len()).rev() {
            let candidate = if root.is_empty() {
                segments[..n].join("::")
            } else {
                format!("{root}::{}", segments[..n].join("::"))
            };
            if known.contains(&candidate) {
                return candidate;
            }
        }
        if root.is_empty() { "crate".into() } else { root.to_string() }
    };
    let mut found = BTreeSet::new();
    for (prefix, root) in [("crate::", String::new()), ("super::", parent)] {
        let mut rest = code;
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().last();
            rest = &rest[at + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue; // another crate's path, not ours
            }
            let paths: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                group[..end].split(',').map(|s| s.trim().to_string()).collect()
            } else {
                let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
                vec![rest[..end].to_string()]
            };
            for p in paths {
                let p = p.split_whitespace().next().unwrap_or("").trim_end_matches(':');
                if p.is_empty() || p == "self" || p == "*" {
                    continue;
                }
                let target = resolve(&root, p);
                if target != me {
                    found.insert(target);
                }
            }
        }
    }
    found
}

#[test]
fn every_module_imports_only_from_layers_below_it_and_no_file_is_too_long() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![];
    sources(&src, &mut files);
    files.sort();
    let layers: BTreeMap<&str, u32> = LAYERS.iter().copied().collect();
    let known: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let table: BTreeSet<String> = layers.keys().map(|k| k.to_string()).collect();
    assert_eq!(known, table, "every module of src/ is in LAYERS (and ARCHITECTURE.md), and nothing else");

    let mut problems = vec![];
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let lines = text.lines().count();
        if lines > MAX_LINES {
            problems.push(format!("{}: {lines} lines (split it by area; at most ~{MAX_LINES})", file.display()));
        }
        // Unit tests may use what they test.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let me = module_of(&src, file);
        for target in imports(&me, code, &known) {
            let (mine, theirs) = (layers[me.as_str()], layers[target.as_str()]);
            if theirs >= mine {
                problems.push(format!("{me} (layer {mine}) imports {target} (layer {theirs})"));
            }
        }
    }
    // The tests too.
    let mut tests = vec![];
    sources(&src.with_file_name("tests"), &mut tests);
    for file in &tests {
        let lines = std::fs::read_to_string(file).unwrap().lines().count();
        if lines > MAX_LINES {
            problems.push(format!("{}: {lines} lines (split it; at most ~{MAX_LINES})", file.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checker_sees_imports_up_and_across() {
    let known: BTreeSet<String> = LAYERS.iter().map(|(m, _)| m.to_string()).collect();
    let found = imports(
        "ui::frame",
        "use super::forms::{self, Control};\nuse crate::{auth::Caller, error::ApiError};\nuse crate::ui::Page;\n\
         fn f() { crate::metrics::apply_outcome(\"ok\"); super::sharing::x(); }",
        &known,
    );
    let want: BTreeSet<String> =
        ["ui::forms", "auth", "error", "ui", "metrics", "ui::sharing"].iter().map(|s| s.to_string()).collect();
    assert_eq!(found, want);
    // From a mod.rs, `super` is the parent of the module itself.
    let found = imports("ui", "use super::ServeOptions; use crate::ServeOptions;", &known);
    assert_eq!(found, ["crate".to_string()].into_iter().collect());
}

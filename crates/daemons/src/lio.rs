//! LIO through rtslib-fb's `targetctl`: checking a saved configuration
//! before it is swapped in, and loading it.
//!
//! Trap (measured in the Debian 12 VM, rtslib-fb 2.1.75): `targetctl
//! restore` clears the running configuration and then *skips* what it
//! cannot create ("Could not create StorageObject x1: [Errno 2] No such
//! file or directory, skipped") and exits 0 with half a configuration
//! running. So nasguard checks what it can before (every backing file's
//! directory and every block device exists) and treats any "skipped" or
//! "Could not" in restore's output as a failure, which rolls back.

use crate::{DaemonError, Result, need};
use nasguard_model::Service;
use serde_json::Value;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::Command;

fn rejected(output: String) -> DaemonError {
    DaemonError::Rejected { service: Service::Iscsi, tool: "nasguard's LIO check".into(), output }
}

/// The saved configuration must be JSON of rtslib's shape, and every
/// storage object's backing must be there: a FILE extent's directory, a
/// DISK extent's block device.
pub fn check(text: &str) -> Result<()> {
    let doc: Value = serde_json::from_str(text).map_err(|e| rejected(format!("not JSON: {e}")))?;
    let mut problems = vec![];
    let objects = doc.get("storage_objects").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut names = std::collections::HashSet::new();
    for so in &objects {
        let name = so.get("name").and_then(Value::as_str).unwrap_or("");
        let plugin = so.get("plugin").and_then(Value::as_str).unwrap_or("");
        let dev = so.get("dev").and_then(Value::as_str).unwrap_or("");
        if !names.insert(format!("{plugin}/{name}")) {
            problems.push(format!("storage object {plugin}/{name} is defined twice"));
        }
        match plugin {
            "fileio" => {
                let dir = Path::new(dev).parent().unwrap_or(Path::new("/"));
                if !dir.is_dir() {
                    problems.push(format!("{name}: the directory of {dev} does not exist"));
                } else if Path::new(dev).exists() && !Path::new(dev).is_file() {
                    problems.push(format!("{name}: {dev} is not a regular file"));
                }
            }
            "block" => {
                let is_block = std::fs::metadata(dev).is_ok_and(|m| m.file_type().is_block_device());
                if !is_block {
                    problems.push(format!("{name}: {dev} is not a block device"));
                }
            }
            other => problems.push(format!("{name}: unknown plugin {other:?}")),
        }
    }
    for t in doc.get("targets").and_then(Value::as_array).cloned().unwrap_or_default() {
        let wwn = t.get("wwn").and_then(Value::as_str).unwrap_or("");
        if !valid_wwn(wwn) {
            problems.push(format!(
                "target name {wwn:?} is not a name LIO takes (iqn.YYYY-MM.domain.tld:..., naa. or eui.)"
            ));
        }
        for tpg in t.get("tpgs").and_then(Value::as_array).cloned().unwrap_or_default() {
            for acl in tpg.get("node_acls").and_then(Value::as_array).cloned().unwrap_or_default() {
                let node = acl.get("node_wwn").and_then(Value::as_str).unwrap_or("");
                if !valid_wwn(node) {
                    problems.push(format!(
                        "{wwn}: initiator name {node:?} is not a name LIO takes (iqn.YYYY-MM.domain.tld:..., naa. or eui.)"
                    ));
                }
            }
            for lun in tpg.get("luns").and_then(Value::as_array).cloned().unwrap_or_default() {
                let so = lun.get("storage_object").and_then(Value::as_str).unwrap_or("");
                let known = so.strip_prefix("/backstores/").is_some_and(|rest| names.contains(rest));
                if !known {
                    problems.push(format!("{wwn}: LUN names {so:?}, which is not defined"));
                }
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(rejected(problems.join("\n"))) }
}

/// An iSCSI name as rtslib-fb accepts it (`rtslib/utils.py`, `is_valid_wwn`
/// for iscsi): `iqn.` + a year-month + `.` + a naming authority with at least
/// one more dot (`iqn\.\d{4}-[0-1][0-9]\..*\..*`), or `naa.`/`eui.` + 16 hex
/// digits. Anything else makes `targetctl restore` skip the object (and
/// exit 0), so nasguard refuses it before the swap.
pub fn valid_wwn(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix("naa.").or_else(|| lower.strip_prefix("eui.")) {
        return hex.len() == 16 && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    let Some(rest) = lower.strip_prefix("iqn.") else { return false };
    let b = rest.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let date = digits(0..4) && b.get(4) == Some(&b'-') && matches!(b.get(5), Some(b'0' | b'1')) && digits(6..7);
    date && b.get(7) == Some(&b'.') && b.get(8..).is_some_and(|tail| tail.contains(&b'.'))
}

/// `targetctl restore FILE`: replaces the running configuration with the
/// file's. Anything it skipped is an error (see the module docs).
pub fn restore(file: &Path) -> Result<()> {
    let out = Command::new(need(Service::Iscsi, "targetctl")?)
        .arg("restore")
        .arg(file)
        .output()
        .map_err(|e| DaemonError::Failed { service: Service::Iscsi, message: format!("targetctl restore: {e}") })?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let partial = text.lines().any(|l| l.contains("skipped") || l.contains("Could not") || l.contains("Traceback"));
    if !out.status.success() || partial {
        return Err(DaemonError::Failed {
            service: Service::Iscsi,
            message: format!("targetctl restore {} failed: {}", file.display(), text.trim()),
        });
    }
    Ok(())
}

/// `targetctl clear`: no LIO configuration at all.
pub fn clear() -> Result<()> {
    let out = Command::new(need(Service::Iscsi, "targetctl")?)
        .arg("clear")
        .output()
        .map_err(|e| DaemonError::Failed { service: Service::Iscsi, message: format!("targetctl clear: {e}") })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(DaemonError::Failed {
            service: Service::Iscsi,
            message: format!("targetctl clear: {}", String::from_utf8_lossy(&out.stderr).trim()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_rtslib_takes_them() {
        for good in [
            "iqn.2026-01.test.nasguard:host",
            "iqn.2003-01.org.linux-iscsi.x:sn.1",
            "naa.5001405abcdef012",
            "eui.0123456789ABCDEF",
        ] {
            assert!(valid_wwn(good), "{good}");
        }
        for bad in ["iqn.2026-01.t:h", "iqn.26-01.a.b", "iqn.2026-21.a.b", "iqn.2026-01", "naa.123", "host", ""] {
            assert!(!valid_wwn(bad), "{bad}");
        }
    }

    #[test]
    fn a_missing_directory_or_an_unknown_lun_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let dev = d.path().join("disk.img");
        let ok = format!(
            r#"{{"storage_objects":[{{"plugin":"fileio","name":"nasguard-1","dev":"{}"}}],
               "targets":[{{"wwn":"iqn.2026-01.x.y:z","tpgs":[{{"luns":[{{"index":0,"storage_object":"/backstores/fileio/nasguard-1"}}]}}]}}]}}"#,
            dev.display()
        );
        check(&ok).unwrap();
        let missing = ok.replace(&d.path().display().to_string(), "/nonexistent/dir");
        let e = check(&missing).unwrap_err().to_string();
        assert!(e.contains("does not exist"), "{e}");
        let unknown = ok.replace("fileio/nasguard-1\"}]", "fileio/nasguard-2\"}]");
        let e = check(&unknown).unwrap_err().to_string();
        assert!(e.contains("not defined"), "{e}");
        assert!(check("{").is_err());
        let short = ok.replace("\"luns\"", "\"node_acls\":[{\"node_wwn\":\"iqn.2026-01.t:h\"}],\"luns\"");
        let e = check(&short).unwrap_err().to_string();
        assert!(e.contains("iqn.2026-01.t:h"), "{e}");
        let block = r#"{"storage_objects":[{"plugin":"block","name":"b","dev":"/etc/hostname"}]}"#;
        assert!(check(block).unwrap_err().to_string().contains("not a block device"));
    }
}

//! SMB-010: Anonymous IPC$ restricted.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-010",
        title: "Anonymous IPC$ restricted",
        service: Some(Service::Smb),
        severity: Severity::Medium,
        rationale: "Anonymous IPC$ sessions enumerate users and shares. nasguard renders restrict anonymous = 2 unless a share allows guests.",
        remediation: "Set restrict anonymous = 2.",
        fixable: false,
        field: Some("restrict anonymous"),
    },
    check: Some(check),
    fix: None,
    live: None,
};

/// nasguard writes this parameter itself, so only an imported config (or
/// a raw auxiliary line) can carry a bad value.
fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    smb_raw_finding(
        cfg,
        info,
        "restrict anonymous",
        |v: &str| v.trim() != "2",
        |v| format!("restrict anonymous = {v}: anonymous IPC$ sessions are allowed"),
    )
}

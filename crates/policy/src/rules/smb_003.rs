//! SMB-003: LANMAN authentication off.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-003",
        title: "LANMAN authentication off",
        service: Some(Service::Smb),
        severity: Severity::High,
        rationale: "LANMAN hashes are trivially cracked. nasguard always renders lanman auth = no; this rule judges imported configs and live servers.",
        remediation: "Set lanman auth = no.",
        fixable: false,
        field: Some("lanman auth"),
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
        "lanman auth",
        |v: &str| matches!(v.to_lowercase().as_str(), "yes" | "true" | "1"),
        |v| format!("lanman auth = {v}: LANMAN hashes are accepted"),
    )
}

//! SMB-009: Bad logins not mapped to guest.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-009",
        title: "Bad logins not mapped to guest",
        service: Some(Service::Smb),
        severity: Severity::Medium,
        rationale: "map to guest = Bad User turns a mistyped user name into a guest session. nasguard derives it from guest shares (SMB-008); this rule judges imported configs and live servers.",
        remediation: "Set map to guest = Never (remove guest shares).",
        fixable: false,
        field: Some("map to guest"),
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
        "map to guest",
        |v: &str| !v.eq_ignore_ascii_case("never"),
        |v| format!("map to guest = {v}: failed logins can become guest sessions"),
    )
}

//! SMB-013: Outbound client signing.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-013",
        title: "Outbound client signing",
        service: Some(Service::Smb),
        severity: Severity::Low,
        rationale: "Samba's own client connections (smbclient, domain joins) should refuse unsigned sessions. nasguard renders client signing = mandatory.",
        remediation: "Set client signing = mandatory.",
        fixable: false,
        field: Some("client signing"),
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
        "client signing",
        |v: &str| !matches!(v.to_lowercase().as_str(), "mandatory" | "required" | "force" | "forced" | "enforced"),
        |v| format!("client signing = {v}: Samba's own client may connect unsigned"),
    )
}

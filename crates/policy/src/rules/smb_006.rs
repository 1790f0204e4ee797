//! SMB-006: Administrators group membership approved.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-006",
        title: "Administrators group membership approved",
        service: Some(Service::Smb),
        severity: Severity::Medium,
        rationale: "Members of the SMB administrators group have full control of every share's data. TrueNAS: make sure the group members are correct.",
        remediation: "Remove unexpected members from the group, or approve them with `nasguard smb admins approve USER`.",
        fixable: false,
        field: Some("admin_group"),
    },
    check: Some(check),
    fix: None,
    live: None,
};

fn check(cfg: &Config, facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    let Some(group) = &cfg.smb.admin_group else { return vec![] };
    let Some(groups) = &facts.groups else {
        return vec![info.finding(
            "smb",
            Severity::Low,
            &format!("admin_group {group:?} is set but the system group database could not be read"),
        )];
    };
    let Some(members) = groups.get(group) else {
        return vec![info.finding(
            "smb",
            info.severity,
            &format!("admin_group {group:?} does not exist on this system"),
        )];
    };
    let unexpected: Vec<&str> =
        members.iter().filter(|m| !cfg.site.approved_smb_admins.contains(m)).map(String::as_str).collect();
    if unexpected.is_empty() {
        return vec![];
    }
    vec![info.finding(
        "smb",
        info.severity,
        &format!("admin_group {group:?} has members not approved: {}", unexpected.join(", ")),
    )]
}

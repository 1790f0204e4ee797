//! SMB-008: Guest access off.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-008",
        title: "Guest access off",
        service: Some(Service::Smb),
        severity: Severity::High,
        rationale: "A guest share is readable (or writable) by anyone who reaches the port, and turns on map to guest for the whole server.",
        remediation: "Set guestok=false on the share.",
        fixable: true,
        field: Some("guestok"),
    },
    check: Some(check),
    fix: Some(fix),
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    cfg.smb_shares
        .iter()
        .filter(|s| s.guestok)
        .map(|s| info.finding(object::smb_share(s), info.severity, &format!("share {:?} allows guest access", s.name)))
        .collect()
}

fn fix(cfg: &mut Config, obj: &ObjectRef) {
    if let Some(s) = smb_share_mut(cfg, obj) {
        s.guestok = false;
    }
}

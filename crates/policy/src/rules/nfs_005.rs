//! NFS-005: All users not mapped to root.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "NFS-005",
        title: "All users not mapped to root",
        service: Some(Service::Nfs),
        severity: Severity::High,
        rationale: "mapall to root gives every client user root's rights on the export.",
        remediation: "Clear mapall_user/mapall_group or map to an unprivileged user.",
        fixable: true,
        field: None,
    },
    check: Some(check),
    fix: Some(fix),
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    cfg.nfs_shares
        .iter()
        .filter(|s| s.mapall_user.as_deref() == Some("root"))
        .map(|s| {
            info.finding(object::nfs_share(s), info.severity, &format!("export {} maps every user to root", s.path))
        })
        .collect()
}

fn fix(cfg: &mut Config, obj: &ObjectRef) {
    if let Some(s) = nfs_share_mut(cfg, obj) {
        s.mapall_user = None;
        s.mapall_group = None;
    }
}

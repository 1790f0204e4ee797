//! NFS-005: All users not mapped to root.

use crate::rules::*;
use nasguard_model::accounts::{is_root_group, is_root_user};

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

fn check(cfg: &Config, facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    // uid/gid 0 whatever the name (`toor`, `0`): the account database decides.
    let accounts = facts.accounts.as_ref();
    cfg.nfs_shares
        .iter()
        .filter(|s| {
            s.mapall_user.as_deref().is_some_and(|u| is_root_user(u, accounts))
                || s.mapall_group.as_deref().is_some_and(|g| is_root_group(g, accounts))
        })
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

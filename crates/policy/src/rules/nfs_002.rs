//! NFS-002: Root squashing on.

use crate::rules::*;
use nasguard_model::accounts::{is_root_group, is_root_user};

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "NFS-002",
        title: "Root squashing on",
        service: Some(Service::Nfs),
        severity: Severity::High,
        rationale: "Without root squashing, root on any client is root on the exported files.",
        remediation: "Clear maproot_user/maproot_group (or map root to an unprivileged user).",
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
            s.maproot_user.as_deref().is_some_and(|u| is_root_user(u, accounts))
                || s.maproot_group.as_deref().is_some_and(|g| is_root_group(g, accounts))
        })
        .map(|s| {
            let severity = if s.open_to_everyone() { Severity::Critical } else { info.severity };
            info.finding(
                object::nfs_share(s),
                severity,
                &format!("export {} maps client root to root (no_root_squash)", s.path),
            )
        })
        .collect()
}

fn fix(cfg: &mut Config, obj: &ObjectRef) {
    if let Some(s) = nfs_share_mut(cfg, obj) {
        s.maproot_user = None;
        s.maproot_group = None;
    }
}

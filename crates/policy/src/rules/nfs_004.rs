//! NFS-004: No read-write export to everyone.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "NFS-004",
        title: "No read-write export to everyone",
        service: Some(Service::Nfs),
        severity: Severity::High,
        rationale: "A read-write export open to every host (or a wildcard) lets anyone who can reach the server change data.",
        remediation: "Set ro=true, or narrow the authorized networks and hosts.",
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
        .filter(|s| !s.ro && (s.open_to_everyone() || s.hosts.iter().any(|h| h.contains(['*', '?']))))
        .map(|s| {
            info.finding(
                object::nfs_share(s),
                info.severity,
                &format!("export {} is read-write to everyone or to a wildcard", s.path),
            )
        })
        .collect()
}

fn fix(cfg: &mut Config, obj: &ObjectRef) {
    if let Some(s) = nfs_share_mut(cfg, obj) {
        s.ro = true;
    }
}

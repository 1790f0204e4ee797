//! NFS-001: Authorized networks or hosts set.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "NFS-001",
        title: "Authorized networks or hosts set",
        service: Some(Service::Nfs),
        severity: Severity::High,
        rationale: "An export with no authorized networks or hosts is open to every host that can reach the server. TrueNAS: enter all networks, hosts and IP addresses to have share access.",
        remediation: "Add authorized networks (CIDR) and/or hosts to the share (Advanced Options).",
        fixable: false,
        field: None,
    },
    check: Some(check),
    fix: None,
    live: Some(live),
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    cfg.nfs_shares
        .iter()
        .filter(|s| s.open_to_everyone())
        .map(|s| {
            let why = match s.admits_everyone() {
                Some(why) => format!("its access list admits everyone ({why})"),
                None => "it has no authorized networks or hosts".to_string(),
            };
            info.finding(
                object::nfs_share(s),
                info.severity,
                &format!("export {}: {why}: every host may mount it", s.path),
            )
        })
        .collect()
}

fn live(o: &Observed, info: &RuleInfo, target: &str) -> Vec<Finding> {
    let Some(exports) = o.nfs.as_ref().and_then(|n| n.exports.as_ref()) else { return vec![] };
    exports
        .iter()
        .filter(|e| {
            e.groups.is_empty()
                || e.groups.iter().any(|g| g == "(everyone)")
                || nasguard_model::access::admits_everyone(&[], &e.groups).is_some()
        })
        .map(|e| info.live_finding(target, info.severity, &format!("export {} is offered to every host", e.path)))
        .collect()
}

//! ISCSI-007: Initiator and network lists both enforced.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "ISCSI-007",
        title: "Initiator and network lists both enforced",
        service: Some(Service::Iscsi),
        severity: Severity::Info,
        rationale: "tgt's access lists are either-or: a login passes if its initiator name OR its address is listed. nasguard therefore enforces the initiator names alone when a group lists both, and the authorized networks of that group are not enforced by the daemon.",
        remediation: "Rely on CHAP and the initiator list, and restrict the portal's network with its listen address or a firewall; or list only networks.",
        fixable: false,
        field: None,
    },
    check: Some(check),
    fix: None,
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    cfg.iscsi
        .targets
        .iter()
        .filter(|t| {
            t.groups
                .iter()
                .filter_map(|g| g.initiator.and_then(|id| cfg.iscsi.initiator_group(id)))
                .any(|g| !g.initiators.is_empty() && !g.auth_network.is_empty())
        })
        .map(|t| {
            info.finding(
                object::iscsi_target(t),
                info.severity,
                &format!("target {}: tgt enforces its initiator names but not its authorized networks", t.name),
            )
        })
        .collect()
}

//! ISCSI-006: Authorized networks listed.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "ISCSI-006",
        title: "Authorized networks listed",
        service: Some(Service::Iscsi),
        severity: Severity::High,
        rationale: "An empty authorized-network list lets initiators connect from anywhere. TrueNAS: enter Authorized Networks.",
        remediation: "Add authorized networks (CIDR) to the target's initiator group.",
        fixable: false,
        field: None,
    },
    check: Some(check),
    fix: None,
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    access_findings(
        cfg,
        info,
        |g| g.admits_every_network(),
        "initiators may connect from any network (no authorized networks, or networks that add up to every address)",
    )
}

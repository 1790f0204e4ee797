//! ISCSI-005: Initiators listed.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "ISCSI-005",
        title: "Initiators listed",
        service: Some(Service::Iscsi),
        severity: Severity::High,
        rationale: "An empty initiator list lets every initiator connect. TrueNAS: enter a list of Initiators.",
        remediation: "List the allowed initiator IQNs in the target's initiator group.",
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
        |g| g.admits_every_initiator(),
        "every initiator may connect (no initiator list, or one that admits every name)",
    )
}

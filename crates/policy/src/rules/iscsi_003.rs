//! ISCSI-003: Mutual CHAP preferred.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "ISCSI-003",
        title: "Mutual CHAP preferred",
        service: Some(Service::Iscsi),
        severity: Severity::Low,
        rationale: "One-way CHAP proves the initiator to the target but not the target to the initiator.",
        remediation: "Use CHAP_MUTUAL with a peer user and secret.",
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
        .filter(|t| t.groups.iter().any(|g| g.authmethod == AuthMethod::Chap))
        .map(|t| info.finding(object::iscsi_target(t), info.severity, &format!("target {} uses one-way CHAP", t.name)))
        .collect()
}

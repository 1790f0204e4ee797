//! ISCSI-002: Target requires CHAP.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "ISCSI-002",
        title: "Target requires CHAP",
        service: Some(Service::Iscsi),
        severity: Severity::High,
        rationale: "A target group with authmethod NONE accepts any login from an allowed initiator.",
        remediation: "Set the target group's authmethod to CHAP or CHAP_MUTUAL with an auth group.",
        fixable: false,
        field: None,
    },
    check: Some(check),
    fix: None,
    live: Some(live),
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    cfg.iscsi
        .targets
        .iter()
        .filter(|t| t.groups.iter().any(|g| g.authmethod == AuthMethod::None))
        .map(|t| {
            info.finding(
                object::iscsi_target(t),
                info.severity,
                &format!("target {} accepts logins without CHAP", t.name),
            )
        })
        .collect()
}

fn live(o: &Observed, info: &RuleInfo, target: &str) -> Vec<Finding> {
    let Some(i) = &o.iscsi else { return vec![] };
    i.targets
        .iter()
        .filter(|t| t.login == "open")
        .map(|t| {
            info.live_finding(
                target,
                info.severity,
                &format!("target {} accepts a login without authentication", t.name),
            )
        })
        .collect()
}

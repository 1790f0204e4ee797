//! ISCSI-001: Discovery authentication (CHAP or mutual CHAP).

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "ISCSI-001",
        title: "Discovery authentication (CHAP or mutual CHAP)",
        service: Some(Service::Iscsi),
        severity: Severity::High,
        rationale: "Without discovery authentication anyone can list every target name and portal (SendTargets). TrueNAS: consider adding a Discovery Authentication Method.",
        remediation: "Set the portal's discovery_authmethod to CHAP or CHAP_MUTUAL with a discovery_authgroup.",
        fixable: false,
        field: None,
    },
    check: Some(check),
    fix: None,
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    cfg.iscsi
        .portals
        .iter()
        .filter(|p| p.discovery_authmethod == AuthMethod::None)
        .map(|p| {
            info.finding(
                &object::iscsi_portal(p),
                info.severity,
                &format!("portal {} allows discovery without authentication", p.id),
            )
        })
        .collect()
}

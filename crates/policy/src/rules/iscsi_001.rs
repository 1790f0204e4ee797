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
    live: Some(live),
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    cfg.iscsi
        .portals
        .iter()
        .filter(|p| p.discovery_authmethod == AuthMethod::None)
        .map(|p| {
            info.finding(
                object::iscsi_portal(p),
                info.severity,
                &format!("portal {} allows discovery without authentication", p.id),
            )
        })
        .collect()
}

fn live(o: &Observed, info: &RuleInfo, target: &str) -> Vec<Finding> {
    match &o.iscsi {
        Some(i) if i.discovery_open => {
            let names: Vec<&str> = i.targets.iter().map(|t| t.name.as_str()).collect();
            vec![info.live_finding(
                target,
                info.severity,
                &format!(
                    "discovery without authentication lists: {}",
                    if names.is_empty() { "(no targets)".to_string() } else { names.join(", ") }
                ),
            )]
        }
        _ => vec![],
    }
}

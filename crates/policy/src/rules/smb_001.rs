//! SMB-001: SMB1 disabled.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-001",
        title: "SMB1 disabled",
        service: Some(Service::Smb),
        severity: Severity::High,
        rationale: "SMB1 (NT1) has no pre-authentication integrity, weak signing and a history of wormable bugs (EternalBlue). TrueNAS: do not use SMB1.",
        remediation: "Set the SMB service's minimum_protocol to SMB2 (or SMB3).",
        fixable: true,
        field: Some("minimum_protocol"),
    },
    check: Some(check),
    fix: Some(fix),
    live: Some(live),
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    if cfg.smb.minimum_protocol == MinProtocol::Smb1 {
        return vec![info.finding(
            "smb",
            info.severity,
            "minimum_protocol is SMB1: the server accepts SMB1 (NT1) clients",
        )];
    }
    vec![]
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    cfg.smb.minimum_protocol = MinProtocol::Smb2;
}

fn live(o: &Observed, info: &RuleInfo, target: &str) -> Vec<Finding> {
    match &o.smb {
        Some(smb) if smb.smb1 => {
            vec![info.live_finding(target, info.severity, "the server accepted an SMB1 NEGOTIATE (NT LM 0.12)")]
        }
        _ => vec![],
    }
}

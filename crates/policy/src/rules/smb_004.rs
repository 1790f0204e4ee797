//! SMB-004: Server signing mandatory.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-004",
        title: "Server signing mandatory",
        service: Some(Service::Smb),
        severity: Severity::Medium,
        rationale: "Without mandatory signing an attacker in the path can tamper with SMB traffic and relay NTLM. TrueNAS recommends server signing = mandatory.",
        remediation: "Set server_signing=MANDATORY.",
        fixable: true,
        field: Some("server_signing"),
    },
    check: Some(check),
    fix: Some(fix),
    live: Some(live),
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    if cfg.smb.server_signing != ServerSigning::Mandatory {
        return vec![info.finding(
            "smb",
            info.severity,
            "server_signing is DEFAULT: clients may connect without signing",
        )];
    }
    vec![]
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    cfg.smb.server_signing = ServerSigning::Mandatory;
}

fn live(o: &Observed, info: &RuleInfo, target: &str) -> Vec<Finding> {
    match &o.smb {
        Some(smb) if !smb.dialects.is_empty() && !smb.signing_required => {
            vec![info.live_finding(target, info.severity, "SMB2 NEGOTIATE: message signing enabled but not required")]
        }
        Some(smb) if smb.smb1 && !smb.smb1_signing_required => {
            vec![info.live_finding(target, info.severity, "SMB1 NEGOTIATE: message signing not required")]
        }
        _ => vec![],
    }
}

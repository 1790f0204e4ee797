//! SMB-002: NTLMv1 authentication off.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-002",
        title: "NTLMv1 authentication off",
        service: Some(Service::Smb),
        severity: Severity::High,
        rationale: "NTLMv1 responses can be cracked offline or relayed; TrueNAS: do not use NTLMv1 Auth with an untrusted network.",
        remediation: "Set ntlmv1_auth=false (ntlm auth = ntlmv2-only).",
        fixable: true,
        field: Some("ntlmv1_auth"),
    },
    check: Some(check),
    fix: Some(fix),
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    if cfg.smb.ntlmv1_auth {
        return vec![info.finding(
            "smb",
            info.severity,
            "ntlmv1_auth is true: NTLMv1 logins are accepted (ntlm auth = ntlmv1-permitted)",
        )];
    }
    vec![]
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    cfg.smb.ntlmv1_auth = false;
}

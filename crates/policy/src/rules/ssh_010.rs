//! SSH-010: Empty passwords refused.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SSH-010",
        title: "Empty passwords refused",
        service: Some(Service::Ssh),
        severity: Severity::Critical,
        rationale: "An account with an empty password would be open to anyone. nasguard renders the hardened value unless an auxiliary option overrides it.",
        remediation: "PermitEmptyPasswords no",
        fixable: true,
        field: Some("PermitEmptyPasswords"),
    },
    check: Some(check),
    fix: Some(fix),
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    const WANTS: &[(&str, Want)] = &[("PermitEmptyPasswords", Want::Is("no"))];
    option_findings(cfg, info, WANTS)
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    const WANTS: &[(&str, Want)] = &[("PermitEmptyPasswords", Want::Is("no"))];
    for (keyword, _) in WANTS {
        cfg.ssh.remove_option(keyword);
    }
}

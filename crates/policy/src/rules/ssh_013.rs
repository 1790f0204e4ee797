//! SSH-013: LoginGraceTime at most 60.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SSH-013",
        title: "LoginGraceTime at most 60",
        service: Some(Service::Ssh),
        severity: Severity::Low,
        rationale: "Long grace times let unauthenticated connections pile up (CIS 5.1.13). nasguard renders the hardened value unless an auxiliary option overrides it.",
        remediation: "LoginGraceTime 60",
        fixable: true,
        field: Some("LoginGraceTime"),
    },
    check: Some(check),
    fix: Some(fix),
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    const WANTS: &[(&str, Want)] = &[("LoginGraceTime", Want::AtMost("60"))];
    option_findings(cfg, info, WANTS)
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    const WANTS: &[(&str, Want)] = &[("LoginGraceTime", Want::AtMost("60"))];
    for (keyword, _) in WANTS {
        cfg.ssh.remove_option(keyword);
    }
}

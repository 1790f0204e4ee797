//! SSH-012: MaxAuthTries at most 4.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SSH-012",
        title: "MaxAuthTries at most 4",
        service: Some(Service::Ssh),
        severity: Severity::Medium,
        rationale: "More tries per connection make password guessing cheaper (CIS 5.1.16). nasguard renders the hardened value unless an auxiliary option overrides it.",
        remediation: "MaxAuthTries 4",
        fixable: true,
        field: Some("MaxAuthTries"),
    },
    check: Some(check),
    fix: Some(fix),
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    const WANTS: &[(&str, Want)] = &[("MaxAuthTries", Want::AtMost("4"))];
    option_findings(cfg, info, WANTS)
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    const WANTS: &[(&str, Want)] = &[("MaxAuthTries", Want::AtMost("4"))];
    for (keyword, _) in WANTS {
        cfg.ssh.remove_option(keyword);
    }
}

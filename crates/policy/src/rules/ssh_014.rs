//! SSH-014: Idle sessions time out.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SSH-014",
        title: "Idle sessions time out",
        service: Some(Service::Ssh),
        severity: Severity::Low,
        rationale: "Abandoned sessions stay usable by whoever finds the terminal (CIS 5.1.7). nasguard renders the hardened value unless an auxiliary option overrides it.",
        remediation: "ClientAliveInterval 300, ClientAliveCountMax 3",
        fixable: true,
        field: Some("ClientAliveInterval"),
    },
    check: Some(check),
    fix: Some(fix),
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    const WANTS: &[(&str, Want)] =
        &[("ClientAliveInterval", Want::AtMost("300")), ("ClientAliveCountMax", Want::AtMost("3"))];
    option_findings(cfg, info, WANTS)
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    const WANTS: &[(&str, Want)] =
        &[("ClientAliveInterval", Want::AtMost("300")), ("ClientAliveCountMax", Want::AtMost("3"))];
    for (keyword, _) in WANTS {
        cfg.ssh.remove_option(keyword);
    }
}

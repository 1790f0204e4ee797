//! SSH-016: Connection throttling.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SSH-016",
        title: "Connection throttling",
        service: Some(Service::Ssh),
        severity: Severity::Low,
        rationale: "Unthrottled unauthenticated connections allow DHEat-style CPU exhaustion. nasguard renders the hardened value unless an auxiliary option overrides it.",
        remediation: "MaxStartups 10:30:60",
        fixable: true,
        field: Some("MaxStartups"),
    },
    check: Some(check),
    fix: Some(fix),
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    const WANTS: &[(&str, Want)] = &[("MaxStartups", Want::Startups("10:30:60"))];
    option_findings(cfg, info, WANTS)
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    const WANTS: &[(&str, Want)] = &[("MaxStartups", Want::Startups("10:30:60"))];
    for (keyword, _) in WANTS {
        cfg.ssh.remove_option(keyword);
    }
}

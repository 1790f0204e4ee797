//! SSH-015: No user environment, rhosts or host-based login.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SSH-015",
        title: "No user environment, rhosts or host-based login",
        service: Some(Service::Ssh),
        severity: Severity::Medium,
        rationale: "User-supplied environments can bypass restrictions; rhosts and host-based trust authenticate machines, not people (CIS 5.1.10/11/21). nasguard renders the hardened value unless an auxiliary option overrides it.",
        remediation: "PermitUserEnvironment no, IgnoreRhosts yes, HostbasedAuthentication no",
        fixable: true,
        field: Some("PermitUserEnvironment"),
    },
    check: Some(check),
    fix: Some(fix),
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    const WANTS: &[(&str, Want)] = &[
        ("PermitUserEnvironment", Want::Is("no")),
        ("IgnoreRhosts", Want::Is("yes")),
        ("HostbasedAuthentication", Want::Is("no")),
    ];
    option_findings(cfg, info, WANTS)
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    const WANTS: &[(&str, Want)] = &[
        ("PermitUserEnvironment", Want::Is("no")),
        ("IgnoreRhosts", Want::Is("yes")),
        ("HostbasedAuthentication", Want::Is("no")),
    ];
    for (keyword, _) in WANTS {
        cfg.ssh.remove_option(keyword);
    }
}

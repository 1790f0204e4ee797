//! SSH-001: Root login with password off.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SSH-001",
        title: "Root login with password off",
        service: Some(Service::Ssh),
        severity: Severity::High,
        rationale: "Password login as root invites brute force against the one account that owns the box. TrueNAS: leave Log in as Root with Password unset.",
        remediation: "Set rootlogin=false (PermitRootLogin no); log in as a normal user with a key.",
        fixable: true,
        field: Some("rootlogin"),
    },
    check: Some(check),
    fix: Some(fix),
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    if cfg.ssh.rootlogin {
        return vec![info.finding(
            "ssh",
            info.severity,
            "rootlogin is true: root may log in with a password (PermitRootLogin yes)",
        )];
    }
    vec![]
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    cfg.ssh.rootlogin = false;
}

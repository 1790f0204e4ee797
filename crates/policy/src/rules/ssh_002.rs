//! SSH-002: Password authentication off (keys only).

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SSH-002",
        title: "Password authentication off (keys only)",
        service: Some(Service::Ssh),
        severity: Severity::Medium,
        rationale: "Passwords can be guessed and phished; keys cannot be brute-forced over the network.",
        remediation: "Set passwordauth=false and use SSH keys (password_login_groups for the few who need passwords).",
        fixable: true,
        field: Some("passwordauth"),
    },
    check: Some(check),
    fix: Some(fix),
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    if cfg.ssh.passwordauth {
        return vec![info.finding("ssh", info.severity, "passwordauth is true: every user may log in with a password")];
    }
    vec![]
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    cfg.ssh.passwordauth = false;
}

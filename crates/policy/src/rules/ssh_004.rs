//! SSH-004: Ciphers within the recommended set.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SSH-004",
        title: "Ciphers within the recommended set",
        service: Some(Service::Ssh),
        severity: Severity::High,
        rationale: "TrueNAS recommends exactly chacha20-poly1305, aes128/192/256-ctr and aes128/256-gcm. Compared as a set, not in order.",
        remediation: "Ciphers chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com (reset ciphers and weak_ciphers).",
        fixable: true,
        field: Some("ciphers"),
    },
    check: Some(check),
    fix: Some(fix),
    live: Some(live),
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    outside_recommended(&cfg.ssh.effective_ciphers())
        .map(|m| info.finding("ssh", info.severity, &m))
        .into_iter()
        .collect()
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    reset_ciphers(cfg);
}

fn live(o: &Observed, info: &RuleInfo, target: &str) -> Vec<Finding> {
    let Some(ssh) = &o.ssh else { return vec![] };
    outside_recommended(&ssh.ciphers).map(|m| info.live_finding(target, info.severity, &m)).into_iter().collect()
}

//! SSH-005: No broken or CBC ciphers.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SSH-005",
        title: "No broken or CBC ciphers",
        service: Some(Service::Ssh),
        severity: Severity::High,
        rationale: "CBC-mode ciphers allow plaintext recovery; RC4 (arcfour), DES, 3DES, Blowfish and none are broken outright.",
        remediation: "Remove them from the Ciphers line (reset ciphers and weak_ciphers).",
        fixable: true,
        field: Some("ciphers"),
    },
    check: Some(check),
    fix: Some(fix),
    live: Some(live),
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    weak_ciphers(info, &cfg.ssh.effective_ciphers()).map(|(sev, m)| info.finding("ssh", sev, &m)).into_iter().collect()
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    reset_ciphers(cfg);
}

fn live(o: &Observed, info: &RuleInfo, target: &str) -> Vec<Finding> {
    let Some(ssh) = &o.ssh else { return vec![] };
    weak_ciphers(info, &ssh.ciphers).map(|(sev, m)| info.live_finding(target, sev, &m)).into_iter().collect()
}

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
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    let mut worst = None;
    let mut names = vec![];
    for c in cfg.ssh.effective_ciphers() {
        if let Some((strength, why)) = classify(CIPHERS, &c)
            && strength >= Strength::Bad
        {
            worst = worst.max(Some(strength));
            names.push(format!("{c} ({why})"));
        }
    }
    match worst {
        None => vec![],
        Some(s) => {
            let severity = if s == Strength::Broken { Severity::Critical } else { info.severity };
            vec![info.finding("ssh", severity, &format!("weak ciphers offered: {}", names.join(", ")))]
        }
    }
}

fn fix(cfg: &mut Config, _obj: &str) {
    reset_ciphers(cfg);
}

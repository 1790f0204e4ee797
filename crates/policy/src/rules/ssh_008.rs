//! SSH-008: Strong host key algorithms.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SSH-008",
        title: "Strong host key algorithms",
        service: Some(Service::Ssh),
        severity: Severity::High,
        rationale: "ssh-rsa signs with SHA-1 and ssh-dss is 1024-bit DSA; NIST-curve ECDSA is suspect.",
        remediation: "HostKeyAlgorithms ssh-ed25519,rsa-sha2-512,rsa-sha2-256 and an ed25519 (or RSA >= 3072) host key.",
        fixable: true,
        field: Some("hostkey_algorithms"),
    },
    check: Some(check),
    fix: Some(fix),
    live: Some(live),
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    algorithm_finding(
        info,
        &cfg.ssh.hostkey_algorithms,
        Evidence::Config,
        "ssh",
        HOSTKEY,
        "host key algorithms",
        Severity::High,
        Severity::Medium,
    )
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    cfg.ssh.hostkey_algorithms = RECOMMENDED_HOSTKEY.map(String::from).to_vec();
}

fn live(o: &Observed, info: &RuleInfo, target: &str) -> Vec<Finding> {
    let Some(ssh) = &o.ssh else { return vec![] };
    algorithm_finding(
        info,
        &ssh.hostkey,
        Evidence::Live,
        target,
        HOSTKEY,
        "host key algorithms",
        Severity::High,
        Severity::Medium,
    )
}

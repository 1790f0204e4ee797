//! SSH-007: Strong key exchange only.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SSH-007",
        title: "Strong key exchange only",
        service: Some(Service::Ssh),
        severity: Severity::High,
        rationale: "SHA-1 and 1024-bit groups are broken (Logjam); NIST curves are suspect; without a post-quantum hybrid, recorded sessions may be decrypted later.",
        remediation: "KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha256",
        fixable: true,
        field: Some("kex_algorithms"),
    },
    check: Some(check),
    fix: Some(fix),
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    let mut out =
        algorithm_finding(info, &cfg.ssh.kex_algorithms, KEX, "key exchanges", Severity::High, Severity::Medium);
    if !cfg.ssh.kex_algorithms.iter().any(|k| PQ_KEX.contains(&k.as_str())) {
        out.push(info.finding(
            "ssh",
            Severity::Info,
            "no post-quantum key exchange (sntrup761x25519 / mlkem768x25519) is offered",
        ));
    }
    out
}

fn fix(cfg: &mut Config, _obj: &str) {
    cfg.ssh.kex_algorithms = RECOMMENDED_KEX.map(String::from).to_vec();
}

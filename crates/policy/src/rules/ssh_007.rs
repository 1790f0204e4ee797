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
    live: Some(live),
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    let list = &cfg.ssh.kex_algorithms;
    let mut out =
        algorithm_finding(info, list, Evidence::Config, "ssh", KEX, "key exchanges", Severity::High, Severity::Medium);
    if no_pq_kex(list) {
        out.push(info.finding(
            "ssh",
            Severity::Info,
            "no post-quantum key exchange (sntrup761x25519 / mlkem768x25519) is offered",
        ));
    }
    out
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    cfg.ssh.kex_algorithms = RECOMMENDED_KEX.map(String::from).to_vec();
}

fn live(o: &Observed, info: &RuleInfo, target: &str) -> Vec<Finding> {
    let Some(ssh) = &o.ssh else { return vec![] };
    let mut out = algorithm_finding(
        info,
        &ssh.kex,
        Evidence::Live,
        target,
        KEX,
        "key exchanges",
        Severity::High,
        Severity::Medium,
    );
    if no_pq_kex(&ssh.kex) {
        out.push(info.live_finding(
            target,
            Severity::Info,
            "no post-quantum key exchange (sntrup761x25519 / mlkem768x25519) is offered",
        ));
    }
    out
}

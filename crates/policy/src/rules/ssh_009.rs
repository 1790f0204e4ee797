//! SSH-009: Terrapin: strict key exchange.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SSH-009",
        title: "Terrapin: strict key exchange",
        service: Some(Service::Ssh),
        severity: Severity::Medium,
        rationale: "Without strict KEX (OpenSSH 9.6, or Debian's backport) a man in the middle can drop packets at the start of chacha20-poly1305 or CBC+etm sessions (CVE-2023-48795). Decided from the server's KEXINIT.",
        remediation: "Upgrade OpenSSH, or drop chacha20-poly1305 and CBC+etm combinations.",
        fixable: false,
        field: None,
    },
    check: None,
    fix: None,
    live: Some(live),
};

/// Terrapin (CVE-2023-48795) needs chacha20-poly1305, or a CBC cipher with
/// an etm MAC, negotiated without strict KEX.
fn live(o: &Observed, info: &RuleInfo, target: &str) -> Vec<Finding> {
    let Some(ssh) = &o.ssh else { return vec![] };
    if ssh.strict_kex {
        return vec![];
    }
    let chacha = ssh.ciphers.iter().any(|c| c == "chacha20-poly1305@openssh.com");
    let cbc_etm = ssh.ciphers.iter().any(|c| c.contains("-cbc")) && ssh.macs.iter().any(|m| m.contains("-etm@"));
    if !chacha && !cbc_etm {
        return vec![];
    }
    vec![info.live_finding(
        target,
        info.severity,
        "vulnerable to Terrapin: no strict key exchange, with chacha20-poly1305 or CBC + etm offered",
    )]
}

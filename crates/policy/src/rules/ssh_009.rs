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
};

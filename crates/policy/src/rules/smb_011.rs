//! SMB-011: Transport encryption on untrusted networks.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-011",
        title: "Transport encryption on untrusted networks",
        service: Some(Service::Smb),
        severity: Severity::Low,
        rationale: "SMB3 encryption protects file contents on networks you do not control.",
        remediation: "Set encryption=DESIRED (or REQUIRED where every client supports SMB3).",
        fixable: false,
        field: Some("encryption"),
    },
    check: None,
    fix: None,
    live: None,
};

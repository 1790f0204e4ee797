//! SMB-012: root invalid on shares.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-012",
        title: "root invalid on shares",
        service: Some(Service::Smb),
        severity: Severity::Medium,
        rationale: "Share access as root bypasses file permissions. nasguard renders invalid users = root on every share.",
        remediation: "Set invalid users = root on every share.",
        fixable: false,
        field: None,
    },
    check: None,
    fix: None,
    live: None,
};

//! SMB-009: Bad logins not mapped to guest.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-009",
        title: "Bad logins not mapped to guest",
        service: Some(Service::Smb),
        severity: Severity::Medium,
        rationale: "map to guest = Bad User turns a mistyped user name into a guest session. nasguard derives it from guest shares (SMB-008); this rule judges imported configs and live servers.",
        remediation: "Set map to guest = Never (remove guest shares).",
        fixable: false,
    },
    check: None,
    fix: None,
};

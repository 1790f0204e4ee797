//! SMB-010: Anonymous IPC$ restricted.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-010",
        title: "Anonymous IPC$ restricted",
        service: Some(Service::Smb),
        severity: Severity::Medium,
        rationale: "Anonymous IPC$ sessions enumerate users and shares. nasguard renders restrict anonymous = 2 unless a share allows guests.",
        remediation: "Set restrict anonymous = 2.",
        fixable: false,
    },
    check: None,
    fix: None,
};

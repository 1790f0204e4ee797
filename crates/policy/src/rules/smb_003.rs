//! SMB-003: LANMAN authentication off.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-003",
        title: "LANMAN authentication off",
        service: Some(Service::Smb),
        severity: Severity::High,
        rationale: "LANMAN hashes are trivially cracked. nasguard always renders lanman auth = no; this rule judges imported configs and live servers.",
        remediation: "Set lanman auth = no.",
        fixable: false,
    },
    check: None,
    fix: None,
};

//! SMB-013: Outbound client signing.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-013",
        title: "Outbound client signing",
        service: Some(Service::Smb),
        severity: Severity::Low,
        rationale: "Samba's own client connections (smbclient, domain joins) should refuse unsigned sessions. nasguard renders client signing = mandatory.",
        remediation: "Set client signing = mandatory.",
        fixable: false,
    },
    check: None,
    fix: None,
};

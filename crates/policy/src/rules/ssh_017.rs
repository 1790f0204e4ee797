//! SSH-017: Login limited to groups.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SSH-017",
        title: "Login limited to groups",
        service: Some(Service::Ssh),
        severity: Severity::Low,
        rationale: "AllowGroups/AllowUsers keep service accounts and forgotten users from logging in (CIS 5.1.4). Site specific: judged on imported configs.",
        remediation: "AllowGroups <your admins group>",
        fixable: false,
        field: None,
    },
    check: None,
    fix: None,
    live: None,
};

//! NFS-010: Subdirectory exports reviewed.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "NFS-010",
        title: "Subdirectory exports reviewed",
        service: Some(Service::Nfs),
        severity: Severity::Info,
        rationale: "Exporting a subdirectory of a filesystem lets file handles reach outside it. Judged on imported exports.",
        remediation: "Export the filesystem root.",
        fixable: false,
        field: None,
    },
    check: None,
    fix: None,
    live: None,
};

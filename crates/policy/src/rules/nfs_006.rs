//! NFS-006: Secure NLM locks.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "NFS-006",
        title: "Secure NLM locks",
        service: Some(Service::Nfs),
        severity: Severity::Medium,
        rationale: "insecure_locks / no_auth_nlm skip access checks on lock requests. nasguard never renders them; judged on imported exports.",
        remediation: "Remove insecure_locks / no_auth_nlm.",
        fixable: false,
        field: None,
    },
    check: None,
    fix: None,
    live: None,
};

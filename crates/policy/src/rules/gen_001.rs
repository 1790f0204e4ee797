//! GEN-001: Live exposure matches stored config.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "GEN-001",
        title: "Live exposure matches stored config",
        service: None,
        severity: Severity::High,
        rationale: "A service that answers on the network while the store says it is stopped (or bound elsewhere) is exposure nobody intended. Decided by live probes.",
        remediation: "Stop the service or fix its bind address.",
        fixable: false,
        field: None,
    },
    check: None,
    fix: None,
    live: None,
};

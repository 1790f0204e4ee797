//! NFS-009: No unneeded RPC exposure.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "NFS-009",
        title: "No unneeded RPC exposure",
        service: Some(Service::Nfs),
        severity: Severity::Low,
        rationale: "rpcbind and nfsd answer even with no exports. Judged from the running service.",
        remediation: "Stop the NFS service when nothing is exported.",
        fixable: false,
        field: None,
    },
    check: None,
    fix: None,
    live: None,
};

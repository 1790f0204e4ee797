//! NFS-007: Kerberos on untrusted networks.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "NFS-007",
        title: "Kerberos on untrusted networks",
        service: Some(Service::Nfs),
        severity: Severity::Medium,
        rationale: "sec=sys trusts the client's claimed uid; Kerberos (krb5i/krb5p) authenticates users and protects traffic.",
        remediation: "Use security KRB5I or KRB5P where the network is not trusted.",
        fixable: false,
        field: None,
    },
    check: None,
    fix: None,
    live: None,
};

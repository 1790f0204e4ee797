//! NFS-008: NFS service settings at secure defaults.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "NFS-008",
        title: "NFS service settings at secure defaults",
        service: Some(Service::Nfs),
        severity: Severity::Medium,
        rationale: "TrueNAS: unless needed for a specific use case, keep the default NFS service settings.",
        remediation: "Reset the changed NFS service fields to their defaults (bindip and v4_krb are kept).",
        fixable: true,
        field: None,
    },
    check: Some(check),
    fix: Some(fix),
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    let changed = cfg.nfs.changed_from_defaults();
    if changed.is_empty() {
        return vec![];
    }
    vec![info.finding(
        "nfs",
        info.severity,
        &format!("NFS service settings changed from defaults: {}", changed.join(", ")),
    )]
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    cfg.nfs.reset_to_defaults();
}

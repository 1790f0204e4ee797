//! NFS-003: Privileged source ports required.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "NFS-003",
        title: "Privileged source ports required",
        service: Some(Service::Nfs),
        severity: Severity::Medium,
        rationale: "allow_nonroot adds insecure to every export: any local user on a client can forge requests from an unprivileged port.",
        remediation: "Set the NFS service's allow_nonroot=false.",
        fixable: true,
        field: Some("allow_nonroot"),
    },
    check: Some(check),
    fix: Some(fix),
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    if cfg.nfs.allow_nonroot {
        return vec![info.finding(
            "nfs",
            info.severity,
            "allow_nonroot is true: exports accept requests from unprivileged ports (insecure)",
        )];
    }
    vec![]
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    cfg.nfs.allow_nonroot = false;
}

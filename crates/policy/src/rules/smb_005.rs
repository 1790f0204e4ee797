//! SMB-005: Apple SMB2/3 extensions for macOS clients.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-005",
        title: "Apple SMB2/3 extensions for macOS clients",
        service: Some(Service::Smb),
        severity: Severity::Info,
        rationale: "TrueNAS recommends Apple SMB2/3 Protocol Extensions when macOS clients connect: they improve stability and are required for Time Machine.",
        remediation: "If macOS clients use this server, set aapl_extensions=true; otherwise waive this note.",
        fixable: true,
        field: Some("aapl_extensions"),
    },
    check: Some(check),
    fix: Some(fix),
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    if !cfg.smb.aapl_extensions {
        return vec![info.finding(
            "smb",
            info.severity,
            "aapl_extensions is false: macOS clients get no Apple SMB2/3 extensions",
        )];
    }
    vec![]
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    cfg.smb.aapl_extensions = true;
}

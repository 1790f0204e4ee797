//! SSH-006: Strong MACs only.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SSH-006",
        title: "Strong MACs only",
        service: Some(Service::Ssh),
        severity: Severity::High,
        rationale: "MD5, SHA-1 and RIPEMD MACs are deprecated; encrypt-and-MAC (non-etm) modes leak through timing and padding.",
        remediation: "MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com",
        fixable: true,
        field: Some("macs"),
    },
    check: Some(check),
    fix: Some(fix),
    live: Some(live),
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    algorithm_finding(info, &cfg.ssh.macs, Evidence::Config, "ssh", MACS, "MACs", Severity::High, Severity::Low)
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    cfg.ssh.macs = RECOMMENDED_MACS.map(String::from).to_vec();
}

fn live(o: &Observed, info: &RuleInfo, target: &str) -> Vec<Finding> {
    let Some(ssh) = &o.ssh else { return vec![] };
    algorithm_finding(info, &ssh.macs, Evidence::Live, target, MACS, "MACs", Severity::High, Severity::Low)
}

//! SSH-003: TCP port forwarding off.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SSH-003",
        title: "TCP port forwarding off",
        service: Some(Service::Ssh),
        severity: Severity::Medium,
        rationale: "Port forwarding turns an SSH account into a tunnel into (or out of) the network. TrueNAS: do not set Allow TCP Port Forwarding unless required.",
        remediation: "Set tcpfwd=false (AllowTcpForwarding no).",
        fixable: true,
        field: Some("tcpfwd"),
    },
    check: Some(check),
    fix: Some(fix),
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    let disabled = cfg.ssh.option("DisableForwarding").is_some_and(|v| v.eq_ignore_ascii_case("yes"));
    if cfg.ssh.tcpfwd && !disabled {
        return vec![info.finding(
            "ssh",
            info.severity,
            "tcpfwd is true: users may forward TCP ports (AllowTcpForwarding yes)",
        )];
    }
    vec![]
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    cfg.ssh.tcpfwd = false;
}

//! SSH-011: X11/agent forwarding, tunnels and gateway ports off.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SSH-011",
        title: "X11/agent forwarding, tunnels and gateway ports off",
        service: Some(Service::Ssh),
        severity: Severity::Medium,
        rationale: "Each lets a session reach beyond the NAS: the client's display or agent, or network tunnels. nasguard renders the hardened value unless an auxiliary option overrides it.",
        remediation: "X11Forwarding no, AllowAgentForwarding no, PermitTunnel no, GatewayPorts no",
        fixable: true,
        field: Some("X11Forwarding"),
    },
    check: Some(check),
    fix: Some(fix),
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    const WANTS: &[(&str, Want)] = &[
        ("X11Forwarding", Want::Is("no")),
        ("AllowAgentForwarding", Want::Is("no")),
        ("PermitTunnel", Want::Is("no")),
        ("GatewayPorts", Want::Is("no")),
    ];
    option_findings(cfg, info, WANTS)
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    const WANTS: &[(&str, Want)] = &[
        ("X11Forwarding", Want::Is("no")),
        ("AllowAgentForwarding", Want::Is("no")),
        ("PermitTunnel", Want::Is("no")),
        ("GatewayPorts", Want::Is("no")),
    ];
    for (keyword, _) in WANTS {
        cfg.ssh.remove_option(keyword);
    }
}

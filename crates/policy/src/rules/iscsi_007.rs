//! ISCSI-007: Initiator and network lists both enforced.

use crate::rules::*;
use nasguard_model::deployment::IscsiBackend;
use nasguard_model::iscsi_networks::unenforced;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "ISCSI-007",
        title: "Initiator and network lists both enforced",
        service: Some(Service::Iscsi),
        severity: Severity::Info,
        rationale: "tgt's access lists are either-or (a login passes if its initiator name OR its address is listed), so nasguard has tgt enforce the initiator names alone when a group lists both; LIO has no network list at all. On a host nasguard enforces the networks with its own nftables table, per portal port: it can only admit the union of the networks of every target on that portal, and nothing narrower when one of them admits every network. Whatever stays unenforced is reported here.",
        remediation: "Rely on CHAP and the initiator list, and give targets with different networks portals of their own (or list only networks with tgt).",
        fixable: false,
        field: None,
    },
    check: Some(check),
    fix: None,
    live: None,
};

fn check(cfg: &Config, facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    let (backend, firewall) = facts.iscsi_enforcement.unwrap_or((IscsiBackend::Tgt, false));
    let mut out: Vec<Finding> = vec![];
    for u in unenforced(&cfg.iscsi, backend, firewall) {
        let Some(t) = cfg.iscsi.targets.iter().find(|t| cfg.iscsi.target_iqn(t) == u.target) else { continue };
        out.push(info.finding(
            object::iscsi_target(t),
            info.severity,
            &format!("target {}: its authorized networks are not enforced: {}", t.name, u.why),
        ));
    }
    out
}

//! The rule catalog and the audit: `(Config, Facts) -> Vec<Finding>`.
//!
//! **Architecture invariant:** no IO. Host facts (group membership) and the
//! date are passed in, so every rule is a pure function that tests can
//! drive with literal values.
//!
//! Each rule lives in its own module under `rules/` with its ID, title,
//! severity, rationale, remediation, an optional check on the stored model
//! and an optional fix (a model change). A rule without a model check is
//! still in the catalog: its evidence comes from parsed configs or live
//! probes, and SARIF lists every rule.

mod finding;
pub mod object;
pub mod observed;
pub mod rules;
mod waiver;

pub use finding::{Evidence, Finding, Location, Severity};
pub use rules::{Rule, RuleInfo, catalog, find_rule};
pub use waiver::{Waived, Waiver, apply_waivers};

use nasguard_model::Config;
use std::collections::BTreeMap;

/// Facts about the host the rules need and cannot compute: read by the IO
/// layer, passed in here.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// Group name to member user names (secondary members and users whose
    /// primary group it is). `None` when the group database was not read.
    pub groups: Option<BTreeMap<String, Vec<String>>>,
    /// Account and group ids, to tell privileged accounts (SMB-012). `None`
    /// when the account database was not read: rules then judge by name.
    pub accounts: Option<nasguard_model::accounts::Accounts>,
    /// Who can enforce the iSCSI initiator groups' networks: the target
    /// (LIO or tgt) and whether nasguard's firewall table is in place (a
    /// host: yes). `None`: tgt without a firewall, the sandbox (ISCSI-007).
    pub iscsi_enforcement: Option<(nasguard_model::deployment::IscsiBackend, bool)>,
}

/// Runs every rule's model check. Findings come in catalog order.
pub fn audit(cfg: &Config, facts: &Facts) -> Vec<Finding> {
    let mut out = vec![];
    for rule in catalog() {
        if let Some(check) = rule.check {
            out.extend(check(cfg, facts, &rule.info));
        }
    }
    out
}

/// Runs every rule's live check over what probes saw at `target`.
pub fn audit_live(observed: &observed::Observed, target: &str) -> Vec<Finding> {
    let mut out = vec![];
    for rule in catalog() {
        if let Some(check) = rule.live {
            out.extend(check(observed, &rule.info, target));
        }
    }
    out
}

/// Applies the fix of `rule` to the object of `finding`. Returns false when
/// the rule has no mechanical fix.
pub fn fix(cfg: &mut Config, finding: &Finding) -> bool {
    match find_rule(&finding.rule).and_then(|r| r.fix) {
        Some(f) => {
            f(cfg, &finding.object);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests;

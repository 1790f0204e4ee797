use crate::Finding;
use serde::{Deserialize, Serialize};

/// An accepted risk: silences one rule on one object (or `*`), with a
/// reason, until an optional expiry date (`YYYY-MM-DD`, inclusive).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Waiver {
    pub rule: String,
    pub object: String,
    pub reason: String,
    pub expires: Option<String>,
}

impl Waiver {
    pub fn covers(&self, f: &Finding, today: &str) -> bool {
        let live = self.expires.as_deref().is_none_or(|d| d >= today);
        live && self.rule.eq_ignore_ascii_case(&f.rule) && (self.object == "*" || self.object == f.object)
    }
}

/// A finding a waiver silenced, shown apart in the output.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Waived {
    #[serde(flatten)]
    pub finding: Finding,
    pub waiver: Waiver,
}

/// Splits findings into the ones that stand and the ones a live waiver
/// covers. `today` is `YYYY-MM-DD`.
pub fn apply_waivers(findings: Vec<Finding>, waivers: &[Waiver], today: &str) -> (Vec<Finding>, Vec<Waived>) {
    let mut kept = vec![];
    let mut waived = vec![];
    for f in findings {
        match waivers.iter().find(|w| w.covers(&f, today)) {
            Some(w) => waived.push(Waived { finding: f, waiver: w.clone() }),
            None => kept.push(f),
        }
    }
    (kept, waived)
}

use crate::Finding;
use serde::{Deserialize, Serialize};

pub use nasguard_model::Waiver;

/// Whether `w` silences `f` on `today` (`YYYY-MM-DD`; the expiry day counts).
pub fn covers(w: &Waiver, f: &Finding, today: &str) -> bool {
    let live = w.expires.as_deref().is_none_or(|d| d >= today);
    live && w.rule.eq_ignore_ascii_case(&f.rule) && w.covers(&f.object)
}

/// A finding a waiver silenced, shown apart in the output.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
        match waivers.iter().find(|w| covers(w, &f, today)) {
            Some(w) => waived.push(Waived { finding: f, waiver: w.clone() }),
            None => kept.push(f),
        }
    }
    (kept, waived)
}

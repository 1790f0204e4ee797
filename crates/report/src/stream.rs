//! Reports written piece by piece, as a scan's results arrive: JSON Lines,
//! and the JSON contract and SARIF cut into a head, items and a tail, so
//! a writer never holds more than one target's findings. What the pieces
//! add up to is the same document [`crate::to_json`] / [`crate::to_sarif`]
//! make (tested), with findings in the order they came.

use crate::{Report, Summary};
use nasguard_policy::{Finding, Severity, catalog};
use serde_json::Value;
use std::collections::BTreeMap;

/// The summary of findings seen so far.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    by_severity: BTreeMap<Severity, usize>,
    total: usize,
}

impl Tally {
    pub fn add(&mut self, f: &Finding) {
        *self.by_severity.entry(f.severity).or_default() += 1;
        self.total += 1;
    }

    pub fn summary(&self) -> Summary {
        let mut by_severity: BTreeMap<Severity, usize> = Severity::ALL.iter().map(|s| (*s, 0)).collect();
        by_severity.extend(self.by_severity.iter().map(|(s, n)| (*s, *n)));
        Summary {
            total: self.total,
            highest: self.by_severity.keys().max().copied(),
            by_severity,
            waived: 0,
            rules: catalog().len(),
        }
    }

    /// Whether a finding at or above `level` was seen (`None`: never).
    pub fn fails(&self, level: Option<Severity>) -> bool {
        level.is_some_and(|l| self.by_severity.keys().any(|s| *s >= l))
    }
}

/// Splits a document made with an empty array under `key` into what comes
/// before the array's items and what comes after them.
fn around(doc: &Value, key: &str) -> (String, String) {
    let text = serde_json::to_string(doc).unwrap_or_default();
    let marker = format!("\"{key}\":[]");
    match text.split_once(&marker) {
        Some((head, tail)) => (format!("{head}\"{key}\":["), format!("]{tail}")),
        None => (text, String::new()),
    }
}

/// SARIF 2.1.0 in pieces: `head`, then each result (comma-separated), then `tail`.
pub struct SarifStream {
    pub head: String,
    pub tail: String,
}

impl SarifStream {
    pub fn new(version: &str) -> SarifStream {
        let (head, tail) = around(&crate::to_sarif(&Report::new(vec![], vec![]), version), "results");
        SarifStream { head, tail }
    }

    /// One result, as `to_sarif` writes it.
    pub fn result(f: &Finding) -> String {
        let index = catalog().iter().position(|r| r.info.id == f.rule);
        serde_json::to_string(&crate::sarif_result(f, index, None)).unwrap_or_default()
    }
}

/// One finding as the JSON contract writes it.
pub fn finding_json(f: &Finding) -> String {
    serde_json::to_string(f).unwrap_or_default()
}

/// The JSON contract's closing object: `summary` plus whatever the caller
/// adds (a scan's `targets` and `failed` counts).
pub fn summary_json(tally: &Tally, extra: &[(&str, Value)]) -> Value {
    let mut v = serde_json::to_value(tally.summary()).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        for (k, x) in extra {
            m.insert((*k).to_string(), x.clone());
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use nasguard_model::Config;
    use nasguard_policy::{Facts, audit};

    fn findings() -> Vec<Finding> {
        let mut cfg = Config::default();
        cfg.smb.minimum_protocol = nasguard_model::smb::MinProtocol::Smb1;
        cfg.ssh.tcpfwd = true;
        audit(&cfg, &Facts::default())
    }

    #[test]
    fn pieces_add_up_to_the_whole_document() {
        let fs = findings();
        assert!(fs.len() >= 2);
        let whole = crate::to_sarif(&Report::new(fs.clone(), vec![]), "0.1.0");
        let s = SarifStream::new("0.1.0");
        let items: Vec<String> = whole["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let f = fs.iter().find(|f| f.rule == r["ruleId"] && f.message == r["message"]["text"]).unwrap();
                SarifStream::result(f)
            })
            .collect();
        let streamed: Value = serde_json::from_str(&format!("{}{}{}", s.head, items.join(","), s.tail)).unwrap();
        assert_eq!(streamed, whole);

        let mut t = Tally::default();
        fs.iter().for_each(|f| t.add(f));
        assert_eq!(t.summary(), Report::new(fs.clone(), vec![]).summary);
        assert!(t.fails(Some(Severity::High)) && !Tally::default().fails(Some(Severity::Info)));
        let one: Value = serde_json::from_str(&finding_json(&fs[0])).unwrap();
        assert_eq!(one, serde_json::to_value(&fs[0]).unwrap());
    }
}

//! What the fleet stores, as types: pure, no IO.

use nasguard_policy::{Finding, Severity};
use serde::{Deserialize, Serialize};

/// A host's name in the fleet: 1-40 of `a-z 0-9 -`, starting with a letter
/// or digit (it becomes part of a PostgreSQL role name).
pub fn check_name(what: &str, name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-');
    if ok { Ok(()) } else { Err(format!("{what} {name:?}: use 1-40 of a-z, 0-9 and -, not starting with -")) }
}

/// One finding as a report carries it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReportFinding {
    pub rule: String,
    pub severity: Severity,
    pub service: String,
    pub object: String,
    pub message: String,
    /// `config` or `live`.
    pub evidence: String,
}

impl From<&Finding> for ReportFinding {
    fn from(f: &Finding) -> Self {
        let evidence = serde_json::to_value(f.evidence).ok().and_then(|v| v.as_str().map(String::from));
        ReportFinding {
            rule: f.rule.clone(),
            severity: f.severity,
            service: f.service.name().to_string(),
            object: f.object.to_string(),
            message: f.message.clone(),
            evidence: evidence.unwrap_or_default(),
        }
    }
}

/// Where the stored config and the wire disagree (as `audit --live` says).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DriftItem {
    pub rule: String,
    pub service: String,
    pub config: bool,
    pub live: bool,
    pub message: String,
}

/// What an agent sends: made once, kept in the outbox until delivered, and
/// counted once however often it is sent (its `report_id`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AgentReport {
    pub report_id: uuid::Uuid,
    /// When it was made, unix milliseconds.
    pub taken_ms: i64,
    /// nasguard's version on the host.
    pub version: String,
    /// The revision last applied, if any.
    pub revision: Option<i64>,
    /// Whether the live self-audit ran (`false`: config findings only).
    pub live: bool,
    pub findings: Vec<ReportFinding>,
    pub drift: Vec<DriftItem>,
}

/// Counts by severity: critical, high, medium, low, info.
pub fn counts(findings: &[ReportFinding]) -> [i32; 5] {
    let mut c = [0i32; 5];
    for f in findings {
        if let Some(slot) = c.get_mut(4 - severity_code(f.severity) as usize) {
            *slot += 1;
        }
    }
    c
}

/// 0 (info) to 4 (critical), as the store keeps it.
pub fn severity_code(s: Severity) -> i16 {
    match s {
        Severity::Info => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

pub fn severity_of(code: i16) -> Severity {
    match code {
        4 => Severity::Critical,
        3 => Severity::High,
        2 => Severity::Medium,
        1 => Severity::Low,
        _ => Severity::Info,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_counts() {
        assert!(check_name("host", "nas-01").is_ok());
        for bad in ["", "-x", "NAS", "a b", "x\"; DROP ROLE", &"a".repeat(41)] {
            assert!(check_name("host", bad).is_err(), "{bad}");
        }
        let f = |s| ReportFinding {
            rule: "R".into(),
            severity: s,
            service: "ssh".into(),
            object: "ssh".into(),
            message: String::new(),
            evidence: "config".into(),
        };
        assert_eq!(counts(&[f(Severity::Critical), f(Severity::Info), f(Severity::Info)]), [1, 0, 0, 0, 2]);
        assert!(Severity::ALL.iter().all(|s| severity_of(severity_code(*s)) == *s));
    }
}

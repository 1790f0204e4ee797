//! Renders an audit for humans (a text table) and machines (the JSON
//! contract and SARIF 2.1.0).
//!
//! **Architecture invariant:** pure. The CLI, the API and the UI render the
//! same `Report`; none of them formats findings on its own.

pub mod stream;

use nasguard_policy::{Finding, RuleInfo, Severity, Waived, catalog};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The result of one audit or scan.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub findings: Vec<Finding>,
    pub waived: Vec<Waived>,
    pub summary: Summary,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Summary {
    pub total: usize,
    pub by_severity: BTreeMap<Severity, usize>,
    pub waived: usize,
    pub rules: usize,
    /// The highest severity found, if any.
    pub highest: Option<Severity>,
}

impl Report {
    pub fn new(mut findings: Vec<Finding>, waived: Vec<Waived>) -> Report {
        // Worst first, then by rule and object, so output is stable.
        findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.cmp(&b.rule)).then(a.object.cmp(&b.object)));
        let mut by_severity: BTreeMap<Severity, usize> = Severity::ALL.iter().map(|s| (*s, 0)).collect();
        for f in &findings {
            *by_severity.entry(f.severity).or_default() += 1;
        }
        let summary = Summary {
            total: findings.len(),
            highest: findings.iter().map(|f| f.severity).max(),
            by_severity,
            waived: waived.len(),
            rules: catalog().len(),
        };
        Report { findings, waived, summary }
    }

    /// Whether any finding is at or above `level` (`None`: never).
    pub fn fails(&self, level: Option<Severity>) -> bool {
        level.is_some_and(|l| self.findings.iter().any(|f| f.severity >= l))
    }
}

/// The JSON contract: `{"findings": [...], "waived": [...], "summary": {...}}`.
pub fn to_json(report: &Report) -> Value {
    serde_json::to_value(report).unwrap_or(Value::Null)
}

/// A table for a terminal: worst first, each finding with its remediation.
pub fn to_text(report: &Report) -> String {
    let mut out = String::new();
    if report.findings.is_empty() {
        out.push_str("No findings.\n");
    } else {
        let width =
            report.findings.iter().map(|f| f.object.to_string().chars().count()).max().unwrap_or(6).clamp(6, 28);
        let _ = writeln!(out, "{:<8}  {:<9}  {:<width$}  FINDING", "SEVERITY", "RULE", "OBJECT");
        for f in &report.findings {
            let at = f
                .location
                .as_ref()
                .map(|l| match (l.logical(), l.line) {
                    (Some(at), _) => format!("  ({}: {at})", l.file),
                    (None, 0) => format!("  ({})", l.file),
                    (None, line) => format!("  ({}:{line})", l.file),
                })
                .unwrap_or_default();
            let _ = writeln!(out, "{:<8}  {:<9}  {:<width$}  {}{at}", f.severity.name(), f.rule, f.object, f.message);
            let how = if f.fixable {
                format!("fix: nasguard fix {}  ({})", f.rule, f.remediation)
            } else {
                format!("remediation: {}", f.remediation)
            };
            let _ = writeln!(out, "{:<8}  {:<9}  {:<width$}  {how}", "", "", "");
        }
    }
    for w in &report.waived {
        let until = w.waiver.expires.as_deref().map(|d| format!(" until {d}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "waived    {:<9}  {}  {}{until}: {}",
            w.finding.rule, w.finding.object, w.waiver.reason, w.finding.message
        );
    }
    let counts: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter_map(|s| report.summary.by_severity.get(s).filter(|n| **n > 0).map(|n| format!("{n} {s}")))
        .collect();
    let _ = write!(out, "\n{} finding{}", report.summary.total, if report.summary.total == 1 { "" } else { "s" });
    if !counts.is_empty() {
        let _ = write!(out, " ({})", counts.join(", "));
    }
    let _ = writeln!(out, ", {} waived, {} rules.", report.summary.waived, report.summary.rules);
    if report.findings.iter().any(|f| f.fixable) {
        out.push_str("Fix what can be fixed: nasguard fix --all (then nasguard apply).\n");
    }
    out
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` scale (as trivy maps it).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
        Severity::Info => "0.0",
    }
}

fn camel(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// `file:///etc/ssh/sshd_config`, percent-encoding what a URI may not hold.
fn file_uri(path: &str) -> String {
    let mut out = String::from("file://");
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn sarif_rule(info: &RuleInfo) -> Value {
    let service = info.service.map(|s| s.name()).unwrap_or("all");
    json!({
        "id": info.id,
        "name": camel(info.title),
        "shortDescription": {"text": info.title},
        "fullDescription": {"text": info.rationale},
        "help": {"text": info.remediation, "markdown": format!("**Remediation:** {}", info.remediation)},
        "defaultConfiguration": {"level": level(info.severity)},
        "properties": {
            "tags": ["security", service],
            "precision": "very-high",
            "security-severity": security_severity(info.severity),
        }
    })
}

pub(crate) fn sarif_result(f: &Finding, index: Option<usize>, suppression: Option<&str>) -> Value {
    let mut logical = vec![json!({"name": f.object, "kind": "resource"})];
    if let Some(at) = &f.location
        && let (Some(table), Some(name)) = (&at.table, at.logical())
    {
        // A database row and column (a TrueNAS backup): a member of its table.
        let leaf = at.column.clone().unwrap_or_else(|| table.clone());
        logical.push(json!({"name": leaf, "fullyQualifiedName": name, "kind": "member"}));
    }
    let mut location = json!({"logicalLocations": logical});
    if let (Some(at), Value::Object(m)) = (&f.location, &mut location) {
        let mut physical = json!({"artifactLocation": {"uri": file_uri(&at.file)}});
        if at.line > 0 {
            physical["region"] = json!({"startLine": at.line});
        }
        m.insert("physicalLocation".into(), physical);
    }
    let mut r = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": {"text": f.message},
        "locations": [location],
        "properties": {
            "severity": f.severity.name(),
            "security-severity": security_severity(f.severity),
            "service": f.service.name(),
            "evidence": f.evidence,
            "fixable": f.fixable,
            "remediation": f.remediation,
        }
    });
    if let (Some(i), Value::Object(m)) = (index, &mut r) {
        m.insert("ruleIndex".into(), json!(i));
    }
    if let (Some(reason), Value::Object(m)) = (suppression, &mut r) {
        m.insert("suppressions".into(), json!([{"kind": "external", "status": "accepted", "justification": reason}]));
    }
    r
}

/// SARIF 2.1.0 with every catalog rule in `tool.driver.rules`; waived
/// findings are results with an accepted suppression.
pub fn to_sarif(report: &Report, version: &str) -> Value {
    let rules: Vec<&RuleInfo> = catalog().iter().map(|r| &r.info).collect();
    let index = |id: &str| rules.iter().position(|r| r.id == id);
    let mut results: Vec<Value> = report.findings.iter().map(|f| sarif_result(f, index(&f.rule), None)).collect();
    results
        .extend(report.waived.iter().map(|w| sarif_result(&w.finding, index(&w.finding.rule), Some(&w.waiver.reason))));
    json!({
        "$schema": "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "nasguard",
                "version": version,
                "informationUri": "https://example.invalid/nasguard",
                "rules": rules.iter().map(|r| sarif_rule(r)).collect::<Vec<_>>(),
            }},
            "results": results,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nasguard_model::Config;
    use nasguard_policy::{Facts, Waiver, apply_waivers, audit};

    fn insecure_report() -> Report {
        let mut cfg = Config::default();
        cfg.smb.minimum_protocol = nasguard_model::smb::MinProtocol::Smb1;
        cfg.ssh.tcpfwd = true;
        cfg.ssh.ciphers.push("arcfour".into());
        let w = Waiver { rule: "SSH-003".into(), object: "ssh".into(), reason: "jump host".into(), expires: None };
        let (mut kept, waived) = apply_waivers(audit(&cfg, &Facts::default()), &[w], "2026-11-25");
        // A finding from a database (a TrueNAS backup): table, column, row.
        if let Some(f) = kept.iter_mut().find(|f| f.rule == "SMB-001") {
            f.location = Some(nasguard_policy::Location {
                file: "freenas-v1.db".into(),
                line: 0,
                table: Some("services_cifs".into()),
                column: Some("cifs_srv_enable_smb1".into()),
                row: Some("id=1".into()),
            });
        }
        Report::new(kept, waived)
    }

    #[test]
    fn database_locations_are_logical_locations() {
        let r = insecure_report();
        let sarif = to_sarif(&r, "0.1.0");
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        let smb1 = results.iter().find(|r| r["ruleId"] == "SMB-001").unwrap();
        let logical = &smb1["locations"][0]["logicalLocations"];
        assert_eq!(logical[0]["name"], "smb");
        assert_eq!(logical[1]["fullyQualifiedName"], "services_cifs[id=1].cifs_srv_enable_smb1");
        assert_eq!(logical[1]["kind"], "member");
        assert_eq!(smb1["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "file://freenas-v1.db");
        assert!(smb1["locations"][0]["physicalLocation"].get("region").is_none());
        let json = to_json(&r);
        let f = json["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "SMB-001").unwrap();
        assert_eq!(f["location"]["table"], "services_cifs");
        assert_eq!(f["location"]["column"], "cifs_srv_enable_smb1");
        assert!(to_text(&r).contains("(freenas-v1.db: services_cifs[id=1].cifs_srv_enable_smb1)"), "{}", to_text(&r));
    }

    #[test]
    fn sarif_is_valid_against_the_official_schema() {
        // The official schema's `language` patterns end in a lone `]`, literal
        // in ECMA-262 regexes but rejected by the Rust engine that checks the
        // schema itself; escape it (same meaning; nasguard never emits
        // `language`).
        let raw = include_str!("../tests/data/sarif-schema-2.1.0.json");
        let lone = "[a-zA-Z]{2}]?$";
        assert!(raw.contains(lone));
        let schema: Value = serde_json::from_str(&raw.replace(lone, "[a-zA-Z]{2}\\\\]?$")).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let mut broken = to_sarif(&insecure_report(), "0.1.0");
        broken["runs"][0]["results"][0]["level"] = "fatal".into();
        assert!(!validator.is_valid(&broken), "the schema must catch a bad level");
        for report in [insecure_report(), Report::new(vec![], vec![])] {
            let sarif = to_sarif(&report, "0.1.0");
            let errors: Vec<String> =
                validator.iter_errors(&sarif).map(|e| format!("{} at {}", e, e.instance_path())).collect();
            assert!(errors.is_empty(), "{errors:#?}");
            let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
            assert_eq!(rules.len(), catalog().len());
            assert!(rules.iter().all(|r| r["properties"]["security-severity"].is_string()));
        }
    }

    #[test]
    fn sarif_marks_waived_findings_as_suppressed() {
        let sarif = to_sarif(&insecure_report(), "0.1.0");
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        let waived: Vec<&Value> = results.iter().filter(|r| r.get("suppressions").is_some()).collect();
        assert_eq!(waived.len(), 1);
        assert_eq!(waived[0]["ruleId"], "SSH-003");
        let critical = results.iter().find(|r| r["ruleId"] == "SSH-005").unwrap();
        assert_eq!(critical["level"], "error");
        assert_eq!(critical["properties"]["security-severity"], "9.5");
    }

    #[test]
    fn json_contract_fields() {
        let v = to_json(&insecure_report());
        let f = &v["findings"][0];
        for key in ["rule", "severity", "service", "object", "message", "remediation", "fixable", "evidence"] {
            assert!(f.get(key).is_some(), "missing {key}");
        }
        assert_eq!(f["evidence"], "config");
        assert_eq!(v["summary"]["waived"], 1);
    }

    #[test]
    fn text_lists_worst_first_with_remediation() {
        let t = to_text(&insecure_report());
        let first = t.lines().nth(1).unwrap();
        assert!(first.starts_with("critical") && first.contains("SSH-005"), "{t}");
        assert!(t.contains("fix: nasguard fix SMB-001"), "{t}");
        assert!(t.contains("waived    SSH-003"), "{t}");
    }

    #[test]
    fn fail_on_threshold() {
        let r = insecure_report();
        assert!(r.fails(Some(Severity::High)));
        assert!(!r.fails(None));
        assert!(!Report::new(vec![], vec![]).fails(Some(Severity::Info)));
    }
}

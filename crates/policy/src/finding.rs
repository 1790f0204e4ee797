use nasguard_model::Service;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad a finding is. Ordered: `Info < Low < ... < Critical`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] =
        [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.name().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the evidence for a finding came from.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Evidence {
    /// The stored model or a config file.
    Config,
    /// A probe of the running service.
    Live,
}

/// One finding: the JSON contract of `audit` and `scan`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub service: Service,
    /// What the finding is about: `smb`, `smb/share/NAME`, `nfs/share/ID`,
    /// `iscsi/portal/ID`, `iscsi/target/NAME`, `ssh`, or a probed host.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub object: nasguard_model::object::ObjectRef,
    pub message: String,
    pub remediation: String,
    pub fixable: bool,
    pub evidence: Evidence,
    /// The setting the finding is about when a rule judges several (an sshd
    /// keyword, a Samba parameter); otherwise the rule's own field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Where the setting is written, for findings from config files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// A file and line (line 0: the file as a whole, e.g. a default value),
/// and, for a database such as a TrueNAS configuration backup, the logical
/// place inside it: table, column and row (a name, or `id=N`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Location {
    pub file: String,
    pub line: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<String>,
}

impl Location {
    /// `table.column` (with the row when known), for text and SARIF.
    pub fn logical(&self) -> Option<String> {
        let table = self.table.as_deref()?;
        let mut out = table.to_string();
        if let Some(row) = &self.row {
            out.push_str(&format!("[{row}]"));
        }
        if let Some(c) = &self.column {
            out.push('.');
            out.push_str(c);
        }
        Some(out)
    }
}

//! `scan`: probes targets on the network and judges what they offer with
//! the rules' live checks. The CLI, `POST /api/v1/scan` and the Scan page share it.

use crate::{OpsError, Result};
use nasguard_probe::{ProbeResult, Target, parse_targets};
use nasguard_report::Report;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

pub struct ScanOutcome {
    pub report: Report,
    pub results: Vec<ProbeResult>,
}

impl ScanOutcome {
    /// Targets that could not be probed (exit code 3).
    pub fn failed(&self) -> impl Iterator<Item = &ProbeResult> {
        self.results.iter().filter(|r| r.error.is_some())
    }

    /// The findings contract plus each target's outcome.
    pub fn to_json(&self) -> Value {
        let mut v = nasguard_report::to_json(&self.report);
        v["targets"] = serde_json::to_value(&self.results).unwrap_or(Value::Null);
        v["summary"]["targets"] = self.results.len().into();
        v["summary"]["failed"] = self.failed().count().into();
        v
    }
}

/// Parses target arguments (`ssh://host:port`, ..., or a bare host).
pub fn targets(args: &[String]) -> Result<Vec<Target>> {
    let mut out = vec![];
    for a in args {
        out.extend(
            parse_targets(a)
                .map_err(|m| OpsError::Invalid(nasguard_model::ValidationErrors::single("scan", "target", m)))?,
        );
    }
    Ok(out)
}

/// Probes `targets` (at most `concurrency` at once) and audits the results.
pub fn scan(
    targets: Vec<Target>,
    concurrency: usize,
    timeout: Duration,
    progress: Arc<dyn Fn(usize, usize) + Send + Sync>,
) -> Result<ScanOutcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| OpsError::Internal(format!("cannot start the probe runtime: {e}")))?;
    let results = runtime.block_on(nasguard_probe::scan(targets, concurrency, timeout, progress));
    let findings = results
        .iter()
        .filter_map(|r| r.observed.as_ref().map(|o| nasguard_policy::audit_live(o, &r.target.url())))
        .flatten()
        .collect();
    Ok(ScanOutcome { report: Report::new(findings, vec![]), results })
}

/// A scan as the API and the web UI ask for it: bounded, so one request
/// cannot tie the server up (the CLI has no such bound).
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct ScanRequest {
    /// `ssh://host[:port]`, `smb://…`, `nfs://…`, `iscsi://…`, or a bare host for all four.
    pub targets: Vec<String>,
    /// Probes in flight at once (1 to 1024).
    pub concurrency: u32,
    /// Per-target deadline in milliseconds (1 to 60000).
    pub timeout_ms: u32,
}

impl Default for ScanRequest {
    fn default() -> Self {
        ScanRequest { targets: vec![], concurrency: 64, timeout_ms: 3000 }
    }
}

/// Most targets one API or UI request may scan.
pub const MAX_TARGETS_PER_REQUEST: usize = 4096;

impl crate::Nasguard {
    /// Checks a [`ScanRequest`] (errors name the field), records it in the
    /// audit log, and runs it.
    pub fn scan_request(&self, req: &ScanRequest) -> Result<ScanOutcome> {
        let invalid =
            |field: &str, m: String| OpsError::Invalid(nasguard_model::ValidationErrors::single("scan", field, m));
        if req.targets.is_empty() || req.targets.len() > MAX_TARGETS_PER_REQUEST {
            return Err(invalid("targets", format!("give 1 to {MAX_TARGETS_PER_REQUEST} targets")));
        }
        if !(1..=1024).contains(&req.concurrency) {
            return Err(invalid("concurrency", "must be 1 to 1024".into()));
        }
        if !(1..=60_000).contains(&req.timeout_ms) {
            return Err(invalid("timeout_ms", "must be 1 to 60000".into()));
        }
        let parsed = targets(&req.targets)?;
        self.record("scan", &req.targets.join(" "))?;
        scan(parsed, req.concurrency as usize, Duration::from_millis(u64::from(req.timeout_ms)), Arc::new(|_, _| {}))
    }
}

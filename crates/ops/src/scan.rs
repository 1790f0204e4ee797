//! `scan`: probes targets on the network and judges what they offer with
//! the rules' live checks. The CLI and (later) `POST /scan` share it.

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
        .map_err(|e| OpsError::Daemon(format!("cannot start the probe runtime: {e}")))?;
    let results = runtime.block_on(nasguard_probe::scan(targets, concurrency, timeout, progress));
    let findings = results
        .iter()
        .filter_map(|r| r.observed.as_ref().map(|o| nasguard_policy::audit_live(o, &r.target.url())))
        .flatten()
        .collect();
    Ok(ScanOutcome { report: Report::new(findings, vec![]), results })
}

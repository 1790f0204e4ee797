//! `scan`: probes targets on the network and judges what they offer with
//! the rules' live checks. The CLI, `POST /api/v1/scan` and the Scan page share it.

use crate::{OpsError, Result};
use nasguard_model::ValidationErrors;
use nasguard_policy::{Finding, Severity};
use nasguard_probe::{ProbeResult, Target, TargetSpec};
use nasguard_report::Report;
use nasguard_report::stream::{SarifStream, Tally, finding_json, summary_json};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Seek, Write};
use std::path::{Path, PathBuf};
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

fn invalid_target(m: String) -> OpsError {
    OpsError::Invalid(nasguard_model::ValidationErrors::single("scan", "target", m))
}

/// Parses target arguments (`ssh://host:port`, ..., a bare host, a CIDR
/// block or a range) into at most `limit` targets.
pub fn targets_bounded(args: &[String], limit: usize) -> Result<Vec<Target>> {
    let specs = args.iter().map(|a| TargetSpec::parse(a).map_err(invalid_target)).collect::<Result<Vec<_>>>()?;
    let total: u64 = specs.iter().map(TargetSpec::len).fold(0, u64::saturating_add);
    if total > limit as u64 {
        return Err(invalid_target(format!("{total} targets: at most {limit} at once here")));
    }
    Ok(specs.iter().flat_map(TargetSpec::iter).collect())
}

/// Where targets come from: arguments and files of them (one per line, `#`
/// comments), each a host, a CIDR block or a range. Both are checked whole
/// when made, and expanded only as the scan takes them, a file read again
/// line by line.
pub struct TargetSources {
    specs: Vec<TargetSpec>,
    files: Vec<PathBuf>,
    total: u64,
}

fn file_specs(path: &Path) -> Result<impl Iterator<Item = (usize, std::result::Result<TargetSpec, String>)>> {
    let f = std::fs::File::open(path).map_err(|e| {
        OpsError::Invalid(ValidationErrors::single("scan", "targets", format!("{}: {e}", path.display())))
    })?;
    Ok(BufReader::new(f).lines().enumerate().filter_map(|(n, line)| {
        let line = match line {
            Ok(l) => l,
            Err(e) => return Some((n + 1, Err(e.to_string()))),
        };
        let t = line.trim();
        (!t.is_empty() && !t.starts_with('#')).then(|| (n + 1, TargetSpec::parse(t)))
    }))
}

impl TargetSources {
    pub fn new(args: &[String], files: &[PathBuf]) -> Result<TargetSources> {
        let specs = args.iter().map(|a| TargetSpec::parse(a).map_err(invalid_target)).collect::<Result<Vec<_>>>()?;
        let mut total: u64 = specs.iter().map(TargetSpec::len).fold(0, u64::saturating_add);
        for f in files {
            for (n, spec) in file_specs(f)? {
                let spec = spec.map_err(|m| {
                    OpsError::Invalid(ValidationErrors::single("scan", "targets", format!("{}:{n}: {m}", f.display())))
                })?;
                total = total.saturating_add(spec.len());
            }
        }
        Ok(TargetSources { specs, files: files.to_vec(), total })
    }

    /// How many targets there are.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The targets, one at a time (a line that stopped parsing since
    /// [`TargetSources::new`] read it is passed over).
    pub fn iter(&self) -> impl Iterator<Item = Target> + '_ {
        let from_args = self.specs.iter().flat_map(TargetSpec::iter);
        let from_files = self.files.iter().flat_map(|f| {
            file_specs(f).into_iter().flatten().filter_map(|(_, s)| s.ok()).flat_map(TargetSpec::into_targets)
        });
        from_args.chain(from_files)
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| OpsError::Internal(format!("cannot start the probe runtime: {e}")))
}

/// Probes `targets` (at most `concurrency` at once) and audits the results.
pub fn scan(
    targets: Vec<Target>,
    concurrency: usize,
    timeout: Duration,
    progress: Arc<dyn Fn(usize, usize) + Send + Sync>,
) -> Result<ScanOutcome> {
    let results = runtime()?.block_on(nasguard_probe::scan(targets, concurrency, timeout, progress));
    let findings = results
        .iter()
        .filter_map(|r| r.observed.as_ref().map(|o| nasguard_policy::audit_live(o, &r.target.url())))
        .flatten()
        .collect();
    Ok(ScanOutcome { report: Report::new(findings, vec![]), results })
}

/// How a streamed scan writes its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamFormat {
    /// One JSON object per target (its outcome and findings), then a line
    /// `{"summary": ...}`.
    Lines,
    /// The JSON contract (`findings`, `targets`, `summary`), findings in
    /// the order they came.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// A line per target, its findings under it, and a summary.
    Text,
}

/// What a streamed scan counted.
#[derive(Debug, Default)]
pub struct ScanTally {
    pub findings: Tally,
    pub targets: u64,
    pub failed: u64,
}

/// The state of a streamed scan's output.
struct Writer<'a> {
    out: &'a mut dyn Write,
    format: StreamFormat,
    /// The JSON contract's `targets`, spooled to a temporary file until the
    /// findings are written.
    spool: Option<std::io::BufWriter<std::fs::File>>,
    first_finding: bool,
    first_target: bool,
    error: Option<std::io::Error>,
}

impl Writer<'_> {
    fn start(&mut self) -> std::io::Result<()> {
        match self.format {
            StreamFormat::Json => {
                self.spool = Some(std::io::BufWriter::new(tempfile::tempfile()?));
                self.out.write_all(b"{\"findings\":[")
            }
            StreamFormat::Sarif => self.out.write_all(SarifStream::new(env!("CARGO_PKG_VERSION")).head.as_bytes()),
            StreamFormat::Lines | StreamFormat::Text => Ok(()),
        }
    }

    fn result(&mut self, r: &ProbeResult, findings: &[Finding]) -> std::io::Result<()> {
        match self.format {
            StreamFormat::Lines => {
                let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
                v["findings"] = serde_json::to_value(findings).unwrap_or(Value::Null);
                serde_json::to_writer(&mut *self.out, &v)?;
                self.out.write_all(b"\n")
            }
            StreamFormat::Json => {
                for f in findings {
                    if !std::mem::take(&mut self.first_finding) {
                        self.out.write_all(b",")?;
                    }
                    self.out.write_all(finding_json(f).as_bytes())?;
                }
                if let Some(spool) = &mut self.spool {
                    if !std::mem::take(&mut self.first_target) {
                        spool.write_all(b",")?;
                    }
                    serde_json::to_writer(&mut *spool, r)?;
                }
                Ok(())
            }
            StreamFormat::Sarif => {
                for f in findings {
                    if !std::mem::take(&mut self.first_finding) {
                        self.out.write_all(b",")?;
                    }
                    self.out.write_all(SarifStream::result(f).as_bytes())?;
                }
                Ok(())
            }
            StreamFormat::Text => {
                match &r.error {
                    Some(e) => writeln!(self.out, "{:<32} error: {e}", r.target.url())?,
                    None => writeln!(self.out, "{:<32} ok ({} ms)", r.target.url(), r.elapsed_ms)?,
                }
                for f in findings {
                    writeln!(self.out, "    {:<8}  {:<9}  {}", f.severity.name(), f.rule, f.message)?;
                }
                Ok(())
            }
        }
    }

    fn finish(&mut self, tally: &ScanTally) -> std::io::Result<()> {
        let extra = [("targets", json!(tally.targets)), ("failed", json!(tally.failed))];
        match self.format {
            StreamFormat::Lines => {
                serde_json::to_writer(&mut *self.out, &json!({"summary": summary_json(&tally.findings, &extra)}))?;
                self.out.write_all(b"\n")?;
            }
            StreamFormat::Json => {
                self.out.write_all(b"],\"waived\":[],\"targets\":[")?;
                if let Some(spool) = self.spool.take() {
                    let mut file = spool.into_inner().map_err(|e| e.into_error())?;
                    file.rewind()?;
                    std::io::copy(&mut file, &mut self.out)?;
                }
                self.out.write_all(b"],\"summary\":")?;
                serde_json::to_writer(&mut *self.out, &summary_json(&tally.findings, &extra))?;
                self.out.write_all(b"}\n")?;
            }
            StreamFormat::Sarif => {
                self.out.write_all(SarifStream::new(env!("CARGO_PKG_VERSION")).tail.as_bytes())?;
                self.out.write_all(b"\n")?;
            }
            StreamFormat::Text => {
                let s = tally.findings.summary();
                let counts: Vec<String> = Severity::ALL
                    .iter()
                    .rev()
                    .filter_map(|v| s.by_severity.get(v).filter(|n| **n > 0).map(|n| format!("{n} {v}")))
                    .collect();
                let counts = if counts.is_empty() { String::new() } else { format!(" ({})", counts.join(", ")) };
                writeln!(
                    self.out,
                    "\n{} targets, {} failed; {} findings{counts}.",
                    tally.targets, tally.failed, s.total
                )?;
            }
        }
        self.out.flush()
    }
}

/// Probes every target of `sources` (at most `concurrency` at once),
/// judges each with the rules' live checks, and writes each result to
/// `out` as it completes, so memory does not grow with the number of
/// targets. `progress` gets (done, total) after each target; `failed`
/// each target that could not be probed.
pub fn scan_stream(
    sources: &TargetSources,
    concurrency: usize,
    timeout: Duration,
    format: StreamFormat,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64, u64),
    failed: &mut dyn FnMut(&ProbeResult),
) -> Result<ScanTally> {
    let mut w = Writer { out, format, spool: None, first_finding: true, first_target: true, error: None };
    let io = |source: std::io::Error| OpsError::Io { path: PathBuf::from("(the scan's output)"), source };
    w.start().map_err(io)?;
    let mut tally = ScanTally::default();
    let total = sources.total();
    runtime()?.block_on(nasguard_probe::scan_each(sources.iter(), concurrency, timeout, |r| {
        let findings = match &r.observed {
            Some(o) => nasguard_policy::audit_live(o, &r.target.url()),
            None => vec![],
        };
        findings.iter().for_each(|f| tally.findings.add(f));
        tally.targets += 1;
        if r.error.is_some() {
            tally.failed += 1;
            failed(&r);
        }
        if w.error.is_none()
            && let Err(e) = w.result(&r, &findings)
        {
            w.error = Some(e);
        }
        progress(tally.targets, total);
    }));
    if let Some(e) = w.error.take() {
        return Err(io(e));
    }
    w.finish(&tally).map_err(io)?;
    Ok(tally)
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
        let parsed = targets_bounded(&req.targets, MAX_TARGETS_PER_REQUEST)?;
        self.record("scan", &req.targets.join(" "))?;
        scan(parsed, req.concurrency as usize, Duration::from_millis(u64::from(req.timeout_ms)), Arc::new(|_, _| {}))
    }
}

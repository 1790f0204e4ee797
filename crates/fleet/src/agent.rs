//! The agent: what a host reports, the outbox it waits in, and delivery.
//!
//! A report is made once (with a random id) and written to the outbox
//! (`STATE/fleet-outbox/`, one 0600 file each) before anything is sent.
//! Delivery sends the outbox oldest first and removes a file only once the
//! database has the report; a report the database already has is not
//! counted again (`ON CONFLICT (host, report_id) DO NOTHING`), so a resend
//! after a lost answer is harmless. A report delivered late is history: it
//! does not replace a newer one as the host's current state.

use crate::model::{AgentReport, DriftItem, ReportFinding, counts, severity_code};
use crate::{FleetError, Result};
use nasguard_ops::Nasguard;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_postgres::Client;

/// Makes this host's report: the config audit, and with `live` the live
/// self-audit (probes of its own services) and its drift. Synchronous: it
/// runs the same `ops` calls as `nasguard audit [--live]`.
pub fn collect(ng: &Nasguard, live: bool, timeout: Duration) -> Result<AgentReport> {
    let (findings, drift) = if live {
        let l = ng.audit_live(timeout)?;
        let drift = l
            .drift
            .iter()
            .map(|d| DriftItem {
                rule: d.rule.clone(),
                service: d.service.name().to_string(),
                config: d.config,
                live: d.live,
                message: d.message.clone(),
            })
            .collect();
        (l.report.findings.iter().map(ReportFinding::from).collect(), drift)
    } else {
        (ng.audit()?.findings.iter().map(ReportFinding::from).collect(), vec![])
    };
    let revision = ng.status()?.applied.map(|a| a.revision);
    Ok(AgentReport {
        report_id: uuid::Uuid::new_v4(),
        taken_ms: crate::now_ms(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        revision,
        live,
        findings,
        drift,
    })
}

/// Sends one report; `true` if the database did not have it yet.
pub async fn send(client: &Client, r: &AgentReport) -> Result<bool> {
    let [critical, high, medium, low, info] = counts(&r.findings);
    let body = serde_json::json!({"drift": r.drift, "live": r.live});
    let rules: Vec<&str> = r.findings.iter().map(|f| f.rule.as_str()).collect();
    let severities: Vec<i16> = r.findings.iter().map(|f| severity_code(f.severity)).collect();
    let services: Vec<&str> = r.findings.iter().map(|f| f.service.as_str()).collect();
    let objects: Vec<&str> = r.findings.iter().map(|f| f.object.as_str()).collect();
    let messages: Vec<&str> = r.findings.iter().map(|f| f.message.as_str()).collect();
    let evidence: Vec<&str> = r.findings.iter().map(|f| f.evidence.as_str()).collect();
    let drift = r.drift.len() as i32;
    let row = client
        .query_one(
            "WITH r AS (
                INSERT INTO fleet_reports (host, report_id, taken_at, version, revision,
                                           critical, high, medium, low, info, drift, body)
                VALUES (fleet_host_of(current_user), $1, to_timestamp($2::float8 / 1000), $3, $4,
                        $5, $6, $7, $8, $9, $10, $11)
                ON CONFLICT (host, report_id) DO NOTHING
                RETURNING id, host),
             f AS (
                INSERT INTO fleet_findings (report, host, rule, severity, service, object, message, evidence)
                SELECT r.id, r.host, x.* FROM r,
                       unnest($12::text[], $13::int2[], $14::text[], $15::text[], $16::text[], $17::text[])
                       AS x(rule, severity, service, object, message, evidence)
                RETURNING 1)
             SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM f)",
            &[
                &r.report_id,
                &(r.taken_ms as f64),
                &r.version,
                &r.revision,
                &critical,
                &high,
                &medium,
                &low,
                &info,
                &drift,
                &body,
                &rules,
                &severities,
                &services,
                &objects,
                &messages,
                &evidence,
            ],
        )
        .await?;
    let new: i64 = row.try_get(0)?;
    Ok(new > 0)
}

/// Reports waiting to be delivered.
pub struct Outbox {
    dir: PathBuf,
}

/// What one delivery did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// Reports the database took (new or already there).
    pub delivered: usize,
    /// Of those, the ones it did not have yet.
    pub new: usize,
    /// Reports still waiting.
    pub waiting: usize,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FleetError + '_ {
    move |source| FleetError::Io { path: path.to_path_buf(), source }
}

impl Outbox {
    /// The outbox under a state directory.
    pub fn new(state_dir: &Path) -> Outbox {
        Outbox { dir: state_dir.join("fleet-outbox") }
    }

    /// Writes `r` to the outbox (atomically: a reader sees all of it or none).
    pub fn put(&self, r: &AgentReport) -> Result<PathBuf> {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&self.dir).map_err(io(&self.dir))?;
        let name = format!("{:016}-{}.json", r.taken_ms, r.report_id);
        let path = self.dir.join(&name);
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let bytes = serde_json::to_vec(r).map_err(|e| FleetError::Invalid(e.to_string()))?;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io(&tmp))?;
        f.write_all(&bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        Ok(path)
    }

    /// The waiting reports' files, oldest first.
    pub fn pending(&self) -> Result<Vec<PathBuf>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(io(&self.dir)(e)),
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == "json")
                    && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        files.sort();
        Ok(files)
    }

    /// Sends every waiting report, oldest first, removing each once the
    /// database has it. Stops at the first failure (the rest wait). A file
    /// that is not a report is moved aside (`.bad`), not retried forever.
    pub async fn deliver(&self, client: &Client) -> Result<Delivery> {
        let files = self.pending()?;
        let mut d = Delivery { waiting: files.len(), ..Default::default() };
        for path in files {
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            let report: AgentReport = match serde_json::from_slice(&bytes) {
                Ok(r) => r,
                Err(_) => {
                    let _ = std::fs::rename(&path, path.with_extension("bad"));
                    d.waiting -= 1;
                    continue;
                }
            };
            let new = send(client, &report).await?;
            std::fs::remove_file(&path).map_err(io(&path))?;
            d.delivered += 1;
            d.new += usize::from(new);
            d.waiting -= 1;
        }
        Ok(d)
    }
}

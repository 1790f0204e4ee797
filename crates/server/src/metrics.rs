//! Prometheus metrics: request latencies (middleware), apply outcomes
//! (counted where apply runs), and at each scrape the findings by rule and
//! severity and whether each service is up.

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::state::Shared;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

pub const REQUEST_SECONDS: &str = "nasguard_http_request_duration_seconds";
pub const APPLY_TOTAL: &str = "nasguard_apply_total";
pub const FINDINGS: &str = "nasguard_findings";
pub const SERVICE_UP: &str = "nasguard_service_up";
pub const FLEET_UP: &str = "nasguard_fleet_store_up";
pub const FLEET_HOSTS: &str = "nasguard_fleet_hosts";
pub const FLEET_FINDINGS: &str = "nasguard_fleet_findings";
pub const FLEET_DRIFT: &str = "nasguard_fleet_drift";
pub const FLEET_REPORTS: &str = "nasguard_fleet_reports";

/// The process-wide recorder (installed once; tests start many servers).
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(REQUEST_SECONDS.into()), &buckets)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // Another recorder (a test harness's) may be installed already;
            // then ours still renders what is recorded through it.
            let _ = metrics::set_global_recorder(recorder);
            describe();
            handle
        })
        .clone()
}

/// HELP lines, and the apply counters at 0 so their series exist before
/// the first apply (alerts on `increase()` need them).
fn describe() {
    metrics::describe_histogram!(REQUEST_SECONDS, metrics::Unit::Seconds, "HTTP request latency by route pattern");
    metrics::describe_counter!(APPLY_TOTAL, "Applies by outcome (ok: put in place; failed: refused, old config kept)");
    metrics::describe_gauge!(FINDINGS, "Findings of the stored configuration by rule and severity (waivers applied)");
    metrics::describe_gauge!(SERVICE_UP, "1 when the service runs, 0 when it does not");
    metrics::describe_gauge!(
        FLEET_UP,
        "1 when the fleet figures could be read (serve --fleet-db; they are kept about 10 s)"
    );
    metrics::describe_gauge!(
        FLEET_HOSTS,
        "Fleet hosts enrolled (state=all) and reporting in the last day (state=reporting)"
    );
    metrics::describe_gauge!(FLEET_FINDINGS, "Findings across the fleet's newest reports, by severity");
    metrics::describe_gauge!(FLEET_DRIFT, "Drifted settings across the fleet's newest reports");
    metrics::describe_gauge!(FLEET_REPORTS, "Reports in the fleet store (estimate)");
    for outcome in ["ok", "failed"] {
        metrics::counter!(APPLY_TOTAL, "outcome" => outcome).absolute(0);
    }
}

/// Records each request's latency by route pattern (not raw path, so ids
/// do not explode the label set).
pub async fn track(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "other".into());
    let method = req.method().to_string();
    let start = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::histogram!(REQUEST_SECONDS, "method" => method, "route" => route, "status" => status)
        .record(start.elapsed().as_secs_f64());
    resp
}

pub fn apply_outcome(outcome: &'static str) {
    metrics::counter!(APPLY_TOTAL, "outcome" => outcome).increment(1);
}

/// `GET /metrics`.
pub async fn render(State(state): State<Shared>, caller: Caller) -> ApiResult<Response> {
    let (report, status) = state.run(&caller.actor(), |ng| Ok((ng.audit()?, ng.status()?))).await?;
    let mut counts: std::collections::BTreeMap<(String, String), u64> = Default::default();
    for f in &report.findings {
        *counts.entry((f.rule.clone(), f.severity.name().to_string())).or_default() += 1;
    }
    // Rules with no finding now report 0, so a fixed finding's series drops.
    for r in nasguard_policy::catalog() {
        counts.entry((r.info.id.to_string(), r.info.severity.name().to_string())).or_default();
    }
    for ((rule, severity), n) in counts {
        metrics::gauge!(FINDINGS, "rule" => rule, "severity" => severity).set(n as f64);
    }
    for s in &status.services {
        let up = if s.status.running { 1.0 } else { 0.0 };
        metrics::gauge!(SERVICE_UP, "service" => s.status.service.to_string()).set(up);
    }
    if state.fleet.is_some() {
        fleet_figures(&state).await;
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response())
}

/// The fleet's totals as gauges; a store that does not answer is
/// `nasguard_fleet_store_up 0`, not a failed scrape.
async fn fleet_figures(state: &Shared) {
    let totals = match state.fleet_pool() {
        Ok(pool) => state.fleet_cache.totals(pool).await.ok(),
        Err(_) => None,
    };
    metrics::gauge!(FLEET_UP).set(if totals.is_some() { 1.0 } else { 0.0 });
    let Some(t) = totals else { return };
    metrics::gauge!(FLEET_HOSTS, "state" => "all").set(t.hosts as f64);
    metrics::gauge!(FLEET_HOSTS, "state" => "reporting").set(t.reporting as f64);
    for (severity, n) in
        [("critical", t.critical), ("high", t.high), ("medium", t.medium), ("low", t.low), ("info", t.info)]
    {
        metrics::gauge!(FLEET_FINDINGS, "severity" => severity).set(n as f64);
    }
    metrics::gauge!(FLEET_DRIFT).set(t.drift as f64);
    metrics::gauge!(FLEET_REPORTS).set(t.reports as f64);
}

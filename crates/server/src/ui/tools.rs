//! The tools: Scan (probe services over the network), Apply (show the diff,
//! put it in place) and the audit log.

use super::forms;
use super::frame::{Page, invalid_list};
use crate::auth::Caller;
use crate::error_page::{PageResult, error_page};
use crate::metrics;
use crate::state::Shared;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use nasguard_ops::ApplyReport;
use nasguard_policy::Finding;
use serde_json::Value;

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/apply", get(apply_page).post(apply_now))
        .route("/scan", get(scan_page).post(scan_now))
        .route("/audit-log", get(audit_log))
}

// ---- scan -------------------------------------------------------------------

pub struct ScanResults {
    targets: usize,
    failed: usize,
    /// Target URL, outcome, milliseconds.
    probes: Vec<(String, String, u64)>,
    findings: Vec<Finding>,
}

#[derive(Template, WebTemplate)]
#[template(path = "scan.html")]
struct ScanPage {
    page: Page,
    /// Shown inside the results, which htmx swaps in.
    error: Option<String>,
    targets: String,
    timeout_ms: String,
    results: Option<ScanResults>,
}

async fn scan_page(c: Caller) -> Response {
    let page = Page::new(&c, "Scan", "scan");
    ScanPage { page, error: None, targets: String::new(), timeout_ms: "3000".into(), results: None }.into_response()
}

async fn scan_now(State(st): State<Shared>, c: Caller, body: Bytes) -> Response {
    let form = forms::parse_form(&body);
    let text = forms::value(&form, "targets").to_string();
    let timeout_raw = forms::value(&form, "timeout_ms").trim().to_string();
    let page = Page::new(&c, "Scan", "scan");
    let mut req = nasguard_ops::scan::ScanRequest {
        targets: text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect(),
        ..Default::default()
    };
    // An unparsable timeout is 0, which the request check refuses by name.
    req.timeout_ms = timeout_raw.parse().unwrap_or(0);
    let outcome = st.run_alone(&c.actor(), move |ng| ng.scan_request(&req)).await;
    match outcome {
        Ok(o) => {
            let probes = o
                .results
                .iter()
                .map(|p| {
                    let outcome = p.error.as_ref().map(ToString::to_string).unwrap_or_else(|| "answered".into());
                    (p.target.url(), outcome, p.elapsed_ms)
                })
                .collect();
            let results = ScanResults {
                targets: o.results.len(),
                failed: o.failed().count(),
                probes,
                findings: o.report.findings.clone(),
            };
            ScanPage { page, error: None, targets: text, timeout_ms: timeout_raw, results: Some(results) }
                .into_response()
        }
        Err(e) if !invalid_list(&e).is_empty() => {
            let p =
                ScanPage { page, error: Some(e.to_string()), targets: text, timeout_ms: timeout_raw, results: None };
            (StatusCode::UNPROCESSABLE_ENTITY, p).into_response()
        }
        Err(e) => error_page(e),
    }
}

// ---- apply and the audit log --------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "apply.html")]
struct ApplyPage {
    page: Page,
    report: Option<ApplyReport>,
    pending: usize,
    applied: bool,
    failure: Option<String>,
}

async fn apply_page(State(st): State<Shared>, c: Caller) -> Response {
    let page = Page::new(&c, "Apply", "apply");
    match st.run_alone(&c.actor(), |ng| ng.apply(true)).await {
        Ok(r) => {
            let pending = r.files.iter().filter(|f| f.changed).count();
            ApplyPage { page, report: Some(r), pending, applied: false, failure: None }.into_response()
        }
        Err(e) => {
            ApplyPage { page, report: None, pending: 0, applied: false, failure: Some(e.to_string()) }.into_response()
        }
    }
}

async fn apply_now(State(st): State<Shared>, c: Caller) -> Response {
    let page = Page::new(&c, "Apply", "apply");
    let result = st.run_alone(&c.actor(), |ng| ng.apply(false)).await;
    metrics::apply_outcome(if result.is_ok() { "ok" } else { "failed" });
    match result {
        Ok(r) => ApplyPage { page, report: Some(r), pending: 0, applied: true, failure: None }.into_response(),
        Err(e) => {
            // Show what is still pending next to the daemon's reason.
            let pending = st.run_alone(&c.actor(), |ng| ng.apply(true)).await.ok();
            let n = pending.as_ref().map(|r| r.files.iter().filter(|f| f.changed).count()).unwrap_or(0);
            (
                StatusCode::CONFLICT,
                ApplyPage { page, report: pending, pending: n, applied: false, failure: Some(e.to_string()) },
            )
                .into_response()
        }
    }
}

pub struct ChangeRow {
    rev: i64,
    at: String,
    actor: String,
    object: String,
    action: String,
    old: String,
    new: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit_log.html")]
struct AuditLogPage {
    page: Page,
    changes: Vec<ChangeRow>,
    events: Vec<nasguard_store::Event>,
}

async fn audit_log(State(st): State<Shared>, c: Caller) -> PageResult {
    let (entries, events) = match st.run(&c.actor(), |ng| ng.audit_log(500)).await {
        Ok(log) => (log.changes, log.events),
        Err(e) => return Err(e.into()),
    };
    let text = |v: &Option<Value>| v.as_ref().map(Value::to_string).unwrap_or_default();
    let changes = entries
        .iter()
        .map(|e| ChangeRow {
            rev: e.rev,
            at: e.at.clone(),
            actor: e.actor.clone(),
            object: e.object.clone(),
            action: e.action.clone(),
            old: text(&e.old),
            new: text(&e.new),
        })
        .collect();
    Ok(AuditLogPage { page: Page::new(&c, "Audit log", "audit-log"), changes, events }.into_response())
}

//! The security dashboard: the findings by service with Fix and Waive, and
//! "Verify live" (drift and probes).

use super::forms;
use super::frame::{Page, back, label};
use crate::auth::Caller;
use crate::error_page::error_page;
use crate::state::Shared;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use nasguard_model::Waiver;
use nasguard_ops::Drift;
use nasguard_policy::{Finding, Severity};
use nasguard_report::Report;
use std::collections::HashMap;
use std::time::Duration;

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/", get(dashboard))
        .route("/fix", post(fix))
        .route("/waive", post(waive))
        .route("/verify", post(verify))
}

pub struct FindingRow {
    rule: String,
    severity: &'static str,
    object: String,
    /// Tells apart two findings of one rule in element ids.
    anchor: usize,
    message: String,
    rationale: &'static str,
    remediation: String,
    fixable: bool,
}

pub struct FindingGroup {
    service: String,
    findings: Vec<FindingRow>,
}

pub struct LiveView {
    drift: Vec<Drift>,
    probes: Vec<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct Dashboard {
    page: Page,
    /// The latest revision, when it is not applied yet.
    pending: Option<i64>,
    counts: Vec<(&'static str, usize)>,
    groups: Vec<FindingGroup>,
    waived: Vec<(String, String, String, String)>,
    live: Option<LiveView>,
}

fn finding_row(f: &Finding, anchor: usize) -> FindingRow {
    FindingRow {
        rule: f.rule.clone(),
        severity: f.severity.name(),
        object: f.object.to_string(),
        anchor,
        message: f.message.clone(),
        rationale: nasguard_policy::find_rule(&f.rule).map(|r| r.info.rationale).unwrap_or(""),
        remediation: f.remediation.clone(),
        fixable: f.fixable,
    }
}

fn dashboard_page(page: Page, report: &Report, pending: Option<i64>, live: Option<LiveView>) -> Dashboard {
    let counts = Severity::ALL
        .iter()
        .rev()
        .map(|s| (s.name(), report.findings.iter().filter(|f| f.severity == *s).count()))
        .collect();
    let mut groups: Vec<FindingGroup> = vec![];
    let mut sorted: Vec<&Finding> = report.findings.iter().collect();
    sorted.sort_by(|a, b| a.service.cmp(&b.service).then(b.severity.cmp(&a.severity)).then(a.rule.cmp(&b.rule)));
    for (i, f) in sorted.into_iter().enumerate() {
        let service = label(f.service).to_string();
        match groups.last_mut() {
            Some(g) if g.service == service => g.findings.push(finding_row(f, i)),
            _ => groups.push(FindingGroup { service, findings: vec![finding_row(f, i)] }),
        }
    }
    let waived = report
        .waived
        .iter()
        .map(|w| {
            (
                w.finding.rule.clone(),
                w.finding.object.to_string(),
                w.waiver.reason.clone(),
                w.waiver.expires.clone().unwrap_or_default(),
            )
        })
        .collect();
    Dashboard { page, pending, counts, groups, waived, live }
}

async fn dashboard(State(st): State<Shared>, c: Caller, Query(q): Query<HashMap<String, String>>) -> Response {
    match st.run(&c.actor(), |ng| Ok((ng.audit()?, ng.pending_revision()?))).await {
        Ok((report, pending)) => {
            let page = Page::new(&c, "Security dashboard", "dashboard").notice(&q);
            dashboard_page(page, &report, pending, None).into_response()
        }
        Err(e) => error_page(e),
    }
}

async fn fix(State(st): State<Shared>, c: Caller, body: Bytes) -> Response {
    let form = forms::parse_form(&body);
    let rule = forms::value(&form, "rule").to_string();
    let rules = vec![rule.clone()];
    match st.run(&c.actor(), move |ng| ng.fix(&rules, false)).await {
        Ok(done) => back("/", &format!("{rule} fixed in revision {}; Apply to put it in place.", done.revision)),
        Err(e) => error_page(e),
    }
}

async fn waive(State(st): State<Shared>, c: Caller, body: Bytes) -> Response {
    let form = forms::parse_form(&body);
    let w = Waiver {
        rule: forms::value(&form, "rule").to_string(),
        object: forms::value(&form, "object").to_string(),
        reason: forms::value(&form, "reason").to_string(),
        expires: Some(forms::value(&form, "expires").to_string()).filter(|s| !s.is_empty()),
    };
    let what = format!("{} on {} waived", w.rule, w.object);
    match st.run(&c.actor(), move |ng| ng.waive(w)).await {
        Ok(_) => back("/", &what),
        Err(e) => error_page(e),
    }
}

async fn verify(State(st): State<Shared>, c: Caller) -> Response {
    let live = st.run_alone(&c.actor(), |ng| ng.audit_live(Duration::from_secs(3))).await;
    let report = st.run(&c.actor(), |ng| Ok((ng.audit()?, ng.pending_revision()?))).await;
    match (live, report) {
        (Ok(l), Ok((report, pending))) => {
            let probes = l
                .probes
                .iter()
                .map(|p| {
                    let outcome = match (&p.error, &p.observed) {
                        (Some(e), _) => e.to_string(),
                        (None, Some(_)) => "answered".to_string(),
                        (None, None) => "no answer".to_string(),
                    };
                    (p.target.url(), outcome)
                })
                .collect();
            let view = LiveView { drift: l.drift, probes };
            dashboard_page(Page::new(&c, "Security dashboard", "dashboard"), &report, pending, Some(view))
                .into_response()
        }
        (Err(e), _) | (_, Err(e)) => error_page(e),
    }
}

//! The fleet pages (`serve --fleet-db`): hosts worst first with filters by
//! rule, severity and host, findings by rule across the fleet, the trend
//! chart (SVG drawn here, no script), and each host's findings, drift and
//! history. The same queries as `/api/v1/fleet/...` (`nasguard_fleet::dash`).

use super::frame::Page;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::error_page::PageResult;
use crate::extract::{FleetHost, PagePath};
use crate::state::Shared;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use nasguard_fleet::dash::{self, Filter, HostDetail, HostRow, RuleRow, Totals};
use nasguard_policy::Severity;
use std::collections::HashMap;

pub(super) fn routes() -> Router<Shared> {
    Router::new().route("/fleet", get(fleet)).route("/fleet/hosts/{name}", get(fleet_host))
}

/// Hosts shown on one page.
const PAGE_HOSTS: i64 = 200;

#[derive(Template, WebTemplate)]
#[template(path = "fleet.html")]
struct FleetPage {
    page: Page,
    totals: Totals,
    hosts: Vec<HostRow>,
    rules: Vec<RuleRow>,
    /// The trend chart, SVG made by `dash::trend_svg` from numbers only.
    chart: String,
    rule: String,
    severity: String,
    host: String,
    severities: Vec<&'static str>,
    /// The filter as a query string, kept by the links.
    query: String,
    offset: i64,
    more: bool,
}

fn ago(ms: Option<i64>) -> String {
    match ms {
        None => "never".into(),
        Some(ms) => {
            let secs = (nasguard_fleet::now_ms() - ms).max(0) / 1000;
            match secs {
                0..60 => format!("{secs} s ago"),
                60..3600 => format!("{} min ago", secs / 60),
                3600..86400 => format!("{} h ago", secs / 3600),
                _ => format!("{} d ago", secs / 86400),
            }
        }
    }
}

async fn fleet(State(st): State<Shared>, c: Caller, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let page = Page::new(&c, "Fleet", "fleet");
    let f = Filter::from_query(&q).map_err(|(field, m)| ApiError::invalid("fleet", &field, m))?;
    let offset = q.get("offset").and_then(|o| o.parse::<i64>().ok()).unwrap_or(0).clamp(0, i64::from(i32::MAX));
    let pool = st.fleet_pool()?;
    let db = st.fleet().await?;
    let totals = st.fleet_cache.totals(pool).await?;
    let mut hosts = dash::hosts(&db, &f, PAGE_HOSTS + 1, offset).await?;
    let more = hosts.len() as i64 > PAGE_HOSTS;
    hosts.truncate(PAGE_HOSTS as usize);
    let rules = st.fleet_cache.rules(pool, &f).await?;
    let chart = dash::trend_svg(&st.fleet_cache.trend(pool, 168, 28).await?);
    Ok(FleetPage {
        page,
        totals,
        hosts,
        rules,
        chart,
        rule: f.rule.clone().unwrap_or_default(),
        severity: f.severity.map(|s| s.name().to_string()).unwrap_or_default(),
        host: f.host.clone().unwrap_or_default(),
        severities: Severity::ALL.iter().rev().map(|s| s.name()).collect(),
        query: f.query(),
        offset,
        more,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "fleet_host.html")]
struct FleetHostPage {
    page: Page,
    d: HostDetail,
    seen: String,
}

async fn fleet_host(State(st): State<Shared>, c: Caller, PagePath(FleetHost(name)): PagePath<FleetHost>) -> PageResult {
    let db = st.fleet().await?;
    let d = dash::host(&db, &name, 50)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no host {name:?} in the fleet")))?;
    let page = Page::new(&c, format!("Fleet host {name}"), "fleet");
    let seen = ago(d.host.last_seen_ms);
    Ok(FleetHostPage { page, d, seen }.into_response())
}

/// A unix time in milliseconds as `YYYY-MM-DD HH:MM` (UTC).
pub fn when(ms: &i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .map(|t| format!("{:04}-{:02}-{:02} {:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute()))
        .unwrap_or_default()
}

pub fn sev(s: &Severity) -> &'static str {
    s.name()
}

pub fn last_seen(h: &HostRow) -> String {
    ago(h.last_seen_ms)
}

//! `/fleet/...`: the fleet store (`serve --fleet-db`) as JSON: hosts worst
//! first, findings by rule across the fleet, one host's findings, drift
//! and history, the trend, and the totals. Read-only; the queries are
//! `nasguard_fleet::dash`'s, shared with the pages. 404 when this server
//! has no fleet store.

use super::common::ErrorBody;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, FleetHost};
use crate::state::Shared;
use axum::Json;
use axum::extract::{Query, State};
use nasguard_fleet::dash::{self, Filter, HostDetail, HostRow, RuleRow, Totals, TrendPoint};
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::IntoParams;

/// The filters the host list and the rule summary take.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct FilterQuery {
    /// Only hosts (and findings) of this rule, e.g. SMB-001.
    rule: Option<String>,
    /// Only findings at or above this severity: info, low, medium, high, critical.
    severity: Option<String>,
    /// Only hosts whose name contains this.
    host: Option<String>,
    /// At most this many hosts (1-1000, default 100).
    limit: Option<i64>,
    /// Skip this many hosts first.
    offset: Option<i64>,
}

fn filter(q: &HashMap<String, String>) -> ApiResult<Filter> {
    Filter::from_query(q).map_err(|(field, message)| ApiError::invalid("fleet", &field, message))
}

fn number(
    q: &HashMap<String, String>,
    key: &str,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> ApiResult<i64> {
    match q.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v.parse().ok().filter(|n| range.contains(n)).ok_or_else(|| {
            ApiError::invalid("fleet", key, format!("{v:?}: a number from {} to {}", range.start(), range.end()))
        }),
    }
}

/// The fleet's hosts, worst first (critical findings count most, then high,
/// medium, low, then drift), filtered by rule, severity and host name.
#[utoipa::path(get, path = "/fleet/hosts", tag = "fleet", params(FilterQuery),
    responses((status = 200, description = "OK", body = [HostRow]), (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 404, description = "This server has no fleet store", body = ErrorBody), (status = 422, description = "A bad filter; the error names it", body = ErrorBody)))]
pub(super) async fn fleet_hosts(
    State(st): State<Shared>,
    _c: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<HostRow>>> {
    let f = filter(&q)?;
    let limit = number(&q, "limit", 100, 1..=1000)?;
    let offset = number(&q, "offset", 0, 0..=i64::from(i32::MAX))?;
    let c = st.fleet().await?;
    Ok(Json(dash::hosts(&c, &f, limit, offset).await?))
}

/// Each rule raised somewhere in the fleet now (at most 10 s old): its severity, on how many
/// hosts, how many findings.
#[utoipa::path(get, path = "/fleet/rules", tag = "fleet", params(FilterQuery),
    responses((status = 200, description = "OK", body = [RuleRow]), (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 404, description = "This server has no fleet store", body = ErrorBody), (status = 422, description = "A bad filter; the error names it", body = ErrorBody)))]
pub(super) async fn fleet_rules(
    State(st): State<Shared>,
    _c: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<RuleRow>>> {
    let f = filter(&q)?;
    Ok(Json(st.fleet_cache.rules(st.fleet_pool()?, &f).await?))
}

/// One host: its current findings and drift, and its last 50 reports.
#[utoipa::path(get, path = "/fleet/hosts/{name}", tag = "fleet", params(("name" = String, Path, description = "The host's fleet name")),
    responses((status = 200, description = "OK", body = HostDetail), (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 404, description = "No such host, or no fleet store", body = ErrorBody)))]
pub(super) async fn fleet_host(
    State(st): State<Shared>,
    _c: Caller,
    ApiPath(FleetHost(name)): ApiPath<FleetHost>,
) -> ApiResult<Json<HostDetail>> {
    let c = st.fleet().await?;
    dash::host(&c, &name, 50)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no host {name:?} in the fleet")))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct TrendQuery {
    /// The period, in hours back from now (1-8760, default 168).
    hours: Option<i64>,
    /// Points in it (2-200, default 28).
    buckets: Option<i64>,
}

/// Findings across the fleet over time (at most 10 s old): for each point, the sum over hosts
/// of each host's newest report in that bucket.
#[utoipa::path(get, path = "/fleet/trend", tag = "fleet", params(TrendQuery),
    responses((status = 200, description = "OK", body = [TrendPoint]), (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 404, description = "This server has no fleet store", body = ErrorBody), (status = 422, description = "A bad period; the error names it", body = ErrorBody)))]
pub(super) async fn fleet_trend(
    State(st): State<Shared>,
    _c: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<TrendPoint>>> {
    let hours = number(&q, "hours", 168, 1..=8760)?;
    let buckets = number(&q, "buckets", 28, 2..=200)?;
    Ok(Json(st.fleet_cache.trend(st.fleet_pool()?, hours as i32, buckets as i32).await?))
}

/// Fleet totals (at most 10 s old): hosts, hosts reporting in the last day, findings by
/// severity, drift, reports.
#[utoipa::path(get, path = "/fleet/summary", tag = "fleet",
    responses((status = 200, description = "OK", body = Totals), (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 404, description = "This server has no fleet store", body = ErrorBody)))]
pub(super) async fn fleet_summary(State(st): State<Shared>, _c: Caller) -> ApiResult<Json<Totals>> {
    Ok(Json(st.fleet_cache.totals(st.fleet_pool()?).await?))
}

//! `/apply`, `/audit`, `/fix`, `/waivers`, `/scan`, `/rules` and
//! `/audit-log`: putting the configuration in place and judging it.

use super::common::{ErrorBody, Updated, flag, object};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::metrics;
use crate::state::Shared;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nasguard_model::Waiver;
use nasguard_model::fields::apply_json;
use nasguard_ops::scan::ScanRequest;
use nasguard_ops::{ApplyReport, AuditLog};
use nasguard_policy::Finding;
use nasguard_report::Report;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ApplyQuery {
    /// Show the diff and check nothing would fail, but change nothing.
    dry_run: Option<bool>,
}

/// Render, check with the daemons' own tools, swap atomically and reload
/// what runs; on failure the previous config stays (409, with the reason).
#[utoipa::path(post, path = "/apply", tag = "apply", params(ApplyQuery),
    responses((status = 200, description = "OK", body = ApplyReport), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 409, description = "A daemon refused or failed; the message is its reason, and the previous state is kept", body = ErrorBody),
        (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
pub(super) async fn apply(
    State(st): State<Shared>,
    c: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<ApplyReport>> {
    let dry_run = flag(&q, "dry_run")?;
    let result = st.run_alone(&c.actor(), move |ng| ng.apply(dry_run)).await;
    if !dry_run {
        metrics::apply_outcome(if result.is_ok() { "ok" } else { "failed" });
    }
    Ok(Json(result?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct AuditQuery {
    /// Also probe this machine's services over the network and report drift.
    live: Option<bool>,
}

/// The findings (JSON contract of `nasguard audit --json`). With
/// `live=true` also `drift` and `probes`.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, description = "OK", body = Report), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
pub(super) async fn audit(
    State(st): State<Shared>,
    c: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    if flag(&q, "live")? {
        let live = st.run_alone(&c.actor(), |ng| ng.audit_live(Duration::from_secs(3))).await?;
        return Ok(Json(live.to_json()));
    }
    let report = st.run(&c.actor(), |ng| ng.audit()).await?;
    Ok(Json(nasguard_report::to_json(&report)))
}

#[derive(Deserialize, Serialize, Default, Clone, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct FixRequest {
    /// Rule IDs; empty: every fixable finding at `low` or above.
    pub rules: Vec<String>,
    pub dry_run: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Fixed {
    pub fixed: Vec<Finding>,
    pub revision: i64,
}

/// One-click fix: change the model so the findings of `rules` go away.
#[utoipa::path(post, path = "/fix", tag = "audit", request_body = FixRequest,
    responses((status = 200, description = "OK", body = Fixed), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
pub(super) async fn fix(State(st): State<Shared>, c: Caller, body: Bytes) -> ApiResult<Json<Fixed>> {
    let fields = object(&body, "fix")?;
    let mut req = FixRequest::default();
    apply_json(&mut req, "fix", &fields).map_err(nasguard_ops::OpsError::from)?;
    let done = st.run(&c.actor(), move |ng| ng.fix(&req.rules, req.dry_run)).await?;
    Ok(Json(Fixed { fixed: done.value, revision: done.revision }))
}

#[utoipa::path(get, path = "/waivers", tag = "audit",
    responses((status = 200, description = "OK", body = Vec<Waiver>), (status = 401, description = "No or bad credentials", body = ErrorBody)))]
pub(super) async fn waivers_list(State(st): State<Shared>, c: Caller) -> ApiResult<Json<Vec<Waiver>>> {
    Ok(Json(st.run(&c.actor(), |ng| Ok(ng.snapshot()?.config.site.waivers)).await?))
}

/// Accept a finding on purpose, with a reason (and optionally an expiry date).
#[utoipa::path(post, path = "/waivers", tag = "audit", request_body = Waiver,
    responses((status = 201, description = "Created", body = Updated), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
pub(super) async fn waivers_add(State(st): State<Shared>, c: Caller, body: Bytes) -> ApiResult<Response> {
    let fields = object(&body, "waiver")?;
    let mut w = Waiver { rule: String::new(), object: String::new(), reason: String::new(), expires: None };
    apply_json(&mut w, "waiver", &fields).map_err(nasguard_ops::OpsError::from)?;
    let done: Updated = st.run(&c.actor(), move |ng| ng.waive(w)).await?.into();
    Ok((StatusCode::CREATED, Json(done)).into_response())
}

/// Probe services over the network without credentials and judge what
/// they answer. `summary.failed` counts targets that could not be probed.
#[utoipa::path(post, path = "/scan", tag = "audit", request_body = ScanRequest,
    responses((status = 200, description = "OK", body = Report), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
pub(super) async fn scan(State(st): State<Shared>, c: Caller, body: Bytes) -> ApiResult<Json<Value>> {
    let fields = object(&body, "scan")?;
    let mut req = ScanRequest::default();
    apply_json(&mut req, "scan", &fields).map_err(nasguard_ops::OpsError::from)?;
    let outcome = st.run_alone(&c.actor(), move |ng| ng.scan_request(&req)).await?;
    Ok(Json(outcome.to_json()))
}

/// The rule catalog: stable IDs, severity, rationale, remediation, and
/// whether `fix` can remedy it.
#[utoipa::path(get, path = "/rules", tag = "audit",
    responses((status = 200, description = "OK", body = Vec<nasguard_policy::RuleInfo>),
        (status = 401, description = "No or bad credentials", body = ErrorBody)))]
pub(super) async fn rules(_c: Caller) -> Json<Vec<nasguard_policy::RuleInfo>> {
    Json(nasguard_policy::catalog().iter().map(|r| r.info).collect())
}

/// Who changed what, and when.
#[utoipa::path(get, path = "/audit-log", tag = "audit",
    responses((status = 200, description = "OK", body = AuditLog), (status = 401, description = "No or bad credentials", body = ErrorBody)))]
pub(super) async fn audit_log(State(st): State<Shared>, c: Caller) -> ApiResult<Json<AuditLog>> {
    Ok(Json(st.run(&c.actor(), |ng| ng.audit_log(500)).await?))
}

//! `/api/v1`: the CLI's operations as JSON. Handlers parse input, call
//! `nasguard-ops`, and shape the answer; nothing else.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::metrics;
use crate::state::Shared;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nasguard_model::fields::apply_json;
use nasguard_model::iscsi::{Auth, Extent, InitiatorGroup, Portal, Target, TargetExtent};
use nasguard_model::nfs::{NfsService, NfsShare};
use nasguard_model::smb::{SmbService, SmbShare};
use nasguard_model::ssh::SshService;
use nasguard_model::{Service, Waiver};
use nasguard_ops::scan::ScanRequest;
use nasguard_ops::{ApplyReport, AuditLog, Changed, StatusReport, WizardInput, WizardResult};
use nasguard_policy::Finding;
use nasguard_report::Report;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::time::Duration;
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// What a change returns: the revision it made and notes (auxiliary lines
/// moved onto fields).
#[derive(Serialize, ToSchema)]
pub struct Updated {
    pub revision: i64,
    pub notes: Vec<String>,
}

/// What a create returns: the new object's id too.
#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: u32,
    pub revision: i64,
    pub notes: Vec<String>,
}

impl<T> From<Changed<T>> for Updated {
    fn from(c: Changed<T>) -> Self {
        Updated { revision: c.revision, notes: c.notes }
    }
}

fn created(c: Changed<u32>) -> Response {
    (StatusCode::CREATED, Json(Created { id: c.value, revision: c.revision, notes: c.notes })).into_response()
}

/// The error body of every non-2xx answer.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// The field at fault (the model's name), or null.
    pub field: Option<String>,
    pub message: String,
}

/// A request body must be one JSON object.
pub fn object(body: &Bytes, what: &str) -> ApiResult<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::invalid(what, "body", "must be a JSON object")),
        Err(e) => Err(ApiError::invalid(what, "body", format!("is not JSON: {e}"))),
    }
}

pub fn service(name: &str) -> ApiResult<Service> {
    // As the OpenAPI document spells them: lower case only.
    Service::parse(name)
        .filter(|s| s.name() == name)
        .ok_or_else(|| ApiError::NotFound(format!("no service {name:?}; the services are smb, nfs, iscsi, ssh")))
}

fn flag(q: &HashMap<String, String>, name: &str) -> ApiResult<bool> {
    match q.get(name).map(String::as_str) {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") | Some("") => Ok(true),
        Some(other) => Err(ApiError::invalid("query", name, format!("{other:?} is not true or false"))),
    }
}

/// The iSCSI object kinds, as the URL spells them.
#[derive(Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum IscsiKind {
    Portals,
    Auths,
    Initiators,
    Targets,
    Extents,
    Targetextents,
}

fn iscsi_kind(name: &str) -> ApiResult<&'static str> {
    let kinds = [
        ("portals", "portal"),
        ("auths", "auth"),
        ("initiators", "initiator"),
        ("targets", "target"),
        ("extents", "extent"),
        ("targetextents", "targetextent"),
    ];
    kinds.iter().find(|(url, _)| *url == name).map(|(_, k)| *k).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no iscsi object kind {name:?}; the kinds are portals, auths, initiators, targets, extents, targetextents"
        ))
    })
}

fn id(raw: &str, what: &str) -> ApiResult<u32> {
    raw.parse::<u32>().map_err(|_| ApiError::NotFound(format!("no {what} {raw:?}")))
}

/// `PUT`-style update of one share found by id.
fn share_key(raw: &str, what: &str) -> ApiResult<String> {
    id(raw, what).map(|i| i.to_string())
}

// ---- services -------------------------------------------------------------

/// Each service's state, address, ports and "Start automatically".
#[utoipa::path(get, path = "/services", tag = "services",
    responses((status = 200, description = "OK", body = StatusReport), (status = 401, description = "No or bad credentials", body = ErrorBody)))]
async fn services_list(State(st): State<Shared>, c: Caller) -> ApiResult<Json<StatusReport>> {
    Ok(Json(st.run(&c.actor(), |ng| ng.status()).await?))
}

/// Start, stop, restart or reload a service, or enable/disable starting it
/// automatically.
#[utoipa::path(post, path = "/services/{service}/{action}", tag = "services",
    params(("service" = Service, Path), ("action" = String, Path, description = "start, stop, restart, reload, enable or disable")),
    responses((status = 200, description = "OK", body = Object), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody),
        (status = 409, description = "the daemon failed; its reason is the message", body = ErrorBody)))]
async fn service_action(
    State(st): State<Shared>,
    c: Caller,
    Path((svc, action)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let svc = service(&svc)?;
    let action = action.clone();
    match action.as_str() {
        "start" | "stop" | "restart" | "reload" => {
            let status = st.run_alone(&c.actor(), move |ng| ng.service(&action, svc)).await?;
            Ok(Json(serde_json::to_value(status).unwrap_or_default()))
        }
        "enable" | "disable" => {
            let on = action == "enable";
            st.run(&c.actor(), move |ng| ng.set_autostart(svc, on)).await?;
            Ok(Json(serde_json::json!({"service": svc, "autostart": on})))
        }
        other => Err(ApiError::NotFound(format!(
            "no action {other:?}; the actions are start, stop, restart, reload, enable, disable"
        ))),
    }
}

// ---- config ---------------------------------------------------------------

/// One service's settings: which one depends on the `service` in the path.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum ServiceConfig {
    Smb(SmbService),
    Nfs(NfsService),
    Ssh(SshService),
    Iscsi(nasguard_model::iscsi::IscsiGlobal),
}

/// A service's settings (TrueNAS's field names).
#[utoipa::path(get, path = "/config/{service}", tag = "config", params(("service" = Service, Path)),
    responses((status = 200, description = "OK", body = ServiceConfig), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody)))]
async fn config_get(State(st): State<Shared>, c: Caller, Path(svc): Path<String>) -> ApiResult<Json<Value>> {
    let svc = service(&svc)?;
    let cfg = st.run(&c.actor(), |ng| Ok(ng.snapshot()?.config)).await?;
    Ok(Json(Value::Object(cfg.service_settings(svc))))
}

/// Change some of a service's settings: send only the fields to change.
#[utoipa::path(put, path = "/config/{service}", tag = "config", params(("service" = Service, Path)),
    request_body(content = Object, description = "fields of SmbService, NfsService, SshService or IscsiGlobal"),
    responses((status = 200, description = "OK", body = Updated), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody),
        (status = 422, description = "a field is invalid; nothing was changed", body = ErrorBody)))]
async fn config_put(
    State(st): State<Shared>,
    c: Caller,
    Path(svc): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Updated>> {
    let svc = service(&svc)?;
    let patch = object(&body, &svc.to_string())?;
    Ok(Json(st.run(&c.actor(), move |ng| ng.set_service(svc, &patch)).await?.into()))
}

// ---- SMB shares -----------------------------------------------------------

#[utoipa::path(get, path = "/shares/smb", tag = "shares",
    responses((status = 200, description = "OK", body = Vec<SmbShare>), (status = 401, description = "No or bad credentials", body = ErrorBody)))]
async fn smb_list(State(st): State<Shared>, c: Caller) -> ApiResult<Json<Vec<SmbShare>>> {
    Ok(Json(st.run(&c.actor(), |ng| Ok(ng.snapshot()?.config.smb_shares)).await?))
}

/// Add an SMB share; `purpose` picks a preset (default `DEFAULT_SHARE`).
#[utoipa::path(post, path = "/shares/smb", tag = "shares", request_body = SmbShare,
    responses((status = 201, description = "Created", body = Created), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
async fn smb_add(State(st): State<Shared>, c: Caller, body: Bytes) -> ApiResult<Response> {
    let fields = object(&body, "smb share")?;
    Ok(created(st.run(&c.actor(), move |ng| ng.smb_share_create(&fields)).await?))
}

#[utoipa::path(get, path = "/shares/smb/{id}", tag = "shares", params(("id" = u32, Path)),
    responses((status = 200, description = "OK", body = SmbShare), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody)))]
async fn smb_get(State(st): State<Shared>, c: Caller, Path(raw): Path<String>) -> ApiResult<Json<SmbShare>> {
    let key = share_key(&raw, "smb share")?;
    let mut cfg = st.run(&c.actor(), |ng| Ok(ng.snapshot()?.config)).await?;
    Ok(Json(nasguard_ops::find_smb(&mut cfg, &key)?.clone()))
}

#[utoipa::path(put, path = "/shares/smb/{id}", tag = "shares", params(("id" = u32, Path)), request_body = SmbShare,
    responses((status = 200, description = "OK", body = Updated), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody),
        (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
async fn smb_put(
    State(st): State<Shared>,
    c: Caller,
    Path(raw): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Updated>> {
    let key = share_key(&raw, "smb share")?;
    let patch = object(&body, "smb share")?;
    Ok(Json(st.run(&c.actor(), move |ng| ng.smb_share_set(&key, &patch)).await?.into()))
}

#[utoipa::path(delete, path = "/shares/smb/{id}", tag = "shares", params(("id" = u32, Path)),
    responses((status = 200, description = "OK", body = Updated), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody)))]
async fn smb_delete(State(st): State<Shared>, c: Caller, Path(raw): Path<String>) -> ApiResult<Json<Updated>> {
    let key = share_key(&raw, "smb share")?;
    Ok(Json(st.run(&c.actor(), move |ng| ng.smb_share_rm(&key)).await?.into()))
}

// ---- NFS shares -----------------------------------------------------------

#[utoipa::path(get, path = "/shares/nfs", tag = "shares",
    responses((status = 200, description = "OK", body = Vec<NfsShare>), (status = 401, description = "No or bad credentials", body = ErrorBody)))]
async fn nfs_list(State(st): State<Shared>, c: Caller) -> ApiResult<Json<Vec<NfsShare>>> {
    Ok(Json(st.run(&c.actor(), |ng| Ok(ng.snapshot()?.config.nfs_shares)).await?))
}

/// Add an NFS export. Give `networks` and/or `hosts`; an export open to
/// everyone needs `"allow_everyone": true`.
#[utoipa::path(post, path = "/shares/nfs", tag = "shares", request_body = NfsShare,
    responses((status = 201, description = "Created", body = Created), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
async fn nfs_add(State(st): State<Shared>, c: Caller, body: Bytes) -> ApiResult<Response> {
    let fields = object(&body, "nfs share")?;
    Ok(created(st.run(&c.actor(), move |ng| ng.nfs_share_create(&fields)).await?))
}

#[utoipa::path(get, path = "/shares/nfs/{id}", tag = "shares", params(("id" = u32, Path)),
    responses((status = 200, description = "OK", body = NfsShare), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody)))]
async fn nfs_get(State(st): State<Shared>, c: Caller, Path(raw): Path<String>) -> ApiResult<Json<NfsShare>> {
    let key = share_key(&raw, "nfs share")?;
    let mut cfg = st.run(&c.actor(), |ng| Ok(ng.snapshot()?.config)).await?;
    Ok(Json(nasguard_ops::find_nfs(&mut cfg, &key)?.clone()))
}

#[utoipa::path(put, path = "/shares/nfs/{id}", tag = "shares", params(("id" = u32, Path)), request_body = NfsShare,
    responses((status = 200, description = "OK", body = Updated), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody),
        (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
async fn nfs_put(
    State(st): State<Shared>,
    c: Caller,
    Path(raw): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Updated>> {
    let key = share_key(&raw, "nfs share")?;
    let patch = object(&body, "nfs share")?;
    Ok(Json(st.run(&c.actor(), move |ng| ng.nfs_share_set(&key, &patch)).await?.into()))
}

#[utoipa::path(delete, path = "/shares/nfs/{id}", tag = "shares", params(("id" = u32, Path)),
    responses((status = 200, description = "OK", body = Updated), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody)))]
async fn nfs_delete(State(st): State<Shared>, c: Caller, Path(raw): Path<String>) -> ApiResult<Json<Updated>> {
    let key = share_key(&raw, "nfs share")?;
    Ok(Json(st.run(&c.actor(), move |ng| ng.nfs_share_rm(&key)).await?.into()))
}

// ---- iSCSI ----------------------------------------------------------------

/// The objects of one kind. Secrets are shown masked.
#[utoipa::path(get, path = "/iscsi/{kind}", tag = "iscsi", params(("kind" = IscsiKind, Path)),
    responses((status = 200, description = "OK", body = Vec<Object>), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody)))]
async fn iscsi_list(State(st): State<Shared>, c: Caller, Path(kind): Path<String>) -> ApiResult<Json<Vec<Value>>> {
    let kind = iscsi_kind(&kind)?;
    Ok(Json(st.run(&c.actor(), move |ng| ng.iscsi_list(kind)).await?))
}

/// Add one object (fields of Portal, Auth, InitiatorGroup, Target, Extent
/// or TargetExtent, by kind).
#[utoipa::path(post, path = "/iscsi/{kind}", tag = "iscsi", params(("kind" = IscsiKind, Path)),
    request_body(content = Object, description = "fields of Portal, Auth, InitiatorGroup, Target, Extent or TargetExtent"),
    responses((status = 201, description = "Created", body = Created), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody),
        (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
async fn iscsi_add(State(st): State<Shared>, c: Caller, Path(kind): Path<String>, body: Bytes) -> ApiResult<Response> {
    let kind = iscsi_kind(&kind)?;
    let fields = object(&body, &format!("iscsi {kind}"))?;
    Ok(created(st.run(&c.actor(), move |ng| ng.iscsi_add(kind, &fields)).await?))
}

#[utoipa::path(get, path = "/iscsi/{kind}/{id}", tag = "iscsi", params(("kind" = IscsiKind, Path), ("id" = u32, Path)),
    responses((status = 200, description = "OK", body = Object), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody)))]
async fn iscsi_get(
    State(st): State<Shared>,
    c: Caller,
    Path((kind, raw)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let kind = iscsi_kind(&kind)?;
    let wanted = id(&raw, &format!("iscsi {kind}"))?;
    let items = st.run(&c.actor(), move |ng| ng.iscsi_list(kind)).await?;
    items
        .into_iter()
        .find(|v| v.get("id").and_then(Value::as_u64) == Some(u64::from(wanted)))
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no iscsi {kind} {wanted}")))
}

#[utoipa::path(put, path = "/iscsi/{kind}/{id}", tag = "iscsi", params(("kind" = IscsiKind, Path), ("id" = u32, Path)),
    request_body = Object,
    responses((status = 200, description = "OK", body = Updated), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody),
        (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
async fn iscsi_put(
    State(st): State<Shared>,
    c: Caller,
    Path((kind, raw)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Updated>> {
    let kind = iscsi_kind(&kind)?;
    let wanted = id(&raw, &format!("iscsi {kind}"))?;
    let patch = object(&body, &format!("iscsi {kind}"))?;
    Ok(Json(st.run(&c.actor(), move |ng| ng.iscsi_set(kind, wanted, &patch)).await?.into()))
}

#[utoipa::path(delete, path = "/iscsi/{kind}/{id}", tag = "iscsi", params(("kind" = IscsiKind, Path), ("id" = u32, Path)),
    responses((status = 200, description = "OK", body = Updated), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody)))]
async fn iscsi_delete(
    State(st): State<Shared>,
    c: Caller,
    Path((kind, raw)): Path<(String, String)>,
) -> ApiResult<Json<Updated>> {
    let kind = iscsi_kind(&kind)?;
    let wanted = id(&raw, &format!("iscsi {kind}"))?;
    Ok(Json(st.run(&c.actor(), move |ng| ng.iscsi_rm(kind, wanted)).await?.into()))
}

/// TrueNAS's wizard: target, extent (a sparse file of `size` bytes),
/// portal with discovery auth, initiators and networks, in one transaction.
#[utoipa::path(post, path = "/iscsi/wizard", tag = "iscsi", request_body = WizardInput,
    responses((status = 201, description = "Created", body = WizardResult), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
async fn iscsi_wizard(State(st): State<Shared>, c: Caller, body: Bytes) -> ApiResult<Response> {
    let fields = object(&body, "iscsi wizard")?;
    let mut input = WizardInput::default();
    apply_json(&mut input, "iscsi wizard", &fields).map_err(nasguard_ops::OpsError::from)?;
    let done = st.run(&c.actor(), move |ng| ng.iscsi_wizard(&input)).await?;
    Ok((StatusCode::CREATED, Json(done.value)).into_response())
}

// ---- apply, audit, fix, waivers, scan --------------------------------------

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
async fn apply(
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
async fn audit(
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

/// The largest backup the API accepts (a real `freenas-v1.db` is a few MiB).
pub const TRUENAS_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Audits a TrueNAS configuration backup sent as the body: the
/// `freenas-v1.db` or the tar with the secret seed, as bytes
/// (`application/octet-stream`). Read in memory, read-only; nothing is
/// stored. The findings (JSON contract) with `release` and `notes`; each
/// finding's `location` names the table, column and row.
#[utoipa::path(post, path = "/audit/truenas", tag = "audit",
    request_body(content = Vec<u8>, description = "The backup file (freenas-v1.db or tar)", content_type = "application/octet-stream"),
    responses((status = 200, description = "OK", body = nasguard_ops::TruenasAudit), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 413, description = "Larger than 64 MiB", body = ErrorBody), (status = 422, description = "Not a backup nasguard can read (the error says why); nothing changed", body = ErrorBody)))]
async fn audit_truenas(
    State(st): State<Shared>,
    c: Caller,
    body: Bytes,
) -> ApiResult<Json<nasguard_ops::TruenasAudit>> {
    let audit = st.run_alone(&c.actor(), move |_| nasguard_ops::audit_truenas_bytes(&body, "freenas-v1.db")).await?;
    Ok(Json(audit))
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
async fn fix(State(st): State<Shared>, c: Caller, body: Bytes) -> ApiResult<Json<Fixed>> {
    let fields = object(&body, "fix")?;
    let mut req = FixRequest::default();
    apply_json(&mut req, "fix", &fields).map_err(nasguard_ops::OpsError::from)?;
    let done = st.run(&c.actor(), move |ng| ng.fix(&req.rules, req.dry_run)).await?;
    Ok(Json(Fixed { fixed: done.value, revision: done.revision }))
}

#[utoipa::path(get, path = "/waivers", tag = "audit",
    responses((status = 200, description = "OK", body = Vec<Waiver>), (status = 401, description = "No or bad credentials", body = ErrorBody)))]
async fn waivers_list(State(st): State<Shared>, c: Caller) -> ApiResult<Json<Vec<Waiver>>> {
    Ok(Json(st.run(&c.actor(), |ng| Ok(ng.snapshot()?.config.site.waivers)).await?))
}

/// Accept a finding on purpose, with a reason (and optionally an expiry date).
#[utoipa::path(post, path = "/waivers", tag = "audit", request_body = Waiver,
    responses((status = 201, description = "Created", body = Updated), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
async fn waivers_add(State(st): State<Shared>, c: Caller, body: Bytes) -> ApiResult<Response> {
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
async fn scan(State(st): State<Shared>, c: Caller, body: Bytes) -> ApiResult<Json<Value>> {
    let fields = object(&body, "scan")?;
    let mut req = ScanRequest::default();
    apply_json(&mut req, "scan", &fields).map_err(nasguard_ops::OpsError::from)?;
    let outcome = st.run_alone(&c.actor(), move |ng| ng.scan_request(&req)).await?;
    Ok(Json(outcome.to_json()))
}

/// The accounts nasguard set up (Unix account, SMB password, SSH keys).
#[utoipa::path(get, path = "/users", tag = "users",
    responses((status = 200, description = "OK", body = Vec<nasguard_model::User>),
        (status = 401, description = "No or bad credentials", body = ErrorBody)))]
async fn users_list(State(st): State<Shared>, c: Caller) -> ApiResult<Json<Vec<nasguard_model::User>>> {
    Ok(Json(st.run(&c.actor(), |ng| Ok(ng.snapshot()?.config.site.users)).await?))
}

/// Create or update an account: the Unix account, its password, its SSH
/// keys and (with `smb`) its SMB password. The password is never logged.
#[utoipa::path(post, path = "/users", tag = "users", request_body = nasguard_ops::UserInput,
    responses((status = 200, description = "OK", body = Updated),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 409, description = "A system tool refused; the message is its reason", body = ErrorBody),
        (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
async fn users_set(State(st): State<Shared>, c: Caller, body: Bytes) -> ApiResult<Json<Updated>> {
    let fields = object(&body, "user")?;
    let mut input = nasguard_ops::UserInput::default();
    apply_json(&mut input, "user", &fields).map_err(nasguard_ops::OpsError::from)?;
    Ok(Json(st.run_alone(&c.actor(), move |ng| ng.user_set(&input)).await?.into()))
}

/// Remove what nasguard set up for an account (and the account if nasguard made it).
#[utoipa::path(delete, path = "/users/{name}", tag = "users", params(("name" = String, Path)),
    responses((status = 200, description = "OK", body = Updated),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 404, description = "No such object", body = ErrorBody)))]
async fn users_delete(State(st): State<Shared>, c: Caller, Path(name): Path<String>) -> ApiResult<Json<Updated>> {
    Ok(Json(st.run_alone(&c.actor(), move |ng| ng.user_rm(&name)).await?.into()))
}

/// The rule catalog: stable IDs, severity, rationale, remediation, and
/// whether `fix` can remedy it.
#[utoipa::path(get, path = "/rules", tag = "audit",
    responses((status = 200, description = "OK", body = Vec<nasguard_policy::RuleInfo>),
        (status = 401, description = "No or bad credentials", body = ErrorBody)))]
async fn rules(_c: Caller) -> Json<Vec<nasguard_policy::RuleInfo>> {
    Json(nasguard_policy::catalog().iter().map(|r| r.info).collect())
}

/// Who changed what, and when.
#[utoipa::path(get, path = "/audit-log", tag = "audit",
    responses((status = 200, description = "OK", body = AuditLog), (status = 401, description = "No or bad credentials", body = ErrorBody)))]
async fn audit_log(State(st): State<Shared>, c: Caller) -> ApiResult<Json<AuditLog>> {
    Ok(Json(st.run(&c.actor(), |ng| ng.audit_log(500)).await?))
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "meta",
    responses((status = 200, description = "OK", body = Object), (status = 401, description = "No or bad credentials", body = ErrorBody)))]
async fn openapi_json(_c: Caller) -> Response {
    Json(document()).into_response()
}

/// No authentication: for load balancers and `curl`.
#[utoipa::path(get, path = "/health", tag = "meta", security(()), responses((status = 200, description = "OK", body = Object)))]
async fn health() -> Json<Value> {
    Json(serde_json::json!({"status": "ok"}))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "nasguard", description = "Secure-by-default control plane and auditor for SMB, NFS, iSCSI and SSH."),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    components(schemas(SmbService, NfsService, SshService, nasguard_model::iscsi::IscsiGlobal, Portal, Auth,
        InitiatorGroup, Target, Extent, TargetExtent, ErrorBody, IscsiKind, Service))
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from `nasguard token create`"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::COOKIE))),
        );
    }
}

/// The routes that need a caller, with their OpenAPI paths.
pub fn protected() -> OpenApiRouter<Shared> {
    OpenApiRouter::new()
        .routes(routes!(services_list))
        .routes(routes!(service_action))
        .routes(routes!(config_get, config_put))
        .routes(routes!(smb_list, smb_add))
        .routes(routes!(smb_get, smb_put, smb_delete))
        .routes(routes!(nfs_list, nfs_add))
        .routes(routes!(nfs_get, nfs_put, nfs_delete))
        .routes(routes!(iscsi_wizard))
        .routes(routes!(iscsi_list, iscsi_add))
        .routes(routes!(iscsi_get, iscsi_put, iscsi_delete))
        .routes(routes!(apply))
        .routes(routes!(audit))
        .routes(routes!(fix))
        .routes(routes!(waivers_list, waivers_add))
        .routes(routes!(scan))
        .routes(routes!(audit_log))
        .routes(routes!(rules))
        .routes(routes!(users_list, users_set))
        .routes(routes!(users_delete))
        .routes(routes!(openapi_json))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(audit_truenas))
                .layer(axum::extract::DefaultBodyLimit::max(TRUENAS_BODY_LIMIT)),
        )
}

pub fn public() -> OpenApiRouter<Shared> {
    OpenApiRouter::new().routes(routes!(health))
}

/// The OpenAPI document, generated from the handlers above.
pub fn document() -> utoipa::openapi::OpenApi {
    static DOC: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let (_, doc) = OpenApiRouter::<Shared>::with_openapi(ApiDoc::openapi())
            .nest("/api/v1", protected().merge(public()))
            .split_for_parts();
        doc
    })
    .clone()
}

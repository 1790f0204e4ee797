//! `/services` and `/config`: each service's state and actions, and its
//! settings.

use super::common::{ErrorBody, Updated, object};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::ApiPath;
use crate::state::Shared;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use nasguard_model::Service;
use nasguard_model::ServiceAction;
use nasguard_model::nfs::NfsService;
use nasguard_model::smb::SmbService;
use nasguard_model::ssh::SshService;
use nasguard_ops::StatusReport;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// Each service's state, address, ports and "Start automatically".
#[utoipa::path(get, path = "/services", tag = "services",
    responses((status = 200, description = "OK", body = StatusReport), (status = 401, description = "No or bad credentials", body = ErrorBody)))]
pub(super) async fn services_list(State(st): State<Shared>, c: Caller) -> ApiResult<Json<StatusReport>> {
    Ok(Json(st.run(&c.actor(), |ng| ng.status()).await?))
}

/// Start, stop, restart or reload a service, or enable/disable starting it
/// automatically.
#[utoipa::path(post, path = "/services/{service}/{action}", tag = "services",
    params(("service" = Service, Path), ("action" = String, Path, description = "start, stop, restart, reload, enable or disable")),
    responses((status = 200, description = "OK", body = Object), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody),
        (status = 409, description = "the daemon failed; its reason is the message", body = ErrorBody)))]
pub(super) async fn service_action(
    State(st): State<Shared>,
    c: Caller,
    ApiPath(svc): ApiPath<Service>,
    ApiPath(action): ApiPath<ServiceAction>,
) -> ApiResult<Json<Value>> {
    let status = st.run_alone(&c.actor(), move |ng| ng.service(action, svc)).await?;
    Ok(Json(serde_json::to_value(status).unwrap_or_default()))
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
pub(super) async fn config_get(
    State(st): State<Shared>,
    c: Caller,
    ApiPath(svc): ApiPath<Service>,
) -> ApiResult<Json<Value>> {
    let cfg = st.run(&c.actor(), |ng| Ok(ng.snapshot()?.config)).await?;
    Ok(Json(Value::Object(cfg.service_settings(svc))))
}

/// Change some of a service's settings: send only the fields to change.
#[utoipa::path(put, path = "/config/{service}", tag = "config", params(("service" = Service, Path)),
    request_body(content = Object, description = "fields of SmbService, NfsService, SshService or IscsiGlobal"),
    responses((status = 200, description = "OK", body = Updated), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody),
        (status = 422, description = "a field is invalid; nothing was changed", body = ErrorBody)))]
pub(super) async fn config_put(
    State(st): State<Shared>,
    c: Caller,
    ApiPath(svc): ApiPath<Service>,
    body: Bytes,
) -> ApiResult<Json<Updated>> {
    let patch = object(&body, &svc.to_string())?;
    Ok(Json(st.run(&c.actor(), move |ng| ng.set_service(svc, &patch)).await?.into()))
}

//! `/iscsi`: the objects of each kind by id, and TrueNAS's wizard.

use super::common::{Created, ErrorBody, Updated, created, object};
use crate::auth::Caller;
use crate::error::ApiResult;
#[allow(unused_imports)] // named by the OpenAPI attributes
use crate::extract::IscsiKind;
use crate::extract::{ApiPath, IscsiId, ObjectKind};
use crate::state::Shared;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nasguard_model::fields::apply_json;
use nasguard_model::iscsi_kind::IscsiObjects;
use nasguard_ops::{WizardInput, WizardResult};
use serde_json::Value;

/// The objects of one kind. Secrets are shown masked.
#[utoipa::path(get, path = "/iscsi/{kind}", tag = "iscsi", params(("kind" = IscsiKind, Path)),
    responses((status = 200, description = "OK", body = Vec<Object>), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody)))]
pub(super) async fn iscsi_list(
    State(st): State<Shared>,
    c: Caller,
    ApiPath(kind): ApiPath<ObjectKind>,
) -> ApiResult<Json<IscsiObjects>> {
    Ok(Json(st.run(&c.actor(), move |ng| ng.iscsi_list(kind)).await?))
}

/// Add one object (fields of Portal, Auth, InitiatorGroup, Target, Extent
/// or TargetExtent, by kind).
#[utoipa::path(post, path = "/iscsi/{kind}", tag = "iscsi", params(("kind" = IscsiKind, Path)),
    request_body(content = Object, description = "fields of Portal, Auth, InitiatorGroup, Target, Extent or TargetExtent"),
    responses((status = 201, description = "Created", body = Created), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody),
        (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
pub(super) async fn iscsi_add(
    State(st): State<Shared>,
    c: Caller,
    ApiPath(kind): ApiPath<ObjectKind>,
    body: Bytes,
) -> ApiResult<Response> {
    let fields = object(&body, &format!("iscsi {kind}"))?;
    Ok(created(st.run(&c.actor(), move |ng| ng.iscsi_add(kind, &fields)).await?))
}

#[utoipa::path(get, path = "/iscsi/{kind}/{id}", tag = "iscsi", params(("kind" = IscsiKind, Path), ("id" = u32, Path)),
    responses((status = 200, description = "OK", body = Object), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody)))]
pub(super) async fn iscsi_get(
    State(st): State<Shared>,
    c: Caller,
    ApiPath(IscsiId { kind, id: wanted }): ApiPath<IscsiId>,
) -> ApiResult<Json<Value>> {
    Ok(Json(st.run(&c.actor(), move |ng| ng.iscsi_show(kind, wanted)).await?))
}

#[utoipa::path(put, path = "/iscsi/{kind}/{id}", tag = "iscsi", params(("kind" = IscsiKind, Path), ("id" = u32, Path)),
    request_body = Object,
    responses((status = 200, description = "OK", body = Updated), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody),
        (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
pub(super) async fn iscsi_put(
    State(st): State<Shared>,
    c: Caller,
    ApiPath(IscsiId { kind, id: wanted }): ApiPath<IscsiId>,
    body: Bytes,
) -> ApiResult<Json<Updated>> {
    let patch = object(&body, &format!("iscsi {kind}"))?;
    Ok(Json(st.run(&c.actor(), move |ng| ng.iscsi_set(kind, wanted, &patch)).await?.into()))
}

#[utoipa::path(delete, path = "/iscsi/{kind}/{id}", tag = "iscsi", params(("kind" = IscsiKind, Path), ("id" = u32, Path)),
    responses((status = 200, description = "OK", body = Updated), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody)))]
pub(super) async fn iscsi_delete(
    State(st): State<Shared>,
    c: Caller,
    ApiPath(IscsiId { kind, id: wanted }): ApiPath<IscsiId>,
) -> ApiResult<Json<Updated>> {
    Ok(Json(st.run(&c.actor(), move |ng| ng.iscsi_rm(kind, wanted)).await?.into()))
}

/// TrueNAS's wizard: target, extent (a sparse file of `size` bytes),
/// portal with discovery auth, initiators and networks, in one transaction.
#[utoipa::path(post, path = "/iscsi/wizard", tag = "iscsi", request_body = WizardInput,
    responses((status = 201, description = "Created", body = WizardResult), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
pub(super) async fn iscsi_wizard(State(st): State<Shared>, c: Caller, body: Bytes) -> ApiResult<Response> {
    let fields = object(&body, "iscsi wizard")?;
    let mut input = WizardInput::default();
    apply_json(&mut input, "iscsi wizard", &fields).map_err(nasguard_ops::OpsError::from)?;
    let done = st.run(&c.actor(), move |ng| ng.iscsi_wizard(&input)).await?;
    Ok((StatusCode::CREATED, Json(done.value)).into_response())
}

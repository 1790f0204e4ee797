//! `/shares/smb` and `/shares/nfs`: file shares by id.

use super::common::{Created, ErrorBody, Updated, created, object};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::{ApiPath, NfsShareId, SmbShareId};
use crate::state::Shared;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use nasguard_model::nfs::NfsShare;
use nasguard_model::smb::SmbShare;

#[utoipa::path(get, path = "/shares/smb", tag = "shares",
    responses((status = 200, description = "OK", body = Vec<SmbShare>), (status = 401, description = "No or bad credentials", body = ErrorBody)))]
pub(super) async fn smb_list(State(st): State<Shared>, c: Caller) -> ApiResult<Json<Vec<SmbShare>>> {
    Ok(Json(st.run(&c.actor(), |ng| Ok(ng.snapshot()?.config.smb_shares)).await?))
}

/// Add an SMB share; `purpose` picks a preset (default `DEFAULT_SHARE`).
#[utoipa::path(post, path = "/shares/smb", tag = "shares", request_body = SmbShare,
    responses((status = 201, description = "Created", body = Created), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
pub(super) async fn smb_add(State(st): State<Shared>, c: Caller, body: Bytes) -> ApiResult<Response> {
    let fields = object(&body, "smb share")?;
    Ok(created(st.run(&c.actor(), move |ng| ng.smb_share_create(&fields)).await?))
}

#[utoipa::path(get, path = "/shares/smb/{id}", tag = "shares", params(("id" = u32, Path)),
    responses((status = 200, description = "OK", body = SmbShare), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody)))]
pub(super) async fn smb_get(
    State(st): State<Shared>,
    c: Caller,
    ApiPath(SmbShareId(id)): ApiPath<SmbShareId>,
) -> ApiResult<Json<SmbShare>> {
    let key = id.to_string();
    let mut cfg = st.run(&c.actor(), |ng| Ok(ng.snapshot()?.config)).await?;
    Ok(Json(nasguard_ops::find_smb(&mut cfg, &key)?.clone()))
}

#[utoipa::path(put, path = "/shares/smb/{id}", tag = "shares", params(("id" = u32, Path)), request_body = SmbShare,
    responses((status = 200, description = "OK", body = Updated), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody),
        (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
pub(super) async fn smb_put(
    State(st): State<Shared>,
    c: Caller,
    ApiPath(SmbShareId(id)): ApiPath<SmbShareId>,
    body: Bytes,
) -> ApiResult<Json<Updated>> {
    let key = id.to_string();
    let patch = object(&body, "smb share")?;
    Ok(Json(st.run(&c.actor(), move |ng| ng.smb_share_set(&key, &patch)).await?.into()))
}

#[utoipa::path(delete, path = "/shares/smb/{id}", tag = "shares", params(("id" = u32, Path)),
    responses((status = 200, description = "OK", body = Updated), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody)))]
pub(super) async fn smb_delete(
    State(st): State<Shared>,
    c: Caller,
    ApiPath(SmbShareId(id)): ApiPath<SmbShareId>,
) -> ApiResult<Json<Updated>> {
    let key = id.to_string();
    Ok(Json(st.run(&c.actor(), move |ng| ng.smb_share_rm(&key)).await?.into()))
}

// ---- NFS shares -----------------------------------------------------------

#[utoipa::path(get, path = "/shares/nfs", tag = "shares",
    responses((status = 200, description = "OK", body = Vec<NfsShare>), (status = 401, description = "No or bad credentials", body = ErrorBody)))]
pub(super) async fn nfs_list(State(st): State<Shared>, c: Caller) -> ApiResult<Json<Vec<NfsShare>>> {
    Ok(Json(st.run(&c.actor(), |ng| Ok(ng.snapshot()?.config.nfs_shares)).await?))
}

/// Add an NFS export. Give `networks` and/or `hosts`; an export open to
/// everyone needs `"allow_everyone": true`.
#[utoipa::path(post, path = "/shares/nfs", tag = "shares", request_body = NfsShare,
    responses((status = 201, description = "Created", body = Created), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
pub(super) async fn nfs_add(State(st): State<Shared>, c: Caller, body: Bytes) -> ApiResult<Response> {
    let fields = object(&body, "nfs share")?;
    Ok(created(st.run(&c.actor(), move |ng| ng.nfs_share_create(&fields)).await?))
}

#[utoipa::path(get, path = "/shares/nfs/{id}", tag = "shares", params(("id" = u32, Path)),
    responses((status = 200, description = "OK", body = NfsShare), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody)))]
pub(super) async fn nfs_get(
    State(st): State<Shared>,
    c: Caller,
    ApiPath(NfsShareId(id)): ApiPath<NfsShareId>,
) -> ApiResult<Json<NfsShare>> {
    let key = id.to_string();
    let mut cfg = st.run(&c.actor(), |ng| Ok(ng.snapshot()?.config)).await?;
    Ok(Json(nasguard_ops::find_nfs(&mut cfg, &key)?.clone()))
}

#[utoipa::path(put, path = "/shares/nfs/{id}", tag = "shares", params(("id" = u32, Path)), request_body = NfsShare,
    responses((status = 200, description = "OK", body = Updated), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody),
        (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
pub(super) async fn nfs_put(
    State(st): State<Shared>,
    c: Caller,
    ApiPath(NfsShareId(id)): ApiPath<NfsShareId>,
    body: Bytes,
) -> ApiResult<Json<Updated>> {
    let key = id.to_string();
    let patch = object(&body, "nfs share")?;
    Ok(Json(st.run(&c.actor(), move |ng| ng.nfs_share_set(&key, &patch)).await?.into()))
}

#[utoipa::path(delete, path = "/shares/nfs/{id}", tag = "shares", params(("id" = u32, Path)),
    responses((status = 200, description = "OK", body = Updated), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 404, description = "No such object", body = ErrorBody)))]
pub(super) async fn nfs_delete(
    State(st): State<Shared>,
    c: Caller,
    ApiPath(NfsShareId(id)): ApiPath<NfsShareId>,
) -> ApiResult<Json<Updated>> {
    let key = id.to_string();
    Ok(Json(st.run(&c.actor(), move |ng| ng.nfs_share_rm(&key)).await?.into()))
}

//! `/users`: the accounts nasguard sets up.

use super::common::{ErrorBody, Updated, object};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::state::Shared;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use nasguard_model::fields::apply_json;

/// The accounts nasguard set up (Unix account, SMB password, SSH keys).
#[utoipa::path(get, path = "/users", tag = "users",
    responses((status = 200, description = "OK", body = Vec<nasguard_model::User>),
        (status = 401, description = "No or bad credentials", body = ErrorBody)))]
pub(super) async fn users_list(State(st): State<Shared>, c: Caller) -> ApiResult<Json<Vec<nasguard_model::User>>> {
    Ok(Json(st.run(&c.actor(), |ng| Ok(ng.snapshot()?.config.site.users)).await?))
}

/// Create or update an account: the Unix account, its password, its SSH
/// keys and (with `smb`) its SMB password. The password is never logged.
#[utoipa::path(post, path = "/users", tag = "users", request_body = nasguard_ops::UserInput,
    responses((status = 200, description = "OK", body = Updated),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 409, description = "A system tool refused; the message is its reason", body = ErrorBody),
        (status = 422, description = "Invalid input, nothing changed; the error names the field", body = ErrorBody)))]
pub(super) async fn users_set(State(st): State<Shared>, c: Caller, body: Bytes) -> ApiResult<Json<Updated>> {
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
pub(super) async fn users_delete(
    State(st): State<Shared>,
    c: Caller,
    Path(name): Path<String>,
) -> ApiResult<Json<Updated>> {
    Ok(Json(st.run_alone(&c.actor(), move |ng| ng.user_rm(&name)).await?.into()))
}

//! `/audit/truenas`: a TrueNAS configuration backup, sent as the body,
//! judged by the same rules (`nasguard audit --truenas-config`).

use super::common::ErrorBody;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::state::Shared;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;

/// Audits a TrueNAS configuration backup sent as the body: the
/// `freenas-v1.db` or the tar with the secret seed, as bytes
/// (`application/octet-stream`). Read in memory, read-only; nothing is
/// stored. The findings (JSON contract) with `release` and `notes`; each
/// finding's `location` names the table, column and row.
#[utoipa::path(post, path = "/audit/truenas", tag = "audit",
    request_body(content = Vec<u8>, description = "The backup file (freenas-v1.db or tar)", content_type = "application/octet-stream"),
    responses((status = 200, description = "OK", body = nasguard_ops::TruenasAudit), (status = 401, description = "No or bad credentials", body = ErrorBody), (status = 413, description = "Larger than 64 MiB", body = ErrorBody), (status = 422, description = "Not a backup nasguard can read (the error says why); nothing changed", body = ErrorBody)))]
pub(super) async fn audit_truenas(
    State(st): State<Shared>,
    c: Caller,
    body: Bytes,
) -> ApiResult<Json<nasguard_ops::TruenasAudit>> {
    let audit = st.run_alone(&c.actor(), move |_| nasguard_ops::audit_truenas_bytes(&body, "freenas-v1.db")).await?;
    Ok(Json(audit))
}

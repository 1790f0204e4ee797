//! One error type for every handler, turned into the JSON the API contract
//! names (`{"error": {"field", "message"}}`) with the right status code.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use nasguard_model::ValidationErrors;
use nasguard_ops::OpsError;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Ops(#[from] OpsError),
    #[error("authentication required: send `Authorization: Bearer TOKEN` or log in")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("too many failed logins; try again in {0} seconds")]
    TooManyAttempts(u64),
    #[error("{0}")]
    NotFound(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A validation error naming `object` and `field`.
    pub fn invalid(object: &str, field: &str, message: impl Into<String>) -> ApiError {
        ApiError::Ops(OpsError::Invalid(ValidationErrors::single(object, field, message)))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Ops(OpsError::Invalid(_)) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Ops(OpsError::NotFound(_)) | ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            // A daemon or tool refused, or a step is missing: the request
            // was fine, the state of the machine is what conflicts.
            ApiError::Ops(
                OpsError::Daemon(_)
                | OpsError::RolledBack(_)
                | OpsError::HandEdited(_)
                | OpsError::Tool { .. }
                | OpsError::Precondition(_),
            ) => StatusCode::CONFLICT,
            ApiError::Ops(OpsError::Store(_) | OpsError::Io { .. } | OpsError::Internal(_)) | ApiError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// The `error` object: the first problem's field and message, and all
    /// of them under `errors` when there are several.
    pub fn body(&self) -> serde_json::Value {
        match self {
            ApiError::Ops(OpsError::Invalid(v)) => {
                let all: Vec<_> =
                    v.0.iter().map(|e| json!({"object": e.object, "field": e.field, "message": e.message})).collect();
                let first = v.0.first();
                json!({"error": {
                    "field": first.map(|e| e.field.as_str()),
                    "object": first.map(|e| e.object.as_str()),
                    "message": first.map(|e| e.message.as_str()).unwrap_or("invalid input"),
                    "errors": all,
                }})
            }
            // A fault of ours or of the host: the detail goes to the log
            // (see into_response), not to whoever sent the request.
            other if other.status().is_server_error() => {
                json!({"error": {"field": null, "message": "internal error; the server's log has the details"}})
            }
            other => json!({"error": {"field": null, "message": other.to_string()}}),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            eprintln!("nasguard serve: {self}");
        }
        let mut resp = (status, axum::Json(self.body())).into_response();
        match &self {
            ApiError::Unauthorized => {
                resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::TooManyAttempts(secs) => {
                if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            _ => {}
        }
        resp
    }
}

impl From<nasguard_fleet::FleetError> for ApiError {
    fn from(e: nasguard_fleet::FleetError) -> Self {
        match e {
            nasguard_fleet::FleetError::Ops(o) => ApiError::Ops(o),
            nasguard_fleet::FleetError::Invalid(m) => ApiError::invalid("fleet", "query", m),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

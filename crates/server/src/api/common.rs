//! What every API area shares: the bodies of changes and errors, and how a
//! request's JSON body and query flags are read.

use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nasguard_ops::Changed;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use utoipa::ToSchema;

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

pub(super) fn created(c: Changed<u32>) -> Response {
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

/// A query flag: absent, `false` or `0`; `true`, `1` or empty.
pub(super) fn flag(q: &HashMap<String, String>, name: &str) -> ApiResult<bool> {
    match q.get(name).map(String::as_str) {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") | Some("") => Ok(true),
        Some(other) => Err(ApiError::invalid("query", name, format!("{other:?} is not true or false"))),
    }
}

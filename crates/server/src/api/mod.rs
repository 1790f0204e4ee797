//! `/api/v1`: the CLI's operations as JSON. Handlers parse input, call
//! `nasguard-ops`, and shape the answer; nothing else. One module per area
//! (each handler carries its `#[utoipa::path]`); this one lists the routes
//! and makes the OpenAPI document from them.

mod audit;
mod common;
mod fleet;
mod iscsi;
mod services;
mod shares;
mod truenas;
mod users;

pub use crate::options::TRUENAS_BODY_LIMIT;

pub use crate::extract::IscsiKind;
pub use audit::{FixRequest, Fixed};
pub use common::{Created, ErrorBody, ErrorDetail, Updated, object};
pub use services::ServiceConfig;

use crate::auth::Caller;
use crate::state::Shared;
use axum::Json;
use axum::response::{IntoResponse, Response};
use nasguard_model::Service;
use nasguard_model::iscsi::{Auth, Extent, InitiatorGroup, Portal, Target, TargetExtent};
use nasguard_model::nfs::NfsService;
use nasguard_model::smb::SmbService;
use nasguard_model::ssh::SshService;
use serde_json::Value;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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
        .routes(routes!(services::services_list))
        .routes(routes!(services::service_action))
        .routes(routes!(services::config_get, services::config_put))
        .routes(routes!(shares::smb_list, shares::smb_add))
        .routes(routes!(shares::smb_get, shares::smb_put, shares::smb_delete))
        .routes(routes!(shares::nfs_list, shares::nfs_add))
        .routes(routes!(shares::nfs_get, shares::nfs_put, shares::nfs_delete))
        .routes(routes!(iscsi::iscsi_wizard))
        .routes(routes!(iscsi::iscsi_list, iscsi::iscsi_add))
        .routes(routes!(iscsi::iscsi_get, iscsi::iscsi_put, iscsi::iscsi_delete))
        .routes(routes!(audit::apply))
        .routes(routes!(audit::audit))
        .routes(routes!(audit::fix))
        .routes(routes!(audit::waivers_list, audit::waivers_add))
        .routes(routes!(audit::scan))
        .routes(routes!(audit::audit_log))
        .routes(routes!(audit::rules))
        .routes(routes!(users::users_list, users::users_set))
        .routes(routes!(users::users_delete))
        .routes(routes!(fleet::fleet_hosts))
        .routes(routes!(fleet::fleet_host))
        .routes(routes!(fleet::fleet_rules))
        .routes(routes!(fleet::fleet_trend))
        .routes(routes!(fleet::fleet_summary))
        .routes(routes!(openapi_json))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(truenas::audit_truenas))
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

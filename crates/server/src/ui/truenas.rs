//! The TrueNAS page: an administrator uploads a configuration backup
//! (`freenas-v1.db` or the tar with the secret seed) and sees which of
//! TrueNAS's security recommendations it breaks, each finding with its
//! table, column and row. A plain multipart form: works without JavaScript.
//! Nothing is stored; the same operation as `nasguard audit
//! --truenas-config` and `POST /api/v1/audit/truenas`.

use super::frame::Page;
use crate::auth::Caller;
use crate::options::TRUENAS_BODY_LIMIT;
use crate::state::Shared;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use nasguard_ops::TruenasAudit;

pub fn routes() -> Router<Shared> {
    Router::new().route("/truenas", get(page).post(upload)).layer(DefaultBodyLimit::max(TRUENAS_BODY_LIMIT + (1 << 20)))
}

#[derive(Template, WebTemplate)]
#[template(path = "truenas.html")]
struct TruenasPage {
    page: Page,
    file: String,
    error: Option<String>,
    audit: Option<TruenasAudit>,
}

impl TruenasPage {
    fn new(c: &Caller) -> TruenasPage {
        TruenasPage {
            page: Page::new(c, "Audit a TrueNAS backup", "truenas"),
            file: String::new(),
            error: None,
            audit: None,
        }
    }
}

async fn page(c: Caller) -> Response {
    TruenasPage::new(&c).into_response()
}

/// The `backup` file of the form, and its name.
async fn backup_field(form: &mut Multipart) -> Result<(String, Vec<u8>), String> {
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("backup") => {
                let name = field.file_name().unwrap_or("freenas-v1.db").to_string();
                let bytes = field.bytes().await.map_err(|e| format!("the upload failed: {e}"))?;
                return Ok((name, bytes.to_vec()));
            }
            Ok(Some(_)) => continue,
            Ok(None) => return Err("choose a backup file (freenas-v1.db or the tar)".into()),
            Err(e) => return Err(format!("the upload failed: {e}")),
        }
    }
}

async fn upload(State(st): State<Shared>, c: Caller, mut form: Multipart) -> Response {
    let mut out = TruenasPage::new(&c);
    let (name, bytes) = match backup_field(&mut form).await {
        Ok(v) => v,
        Err(e) => {
            out.error = Some(e);
            return (StatusCode::UNPROCESSABLE_ENTITY, out).into_response();
        }
    };
    // The name is only a label: never a path on this machine.
    let label: String = name.chars().filter(|ch| !ch.is_control() && *ch != '/').take(120).collect();
    out.file = label.clone();
    match st.run_alone(&c.actor(), move |_| nasguard_ops::audit_truenas_bytes(&bytes, &label)).await {
        Ok(a) => {
            out.audit = Some(a);
            out.into_response()
        }
        Err(e) => {
            out.error = Some(e.to_string());
            (e.status(), out).into_response()
        }
    }
}

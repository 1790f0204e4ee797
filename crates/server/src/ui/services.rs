//! Services: each one's state with Start/Stop and "Start automatically",
//! and its settings form.

use super::forms::{self, Field};
use super::frame::{FormPage, Page, annotate, back, back_failed, invalid_list, label, name_rules};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::error_page::{PageResult, error_page};
use crate::extract::PagePath;
use crate::state::Shared;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use nasguard_model::Service;
use nasguard_model::fields::Edit;
use std::collections::HashMap;

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/services", get(services))
        .route("/services/{service}", get(service_form).post(service_save))
        .route("/services/{service}/control", post(service_control))
        .route("/services/{service}/autostart", post(service_autostart))
}

pub struct ServiceRow {
    name: String,
    label: &'static str,
    running: bool,
    pid: Option<u32>,
    address: String,
    autostart: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "services.html")]
struct ServicesPage {
    page: Page,
    rows: Vec<ServiceRow>,
}

async fn services(State(st): State<Shared>, c: Caller, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let status = st.run(&c.actor(), |ng| ng.status()).await?;
    let rows = status
        .services
        .iter()
        .map(|s| ServiceRow {
            name: s.status.service.to_string(),
            label: label(s.status.service),
            running: s.status.running,
            pid: s.status.pid,
            address: format!(
                "{} : {}",
                s.status.address,
                s.status.ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
            ),
            autostart: s.autostart,
        })
        .collect();
    Ok(ServicesPage { page: Page::new(&c, "Services", "services").notice(&q), rows }.into_response())
}

async fn service_control(
    State(st): State<Shared>,
    c: Caller,
    PagePath(svc): PagePath<Service>,
    body: Bytes,
) -> PageResult {
    // Enable and disable have a form of their own ("Start automatically").
    let action: nasguard_model::ServiceAction = forms::value(&forms::parse_form(&body), "action")
        .parse()
        .ok()
        .filter(|a: &nasguard_model::ServiceAction| a.autostart().is_none())
        .ok_or_else(|| ApiError::invalid("service", "action", "must be start, stop, restart or reload"))?;
    Ok(match st.run_alone(&c.actor(), move |ng| ng.service(action, svc)).await {
        Ok(_) => back("/services", &format!("{} {action}: done", label(svc))),
        Err(e) => back_failed("/services", &format!("{} {action} failed: {e}", label(svc))),
    })
}

async fn service_autostart(
    State(st): State<Shared>,
    c: Caller,
    PagePath(svc): PagePath<Service>,
    body: Bytes,
) -> PageResult {
    let on = forms::value(&forms::parse_form(&body), "on") == "true";
    Ok(match st.run(&c.actor(), move |ng| ng.set_autostart(svc, on)).await {
        Ok(()) => back("/services", &format!("{}: start automatically {}", label(svc), if on { "on" } else { "off" })),
        Err(e) => error_page(e),
    })
}

fn service_fields(s: Service) -> &'static [Field] {
    match s {
        Service::Smb => forms::SMB_SERVICE,
        Service::Nfs => forms::NFS_SERVICE,
        Service::Ssh => forms::SSH_SERVICE,
        Service::Iscsi => forms::ISCSI_GLOBAL,
    }
}

async fn service_form(
    State(st): State<Shared>,
    c: Caller,
    PagePath(svc): PagePath<Service>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let (cfg, report) = st.run(&c.actor(), |ng| Ok((ng.snapshot()?.config, ng.audit()?))).await?;
    let mut controls = forms::controls(service_fields(svc), &cfg.service_settings(svc));
    annotate(&mut controls, &report.findings, Some(&svc.into()), &[]);
    name_rules(&mut controls, svc);
    Ok(FormPage {
        page: Page::new(&c, format!("{} service", label(svc)), "services").notice(&q),
        action: format!("/services/{svc}"),
        back: "/services".into(),
        controls,
        advanced: vec![],
        open_advanced: false,
        errors: vec![],
    }
    .into_response())
}

async fn service_save(
    State(st): State<Shared>,
    c: Caller,
    PagePath(svc): PagePath<Service>,
    body: Bytes,
) -> PageResult {
    let form = forms::parse_form(&body);
    let fields = service_fields(svc);
    let assignments = forms::assignments(fields, &form);
    Ok(match st.run(&c.actor(), move |ng| ng.set_service(svc, Edit::Assignments(&assignments))).await {
        Ok(done) => {
            let mut msg = format!("Saved as revision {}. Apply to put it in place.", done.revision);
            for n in done.notes {
                msg.push(' ');
                msg.push_str(&n);
            }
            back(&format!("/services/{svc}"), &msg)
        }
        Err(e) => {
            let errors = invalid_list(&e);
            if errors.is_empty() {
                return Err(e.into());
            }
            let mut controls = forms::controls(fields, &forms::submitted(fields, &form));
            annotate(&mut controls, &[], None, &errors);
            name_rules(&mut controls, svc);
            let page = FormPage {
                page: Page::new(&c, format!("{} service", label(svc)), "services"),
                action: format!("/services/{svc}"),
                back: "/services".into(),
                controls,
                advanced: vec![],
                open_advanced: false,
                errors: errors.iter().map(ToString::to_string).collect(),
            };
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
    })
}

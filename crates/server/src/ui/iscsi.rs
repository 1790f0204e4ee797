//! Block (iSCSI) shares: TrueNAS's wizard (form, review, create) and the
//! objects of each kind with their edit and delete.

use super::forms::{self, Control, Field};
use super::frame::{Page, annotate, back, invalid_list};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::error_page::{PageResult, error_page};
use crate::extract::{IscsiId, ObjectKind, PagePath};
use crate::state::Shared;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use nasguard_model::fields::Edit;
use nasguard_ops::{OpsError, WizardInput};
use serde_json::{Map, Value};
use std::collections::HashMap;

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/sharing/iscsi/wizard", get(wizard_form).post(wizard_post))
        .route("/sharing/iscsi", get(iscsi_objects))
        .route("/sharing/iscsi/{kind}/{id}", get(iscsi_edit).post(iscsi_save))
        .route("/sharing/iscsi/{kind}/{id}/delete", post(iscsi_delete))
}

// ---- the wizard -------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "wizard.html")]
struct WizardPage {
    page: Page,
    steps: Vec<(&'static str, Vec<Control>)>,
    errors: Vec<String>,
    review: Vec<(&'static str, String)>,
    hidden: Vec<(&'static str, String)>,
}

fn wizard_steps(
    values: &Map<String, Value>,
    errors: &[nasguard_model::ValidationError],
) -> Vec<(&'static str, Vec<Control>)> {
    forms::WIZARD
        .iter()
        .map(|(title, fields)| {
            let mut controls = forms::controls(fields, values);
            annotate(&mut controls, &[], None, errors);
            (*title, controls)
        })
        .collect()
}

async fn wizard_form(c: Caller) -> Response {
    let mut values = Map::new();
    values.insert("discovery_auth".into(), Value::String("CHAP".into()));
    WizardPage {
        page: Page::new(&c, "iSCSI Wizard", "sharing"),
        steps: wizard_steps(&values, &[]),
        errors: vec![],
        review: vec![],
        hidden: vec![],
    }
    .into_response()
}

fn all_wizard_fields() -> impl Iterator<Item = &'static Field> {
    forms::WIZARD.iter().flat_map(|(_, f)| f.iter())
}

/// The wizard's input from its form (lists one per line or comma-separated).
fn wizard_input(form: &[(String, String)]) -> Result<WizardInput, OpsError> {
    let v = |n: &str| forms::value(form, n).trim().to_string();
    let opt = |n: &str| Some(v(n)).filter(|s| !s.is_empty());
    let list = |n: &str| -> Vec<String> {
        v(n).split([',', '\n']).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
    };
    let invalid =
        |field: &str, m: String| OpsError::Invalid(nasguard_model::ValidationErrors::single("iscsi wizard", field, m));
    let size = nasguard_ops::parse_size(&v("size")).map_err(|m| invalid("size", m))?;
    let mut networks = vec![];
    for n in list("networks") {
        networks.push(n.parse().map_err(|_| invalid("networks", format!("{n:?} is not a network in CIDR notation")))?);
    }
    let discovery_auth = match v("discovery_auth").as_str() {
        "NONE" => nasguard_model::iscsi::AuthMethod::None,
        "CHAP_MUTUAL" => nasguard_model::iscsi::AuthMethod::ChapMutual,
        _ => nasguard_model::iscsi::AuthMethod::Chap,
    };
    Ok(WizardInput {
        name: v("name"),
        alias: opt("alias"),
        extent_file: v("extent_file"),
        size,
        blocksize: 512,
        portal: list("portal"),
        discovery_auth,
        chap_user: opt("chap_user"),
        chap_secret: opt("chap_secret").map(nasguard_model::Secret::new),
        peer_user: opt("peer_user"),
        peer_secret: opt("peer_secret").map(nasguard_model::Secret::new),
        initiators: list("initiators"),
        networks,
        allow_everyone: forms::value(form, "allow_everyone") == "on" || forms::value(form, "allow_everyone") == "true",
    })
}

async fn wizard_post(State(st): State<Shared>, c: Caller, body: Bytes) -> Response {
    let form = forms::parse_form(&body);
    let step = forms::value(&form, "step").to_string();
    let page = || Page::new(&c, "iSCSI Wizard", "sharing");
    let typed: Map<String, Value> = {
        let fields: Vec<Field> =
            all_wizard_fields().map(|f| Field { name: f.name, label: f.label, kind: f.kind, help: f.help }).collect();
        forms::submitted(&fields, &form)
    };
    let redisplay = |errors: Vec<nasguard_model::ValidationError>, status: StatusCode| {
        let msgs = errors.iter().map(ToString::to_string).collect();
        let p = WizardPage {
            page: page(),
            steps: wizard_steps(&typed, &errors),
            errors: msgs,
            review: vec![],
            hidden: vec![],
        };
        (status, p).into_response()
    };
    if step == "edit" {
        return redisplay(vec![], StatusCode::OK);
    }
    let input = match wizard_input(&form) {
        Ok(i) => i,
        Err(OpsError::Invalid(v)) => return redisplay(v.0, StatusCode::UNPROCESSABLE_ENTITY),
        Err(e) => return error_page(e.into()),
    };
    if step == "create" {
        let done = st.run(&c.actor(), move |ng| ng.iscsi_wizard(&input)).await;
        return match done {
            Ok(d) => back(
                "/sharing",
                &format!("Target {} created (revision {}). Apply to put it in place.", d.value.iqn, d.revision),
            ),
            Err(e) => {
                let errors = invalid_list(&e);
                if errors.is_empty() { error_page(e) } else { redisplay(errors, StatusCode::UNPROCESSABLE_ENTITY) }
            }
        };
    }
    // Review: check the whole change first, so errors show on the form.
    let checked = {
        let input = input.clone();
        st.run(&c.actor(), move |ng| ng.iscsi_wizard_check(&input)).await
    };
    if let Err(e) = checked {
        let errors = invalid_list(&e);
        return if errors.is_empty() { error_page(e) } else { redisplay(errors, StatusCode::UNPROCESSABLE_ENTITY) };
    }
    let mut review = vec![];
    let mut hidden = vec![];
    for fd in all_wizard_fields() {
        let shown = match typed.get(fd.name) {
            Some(Value::Bool(b)) => {
                if *b {
                    "yes".to_string()
                } else {
                    "no".to_string()
                }
            }
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        let raw = forms::value(&form, fd.name).to_string();
        let shown = if matches!(fd.kind, forms::Kind::Secret) && !raw.is_empty() { "(set)".to_string() } else { shown };
        let shown =
            if fd.name == "portal" && shown.is_empty() { "(the deployment's address)".to_string() } else { shown };
        review.push((fd.label, shown));
        if !raw.is_empty() {
            hidden.push((fd.name, raw));
        }
    }
    WizardPage { page: page(), steps: vec![], errors: vec![], review, hidden }.into_response()
}

// ---- the objects ------------------------------------------------------------

pub struct IscsiRow {
    id: u64,
    cells: Vec<String>,
}

pub struct IscsiKindView {
    kind: &'static str,
    title: &'static str,
    columns: Vec<String>,
    rows: Vec<IscsiRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "iscsi.html")]
struct IscsiPage {
    page: Page,
    kinds: Vec<IscsiKindView>,
}

async fn iscsi_objects(State(st): State<Shared>, c: Caller, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let lists = st
        .run(&c.actor(), |ng| {
            ObjectKind::ALL.iter().map(|k| ng.iscsi_list(*k)).collect::<nasguard_ops::Result<Vec<_>>>()
        })
        .await;
    let lists = lists?;
    let kinds = ObjectKind::ALL
        .into_iter()
        .zip(lists)
        .map(|(kind, objects)| {
            let items = objects.to_values();
            let columns: Vec<String> = items
                .first()
                .and_then(Value::as_object)
                .map(|m| m.keys().filter(|k| *k != "id").cloned().collect())
                .unwrap_or_default();
            let rows = items
                .iter()
                .map(|item| IscsiRow {
                    id: item.get("id").and_then(Value::as_u64).unwrap_or(0),
                    cells: columns.iter().map(|col| item.get(col).map(forms::field_text).unwrap_or_default()).collect(),
                })
                .collect();
            IscsiKindView { kind: kind.name(), title: kind.title(), columns, rows }
        })
        .collect();
    Ok(IscsiPage { page: Page::new(&c, "Block (iSCSI) Shares", "sharing").notice(&q), kinds }.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "iscsi_edit.html")]
struct IscsiEditPage {
    page: Page,
    kind: &'static str,
    id: u32,
    fields: Vec<(String, String)>,
    errors: Vec<String>,
}

async fn iscsi_edit(
    State(st): State<Shared>,
    c: Caller,
    PagePath(IscsiId { kind, id }): PagePath<IscsiId>,
) -> PageResult {
    let Value::Object(m) = st.run(&c.actor(), move |ng| ng.iscsi_show(kind, id)).await? else {
        return Err(ApiError::NotFound(format!("no iscsi {kind} {id}")).into());
    };
    let fields = m.iter().filter(|(k, _)| *k != "id").map(|(k, v)| (k.clone(), forms::field_text(v))).collect();
    let page = Page::new(&c, format!("iSCSI {kind} {id}"), "sharing");
    Ok(IscsiEditPage { page, kind: kind.name(), id, fields, errors: vec![] }.into_response())
}

async fn iscsi_save(
    State(st): State<Shared>,
    c: Caller,
    PagePath(IscsiId { kind, id }): PagePath<IscsiId>,
    body: Bytes,
) -> PageResult {
    let form = forms::parse_form(&body);
    let fields: Vec<(String, String)> = form.into_iter().filter(|(k, _)| k != crate::auth::CSRF_FIELD).collect();
    let assignments: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Ok(match st.run(&c.actor(), move |ng| ng.iscsi_set(kind, id, Edit::Assignments(&assignments))).await {
        Ok(d) => back(
            "/sharing/iscsi",
            &format!("iSCSI {kind} {id} saved (revision {}). Apply to put it in place.", d.revision),
        ),
        Err(e) => {
            let errors = invalid_list(&e);
            if errors.is_empty() {
                return Err(e.into());
            }
            let page = Page::new(&c, format!("iSCSI {kind} {id}"), "sharing");
            let errors = errors.iter().map(ToString::to_string).collect();
            (StatusCode::UNPROCESSABLE_ENTITY, IscsiEditPage { page, kind: kind.name(), id, fields, errors })
                .into_response()
        }
    })
}

async fn iscsi_delete(
    State(st): State<Shared>,
    c: Caller,
    PagePath(IscsiId { kind, id }): PagePath<IscsiId>,
) -> PageResult {
    Ok(match st.run(&c.actor(), move |ng| ng.iscsi_rm(kind, id)).await {
        Ok(d) => back("/sharing/iscsi", &format!("iSCSI {kind} {id} deleted (revision {}).", d.revision)),
        Err(e) => error_page(e),
    })
}

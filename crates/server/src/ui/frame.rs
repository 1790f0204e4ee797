//! What the pages behind the login share: the frame around every page
//! (title, navigation, the CSRF token, a notice), the redirect after a
//! change, and the edit form with each field's rules, findings and error.

use super::forms::{self, Control};
use crate::auth::Caller;
use crate::error::ApiError;
use askama::Template;
use askama_web::WebTemplate;
use axum::response::{IntoResponse, Redirect, Response};
use nasguard_model::Service;
use nasguard_ops::OpsError;
use nasguard_policy::Finding;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// What every page shows around its content.
pub struct Page {
    pub title: String,
    pub active: &'static str,
    pub admin: String,
    pub csrf: String,
    pub notice: Option<String>,
    pub error: Option<String>,
}

impl Page {
    pub fn new(c: &Caller, title: impl Into<String>, active: &'static str) -> Page {
        Page {
            title: title.into(),
            active,
            admin: c.admin.clone(),
            csrf: c.csrf().to_string(),
            notice: None,
            error: None,
        }
    }

    /// The message a redirect carried (see [`back`] and [`back_failed`]).
    pub fn notice(mut self, q: &HashMap<String, String>) -> Page {
        self.notice = q.get("notice").cloned();
        self.error = q.get("error").cloned();
        self
    }
}

/// Back to `to` with a message (POST-redirect-GET, so reload does not resubmit).
pub fn back(to: &str, notice: &str) -> Response {
    let q = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
    Redirect::to(&format!("{to}?{q}")).into_response()
}

/// Back to `to` with what failed, shown as an error.
pub fn back_failed(to: &str, error: &str) -> Response {
    let q = serde_urlencoded::to_string([("error", error)]).unwrap_or_default();
    Redirect::to(&format!("{to}?{q}")).into_response()
}

/// A value's fields (the values an edit form shows).
pub fn json_map<T: serde::Serialize>(v: &T) -> Map<String, Value> {
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// A service as the pages name it.
pub fn label(s: Service) -> &'static str {
    match s {
        Service::Smb => "SMB",
        Service::Nfs => "NFS",
        Service::Iscsi => "iSCSI",
        Service::Ssh => "SSH",
    }
}

/// An edit form: its fields, those under "Advanced Options", and what was
/// refused.
#[derive(Template, WebTemplate)]
#[template(path = "form.html")]
pub struct FormPage {
    pub page: Page,
    pub action: String,
    pub back: String,
    pub controls: Vec<Control>,
    pub advanced: Vec<Control>,
    pub open_advanced: bool,
    pub errors: Vec<String>,
}

/// Names, on each control, the rules of `service` that judge its field.
pub fn name_rules(controls: &mut [Control], service: Service) {
    for c in controls.iter_mut() {
        c.rules = nasguard_policy::catalog()
            .iter()
            .filter(|r| r.info.service == Some(service) && r.info.field == Some(c.name))
            .map(|r| r.info.id)
            .collect();
    }
}

/// Marks each control with the findings that judge its field, and with
/// the validation error that names it.
pub fn annotate(
    controls: &mut [Control],
    findings: &[Finding],
    object: Option<&nasguard_model::object::ObjectRef>,
    errors: &[nasguard_model::ValidationError],
) {
    for c in controls.iter_mut() {
        for f in findings.iter().filter(|f| Some(&f.object) == object) {
            let field = nasguard_policy::find_rule(&f.rule).and_then(|r| r.info.field);
            if field == Some(c.name) {
                let text = format!("{} ({}): {}", f.rule, f.severity.name(), f.message);
                c.warnings.push(forms::Warning { rule: f.rule.clone(), text });
            }
        }
        if let Some(e) = errors.iter().find(|e| e.field == c.name) {
            c.error = Some(e.message.clone());
        }
    }
}

/// The validation errors of a refused change (empty for other failures).
pub fn invalid_list(e: &ApiError) -> Vec<nasguard_model::ValidationError> {
    match e {
        ApiError::Ops(OpsError::Invalid(v)) => v.0.clone(),
        _ => vec![],
    }
}

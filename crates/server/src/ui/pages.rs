//! The pages behind the login: dashboard, services, sharing (with the
//! iSCSI wizard), apply and the audit log.

use super::forms::{self, Control, Field};
use super::{PageResult, error_page, parse_form};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::metrics;
use crate::state::Shared;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use nasguard_model::fields::Edit;
use nasguard_model::nfs::NfsShare;
use nasguard_model::smb::SmbShare;
use nasguard_model::{Config, Service, Waiver};
use nasguard_ops::{ApplyReport, Changed, Drift, OpsError, WizardInput};
use nasguard_policy::{Finding, Severity};
use nasguard_report::Report;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::time::Duration;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/", get(dashboard))
        .route("/fix", post(fix))
        .route("/waive", post(waive))
        .route("/verify", post(verify))
        .route("/services", get(services))
        .route("/services/{service}", get(service_form).post(service_save))
        .route("/services/{service}/control", post(service_control))
        .route("/services/{service}/autostart", post(service_autostart))
        .route("/sharing", get(sharing))
        .route("/sharing/iscsi/wizard", get(wizard_form).post(wizard_post))
        .route("/sharing/iscsi", get(iscsi_objects))
        .route("/sharing/iscsi/{kind}/{id}", get(iscsi_edit).post(iscsi_save))
        .route("/sharing/iscsi/{kind}/{id}/delete", post(iscsi_delete))
        .route("/sharing/{kind}/new", get(share_new))
        .route("/sharing/{kind}", post(share_create))
        .route("/sharing/{kind}/{id}", get(share_edit).post(share_save))
        .route("/sharing/{kind}/{id}/delete", post(share_delete))
        .route("/apply", get(apply_page).post(apply_now))
        .route("/scan", get(scan_page).post(scan_now))
        .route("/audit-log", get(audit_log))
        .route("/account", get(account))
        .route("/account/password", post(account_password))
        .route("/account/tokens", post(token_create))
        .route("/account/tokens/{id}/revoke", post(token_revoke))
}

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
    pub(super) fn new(c: &Caller, title: impl Into<String>, active: &'static str) -> Page {
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
    fn notice(mut self, q: &HashMap<String, String>) -> Page {
        self.notice = q.get("notice").cloned();
        self.error = q.get("error").cloned();
        self
    }
}

/// Back to `to` with a message (POST-redirect-GET, so reload does not resubmit).
fn back(to: &str, notice: &str) -> Response {
    let q = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
    Redirect::to(&format!("{to}?{q}")).into_response()
}

/// Back to `to` with what failed, shown as an error.
fn back_failed(to: &str, error: &str) -> Response {
    let q = serde_urlencoded::to_string([("error", error)]).unwrap_or_default();
    Redirect::to(&format!("{to}?{q}")).into_response()
}

fn service_of(name: &str) -> Result<Service, ApiError> {
    crate::api::service(name)
}

fn json_map<T: serde::Serialize>(v: &T) -> Map<String, Value> {
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

// ---- dashboard ------------------------------------------------------------

pub struct FindingRow {
    rule: String,
    severity: &'static str,
    object: String,
    /// Tells apart two findings of one rule in element ids.
    anchor: usize,
    message: String,
    rationale: &'static str,
    remediation: String,
    fixable: bool,
}

pub struct FindingGroup {
    service: String,
    findings: Vec<FindingRow>,
}

pub struct LiveView {
    drift: Vec<Drift>,
    probes: Vec<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct Dashboard {
    page: Page,
    /// The latest revision, when it is not applied yet.
    pending: Option<i64>,
    counts: Vec<(&'static str, usize)>,
    groups: Vec<FindingGroup>,
    waived: Vec<(String, String, String, String)>,
    live: Option<LiveView>,
}

fn finding_row(f: &Finding, anchor: usize) -> FindingRow {
    FindingRow {
        rule: f.rule.clone(),
        severity: f.severity.name(),
        object: f.object.clone(),
        anchor,
        message: f.message.clone(),
        rationale: nasguard_policy::find_rule(&f.rule).map(|r| r.info.rationale).unwrap_or(""),
        remediation: f.remediation.clone(),
        fixable: f.fixable,
    }
}

fn dashboard_page(page: Page, report: &Report, pending: Option<i64>, live: Option<LiveView>) -> Dashboard {
    let counts = Severity::ALL
        .iter()
        .rev()
        .map(|s| (s.name(), report.findings.iter().filter(|f| f.severity == *s).count()))
        .collect();
    let mut groups: Vec<FindingGroup> = vec![];
    let mut sorted: Vec<&Finding> = report.findings.iter().collect();
    sorted.sort_by(|a, b| a.service.cmp(&b.service).then(b.severity.cmp(&a.severity)).then(a.rule.cmp(&b.rule)));
    for (i, f) in sorted.into_iter().enumerate() {
        let service = label(f.service).to_string();
        match groups.last_mut() {
            Some(g) if g.service == service => g.findings.push(finding_row(f, i)),
            _ => groups.push(FindingGroup { service, findings: vec![finding_row(f, i)] }),
        }
    }
    let waived = report
        .waived
        .iter()
        .map(|w| {
            (
                w.finding.rule.clone(),
                w.finding.object.clone(),
                w.waiver.reason.clone(),
                w.waiver.expires.clone().unwrap_or_default(),
            )
        })
        .collect();
    Dashboard { page, pending, counts, groups, waived, live }
}

async fn dashboard(State(st): State<Shared>, c: Caller, Query(q): Query<HashMap<String, String>>) -> Response {
    match st.run(&c.actor(), |ng| Ok((ng.audit()?, ng.pending_revision()?))).await {
        Ok((report, pending)) => {
            let page = Page::new(&c, "Security dashboard", "dashboard").notice(&q);
            dashboard_page(page, &report, pending, None).into_response()
        }
        Err(e) => error_page(e),
    }
}

async fn fix(State(st): State<Shared>, c: Caller, body: Bytes) -> Response {
    let form = parse_form(&body);
    let rule = forms::value(&form, "rule").to_string();
    let rules = vec![rule.clone()];
    match st.run(&c.actor(), move |ng| ng.fix(&rules, false)).await {
        Ok(done) => back("/", &format!("{rule} fixed in revision {}; Apply to put it in place.", done.revision)),
        Err(e) => error_page(e),
    }
}

async fn waive(State(st): State<Shared>, c: Caller, body: Bytes) -> Response {
    let form = parse_form(&body);
    let w = Waiver {
        rule: forms::value(&form, "rule").to_string(),
        object: forms::value(&form, "object").to_string(),
        reason: forms::value(&form, "reason").to_string(),
        expires: Some(forms::value(&form, "expires").to_string()).filter(|s| !s.is_empty()),
    };
    let what = format!("{} on {} waived", w.rule, w.object);
    match st.run(&c.actor(), move |ng| ng.waive(w)).await {
        Ok(_) => back("/", &what),
        Err(e) => error_page(e),
    }
}

async fn verify(State(st): State<Shared>, c: Caller) -> Response {
    let live = st.run_alone(&c.actor(), |ng| ng.audit_live(Duration::from_secs(3))).await;
    let report = st.run(&c.actor(), |ng| Ok((ng.audit()?, ng.pending_revision()?))).await;
    match (live, report) {
        (Ok(l), Ok((report, pending))) => {
            let probes = l
                .probes
                .iter()
                .map(|p| {
                    let outcome = match (&p.error, &p.observed) {
                        (Some(e), _) => e.to_string(),
                        (None, Some(_)) => "answered".to_string(),
                        (None, None) => "no answer".to_string(),
                    };
                    (p.target.url(), outcome)
                })
                .collect();
            let view = LiveView { drift: l.drift, probes };
            dashboard_page(Page::new(&c, "Security dashboard", "dashboard"), &report, pending, Some(view))
                .into_response()
        }
        (Err(e), _) | (_, Err(e)) => error_page(e),
    }
}

// ---- services -------------------------------------------------------------

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

fn label(s: Service) -> &'static str {
    match s {
        Service::Smb => "SMB",
        Service::Nfs => "NFS",
        Service::Iscsi => "iSCSI",
        Service::Ssh => "SSH",
    }
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

async fn service_control(State(st): State<Shared>, c: Caller, Path(svc): Path<String>, body: Bytes) -> PageResult {
    let svc = service_of(&svc)?;
    let action = forms::value(&parse_form(&body), "action").to_string();
    if !matches!(action.as_str(), "start" | "stop" | "restart" | "reload") {
        return Err(ApiError::invalid("service", "action", "must be start, stop, restart or reload").into());
    }
    let a = action.clone();
    Ok(match st.run_alone(&c.actor(), move |ng| ng.service(&a, svc)).await {
        Ok(_) => back("/services", &format!("{} {action}: done", label(svc))),
        Err(e) => back_failed("/services", &format!("{} {action} failed: {e}", label(svc))),
    })
}

async fn service_autostart(State(st): State<Shared>, c: Caller, Path(svc): Path<String>, body: Bytes) -> PageResult {
    let svc = service_of(&svc)?;
    let on = forms::value(&parse_form(&body), "on") == "true";
    Ok(match st.run(&c.actor(), move |ng| ng.set_autostart(svc, on)).await {
        Ok(()) => back("/services", &format!("{}: start automatically {}", label(svc), if on { "on" } else { "off" })),
        Err(e) => error_page(e),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "form.html")]
struct FormPage {
    page: Page,
    action: String,
    back: String,
    controls: Vec<Control>,
    advanced: Vec<Control>,
    open_advanced: bool,
    errors: Vec<String>,
}

fn service_fields(s: Service) -> &'static [Field] {
    match s {
        Service::Smb => forms::SMB_SERVICE,
        Service::Nfs => forms::NFS_SERVICE,
        Service::Ssh => forms::SSH_SERVICE,
        Service::Iscsi => forms::ISCSI_GLOBAL,
    }
}

/// Names, on each control, the rules of `service` that judge its field.
fn name_rules(controls: &mut [Control], service: Service) {
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
fn annotate(controls: &mut [Control], findings: &[Finding], object: &str, errors: &[nasguard_model::ValidationError]) {
    for c in controls.iter_mut() {
        for f in findings.iter().filter(|f| f.object == object) {
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

fn invalid_list(e: &ApiError) -> Vec<nasguard_model::ValidationError> {
    match e {
        ApiError::Ops(OpsError::Invalid(v)) => v.0.clone(),
        _ => vec![],
    }
}

async fn service_form(
    State(st): State<Shared>,
    c: Caller,
    Path(svc): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let svc = service_of(&svc)?;
    let (cfg, report) = st.run(&c.actor(), |ng| Ok((ng.snapshot()?.config, ng.audit()?))).await?;
    let mut controls = forms::controls(service_fields(svc), &cfg.service_settings(svc));
    annotate(&mut controls, &report.findings, &svc.to_string(), &[]);
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

async fn service_save(State(st): State<Shared>, c: Caller, Path(svc): Path<String>, body: Bytes) -> PageResult {
    let svc = service_of(&svc)?;
    let form = parse_form(&body);
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
            annotate(&mut controls, &[], "", &errors);
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

// ---- sharing --------------------------------------------------------------

pub struct NfsRow {
    id: u32,
    path: String,
    comment: String,
    who: String,
}

pub struct TargetRow {
    name: String,
    iqn: String,
    portal: String,
    auth: String,
    extents: String,
}

pub struct SmbRow {
    id: u32,
    name: String,
    path: String,
    purpose: &'static str,
    comment: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "sharing.html")]
struct SharingPage {
    page: Page,
    smb: Vec<SmbRow>,
    nfs: Vec<NfsRow>,
    targets: Vec<TargetRow>,
}

fn target_rows(cfg: &Config) -> Vec<TargetRow> {
    let c = &cfg.iscsi;
    c.targets
        .iter()
        .map(|t| {
            let portal = t
                .groups
                .iter()
                .filter_map(|g| c.portals.iter().find(|p| p.id == g.portal))
                .map(|p| {
                    let auth = match p.discovery_authmethod {
                        nasguard_model::iscsi::AuthMethod::None => "None",
                        nasguard_model::iscsi::AuthMethod::Chap => "CHAP",
                        nasguard_model::iscsi::AuthMethod::ChapMutual => "Mutual CHAP",
                    };
                    let listen: Vec<String> = p.listen.iter().map(|l| l.ip.to_string()).collect();
                    (listen.join(", "), auth)
                })
                .next();
            let extents: Vec<String> = c
                .targetextents
                .iter()
                .filter(|m| m.target == t.id)
                .filter_map(|m| c.extents.iter().find(|x| x.id == m.extent))
                .map(|x| x.name.clone())
                .collect();
            TargetRow {
                name: t.name.clone(),
                iqn: format!("{}:{}", c.global.basename, t.name),
                portal: portal.as_ref().map(|p| p.0.clone()).unwrap_or_default(),
                auth: portal.map(|p| p.1.to_string()).unwrap_or_default(),
                extents: extents.join(", "),
            }
        })
        .collect()
}

async fn sharing(State(st): State<Shared>, c: Caller, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let cfg = st.run(&c.actor(), |ng| Ok(ng.snapshot()?.config)).await?;
    let smb = cfg
        .smb_shares
        .iter()
        .map(|s| SmbRow {
            id: s.id,
            name: s.name.clone(),
            path: s.path.clone(),
            purpose: s.purpose.label(),
            comment: s.comment.clone(),
        })
        .collect();
    let nfs = cfg
        .nfs_shares
        .iter()
        .map(|s| {
            let who: Vec<String> = s.networks.iter().map(ToString::to_string).chain(s.hosts.iter().cloned()).collect();
            NfsRow {
                id: s.id,
                path: s.path.clone(),
                comment: s.comment.clone(),
                who: if who.is_empty() { "EVERYONE".into() } else { who.join(", ") },
            }
        })
        .collect();
    Ok(SharingPage { page: Page::new(&c, "Sharing", "sharing").notice(&q), smb, nfs, targets: target_rows(&cfg) }
        .into_response())
}

type Done<T> = nasguard_ops::Result<Changed<T>>;
/// A share's fields, and the object name its findings carry.
type Found = (Map<String, Value>, String);

/// A share form: its main fields and those under "Advanced Options", and
/// the operations behind it (the same ones the CLI and the API call).
struct ShareForm {
    noun: &'static str,
    service: Service,
    /// The URL segment: `smb` or `nfs`.
    kind: &'static str,
    main: &'static [Field],
    advanced: &'static [Field],
    /// A new share with its defaults.
    default: fn() -> Map<String, Value>,
    /// Share `id`'s fields and the object name its findings carry.
    lookup: fn(&Config, u32) -> Option<Found>,
    create: fn(&mut nasguard_ops::Nasguard, &[String]) -> Done<u32>,
    update: fn(&mut nasguard_ops::Nasguard, u32, &[String]) -> Done<()>,
    remove: fn(&mut nasguard_ops::Nasguard, u32) -> Done<()>,
}

static SMB_FORM: ShareForm = ShareForm {
    noun: "SMB share",
    service: Service::Smb,
    kind: "smb",
    main: forms::SMB_SHARE,
    advanced: &[],
    default: || json_map(&SmbShare::default()),
    lookup: |cfg, id| {
        let s = cfg.smb_shares.iter().find(|s| s.id == id)?;
        Some((json_map(s), nasguard_policy::object::smb_share(s)))
    },
    create: |ng, a| ng.smb_share_create(Edit::Assignments(a)),
    update: |ng, id, a| ng.smb_share_set(&id.to_string(), Edit::Assignments(a)),
    remove: |ng, id| ng.smb_share_rm(&id.to_string()),
};

static NFS_FORM: ShareForm = ShareForm {
    noun: "NFS share",
    service: Service::Nfs,
    kind: "nfs",
    main: forms::NFS_SHARE,
    advanced: forms::NFS_SHARE_ADVANCED,
    default: || json_map(&NfsShare::default()),
    lookup: |cfg, id| {
        let s = cfg.nfs_shares.iter().find(|s| s.id == id)?;
        Some((json_map(s), nasguard_policy::object::nfs_share(s)))
    },
    create: |ng, a| ng.nfs_share_create(Edit::Assignments(a)),
    update: |ng, id, a| ng.nfs_share_set(&id.to_string(), Edit::Assignments(a)),
    remove: |ng, id| ng.nfs_share_rm(&id.to_string()),
};

impl ShareForm {
    /// The form of a new share (`None`) or of share `id`.
    fn page(
        &self,
        c: &Caller,
        id: Option<u32>,
        main: Vec<Control>,
        advanced: Vec<Control>,
        errors: Vec<String>,
    ) -> FormPage {
        let (mut main, mut advanced) = (main, advanced);
        name_rules(&mut main, self.service);
        name_rules(&mut advanced, self.service);
        let open_advanced = advanced.iter().any(|c| c.error.is_some() || !c.warnings.is_empty()) || !errors.is_empty();
        let (title, action) = match id {
            None => (format!("Add {}", self.noun), format!("/sharing/{}", self.kind)),
            Some(id) => (format!("Edit {}", self.noun), format!("/sharing/{}/{id}", self.kind)),
        };
        FormPage {
            page: Page::new(c, title, "sharing"),
            action,
            back: "/sharing".into(),
            controls: main,
            advanced,
            open_advanced,
            errors,
        }
    }

    /// The form showing `values`, with the findings on `object` beside their fields.
    fn show(
        &self,
        c: &Caller,
        id: Option<u32>,
        values: &Map<String, Value>,
        object: &str,
        findings: &[Finding],
    ) -> Response {
        let mut main = forms::controls(self.main, values);
        let mut advanced = forms::controls(self.advanced, values);
        annotate(&mut main, findings, object, &[]);
        annotate(&mut advanced, findings, object, &[]);
        self.page(c, id, main, advanced, vec![]).into_response()
    }

    fn assignments(&self, form: &[(String, String)]) -> Vec<String> {
        let mut a = forms::assignments(self.main, form);
        a.extend(forms::assignments(self.advanced, form));
        a
    }

    /// After a save: back to Sharing, or the form again with what was
    /// typed and each error next to its field.
    fn outcome<T>(
        &self,
        c: &Caller,
        id: Option<u32>,
        form: &[(String, String)],
        done: Result<Changed<T>, ApiError>,
    ) -> Response {
        let e = match done {
            Ok(d) => {
                let verb = if id.is_some() { "saved" } else { "added" };
                return back(
                    "/sharing",
                    &format!("{} {verb} (revision {}). Apply to put it in place.", self.noun, d.revision),
                );
            }
            Err(e) => e,
        };
        let errors = invalid_list(&e);
        if errors.is_empty() {
            return error_page(e);
        }
        let mut main = forms::controls(self.main, &forms::submitted(self.main, form));
        let mut adv = forms::controls(self.advanced, &forms::submitted(self.advanced, form));
        annotate(&mut main, &[], "", &errors);
        annotate(&mut adv, &[], "", &errors);
        let msgs = errors.iter().map(ToString::to_string).collect();
        (StatusCode::UNPROCESSABLE_ENTITY, self.page(c, id, main, adv, msgs)).into_response()
    }
}

fn share_form(kind: &str) -> Result<&'static ShareForm, ApiError> {
    match kind {
        "smb" => Ok(&SMB_FORM),
        "nfs" => Ok(&NFS_FORM),
        other => Err(ApiError::NotFound(format!("no share kind {other:?}"))),
    }
}

async fn share_new(c: Caller, Path(kind): Path<String>) -> Response {
    match share_form(&kind) {
        Ok(f) => f.show(&c, None, &(f.default)(), "", &[]),
        Err(e) => error_page(e),
    }
}

async fn share_create(State(st): State<Shared>, c: Caller, Path(kind): Path<String>, body: Bytes) -> PageResult {
    let f = share_form(&kind)?;
    let form = parse_form(&body);
    let assignments = f.assignments(&form);
    let done = st.run(&c.actor(), move |ng| (f.create)(ng, &assignments)).await;
    Ok(f.outcome(&c, None, &form, done))
}

async fn share_edit(State(st): State<Shared>, c: Caller, Path((kind, id)): Path<(String, u32)>) -> PageResult {
    let f = share_form(&kind)?;
    Ok(match st.run(&c.actor(), |ng| Ok((ng.snapshot()?.config, ng.audit()?))).await {
        Ok((cfg, report)) => match (f.lookup)(&cfg, id) {
            Some((values, object)) => f.show(&c, Some(id), &values, &object, &report.findings),
            None => error_page(ApiError::NotFound(format!("no {} {id}", f.noun))),
        },
        Err(e) => error_page(e),
    })
}

async fn share_save(
    State(st): State<Shared>,
    c: Caller,
    Path((kind, id)): Path<(String, u32)>,
    body: Bytes,
) -> PageResult {
    let f = share_form(&kind)?;
    let form = parse_form(&body);
    let assignments = f.assignments(&form);
    let done = st.run(&c.actor(), move |ng| (f.update)(ng, id, &assignments)).await;
    Ok(f.outcome(&c, Some(id), &form, done))
}

async fn share_delete(State(st): State<Shared>, c: Caller, Path((kind, id)): Path<(String, u32)>) -> PageResult {
    let f = share_form(&kind)?;
    Ok(match st.run(&c.actor(), move |ng| (f.remove)(ng, id)).await {
        Ok(_) => back("/sharing", &format!("{} deleted.", f.noun)),
        Err(e) => error_page(e),
    })
}

// ---- the iSCSI wizard -----------------------------------------------------

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
            annotate(&mut controls, &[], "", errors);
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
    let form = parse_form(&body);
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

// ---- iSCSI objects ----------------------------------------------------------

/// The kinds as TrueNAS's Block Shares tabs name them.
const ISCSI_TITLES: [(&str, &str); 6] = [
    ("portal", "Portals"),
    ("auth", "Authorized Access"),
    ("initiator", "Initiators Groups"),
    ("target", "Targets"),
    ("extent", "Extents"),
    ("targetextent", "Associated Targets"),
];

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

fn iscsi_kind(kind: &str) -> Result<&'static str, ApiError> {
    ISCSI_TITLES
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(k, _)| *k)
        .ok_or_else(|| ApiError::NotFound(format!("no iscsi object kind {kind:?}")))
}

async fn iscsi_objects(State(st): State<Shared>, c: Caller, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let lists = st
        .run(&c.actor(), |ng| {
            ISCSI_TITLES.iter().map(|(k, _)| ng.iscsi_list(k)).collect::<nasguard_ops::Result<Vec<_>>>()
        })
        .await;
    let lists = lists?;
    let kinds = ISCSI_TITLES
        .iter()
        .zip(lists)
        .map(|((kind, title), items)| {
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
            IscsiKindView { kind, title, columns, rows }
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

async fn iscsi_edit(State(st): State<Shared>, c: Caller, Path((kind, id)): Path<(String, u32)>) -> PageResult {
    let kind = iscsi_kind(&kind)?;
    let item = match st.run(&c.actor(), move |ng| ng.iscsi_list(kind)).await {
        Ok(items) => items.into_iter().find(|v| v.get("id").and_then(Value::as_u64) == Some(u64::from(id))),
        Err(e) => return Err(e.into()),
    };
    let Some(Value::Object(m)) = item else {
        return Err(ApiError::NotFound(format!("no iscsi {kind} {id}")).into());
    };
    let fields = m.iter().filter(|(k, _)| *k != "id").map(|(k, v)| (k.clone(), forms::field_text(v))).collect();
    let page = Page::new(&c, format!("iSCSI {kind} {id}"), "sharing");
    Ok(IscsiEditPage { page, kind, id, fields, errors: vec![] }.into_response())
}

async fn iscsi_save(
    State(st): State<Shared>,
    c: Caller,
    Path((kind, id)): Path<(String, u32)>,
    body: Bytes,
) -> PageResult {
    let kind = iscsi_kind(&kind)?;
    let form = parse_form(&body);
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
            (StatusCode::UNPROCESSABLE_ENTITY, IscsiEditPage { page, kind, id, fields, errors }).into_response()
        }
    })
}

async fn iscsi_delete(State(st): State<Shared>, c: Caller, Path((kind, id)): Path<(String, u32)>) -> PageResult {
    let kind = iscsi_kind(&kind)?;
    Ok(match st.run(&c.actor(), move |ng| ng.iscsi_rm(kind, id)).await {
        Ok(d) => back("/sharing/iscsi", &format!("iSCSI {kind} {id} deleted (revision {}).", d.revision)),
        Err(e) => error_page(e),
    })
}

// ---- scan -----------------------------------------------------------------

pub struct ScanResults {
    targets: usize,
    failed: usize,
    /// Target URL, outcome, milliseconds.
    probes: Vec<(String, String, u64)>,
    findings: Vec<Finding>,
}

#[derive(Template, WebTemplate)]
#[template(path = "scan.html")]
struct ScanPage {
    page: Page,
    /// Shown inside the results, which htmx swaps in.
    error: Option<String>,
    targets: String,
    timeout_ms: String,
    results: Option<ScanResults>,
}

async fn scan_page(c: Caller) -> Response {
    let page = Page::new(&c, "Scan", "scan");
    ScanPage { page, error: None, targets: String::new(), timeout_ms: "3000".into(), results: None }.into_response()
}

async fn scan_now(State(st): State<Shared>, c: Caller, body: Bytes) -> Response {
    let form = parse_form(&body);
    let text = forms::value(&form, "targets").to_string();
    let timeout_raw = forms::value(&form, "timeout_ms").trim().to_string();
    let page = Page::new(&c, "Scan", "scan");
    let mut req = nasguard_ops::scan::ScanRequest {
        targets: text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect(),
        ..Default::default()
    };
    // An unparsable timeout is 0, which the request check refuses by name.
    req.timeout_ms = timeout_raw.parse().unwrap_or(0);
    let outcome = st.run_alone(&c.actor(), move |ng| ng.scan_request(&req)).await;
    match outcome {
        Ok(o) => {
            let probes = o
                .results
                .iter()
                .map(|p| {
                    let outcome = p.error.as_ref().map(ToString::to_string).unwrap_or_else(|| "answered".into());
                    (p.target.url(), outcome, p.elapsed_ms)
                })
                .collect();
            let results = ScanResults {
                targets: o.results.len(),
                failed: o.failed().count(),
                probes,
                findings: o.report.findings.clone(),
            };
            ScanPage { page, error: None, targets: text, timeout_ms: timeout_raw, results: Some(results) }
                .into_response()
        }
        Err(e) if !invalid_list(&e).is_empty() => {
            let p =
                ScanPage { page, error: Some(e.to_string()), targets: text, timeout_ms: timeout_raw, results: None };
            (StatusCode::UNPROCESSABLE_ENTITY, p).into_response()
        }
        Err(e) => error_page(e),
    }
}

// ---- apply and the audit log ------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "apply.html")]
struct ApplyPage {
    page: Page,
    report: Option<ApplyReport>,
    pending: usize,
    applied: bool,
    failure: Option<String>,
}

async fn apply_page(State(st): State<Shared>, c: Caller) -> Response {
    let page = Page::new(&c, "Apply", "apply");
    match st.run_alone(&c.actor(), |ng| ng.apply(true)).await {
        Ok(r) => {
            let pending = r.files.iter().filter(|f| f.changed).count();
            ApplyPage { page, report: Some(r), pending, applied: false, failure: None }.into_response()
        }
        Err(e) => {
            ApplyPage { page, report: None, pending: 0, applied: false, failure: Some(e.to_string()) }.into_response()
        }
    }
}

async fn apply_now(State(st): State<Shared>, c: Caller) -> Response {
    let page = Page::new(&c, "Apply", "apply");
    let result = st.run_alone(&c.actor(), |ng| ng.apply(false)).await;
    metrics::apply_outcome(if result.is_ok() { "ok" } else { "failed" });
    match result {
        Ok(r) => ApplyPage { page, report: Some(r), pending: 0, applied: true, failure: None }.into_response(),
        Err(e) => {
            // Show what is still pending next to the daemon's reason.
            let pending = st.run_alone(&c.actor(), |ng| ng.apply(true)).await.ok();
            let n = pending.as_ref().map(|r| r.files.iter().filter(|f| f.changed).count()).unwrap_or(0);
            (
                StatusCode::CONFLICT,
                ApplyPage { page, report: pending, pending: n, applied: false, failure: Some(e.to_string()) },
            )
                .into_response()
        }
    }
}

pub struct ChangeRow {
    rev: i64,
    at: String,
    actor: String,
    object: String,
    action: String,
    old: String,
    new: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit_log.html")]
struct AuditLogPage {
    page: Page,
    changes: Vec<ChangeRow>,
    events: Vec<nasguard_store::Event>,
}

async fn audit_log(State(st): State<Shared>, c: Caller) -> PageResult {
    let (entries, events) = match st.run(&c.actor(), |ng| ng.audit_log(500)).await {
        Ok(log) => (log.changes, log.events),
        Err(e) => return Err(e.into()),
    };
    let text = |v: &Option<Value>| v.as_ref().map(Value::to_string).unwrap_or_default();
    let changes = entries
        .iter()
        .map(|e| ChangeRow {
            rev: e.rev,
            at: e.at.clone(),
            actor: e.actor.clone(),
            object: e.object.clone(),
            action: e.action.clone(),
            old: text(&e.old),
            new: text(&e.new),
        })
        .collect();
    Ok(AuditLogPage { page: Page::new(&c, "Audit log", "audit-log"), changes, events }.into_response())
}

// ---- account: password and API keys ------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    page: Page,
    tokens: Vec<nasguard_store::TokenInfo>,
    /// A token just made: shown in this answer only, never in a URL.
    new_token: Option<String>,
    password_error: Option<String>,
}

async fn account_page(
    st: &Shared,
    c: &Caller,
    page: Page,
    new_token: Option<String>,
    password_error: Option<String>,
) -> Response {
    let status = if password_error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    match st.run(&c.actor(), |ng| ng.tokens()).await {
        Ok(tokens) => (status, AccountPage { page, tokens, new_token, password_error }).into_response(),
        Err(e) => error_page(e),
    }
}

async fn account(State(st): State<Shared>, c: Caller, Query(q): Query<HashMap<String, String>>) -> Response {
    account_page(&st, &c, Page::new(&c, "Account", "account").notice(&q), None, None).await
}

async fn account_password(State(st): State<Shared>, c: Caller, body: Bytes) -> Response {
    let form = parse_form(&body);
    let current = forms::value(&form, "current").to_string();
    let new = forms::value(&form, "new").to_string();
    if new != forms::value(&form, "new2") {
        return account_page(
            &st,
            &c,
            Page::new(&c, "Account", "account"),
            None,
            Some("The two new passwords differ.".into()),
        )
        .await;
    }
    // Guessing the current password from a stolen session is limited like a login.
    let keys = crate::state::login_keys(&c.admin, "account");
    if let Err(wait) = st.limiter.begin(&keys) {
        return error_page(ApiError::TooManyAttempts(wait));
    }
    let good = match st.check_password(&c.admin, current).await {
        Ok(good) => good,
        Err(e) => return error_page(e),
    };
    if good {
        st.limiter.succeeded(&keys);
    }
    let admin = c.admin.clone();
    let changed = st
        .run(&c.actor(), move |ng| {
            if !good {
                return Ok(None);
            }
            ng.admin_password_set(&admin, &new)?;
            // Every session ended with the change; this one goes on anew.
            ng.session_start(&admin).map(|(id, _)| Some(id))
        })
        .await;
    match changed {
        Ok(Some(session)) => {
            let mut resp = back("/account", "Password changed; every other session was logged out.");
            if let Ok(v) = crate::auth::session_cookie(&session, st.secure_cookies).parse() {
                resp.headers_mut().insert(axum::http::header::SET_COOKIE, v);
            }
            resp
        }
        Ok(None) => {
            let page = Page::new(&c, "Account", "account");
            account_page(&st, &c, page, None, Some("The current password is wrong.".into())).await
        }
        Err(e) if !invalid_list(&e).is_empty() => {
            account_page(&st, &c, Page::new(&c, "Account", "account"), None, Some(e.to_string())).await
        }
        Err(e) => error_page(e),
    }
}

async fn token_create(State(st): State<Shared>, c: Caller, body: Bytes) -> Response {
    let name = forms::value(&parse_form(&body), "name").trim().to_string();
    let admin = c.admin.clone();
    match st.run(&c.actor(), move |ng| ng.token_create(&admin, &name)).await {
        Ok((_, token)) => account_page(&st, &c, Page::new(&c, "Account", "account"), Some(token), None).await,
        Err(e) => error_page(e),
    }
}

async fn token_revoke(State(st): State<Shared>, c: Caller, Path(id): Path<i64>) -> Response {
    match st.run(&c.actor(), move |ng| ng.token_revoke(id)).await {
        Ok(()) => back("/account", &format!("API key {id} revoked.")),
        Err(e) => error_page(e),
    }
}

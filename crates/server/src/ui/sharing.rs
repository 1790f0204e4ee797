//! Sharing: the SMB and NFS shares (one [`ShareForm`] for both) and the
//! iSCSI targets at a glance.

use super::forms::{self, Control, Field};
use super::frame::{FormPage, Page, annotate, back, invalid_list, json_map, name_rules};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::error_page::{PageResult, error_page};
use crate::extract::{PagePath, ShareId, ShareKind};
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
use nasguard_model::nfs::NfsShare;
use nasguard_model::smb::SmbShare;
use nasguard_model::{Config, Service};
use nasguard_ops::Changed;
use nasguard_policy::Finding;
use serde_json::{Map, Value};
use std::collections::HashMap;

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/sharing", get(sharing))
        .route("/sharing/{kind}/new", get(share_new))
        .route("/sharing/{kind}", post(share_create))
        .route("/sharing/{kind}/{id}", get(share_edit).post(share_save))
        .route("/sharing/{kind}/{id}/delete", post(share_delete))
}

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
type Found = (Map<String, Value>, nasguard_model::object::ObjectRef);

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
        object: Option<&nasguard_model::object::ObjectRef>,
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
        annotate(&mut main, &[], None, &errors);
        annotate(&mut adv, &[], None, &errors);
        let msgs = errors.iter().map(ToString::to_string).collect();
        (StatusCode::UNPROCESSABLE_ENTITY, self.page(c, id, main, adv, msgs)).into_response()
    }
}

fn share_form(kind: ShareKind) -> &'static ShareForm {
    match kind {
        ShareKind::Smb => &SMB_FORM,
        ShareKind::Nfs => &NFS_FORM,
    }
}

async fn share_new(c: Caller, PagePath(kind): PagePath<ShareKind>) -> Response {
    let f = share_form(kind);
    f.show(&c, None, &(f.default)(), None, &[])
}

async fn share_create(
    State(st): State<Shared>,
    c: Caller,
    PagePath(kind): PagePath<ShareKind>,
    body: Bytes,
) -> Response {
    let f = share_form(kind);
    let form = forms::parse_form(&body);
    let assignments = f.assignments(&form);
    let done = st.run(&c.actor(), move |ng| (f.create)(ng, &assignments)).await;
    f.outcome(&c, None, &form, done)
}

async fn share_edit(
    State(st): State<Shared>,
    c: Caller,
    PagePath(ShareId { kind, id }): PagePath<ShareId>,
) -> PageResult {
    let f = share_form(kind);
    let (cfg, report) = st.run(&c.actor(), |ng| Ok((ng.snapshot()?.config, ng.audit()?))).await?;
    match (f.lookup)(&cfg, id) {
        Some((values, object)) => Ok(f.show(&c, Some(id), &values, Some(&object), &report.findings)),
        None => Err(ApiError::NotFound(format!("no {} {id}", f.noun)).into()),
    }
}

async fn share_save(
    State(st): State<Shared>,
    c: Caller,
    PagePath(ShareId { kind, id }): PagePath<ShareId>,
    body: Bytes,
) -> Response {
    let f = share_form(kind);
    let form = forms::parse_form(&body);
    let assignments = f.assignments(&form);
    let done = st.run(&c.actor(), move |ng| (f.update)(ng, id, &assignments)).await;
    f.outcome(&c, Some(id), &form, done)
}

async fn share_delete(
    State(st): State<Shared>,
    c: Caller,
    PagePath(ShareId { kind, id }): PagePath<ShareId>,
) -> PageResult {
    let f = share_form(kind);
    st.run(&c.actor(), move |ng| (f.remove)(ng, id)).await?;
    Ok(back("/sharing", &format!("{} deleted.", f.noun)))
}

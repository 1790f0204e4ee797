//! Operations: every change and query a user can make, whatever the front
//! end. The CLI, the REST API and the web UI parse input into these
//! calls and print what they return; none of them holds logic of its own.
//!
//! A change is: mutate a copy of the model, `normalize` (map pasted
//! auxiliary lines onto fields), `validate`, then commit as one store
//! transaction. Any error leaves the store untouched.

mod accounts;
mod adopt;
mod apply;
mod configdir;
mod confirm;
mod facts;
mod host;
pub mod hostfiles;
mod iscsi;
mod live;
pub mod lockout;
pub mod scan;
mod truenas;
mod users;
pub mod web;

pub use accounts::{MIN_PASSWORD_LEN, PasswordCheck, SESSION_SECONDS, TOKEN_PREFIX, random_token};
pub use adopt::{Adopted, Released, detect_backends};
pub use apply::{
    Applied, ApplyOptions, ApplyReport, FileChange, HandEdit, HandEdits, ServiceStatus, StatusReport, read_ids,
};
pub use configdir::{FsFiles, Scanned, audit_config_dir, scan, scan_for};
pub use confirm::Pending;
pub use facts::{read_accounts, read_facts};
pub use iscsi::{WizardInput, WizardResult, parse_size};
pub use live::{Drift, LiveAudit};
pub use truenas::{TruenasAudit, audit_truenas, audit_truenas_bytes};
pub use users::UserInput;

use nasguard_daemons::DaemonError;
use nasguard_model::fields::Edit;
use nasguard_model::nfs::NfsShare;
use nasguard_model::smb::SmbShare;
use nasguard_model::{Config, Service, ValidationErrors, Waiver, next_id};
use nasguard_policy::{Facts, Finding, Severity, apply_waivers, audit};
use nasguard_report::Report;
use nasguard_store::{Deployment, Snapshot, Store, StoreError};
use std::path::{Path, PathBuf};

/// Every way an operation fails, each with what a front end should make of
/// it (the CLI's message and exit code, the API's status).
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// Bad input: exit 2, HTTP 422, nothing written.
    #[error("{0}")]
    Invalid(ValidationErrors),
    /// No such object: HTTP 404.
    #[error("{0}")]
    NotFound(String),
    /// A daemon refused a config, is not installed, failed to start or
    /// failed its health check: HTTP 409 (the request was fine; the
    /// machine's state is what conflicts).
    #[error(transparent)]
    Daemon(#[from] DaemonError),
    /// Host files were changed by hand since nasguard wrote them: apply
    /// refuses (nothing changed), shows each diff and says how to proceed.
    /// HTTP 409.
    #[error("{0}")]
    HandEdited(HandEdits),
    /// An apply failed at a daemon and was undone: the daemon's reason, and
    /// that the previous configuration runs again. HTTP 409.
    #[error("{0}\nThe previous configuration was restored and is running again; nothing was applied.")]
    RolledBack(DaemonError),
    /// A system tool (useradd, chpasswd, smbpasswd...) refused: HTTP 409.
    #[error("{tool}: {message}")]
    Tool { tool: String, message: String },
    /// The operation needs another step first (`apply` before SMB users):
    /// HTTP 409.
    #[error("{0}")]
    Precondition(String),
    #[error(transparent)]
    Store(StoreError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    /// A fault of nasguard or the host (no randomness, a thread that died,
    /// the probe runtime): HTTP 500, the detail goes to the log.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for OpsError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Rejected(v) => OpsError::Invalid(v),
            other => OpsError::Store(other),
        }
    }
}

impl From<ValidationErrors> for OpsError {
    fn from(e: ValidationErrors) -> Self {
        OpsError::Invalid(e)
    }
}

pub type Result<T> = std::result::Result<T, OpsError>;

/// What a change did: the revision it made (or the current one) and notes
/// to show (auxiliary lines moved onto fields).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Changed<T> {
    pub value: T,
    pub revision: i64,
    pub notes: Vec<String>,
}

/// The audit log: config changes (old and new values, secrets masked)
/// and the other events (logins, applies, service control, tokens), each
/// newest first, with who did it.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditLog {
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub changes: Vec<nasguard_store::AuditEntry>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub events: Vec<nasguard_store::Event>,
}

/// Where the host's group database is read (`NASGUARD_SYSTEM_ROOT` points
/// the audit at another root, such as a mounted image).
#[derive(Debug, Clone)]
pub struct HostRoot(pub PathBuf);

impl Default for HostRoot {
    fn default() -> Self {
        HostRoot(std::env::var_os("NASGUARD_SYSTEM_ROOT").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/")))
    }
}

pub struct Nasguard {
    store: Store,
    actor: String,
    host: HostRoot,
}

impl Nasguard {
    pub fn init(dir: &Path, deployment: &Deployment, actor: &str) -> Result<Nasguard> {
        let store = Store::create(dir, deployment, actor)?;
        Ok(Nasguard { store, actor: actor.into(), host: HostRoot::default() })
    }

    pub fn open(dir: &Path, actor: &str) -> Result<Nasguard> {
        Ok(Nasguard { store: Store::open(dir)?, actor: actor.into(), host: HostRoot::default() })
    }

    /// The same, reading and writing the host's files under `root` (tests;
    /// `NASGUARD_SYSTEM_ROOT` does the same for the CLI).
    pub fn with_host_root(mut self, root: &Path) -> Self {
        self.host = HostRoot(root.to_path_buf());
        self
    }

    pub fn host_root(&self) -> PathBuf {
        self.host.0.clone()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The newest `limit` changes and events.
    pub fn audit_log(&self, limit: usize) -> Result<AuditLog> {
        Ok(AuditLog { changes: self.store.audit_log(limit)?, events: self.store.events(limit)? })
    }

    pub fn snapshot(&self) -> Result<Snapshot> {
        Ok(self.store.load()?)
    }

    /// The one path every change takes.
    pub fn change<T>(&mut self, summary: &str, f: impl FnOnce(&mut Config) -> Result<T>) -> Result<Changed<T>> {
        let root = self.host.0.clone();
        let ((value, notes), revision) = self.store.change(&self.actor, summary, |cfg| {
            let before = host::identities(cfg);
            let value = f(cfg)?;
            let notes = cfg.normalize();
            cfg.validate()?;
            host::check_new_identities(cfg, &before, &read_accounts(&root))?;
            Ok::<_, OpsError>((value, notes))
        })?;
        Ok(Changed { value, revision, notes })
    }

    /// `config set SERVICE FIELD=VALUE...`.
    pub fn set_service<'e>(&mut self, service: Service, edit: impl Into<Edit<'e>>) -> Result<Changed<()>> {
        let edit = edit.into();
        self.change(&format!("config set {service}"), |cfg| {
            match service {
                Service::Smb => edit.apply(&mut cfg.smb, "smb")?,
                Service::Nfs => edit.apply(&mut cfg.nfs, "nfs")?,
                Service::Ssh => edit.apply(&mut cfg.ssh, "ssh")?,
                Service::Iscsi => edit.apply(&mut cfg.iscsi.global, "iscsi global")?,
            }
            Ok(())
        })
    }

    pub fn smb_share_add(&mut self, mut share: SmbShare) -> Result<Changed<u32>> {
        self.change(&format!("smb share add {}", share.name), |cfg| {
            share.id = next_id(&cfg.smb_shares, |s| s.id);
            let id = share.id;
            cfg.smb_shares.push(share);
            Ok(id)
        })
    }

    /// A share from its fields (API bodies, web forms); unset fields keep
    /// their (secure) defaults.
    pub fn smb_share_create<'e>(&mut self, edit: impl Into<Edit<'e>>) -> Result<Changed<u32>> {
        let mut share = SmbShare::default();
        edit.into().apply(&mut share, "smb share")?;
        self.smb_share_add(share)
    }

    pub fn smb_share_set<'e>(&mut self, key: &str, edit: impl Into<Edit<'e>>) -> Result<Changed<()>> {
        let edit = edit.into();
        self.change(&format!("smb share set {key}"), |cfg| {
            let share = find_smb(cfg, key)?;
            edit.apply(share, "smb share")?;
            Ok(())
        })
    }

    pub fn smb_share_rm(&mut self, key: &str) -> Result<Changed<()>> {
        self.change(&format!("smb share rm {key}"), |cfg| {
            let id = find_smb(cfg, key)?.id;
            cfg.smb_shares.retain(|s| s.id != id);
            Ok(())
        })
    }

    pub fn nfs_share_add(&mut self, mut share: NfsShare) -> Result<Changed<u32>> {
        self.change(&format!("nfs share add {}", share.path), |cfg| {
            share.id = next_id(&cfg.nfs_shares, |s| s.id);
            let id = share.id;
            cfg.nfs_shares.push(share);
            Ok(id)
        })
    }

    /// An export from its fields (API bodies, web forms).
    pub fn nfs_share_create<'e>(&mut self, edit: impl Into<Edit<'e>>) -> Result<Changed<u32>> {
        let mut share = NfsShare::default();
        edit.into().apply(&mut share, "nfs share")?;
        self.nfs_share_add(share)
    }

    pub fn nfs_share_set<'e>(&mut self, key: &str, edit: impl Into<Edit<'e>>) -> Result<Changed<()>> {
        let edit = edit.into();
        self.change(&format!("nfs share set {key}"), |cfg| {
            let share = find_nfs(cfg, key)?;
            edit.apply(share, "nfs share")?;
            Ok(())
        })
    }

    pub fn nfs_share_rm(&mut self, key: &str) -> Result<Changed<()>> {
        self.change(&format!("nfs share rm {key}"), |cfg| {
            let id = find_nfs(cfg, key)?.id;
            cfg.nfs_shares.retain(|s| s.id != id);
            Ok(())
        })
    }

    /// Records users approved as members of the SMB admin group (SMB-006).
    pub fn smb_admins_approve(&mut self, users: &[String]) -> Result<Changed<()>> {
        self.change("smb admins approve", |cfg| {
            for u in users {
                if !cfg.site.approved_smb_admins.contains(u) {
                    cfg.site.approved_smb_admins.push(u.clone());
                }
            }
            Ok(())
        })
    }

    pub fn smb_admins_revoke(&mut self, users: &[String]) -> Result<Changed<()>> {
        self.change("smb admins revoke", |cfg| {
            cfg.site.approved_smb_admins.retain(|u| !users.contains(u));
            Ok(())
        })
    }

    pub fn waive(&mut self, waiver: Waiver) -> Result<Changed<()>> {
        if nasguard_policy::find_rule(&waiver.rule).is_none() {
            return Err(OpsError::Invalid(ValidationErrors::single(
                "waiver",
                "rule",
                format!("{:?} is not a rule ID", waiver.rule),
            )));
        }
        self.change(&format!("waive {} {}", waiver.rule, waiver.object), |cfg| {
            cfg.site.waivers.retain(|w| !(w.rule == waiver.rule && w.object == waiver.object));
            cfg.site.waivers.push(waiver);
            Ok(())
        })
    }

    pub fn unwaive(&mut self, rule: &str, object: &str) -> Result<Changed<()>> {
        self.change(&format!("unwaive {rule} {object}"), |cfg| {
            let before = cfg.site.waivers.len();
            cfg.site.waivers.retain(|w| !(w.rule.eq_ignore_ascii_case(rule) && w.object == object));
            if before == cfg.site.waivers.len() {
                return Err(OpsError::NotFound(format!("no waiver for {rule} on {object}")));
            }
            Ok(())
        })
    }

    pub fn facts(&self) -> Facts {
        let mut facts = read_facts(&self.host.0);
        // A host has nasguard's firewall for what the target cannot enforce.
        facts.iscsi_enforcement = self.store.deployment().ok().map(|d| (d.backends().iscsi, !d.is_sandbox()));
        facts
    }

    /// The audit of the stored model, waivers applied.
    pub fn audit(&self) -> Result<Report> {
        let snap = self.snapshot()?;
        Ok(audit_config(&snap.config, &self.facts(), &nasguard_store::today()))
    }

    /// Applies the fix of every finding of `rules` (all fixable findings at
    /// `low` or above when `rules` is empty). Returns what was fixed.
    pub fn fix(&mut self, rules: &[String], dry_run: bool) -> Result<Changed<Vec<Finding>>> {
        for r in rules {
            if nasguard_policy::find_rule(r).is_none() {
                return Err(OpsError::Invalid(ValidationErrors::single(
                    "fix",
                    "rule",
                    format!("{r:?} is not a rule ID"),
                )));
            }
        }
        let facts = self.facts();
        let today = nasguard_store::today();
        let work = |cfg: &mut Config| -> Result<Vec<Finding>> {
            let report = audit_config(cfg, &facts, &today);
            let chosen: Vec<Finding> = report
                .findings
                .into_iter()
                .filter(|f| f.fixable)
                .filter(|f| {
                    if rules.is_empty() {
                        f.severity >= Severity::Low
                    } else {
                        rules.iter().any(|r| r.eq_ignore_ascii_case(&f.rule))
                    }
                })
                .collect();
            for f in &chosen {
                nasguard_policy::fix(cfg, f);
            }
            Ok(chosen)
        };
        if dry_run {
            let mut cfg = self.snapshot()?.config;
            let value = work(&mut cfg)?;
            return Ok(Changed { value, revision: self.snapshot()?.revision, notes: vec![] });
        }
        let summary = if rules.is_empty() { "fix --all".to_string() } else { format!("fix {}", rules.join(" ")) };
        self.change(&summary, work)
    }
}

/// Audit of a config with waivers applied: shared by `audit` and `fix`.
pub fn audit_config(cfg: &Config, facts: &Facts, today: &str) -> Report {
    let (kept, waived) = apply_waivers(audit(cfg, facts), &cfg.site.waivers, today);
    Report::new(kept, waived)
}

fn not_found(what: &str, key: &str) -> OpsError {
    OpsError::NotFound(format!("no {what} {key:?}"))
}

/// An SMB share by id or by name (case-insensitive). An id wins: `3` is
/// share 3 even when another share is named "3".
pub fn find_smb<'a>(cfg: &'a mut Config, key: &str) -> Result<&'a mut SmbShare> {
    let by_id = key.parse::<u32>().ok().and_then(|id| cfg.smb_shares.iter().position(|s| s.id == id));
    let at = by_id.or_else(|| cfg.smb_shares.iter().position(|s| s.name.eq_ignore_ascii_case(key)));
    at.and_then(|i| cfg.smb_shares.get_mut(i)).ok_or_else(|| not_found("smb share", key))
}

/// An NFS share by id or path.
pub fn find_nfs<'a>(cfg: &'a mut Config, key: &str) -> Result<&'a mut NfsShare> {
    let id = key.parse::<u32>().ok();
    cfg.nfs_shares.iter_mut().find(|s| Some(s.id) == id || s.path == key).ok_or_else(|| not_found("nfs share", key))
}

#[cfg(test)]
mod tests;

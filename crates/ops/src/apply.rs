//! `apply`, `service` and `status`: from the stored model to running
//! daemons.
//!
//! Apply renders every file, diffs it against what is on disk, checks each
//! changed file with the daemon's own checker, swaps the files in
//! atomically (keeping `.prev`), reloads the running services whose files
//! changed, checks they are healthy, and on any failure puts the previous
//! files back, reloads again, and reports why.

use crate::hostfiles::{HostFiles, sha256};
use crate::{Nasguard, OpsError, Result};
use nasguard_daemons::direct::{Direct, ensure_host_keys};
use nasguard_daemons::systemd::Systemd;
use nasguard_daemons::{DaemonError, Status, Supervisor, check, files};
use nasguard_model::{Service, ServiceAction};
use nasguard_render::{FileKind, Ids, Layout, RenderedFile, render_all};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileChange {
    pub service: Service,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub path: PathBuf,
    pub changed: bool,
    /// Unified diff (empty when unchanged).
    pub diff: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplyReport {
    pub revision: i64,
    pub dry_run: bool,
    pub files: Vec<FileChange>,
    /// Running services that were reloaded (or restarted).
    pub reloaded: Vec<Service>,
    /// Host files changed by hand since nasguard last wrote them (a dry
    /// run lists them; a real apply refuses, or with `overwrite` keeps a
    /// copy of each and replaces it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub hand_edited: Vec<PathBuf>,
    /// Services nasguard does not manage yet (their import failed at `init`),
    /// with why: their files were left alone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmanaged: Vec<String>,
    /// `apply --confirm`: the deadline by which `nasguard confirm` must
    /// come, or the previous configuration is restored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm_by: Option<String>,
}

/// How to apply (the CLI's flags; the API and UI use the defaults).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApplyOptions {
    /// Show the diff and change nothing.
    pub dry_run: bool,
    /// Replace host files edited by hand since nasguard wrote them (a copy
    /// of each is kept under the state directory).
    pub overwrite: bool,
    /// Apply an sshd_config that would let no account log in.
    pub allow_lockout: bool,
    /// Commit-confirmed: restore the previous configuration unless
    /// `nasguard confirm` comes within this many seconds.
    pub confirm: Option<u32>,
}

/// A host file edited by hand since nasguard last wrote it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HandEdit {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub path: PathBuf,
    /// From the file as it is now to what nasguard would write.
    pub diff: String,
}

/// Every hand-edited file an apply refused to overwrite.
#[derive(Debug, Clone, Serialize)]
pub struct HandEdits(pub Vec<HandEdit>);

impl std::fmt::Display for HandEdits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self.0.iter().map(|h| h.path.display().to_string()).collect();
        writeln!(f, "changed by hand since nasguard last wrote it: {}", names.join(", "))?;
        for h in &self.0 {
            write!(f, "{}", h.diff)?;
        }
        write!(
            f,
            "Nothing was changed. To keep the edit, take it into nasguard's model with `nasguard import` \
(then `nasguard apply`); to discard it, `nasguard apply --overwrite` (a copy of the edited file is kept \
under the state directory's replaced/)."
        )
    }
}

/// The services an apply was putting to work when it stopped.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Interrupted {
    services: Vec<Service>,
    firewall: bool,
}

/// A file as it was before an apply changed it (what a rollback or an
/// unconfirmed apply puts back).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Before {
    pub service: Service,
    pub path: PathBuf,
    pub firewall: bool,
    /// `None`: the file did not exist.
    pub bytes: Option<Vec<u8>>,
}

/// What `status` shows: which revision the files on disk come from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Applied {
    pub revision: i64,
    pub at: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceStatus {
    #[serde(flatten)]
    pub status: Status,
    pub autostart: bool,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusReport {
    pub mode: nasguard_model::deployment::Mode,
    /// The server behind NFS and iSCSI.
    pub backends: nasguard_model::deployment::Backends,
    pub revision: i64,
    pub applied: Option<Applied>,
    pub latest_applied: bool,
    pub services: Vec<ServiceStatus>,
    /// How `nasguard serve` serves (HTTPS, the certificate's fingerprint),
    /// as it recorded when it last started; absent when it never ran.
    pub web: Option<crate::web::WebServing>,
    /// System deployment: the host's original files nasguard keeps (each
    /// as it was before nasguard first wrote it; `release` puts them back).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub originals: Vec<crate::hostfiles::Original>,
    /// Services nasguard leaves alone until they are imported, with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmanaged: Vec<String>,
    /// An `apply --confirm` waiting for `nasguard confirm`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_confirmation: Option<crate::confirm::Pending>,
}

fn daemon(e: DaemonError) -> OpsError {
    OpsError::Daemon(e)
}

/// A config that names an account this host lacks is bad input, named on
/// the field that names it.
fn render_error(cfg: &nasguard_model::Config, e: nasguard_render::RenderError) -> OpsError {
    use nasguard_render::RenderError;
    let (id, name, user) = match &e {
        RenderError::UnknownUser { share, name } => (*share, name, true),
        RenderError::UnknownGroup { share, name } => (*share, name, false),
    };
    let share = cfg.nfs_shares.iter().find(|s| s.id == id);
    let field = match (share, user) {
        (Some(s), true) if s.mapall_user.as_ref() == Some(name) => "mapall_user",
        (_, true) => "maproot_user",
        (Some(s), false) if s.mapall_group.as_ref() == Some(name) => "mapall_group",
        (_, false) => "maproot_group",
    };
    OpsError::Invalid(nasguard_model::ValidationErrors::single(&format!("nfs share {id}"), field, e.to_string()))
}

/// Reads `etc/passwd` and `etc/group` under `root` into name -> id maps.
pub fn read_ids(root: &Path) -> Ids {
    let parse = |file: &str| -> std::collections::BTreeMap<String, u32> {
        std::fs::read_to_string(root.join(file))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                Some((f.first()?.to_string(), f.get(2)?.parse().ok()?))
            })
            .collect()
    };
    Ids { users: parse("etc/passwd"), groups: parse("etc/group") }
}

impl Nasguard {
    pub fn layout(&self) -> Result<Layout> {
        Ok(Layout::for_host(self.store().dir(), &self.store().deployment()?, &self.host_root()))
    }

    pub fn supervisor(&self) -> Result<Box<dyn Supervisor>> {
        let layout = self.layout()?;
        if layout.is_sandbox() { Ok(Box::new(Direct::new(layout))) } else { Ok(Box::new(Systemd::new(layout))) }
    }

    pub(crate) fn host_files(&self) -> Result<HostFiles> {
        Ok(HostFiles::new(self.store().dir(), &self.layout()?.root))
    }

    /// The stored model, checked again, and every file it renders to for
    /// this deployment: the stubs of absorbed host files added, the files
    /// of services not yet managed left out (with why).
    fn rendered(&self) -> Result<(i64, nasguard_model::Config, Vec<RenderedFile>, Vec<String>)> {
        let snap = self.snapshot()?;
        // A store written by an older nasguard may hold what validation
        // refuses today: never render it.
        snap.config.validate()?;
        crate::host::check_extents(&snap.config, &self.host_root())?;
        let layout = self.layout()?;
        let mut files = render_all(&snap.config, &layout, &read_ids(&self.host_root()))
            .map_err(|e| render_error(&snap.config, e))?;
        let mut unmanaged = vec![];
        if !layout.is_sandbox() {
            let managed = self.host_files()?.managed();
            for path in &managed.absorbed {
                if let Some(stub) = nasguard_render::absorbed_stub(&layout, path) {
                    files.push(stub);
                }
            }
            files.retain(|f| !managed.unmanaged.contains_key(&f.service));
            unmanaged = managed.unmanaged.iter().map(|(s, why)| format!("{s}: {why}")).collect();
        }
        Ok((snap.revision, snap.config, files, unmanaged))
    }

    /// The whole apply (see the module docs), recorded in the audit log
    /// with its outcome (a dry run changes nothing and is not recorded).
    pub fn apply(&mut self, dry_run: bool) -> Result<ApplyReport> {
        self.apply_with(ApplyOptions { dry_run, ..ApplyOptions::default() })
    }

    pub fn apply_with(&mut self, opts: ApplyOptions) -> Result<ApplyReport> {
        if !opts.dry_run {
            self.expire_overdue()?;
            if let Some(p) = self.pending_confirmation() {
                return Err(OpsError::Precondition(format!(
                    "an apply (revision {}) awaits `nasguard confirm` until {}; confirm it, or wait for the previous configuration to come back, before applying again",
                    p.revision, p.deadline
                )));
            }
        }
        let previous = self.applied();
        let result = self.apply_files(opts).and_then(|(mut report, before)| {
            if let Some(seconds) = opts.confirm
                && !opts.dry_run
                && !before.is_empty()
            {
                report.confirm_by = Some(self.await_confirmation(seconds, report.revision, before, previous)?);
            }
            Ok(report)
        });
        if !opts.dry_run {
            let (action, detail) = match &result {
                Ok(r) => {
                    let changed: Vec<String> =
                        r.files.iter().filter(|f| f.changed).map(|f| f.path.display().to_string()).collect();
                    let confirm =
                        r.confirm_by.as_ref().map(|d| format!("; to be confirmed by {d}")).unwrap_or_default();
                    ("apply", format!("revision {}; changed: {}{confirm}", r.revision, changed.join(", ")))
                }
                Err(e) => ("apply failed", e.to_string()),
            };
            self.record(action, &detail)?;
        }
        result
    }

    fn apply_files(&mut self, opts: ApplyOptions) -> Result<(ApplyReport, Vec<Before>)> {
        let layout = self.layout()?;
        let system = !layout.is_sandbox();
        let (revision, cfg, rendered, unmanaged) = self.rendered()?;
        let host = self.host_files()?;
        let mut changes = vec![];
        let mut todo: Vec<(RenderedFile, Option<Vec<u8>>)> = vec![];
        let mut hand = vec![];
        for f in rendered {
            let current = std::fs::read(&f.path).ok();
            let changed = current.as_deref() != Some(f.content.as_bytes());
            let shown = layout.host_name(&f.path);
            let diff = if changed {
                let old = current.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
                similar::TextDiff::from_lines(old.as_ref(), &f.content)
                    .unified_diff()
                    .context_radius(2)
                    .header(
                        &format!("{} (on disk)", shown.display()),
                        &format!("{} (revision {revision})", shown.display()),
                    )
                    .to_string()
            } else {
                String::new()
            };
            if changed && system && !host.may_overwrite(&f.path, current.as_deref()) {
                hand.push(HandEdit { path: shown.clone(), diff: diff.clone() });
            }
            changes.push(FileChange { service: f.service, path: shown, changed, diff });
            if changed {
                todo.push((f, current));
            }
        }
        let mut report = ApplyReport {
            revision,
            dry_run: opts.dry_run,
            files: changes,
            reloaded: vec![],
            hand_edited: hand.iter().map(|h| h.path.clone()).collect(),
            unmanaged,
            confirm_by: None,
        };
        if opts.dry_run {
            return Ok((report, vec![]));
        }
        if system && !opts.allow_lockout && todo.iter().any(|(f, _)| f.kind == FileKind::SshdConfig) {
            let accounts = crate::lockout::read_accounts(&self.host_root(), &layout.authorized_keys_dir());
            if crate::lockout::ways_in(&cfg.ssh, &accounts).is_empty() {
                return Err(OpsError::Precondition(format!(
                    "refused: with this sshd_config no account could log in over SSH: {}. Give an account a key \
(`nasguard user add NAME --ssh-key-file FILE`), or let root in with its key (`nasguard config set ssh \
root_key_login=true`); `apply --allow-lockout` applies it anyway.",
                    crate::lockout::why_nobody(&cfg.ssh, &accounts)
                )));
            }
        }
        if !hand.is_empty() {
            if !opts.overwrite {
                return Err(OpsError::HandEdited(HandEdits(hand)));
            }
            for (f, current) in &todo {
                if let Some(bytes) = current
                    && report.hand_edited.contains(&layout.host_name(&f.path))
                {
                    host.keep_replaced(&f.path, bytes)?;
                }
            }
        }
        // An apply killed after its swap left new files whose daemons were
        // never reloaded: this one reloads them, though no file changes now.
        let interrupted = self.interrupted();
        if todo.is_empty() && interrupted.is_none() {
            self.record_applied(revision)?;
            return Ok((report, vec![]));
        }
        if layout.is_sandbox() {
            Direct::new(layout.clone()).prepare_all().map_err(daemon)?;
            if todo.iter().any(|(f, _)| f.service == Service::Ssh) {
                ensure_host_keys(&layout).map_err(daemon)?;
            }
        } else {
            // The admin's files as they were, before anything is written.
            let paths: Vec<PathBuf> = todo.iter().map(|(f, _)| f.path.clone()).collect();
            host.keep_originals(&paths)?;
        }
        // 1. Every changed file must pass its checker before anything moves.
        // The checkers are independent processes: run them side by side.
        let absorbed: Vec<&RenderedFile> =
            todo.iter().map(|(f, _)| f).filter(|f| f.kind == FileKind::Absorbed).collect();
        let results: Vec<Result<()>> = std::thread::scope(|scope| {
            let handles: Vec<_> = todo
                .iter()
                .map(|(f, _)| {
                    let absorbed = &absorbed;
                    let layout = &layout;
                    scope.spawn(move || check_candidate(f, absorbed, layout))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(OpsError::Internal("a checker thread failed".into()))))
                .collect()
        });
        for r in results {
            r?;
        }
        // 2. Swap them in, nasguard's new versions recorded first: whatever
        // instant this process dies at, the files are old or new, and both
        // are known to be nasguard's.
        if system {
            let new: Vec<(PathBuf, String)> =
                todo.iter().map(|(f, _)| (f.path.clone(), sha256(f.content.as_bytes()))).collect();
            host.know(&new)?;
        }
        let before: Vec<Before> = todo
            .iter()
            .map(|(f, current)| Before {
                service: f.service,
                path: f.path.clone(),
                firewall: matches!(f.kind, FileKind::Firewall | FileKind::FirewallUnit),
                bytes: current.clone(),
            })
            .collect();
        let mut services: Vec<Service> = todo
            .iter()
            .filter(|(f, _)| !matches!(f.kind, FileKind::Firewall | FileKind::FirewallUnit))
            .map(|(f, _)| f.service)
            .chain(interrupted.iter().flat_map(|i| i.services.iter().copied()))
            .collect();
        services.sort();
        services.dedup();
        let firewall =
            system && (before.iter().any(|b| b.firewall) || interrupted.as_ref().is_some_and(|i| i.firewall));
        self.write_interrupted(&Interrupted { services: services.clone(), firewall })?;
        let batch: Vec<(&Path, &[u8], u32)> =
            todo.iter().map(|(f, _)| (f.path.as_path(), f.content.as_bytes(), f.mode)).collect();
        let (done, result) = files::write_batch(&batch, true);
        let written: Vec<(PathBuf, bool)> = done
            .iter()
            .map(|p| (p.clone(), todo.iter().any(|(f, current)| &f.path == p && current.is_some())))
            .collect();
        if let Err(e) = result {
            rollback(&written);
            self.settle_before(&before)?;
            self.clear_interrupted();
            return Err(daemon(e));
        }
        // 3. Put them to work: the firewall first (so a portal never opens
        // without its rules), then reload what runs, and check it is healthy.
        let sup = self.supervisor()?;
        let mut reloaded = vec![];
        let mut failure = None;
        let unit_changed = todo.iter().any(|(f, _)| f.kind == FileKind::FirewallUnit)
            || interrupted.as_ref().is_some_and(|i| i.firewall);
        if firewall && let Err(e) = Systemd::new(layout.clone()).firewall(unit_changed) {
            failure = Some((e, vec![]));
        }
        if failure.is_none() {
            let running: Vec<Service> =
                sup.status_all().map_err(daemon)?.into_iter().filter(|st| st.running).map(|st| st.service).collect();
            // The services are independent: reloaded and checked side by
            // side, like the checks (LIO's restore alone takes seconds).
            let outcomes: Vec<(Service, std::result::Result<(), DaemonError>)> = std::thread::scope(|scope| {
                let handles: Vec<_> = services
                    .iter()
                    .copied()
                    .filter(|s| running.contains(s))
                    .map(|s| {
                        let restart =
                            todo.iter().any(|(f, current)| f.service == s && needs_restart(f, current.as_deref()));
                        let sup = &sup;
                        let work = move || {
                            let put_to_work = if restart { sup.restart(s) } else { sup.reload(s) };
                            put_to_work.and_then(|_| sup.healthy(s))
                        };
                        (s, scope.spawn(work))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|(s, h)| {
                        let lost = || DaemonError::Failed { service: s, message: "its reload thread failed".into() };
                        (s, h.join().unwrap_or_else(|_| Err(lost())))
                    })
                    .collect()
            });
            for (s, outcome) in outcomes {
                match (outcome, &mut failure) {
                    (Ok(()), _) => reloaded.push(s),
                    (Err(e), None) => failure = Some((e, vec![s])),
                    (Err(_), Some((_, failed))) => failed.push(s),
                }
            }
        }
        if let Some((e, failed)) = failure {
            rollback(&written);
            if firewall {
                let _ = restore_firewall(&layout);
            }
            for r in reloaded.iter().chain(failed.iter()) {
                let _ = sup.reload(*r).or_else(|_| sup.restart(*r));
            }
            self.settle_before(&before)?;
            self.clear_interrupted();
            return Err(OpsError::RolledBack(e));
        }
        if system {
            let new: Vec<(PathBuf, String)> =
                todo.iter().map(|(f, _)| (f.path.clone(), sha256(f.content.as_bytes()))).collect();
            host.settle(&new)?;
        }
        self.record_applied(revision)?;
        self.clear_interrupted();
        report.reloaded = reloaded;
        Ok((report, before))
    }

    fn interrupted_path(&self) -> PathBuf {
        self.store().dir().join("apply-interrupted.json")
    }

    /// What an apply that did not finish (killed) had swapped in or was
    /// swapping: written before the swap, removed when it ends.
    fn interrupted(&self) -> Option<Interrupted> {
        serde_json::from_slice(&std::fs::read(self.interrupted_path()).ok()?).ok()
    }

    fn write_interrupted(&self, i: &Interrupted) -> Result<()> {
        let body = serde_json::to_vec(i).map_err(|e| OpsError::Internal(e.to_string()))?;
        files::write_atomic(&self.interrupted_path(), &body, 0o600, true).map_err(daemon)
    }

    fn clear_interrupted(&self) {
        let _ = std::fs::remove_file(self.interrupted_path());
    }

    /// After a failed apply: the files are as they were, and so is what
    /// nasguard knows of them.
    pub(crate) fn settle_before(&self, before: &[Before]) -> Result<()> {
        if self.layout()?.is_sandbox() {
            return Ok(());
        }
        let old: Vec<(PathBuf, String)> =
            before.iter().filter_map(|b| b.bytes.as_ref().map(|bytes| (b.path.clone(), sha256(bytes)))).collect();
        self.host_files()?.settle(&old)
    }

    fn applied_path(&self) -> PathBuf {
        self.store().dir().join("applied.json")
    }

    pub(crate) fn record_applied(&self, revision: i64) -> Result<()> {
        let at = nasguard_store::today();
        let body =
            serde_json::to_vec_pretty(&Applied { revision, at }).map_err(|e| OpsError::Internal(e.to_string()))?;
        files::write_atomic(&self.applied_path(), &body, 0o644, false).map_err(daemon)
    }

    /// Puts back what `applied` said before (a rollback of a confirmed
    /// apply), or forgets it.
    pub(crate) fn restore_applied(&self, previous: Option<&Applied>) -> Result<()> {
        match previous {
            Some(a) => {
                let body = serde_json::to_vec_pretty(a).map_err(|e| OpsError::Internal(e.to_string()))?;
                files::write_atomic(&self.applied_path(), &body, 0o644, false).map_err(daemon)
            }
            None => {
                let _ = std::fs::remove_file(self.applied_path());
                Ok(())
            }
        }
    }

    pub fn applied(&self) -> Option<Applied> {
        serde_json::from_slice(&std::fs::read(self.applied_path()).ok()?).ok()
    }

    /// `service ACTION SERVICE`: start, stop, restart or reload the daemon,
    /// or enable/disable starting it automatically. Recorded in the log.
    pub fn service(&mut self, action: ServiceAction, service: Service) -> Result<Status> {
        let result = match action.autostart() {
            Some(on) => {
                self.set_autostart(service, on).and_then(|()| self.supervisor()?.status(service).map_err(daemon))
            }
            None => self.control(action, service),
        };
        let detail = match &result {
            Ok(_) => service.to_string(),
            Err(e) => format!("{service} failed: {e}"),
        };
        self.record(&format!("service {action}"), &detail)?;
        result
    }

    fn control(&mut self, action: ServiceAction, service: Service) -> Result<Status> {
        let sup = self.supervisor()?;
        match action {
            ServiceAction::Start => {
                let layout = self.layout()?;
                let (_, _, rendered, _) = self.rendered()?;
                if rendered.iter().any(|f| f.service == service && !f.path.exists()) || !layout.is_sandbox() {
                    // First start: put the config in place through apply.
                    self.apply(false)?;
                }
                sup.start(service).map_err(daemon)?
            }
            ServiceAction::Stop => sup.stop(service).map_err(daemon)?,
            ServiceAction::Restart => sup.restart(service).map_err(daemon)?,
            ServiceAction::Reload => sup.reload(service).map_err(daemon)?,
            ServiceAction::Enable | ServiceAction::Disable => {}
        }
        sup.status(service).map_err(daemon)
    }

    /// `service enable|disable SERVICE`: "Start automatically".
    pub fn set_autostart(&mut self, service: Service, on: bool) -> Result<()> {
        let action = if on { ServiceAction::Enable } else { ServiceAction::Disable };
        self.change(&format!("service {action} {service}"), |cfg| {
            cfg.site.autostart.retain(|s| *s != service);
            if on {
                cfg.site.autostart.push(service);
            }
            Ok(())
        })?;
        let layout = self.layout()?;
        if !layout.is_sandbox() {
            Systemd::new(layout).enable(service, on).map_err(daemon)?;
        }
        Ok(())
    }

    /// The latest revision when it is not the one on disk (cheap: no daemon
    /// is asked), for "changes pending" banners.
    pub fn pending_revision(&self) -> Result<Option<i64>> {
        let latest = self.snapshot()?.revision;
        Ok((self.applied().map(|a| a.revision) != Some(latest)).then_some(latest))
    }

    pub fn status(&self) -> Result<StatusReport> {
        let snap = self.snapshot()?;
        let sup = self.supervisor()?;
        let applied = self.applied();
        let services: Vec<ServiceStatus> = sup
            .status_all()
            .map_err(daemon)?
            .into_iter()
            .map(|status| {
                let autostart = snap.config.site.autostart.contains(&status.service);
                ServiceStatus { status, autostart }
            })
            .collect();
        let deployment = self.store().deployment()?;
        let host = self.host_files()?;
        Ok(StatusReport {
            mode: deployment.mode(),
            backends: deployment.backends(),
            revision: snap.revision,
            latest_applied: applied.as_ref().is_some_and(|a| a.revision == snap.revision),
            applied,
            services,
            web: crate::web::serving(self.store().dir()),
            originals: if deployment.is_sandbox() { vec![] } else { host.originals() },
            unmanaged: host.managed().unmanaged.iter().map(|(s, why)| format!("{s}: {why}")).collect(),
            pending_confirmation: self.pending_confirmation(),
        })
    }
}

/// Writes the candidate next to its target (same filesystem, same relative
/// includes; a name no daemon's include pattern matches) and runs the
/// daemon's checker on it. The candidate is thrown away afterwards, so it
/// is written without fsync. Kernel exports are checked as the whole set
/// exportfs will read: the candidate, with the stubs of absorbed files.
fn check_candidate(f: &RenderedFile, absorbed: &[&RenderedFile], layout: &Layout) -> Result<()> {
    match f.kind {
        // Comments only: checked with the exports they stand in for.
        FileKind::Absorbed => return Ok(()),
        FileKind::Exports => {
            let ours = write_candidate(f)?;
            let main =
                absorbed.iter().find(|a| a.path == layout.exports_main()).map(|m| write_candidate(m)).transpose();
            let skip: Vec<String> = absorbed
                .iter()
                .filter(|a| a.path.parent() == layout.exports().parent())
                .filter_map(|a| a.path.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            let result = match &main {
                Ok(main) => check::exports(&ours, main.as_deref(), &skip).map_err(daemon),
                Err(_) => Ok(()),
            };
            let _ = std::fs::remove_file(&ours);
            if let Ok(Some(m)) = &main {
                let _ = std::fs::remove_file(m);
            }
            main?;
            return result;
        }
        _ => {}
    }
    let candidate = write_candidate(f)?;
    let result = check::check(f.kind, &candidate);
    let _ = std::fs::remove_file(&candidate);
    result.map_err(daemon)
}

fn write_candidate(f: &RenderedFile) -> Result<PathBuf> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = f.path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| OpsError::Io { path: dir.to_path_buf(), source: e })?;
    let name = f.path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let candidate = dir.join(format!(".nasguard-candidate-{name}~"));
    let io = |e| OpsError::Io { path: candidate.clone(), source: e };
    let mut file =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&candidate).map_err(io)?;
    file.write_all(f.content.as_bytes()).map_err(io)?;
    Ok(candidate)
}

/// Whether a changed file takes a restart rather than a reload: smbd
/// keeps the sockets it opened at start on `reload-config`, so a change of
/// the addresses or ports it listens on needs a restart.
fn needs_restart(f: &RenderedFile, old: Option<&[u8]>) -> bool {
    if f.kind != FileKind::SmbConf {
        return false;
    }
    let listen = |text: &str| -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| {
                l.starts_with("interfaces") || l.starts_with("bind interfaces only") || l.starts_with("smb ports")
            })
            .map(String::from)
            .collect()
    };
    let old = old.map(String::from_utf8_lossy).unwrap_or_default();
    listen(&old) != listen(&f.content)
}

/// After the firewall files were put back: load what they say now, or
/// remove nasguard's table when there was none before.
pub(crate) fn restore_firewall(layout: &Layout) -> Result<()> {
    let sd = Systemd::new(layout.clone());
    if layout.firewall_rules().exists() {
        sd.daemon_reload().map_err(daemon)?;
        sd.firewall(false).map_err(daemon)
    } else {
        sd.firewall_off().map_err(daemon)?;
        sd.daemon_reload().map_err(daemon)
    }
}

fn rollback(written: &[(PathBuf, bool)]) {
    for (path, existed) in written.iter().rev() {
        let _ = files::restore_prev(path, *existed);
    }
}

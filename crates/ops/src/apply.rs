//! `apply`, `service` and `status`: from the stored model to running
//! daemons.
//!
//! Apply renders every file, diffs it against what is on disk, checks each
//! changed file with the daemon's own checker, swaps the files in
//! atomically (keeping `.prev`), reloads the running services whose files
//! changed, checks they are healthy, and on any failure puts the previous
//! files back, reloads again, and reports why.

use crate::{Nasguard, OpsError, Result};
use nasguard_daemons::direct::{Direct, ensure_host_keys};
use nasguard_daemons::systemd::Systemd;
use nasguard_daemons::{DaemonError, Status, Supervisor, check, files, wait_for_port};
use nasguard_model::{Service, ServiceAction};
use nasguard_render::{Ids, Layout, RenderedFile, render_all};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    pub revision: i64,
    pub applied: Option<Applied>,
    pub latest_applied: bool,
    pub services: Vec<ServiceStatus>,
    /// How `nasguard serve` serves (HTTPS, the certificate's fingerprint),
    /// as it recorded when it last started; absent when it never ran.
    pub web: Option<crate::web::WebServing>,
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
        Ok(Layout::for_deployment(self.store().dir(), &self.store().deployment()?))
    }

    pub fn supervisor(&self) -> Result<Box<dyn Supervisor>> {
        let layout = self.layout()?;
        if layout.is_sandbox() {
            Ok(Box::new(Direct::new(layout)))
        } else {
            let systemctl = nasguard_daemons::program("systemctl").unwrap_or_else(|| PathBuf::from("systemctl"));
            Ok(Box::new(Systemd { systemctl, address: layout.bind.to_string() }))
        }
    }

    fn rendered(&self) -> Result<(i64, Vec<RenderedFile>)> {
        let snap = self.snapshot()?;
        // A store written by an older nasguard may hold what validation
        // refuses today: never render it.
        snap.config.validate()?;
        crate::host::check_extents(&snap.config, &self.host_root())?;
        let layout = self.layout()?;
        let files = render_all(&snap.config, &layout, &read_ids(&self.host_root()))
            .map_err(|e| render_error(&snap.config, e))?;
        Ok((snap.revision, files))
    }

    /// The whole apply (see the module docs), recorded in the audit log
    /// with its outcome (a dry run changes nothing and is not recorded).
    pub fn apply(&mut self, dry_run: bool) -> Result<ApplyReport> {
        let result = self.apply_files(dry_run);
        if !dry_run {
            let (action, detail) = match &result {
                Ok(r) => {
                    let changed: Vec<String> =
                        r.files.iter().filter(|f| f.changed).map(|f| f.path.display().to_string()).collect();
                    ("apply", format!("revision {}; changed: {}", r.revision, changed.join(", ")))
                }
                Err(e) => ("apply failed", e.to_string()),
            };
            self.record(action, &detail)?;
        }
        result
    }

    fn apply_files(&mut self, dry_run: bool) -> Result<ApplyReport> {
        let layout = self.layout()?;
        let (revision, rendered) = self.rendered()?;
        let mut changes = vec![];
        let mut todo: Vec<(RenderedFile, bool)> = vec![];
        for f in rendered {
            let current = std::fs::read_to_string(&f.path).ok();
            let changed = current.as_deref() != Some(f.content.as_str());
            let diff = if changed {
                similar::TextDiff::from_lines(current.as_deref().unwrap_or(""), &f.content)
                    .unified_diff()
                    .context_radius(2)
                    .header(
                        &format!("{} (on disk)", f.path.display()),
                        &format!("{} (revision {revision})", f.path.display()),
                    )
                    .to_string()
            } else {
                String::new()
            };
            changes.push(FileChange { service: f.service, path: f.path.clone(), changed, diff });
            if changed {
                todo.push((f, current.is_some()));
            }
        }
        if dry_run || todo.is_empty() {
            if !dry_run {
                self.record_applied(revision)?;
            }
            return Ok(ApplyReport { revision, dry_run, files: changes, reloaded: vec![] });
        }
        if layout.is_sandbox() {
            Direct::new(layout.clone()).prepare_all().map_err(daemon)?;
            if todo.iter().any(|(f, _)| f.service == Service::Ssh) {
                ensure_host_keys(&layout).map_err(daemon)?;
            }
        }
        // 1. Every changed file must pass its checker before anything moves.
        // The checkers are independent processes: run them side by side.
        let results: Vec<Result<()>> = std::thread::scope(|scope| {
            let handles: Vec<_> = todo.iter().map(|(f, _)| scope.spawn(move || check_candidate(f))).collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(OpsError::Internal("a checker thread failed".into()))))
                .collect()
        });
        for r in results {
            r?;
        }
        // 2. Swap them in.
        let batch: Vec<(&Path, &[u8], u32)> =
            todo.iter().map(|(f, _)| (f.path.as_path(), f.content.as_bytes(), f.mode)).collect();
        let (done, result) = files::write_batch(&batch, true);
        let written: Vec<(PathBuf, bool)> =
            done.iter().map(|p| (p.clone(), todo.iter().any(|(f, existed)| &f.path == p && *existed))).collect();
        if let Err(e) = result {
            rollback(&written);
            return Err(daemon(e));
        }
        // 3. Reload what runs, then check it is healthy.
        let sup = self.supervisor()?;
        let mut services: Vec<Service> = todo.iter().map(|(f, _)| f.service).collect();
        services.dedup();
        let mut reloaded = vec![];
        for s in services {
            if !sup.status(s).map_err(daemon)?.running {
                continue;
            }
            let outcome = sup.reload(s).and_then(|_| healthy(&*sup, s));
            if let Err(e) = outcome {
                rollback(&written);
                for r in reloaded.iter().chain(std::iter::once(&s)) {
                    let _ = sup.reload(*r).or_else(|_| sup.restart(*r));
                }
                return Err(OpsError::RolledBack(e));
            }
            reloaded.push(s);
        }
        self.record_applied(revision)?;
        Ok(ApplyReport { revision, dry_run, files: changes, reloaded })
    }

    fn applied_path(&self) -> PathBuf {
        self.store().dir().join("applied.json")
    }

    fn record_applied(&self, revision: i64) -> Result<()> {
        let at = nasguard_store::today();
        let body =
            serde_json::to_vec_pretty(&Applied { revision, at }).map_err(|e| OpsError::Internal(e.to_string()))?;
        files::write_atomic(&self.applied_path(), &body, 0o644, false).map_err(daemon)
    }

    pub fn applied(&self) -> Option<Applied> {
        serde_json::from_slice(&std::fs::read(self.applied_path()).ok()?).ok()
    }

    /// `service start|stop|restart|reload SERVICE`.
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
                let (_, rendered) = self.rendered()?;
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
        if !self.layout()?.is_sandbox() {
            let systemctl = nasguard_daemons::program("systemctl").unwrap_or_else(|| PathBuf::from("systemctl"));
            Systemd { systemctl, address: String::new() }.enable(service, on).map_err(daemon)?;
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
        let mut services = vec![];
        for s in Service::ALL {
            services.push(ServiceStatus {
                status: sup.status(s).map_err(daemon)?,
                autostart: snap.config.site.autostart.contains(&s),
            });
        }
        Ok(StatusReport {
            mode: self.store().deployment()?.mode(),
            revision: snap.revision,
            latest_applied: applied.as_ref().is_some_and(|a| a.revision == snap.revision),
            applied,
            services,
            web: crate::web::serving(self.store().dir()),
        })
    }
}

/// Writes the candidate next to its target (same filesystem, same relative
/// includes) and runs the daemon's checker on it. The candidate is thrown
/// away afterwards, so it is written without fsync.
fn check_candidate(f: &RenderedFile) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = f.path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| OpsError::Io { path: dir.to_path_buf(), source: e })?;
    let name = f.path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let candidate = dir.join(format!(".nasguard-candidate-{name}"));
    let io = |e| OpsError::Io { path: candidate.clone(), source: e };
    let mut file =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&candidate).map_err(io)?;
    file.write_all(f.content.as_bytes()).map_err(io)?;
    drop(file);
    let result = check::check(f.service, &candidate);
    let _ = std::fs::remove_file(&candidate);
    result.map_err(daemon)
}

fn healthy(sup: &dyn Supervisor, s: Service) -> nasguard_daemons::Result<()> {
    let st = sup.status(s)?;
    let addr = st.address.parse().unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
    let port_ok = st.ports.first().is_none_or(|p| wait_for_port(addr, *p, Duration::from_secs(10)));
    if st.running && port_ok {
        Ok(())
    } else {
        Err(DaemonError::Failed { service: s, message: "not running or not answering after reload".into() })
    }
}

fn rollback(written: &[(PathBuf, bool)]) {
    for (path, existed) in written.iter().rev() {
        let _ = files::restore_prev(path, *existed);
    }
}

//! Adopting a host and giving it back (system deployment).
//!
//! `init` on a host: keep the original of every file nasguard will write,
//! import what the four services' configs say (as `import --from /etc`),
//! and report what the model could not hold. A service whose config cannot
//! be imported is left alone (not managed) until `nasguard import` takes
//! it, so nothing of it is overwritten. `release` gives the host back: the
//! originals restored byte for byte, nasguard's own files removed, the
//! services reloaded.

use crate::configdir::{Scanned, scan_for};
use crate::{Nasguard, OpsError, Result};
use nasguard_daemons::Supervisor;
use nasguard_daemons::files;
use nasguard_daemons::systemd::Systemd;
use nasguard_model::Service;
use nasguard_model::deployment::{Backends, IscsiBackend, NfsBackend};
use nasguard_render::{FileKind, Layout, render_all};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What `init` did on a host.
#[derive(Debug, Clone, Serialize)]
pub struct Adopted {
    pub backends: Backends,
    /// Services whose settings were imported.
    pub imported: Vec<Service>,
    /// Files read.
    pub read: Vec<String>,
    /// What the model could not hold, each with where and why.
    pub notes: Vec<String>,
    /// Originals kept (each as the host names it).
    pub originals: Vec<PathBuf>,
    /// Services left alone until `nasguard import` succeeds, with why.
    pub unmanaged: Vec<String>,
}

/// What `release` did.
#[derive(Debug, Clone, Serialize)]
pub struct Released {
    /// Originals written back.
    pub restored: Vec<PathBuf>,
    /// Files nasguard had created, removed.
    pub removed: Vec<PathBuf>,
    /// Services reloaded.
    pub reloaded: Vec<Service>,
    /// What could not be done (the rest was).
    pub problems: Vec<String>,
}

/// The backends a host should use: the kernel's servers when installed
/// (`exportfs` of nfs-kernel-server, `targetctl` of rtslib-fb), else the
/// user-space ones when those are, else the kernel's.
pub fn detect_backends(root: &Path) -> Backends {
    let has = |paths: &[&str]| paths.iter().any(|p| root.join(p).is_file());
    let nfs = if has(&["usr/sbin/exportfs", "sbin/exportfs"]) {
        NfsBackend::Kernel
    } else if has(&["usr/bin/ganesha.nfsd", "usr/sbin/ganesha.nfsd"]) {
        NfsBackend::Ganesha
    } else {
        NfsBackend::Kernel
    };
    let iscsi = if has(&["usr/bin/targetctl", "usr/sbin/targetctl"]) {
        IscsiBackend::Lio
    } else if has(&["usr/sbin/tgtd", "usr/bin/tgtd"]) {
        IscsiBackend::Tgt
    } else {
        IscsiBackend::Lio
    };
    Backends { nfs, iscsi }
}

impl Nasguard {
    fn etc(&self) -> PathBuf {
        self.host_root().join("etc")
    }

    /// Every host path nasguard writes for this deployment (any model).
    fn written_paths(&self, layout: &Layout) -> Vec<(Service, FileKind, PathBuf)> {
        render_all(&nasguard_model::Config::default(), layout, &nasguard_render::Ids::default())
            .map(|files| files.into_iter().map(|f| (f.service, f.kind, f.path)).collect())
            .unwrap_or_default()
    }

    /// `init` on a host (see the module docs).
    pub fn adopt(&mut self) -> Result<Adopted> {
        let layout = self.layout()?;
        if layout.is_sandbox() {
            return Err(OpsError::Precondition("a sandbox has nothing to adopt".into()));
        }
        let scanned = scan_for(&self.etc(), Some(layout.backends))?;
        let mut paths: Vec<PathBuf> = self.written_paths(&layout).into_iter().map(|(_, _, p)| p).collect();
        paths.extend(self.absorbable(&layout, &scanned));
        let kept = self.host_files()?.keep_originals(&paths)?;
        let mut adopted = Adopted {
            backends: layout.backends,
            imported: vec![],
            read: scanned.files.iter().map(|f| f.display().to_string()).collect(),
            notes: vec![],
            originals: kept.iter().filter(|o| o.existed).map(|o| o.path.clone()).collect(),
            unmanaged: vec![],
        };
        if scanned.services.is_empty() {
            return Ok(adopted);
        }
        // All at once; if the model refuses some service's settings, each
        // service on its own, and the ones refused stay unmanaged.
        match self.import_scanned(&scanned, &scanned.services, "init: import from the host") {
            Ok(notes) => {
                adopted.imported = scanned.services.clone();
                adopted.notes = notes.into_iter().skip(1).collect();
            }
            Err(OpsError::Invalid(_)) => {
                for s in scanned.services.clone() {
                    match self.import_scanned(&scanned, &[s], &format!("init: import {s} from the host")) {
                        Ok(notes) => {
                            adopted.imported.push(s);
                            adopted.notes.extend(notes.into_iter().skip(1));
                        }
                        Err(OpsError::Invalid(v)) => {
                            let why = format!(
                                "its config could not be imported ({v}); nasguard leaves it alone until `nasguard import` succeeds"
                            );
                            adopted.unmanaged.push(format!("{s}: {why}"));
                            let host = self.host_files()?;
                            let mut m = host.managed();
                            m.unmanaged.insert(s, why);
                            host.save_managed(&m)?;
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            Err(e) => return Err(e),
        }
        self.imported_from_host(&scanned, &adopted.imported)?;
        self.record(
            "init: adopted the host",
            &format!("imported {:?}; originals kept: {}", adopted.imported, adopted.originals.len()),
        )?;
        Ok(adopted)
    }

    /// Host files (other than nasguard's own) whose settings an import
    /// takes over: exports files and tgt config files that hold some.
    fn absorbable(&self, layout: &Layout, scanned: &Scanned) -> Vec<PathBuf> {
        let root = &layout.root;
        scanned
            .holding_settings
            .iter()
            .map(|p| root.join(p.strip_prefix("/").unwrap_or(p)))
            .filter(|p| nasguard_render::absorbed_stub(layout, p).is_some())
            .filter(|p| match (layout.backends.nfs, layout.backends.iscsi) {
                (NfsBackend::Ganesha, _) if layout.host_name(p).starts_with("/etc/exports") => false,
                (_, IscsiBackend::Lio) if layout.host_name(p).starts_with("/etc/tgt") => false,
                _ => true,
            })
            .collect()
    }

    /// After an import from the host's own /etc: the files read are now
    /// nasguard's to overwrite (their settings are in the model), the
    /// files holding settings are absorbed, and the services imported are
    /// managed again.
    pub(crate) fn imported_from_host(&self, scanned: &Scanned, services: &[Service]) -> Result<()> {
        let layout = self.layout()?;
        if layout.is_sandbox() {
            return Ok(());
        }
        let host = self.host_files()?;
        let absorbable: Vec<PathBuf> = self
            .absorbable(&layout, scanned)
            .into_iter()
            .filter(|p| nasguard_render::absorbed_stub(&layout, p).is_some_and(|f| services.contains(&f.service)))
            .collect();
        host.keep_originals(&absorbable)?;
        let mut known = vec![];
        for (service, kind, path) in self.written_paths(&layout) {
            if services.contains(&service)
                && !matches!(kind, FileKind::Firewall | FileKind::FirewallUnit)
                && let Ok(bytes) = std::fs::read(&path)
            {
                known.push((path, crate::hostfiles::sha256(&bytes)));
            }
        }
        for path in &absorbable {
            if let Ok(bytes) = std::fs::read(path) {
                known.push((path.clone(), crate::hostfiles::sha256(&bytes)));
            }
        }
        host.know(&known)?;
        let mut m = host.managed();
        for p in absorbable {
            if !m.absorbed.contains(&p) {
                m.absorbed.push(p);
            }
        }
        for s in services {
            m.unmanaged.remove(s);
        }
        host.save_managed(&m)
    }

    /// `nasguard release`: gives the host back as it was (see the module docs).
    pub fn release(&mut self) -> Result<Released> {
        let layout = self.layout()?;
        if layout.is_sandbox() {
            return Err(OpsError::Precondition("a sandbox has no host files to give back".into()));
        }
        if self.pending_confirmation().is_some() {
            return Err(OpsError::Precondition(
                "an apply awaits `nasguard confirm`: confirm it (or let it expire) first".into(),
            ));
        }
        let host = self.host_files()?;
        let originals = host.originals();
        let mut out = Released { restored: vec![], removed: vec![], reloaded: vec![], problems: vec![] };
        let kinds = self.written_paths(&layout);
        let mut touched: Vec<Service> = vec![];
        let mut firewall = false;
        for o in &originals {
            let real = layout.host(o.path.strip_prefix("/").unwrap_or(&o.path).to_str().unwrap_or(""));
            let current = std::fs::read(&real).ok();
            let service = kinds.iter().find(|(_, _, p)| *p == real).map(|(s, k, _)| (*s, *k));
            if let Some((_, FileKind::Firewall | FileKind::FirewallUnit)) = service {
                firewall = true;
            }
            if o.existed {
                let Some(copy) = &o.kept_at else { continue };
                let bytes = std::fs::read(copy).map_err(|e| OpsError::Io { path: copy.clone(), source: e })?;
                if current.as_deref() == Some(bytes.as_slice()) {
                    continue;
                }
                if let Some(c) = &current {
                    host.keep_replaced(&real, c)?;
                }
                files::write_atomic(&real, &bytes, o.mode, false).map_err(OpsError::Daemon)?;
                let _ = std::os::unix::fs::chown(&real, Some(o.uid), Some(o.gid));
                out.restored.push(o.path.clone());
            } else if let Some(c) = &current {
                host.keep_replaced(&real, c)?;
                std::fs::remove_file(&real).map_err(|e| OpsError::Io { path: real.clone(), source: e })?;
                out.removed.push(o.path.clone());
            } else {
                continue;
            }
            let _ = std::fs::remove_file(files::prev_path(&real));
            let stub = || nasguard_render::absorbed_stub(&layout, &real).map(|f| (f.service, f.kind));
            if let Some((s, _)) = service.or_else(stub)
                && !touched.contains(&s)
            {
                touched.push(s);
            }
        }
        let sd = Systemd::new(layout.clone());
        if firewall {
            sd.firewall_off().map_err(OpsError::Daemon)?;
            let _ = sd.daemon_reload();
        }
        touched.sort();
        for s in touched {
            let st = sd.status(s);
            if !st.as_ref().is_ok_and(|st| st.running) {
                continue;
            }
            let reloaded = if s == Service::Iscsi && layout.backends.iscsi == IscsiBackend::Lio {
                if layout.lio_saveconfig().exists() {
                    nasguard_daemons::lio::restore(&layout.lio_saveconfig())
                } else {
                    nasguard_daemons::lio::clear()
                }
            } else {
                sd.reload(s)
            };
            match reloaded {
                Ok(()) => out.reloaded.push(s),
                Err(e) => out.problems.push(e.to_string()),
            }
        }
        // nasguard's own directory, if nothing else is in it.
        let _ = std::fs::remove_dir(layout.host("etc/nasguard"));
        host.save_managed(&crate::hostfiles::Managed::default())?;
        self.restore_applied(None)?;
        self.record("release", &format!("originals restored: {}; removed: {}", out.restored.len(), out.removed.len()))?;
        Ok(out)
    }
}

//! What nasguard knows about the host files it writes (system deployment):
//! the pristine original of each, and the versions it may overwrite.
//!
//! **Invariants (the admin's data is sacred):**
//! - Before nasguard first writes a host file, a copy of the file as it was
//!   (or the fact that it did not exist) is kept under
//!   `STATE/originals/`, listed in `STATE/originals.json`, and never
//!   replaced: later writes never touch it. `release` puts them all back.
//! - nasguard overwrites a host file only when its content is one nasguard
//!   knows (`STATE/managed.json`): what it wrote last, what an apply under
//!   way is writing (recorded *before* the swap, so a `kill -9` between the
//!   two leaves a file nasguard still recognises), or what `init`/`import`
//!   read into the model. Anything else is a hand edit: apply refuses,
//!   shows the diff and says how to proceed.

use crate::{OpsError, Result};
use nasguard_daemons::files;
use nasguard_model::Service;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

pub fn sha256(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// One original host file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Original {
    /// As the host names it (`/etc/samba/smb.conf`).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub path: PathBuf,
    /// Whether it existed before nasguard wrote it (`release` removes it if not).
    pub existed: bool,
    /// SHA-256 of the original bytes (empty when it did not exist).
    pub sha256: String,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Where the copy is kept (under the state directory).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub kept_at: Option<PathBuf>,
    pub at: String,
}

/// The versions of one file nasguard may overwrite.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Known {
    pub sha256: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Managed {
    /// Host path (real, under the layout's root) -> known versions.
    pub files: BTreeMap<PathBuf, Known>,
    /// Host files whose settings nasguard took into its model (e.g.
    /// `/etc/exports` holding exports): rendered as a stub pointing at
    /// nasguard's own file, so nothing is served twice.
    pub absorbed: Vec<PathBuf>,
    /// Services `init` could not import (each with why): apply leaves
    /// their files alone until `nasguard import` succeeds.
    pub unmanaged: BTreeMap<Service, String>,
}

pub struct HostFiles {
    state: PathBuf,
    /// The layout's root (`/` on a real host).
    root: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OpsError + '_ {
    move |source| OpsError::Io { path: path.to_path_buf(), source }
}

impl HostFiles {
    pub fn new(state: &Path, root: &Path) -> HostFiles {
        HostFiles { state: state.to_path_buf(), root: root.to_path_buf() }
    }

    fn manifest_path(&self) -> PathBuf {
        self.state.join("originals.json")
    }

    fn managed_path(&self) -> PathBuf {
        self.state.join("managed.json")
    }

    /// `path` as the host names it.
    pub fn host_name(&self, path: &Path) -> PathBuf {
        match path.strip_prefix(&self.root) {
            Ok(rel) => Path::new("/").join(rel),
            Err(_) => path.to_path_buf(),
        }
    }

    pub fn originals(&self) -> Vec<Original> {
        std::fs::read(self.manifest_path()).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    fn write_json<T: Serialize>(&self, path: &Path, value: &T) -> Result<()> {
        let body = serde_json::to_vec_pretty(value).map_err(|e| OpsError::Internal(e.to_string()))?;
        files::write_atomic(path, &body, 0o600, false).map_err(OpsError::Daemon)
    }

    /// Keeps the original of each real path (once: an original already
    /// kept is never replaced). Returns the ones kept now.
    pub fn keep_originals(&self, paths: &[PathBuf]) -> Result<Vec<Original>> {
        let mut all = self.originals();
        let mut new = vec![];
        for real in paths {
            let name = self.host_name(real);
            if all.iter().any(|o| o.path == name) {
                continue;
            }
            let at = nasguard_store::today();
            let o = match std::fs::symlink_metadata(real) {
                Ok(meta) if meta.is_file() => {
                    let bytes = std::fs::read(real).map_err(io(real))?;
                    let rel = name.strip_prefix("/").unwrap_or(&name);
                    let copy = self.state.join("originals").join(rel);
                    // Never replaced: an existing copy means an earlier
                    // run kept it and died before the manifest was saved.
                    if !copy.exists() {
                        files::write_atomic(&copy, &bytes, 0o600, false).map_err(OpsError::Daemon)?;
                    }
                    Original {
                        path: name,
                        existed: true,
                        sha256: sha256(&bytes),
                        mode: meta.mode() & 0o7777,
                        uid: meta.uid(),
                        gid: meta.gid(),
                        kept_at: Some(copy),
                        at,
                    }
                }
                Ok(_) => {
                    return Err(OpsError::Precondition(format!(
                        "{} is not a regular file: nasguard will not replace it",
                        name.display()
                    )));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Original {
                    path: name,
                    existed: false,
                    sha256: String::new(),
                    mode: 0o644,
                    uid: 0,
                    gid: 0,
                    kept_at: None,
                    at,
                },
                Err(e) => return Err(OpsError::Io { path: real.clone(), source: e }),
            };
            new.push(o.clone());
            all.push(o);
        }
        if !new.is_empty() {
            self.write_json(&self.manifest_path(), &all)?;
        }
        Ok(new)
    }

    pub fn managed(&self) -> Managed {
        std::fs::read(self.managed_path()).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    pub fn save_managed(&self, m: &Managed) -> Result<()> {
        self.write_json(&self.managed_path(), m)
    }

    /// Adds versions nasguard may overwrite (write-ahead before a swap, or
    /// what an import read).
    pub fn know(&self, versions: &[(PathBuf, String)]) -> Result<()> {
        let mut m = self.managed();
        for (path, hash) in versions {
            let k = m.files.entry(path.clone()).or_default();
            if !k.sha256.contains(hash) {
                k.sha256.push(hash.clone());
            }
        }
        self.save_managed(&m)
    }

    /// After a swap (or a rollback): each file's one known version is what
    /// is on disk now.
    pub fn settle(&self, versions: &[(PathBuf, String)]) -> Result<()> {
        let mut m = self.managed();
        for (path, hash) in versions {
            m.files.insert(path.clone(), Known { sha256: vec![hash.clone()] });
        }
        self.save_managed(&m)
    }

    /// Whether nasguard may overwrite `path`, whose content is `current`
    /// (`None`: absent). A file never recorded is judged against its
    /// original: unchanged since `init`, or absent then and now.
    pub fn may_overwrite(&self, path: &Path, current: Option<&[u8]>) -> bool {
        let hash = current.map(sha256);
        if let Some(k) = self.managed().files.get(path) {
            return match &hash {
                Some(h) => k.sha256.contains(h),
                // Removed by hand: writing it back loses nothing.
                None => true,
            };
        }
        let name = self.host_name(path);
        match (self.originals().into_iter().find(|o| o.path == name), hash) {
            (_, None) => true,
            (Some(o), Some(h)) => o.existed && o.sha256 == h,
            (None, Some(_)) => false,
        }
    }

    /// Keeps a copy of a hand edit that `apply --overwrite` or `release`
    /// replaces, under `STATE/replaced/DATE-N/`.
    pub fn keep_replaced(&self, path: &Path, bytes: &[u8]) -> Result<PathBuf> {
        let name = self.host_name(path);
        let rel = name.strip_prefix("/").unwrap_or(&name).to_path_buf();
        let day = nasguard_store::today();
        for n in 1..10_000 {
            let copy = self.state.join("replaced").join(format!("{day}-{n}")).join(&rel);
            if !copy.exists() {
                files::write_atomic(&copy, bytes, 0o600, false).map_err(OpsError::Daemon)?;
                return Ok(copy);
            }
        }
        Err(OpsError::Internal("too many replaced copies today".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn originals_are_kept_once_and_hand_edits_are_told_apart() {
        let root = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        let smb = root.path().join("etc/samba/smb.conf");
        std::fs::create_dir_all(smb.parent().unwrap()).unwrap();
        std::fs::write(&smb, "[family-photos]\n path = /srv/photos\n").unwrap();
        let absent = root.path().join("etc/exports.d/nasguard.exports");
        let h = HostFiles::new(state.path(), root.path());
        let kept = h.keep_originals(&[smb.clone(), absent.clone()]).unwrap();
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].path, Path::new("/etc/samba/smb.conf"));
        let copy = kept[0].kept_at.clone().unwrap();
        assert_eq!(std::fs::read_to_string(&copy).unwrap(), "[family-photos]\n path = /srv/photos\n");
        assert!(!kept[1].existed);
        // Never replaced, whatever the file becomes.
        std::fs::write(&smb, "nasguard's\n").unwrap();
        assert!(h.keep_originals(std::slice::from_ref(&smb)).unwrap().is_empty());
        assert_eq!(std::fs::read_to_string(&copy).unwrap(), "[family-photos]\n path = /srv/photos\n");
        // Unrecorded: only the original (or absence) may be overwritten.
        assert!(!h.may_overwrite(&smb, Some(b"nasguard's\n")));
        assert!(h.may_overwrite(&smb, Some(b"[family-photos]\n path = /srv/photos\n")));
        assert!(h.may_overwrite(&absent, None));
        assert!(!h.may_overwrite(&absent, Some(b"made after init\n")));
        // Write-ahead: both versions are nasguard's until it settles.
        h.know(&[(smb.clone(), sha256(b"v1\n"))]).unwrap();
        h.know(&[(smb.clone(), sha256(b"v2\n"))]).unwrap();
        assert!(h.may_overwrite(&smb, Some(b"v1\n")) && h.may_overwrite(&smb, Some(b"v2\n")));
        h.settle(&[(smb.clone(), sha256(b"v2\n"))]).unwrap();
        assert!(!h.may_overwrite(&smb, Some(b"v1\n")));
        assert!(!h.may_overwrite(&smb, Some(b"v2 edited by hand\n")));
        let copy = h.keep_replaced(&smb, b"v2 edited by hand\n").unwrap();
        assert!(copy.starts_with(state.path().join("replaced")));
    }
}

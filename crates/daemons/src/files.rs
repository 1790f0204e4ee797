//! Atomic config writes: a temp file in the same directory, fsync, rename,
//! fsync the directory. A reader (or a crash, or kill -9) sees the old or
//! the new file, never a mix. The previous version is kept as `NAME.prev`.

use crate::{DaemonError, Result};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DaemonError + '_ {
    move |source| DaemonError::Io { path: path.to_path_buf(), source }
}

pub fn prev_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".prev");
    path.with_file_name(name)
}

fn fsync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

/// Writes `content` to `path` atomically with `mode`; with `keep_prev`,
/// the current file (if any) is first hard-linked to `path.prev`.
pub fn write_atomic(path: &Path, content: &[u8], mode: u32, keep_prev: bool) -> Result<()> {
    write_batch(&[(path, content, mode)], keep_prev).1
}

/// Writes several files atomically each (see [`write_atomic`]), with one
/// directory fsync per directory instead of one per file. Each file is the
/// old or the new version after a crash, as with `write_atomic`. Returns
/// the paths written, in order, so a caller can roll back what was done if
/// a later one fails.
pub fn write_batch(files: &[(&Path, &[u8], u32)], keep_prev: bool) -> (Vec<PathBuf>, Result<()>) {
    let mut staged = vec![];
    for (path, content, mode) in files {
        let staging = (|| -> Result<tempfile::NamedTempFile> {
            let dir = path.parent().ok_or_else(|| DaemonError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other("no parent directory"),
            })?;
            std::fs::create_dir_all(dir).map_err(io(dir))?;
            let mut tmp = tempfile::Builder::new().prefix(".nasguard-").tempfile_in(dir).map_err(io(dir))?;
            tmp.as_file().set_permissions(std::fs::Permissions::from_mode(*mode)).map_err(io(path))?;
            tmp.write_all(content).and_then(|_| tmp.as_file().sync_all()).map_err(io(path))?;
            Ok(tmp)
        })();
        match staging {
            Ok(tmp) => staged.push((path.to_path_buf(), tmp)),
            Err(e) => return (vec![], Err(e)),
        }
    }
    let mut done = vec![];
    let mut dirs: Vec<PathBuf> = vec![];
    for (path, tmp) in staged {
        if keep_prev && path.exists() {
            let prev = prev_path(&path);
            let _ = std::fs::remove_file(&prev);
            if let Err(e) = std::fs::hard_link(&path, &prev) {
                return (done, Err(DaemonError::Io { path: prev, source: e }));
            }
        }
        if let Err(e) = tmp.persist(&path) {
            return (done, Err(DaemonError::Io { path, source: e.error }));
        }
        if let Some(d) = path.parent()
            && !dirs.iter().any(|x| x == d)
        {
            dirs.push(d.to_path_buf());
        }
        done.push(path);
    }
    for d in &dirs {
        if let Err(e) = fsync_dir(d) {
            return (done, Err(e));
        }
    }
    (done, Ok(()))
}

/// Puts `path.prev` back (atomically), or removes `path` if there was none.
pub fn restore_prev(path: &Path, existed_before: bool) -> Result<()> {
    let prev = prev_path(path);
    if existed_before && prev.exists() {
        std::fs::rename(&prev, path).map_err(io(path))?;
    } else if !existed_before {
        let _ = std::fs::remove_file(path);
    }
    if let Some(dir) = path.parent() {
        fsync_dir(dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_keeps_prev_and_restore_puts_it_back() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("smb.conf");
        write_atomic(&p, b"old", 0o644, true).unwrap();
        write_atomic(&p, b"new", 0o600, true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        assert_eq!(std::fs::read(prev_path(&p)).unwrap(), b"old");
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        restore_prev(&p, true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        let leftovers: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".nasguard-"))
            .collect();
        assert!(leftovers.is_empty());
    }
}

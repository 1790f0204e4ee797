//! What `nasguard serve` serves, as it recorded when it started
//! (`STATE/serve.json`), for `status`: the address, HTTP or HTTPS, and the
//! certificate's SHA-256 fingerprint, which is what an admin compares with
//! the browser's warning about a self-signed certificate.

use crate::{OpsError, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The record's file name in the state directory.
pub const RECORD: &str = "serve.json";
/// Where a server run by systemd leaves its one-time setup link (0600)
/// instead of printing it to the journal, which the `adm` group can read.
pub const SETUP_LINK: &str = "setup-link";

/// How `nasguard serve` serves, recorded when it starts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebServing {
    /// Where it listens, e.g. `https://[::]:8443/`.
    pub url: String,
    /// HTTPS served by nasguard itself.
    pub tls: bool,
    /// The certificate served (HTTPS only).
    pub certificate: Option<WebCertificate>,
    /// The serving process.
    pub pid: u32,
    /// When it started (RFC 3339, UTC).
    pub started: String,
    /// Whether that process still runs (worked out when read, not stored).
    #[serde(default)]
    pub running: bool,
}

/// The certificate `serve` presents.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebCertificate {
    /// The PEM file it was read from.
    pub path: String,
    /// SHA-256 of the certificate (DER), as `AB:CD:...`: what browsers and
    /// `openssl x509 -fingerprint -sha256` show.
    pub sha256: String,
    /// nasguard made it (self-signed, on first start); false for one the
    /// admin configured.
    pub generated: bool,
    /// Last day it is valid (RFC 3339), when nasguard knows it.
    pub not_after: Option<String>,
}

/// Records that this process serves `url` (HTTPS with `certificate`, or
/// plain HTTP), atomically: a reader sees the old record or the new one.
pub fn record_serving(dir: &Path, url: &str, certificate: Option<WebCertificate>) -> Result<WebServing> {
    let now = time::OffsetDateTime::now_utc();
    let started = now
        .replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| OpsError::Internal(e.to_string()))?;
    let serving = WebServing {
        url: url.to_string(),
        tls: certificate.is_some(),
        certificate,
        pid: std::process::id(),
        started,
        running: true,
    };
    write_record(dir, &serving)?;
    Ok(serving)
}

fn write_record(dir: &Path, serving: &WebServing) -> Result<()> {
    let path = dir.join(RECORD);
    let tmp = dir.join(format!(".{RECORD}.tmp"));
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| OpsError::Io { path: p, source }
    };
    let text = serde_json::to_string_pretty(serving).map_err(|e| OpsError::Internal(e.to_string()))?;
    std::fs::write(&tmp, text).map_err(io(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(io(&path))
}

/// Keeps the one-time setup link for root (`nasguard status` shows it), or
/// forgets it (`None`: an administrator exists).
pub fn record_setup_link(dir: &Path, link: Option<&str>) -> Result<()> {
    let path = dir.join(SETUP_LINK);
    let Some(link) = link else {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(OpsError::Io { path, source: e }),
            _ => Ok(()),
        };
    };
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = dir.join(format!(".{SETUP_LINK}.tmp"));
    let _ = std::fs::remove_file(&tmp);
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| OpsError::Io { path: p, source }
    };
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp).map_err(io(&tmp))?;
    f.write_all(format!("{link}\n").as_bytes()).map_err(io(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(io(&path))
}

/// The setup link a server run by systemd left.
pub fn setup_link(dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir.join(SETUP_LINK)).ok().map(|l| l.trim().to_string()).filter(|l| !l.is_empty())
}

/// The last record `serve` left, with whether that process still runs;
/// `None` when serve never ran here (or the record is unreadable).
pub fn serving(dir: &Path) -> Option<WebServing> {
    let text = std::fs::read_to_string(dir.join(RECORD)).ok()?;
    let mut serving: WebServing = serde_json::from_str(&text).ok()?;
    serving.running = alive(serving.pid);
    Some(serving)
}

/// A process with this pid runs the `nasguard` binary (not a later process
/// that reused the pid).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "nasguard")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_and_says_whether_its_process_runs() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(serving(dir.path()), None);
        let mut rec = WebServing {
            url: "https://[::]:8443/".into(),
            tls: true,
            certificate: Some(WebCertificate {
                path: "/var/lib/nasguard/tls/cert.pem".into(),
                sha256: "AB:CD".into(),
                generated: true,
                not_after: None,
            }),
            // pid 1 is never nasguard on a test machine.
            pid: 1,
            started: "2026-11-29T00:00:00Z".into(),
            running: true,
        };
        write_record(dir.path(), &rec).unwrap();
        rec.running = false;
        assert_eq!(serving(dir.path()), Some(rec));
        std::fs::write(dir.path().join(RECORD), "{not json").unwrap();
        assert_eq!(serving(dir.path()), None);
        // The test process is no `nasguard`, so its own record reads as not running.
        let mine = record_serving(dir.path(), "http://127.0.0.1:8080/", None).unwrap();
        assert_eq!((mine.pid, mine.tls), (std::process::id(), false));
        assert_eq!(serving(dir.path()).map(|s| s.running), Some(false));
    }

    #[test]
    fn the_setup_link_is_kept_for_root_only_and_forgotten() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(setup_link(dir.path()), None);
        record_setup_link(dir.path(), Some("https://nas:8443/setup?token=abc")).unwrap();
        assert_eq!(setup_link(dir.path()).as_deref(), Some("https://nas:8443/setup?token=abc"));
        let mode = std::fs::metadata(dir.path().join(SETUP_LINK)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        record_setup_link(dir.path(), None).unwrap();
        record_setup_link(dir.path(), None).unwrap();
        assert_eq!(setup_link(dir.path()), None);
    }
}

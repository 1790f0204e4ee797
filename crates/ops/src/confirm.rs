//! Commit-confirmed apply (`apply --confirm SECONDS`, as network OSes do):
//! the new configuration goes live, and unless `nasguard confirm` arrives
//! in time the previous one is restored automatically.
//!
//! **Invariant:** the timer does not live in the session that ran the
//! apply, which may be the SSH connection the new sshd_config just cut. On a
//! host it is a transient systemd timer (`systemd-run --on-active`), owned
//! by PID 1; without systemd (a sandbox) a detached process in its own
//! session (`setsid`), which a hangup does not reach. Both run `nasguard
//! confirm --expire TOKEN`. What the apply changed is saved under
//! `STATE/confirm/` before the timer is set; confirm and expire take the
//! same lock, so exactly one of them wins.

use crate::apply::{Applied, Before};
use crate::{Nasguard, OpsError, Result};
use nasguard_daemons::files;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

/// An apply waiting for `nasguard confirm`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pending {
    pub token: String,
    pub revision: i64,
    /// When the previous configuration comes back (UTC, RFC 3339).
    pub deadline: String,
    pub deadline_unix: u64,
    /// How the restore is scheduled: a systemd timer unit, or a process id.
    pub timer: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Saved {
    pending: Pending,
    previous_applied: Option<Applied>,
    files: Vec<Before>,
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn rfc3339(unix: u64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(i64::try_from(unix).unwrap_or(0))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

impl Nasguard {
    fn confirm_dir(&self) -> PathBuf {
        self.store().dir().join("confirm")
    }

    fn confirm_lock(&self) -> Result<std::fs::File> {
        let path = self.store().dir().join("confirm.lock");
        let f = std::fs::File::create(&path).map_err(|e| OpsError::Io { path: path.clone(), source: e })?;
        f.lock().map_err(|e| OpsError::Io { path, source: e })?;
        Ok(f)
    }

    fn saved(&self) -> Option<Saved> {
        serde_json::from_slice(&std::fs::read(self.confirm_dir().join("pending.json")).ok()?).ok()
    }

    /// The apply waiting for `nasguard confirm`, if any.
    pub fn pending_confirmation(&self) -> Option<Pending> {
        self.saved().map(|s| s.pending)
    }

    /// Called right after a successful apply: saves what it changed and
    /// sets the timer. Returns the deadline. If no timer can be set, the
    /// apply is undone at once (a confirm-or-restore that cannot restore is
    /// not what was asked for).
    pub(crate) fn await_confirmation(
        &mut self,
        seconds: u32,
        revision: i64,
        before: Vec<Before>,
        previous_applied: Option<Applied>,
    ) -> Result<String> {
        let _lock = self.confirm_lock()?;
        let deadline_unix = now() + u64::from(seconds);
        let token = crate::random_token()?.chars().filter(char::is_ascii_alphanumeric).take(16).collect::<String>();
        let mut saved = Saved {
            pending: Pending {
                token: token.clone(),
                revision,
                deadline: rfc3339(deadline_unix),
                deadline_unix,
                timer: String::new(),
            },
            previous_applied,
            files: before,
        };
        self.write_saved(&saved)?;
        match self.schedule(&token, seconds) {
            Ok(timer) => {
                saved.pending.timer = timer;
                self.write_saved(&saved)?;
                Ok(saved.pending.deadline)
            }
            Err(e) => {
                drop(_lock);
                self.expire(&token, "no timer could be set")?;
                Err(e)
            }
        }
    }

    fn write_saved(&self, saved: &Saved) -> Result<()> {
        let body = serde_json::to_vec(saved).map_err(|e| OpsError::Internal(e.to_string()))?;
        files::write_atomic(&self.confirm_dir().join("pending.json"), &body, 0o600, false).map_err(OpsError::Daemon)
    }

    /// A transient systemd timer when systemd runs the host, else a
    /// detached process of its own session.
    fn schedule(&self, token: &str, seconds: u32) -> Result<String> {
        let exe = std::env::current_exe().map_err(|e| OpsError::Internal(format!("own executable: {e}")))?;
        let state = self.store().dir().to_path_buf();
        let systemd = std::path::Path::new("/run/systemd/system").is_dir() && !self.layout()?.is_sandbox();
        if systemd && let Some(run) = nasguard_daemons::program("systemd-run") {
            let unit = format!("nasguard-confirm-{token}");
            let out = Command::new(run)
                .arg(format!("--unit={unit}"))
                .arg(format!("--on-active={seconds}s"))
                .arg("--timer-property=AccuracySec=100ms")
                .arg("--description=nasguard: restore the previous configuration unless `nasguard confirm`")
                .arg(&exe)
                .arg("--state-dir")
                .arg(&state)
                .args(["confirm", "--expire", token])
                .output()
                .map_err(|e| OpsError::Tool { tool: "systemd-run".into(), message: e.to_string() })?;
            if !out.status.success() {
                return Err(OpsError::Tool {
                    tool: "systemd-run".into(),
                    message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
                });
            }
            return Ok(format!("{unit}.timer"));
        }
        let setsid = nasguard_daemons::program("setsid")
            .ok_or_else(|| OpsError::Tool { tool: "setsid".into(), message: "not installed (util-linux)".into() })?;
        let mut cmd = Command::new(setsid);
        cmd.arg("-f")
            .arg(&exe)
            .arg("--state-dir")
            .arg(&state)
            .args(["confirm", "--expire", token, "--after", &seconds.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(root) = std::env::var_os("NASGUARD_SYSTEM_ROOT") {
            cmd.env("NASGUARD_SYSTEM_ROOT", root);
        }
        let status = cmd.status().map_err(|e| OpsError::Tool { tool: "setsid".into(), message: e.to_string() })?;
        if !status.success() {
            return Err(OpsError::Tool { tool: "setsid".into(), message: format!("exited {status}") });
        }
        Ok("process (setsid)".into())
    }

    /// `nasguard confirm`: keep the configuration the last apply put live.
    pub fn confirm(&mut self) -> Result<Pending> {
        let lock = self.confirm_lock()?;
        let Some(saved) = self.saved() else {
            return Err(OpsError::Precondition("no apply awaits confirmation".into()));
        };
        if let Some(unit) = saved.pending.timer.strip_suffix(".timer")
            && let Some(systemctl) = nasguard_daemons::program("systemctl")
        {
            let _ = Command::new(systemctl).args(["stop", &format!("{unit}.timer")]).output();
        }
        // A detached waiter finds no pending apply of its token and ends.
        let _ = std::fs::remove_dir_all(self.confirm_dir());
        drop(lock);
        self.record("apply confirmed", &format!("revision {}", saved.pending.revision))?;
        Ok(saved.pending)
    }

    /// `nasguard confirm --expire TOKEN [--after SECONDS]` (what the timer
    /// runs): restores what the apply changed, unless it was confirmed.
    pub fn expire_after(&mut self, token: &str, after: Option<u64>) -> Result<bool> {
        if let Some(secs) = after {
            let deadline = now() + secs;
            // Sleep in steps, so a confirm that removed the pending apply
            // ends this waiter early.
            while now() < deadline {
                if self.pending_confirmation().is_none_or(|p| p.token != token) {
                    return Ok(false);
                }
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        }
        self.expire(token, "not confirmed in time")
    }

    /// An overdue pending apply whose timer did not fire (the host was
    /// rebooted): restored now, before anything else is applied.
    pub(crate) fn expire_overdue(&mut self) -> Result<()> {
        if let Some(p) = self.pending_confirmation()
            && p.deadline_unix + 5 < now()
        {
            self.expire(&p.token, "not confirmed in time (restored late: the timer did not run)")?;
        }
        Ok(())
    }

    fn expire(&mut self, token: &str, why: &str) -> Result<bool> {
        let lock = self.confirm_lock()?;
        let Some(saved) = self.saved().filter(|s| s.pending.token == token) else {
            return Ok(false);
        };
        let layout = self.layout()?;
        let mut writes: Vec<(PathBuf, Vec<u8>, u32)> = vec![];
        for b in &saved.files {
            match &b.bytes {
                Some(bytes) => {
                    let mode = std::fs::metadata(&b.path)
                        .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o7777)
                        .unwrap_or(0o644);
                    writes.push((b.path.clone(), bytes.clone(), mode));
                }
                None => {
                    let _ = std::fs::remove_file(&b.path);
                }
            }
        }
        let batch: Vec<(&std::path::Path, &[u8], u32)> =
            writes.iter().map(|(p, b, m)| (p.as_path(), b.as_slice(), *m)).collect();
        let (_, written) = files::write_batch(&batch, false);
        written.map_err(OpsError::Daemon)?;
        self.settle_before(&saved.files)?;
        if !layout.is_sandbox() && saved.files.iter().any(|b| b.firewall) {
            crate::apply::restore_firewall(&layout)?;
        }
        let sup = self.supervisor()?;
        let mut services: Vec<_> = saved.files.iter().filter(|b| !b.firewall).map(|b| b.service).collect();
        services.sort();
        services.dedup();
        let mut problems = vec![];
        for s in services {
            if sup.status(s).is_ok_and(|st| st.running)
                && let Err(e) = sup.reload(s).or_else(|_| sup.restart(s))
            {
                problems.push(e.to_string());
            }
        }
        self.restore_applied(saved.previous_applied.as_ref())?;
        let _ = std::fs::remove_dir_all(self.confirm_dir());
        drop(lock);
        let mut detail = format!("revision {} {why}: the previous configuration is restored", saved.pending.revision);
        if !problems.is_empty() {
            detail.push_str(&format!(" (reload: {})", problems.join("; ")));
        }
        self.record("apply rolled back", &detail)?;
        Ok(true)
    }
}

//! The system supervisor: the host's units through `systemctl`, with
//! Debian's unit names for each backend, state from systemd itself, and a
//! failed unit's own reason (its journal) in the error.
//!
//! Traps (measured in the Debian 12 VM):
//! - `nfs-server`'s `ExecReload=-/usr/sbin/exportfs -r` ignores failures:
//!   nasguard runs `exportfs -ra` itself to see them.
//! - There is no `target.service` on Debian: LIO's unit is
//!   `rtslib-fb-targetctl` (a oneshot that restores the saved config at
//!   start and clears it at stop); reloading is `targetctl restore`, whose
//!   exit code lies (see `lio.rs`).
//! - tgt and LIO both bind 3260, nfs-ganesha and the kernel's nfsd both
//!   2049: starting one backend stops the other, enabling one disables the
//!   other.

use crate::{DaemonError, Result, Status, Supervisor, need};
use nasguard_model::Service;
use nasguard_model::deployment::{Backends, IscsiBackend, NfsBackend};
use nasguard_render::Layout;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

/// The properties `systemctl show` is asked for a unit's state.
const STATE_PROPERTIES: [&str; 10] =
    ["-p", "ActiveState", "-p", "SubState", "-p", "MainPID", "-p", "UnitFileState", "-p", "LoadState"];

/// Debian's unit for a service with these backends.
pub fn unit(service: Service, backends: Backends) -> &'static str {
    match service {
        Service::Smb => "smbd",
        Service::Ssh => "ssh",
        Service::Nfs => match backends.nfs {
            NfsBackend::Kernel => "nfs-server",
            NfsBackend::Ganesha => "nfs-ganesha",
        },
        Service::Iscsi => match backends.iscsi {
            IscsiBackend::Lio => "rtslib-fb-targetctl",
            IscsiBackend::Tgt => "tgt",
        },
    }
}

/// The unit of the other backend of the same service (they share a port).
pub fn rival(service: Service, backends: Backends) -> Option<&'static str> {
    match service {
        Service::Nfs => Some(match backends.nfs {
            NfsBackend::Kernel => "nfs-ganesha",
            NfsBackend::Ganesha => "nfs-server",
        }),
        Service::Iscsi => Some(match backends.iscsi {
            IscsiBackend::Lio => "tgt",
            IscsiBackend::Tgt => "rtslib-fb-targetctl",
        }),
        Service::Smb | Service::Ssh => None,
    }
}

/// The server behind a service, as `status` names it.
pub fn backend_name(service: Service, backends: Backends) -> &'static str {
    match service {
        Service::Smb => "samba",
        Service::Ssh => "openssh",
        Service::Nfs => backends.nfs.name(),
        Service::Iscsi => backends.iscsi.name(),
    }
}

pub struct Systemd {
    /// `systemctl`, or a stand-in in tests.
    pub systemctl: PathBuf,
    /// `journalctl` (None: no journal lines in errors).
    pub journalctl: Option<PathBuf>,
    pub layout: Layout,
}

impl Systemd {
    pub fn new(layout: Layout) -> Systemd {
        Systemd {
            systemctl: crate::program("systemctl").unwrap_or_else(|| PathBuf::from("systemctl")),
            journalctl: crate::program("journalctl"),
            layout,
        }
    }

    fn unit(&self, service: Service) -> &'static str {
        unit(service, self.layout.backends)
    }

    fn systemctl(&self, service: Service, args: &[&str]) -> Result<(bool, String)> {
        let out = Command::new(&self.systemctl)
            .args(args)
            .output()
            .map_err(|e| DaemonError::Failed { service, message: format!("systemctl {}: {e}", args.join(" ")) })?;
        Ok((
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        ))
    }

    /// The unit's last journal lines: why it failed, in its own words.
    pub fn journal(&self, unit: &str) -> String {
        let Some(j) = &self.journalctl else { return String::new() };
        Command::new(j)
            .args(["-u", unit, "-n", "12", "--no-pager", "-o", "cat"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    }

    fn failed(&self, service: Service, what: &str, output: &str) -> DaemonError {
        let unit = self.unit(service);
        let journal = self.journal(unit);
        let mut message = format!("{what} {unit}: {}", output.trim());
        if !journal.is_empty() {
            message.push_str(&format!("\n{unit}'s journal:\n{journal}"));
        }
        DaemonError::Failed { service, message }
    }

    fn must(&self, service: Service, verb: &str) -> Result<()> {
        let unit = self.unit(service);
        match self.systemctl(service, &[verb, unit])? {
            (true, _) => Ok(()),
            (false, out) => Err(self.failed(service, &format!("systemctl {verb}"), &out)),
        }
    }

    /// `systemctl show` of a unit: ActiveState, SubState, MainPID,
    /// UnitFileState, LoadState.
    pub fn show(&self, service: Service, unit: &str) -> Result<BTreeMap<String, String>> {
        let mut args = vec!["show", unit];
        args.extend(STATE_PROPERTIES);
        let (_, out) = self.systemctl(service, &args)?;
        Ok(out.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_string(), v.trim().to_string())).collect())
    }

    fn active(&self, service: Service, unit: &str) -> bool {
        self.show(service, unit).is_ok_and(|m| m.get("ActiveState").is_some_and(|s| s == "active"))
    }

    /// Whether `unit` starts at boot, as its links on disk say now
    /// (`systemctl is-enabled` reads them; `show`'s UnitFileState is what
    /// systemd last loaded).
    fn is_enabled(&self, service: Service, unit: &str) -> Result<bool> {
        let (_, out) = self.systemctl(service, &["is-enabled", unit])?;
        Ok(matches!(out.trim(), "enabled" | "enabled-runtime"))
    }

    /// Start automatically at boot (or not). Enabling one backend disables
    /// the other, which would take the same port at boot. Each `systemctl
    /// enable` or `disable` reloads systemd (seconds on a small NAS), so
    /// only what is not already so is changed.
    pub fn enable(&self, service: Service, on: bool) -> Result<()> {
        if on
            && let Some(other) = rival(service, self.layout.backends)
            && self.is_enabled(service, other)?
        {
            let (ok, out) = self.systemctl(service, &["disable", other])?;
            if !ok {
                return Err(DaemonError::Failed {
                    service,
                    message: format!("systemctl disable {other}: {}", out.trim()),
                });
            }
        }
        if self.is_enabled(service, self.unit(service))? == on {
            return Ok(());
        }
        self.must(service, if on { "enable" } else { "disable" })
    }

    /// `systemctl daemon-reload`, after a unit file changed.
    pub fn daemon_reload(&self) -> Result<()> {
        match self.systemctl(Service::Iscsi, &["daemon-reload"])? {
            (true, _) => Ok(()),
            (false, out) => Err(DaemonError::Failed {
                service: Service::Iscsi,
                message: format!("systemctl daemon-reload: {}", out.trim()),
            }),
        }
    }

    /// Loads nasguard's firewall table (`nft -f`: one transaction) and has
    /// its unit load it at every boot (`unit_changed`: its unit file was
    /// just written, so systemd must read it again before using it).
    pub fn firewall(&self, unit_changed: bool) -> Result<()> {
        let rules = self.layout.firewall_rules();
        let out = Command::new(need(Service::Iscsi, "nft")?)
            .arg("-f")
            .arg(&rules)
            .output()
            .map_err(|e| DaemonError::Failed { service: Service::Iscsi, message: format!("nft -f: {e}") })?;
        if !out.status.success() {
            return Err(DaemonError::Failed {
                service: Service::Iscsi,
                message: format!("nft -f {}: {}", rules.display(), String::from_utf8_lossy(&out.stderr).trim()),
            });
        }
        let unit = nasguard_render::nft::UNIT;
        let state = self.show(Service::Iscsi, unit)?;
        let enabled = state.get("UnitFileState").is_some_and(|s| s == "enabled");
        let active = state.get("ActiveState").is_some_and(|s| s == "active");
        // `systemctl enable` reloads systemd itself once its links are made:
        // a reload of our own first would be a second one (seconds each on
        // a small NAS), so only an enabled unit's change needs it.
        if unit_changed && enabled {
            self.daemon_reload()?;
        }
        // (Started only so that systemd knows it is loaded; nft -f did the work.)
        let verbs: &[&str] = match (enabled, active) {
            (true, true) => &[],
            (true, false) => &["start"],
            (false, true) => &["enable"],
            (false, false) => &["enable", "--now"],
        };
        if !verbs.is_empty() {
            let mut args = verbs.to_vec();
            args.push(unit);
            let (ok, out) = self.systemctl(Service::Iscsi, &args)?;
            if !ok {
                return Err(DaemonError::Failed {
                    service: Service::Iscsi,
                    message: format!("systemctl {}: {}", args.join(" "), out.trim()),
                });
            }
        }
        Ok(())
    }

    /// The state of every service in one `systemctl show` (each call costs
    /// a process and a D-Bus round trip).
    pub fn status_all(&self) -> Result<Vec<Status>> {
        let units: Vec<&str> = Service::ALL.iter().map(|s| self.unit(*s)).collect();
        let mut args = vec!["show"];
        args.extend(&units);
        args.extend(["-p", "Id"]);
        args.extend(STATE_PROPERTIES);
        let (_, out) = self.systemctl(Service::Smb, &args)?;
        let blocks: Vec<BTreeMap<String, String>> = out
            .split("\n\n")
            .map(|b| {
                b.lines()
                    .filter_map(|l| l.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.trim().to_string()))
                    .collect()
            })
            .collect();
        Ok(Service::ALL
            .iter()
            .zip(&units)
            .map(|(s, unit)| {
                let id = format!("{unit}.service");
                let m = blocks.iter().find(|b| b.get("Id") == Some(&id)).cloned().unwrap_or_default();
                self.status_from(*s, unit, &m)
            })
            .collect())
    }

    fn status_from(&self, service: Service, unit: &str, m: &BTreeMap<String, String>) -> Status {
        let get = |k: &str| m.get(k).cloned().unwrap_or_default();
        let ports = match service {
            Service::Smb => vec![self.layout.ports.smb],
            Service::Ssh => sshd_ports(&self.layout.sshd_config()),
            Service::Nfs => vec![2049],
            Service::Iscsi => vec![3260],
        };
        let state = if get("LoadState") == "not-found" {
            "not installed".to_string()
        } else {
            format!("{} ({})", get("ActiveState"), get("SubState"))
        };
        Status {
            service,
            running: get("ActiveState") == "active",
            pid: get("MainPID").parse().ok().filter(|p| *p != 0),
            address: self.layout.bind.to_string(),
            ports,
            backend: backend_name(service, self.layout.backends).to_string(),
            unit: Some(unit.to_string()),
            state: Some(state),
            enabled: Some(matches!(get("UnitFileState").as_str(), "enabled" | "enabled-runtime" | "static")),
        }
    }

    /// Removes nasguard's firewall table and stops its unit loading it.
    pub fn firewall_off(&self) -> Result<()> {
        let unit = nasguard_render::nft::UNIT;
        let _ = self.systemctl(Service::Iscsi, &["disable", "--now", unit]);
        if let Some(nft) = crate::program("nft") {
            let _ = Command::new(nft).args(["delete", "table", "inet", "nasguard"]).output();
        }
        Ok(())
    }
}

/// The ports sshd listens on as its config file says (its `Port` lines;
/// 22 when there are none): what `status` shows and what the health check
/// after a reload waits for, so a port change is judged by the new port.
fn sshd_ports(config: &std::path::Path) -> Vec<u16> {
    use nasguard_model::ssh_keywords::{SshdLine, split_sshd_line};
    let text = std::fs::read_to_string(config).unwrap_or_default();
    let mut ports: Vec<u16> = text
        .lines()
        .filter_map(|line| match split_sshd_line(line) {
            SshdLine::Keyword { keyword, rest } if keyword == "port" => rest.split_whitespace().next()?.parse().ok(),
            _ => None,
        })
        .collect();
    ports.sort_unstable();
    ports.dedup();
    if ports.is_empty() { vec![22] } else { ports }
}

impl Supervisor for Systemd {
    fn start(&self, service: Service) -> Result<()> {
        if let Some(other) = rival(service, self.layout.backends)
            && self.active(service, other)
        {
            let (ok, out) = self.systemctl(service, &["stop", other])?;
            if !ok {
                return Err(DaemonError::Failed {
                    service,
                    message: format!("systemctl stop {other}: {}", out.trim()),
                });
            }
        }
        self.must(service, "start")?;
        if self.active(service, self.unit(service)) {
            Ok(())
        } else {
            Err(self.failed(service, "started but not active:", ""))
        }
    }

    fn stop(&self, service: Service) -> Result<()> {
        self.must(service, "stop")
    }

    fn restart(&self, service: Service) -> Result<()> {
        self.must(service, "restart")
    }

    fn reload(&self, service: Service) -> Result<()> {
        match (service, self.layout.backends) {
            (Service::Nfs, Backends { nfs: NfsBackend::Kernel, .. }) => {
                let out = Command::new(need(service, "exportfs")?)
                    .arg("-ra")
                    .output()
                    .map_err(|e| DaemonError::Failed { service, message: format!("exportfs -ra: {e}") })?;
                if out.status.success() {
                    Ok(())
                } else {
                    Err(DaemonError::Failed {
                        service,
                        message: format!("exportfs -ra: {}", String::from_utf8_lossy(&out.stderr).trim()),
                    })
                }
            }
            (Service::Iscsi, Backends { iscsi: IscsiBackend::Lio, .. }) => {
                crate::lio::restore(&self.layout.lio_saveconfig())
            }
            // The other units reload natively (tgt's re-reads targets.conf).
            _ => self.must(service, "reload-or-restart"),
        }
    }

    fn status(&self, service: Service) -> Result<Status> {
        let unit = self.unit(service);
        let m = self.show(service, unit)?;
        Ok(self.status_from(service, unit, &m))
    }

    fn status_all(&self) -> Result<Vec<Status>> {
        Systemd::status_all(self)
    }

    /// Active, and (for the user-space daemons) listening on their ports
    /// with their own main process: read from the kernel's socket tables,
    /// not by connecting, so neither a bind address nor nasguard's own
    /// firewall decides the answer, and a port another program holds does
    /// not pass for the daemon (sshd re-reads its config a moment after a
    /// reload and may only then fail to bind).
    fn healthy(&self, service: Service) -> Result<()> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let st = self.status(service)?;
            if !st.running {
                return Err(self.failed(service, "not active after reload:", st.state.as_deref().unwrap_or("")));
            }
            if !matches!(service, Service::Smb | Service::Ssh) {
                return Ok(());
            }
            // The daemon's own sockets when its descriptors can be read;
            // otherwise anyone's, and then it must still run a moment later
            // (sshd fails to bind a second or so after its reload).
            let mut settle = false;
            let listens = |p: &u16| match st.pid.and_then(|pid| crate::listening_by(pid, *p)) {
                Some(own) => own,
                None => {
                    settle = true;
                    crate::listening(*p)
                }
            };
            if st.ports.iter().all(listens) {
                if !settle {
                    return Ok(());
                }
                std::thread::sleep(std::time::Duration::from_millis(1500));
                let again = self.status(service)?;
                if again.running && again.pid == st.pid {
                    return Ok(());
                }
                return Err(self.failed(
                    service,
                    "stopped right after its reload:",
                    again.state.as_deref().unwrap_or(""),
                ));
            }
            if std::time::Instant::now() >= deadline {
                let what = format!("ports {:?} (main pid {:?})", st.ports, st.pid);
                return Err(self.failed(service, "not listening after reload:", &what));
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    fn layout(backends: Backends) -> Layout {
        let mut l = Layout::system(Path::new("/var/lib/nasguard"), "0.0.0.0".parse().unwrap());
        l.backends = backends;
        l
    }

    /// The supervisor against a stand-in `systemctl` that records its
    /// arguments and answers `show` (the real thing runs in the VM tests).
    #[test]
    fn drives_systemctl_with_debian_unit_names_per_backend() {
        let d = tempfile::tempdir().unwrap();
        let log = d.path().join("calls");
        let fake = d.path().join("systemctl");
        // The units whose boot links exist, one per line: tgt at first.
        let enabled = d.path().join("enabled");
        std::fs::write(&enabled, "tgt\n").unwrap();
        std::fs::write(
            &fake,
            format!(
                "#!/bin/sh\necho \"$@\" >> {}\n[ \"$1\" = show ] && [ \"$2\" = smbd ] && printf 'ActiveState=active\\nSubState=running\\nMainPID=42\\nUnitFileState=enabled\\nLoadState=loaded\\n'\n[ \"$1\" = show ] && [ \"$2\" != smbd ] && printf 'ActiveState=inactive\\nSubState=dead\\nMainPID=0\\nUnitFileState=disabled\\nLoadState=loaded\\n'\n[ \"$1\" = is-enabled ] && {{ grep -qx \"$2\" {} && echo enabled || echo disabled; }}\nexit 0\n",
                log.display(),
                enabled.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let sup = Systemd { systemctl: fake.clone(), journalctl: None, layout: layout(Backends::HOST) };
        sup.stop(Service::Nfs).unwrap();
        sup.enable(Service::Iscsi, true).unwrap();
        let smb = sup.status(Service::Smb).unwrap();
        assert!(smb.running);
        assert_eq!(smb.pid, Some(42));
        assert_eq!(smb.enabled, Some(true));
        assert_eq!(smb.state.as_deref(), Some("active (running)"));
        let iscsi = sup.status(Service::Iscsi).unwrap();
        assert!(!iscsi.running);
        assert_eq!(iscsi.unit.as_deref(), Some("rtslib-fb-targetctl"));
        assert_eq!(iscsi.backend, "lio");
        let calls = std::fs::read_to_string(&log).unwrap();
        let verbs: Vec<&str> = calls.lines().filter(|l| !l.starts_with("show")).collect();
        // Enabling LIO disables tgt, which would take port 3260 at boot.
        assert_eq!(
            verbs,
            [
                "stop nfs-server",
                "is-enabled tgt",
                "disable tgt",
                "is-enabled rtslib-fb-targetctl",
                "enable rtslib-fb-targetctl"
            ]
        );
        // Once it is so, enabling again only asks (each enable or disable
        // reloads systemd).
        std::fs::write(&enabled, "rtslib-fb-targetctl\n").unwrap();
        std::fs::write(&log, "").unwrap();
        sup.enable(Service::Iscsi, true).unwrap();
        let calls = std::fs::read_to_string(&log).unwrap();
        assert_eq!(calls.lines().collect::<Vec<_>>(), ["is-enabled tgt", "is-enabled rtslib-fb-targetctl"]);
        let ganesha = Systemd { systemctl: fake, journalctl: None, layout: layout(Backends::SANDBOX) };
        assert_eq!(ganesha.status(Service::Nfs).unwrap().unit.as_deref(), Some("nfs-ganesha"));
    }

    #[test]
    fn sshd_listens_where_its_config_says() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("sshd_config");
        assert_eq!(sshd_ports(&f), vec![22], "no file: sshd's default");
        std::fs::write(&f, "# Port 1\nPasswordAuthentication no\n").unwrap();
        assert_eq!(sshd_ports(&f), vec![22]);
        std::fs::write(&f, "Port 2200\nport=2201\n  PORT 2200\n").unwrap();
        assert_eq!(sshd_ports(&f), vec![2200, 2201]);
    }

    #[test]
    fn a_failing_systemctl_is_an_error_with_its_output() {
        let d = tempfile::tempdir().unwrap();
        let fake = d.path().join("systemctl");
        std::fs::write(&fake, "#!/bin/sh\necho 'Job for smbd.service failed' >&2\nexit 1\n").unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let sup = Systemd { systemctl: fake, journalctl: None, layout: layout(Backends::HOST) };
        let err = sup.stop(Service::Smb).unwrap_err();
        assert!(err.to_string().contains("Job for smbd.service failed"), "{err}");
    }
}

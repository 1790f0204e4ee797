//! The sandbox supervisor: starts each daemon directly, in its own process
//! group, with its pid recorded under the state directory, and stops only
//! what it started, by pid.
//!
//! Traps handled here (daemons.md): smbd signals its whole process group on
//! exit (so it gets its own group); tgtd ignores SIGTERM (it is emptied and
//! deleted through tgtadm, then killed if still there); Ganesha needs
//! rpcbind, of which there is one per host, shared by every Ganesha.

use crate::{DaemonError, Result, Status, Supervisor, need, wait_for_port};
use nasguard_model::Service;
use nasguard_render::Layout;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Direct {
    pub layout: Layout,
}

const START_TIMEOUT: Duration = Duration::from_secs(10);

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DaemonError + '_ {
    move |source| DaemonError::Io { path: path.to_path_buf(), source }
}

fn failed(service: Service, message: impl Into<String>) -> DaemonError {
    DaemonError::Failed { service, message: message.into() }
}

/// Whether `pid` is alive and not a zombie.
pub fn alive(pid: u32) -> bool {
    let Ok(raw) = i32::try_from(pid) else { return false };
    if kill(Pid::from_raw(raw), None).is_err() {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next()) != Some("Z"),
        Err(_) => false,
    }
}

fn signal(pid: u32, sig: Signal) {
    if let Ok(raw) = i32::try_from(pid) {
        let _ = kill(Pid::from_raw(raw), sig);
    }
}

fn signal_group(pid: u32, sig: Signal) {
    if let Ok(raw) = i32::try_from(pid) {
        let _ = kill(Pid::from_raw(-raw), sig);
    }
}

fn wait_gone(pid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while alive(pid) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

impl Direct {
    pub fn new(layout: Layout) -> Direct {
        Direct { layout }
    }

    fn pid_file(&self, service: Service) -> PathBuf {
        self.layout.run_dir().join(format!("{}.pid", service.name()))
    }

    pub fn pid(&self, service: Service) -> Option<u32> {
        let pid = std::fs::read_to_string(self.pid_file(service)).ok()?.trim().parse().ok()?;
        alive(pid).then_some(pid)
    }

    fn log(&self, name: &str) -> Result<std::fs::File> {
        let dir = self.layout.log_dir();
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let path = dir.join(format!("{name}.out"));
        // Daemon logs can name users and paths: readable by root only.
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(&path).map_err(io(&path))
    }

    /// Starts `cmd` detached in its own process group; records its pid.
    /// smbd makes its own session (and so group) with setsid(), which fails
    /// for a process that already leads a group: it is left to do that.
    fn spawn(&self, service: Service, mut cmd: Command, log: &str) -> Result<u32> {
        let out = self.log(log)?;
        let err = out.try_clone().map_err(io(&self.layout.log_dir()))?;
        cmd.stdin(Stdio::null()).stdout(out).stderr(err);
        if service != Service::Smb {
            cmd.process_group(0);
        }
        let child = cmd.spawn().map_err(|e| failed(service, format!("cannot start {cmd:?}: {e}")))?;
        let pid = child.id();
        let run = self.layout.run_dir();
        std::fs::create_dir_all(&run).map_err(io(&run))?;
        let file = self.pid_file(service);
        std::fs::write(&file, format!("{pid}\n")).map_err(io(&file))?;
        // The child is reaped by init once this process exits; the handle is
        // dropped without waiting on purpose.
        drop(child);
        Ok(pid)
    }

    fn port(&self, service: Service) -> u16 {
        let p = self.layout.ports;
        match service {
            Service::Smb => p.smb,
            Service::Ssh => p.ssh,
            Service::Nfs => p.nfs,
            Service::Iscsi => p.iscsi,
        }
    }

    fn ports(&self, service: Service) -> Vec<u16> {
        let p = self.layout.ports;
        match service {
            Service::Nfs => vec![p.nfs, p.mountd],
            other => vec![self.port(other)],
        }
    }

    fn started(&self, service: Service, pid: u32, log: &str) -> Result<()> {
        if wait_for_port(self.layout.bind, self.port(service), START_TIMEOUT) && alive(pid) {
            return Ok(());
        }
        let tail = std::fs::read_to_string(self.layout.log_dir().join(format!("{log}.out"))).unwrap_or_default();
        let tail: Vec<&str> = tail.lines().rev().take(8).collect::<Vec<_>>().into_iter().rev().collect();
        self.kill_group(pid);
        Err(failed(
            service,
            format!("did not start listening on {}:{} ({})", self.layout.bind, self.port(service), tail.join(" | ")),
        ))
    }

    /// The samba-dcerpcd that smbd started on demand for named pipes (and
    /// its rpcd_* workers): it makes a session of its own, so stopping
    /// smbd's group leaves it running for good. Found by the pid file it
    /// writes in our pid directory, and ended only if that pid still runs
    /// with our smb.conf (never a recycled pid of someone else's).
    fn stop_dcerpcd(&self) {
        let file = self.layout.samba_dir().join("pid/samba-dcerpcd.pid");
        let Some(pid) = std::fs::read_to_string(&file).ok().and_then(|t| t.trim().parse::<u32>().ok()) else {
            return;
        };
        let ours = format!("--configfile={}", self.layout.smb_conf().display());
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if alive(pid) && cmdline.split(|b| *b == 0).any(|arg| arg == ours.as_bytes()) {
            self.kill_group(pid);
        }
    }

    fn kill_group(&self, pid: u32) {
        signal_group(pid, Signal::SIGTERM);
        if !wait_gone(pid, Duration::from_secs(5)) {
            signal_group(pid, Signal::SIGKILL);
            wait_gone(pid, Duration::from_secs(2));
        }
    }

    /// Creates every directory the sandbox's daemons need. The state
    /// directory becomes 0711: daemons that drop privileges (sshd reading a
    /// user's authorized keys) must traverse it; nothing in it is listable,
    /// and the database and key file stay 0600.
    pub fn prepare_all(&self) -> Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let dir = &self.layout.state_dir;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o711)).map_err(io(dir))?;
        for s in Service::ALL {
            self.prepare(s)?;
        }
        Ok(())
    }

    fn prepare(&self, service: Service) -> Result<()> {
        let mk = |p: PathBuf| std::fs::create_dir_all(&p).map_err(io(&p));
        mk(self.layout.run_dir())?;
        mk(self.layout.log_dir())?;
        match service {
            Service::Smb => {
                for sub in ["lock", "state", "cache", "pid", "private", "ncalrpc", "bind-dns"] {
                    mk(self.layout.samba_dir().join(sub))?;
                }
            }
            Service::Ssh => {
                mk(self.layout.authorized_keys_dir())?;
                let _ = std::fs::create_dir_all("/run/sshd");
            }
            Service::Nfs => mk(self.layout.ganesha_dir().join("recov"))?,
            Service::Iscsi => {}
        }
        Ok(())
    }

    fn tgtadm(&self, args: &[&str]) -> Result<(bool, String)> {
        let out = Command::new(need(Service::Iscsi, "tgtadm")?)
            .arg("-C")
            .arg(self.layout.tgt_control.to_string())
            .args(args)
            .output()
            .map_err(|e| failed(Service::Iscsi, e.to_string()))?;
        Ok((
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        ))
    }

    fn tgt_admin(&self, args: &[&str]) -> Result<()> {
        let out = Command::new(need(Service::Iscsi, "tgt-admin")?)
            .arg("-C")
            .arg(self.layout.tgt_control.to_string())
            .args(args)
            .output()
            .map_err(|e| failed(Service::Iscsi, e.to_string()))?;
        if !out.status.success() {
            return Err(failed(
                Service::Iscsi,
                format!(
                    "tgt-admin {args:?}: {}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ),
            ));
        }
        Ok(())
    }

    /// Stops the rpcbind this sandbox started, once no NFS server is
    /// registered with it any more (it is one per host: another sandbox's
    /// Ganesha may be using it, and then it stays).
    fn release_rpcbind(&self) {
        let file = self.layout.run_dir().join("rpcbind.pid");
        let Some(pid) = std::fs::read_to_string(&file).ok().and_then(|p| p.trim().parse::<u32>().ok()) else {
            return;
        };
        // A pid of ours that is no longer rpcbind (gone, or reused).
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if !alive(pid) || comm.trim() != "rpcbind" {
            let _ = std::fs::remove_file(&file);
            return;
        }
        if nfs_registered() {
            return;
        }
        self.kill_group(pid);
        if !alive(pid) {
            let _ = std::fs::remove_file(&file);
        }
    }

    /// rpcbind is one per host: reuse a running one, else start ours.
    fn ensure_rpcbind(&self) -> Result<()> {
        if wait_for_port(
            "127.0.0.1".parse().map_err(|_| failed(Service::Nfs, "address"))?,
            111,
            Duration::from_millis(300),
        ) {
            return Ok(());
        }
        let _ = std::fs::remove_file("/run/rpcbind.sock");
        let mut cmd = Command::new(need(Service::Nfs, "rpcbind")?);
        cmd.args(["-f", "-w"]);
        let out = self.log("rpcbind")?;
        let err = out.try_clone().map_err(io(&self.layout.log_dir()))?;
        cmd.stdin(Stdio::null()).stdout(out).stderr(err).process_group(0);
        let child = cmd.spawn().map_err(|e| failed(Service::Nfs, format!("cannot start rpcbind: {e}")))?;
        let file = self.layout.run_dir().join("rpcbind.pid");
        std::fs::write(&file, format!("{}\n", child.id())).map_err(io(&file))?;
        drop(child);
        if !wait_for_port("127.0.0.1".parse().map_err(|_| failed(Service::Nfs, "address"))?, 111, START_TIMEOUT) {
            return Err(failed(Service::Nfs, "rpcbind did not start"));
        }
        Ok(())
    }
}

/// Whether an NFS or MOUNT service is still registered with the local
/// rpcbind (`rpcinfo -p`); when rpcinfo cannot tell, assume yes.
fn nfs_registered() -> bool {
    let Ok(out) = Command::new("rpcinfo").args(["-p", "127.0.0.1"]).stderr(Stdio::null()).output() else {
        return true;
    };
    if !out.status.success() {
        return true;
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| matches!(l.split_whitespace().next(), Some("100003" | "100005")))
}

/// Generates the sandbox's own host keys once.
pub fn ensure_host_keys(layout: &Layout) -> Result<()> {
    for (key, kind, bits) in [(0, "ed25519", None), (1, "rsa", Some("3072"))] {
        let Some(path) = layout.ssh_host_keys().get(key).cloned() else { continue };
        if path.exists() {
            continue;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let mut cmd = Command::new(need(Service::Ssh, "ssh-keygen")?);
        cmd.args(["-q", "-t", kind, "-N", "", "-f"]).arg(&path);
        if let Some(b) = bits {
            cmd.args(["-b", b]);
        }
        let out = cmd.output().map_err(|e| failed(Service::Ssh, e.to_string()))?;
        if !out.status.success() {
            return Err(failed(Service::Ssh, format!("ssh-keygen: {}", String::from_utf8_lossy(&out.stderr))));
        }
    }
    Ok(())
}

impl Supervisor for Direct {
    fn start(&self, service: Service) -> Result<()> {
        if self.pid(service).is_some() {
            return Ok(());
        }
        // A port held by another process would pass the health check.
        for port in self.ports(service) {
            if let Err(e) = std::net::TcpListener::bind((self.layout.bind, port)) {
                return Err(failed(
                    service,
                    format!("port {}:{port} is not free ({e}); another process holds it", self.layout.bind),
                ));
            }
        }
        self.prepare(service)?;
        let l = &self.layout;
        match service {
            Service::Smb => {
                let mut cmd = Command::new(need(service, "smbd")?);
                cmd.args(["-F", "--debug-stdout", "-d", "1", "-s"]).arg(l.smb_conf());
                let pid = self.spawn(service, cmd, "smbd")?;
                self.started(service, pid, "smbd")
            }
            Service::Ssh => {
                let mut cmd = Command::new(need(service, "sshd")?);
                cmd.args(["-D", "-e", "-f"]).arg(l.sshd_config());
                let pid = self.spawn(service, cmd, "sshd")?;
                self.started(service, pid, "sshd")
            }
            Service::Nfs => {
                self.ensure_rpcbind()?;
                let mut cmd = Command::new(need(service, "ganesha.nfsd")?);
                cmd.args(["-F", "-f"])
                    .arg(l.ganesha_conf())
                    .arg("-L")
                    .arg(l.log_dir().join("ganesha.log"))
                    .arg("-p")
                    .arg(l.run_dir().join("ganesha.nfsd.pid"));
                let log = l.log_dir().join("ganesha.log");
                // Only this start's lines count: an old run's errors are history.
                let _ = std::fs::remove_file(&log);
                let pid = self.spawn(service, cmd, "ganesha")?;
                self.started(service, pid, "ganesha")?;
                // Ganesha runs whatever it could read; a config it read with
                // errors is not the one asked for, so it does not stay up.
                if let Err(e) = ganesha_log_clean(&log) {
                    let _ = self.stop(service);
                    return Err(e);
                }
                Ok(())
            }
            Service::Iscsi => {
                let mut cmd = Command::new(need(service, "tgtd")?);
                cmd.args(["-f", "-C", &l.tgt_control.to_string(), "--iscsi"])
                    .arg(format!("portal={}:{}", l.bind, l.ports.iscsi));
                let pid = self.spawn(service, cmd, "tgtd")?;
                self.started(service, pid, "tgtd")?;
                let conf = l.tgt_conf();
                if conf.exists() {
                    let conf = conf.display().to_string();
                    if let Err(e) = self.tgt_admin(&["-e", "-c", &conf]) {
                        let _ = self.stop(service);
                        return Err(e);
                    }
                }
                Ok(())
            }
        }
    }

    fn stop(&self, service: Service) -> Result<()> {
        let Some(pid) = self.pid(service) else {
            let _ = std::fs::remove_file(self.pid_file(service));
            return Ok(());
        };
        if service == Service::Iscsi {
            // tgtd ignores SIGTERM: take the targets offline and delete the system.
            let _ = self.tgt_admin(&["--update", "ALL", "-c", "/dev/null", "-f"]);
            let _ = self.tgt_admin(&["--delete", "ALL", "-f"]);
            let _ = self.tgtadm(&["--op", "delete", "--mode", "system"]);
            if !wait_gone(pid, Duration::from_secs(3)) {
                signal_group(pid, Signal::SIGKILL);
                wait_gone(pid, Duration::from_secs(2));
            }
        } else {
            self.kill_group(pid);
        }
        if alive(pid) {
            return Err(failed(service, format!("pid {pid} did not stop")));
        }
        if service == Service::Smb {
            self.stop_dcerpcd();
        }
        let _ = std::fs::remove_file(self.pid_file(service));
        if service == Service::Nfs {
            self.release_rpcbind();
        }
        Ok(())
    }

    fn reload(&self, service: Service) -> Result<()> {
        let Some(pid) = self.pid(service) else { return Ok(()) };
        match service {
            Service::Smb => {
                let out = Command::new(need(service, "smbcontrol")?)
                    .arg("-s")
                    .arg(self.layout.smb_conf())
                    .args(["smbd", "reload-config"])
                    .output()
                    .map_err(|e| failed(service, e.to_string()))?;
                if !out.status.success() {
                    return Err(failed(
                        service,
                        format!("smbcontrol reload-config: {}", String::from_utf8_lossy(&out.stderr)),
                    ));
                }
                Ok(())
            }
            Service::Ssh => {
                // sshd -D re-executes itself on SIGHUP, keeping its pid.
                signal(pid, Signal::SIGHUP);
                std::thread::sleep(Duration::from_millis(300));
                if !alive(pid) || !wait_for_port(self.layout.bind, self.layout.ports.ssh, START_TIMEOUT) {
                    return Err(failed(service, "sshd did not come back after SIGHUP"));
                }
                Ok(())
            }
            // Ganesha's SIGHUP export reload does not pick up core
            // parameters; a restart is the reliable way.
            Service::Nfs => self.restart(service),
            // tgt-admin --update never unbinds a discovery account removed
            // from targets.conf (found by the live probe: discovery stayed
            // locked after the config opened it), so a restart is the only
            // way to make the running state equal the file. It drops
            // initiator sessions, which reconnect.
            Service::Iscsi => self.restart(service),
        }
    }

    fn status(&self, service: Service) -> Result<Status> {
        let pid = self.pid(service);
        Ok(Status {
            service,
            running: pid.is_some(),
            pid,
            address: self.layout.bind.to_string(),
            ports: self.ports(service),
            backend: crate::systemd::backend_name(service, self.layout.backends).to_string(),
            unit: None,
            state: None,
            enabled: None,
        })
    }
}

/// Ganesha starts whatever its config says; its log tells whether the
/// config was read cleanly.
pub fn ganesha_log_clean(log: &Path) -> Result<()> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let bad: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.contains("CONFIG :CRIT") || (l.contains("Config File") && (l.contains("Unknown") || l.contains("error")))
        })
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(DaemonError::Rejected { service: Service::Nfs, tool: "ganesha.nfsd's log".into(), output: bad.join("\n") })
    }
}

//! The real daemons: checking a candidate config with the daemon's own
//! tool, writing configs atomically, and starting, stopping and reloading
//! smbd, sshd, ganesha.nfsd (+ rpcbind) and tgtd.
//!
//! Two supervisors sit behind one trait ([`Supervisor`]): [`direct::Direct`]
//! for sandboxes (own process groups, pid files under the state directory)
//! and [`systemd::Systemd`] for the host's units.

pub mod check;
pub mod direct;
pub mod files;
pub mod lio;
pub mod systemd;

use nasguard_model::Service;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("{0} is not installed (looked for {1} on PATH, /usr/sbin and /usr/bin)")]
    Missing(Service, &'static str),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{service}: {message}")]
    Failed { service: Service, message: String },
    #[error("{service}: the config was rejected by {tool}:\n{output}")]
    Rejected { service: Service, tool: String, output: String },
}

pub type Result<T> = std::result::Result<T, DaemonError>;

/// What a supervisor reports about one service.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Status {
    pub service: Service,
    pub running: bool,
    pub pid: Option<u32>,
    pub address: String,
    pub ports: Vec<u16>,
    /// The server behind the service: samba, openssh, kernel or ganesha
    /// (NFS), lio or tgt (iSCSI).
    pub backend: String,
    /// The systemd unit (system deployment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// systemd's state, e.g. `active (running)`, `failed (exit-code)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Whether the unit starts at boot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// Start, stop and reload the four services.
pub trait Supervisor: Send + Sync {
    fn start(&self, service: Service) -> Result<()>;
    fn stop(&self, service: Service) -> Result<()>;
    /// Make a running service read its (already written) config.
    fn reload(&self, service: Service) -> Result<()>;
    fn status(&self, service: Service) -> Result<Status>;
    fn restart(&self, service: Service) -> Result<()> {
        self.stop(service)?;
        self.start(service)
    }
    /// Every service's status, in `Service::ALL` order.
    fn status_all(&self) -> Result<Vec<Status>> {
        Service::ALL.iter().map(|s| self.status(*s)).collect()
    }
    /// Running and answering on its first port (within 10 s).
    fn healthy(&self, service: Service) -> Result<()> {
        let st = self.status(service)?;
        let addr = st.address.parse().unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
        let port_ok = st.ports.first().is_none_or(|p| wait_for_port(addr, *p, Duration::from_secs(10)));
        if st.running && port_ok {
            Ok(())
        } else {
            Err(DaemonError::Failed { service, message: "not running or not answering after reload".into() })
        }
    }
}

/// Whether something listens on TCP `port` (any address), from the
/// kernel's socket tables (`/proc/net/tcp`, `tcp6`): kernel servers (nfsd,
/// LIO) have no process to ask, and connecting would go through firewalls.
pub fn listening(port: u16) -> bool {
    !listen_inodes(port).is_empty()
}

/// The socket inodes of the TCP listeners on `port` (any address), from
/// the kernel's socket tables.
fn listen_inodes(port: u16) -> Vec<String> {
    let hex = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .flat_map(|t| {
            t.lines()
                .skip(1)
                .filter_map(|l| {
                    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
                    let cols: Vec<&str> = l.split_whitespace().collect();
                    let (local, state, inode) = (cols.get(1)?, cols.get(3)?, cols.get(9)?);
                    (local.ends_with(&hex) && *state == "0A").then(|| inode.to_string())
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Whether process `pid` itself listens on TCP `port`: its open sockets
/// matched against the listeners' inodes, so another program holding the
/// port does not pass for the daemon. `None` when its descriptors cannot
/// be read: a daemon that changed its credentials is not dumpable, and
/// nasguard.service runs without CAP_SYS_PTRACE.
pub fn listening_by(pid: u32, port: u16) -> Option<bool> {
    // Without the right to look, the listing may succeed and every link
    // fail (or the listing come back empty): that is "unknown" too.
    let links: Vec<PathBuf> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()?
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .collect();
    if links.is_empty() {
        return None;
    }
    let listeners = listen_inodes(port);
    Some(links.iter().any(|target| {
        target
            .to_str()
            .and_then(|t| t.strip_prefix("socket:[")?.strip_suffix(']'))
            .is_some_and(|inode| listeners.iter().any(|l| l == inode))
    }))
}

/// Finds a program on PATH, then in /usr/sbin and /usr/bin (root's PATH
/// may lack sbin under some runners).
pub fn program(name: &'static str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin"), PathBuf::from("/sbin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

pub fn need(service: Service, name: &'static str) -> Result<PathBuf> {
    program(name).ok_or(DaemonError::Missing(service, name))
}

/// Waits until `addr:port` accepts a TCP connection, or `timeout` passes.
pub fn wait_for_port(addr: std::net::IpAddr, port: u16, timeout: Duration) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    let sock = std::net::SocketAddr::new(addr, port);
    loop {
        if std::net::TcpStream::connect_timeout(&sock, Duration::from_millis(200)).is_ok() {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listener_counts_for_its_own_process_only() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        assert!(listening(port));
        assert_eq!(listening_by(std::process::id(), port), Some(true));
        // Another process on this machine does not hold it.
        let mut other = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        assert_eq!(listening_by(other.id(), port), Some(false));
        other.kill().unwrap();
        other.wait().unwrap();
        assert_eq!(listening_by(other.id(), port), None, "no such process: unknown");
        drop(l);
        assert_eq!(listening_by(std::process::id(), port), Some(false), "closed");
    }
}

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
}

/// Start, stop and reload the four services.
pub trait Supervisor {
    fn start(&self, service: Service) -> Result<()>;
    fn stop(&self, service: Service) -> Result<()>;
    /// Make a running service read its (already written) config.
    fn reload(&self, service: Service) -> Result<()>;
    fn status(&self, service: Service) -> Result<Status>;
    fn restart(&self, service: Service) -> Result<()> {
        self.stop(service)?;
        self.start(service)
    }
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

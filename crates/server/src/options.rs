//! How `nasguard serve` was asked to run, and the limits it runs with by
//! default. At the bottom of the server's modules: the state keeps these,
//! the accept loop enforces them.

use std::time::Duration;

/// A request's whole body must have arrived by then: a client that sends a
/// byte every few seconds is cut off here, however long it could keep going.
pub const BODY_READ: Duration = Duration::from_secs(30);
/// Connections served at once; further ones wait in the kernel's backlog
/// until one ends (a flood of idle connections cannot take every socket).
pub const MAX_CONNECTIONS: usize = 512;
/// The largest TrueNAS configuration backup the API and the TrueNAS page
/// accept (a real `freenas-v1.db` is a few MiB); other bodies stay small.
pub const TRUENAS_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// How `nasguard serve` was asked to run.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Mark the session cookie `Secure` (an HTTPS proxy is in front).
    pub secure_cookies: bool,
    /// The server speaks HTTPS itself (cookies are then always `Secure`,
    /// and HSTS is sent).
    pub tls: bool,
    /// A request body must have arrived in full within this.
    pub body_read: Duration,
    /// Connections served at once; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// The fleet store (`postgres://...`, a dashboard login) for `/fleet`
    /// and `/api/v1/fleet/...`; none: those answer 404.
    pub fleet_db: Option<String>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            secure_cookies: false,
            tls: false,
            body_read: BODY_READ,
            max_connections: MAX_CONNECTIONS,
            fleet_db: None,
        }
    }
}

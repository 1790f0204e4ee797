//! The fleet: many NAS hosts report to one PostgreSQL, workers share scans
//! through a queue in it, and `nasguard serve --fleet` shows it all. The
//! single host keeps its embedded SQLite; this crate is only for the fleet.
//!
//! - [`model`] (pure): the agent's report, host names, scores.
//! - [`schema`]: versioned migrations (`src/migrations/*.sql`), roles,
//!   grants and row-level security: PostgreSQL itself keeps each host to
//!   its own rows.
//! - [`admin`]: enrolling hosts, workers and dashboards (each a login role).
//! - [`agent`]: a host's report (the same `ops` audit and live audit as the
//!   CLI), its outbox, and idempotent delivery.
//! - [`queue`]: the shared scan queue (`FOR UPDATE SKIP LOCKED`, leases) and
//!   its worker.
//! - [`dash`]: what the dashboard and the API read.

pub mod admin;
pub mod agent;
pub mod dash;
pub mod model;
pub mod queue;
pub mod schema;
#[cfg(feature = "testpg")]
pub mod testpg;
pub mod tls;

pub use deadpool_postgres::{Object as PooledClient, Pool};
pub use tokio_postgres::Client;

#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    #[error("fleet database: {}", describe(.0))]
    Db(#[from] tokio_postgres::Error),
    /// Bad input, naming what is wrong.
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: {source}")]
    Io { path: std::path::PathBuf, source: std::io::Error },
    #[error(transparent)]
    Ops(#[from] nasguard_ops::OpsError),
    #[error("fleet database pool: {0}")]
    Pool(String),
}

impl FleetError {
    /// Whether the database could not be reached (or went away), as
    /// opposed to refusing what was asked.
    pub fn unreachable(&self) -> bool {
        match self {
            FleetError::Db(e) => !tls_refused(e) && (e.is_closed() || e.code().is_none()),
            FleetError::Pool(_) => true,
            _ => false,
        }
    }
}

/// What PostgreSQL said (its message and SQLSTATE), or what failed on the
/// way with its causes: tokio-postgres' own text is only "db error".
fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

/// Whether `e` is the TLS handshake or the server's certificate failing
/// (nothing a retry fixes).
fn tls_refused(e: &tokio_postgres::Error) -> bool {
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if c.is::<tls::TlsRefused>() {
            return true;
        }
        cause = c.source();
    }
    false
}

pub type Result<T> = std::result::Result<T, FleetError>;

/// Connects to `url` (`postgres://user:password@host:port/db?...`, or
/// `host=... user=...`): over TLS with the server's certificate verified
/// when the URL says `sslmode=require` (see [`tls`]), plain otherwise
/// (loopback, or a tunnel). The connection runs on a task of its own.
pub async fn connect(url: &str) -> Result<Client> {
    let tls::DbUrl { mut config, tls } = tls::parse(url)?;
    config.connect_timeout(std::time::Duration::from_secs(5));
    config.application_name("nasguard");
    let client = match tls {
        None => {
            let (client, conn) = config.connect(tokio_postgres::NoTls).await?;
            tokio::spawn(conn);
            client
        }
        Some(tls) => {
            let (client, conn) = config.connect(tls).await?;
            tokio::spawn(conn);
            client
        }
    };
    Ok(client)
}

/// A pool of connections to `url` (the dashboard, the ingest bench), TLS
/// as for [`connect`].
pub fn pool(url: &str, size: usize) -> Result<deadpool_postgres::Pool> {
    let tls::DbUrl { config, tls } = tls::parse(url)?;
    let manager = match tls {
        None => deadpool_postgres::Manager::new(config, tokio_postgres::NoTls),
        Some(tls) => deadpool_postgres::Manager::new(config, tls),
    };
    deadpool_postgres::Pool::builder(manager).max_size(size).build().map_err(|e| FleetError::Pool(e.to_string()))
}

/// A unix time in milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

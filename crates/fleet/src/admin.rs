//! Enrolling who may connect: each host, worker and dashboard is a login
//! role of its own, member of its group role (`schema`), with a random
//! password shown once.

use crate::model::check_name;
use crate::{FleetError, Result};
use tokio_postgres::Client;

/// What a login is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Host,
    Worker,
    Dashboard,
}

impl Kind {
    fn group(self) -> &'static str {
        match self {
            Kind::Host => "nasguard_host",
            Kind::Worker => "nasguard_worker",
            Kind::Dashboard => "nasguard_dashboard",
        }
    }

    /// The login role's name for `name`.
    pub fn role(self, name: &str) -> String {
        let prefix = match self {
            Kind::Host => "nasguard_h_",
            Kind::Worker => "nasguard_w_",
            Kind::Dashboard => "nasguard_d_",
        };
        format!("{prefix}{}", name.replace('-', "_"))
    }
}

fn password() -> Result<String> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| FleetError::Invalid(format!("no randomness: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Creates (or, for an existing one, gives a new password to) the login of
/// `kind` named `name`; a host also gets its row. Returns the role and its
/// password.
pub async fn enroll(admin: &mut Client, kind: Kind, name: &str) -> Result<(String, String)> {
    check_name(
        match kind {
            Kind::Host => "host",
            Kind::Worker => "worker",
            Kind::Dashboard => "dashboard",
        },
        name,
    )
    .map_err(FleetError::Invalid)?;
    let role = kind.role(name);
    let pw = password()?;
    // Names and passwords are checked to hold only [a-z0-9_]: nothing to quote.
    let tx = admin.transaction().await?;
    let exists = tx.query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&role]).await?.is_some();
    if exists {
        tx.batch_execute(&format!("ALTER ROLE {role} LOGIN PASSWORD '{pw}'")).await?;
    } else {
        tx.batch_execute(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD '{pw}' NOSUPERUSER NOCREATEDB NOCREATEROLE IN ROLE {}",
            kind.group()
        ))
        .await?;
    }
    if kind == Kind::Host {
        tx.execute(
            "INSERT INTO fleet_hosts (name, role_name) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            &[&name, &role],
        )
        .await?;
    }
    tx.commit().await?;
    Ok((role, pw))
}

/// A connection URL for `role` at the database `admin_url` names.
pub fn login_url(admin_url: &str, role: &str, password: &str) -> Result<String> {
    let config: tokio_postgres::Config =
        admin_url.parse().map_err(|e| FleetError::Invalid(format!("the fleet database URL: {e}")))?;
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "127.0.0.1".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config.get_dbname().unwrap_or("postgres");
    let host = if host.contains(':') { format!("[{host}]") } else { host };
    Ok(format!("postgres://{role}:{password}@{host}:{port}/{db}"))
}

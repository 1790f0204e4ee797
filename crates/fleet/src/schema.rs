//! Versioned migrations: `src/migrations/NNN_*.sql`, each applied once, in
//! order, in one transaction, under an advisory lock (two `fleet init` at
//! once wait for each other). Append new files; never edit an applied one.

use crate::Result;
use tokio_postgres::Client;

/// (version, SQL), in order.
pub const MIGRATIONS: &[(i32, &str)] = &[(1, include_str!("migrations/001_fleet.sql"))];

/// Applies what is missing; returns the versions applied now.
pub async fn migrate(admin: &mut Client) -> Result<Vec<i32>> {
    admin.batch_execute("SELECT pg_advisory_lock(7410451)").await?;
    let result = apply(admin).await;
    let _ = admin.batch_execute("SELECT pg_advisory_unlock(7410451)").await;
    result
}

async fn apply(admin: &mut Client) -> Result<Vec<i32>> {
    admin
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS fleet_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
        )
        .await?;
    let mut applied = vec![];
    for (version, sql) in MIGRATIONS {
        let done = admin.query_opt("SELECT 1 FROM fleet_migrations WHERE version = $1", &[version]).await?.is_some();
        if done {
            continue;
        }
        let tx = admin.transaction().await?;
        tx.batch_execute(sql).await?;
        tx.execute("INSERT INTO fleet_migrations (version) VALUES ($1)", &[version]).await?;
        tx.commit().await?;
        applied.push(*version);
    }
    Ok(applied)
}

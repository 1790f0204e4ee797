//! Tables and migrations. Append migrations; never edit a released one.

use crate::Result;
use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};
use std::path::Path;
use std::time::Duration;

const MIGRATIONS: &[M<'static>] = &[
    M::up(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE objects (
         kind TEXT NOT NULL,
         id INTEGER NOT NULL,
         body TEXT NOT NULL,
         secret BLOB,
         peersecret BLOB,
         PRIMARY KEY (kind, id)
     ) WITHOUT ROWID;
     CREATE TABLE revisions (rev INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, summary TEXT NOT NULL);
     CREATE TABLE audit_log (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         rev INTEGER NOT NULL REFERENCES revisions(rev),
         at TEXT NOT NULL,
         actor TEXT NOT NULL,
         object TEXT NOT NULL,
         action TEXT NOT NULL,
         old TEXT,
         new TEXT
     );
     CREATE INDEX audit_log_rev ON audit_log(rev);",
    ),
    // The server's accounts: admins (Argon2id PHC strings), API tokens and
    // sessions (SHA-256 of the random token; the token itself is never
    // stored), and events that are not config revisions (logins, applies,
    // service control) for the audit log.
    M::up(
        "CREATE TABLE admins (name TEXT PRIMARY KEY, password TEXT NOT NULL, created TEXT NOT NULL);
     CREATE TABLE api_tokens (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         name TEXT NOT NULL,
         admin TEXT NOT NULL REFERENCES admins(name) ON DELETE CASCADE,
         hash TEXT NOT NULL UNIQUE,
         created TEXT NOT NULL
     );
     CREATE TABLE sessions (
         hash TEXT PRIMARY KEY,
         admin TEXT NOT NULL REFERENCES admins(name) ON DELETE CASCADE,
         csrf TEXT NOT NULL,
         expires INTEGER NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE events (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         at TEXT NOT NULL,
         actor TEXT NOT NULL,
         action TEXT NOT NULL,
         detail TEXT NOT NULL
     );",
    ),
];

pub(crate) fn open(path: &Path) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    // Wait for another nasguard process's write instead of failing.
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Migrations::from_slice(MIGRATIONS).to_latest(&mut conn)?;
    crate::set_mode(path, 0o600)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(rusqlite_migration::Migrations::from_slice(super::MIGRATIONS).validate().is_ok());
    }
}

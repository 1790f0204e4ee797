//! The server's accounts: admins, API tokens, sessions, and events that are
//! not config revisions. The store keeps only what it is given: password
//! hashes (PHC strings) and token digests are computed by `nasguard-ops`.

use crate::{Result, Store, StoreError, now};
use nasguard_model::ValidationErrors;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// One API token, without its secret (which is never stored).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub admin: String,
    pub created: String,
}

/// A live session: whose, and the CSRF token its forms must carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub admin: String,
    pub csrf: String,
}

/// An action that is not a config change (login, apply, service control).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

impl Store {
    pub fn admin_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM admins", [], |r| r.get(0))?)
    }

    /// Adds an admin; refuses a name that is taken.
    pub fn admin_insert(&self, name: &str, phc: &str) -> Result<()> {
        let taken: bool =
            self.conn.query_row("SELECT count(*) > 0 FROM admins WHERE name = ?1", [name], |r| r.get(0))?;
        if taken {
            return Err(StoreError::Rejected(ValidationErrors::single("admin", "name", format!("{name:?} exists"))));
        }
        self.conn
            .execute("INSERT INTO admins(name, password, created) VALUES (?1, ?2, ?3)", params![name, phc, now()])?;
        Ok(())
    }

    pub fn admin_set_password(&self, name: &str, phc: &str) -> Result<bool> {
        Ok(self.conn.execute("UPDATE admins SET password = ?2 WHERE name = ?1", params![name, phc])? == 1)
    }

    /// The stored PHC string of `name`.
    pub fn admin_password(&self, name: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT password FROM admins WHERE name = ?1", [name], |r| r.get(0)).optional()?)
    }

    pub fn admins(&self) -> Result<Vec<String>> {
        let mut st = self.conn.prepare("SELECT name FROM admins ORDER BY name")?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    pub fn token_insert(&self, name: &str, admin: &str, digest: &str) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO api_tokens(name, admin, hash, created) VALUES (?1, ?2, ?3, ?4)",
            params![name, admin, digest, now()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The admin a token digest belongs to.
    pub fn token_admin(&self, digest: &str) -> Result<Option<String>> {
        let mut st = self.conn.prepare_cached("SELECT admin FROM api_tokens WHERE hash = ?1")?;
        Ok(st.query_row([digest], |r| r.get(0)).optional()?)
    }

    pub fn tokens(&self) -> Result<Vec<TokenInfo>> {
        let mut st = self.conn.prepare("SELECT id, name, admin, created FROM api_tokens ORDER BY id")?;
        let rows = st.query_map([], |r| {
            Ok(TokenInfo { id: r.get(0)?, name: r.get(1)?, admin: r.get(2)?, created: r.get(3)? })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    pub fn token_delete(&self, id: i64) -> Result<bool> {
        Ok(self.conn.execute("DELETE FROM api_tokens WHERE id = ?1", [id])? == 1)
    }

    pub fn session_insert(&self, digest: &str, admin: &str, csrf: &str, expires: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO sessions(hash, admin, csrf, expires) VALUES (?1, ?2, ?3, ?4)",
            params![digest, admin, csrf, expires],
        )?;
        // Forget expired sessions while we are here.
        self.conn.execute("DELETE FROM sessions WHERE expires < ?1", [expires - SESSION_PURGE_SLACK])?;
        Ok(())
    }

    /// The session of a digest, if it has not expired at `now` (unix seconds).
    pub fn session(&self, digest: &str, now: i64) -> Result<Option<Session>> {
        let mut st = self.conn.prepare_cached("SELECT admin, csrf FROM sessions WHERE hash = ?1 AND expires > ?2")?;
        Ok(st.query_row(params![digest, now], |r| Ok(Session { admin: r.get(0)?, csrf: r.get(1)? })).optional()?)
    }

    /// Ends every session of `admin` (after a password change).
    pub fn sessions_delete_for(&self, admin: &str) -> Result<usize> {
        Ok(self.conn.execute("DELETE FROM sessions WHERE admin = ?1", [admin])?)
    }

    pub fn session_delete(&self, digest: &str) -> Result<()> {
        self.conn.execute("DELETE FROM sessions WHERE hash = ?1", [digest])?;
        Ok(())
    }

    pub fn event(&self, actor: &str, action: &str, detail: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO events(at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
            params![
                now(),
                crate::loggable(actor, crate::MAX_ACTOR),
                crate::loggable(action, crate::MAX_SUMMARY),
                crate::loggable(detail, crate::MAX_DETAIL)
            ],
        )?;
        Ok(())
    }

    pub fn events(&self, limit: usize) -> Result<Vec<Event>> {
        let mut st = self.conn.prepare("SELECT at, actor, action, detail FROM events ORDER BY id DESC LIMIT ?1")?;
        let rows = st.query_map([limit as i64], |r| {
            Ok(Event { at: r.get(0)?, actor: r.get(1)?, action: r.get(2)?, detail: r.get(3)? })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

/// Sessions this far past their expiry (seconds) are deleted.
const SESSION_PURGE_SLACK: i64 = 3600;

#[cfg(test)]
mod tests {
    use crate::{Deployment, Store};

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let d = Deployment::loopback_sandbox(Some(20000));
        let s = Store::create(&dir.path().join("state"), &d, "test").unwrap();
        (dir, s)
    }

    #[test]
    fn admins_tokens_and_sessions_round_trip() {
        let (_d, s) = store();
        assert_eq!(s.admin_count().unwrap(), 0);
        s.admin_insert("alice", "$argon2id$x").unwrap();
        let err = s.admin_insert("alice", "$argon2id$y").unwrap_err();
        assert!(err.to_string().contains("exists"), "{err}");
        assert_eq!(s.admin_password("alice").unwrap().as_deref(), Some("$argon2id$x"));
        let id = s.token_insert("ci", "alice", "d1").unwrap();
        assert_eq!(s.token_admin("d1").unwrap().as_deref(), Some("alice"));
        assert_eq!(s.token_admin("d2").unwrap(), None);
        assert!(s.token_delete(id).unwrap());
        assert_eq!(s.token_admin("d1").unwrap(), None);
        s.session_insert("s1", "alice", "c1", 100).unwrap();
        assert_eq!(s.session("s1", 99).unwrap().unwrap().csrf, "c1");
        assert_eq!(s.session("s1", 100).unwrap(), None, "expired at its expiry time");
        s.session_delete("s1").unwrap();
        assert_eq!(s.session("s1", 0).unwrap(), None);
        s.event("alice", "login", "").unwrap();
        assert_eq!(s.events(10).unwrap()[0].action, "login");
    }
}

//! The embedded store: the model at its latest revision, in SQLite.
//!
//! **Architecture invariants:**
//! - Every change is one `BEGIN IMMEDIATE` transaction that re-reads the
//!   current config, applies the caller's change, lets the caller validate,
//!   writes only the rows that changed, and adds a revision row and one
//!   audit-log row per changed object. Two processes changing the store at
//!   once are serialised by SQLite's write lock, so no update is lost; a
//!   rejected change rolls back and leaves the file untouched.
//! - CHAP secrets are stored only encrypted (ChaCha20-Poly1305, key file
//!   `secret.key`, mode 0600); audit-log rows hold them masked.
//!
//! Objects are stored as JSON documents (one row per object, the model's
//! serde form) with their kind and id as the key: the model is the schema,
//! migrations only shape the tables around it.

mod accounts;
mod crypto;
mod schema;

use nasguard_model::{Config, ValidationErrors};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use accounts::{Event, Session, TokenInfo};
pub use crypto::KEY_FILE;

pub const DB_FILE: &str = "nasguard.db";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Rejected(ValidationErrors),
    #[error("no nasguard state in {0} (run `nasguard init`, or pass --state-dir / set NASGUARD_STATE_DIR)")]
    NotInitialized(PathBuf),
    #[error("{0} is already initialised")]
    AlreadyInitialized(PathBuf),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("secret store: {0}")]
    Crypto(String),
    /// The state directory could be changed by someone else.
    #[error(
        "{path}: {why}; nasguard keeps its database and keys there and will not use it (chmod 700 / chown it, or choose another --state-dir)"
    )]
    Unsafe { path: PathBuf, why: String },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// How this state directory runs its daemons (set by `init`, checked when read).
pub use nasguard_model::deployment::{Deployment, Mode};

/// Strings that reach the log are capped (whatever a client sends as a user
/// name or a share name, the row stays small and readable).
pub const MAX_ACTOR: usize = 80;
pub const MAX_SUMMARY: usize = 300;
pub const MAX_DETAIL: usize = 300;
use nasguard_model::text::loggable;

/// One revision: the number and who made it, when and why.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Revision {
    pub rev: i64,
    pub at: String,
    pub actor: String,
    pub summary: String,
}

/// One audit-log row: an object's old and new values (secrets masked).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub rev: i64,
    pub at: String,
    pub actor: String,
    pub object: String,
    pub action: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// The config at one revision.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub revision: i64,
    pub config: Config,
}

pub struct Store {
    pub(crate) conn: Connection,
    key: crypto::Key,
    dir: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io { path: path.to_path_buf(), source }
}

pub(crate) fn now() -> String {
    let t = time::OffsetDateTime::now_utc();
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Today as `YYYY-MM-DD` (UTC), for waiver expiry.
pub fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl Store {
    /// Creates the state directory (0700), the key file and the database
    /// with the default (secure) config as revision 1.
    pub fn create(dir: &Path, deployment: &Deployment, actor: &str) -> Result<Store> {
        if dir.join(DB_FILE).exists() {
            return Err(StoreError::AlreadyInitialized(dir.to_path_buf()));
        }
        if dir.exists() {
            check_private(dir)?;
        }
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        set_mode(dir, 0o700)?;
        let key = crypto::Key::create(dir)?;
        let conn = schema::open(&dir.join(DB_FILE))?;
        let mut store = Store { conn, key, dir: dir.to_path_buf() };
        store.set_meta(
            "deployment",
            &serde_json::to_value(deployment).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        )?;
        store.change(actor, "init: secure defaults", |_| Ok::<(), StoreError>(()))?;
        Ok(store)
    }

    /// Opens an existing state directory.
    pub fn open(dir: &Path) -> Result<Store> {
        let db = dir.join(DB_FILE);
        if !db.exists() {
            return Err(StoreError::NotInitialized(dir.to_path_buf()));
        }
        check_private(dir)?;
        let key = crypto::Key::load(dir)?;
        let conn = schema::open(&db)?;
        let store = Store { conn, key, dir: dir.to_path_buf() };
        // A damaged or unknown deployment must stop everything here, before
        // anything could take it for the host system.
        store.deployment()?;
        Ok(store)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn deployment(&self) -> Result<Deployment> {
        let v = self.meta("deployment")?.ok_or_else(|| StoreError::Corrupt("no deployment recorded".into()))?;
        serde_json::from_value(v).map_err(|e| StoreError::Corrupt(format!("the recorded deployment: {e}")))
    }

    fn meta(&self, key: &str) -> Result<Option<Value>> {
        let raw: Option<String> =
            self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?;
        raw.map(|s| serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(format!("the recorded {key}: {e}"))))
            .transpose()
    }

    fn set_meta(&self, key: &str, value: &Value) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value.to_string()],
        )?;
        Ok(())
    }

    /// The latest config.
    pub fn load(&self) -> Result<Snapshot> {
        load(&self.conn, &self.key)
    }

    /// Applies `change` to the latest config as one transaction (see the
    /// crate docs). `change` validates; an `Err` (of the caller's own error
    /// type) rolls everything back and is returned as it is. Returns the
    /// new revision (or the current one if nothing changed).
    pub fn change<T, E: From<StoreError>>(
        &mut self,
        actor: &str,
        summary: &str,
        change: impl FnOnce(&mut Config) -> std::result::Result<T, E>,
    ) -> std::result::Result<(T, i64), E> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(StoreError::from)?;
        let before = load(&tx, &self.key)?;
        let mut after = before.config.clone();
        let out = change(&mut after)?;
        let (actor, summary) = (&loggable(actor, MAX_ACTOR), &loggable(summary, MAX_SUMMARY));
        match write_change(&tx, &self.key, &before, &after, actor, summary)? {
            None => Ok((out, before.revision)),
            Some(rev) => {
                tx.commit().map_err(StoreError::from)?;
                Ok((out, rev))
            }
        }
    }

    pub fn revisions(&self, limit: usize) -> Result<Vec<Revision>> {
        let mut st = self.conn.prepare("SELECT rev, at, actor, summary FROM revisions ORDER BY rev DESC LIMIT ?1")?;
        let rows = st.query_map([limit as i64], |r| {
            Ok(Revision { rev: r.get(0)?, at: r.get(1)?, actor: r.get(2)?, summary: r.get(3)? })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let mut st = self
            .conn
            .prepare("SELECT rev, at, actor, object, action, old, new FROM audit_log ORDER BY id DESC LIMIT ?1")?;
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        let rows = st.query_map([limit as i64], |r| {
            Ok(AuditEntry {
                rev: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                object: r.get(3)?,
                action: r.get(4)?,
                old: parse(r.get(5)?),
                new: parse(r.get(6)?),
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

/// Writes what differs between `before` and `after` (rows, a revision, one
/// audit row per object); `None` when nothing differs.
fn write_change(
    tx: &rusqlite::Transaction,
    key: &crypto::Key,
    before: &Snapshot,
    after: &Config,
    actor: &str,
    summary: &str,
) -> Result<Option<i64>> {
    let old_rows = rows(&before.config, key, false)?;
    let new_rows = rows(after, key, false)?;
    if old_rows == new_rows && before.revision > 0 {
        return Ok(None);
    }
    let at = now();
    tx.execute("INSERT INTO revisions(at, actor, summary) VALUES (?1, ?2, ?3)", params![at, actor, summary])?;
    let rev = tx.last_insert_rowid();
    let sealed = rows(after, key, true)?;
    for (k, new) in &new_rows {
        let old = old_rows.get(k);
        if old == Some(new) {
            continue;
        }
        let row = &sealed[k];
        tx.execute(
            "INSERT INTO objects(kind, id, body, secret, peersecret) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(kind, id) DO UPDATE SET body = excluded.body, secret = excluded.secret, peersecret = excluded.peersecret",
            params![k.0, k.1, row.body.to_string(), row.secret, row.peersecret],
        )?;
        let (action, old_v, new_v) = match old {
            None => ("create", None, Some(new.body.clone())),
            Some(o) => {
                let (o, n) = changed_fields(&o.body, &new.body, o.secret != new.secret, o.peersecret != new.peersecret);
                ("update", Some(o), Some(n))
            }
        };
        audit(tx, rev, &at, actor, &object_name(k, &new.body), action, old_v, new_v)?;
    }
    for (k, old) in &old_rows {
        if !new_rows.contains_key(k) {
            tx.execute("DELETE FROM objects WHERE kind = ?1 AND id = ?2", params![k.0, k.1])?;
            audit(tx, rev, &at, actor, &object_name(k, &old.body), "delete", Some(old.body.clone()), None)?;
        }
    }
    Ok(Some(rev))
}

#[allow(clippy::too_many_arguments)]
fn audit(
    tx: &rusqlite::Transaction,
    rev: i64,
    at: &str,
    actor: &str,
    object: &str,
    action: &str,
    old: Option<Value>,
    new: Option<Value>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO audit_log(rev, at, actor, object, action, old, new) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![rev, at, actor, object, action, old.map(|v| v.to_string()), new.map(|v| v.to_string())],
    )?;
    Ok(())
}

/// The fields that differ, as `{field: old}` / `{field: new}`; a secret
/// that changed shows as `"********"` on both sides.
fn changed_fields(old: &Value, new: &Value, secret: bool, peer: bool) -> (Value, Value) {
    let (mut o, mut n) = (serde_json::Map::new(), serde_json::Map::new());
    if let (Value::Object(a), Value::Object(b)) = (old, new) {
        for (k, v) in b {
            if a.get(k) != Some(v) {
                o.insert(k.clone(), a.get(k).cloned().unwrap_or(Value::Null));
                n.insert(k.clone(), v.clone());
            }
        }
    }
    for (changed, field) in [(secret, "secret"), (peer, "peersecret")] {
        if changed {
            o.insert(field.into(), nasguard_model::secret::MASK.into());
            n.insert(field.into(), nasguard_model::secret::MASK.into());
        }
    }
    (Value::Object(o), Value::Object(n))
}

/// `(kind, id)`: singletons have id 0.
type RowKey = (String, i64);

/// A row: the masked JSON body and, for CHAP credentials, the secrets
/// (plaintext bytes for comparison, or sealed for writing).
#[derive(PartialEq, Eq, Debug)]
struct Row {
    body: Value,
    secret: Option<Vec<u8>>,
    peersecret: Option<Vec<u8>>,
}

fn json<T: Serialize>(v: &T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn object_name(key: &RowKey, body: &Value) -> String {
    let label = body.get("name").and_then(Value::as_str).map(String::from).unwrap_or_else(|| key.1.to_string());
    if key.1 == 0 { key.0.clone() } else { format!("{}/{}", key.0.replace('_', "/"), label) }
}

/// Flattens a config into rows. With `seal`, secrets are encrypted (fresh
/// nonce, so only for writing); without, they are the plain bytes, so two
/// configs compare equal exactly when their rows do.
fn rows(cfg: &Config, key: &crypto::Key, seal: bool) -> Result<BTreeMap<RowKey, Row>> {
    let mut out = BTreeMap::new();
    let plain = |body: Value| Row { body, secret: None, peersecret: None };
    out.insert(("smb".into(), 0), plain(json(&cfg.smb)?));
    out.insert(("nfs".into(), 0), plain(json(&cfg.nfs)?));
    out.insert(("ssh".into(), 0), plain(json(&cfg.ssh)?));
    out.insert(("iscsi_global".into(), 0), plain(json(&cfg.iscsi.global)?));
    out.insert(("site".into(), 0), plain(json(&cfg.site)?));
    fn each<T: Serialize>(
        out: &mut BTreeMap<RowKey, Row>,
        kind: &str,
        items: &[T],
        id: impl Fn(&T) -> u32,
    ) -> Result<()> {
        for item in items {
            out.insert((kind.into(), i64::from(id(item))), Row { body: json(item)?, secret: None, peersecret: None });
        }
        Ok(())
    }
    each(&mut out, "smb_share", &cfg.smb_shares, |s| s.id)?;
    each(&mut out, "nfs_share", &cfg.nfs_shares, |s| s.id)?;
    each(&mut out, "iscsi_portal", &cfg.iscsi.portals, |s| s.id)?;
    each(&mut out, "iscsi_initiator", &cfg.iscsi.initiators, |s| s.id)?;
    each(&mut out, "iscsi_target", &cfg.iscsi.targets, |s| s.id)?;
    each(&mut out, "iscsi_extent", &cfg.iscsi.extents, |s| s.id)?;
    each(&mut out, "iscsi_targetextent", &cfg.iscsi.targetextents, |s| s.id)?;
    for a in &cfg.iscsi.auths {
        let k: RowKey = ("iscsi_auth".into(), i64::from(a.id));
        let aad = format!("{}:{}", k.0, k.1);
        let secret = |s: &nasguard_model::Secret, field: &str| -> Result<Option<Vec<u8>>> {
            if s.is_empty() {
                return Ok(None);
            }
            let bytes = s.expose().as_bytes();
            Ok(Some(if seal { key.seal(bytes, &format!("{aad}:{field}"))? } else { bytes.to_vec() }))
        };
        let row = Row {
            body: json(a)?,
            secret: secret(&a.secret, "secret")?,
            peersecret: secret(&a.peersecret, "peersecret")?,
        };
        out.insert(k, row);
    }
    Ok(out)
}

fn from_json<T: serde::de::DeserializeOwned>(kind: &str, id: i64, body: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("{kind} {id}: {e}")))
}

fn load(conn: &Connection, key: &crypto::Key) -> Result<Snapshot> {
    let revision: i64 = conn.query_row("SELECT COALESCE(MAX(rev), 0) FROM revisions", [], |r| r.get(0))?;
    let mut cfg = Config::default();
    let mut st = conn.prepare("SELECT kind, id, body, secret, peersecret FROM objects ORDER BY kind, id")?;
    let mut q = st.query([])?;
    while let Some(r) = q.next()? {
        let kind: String = r.get(0)?;
        let id: i64 = r.get(1)?;
        let body: String = r.get(2)?;
        match kind.as_str() {
            "smb" => cfg.smb = from_json(&kind, id, &body)?,
            "nfs" => cfg.nfs = from_json(&kind, id, &body)?,
            "ssh" => cfg.ssh = from_json(&kind, id, &body)?,
            "iscsi_global" => cfg.iscsi.global = from_json(&kind, id, &body)?,
            "site" => cfg.site = from_json(&kind, id, &body)?,
            "smb_share" => cfg.smb_shares.push(from_json(&kind, id, &body)?),
            "nfs_share" => cfg.nfs_shares.push(from_json(&kind, id, &body)?),
            "iscsi_portal" => cfg.iscsi.portals.push(from_json(&kind, id, &body)?),
            "iscsi_initiator" => cfg.iscsi.initiators.push(from_json(&kind, id, &body)?),
            "iscsi_target" => cfg.iscsi.targets.push(from_json(&kind, id, &body)?),
            "iscsi_extent" => cfg.iscsi.extents.push(from_json(&kind, id, &body)?),
            "iscsi_targetextent" => cfg.iscsi.targetextents.push(from_json(&kind, id, &body)?),
            "iscsi_auth" => {
                let mut a: nasguard_model::iscsi::Auth = from_json(&kind, id, &body)?;
                let aad = format!("{kind}:{id}");
                let open = |blob: Option<Vec<u8>>, field: &str| -> Result<nasguard_model::Secret> {
                    match blob {
                        None => Ok(nasguard_model::Secret::default()),
                        Some(b) => Ok(nasguard_model::Secret::new(key.open(&b, &format!("{aad}:{field}"))?)),
                    }
                };
                a.secret = open(r.get(3)?, "secret")?;
                a.peersecret = open(r.get(4)?, "peersecret")?;
                cfg.iscsi.auths.push(a);
            }
            other => return Err(StoreError::Corrupt(format!("unknown object kind {other:?}"))),
        }
    }
    Ok(Snapshot { revision, config: cfg })
}

#[cfg(unix)]
/// The effective uid of this process (Linux: /proc/self/status), if known.
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| l.strip_prefix("Uid:")).and_then(|ids| ids.split_whitespace().nth(1)?.parse().ok())
}

/// **Security invariant:** nasguard uses a state directory only if nobody
/// but its owner can write it, and its owner runs nasguard: anyone else
/// could swap the database or the key for their own.
pub fn check_private(dir: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(dir).map_err(io(dir))?;
    let unsafe_dir = |why: String| Err(StoreError::Unsafe { path: dir.to_path_buf(), why });
    if !meta.is_dir() {
        return unsafe_dir("not a directory".into());
    }
    if meta.mode() & 0o022 != 0 {
        return unsafe_dir(format!("group- or world-writable (mode {:o})", meta.mode() & 0o7777));
    }
    if let Some(me) = effective_uid()
        && meta.uid() != me
    {
        return unsafe_dir(format!("owned by uid {}, not by uid {me} which runs nasguard", meta.uid()));
    }
    Ok(())
}

pub(crate) fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(io(path))
}

#[cfg(test)]
mod tests;

/// Lets tests wait for the write lock without a long default.
pub fn set_busy_timeout(store: &Store, d: Duration) -> Result<()> {
    store.conn.busy_timeout(d)?;
    Ok(())
}

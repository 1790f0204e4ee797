//! The IO edge: opens a backup (SQLite, or a tar holding it and the secret
//! seed), read-only and bounded, and returns its rows as [`Db`].
//!
//! **Security invariant:** the file is never written. A `.db` is opened by
//! SQLite as `file:PATH?mode=ro&immutable=1` with `SQLITE_OPEN_READ_ONLY`
//! (no journal, no WAL, no lock file); a tar member is read into memory and
//! deserialised read-only. Either way: defensive mode, untrusted schema
//! (`trusted_schema=OFF`), triggers and views refused, a cap on the length
//! of any value and on what all values read add up to (a database can hold
//! values computed when read, far larger than the file), and a progress
//! handler that stops a query past a deadline. The file is opened
//! non-blocking and read only if it is a regular file (a FIFO is refused at
//! once), and SQLite reads that same open file.
//! A tar is read sequentially with caps on member count and size, and any
//! `..`, absolute name, link or special file refuses the whole archive.

use crate::db::{Db, Table, Value};
use crate::schema::TABLES;
use rusqlite::config::DbConfig;
use rusqlite::limits::Limit;
use rusqlite::{Connection, OpenFlags};
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// The largest backup database read (a real one is a few MiB).
pub const MAX_DB_BYTES: u64 = 256 * 1024 * 1024;
/// The largest value (text or blob) a query may return.
pub const MAX_VALUE_BYTES: i32 = 1024 * 1024;
/// Rows read from one table.
pub const MAX_ROWS: usize = 1_000_000;
/// What all values read may add up to (each counted with a fixed overhead
/// per value and row): a database can hold rows whose values are not stored
/// but computed when read (`ALTER TABLE ... ADD COLUMN ... DEFAULT`), so
/// the file's size bounds nothing.
pub const MAX_READ_BYTES: u64 = 128 * 1024 * 1024;
/// What one value (and one row) counts against [`MAX_READ_BYTES`] besides
/// its bytes.
const VALUE_OVERHEAD: u64 = 32;
/// Members a tar may have before the reader gives up.
pub const MAX_TAR_MEMBERS: usize = 64;
/// How long all queries together may run.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Why a backup could not be read. Every variant names the file and what
/// was wrong; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    /// Not a backup, or a backup nasguard refuses to read.
    #[error("{path}: {why}")]
    Refused { path: String, why: String },
}

/// What the file was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Sqlite,
    Tar,
}

/// A backup read into memory.
pub struct Backup {
    pub format: Format,
    pub db: Db,
    /// The tar's `pwenc_secret` (32 bytes), if it had one.
    pub secret: Option<Zeroizing<Vec<u8>>>,
    /// Warnings about the container (e.g. a seed of the wrong size).
    pub notes: Vec<String>,
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Opens `path` (a `freenas-v1.db` or a backup tar) and reads the tables
/// the mapping needs.
pub fn open(path: &Path) -> Result<Backup, ReadError> {
    let shown = path.display().to_string();
    let refuse = |why: String| ReadError::Refused { path: shown.clone(), why };
    let io = |source| ReadError::Io { path: shown.clone(), source };
    // Non-blocking: opening a FIFO must not wait for a writer. Only a
    // regular file is read, and everything after this reads that same file
    // (through /proc/self/fd), not whatever the path names by then.
    let mut f = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path).map_err(io)?
    };
    let meta = f.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(refuse("not a regular file".into()));
    }
    let via_fd = {
        use std::os::fd::AsRawFd;
        std::path::PathBuf::from(format!("/proc/self/fd/{}", f.as_raw_fd()))
    };
    let same_file = if via_fd.exists() { via_fd.as_path() } else { path };
    let mut head = [0u8; 512];
    let n = read_up_to(&mut f, &mut head).map_err(io)?;
    let head = head.get(..n).unwrap_or_default();
    if head.starts_with(SQLITE_MAGIC) {
        if meta.len() > MAX_DB_BYTES {
            return Err(refuse(format!("the database is larger than {} MiB", MAX_DB_BYTES >> 20)));
        }
        let conn = open_file(same_file).map_err(|e| refuse(format!("cannot open it as SQLite: {e}")))?;
        let db = read_db(&conn).map_err(refuse)?;
        drop(f);
        return Ok(Backup { format: Format::Sqlite, db, secret: None, notes: vec![] });
    }
    if head.get(257..262) == Some(b"ustar") {
        use std::io::Seek;
        f.seek(std::io::SeekFrom::Start(0)).map_err(io)?;
        return read_tar(f).map_err(refuse);
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Err(refuse("a gzip-compressed file: extract the tar first (tar xzf FILE)".into()));
    }
    if n < SQLITE_MAGIC.len() {
        return Err(refuse(format!("only {n} bytes: not a TrueNAS configuration backup (a freenas-v1.db or a tar)")));
    }
    Err(refuse("not a TrueNAS configuration backup: neither an SQLite database (freenas-v1.db) nor a tar".into()))
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(buf.get_mut(n..).unwrap_or_default())? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// `file:` URI with everything but unreserved characters percent-encoded.
fn uri(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::from("file:");
    for b in abs.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(b) {
            out.push(char::from(*b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.push_str("?mode=ro&immutable=1");
    out
}

fn open_file(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri(path), flags)?;
    harden(&conn)?;
    Ok(conn)
}

/// Protections for a database nobody vouches for.
fn harden(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_VIEW, false)?;
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)?;
    conn.set_limit(Limit::SQLITE_LIMIT_SQL_LENGTH, 100_000)?;
    conn.set_limit(Limit::SQLITE_LIMIT_COLUMN, 2000)?;
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    conn.pragma_update(None, "trusted_schema", "OFF")?;
    conn.pragma_update(None, "cell_size_check", "ON")?;
    conn.pragma_update(None, "mmap_size", 0)?;
    let deadline = Instant::now() + DEADLINE;
    conn.progress_handler(10_000, Some(move || Instant::now() > deadline))?;
    Ok(())
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Reads the tables of [`TABLES`] (the columns of each that exist).
fn read_db(conn: &Connection) -> Result<Db, String> {
    let sql_err = |what: &str, e: rusqlite::Error| match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::OperationInterrupted => {
            format!("{what}: took longer than {} s; stopped", DEADLINE.as_secs())
        }
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::TooBig => {
            format!("{what}: a value is larger than {} KiB; refused", MAX_VALUE_BYTES >> 10)
        }
        e => format!("{what}: {e} (not a readable SQLite database)"),
    };
    // The schema itself: triggers and views are refused.
    let mut stmt = conn
        .prepare("SELECT type, name FROM sqlite_schema WHERE type IN ('trigger', 'view') LIMIT 5")
        .map_err(|e| sql_err("reading the schema", e))?;
    let odd: Vec<String> = stmt
        .query_map([], |r| Ok(format!("{} {:?}", r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .and_then(|rows| rows.collect::<rusqlite::Result<_>>())
        .map_err(|e| sql_err("reading the schema", e))?;
    if !odd.is_empty() {
        return Err(format!("the database has {}: a TrueNAS configuration database has none; refused", odd.join(", ")));
    }
    let mut present: Vec<String> = vec![];
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .map_err(|e| sql_err("reading the schema", e))?;
    let names = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(|e| sql_err("reading the schema", e))?;
    for n in names {
        present.push(n.map_err(|e| sql_err("reading the schema", e))?);
    }
    let mut db = Db::default();
    let mut budget = MAX_READ_BYTES;
    if present.iter().any(|n| n == "alembic_version") {
        db.alembic = conn
            .query_row("SELECT version_num FROM alembic_version LIMIT 1", [], |r| r.get::<_, Option<String>>(0))
            .map_err(|e| sql_err("alembic_version", e))
            .ok()
            .flatten();
    }
    for (name, wanted) in TABLES {
        if !present.iter().any(|n| n == name) {
            continue;
        }
        let mut cols: Vec<String> = vec![];
        let mut stmt =
            conn.prepare("SELECT name FROM pragma_table_info(?1)").map_err(|e| sql_err(&format!("table {name}"), e))?;
        let rows =
            stmt.query_map([name], |r| r.get::<_, String>(0)).map_err(|e| sql_err(&format!("table {name}"), e))?;
        for c in rows {
            let c = c.map_err(|e| sql_err(&format!("table {name}"), e))?;
            if wanted.contains(&c.as_str()) {
                cols.push(c);
            }
        }
        if cols.is_empty() {
            continue;
        }
        let sql =
            format!("SELECT {} FROM {}", cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", "), quote(name));
        let mut table = Table { columns: cols.clone(), rows: vec![] };
        let mut over_budget = false;
        let read = (|| -> rusqlite::Result<()> {
            let stop = || {
                rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_TOOBIG),
                    Some("too much to read".into()),
                )
            };
            let mut stmt = conn.prepare(&sql)?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                if table.rows.len() >= MAX_ROWS {
                    return Err(stop());
                }
                let mut row = Vec::with_capacity(cols.len());
                let mut cost = VALUE_OVERHEAD;
                for i in 0..cols.len() {
                    let v = r.get_ref(i)?;
                    cost += VALUE_OVERHEAD
                        + match v {
                            rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => b.len() as u64,
                            _ => 0,
                        };
                    // Charged before the value is copied.
                    if cost > budget {
                        over_budget = true;
                        return Err(stop());
                    }
                    row.push(match v {
                        rusqlite::types::ValueRef::Null => Value::Null,
                        rusqlite::types::ValueRef::Integer(n) => Value::Int(n),
                        rusqlite::types::ValueRef::Real(f) => Value::Real(f),
                        rusqlite::types::ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                        rusqlite::types::ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                    });
                }
                budget -= cost;
                table.rows.push(row);
            }
            Ok(())
        })();
        if over_budget {
            return Err(format!(
                "table {name}: the values read add up to more than {} MiB (a TrueNAS configuration database holds a few); refused",
                MAX_READ_BYTES >> 20
            ));
        }
        if let Err(e) = read {
            let column = too_big_column(conn, name, &cols);
            let what = match column {
                Some(c) => format!("{name}.{c}"),
                None => format!("table {name}"),
            };
            if table.rows.len() >= MAX_ROWS {
                return Err(format!("{what}: more than {MAX_ROWS} rows; refused"));
            }
            return Err(sql_err(&what, e));
        }
        db.tables.insert((*name).to_string(), table);
    }
    Ok(db)
}

/// The first column of `table` whose values cannot be read (to name it).
fn too_big_column(conn: &Connection, table: &str, cols: &[String]) -> Option<String> {
    cols.iter()
        .find(|c| {
            let sql = format!("SELECT {} FROM {}", quote(c), quote(table));
            let r = conn.prepare(&sql).and_then(|mut s| {
                let mut rows = s.query([])?;
                while rows.next()?.is_some() {}
                Ok(())
            });
            r.is_err()
        })
        .cloned()
}

/// A tar member's name is safe: relative, no `..`, no NUL.
fn safe_name(name: &[u8]) -> Result<String, String> {
    let s = String::from_utf8_lossy(name).into_owned();
    if s.starts_with('/') || s.contains('\0') || s.split('/').any(|c| c == "..") || s.contains('\\') {
        return Err(format!("member {s:?} has an absolute or parent-relative name; refused"));
    }
    Ok(s)
}

/// Reads a backup given as bytes (an upload): the same checks as [`open`],
/// and nothing touches the disk. `label` names it in errors.
pub fn open_bytes(bytes: &[u8], label: &str) -> Result<Backup, ReadError> {
    let refuse = |why: String| ReadError::Refused { path: label.to_string(), why };
    if bytes.starts_with(SQLITE_MAGIC) {
        if bytes.len() as u64 > MAX_DB_BYTES {
            return Err(refuse(format!("the database is larger than {} MiB", MAX_DB_BYTES >> 20)));
        }
        let conn = deserialize(bytes).map_err(|e| refuse(format!("cannot open it as SQLite: {e}")))?;
        let db = read_db(&conn).map_err(refuse)?;
        return Ok(Backup { format: Format::Sqlite, db, secret: None, notes: vec![] });
    }
    if bytes.get(257..262) == Some(b"ustar") {
        return read_tar(bytes).map_err(refuse);
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(refuse("a gzip-compressed file: extract the tar first (tar xzf FILE)".into()));
    }
    if bytes.len() < SQLITE_MAGIC.len() {
        return Err(refuse(format!(
            "only {} bytes: not a TrueNAS configuration backup (a freenas-v1.db or a tar)",
            bytes.len()
        )));
    }
    Err(refuse("not a TrueNAS configuration backup: neither an SQLite database (freenas-v1.db) nor a tar".into()))
}

/// An in-memory, read-only copy of a database image, hardened.
fn deserialize(bytes: &[u8]) -> rusqlite::Result<Connection> {
    let mut conn =
        Connection::open_in_memory_with_flags(OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.deserialize_read_exact(rusqlite::MAIN_DB, bytes, bytes.len(), true)?;
    harden(&conn)?;
    Ok(conn)
}

fn read_tar(f: impl Read) -> Result<Backup, String> {
    // Never read more than the caps allow, whatever the headers claim.
    let limit = MAX_DB_BYTES + 4096 * (MAX_TAR_MEMBERS as u64 + 1) * 4;
    let mut archive = tar::Archive::new(std::io::BufReader::new(f.take(limit)));
    let mut db_bytes: Option<Vec<u8>> = None;
    let mut secret = None;
    let mut notes = vec![];
    let entries = archive.entries().map_err(|e| format!("not a readable tar: {e}"))?;
    for (i, entry) in entries.enumerate() {
        if i >= MAX_TAR_MEMBERS {
            return Err(format!("more than {MAX_TAR_MEMBERS} members: not a TrueNAS backup; refused"));
        }
        let mut entry = entry.map_err(|e| format!("not a readable tar: {e}"))?;
        let name = safe_name(&entry.path_bytes())?;
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(format!("member {name:?} is a link or special file ({kind:?}); refused"));
        }
        let size = entry.header().size().map_err(|e| format!("member {name:?}: bad size ({e})"))?;
        let base = name.rsplit('/').next().unwrap_or(&name);
        match base {
            "freenas-v1.db" => {
                if size > MAX_DB_BYTES {
                    return Err(format!("member {name:?} is larger than {} MiB; refused", MAX_DB_BYTES >> 20));
                }
                let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
                entry.by_ref().take(size).read_to_end(&mut buf).map_err(|e| format!("member {name:?}: {e}"))?;
                if (buf.len() as u64) < size {
                    return Err(format!("member {name:?} is truncated"));
                }
                db_bytes = Some(buf);
            }
            "pwenc_secret" => {
                if size > 4096 {
                    return Err(format!("member {name:?} is {size} bytes: not a secret seed; refused"));
                }
                let mut buf = Zeroizing::new(Vec::new());
                entry.by_ref().take(size).read_to_end(&mut buf).map_err(|e| format!("member {name:?}: {e}"))?;
                if buf.len() == 32 {
                    secret = Some(buf);
                } else {
                    notes.push(format!("pwenc_secret is {} bytes, not 32: secrets are not decrypted", buf.len()));
                }
            }
            _ => {
                if size > MAX_DB_BYTES {
                    return Err(format!("member {name:?} is larger than {} MiB; refused", MAX_DB_BYTES >> 20));
                }
            }
        }
    }
    let Some(bytes) = db_bytes else {
        return Err("the tar has no freenas-v1.db: not a TrueNAS configuration backup".into());
    };
    if !bytes.starts_with(SQLITE_MAGIC) {
        return Err("the tar's freenas-v1.db is not an SQLite database".into());
    }
    let mut conn =
        Connection::open_in_memory_with_flags(OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| e.to_string())?;
    let len = bytes.len();
    conn.deserialize_read_exact(rusqlite::MAIN_DB, bytes.as_slice(), len, true)
        .map_err(|e| format!("the tar's freenas-v1.db cannot be opened: {e}"))?;
    harden(&conn).map_err(|e| e.to_string())?;
    let db = read_db(&conn)?;
    Ok(Backup { format: Format::Tar, db, secret, notes })
}

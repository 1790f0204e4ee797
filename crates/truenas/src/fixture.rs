//! Small backups for tests, built from the column facts of each release
//! (table and column names are interface facts; no TrueNAS SQL or code).
//! [`minimal`] is a factory-like backup as plain rows; [`write_sqlite`]
//! and [`write_tar`] put one on disk.

use crate::db::{Db, Table, Value};
use crate::schema::TABLES;
use std::path::{Path, PathBuf};

/// The schema generations the fixtures model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    /// CORE 13: `ssh_rootlogin`, per-initiator-group networks, discovery
    /// authentication on the portal, no per-user SSH password flag.
    Core13,
    /// 24.04: `cifs_srv_enable_smb1`, discovery authentication on the portal.
    V24_04,
    /// 25.04 and 25.10: discovery authentication on the auth credentials.
    V25_04,
    /// 26.0 and later: `cifs_srv_minimum_protocol`.
    V26_0,
}

impl Release {
    pub fn alembic(self) -> Option<&'static str> {
        match self {
            Release::Core13 => None,
            Release::V24_04 => Some("f38c2bbe776a"),
            Release::V25_04 => Some("9fbe2e3c32b6"),
            Release::V26_0 => Some("b3f0a9c41d7e"),
        }
    }

    fn absent(self) -> &'static [&'static str] {
        const PORTAL_AUTH: [&str; 2] =
            ["iscsi_target_portal_discoveryauthmethod", "iscsi_target_portal_discoveryauthgroup"];
        match self {
            Release::Core13 => &[
                "cifs_srv_minimum_protocol",
                "cifs_srv_encryption",
                "iscsi_target_auth_discovery_auth",
                "bsdusr_ssh_password_enabled",
                "iscsi_target_auth_networks",
                "ssh_password_login_groups",
            ],
            Release::V24_04 => &[
                "cifs_srv_minimum_protocol",
                "cifs_srv_encryption",
                "iscsi_target_auth_discovery_auth",
                "ssh_rootlogin",
                "iscsi_target_initiator_auth_network",
            ],
            Release::V25_04 => &[
                "cifs_srv_minimum_protocol",
                PORTAL_AUTH[0],
                PORTAL_AUTH[1],
                "ssh_rootlogin",
                "iscsi_target_initiator_auth_network",
            ],
            Release::V26_0 => &[
                "cifs_srv_enable_smb1",
                PORTAL_AUTH[0],
                PORTAL_AUTH[1],
                "ssh_rootlogin",
                "iscsi_target_initiator_auth_network",
            ],
        }
    }
}

/// A factory-like backup of `release`: every table with that release's
/// columns, the singleton rows with TrueNAS's shipped values (services off,
/// SSH password authentication on, weak ciphers AES128-CBC and NONE), root
/// and the builtin_administrators group. No shares or iSCSI objects.
pub fn minimal(release: Release) -> Db {
    let absent = release.absent();
    let mut db = Db { alembic: release.alembic().map(String::from), ..Default::default() };
    for (name, cols) in TABLES {
        let cols: Vec<&str> = cols.iter().copied().filter(|c| !absent.contains(c)).collect();
        db.tables.insert((*name).to_string(), Table::new(&cols));
    }
    for (id, svc) in [(4, "cifs"), (7, "iscsitarget"), (9, "nfs"), (11, "ssh")] {
        table(&mut db, "services_services").push(vec![
            ("id", id.into()),
            ("srv_service", svc.into()),
            ("srv_enable", false.into()),
        ]);
    }
    table(&mut db, "services_cifs").push(vec![
        ("id", 1.into()),
        ("cifs_srv_netbiosname", "truenas".into()),
        ("cifs_srv_workgroup", "WORKGROUP".into()),
        ("cifs_srv_description", "TrueNAS Server".into()),
        ("cifs_srv_guest", "nobody".into()),
        ("cifs_srv_smb_options", "".into()),
        ("cifs_srv_bindip", "".into()),
        ("cifs_srv_ntlmv1_auth", false.into()),
        ("cifs_srv_enable_smb1", false.into()),
        ("cifs_srv_minimum_protocol", "SMB2".into()),
        ("cifs_srv_admin_group", Value::Null),
        ("cifs_srv_aapl_extensions", false.into()),
        ("cifs_srv_encryption", Value::Null),
    ]);
    table(&mut db, "services_ssh").push(vec![
        ("id", 1.into()),
        ("ssh_bindiface", "".into()),
        ("ssh_tcpport", 22.into()),
        ("ssh_passwordauth", true.into()),
        ("ssh_kerberosauth", false.into()),
        ("ssh_tcpfwd", false.into()),
        ("ssh_compression", false.into()),
        ("ssh_sftp_log_level", "".into()),
        ("ssh_sftp_log_facility", "".into()),
        ("ssh_options", "".into()),
        ("ssh_weak_ciphers", "[\"AES128-CBC\", \"NONE\"]".into()),
        ("ssh_password_login_groups", "[]".into()),
        ("ssh_rootlogin", false.into()),
    ]);
    table(&mut db, "services_nfs").push(vec![
        ("id", 1.into()),
        ("nfs_srv_allow_nonroot", false.into()),
        ("nfs_srv_v4_krb", false.into()),
        ("nfs_srv_16", false.into()),
        ("nfs_srv_protocols", "[\"NFSV3\", \"NFSV4\"]".into()),
        ("nfs_srv_bindip", "".into()),
    ]);
    table(&mut db, "services_iscsitargetglobalconfiguration").push(vec![
        ("id", 1.into()),
        ("iscsi_basename", "iqn.2005-10.org.freenas.ctl".into()),
        ("iscsi_listen_port", 3260.into()),
    ]);
    table(&mut db, "account_bsdgroups").push(vec![
        ("id", 1.into()),
        ("bsdgrp_gid", 0.into()),
        ("bsdgrp_group", "wheel".into()),
    ]);
    table(&mut db, "account_bsdgroups").push(vec![
        ("id", 40.into()),
        ("bsdgrp_gid", 544.into()),
        ("bsdgrp_group", "builtin_administrators".into()),
    ]);
    table(&mut db, "account_bsdusers").push(vec![
        ("id", 1.into()),
        ("bsdusr_uid", 0.into()),
        ("bsdusr_username", "root".into()),
        ("bsdusr_group_id", 1.into()),
        ("bsdusr_ssh_password_enabled", false.into()),
    ]);
    table(&mut db, "account_bsdgroupmembership").push(vec![
        ("id", 1.into()),
        ("bsdgrpmember_group_id", 40.into()),
        ("bsdgrpmember_user_id", 1.into()),
    ]);
    db
}

fn table<'a>(db: &'a mut Db, name: &str) -> &'a mut Table {
    db.tables.entry(name.to_string()).or_default()
}

/// Sets one column of the first row of `table` (the singletons).
pub fn set(db: &mut Db, table: &str, column: &str, value: Value) {
    if let Some(t) = db.tables.get_mut(table)
        && let Some(i) = t.col(column)
        && let Some(row) = t.rows.first_mut()
    {
        row[i] = value;
    }
}

/// Adds a row to `table`.
pub fn add(db: &mut Db, table: &str, values: Vec<(&str, Value)>) {
    db.tables.entry(table.to_string()).or_default().push(values);
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Writes `db` as an SQLite database at `path` (which must not exist).
pub fn write_sqlite(db: &Db, path: &Path) -> rusqlite::Result<()> {
    let conn = rusqlite::Connection::open(path)?;
    // Small pages keep fixtures (and fuzz seeds) small.
    conn.execute_batch("PRAGMA page_size=512; PRAGMA journal_mode=DELETE;")?;
    if let Some(rev) = &db.alembic {
        conn.execute_batch("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);")?;
        conn.execute("INSERT INTO alembic_version VALUES (?1)", [rev])?;
    }
    for (name, t) in &db.tables {
        let cols: Vec<String> = t
            .columns
            .iter()
            .map(|c| if c == "id" { "\"id\" INTEGER PRIMARY KEY".to_string() } else { quote(c) })
            .collect();
        conn.execute_batch(&format!("CREATE TABLE {} ({});", quote(name), cols.join(", ")))?;
        let marks: Vec<String> = (1..=t.columns.len()).map(|i| format!("?{i}")).collect();
        let sql = format!("INSERT INTO {} VALUES ({})", quote(name), marks.join(", "));
        let mut stmt = conn.prepare(&sql)?;
        for row in &t.rows {
            let params: Vec<rusqlite::types::Value> = row
                .iter()
                .map(|v| match v {
                    Value::Null => rusqlite::types::Value::Null,
                    Value::Int(n) => rusqlite::types::Value::Integer(*n),
                    Value::Real(f) => rusqlite::types::Value::Real(*f),
                    Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
                    Value::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
                })
                .collect();
            stmt.execute(rusqlite::params_from_iter(params))?;
        }
    }
    Ok(())
}

/// Writes a backup tar as TrueNAS's "export the secret seed" does:
/// `freenas-v1.db` and (optionally) `pwenc_secret`.
pub fn write_tar(db_file: &Path, secret: Option<&[u8]>, out: &Path) -> std::io::Result<()> {
    let f = std::fs::File::create(out)?;
    let mut b = tar::Builder::new(f);
    b.append_path_with_name(db_file, "freenas-v1.db")?;
    if let Some(s) = secret {
        let mut h = tar::Header::new_gnu();
        h.set_size(s.len() as u64);
        h.set_mode(0o600);
        h.set_cksum();
        b.append_data(&mut h, "pwenc_secret", s)?;
    }
    b.into_inner()?.sync_all()
}

/// Runs SQL on a fixture database (to make hostile ones: triggers, views,
/// huge values).
pub fn exec_sql(path: &Path, sql: &str) -> rusqlite::Result<()> {
    rusqlite::Connection::open(path)?.execute_batch(sql)
}

/// One of the reference TrueNAS databases (`../shared/reference/truenas-db/`
/// beside the repository, or `$NASGUARD_TRUENAS_DB`), read where they lie,
/// never copied. Panics naming where it looked: the tests that use them
/// must not pass without them.
pub fn reference_db(name: &str) -> PathBuf {
    let dir = std::env::var_os("NASGUARD_TRUENAS_DB").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/truenas-db"),
        PathBuf::from,
    );
    assert!(
        dir.is_dir(),
        "the reference TrueNAS databases are not at {} (the repository sits beside ../shared; or set NASGUARD_TRUENAS_DB)",
        dir.display()
    );
    dir.join(name)
}

/// Portal 1 (tag 1) listening on `ip`: the portal every iSCSI fixture needs.
pub fn add_portal(db: &mut Db, ip: &str) {
    add(db, "services_iscsitargetportal", vec![("id", 1.into()), ("iscsi_target_portal_tag", 1.into())]);
    add(
        db,
        "services_iscsitargetportalip",
        vec![("id", 1.into()), ("iscsi_target_portalip_portal_id", 1.into()), ("iscsi_target_portalip_ip", ip.into())],
    );
}

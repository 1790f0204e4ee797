use super::*;
use nasguard_model::iscsi::Auth;
use nasguard_model::smb::SmbShare;
use nasguard_model::{Secret, ValidationError, next_id};

fn deployment() -> Deployment {
    Deployment::loopback_sandbox(Some(20000))
}

fn new_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(&dir.path().join("state"), &deployment(), "test").unwrap();
    (dir, store)
}

fn add_share(cfg: &mut Config, name: &str) {
    let id = next_id(&cfg.smb_shares, |s| s.id);
    cfg.smb_shares.push(SmbShare { id, name: name.into(), path: format!("/srv/{id}"), ..Default::default() });
}

#[test]
fn create_writes_defaults_as_revision_one() {
    let (_d, store) = new_store();
    let snap = store.load().unwrap();
    assert_eq!(snap.revision, 1);
    assert_eq!(snap.config, Config::default());
    assert_eq!(store.deployment().unwrap(), deployment());
    assert!(matches!(Store::create(store.dir(), &deployment(), "t"), Err(StoreError::AlreadyInitialized(_))));
}

#[test]
fn open_of_an_empty_dir_says_to_init() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::open(dir.path()).err().unwrap();
    assert!(err.to_string().contains("nasguard init"), "{err}");
}

#[test]
fn a_change_is_one_revision_with_an_audit_row_per_object() {
    let (_d, mut store) = new_store();
    let (_, rev) = store
        .change("alice", "add share", |c| {
            add_share(c, "media");
            c.smb.aapl_extensions = true;
            Ok::<(), StoreError>(())
        })
        .unwrap();
    assert_eq!(rev, 2);
    let log = store.audit_log(10).unwrap();
    let mine: Vec<&AuditEntry> = log.iter().filter(|e| e.rev == 2).collect();
    assert_eq!(mine.len(), 2, "{mine:#?}");
    let smb = mine.iter().find(|e| e.object == "smb").unwrap();
    assert_eq!(smb.action, "update");
    assert_eq!(smb.old.as_ref().unwrap()["aapl_extensions"], false);
    assert_eq!(smb.new.as_ref().unwrap()["aapl_extensions"], true);
    assert!(mine.iter().any(|e| e.object == "smb/share/media" && e.action == "create" && e.actor == "alice"));
    // No change, no revision.
    let (_, same) = store.change("alice", "noop", |_| Ok::<(), StoreError>(())).unwrap();
    assert_eq!(same, 2);
}

#[test]
fn rejected_change_leaves_the_database_byte_for_byte_unchanged() {
    let (_d, mut store) = new_store();
    store
        .change("t", "add", |c| {
            add_share(c, "a");
            Ok::<(), StoreError>(())
        })
        .unwrap();
    let db = store.dir().join(DB_FILE);
    // Checkpoint the WAL so the main file holds everything, then compare.
    store.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    let before = std::fs::read(&db).unwrap();
    let err = store
        .change("t", "bad", |c| {
            add_share(c, "b");
            Err::<(), _>(StoreError::Rejected(ValidationErrors(vec![ValidationError::new(
                "smb share",
                "name",
                "nope",
            )])))
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Rejected(_)));
    store.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert_eq!(store.load().unwrap().config.smb_shares.len(), 1);
}

#[test]
fn chap_secrets_are_encrypted_at_rest_and_masked_in_the_log() {
    let (_d, mut store) = new_store();
    let secret = "TopSecret12345";
    store
        .change("t", "auth", |c| {
            c.iscsi.auths.push(Auth {
                id: 1,
                tag: 1,
                user: "u".into(),
                secret: Secret::new(secret),
                ..Default::default()
            });
            Ok::<(), StoreError>(())
        })
        .unwrap();
    assert_eq!(store.load().unwrap().config.iscsi.auths[0].secret.expose(), secret);
    store.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    let raw = std::fs::read(store.dir().join(DB_FILE)).unwrap();
    assert!(!raw.windows(secret.len()).any(|w| w == secret.as_bytes()), "secret found in clear in the database");
    let log = serde_json::to_string(&store.audit_log(10).unwrap()).unwrap();
    assert!(!log.contains(secret));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(store.dir().join(KEY_FILE)).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // Changing only the secret is a change, logged masked.
    store
        .change("t", "rotate", |c| {
            c.iscsi.auths[0].secret = Secret::new("OtherSecret1234");
            Ok::<(), StoreError>(())
        })
        .unwrap();
    let last = &store.audit_log(1).unwrap()[0];
    assert_eq!(last.new.as_ref().unwrap()["secret"], nasguard_model::secret::MASK);
}

#[test]
fn two_writers_lose_no_update() {
    let (_d, store) = new_store();
    let dir = store.dir().to_path_buf();
    drop(store);
    let per_writer = 25;
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let dir = dir.clone();
            std::thread::spawn(move || {
                let mut s = Store::open(&dir).unwrap();
                for i in 0..per_writer {
                    s.change("t", "add", |c| {
                        add_share(c, &format!("w{w}-{i}"));
                        Ok::<(), StoreError>(())
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let snap = Store::open(&dir).unwrap().load().unwrap();
    assert_eq!(snap.config.smb_shares.len(), 2 * per_writer);
    assert_eq!(snap.revision, 1 + 2 * per_writer as i64);
}

#[test]
fn a_store_whose_deployment_is_unknown_does_not_open() {
    for bad in [
        r#"{"mode":"sandbx","bind":"127.0.0.1","port_base":20000}"#,
        r#"{"mode":"","bind":"127.0.0.1","port_base":null}"#,
        r#"{"mode":"system","bind":"not-an-ip","port_base":null}"#,
        r#"{"mode":"sandbox","bind":"127.0.0.1","port_base":64000}"#,
        r#"not json"#,
    ] {
        let (_d, store) = new_store();
        store.conn.execute("UPDATE meta SET value = ?1 WHERE key = 'deployment'", [bad]).unwrap();
        let dir = store.dir().to_path_buf();
        drop(store);
        match Store::open(&dir) {
            Err(StoreError::Corrupt(m)) => assert!(m.contains("deployment"), "{bad}: {m}"),
            Err(e) => panic!("{bad}: {e}"),
            Ok(_) => panic!("{bad}: opened"),
        }
    }
}

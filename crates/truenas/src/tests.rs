use super::*;
use crate::db::Value;
use crate::fixture::{Release, add, add_portal, minimal, set, write_sqlite, write_tar};
use nasguard_policy::Severity;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const INSECURE_RULES: [&str; 17] = [
    "SMB-001",
    "SMB-002",
    "SMB-004",
    "SMB-006",
    "SMB-008",
    "SSH-001",
    "SSH-002",
    "SSH-003",
    "SSH-004",
    "SSH-005",
    "NFS-001",
    "NFS-002",
    "NFS-003",
    "NFS-004",
    "ISCSI-001",
    "ISCSI-005",
    "ISCSI-006",
];

/// What TrueNAS's factory settings deserve: signing not mandatory (no
/// auxiliary line), no Apple extensions (info), Samba's client signing
/// default; SSH password authentication on and AES128-CBC allowed, and the
/// OpenSSH defaults TrueNAS does not harden (MACs, KEX, host keys, agent
/// forwarding, MaxAuthTries 6, LoginGraceTime 120, MaxStartups 10:30:100).
const FACTORY_RULES: [&str; 13] = [
    "SMB-004", "SMB-005", "SMB-013", "SSH-002", "SSH-004", "SSH-005", "SSH-006", "SSH-007", "SSH-008", "SSH-011",
    "SSH-012", "SSH-013", "SSH-016",
];

const RELEASES: [(&str, &str); 5] = [
    ("TS-24.04.2.5", "24.04 (Dragonfish)"),
    ("TS-25.04.2.6", "25.04 (Fangtooth)"),
    ("TS-25.10.6", "25.10 (Goldeye)"),
    ("TS-26.0.0-BETA.3", "26.0"),
    ("master-27.0", "27.0 (development)"),
];

fn reference(name: &str) -> PathBuf {
    crate::fixture::reference_db(name)
}

fn rules(findings: &[nasguard_policy::Finding]) -> BTreeSet<String> {
    findings.iter().map(|f| f.rule.clone()).collect()
}

fn digest(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn every_insecure_reference_backup_breaks_every_recommendation() {
    for (file, release) in RELEASES {
        let path = reference(&format!("freenas-v1-{file}-insecure.db"));
        let before = digest(&path);
        let (backup, m) = load(&path).unwrap();
        assert_eq!(backup.format, Format::Sqlite);
        assert_eq!(m.release, release, "{file}");
        let findings = audit(&m, "freenas-v1.db");
        let got = rules(&findings);
        for want in INSECURE_RULES {
            assert!(got.contains(want), "{file}: {want} missing from {got:?}");
        }
        for f in &findings {
            let at = f.location.as_ref().unwrap_or_else(|| panic!("{file}: {} has no location", f.rule));
            assert!(at.table.is_some() && at.column.is_some(), "{file}: {} {at:?}", f.rule);
            assert!(!f.message.contains("not enabled"), "{file}: every service is on: {}", f.message);
            assert!(!f.fixable);
        }
        // Where each recommendation is broken, as TrueNAS stores it.
        let at = |rule: &str, object: &str| {
            findings
                .iter()
                .find(|f| f.rule == rule && f.object.to_string() == object)
                .and_then(|f| f.location.as_ref())
                .and_then(|l| l.logical())
                .unwrap_or_default()
        };
        let smb1 = if file.starts_with("TS-2") && !file.starts_with("TS-26") {
            "services_cifs[id=1].cifs_srv_enable_smb1"
        } else {
            "services_cifs[id=1].cifs_srv_minimum_protocol"
        };
        assert_eq!(at("SMB-001", "smb"), smb1, "{file}");
        assert_eq!(at("SMB-004", "smb"), "services_cifs[id=1].cifs_srv_smb_options line 1");
        assert_eq!(at("SMB-008", "smb/share/public"), "sharing_cifs_share[public].cifs_guestok");
        assert_eq!(at("SSH-001", "ssh"), "account_bsdusers[root].bsdusr_ssh_password_enabled");
        assert_eq!(at("SSH-003", "ssh"), "services_ssh[id=1].ssh_tcpfwd");
        assert_eq!(at("SSH-004", "ssh"), "services_ssh[id=1].ssh_weak_ciphers");
        assert_eq!(at("NFS-001", "nfs/share/1"), "sharing_nfs_share[id=1].nfs_network");
        assert_eq!(
            at("ISCSI-005", "iscsi/target/lun0"),
            "services_iscsitargetauthorizedinitiator[id=1].iscsi_target_initiator_initiators"
        );
        assert_eq!(at("ISCSI-006", "iscsi/target/lun0"), "services_iscsitarget[lun0].iscsi_target_auth_networks");
        let discovery = if file.starts_with("TS-24") {
            "services_iscsitargetportal[id=1].iscsi_target_portal_discoveryauthmethod"
        } else {
            "services_iscsitargetauthcredential.iscsi_target_auth_discovery_auth"
        };
        assert_eq!(at("ISCSI-001", "iscsi/portal/1"), discovery, "{file}");
        let nfs2 = findings.iter().find(|f| f.rule == "NFS-002").unwrap();
        assert_eq!(nfs2.severity, Severity::Critical, "root squash off on a world-open export");
        assert_eq!(digest(&path), before, "{file} was changed");
    }
}

#[test]
fn every_factory_reference_backup_yields_what_its_defaults_deserve() {
    for (file, release) in RELEASES {
        let path = reference(&format!("freenas-v1-{file}.db"));
        let before = digest(&path);
        let (_, m) = load(&path).unwrap();
        assert_eq!(m.release, release);
        assert!(m.notes.is_empty(), "{file}: {:?}", m.notes);
        let findings = audit(&m, "freenas-v1.db");
        let want: BTreeSet<String> = FACTORY_RULES.iter().map(|s| s.to_string()).collect();
        assert_eq!(rules(&findings), want, "{file}");
        for f in &findings {
            assert!(f.message.contains("service is not enabled in the backup"), "{file}: {}", f.message);
        }
        let ssh2 = findings.iter().find(|f| f.rule == "SSH-002").unwrap();
        assert_eq!(ssh2.location.as_ref().and_then(|l| l.logical()).unwrap(), "services_ssh[id=1].ssh_passwordauth");
        assert_eq!(digest(&path), before);
    }
}

fn audit_db(db: &db::Db) -> Vec<nasguard_policy::Finding> {
    audit(&map(db).unwrap(), "freenas-v1.db")
}

#[test]
fn each_release_drift_is_read() {
    for release in [Release::Core13, Release::V24_04, Release::V25_04, Release::V26_0] {
        let mut db = minimal(release);
        // SMB1 on, however the release stores it.
        match release {
            Release::V26_0 => set(&mut db, "services_cifs", "cifs_srv_minimum_protocol", "SMB1".into()),
            _ => set(&mut db, "services_cifs", "cifs_srv_enable_smb1", true.into()),
        }
        add(&mut db, "services_iscsitargetportal", vec![("id", 1.into()), ("iscsi_target_portal_tag", 1.into())]);
        if matches!(release, Release::Core13 | Release::V24_04) {
            set(&mut db, "services_iscsitargetportal", "iscsi_target_portal_discoveryauthmethod", "CHAP".into());
            set(&mut db, "services_iscsitargetportal", "iscsi_target_portal_discoveryauthgroup", 1.into());
        }
        add(
            &mut db,
            "services_iscsitargetauthcredential",
            vec![
                ("id", 1.into()),
                ("iscsi_target_auth_tag", 1.into()),
                ("iscsi_target_auth_user", "disc".into()),
                ("iscsi_target_auth_secret", "c2VhbGVkLXNlY3JldA==".into()),
                ("iscsi_target_auth_discovery_auth", "CHAP".into()),
            ],
        );
        let m = map(&db).unwrap();
        assert_eq!(m.config.smb.minimum_protocol, nasguard_model::smb::MinProtocol::Smb1, "{release:?}");
        let p = &m.config.iscsi.portals[0];
        assert_eq!(p.discovery_authmethod, nasguard_model::iscsi::AuthMethod::Chap, "{release:?}");
        assert_eq!(p.discovery_authgroup, Some(1));
        let got = rules(&audit(&m, "x.db"));
        assert!(got.contains("SMB-001") && !got.contains("ISCSI-001"), "{release:?}: {got:?}");
        if release == Release::Core13 {
            assert!(m.notes.iter().any(|n| n.contains("no alembic_version")), "{:?}", m.notes);
            assert!(m.release.contains("CORE 13"));
        } else {
            assert!(m.notes.is_empty(), "{release:?}: {:?}", m.notes);
        }
    }
}

#[test]
fn core_13_root_login_comes_from_ssh_rootlogin() {
    let mut db = minimal(Release::Core13);
    assert!(!rules(&audit_db(&db)).contains("SSH-001"));
    set(&mut db, "services_ssh", "ssh_rootlogin", true.into());
    let f = audit_db(&db);
    let ssh1 = f.iter().find(|f| f.rule == "SSH-001").expect("SSH-001");
    assert_eq!(ssh1.location.as_ref().and_then(|l| l.logical()).unwrap(), "services_ssh[id=1].ssh_rootlogin");
}

#[test]
fn root_login_comes_from_the_uid_0_account() {
    let mut db = minimal(Release::V26_0);
    if let Some(t) = db.tables.get_mut("account_bsdusers") {
        let i = t.col("bsdusr_ssh_password_enabled").unwrap();
        t.rows[0][i] = true.into();
    }
    let f = audit_db(&db);
    assert!(rules(&f).contains("SSH-001"));
    // A PermitRootLogin in ssh_options comes after TrueNAS's own line:
    // sshd keeps the first, so it changes nothing.
    let mut db = minimal(Release::V26_0);
    set(&mut db, "services_ssh", "ssh_options", "PermitRootLogin yes".into());
    assert!(!rules(&audit_db(&db)).contains("SSH-001"));
}

#[test]
fn ssh_options_are_judged_like_sshd_config() {
    let mut db = minimal(Release::V25_04);
    set(&mut db, "services_ssh", "ssh_weak_ciphers", "[]".into());
    set(&mut db, "services_ssh", "ssh_passwordauth", false.into());
    set(&mut db, "services_ssh", "ssh_options", "Ciphers aes256-cbc\nX11Forwarding yes\nAllowTcpForwarding yes".into());
    let f = audit_db(&db);
    let got = rules(&f);
    assert!(got.contains("SSH-005") && got.contains("SSH-011"), "{got:?}");
    // AllowTcpForwarding is written by TrueNAS before the options: first wins.
    assert!(!got.contains("SSH-003"), "{got:?}");
    let ssh5 = f.iter().find(|f| f.rule == "SSH-005").unwrap();
    assert_eq!(ssh5.location.as_ref().and_then(|l| l.logical()).unwrap(), "services_ssh[id=1].ssh_options line 1");
    // weak_ciphers only matters without a Ciphers line in the options.
    set(&mut db, "services_ssh", "ssh_weak_ciphers", "[\"AES128-CBC\"]".into());
    let f = audit_db(&db);
    assert!(
        f.iter().any(|f| f.rule == "SSH-005" && f.message.contains("aes256-cbc") && !f.message.contains("aes128-cbc"))
    );
}

#[test]
fn ssh_options_that_run_programs_are_flagged() {
    let mut db = minimal(Release::V25_04);
    set(&mut db, "services_ssh", "ssh_options", "AuthorizedKeysCommand /tmp/x\nBanner /etc/shadow".into());
    let f = audit_db(&db);
    let hit = f.iter().find(|f| f.rule == "SSH-018" && f.message.contains("authorizedkeyscommand")).expect("SSH-018");
    let at = hit.location.as_ref().and_then(|l| l.logical()).unwrap();
    assert_eq!(at, "services_ssh[id=1].ssh_options line 1");
    // Also when TrueNAS's own Match blocks come first (a user with SSH
    // password login enabled): sshd runs it for that user.
    if let Some(t) = db.tables.get_mut("account_bsdusers") {
        let i = t.col("bsdusr_ssh_password_enabled").unwrap();
        t.rows[0][i] = true.into();
    }
    assert!(audit_db(&db).iter().any(|f| f.rule == "SSH-018"));
}

fn nfs_share(db: &mut db::Db, id: i64, network: &str, hosts: &str, ro: bool) {
    add(
        db,
        "sharing_nfs_share",
        vec![
            ("id", id.into()),
            ("nfs_path", format!("/mnt/tank/s{id}").as_str().into()),
            ("nfs_network", network.into()),
            ("nfs_hosts", hosts.into()),
            ("nfs_ro", ro.into()),
            ("nfs_enabled", true.into()),
        ],
    );
}

#[test]
fn nfs_wildcards_and_empty_lists_are_everyone() {
    let mut db = minimal(Release::V25_04);
    nfs_share(&mut db, 1, "", "", true);
    nfs_share(&mut db, 2, "10.0.0.0/8", "*", true);
    nfs_share(&mut db, 3, "10.0.0.0/8 192.168.1.0/24", "", true);
    nfs_share(&mut db, 4, "", "*.lan.example", false);
    nfs_share(&mut db, 5, "0.0.0.0/0", "", true);
    let f = audit_db(&db);
    let open: BTreeSet<String> = f.iter().filter(|f| f.rule == "NFS-001").map(|f| f.object.to_string()).collect();
    assert_eq!(open, BTreeSet::from(["nfs/share/1", "nfs/share/2", "nfs/share/5"].map(String::from)));
    assert!(f.iter().any(|f| f.rule == "NFS-004" && f.object.to_string() == "nfs/share/4"), "rw to a wildcard domain");
    let m = map(&db).unwrap();
    assert_eq!(m.config.nfs_shares[2].networks.len(), 2);
}

#[test]
fn chap_secrets_empty_and_sealed() {
    let key = [9u8; 32];
    let sealed = pwenc::encrypt("sixteen-chars-ok", &key, [3; 8]);
    let mut db = minimal(Release::V25_04);
    for (id, tag, secret) in [(1i64, 1i64, ""), (2, 2, sealed.as_str())] {
        add(
            &mut db,
            "services_iscsitargetauthcredential",
            vec![
                ("id", id.into()),
                ("iscsi_target_auth_tag", tag.into()),
                ("iscsi_target_auth_user", "u".into()),
                ("iscsi_target_auth_secret", secret.into()),
                ("iscsi_target_auth_peersecret", "".into()),
                ("iscsi_target_auth_discovery_auth", "NONE".into()),
            ],
        );
    }
    let m = map(&db).unwrap();
    assert!(m.config.iscsi.auths[0].secret.is_empty());
    assert!(!m.config.iscsi.auths[1].secret.is_empty());
    assert_eq!(m.sealed[1].secret, sealed);
    assert_eq!(pwenc::decrypt(&m.sealed[1].secret, &key).unwrap().as_str(), "sixteen-chars-ok");
}

#[test]
fn iscsi_groups_networks_and_everyone() {
    let mut db = minimal(Release::V25_04);
    add_portal(&mut db, "0.0.0.0");
    add(
        &mut db,
        "services_iscsitargetauthorizedinitiator",
        vec![
            ("id", 1.into()),
            ("iscsi_target_initiator_initiators", "iqn.2026-01.lan.pc:1\niqn.2026-01.lan.pc:2".into()),
        ],
    );
    add(
        &mut db,
        "services_iscsitargetauthorizedinitiator",
        vec![("id", 2.into()), ("iscsi_target_initiator_initiators", "ALL".into())],
    );
    for (id, name, nets) in [(1i64, "closed", "[\"10.1.0.0/16\"]"), (2, "open", "[]"), (3, "nogroup", "[]")] {
        add(
            &mut db,
            "services_iscsitarget",
            vec![("id", id.into()), ("iscsi_target_name", name.into()), ("iscsi_target_auth_networks", nets.into())],
        );
    }
    for (id, target, ig, auth) in
        [(1i64, 1i64, Some(1i64), "CHAP"), (2, 2, Some(2), "None"), (3, 3, None, "CHAP Mutual")]
    {
        add(
            &mut db,
            "services_iscsitargetgroups",
            vec![
                ("id", id.into()),
                ("iscsi_target_id", target.into()),
                ("iscsi_target_portalgroup_id", 1.into()),
                ("iscsi_target_initiatorgroup_id", ig.into()),
                ("iscsi_target_authtype", auth.into()),
                ("iscsi_target_authgroup", Some(1i64).into()),
            ],
        );
    }
    add(
        &mut db,
        "services_iscsitargetextent",
        vec![
            ("id", 1.into()),
            ("iscsi_target_extent_name", "x".into()),
            ("iscsi_target_extent_type", "Disk".into()),
            ("iscsi_target_extent_path", "zvol/tank/x".into()),
        ],
    );
    add(
        &mut db,
        "services_iscsitargettoextent",
        vec![("id", 1.into()), ("iscsi_extent_id", 1.into()), ("iscsi_target_id", 1.into()), ("iscsi_lunid", 0.into())],
    );
    let m = map(&db).unwrap();
    let f = audit(&m, "x");
    let on = |rule: &str| -> BTreeSet<String> {
        f.iter().filter(|f| f.rule == rule).map(|f| f.object.to_string()).collect()
    };
    assert_eq!(on("ISCSI-005"), BTreeSet::from(["iscsi/target/nogroup", "iscsi/target/open"].map(String::from)));
    assert_eq!(on("ISCSI-006"), BTreeSet::from(["iscsi/target/nogroup", "iscsi/target/open"].map(String::from)));
    assert_eq!(on("ISCSI-002"), BTreeSet::from(["iscsi/target/open"].map(String::from)));
    assert_eq!(on("ISCSI-001"), BTreeSet::from(["iscsi/portal/1"].map(String::from)));
    let closed = &m.config.iscsi.targets[0];
    let g = m.config.iscsi.initiator_group(closed.groups[0].initiator.unwrap()).unwrap();
    assert_eq!(g.initiators.len(), 2);
    assert_eq!(g.auth_network, vec!["10.1.0.0/16".parse::<ipnet::IpNet>().unwrap()]);
    assert_eq!(m.config.iscsi.extents[0].disk.as_deref(), Some("/dev/zvol/tank/x"));
}

#[test]
fn unknown_schema_is_named_not_guessed() {
    let mut db = minimal(Release::V25_04);
    db.tables.remove("services_nfs");
    assert_eq!(
        map(&db).unwrap_err().0,
        "the backup has no table services_nfs: not a TrueNAS configuration database nasguard can read"
    );
    let mut db = minimal(Release::V25_04);
    if let Some(t) = db.tables.get_mut("services_cifs") {
        let i = t.col("cifs_srv_enable_smb1").unwrap();
        t.columns[i] = "renamed".into();
    }
    let e = map(&db).unwrap_err().0;
    assert!(e.contains("cifs_srv_minimum_protocol") && e.contains("cifs_srv_enable_smb1"), "{e}");
    let mut db = minimal(Release::V26_0);
    set(&mut db, "services_cifs", "cifs_srv_minimum_protocol", "SMB9".into());
    assert_eq!(
        map(&db).unwrap_err().0,
        "services_cifs.cifs_srv_minimum_protocol (id=1): cannot read \"SMB9\" as SMB1, SMB2 or SMB3"
    );
    let mut db = minimal(Release::V26_0);
    db.alembic = Some("0123456789ab".into());
    let m = map(&db).unwrap();
    assert!(m.notes[0].contains("\"0123456789ab\" is not a release nasguard has read"), "{:?}", m.notes);
}

#[test]
fn admin_group_members_come_from_the_backup() {
    let mut db = minimal(Release::V25_04);
    set(&mut db, "services_cifs", "cifs_srv_admin_group", "builtin_administrators".into());
    let f = audit_db(&db);
    let smb6 = f.iter().find(|f| f.rule == "SMB-006").expect("SMB-006");
    assert!(smb6.message.contains("root"), "{}", smb6.message);
}

#[test]
fn signing_is_mandatory_only_through_aux_or_required_encryption() {
    let mut db = minimal(Release::V25_04);
    set(&mut db, "services_cifs", "cifs_srv_smb_options", "server signing = mandatory".into());
    assert!(!rules(&audit_db(&db)).contains("SMB-004"));
    let mut db = minimal(Release::V25_04);
    set(&mut db, "services_cifs", "cifs_srv_encryption", "REQUIRED".into());
    assert!(!rules(&audit_db(&db)).contains("SMB-004"));
    // TrueNAS writes its signing line after the auxiliary ones.
    set(&mut db, "services_cifs", "cifs_srv_smb_options", "server signing = disabled".into());
    assert!(!rules(&audit_db(&db)).contains("SMB-004"));
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn refused(path: &Path) -> String {
    let before = std::fs::read(path).unwrap();
    let e = match load(path) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("{} was read", path.display()),
    };
    assert_eq!(std::fs::read(path).unwrap(), before, "the file changed");
    // An upload of the same bytes is refused the same way.
    let from_bytes = load_bytes(&before, &path.display().to_string()).err().map(|e| e.to_string());
    assert_eq!(from_bytes.as_deref(), Some(e.as_str()));
    e
}

#[test]
fn hostile_files_are_refused_and_left_unchanged() {
    let d = tmp();
    let p = |n: &str| d.path().join(n);
    std::fs::write(p("text"), "hello, not a database").unwrap();
    assert!(refused(&p("text")).contains("not a TrueNAS configuration backup"));
    std::fs::write(p("empty"), "").unwrap();
    assert!(refused(&p("empty")).contains("only 0 bytes"));
    std::fs::write(p("gz"), [0x1f, 0x8b, 8, 0, 0, 0, 0, 0]).unwrap();
    assert!(refused(&p("gz")).contains("gzip"));

    let good = p("good.db");
    write_sqlite(&minimal(Release::V25_04), &good).unwrap();
    assert!(load(&good).is_ok());
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(p("truncated.db"), &bytes[..bytes.len() / 3]).unwrap();
    let e = refused(&p("truncated.db"));
    assert!(e.contains("truncated.db"), "{e}");

    for (name, sql, want) in [
        ("trigger.db", "CREATE TRIGGER t AFTER INSERT ON services_nfs BEGIN SELECT 1; END;", "trigger \"t\""),
        ("view.db", "CREATE VIEW services_x AS SELECT * FROM services_nfs;", "view \"services_x\""),
        ("huge.db", "UPDATE services_ssh SET ssh_options = printf('%.*c', 2000000, 'x');", "services_ssh.ssh_options"),
    ] {
        let path = p(name);
        write_sqlite(&minimal(Release::V25_04), &path).unwrap();
        rusqlite::Connection::open(&path).unwrap().execute_batch(sql).unwrap();
        let e = refused(&path);
        assert!(e.contains(want), "{name}: {e}");
    }
}

fn raw_tar(members: &[(&str, tar::EntryType, &[u8], Option<u64>)]) -> Vec<u8> {
    let mut out = vec![];
    for (name, kind, data, claimed) in members {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        let size = claimed.unwrap_or(data.len() as u64);
        let fields: [(usize, String); 4] = [
            (100, "0000644\0".into()),
            (108, "0000000\0".into()),
            (116, "0000000\0".into()),
            (124, format!("{size:011o}\0")),
        ];
        for (at, v) in fields {
            h[at..at + v.len()].copy_from_slice(v.as_bytes());
        }
        h[136..148].copy_from_slice(b"00000000000\0");
        h[156] = kind.as_byte();
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        out.extend(h);
        out.extend(*data);
        out.extend(std::iter::repeat_n(0u8, (512 - data.len() % 512) % 512));
    }
    out.extend([0u8; 1024]);
    out
}

#[test]
fn hostile_tars_are_refused() {
    let d = tmp();
    let db_path = d.path().join("freenas-v1.db");
    write_sqlite(&minimal(Release::V25_04), &db_path).unwrap();
    let db = std::fs::read(&db_path).unwrap();
    let reg = tar::EntryType::Regular;
    for (name, members, want) in [
        ("dotdot.tar", vec![("../freenas-v1.db", reg, db.as_slice(), None)], "parent-relative"),
        ("abs.tar", vec![("/data/freenas-v1.db", reg, db.as_slice(), None)], "absolute"),
        ("link.tar", vec![("freenas-v1.db", tar::EntryType::Symlink, &b""[..], None)], "link or special"),
        ("huge.tar", vec![("freenas-v1.db", reg, &b"x"[..], Some(1 << 40))], "larger than"),
        ("nodb.tar", vec![("README", reg, &b"hi"[..], None)], "no freenas-v1.db"),
        ("notdb.tar", vec![("freenas-v1.db", reg, &b"hello"[..], None)], "not an SQLite database"),
    ] {
        let path = d.path().join(name);
        std::fs::write(&path, raw_tar(&members)).unwrap();
        let e = refused(&path);
        assert!(e.contains(want), "{name}: {e}");
    }
}

#[test]
fn a_backup_tar_is_read_with_its_secret_seed() {
    let d = tmp();
    let key = [5u8; 32];
    let mut db = minimal(Release::V25_04);
    add(
        &mut db,
        "services_iscsitargetauthcredential",
        vec![
            ("id", 1.into()),
            ("iscsi_target_auth_tag", 1.into()),
            ("iscsi_target_auth_user", "u".into()),
            ("iscsi_target_auth_secret", pwenc::encrypt("sixteen-chars-ok", &key, [1; 8]).as_str().into()),
            ("iscsi_target_auth_peersecret", Value::Null),
            ("iscsi_target_auth_discovery_auth", "NONE".into()),
        ],
    );
    let db_path = d.path().join("freenas-v1.db");
    write_sqlite(&db, &db_path).unwrap();
    let tar = d.path().join("backup.tar");
    write_tar(&db_path, Some(&key), &tar).unwrap();
    let before = std::fs::read(&tar).unwrap();
    let (backup, m) = load(&tar).unwrap();
    assert_eq!(backup.format, Format::Tar);
    let secret = backup.secret.as_ref().unwrap();
    assert_eq!(pwenc::decrypt(&m.sealed[0].secret, secret).unwrap().as_str(), "sixteen-chars-ok");
    assert_eq!(std::fs::read(&tar).unwrap(), before);
}

#[test]
fn sarif_of_a_backup_is_valid_against_the_official_schema() {
    // The same escape as crates/report's own schema test.
    let raw = include_str!("../../report/tests/data/sarif-schema-2.1.0.json");
    let schema: serde_json::Value = serde_json::from_str(&raw.replace("[a-zA-Z]{2}]?$", "[a-zA-Z]{2}\\\\]?$")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let path = reference("freenas-v1-TS-26.0.0-BETA.3-insecure.db");
    let (_, m) = load(&path).unwrap();
    let report = nasguard_report::Report::new(audit(&m, &path.display().to_string()), vec![]);
    let sarif = nasguard_report::to_sarif(&report, "0.1.0");
    let errors: Vec<String> = validator.iter_errors(&sarif).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().all(|r| r["locations"][0]["logicalLocations"][1]["kind"] == "member"));
}

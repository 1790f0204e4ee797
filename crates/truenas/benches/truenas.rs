//! Auditing a large backup: 5 000 SMB shares, 5 000 NFS shares and 500
//! iSCSI targets (each with an auth group, an initiator group, an extent
//! and networks), from the file on disk to the findings. Target: < 100 ms.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use nasguard_truenas::fixture::{Release, add, add_portal, minimal, write_sqlite};

fn big(dir: &std::path::Path) -> std::path::PathBuf {
    let mut db = minimal(Release::V25_04);
    for i in 1..=5000i64 {
        let name = format!("share{i}");
        let path = format!("/mnt/tank/smb/{i}");
        add(
            &mut db,
            "sharing_cifs_share",
            vec![
                ("id", i.into()),
                ("cifs_name", name.as_str().into()),
                ("cifs_path", path.as_str().into()),
                ("cifs_purpose", "DEFAULT_SHARE".into()),
                ("cifs_guestok", (i % 7 == 0).into()),
                ("cifs_enabled", true.into()),
                ("cifs_hostsallow", "[\"10.0.0.0/8\"]".into()),
                ("cifs_hostsdeny", "[]".into()),
                ("cifs_auxsmbconf", "".into()),
            ],
        );
        let nfs = format!("/mnt/tank/nfs/{i}");
        let net = format!("10.{}.{}.0/24", i / 256, i % 256);
        add(
            &mut db,
            "sharing_nfs_share",
            vec![
                ("id", i.into()),
                ("nfs_path", nfs.as_str().into()),
                ("nfs_network", net.as_str().into()),
                ("nfs_hosts", if i % 5 == 0 { "*" } else { "" }.into()),
                ("nfs_ro", (i % 2 == 0).into()),
                ("nfs_enabled", true.into()),
            ],
        );
    }
    add_portal(&mut db, "0.0.0.0");
    for i in 1..=500i64 {
        let user = format!("user{i}");
        let iqn = format!("iqn.2026-01.lan.pc:{i}");
        let name = format!("target{i}");
        let ext = format!("extent{i}");
        let file = format!("/mnt/tank/iscsi/{i}.img");
        add(
            &mut db,
            "services_iscsitargetauthcredential",
            vec![
                ("id", i.into()),
                ("iscsi_target_auth_tag", i.into()),
                ("iscsi_target_auth_user", user.as_str().into()),
                ("iscsi_target_auth_secret", format!("c2VhbGVk{i:08}").as_str().into()),
                ("iscsi_target_auth_peersecret", "".into()),
                ("iscsi_target_auth_discovery_auth", "NONE".into()),
            ],
        );
        add(
            &mut db,
            "services_iscsitargetauthorizedinitiator",
            vec![("id", i.into()), ("iscsi_target_initiator_initiators", iqn.as_str().into())],
        );
        add(
            &mut db,
            "services_iscsitarget",
            vec![
                ("id", i.into()),
                ("iscsi_target_name", name.as_str().into()),
                ("iscsi_target_auth_networks", "[\"10.1.0.0/16\"]".into()),
            ],
        );
        add(
            &mut db,
            "services_iscsitargetgroups",
            vec![
                ("id", i.into()),
                ("iscsi_target_id", i.into()),
                ("iscsi_target_portalgroup_id", 1.into()),
                ("iscsi_target_initiatorgroup_id", i.into()),
                ("iscsi_target_authtype", "CHAP".into()),
                ("iscsi_target_authgroup", i.into()),
            ],
        );
        add(
            &mut db,
            "services_iscsitargetextent",
            vec![
                ("id", i.into()),
                ("iscsi_target_extent_name", ext.as_str().into()),
                ("iscsi_target_extent_type", "File".into()),
                ("iscsi_target_extent_path", file.as_str().into()),
            ],
        );
        add(
            &mut db,
            "services_iscsitargettoextent",
            vec![
                ("id", i.into()),
                ("iscsi_extent_id", i.into()),
                ("iscsi_target_id", i.into()),
                ("iscsi_lunid", 0.into()),
            ],
        );
    }
    let path = dir.join("big.db");
    write_sqlite(&db, &path).unwrap();
    path
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = big(dir.path());
    let (_, m) = nasguard_truenas::load(&path).unwrap();
    assert_eq!(m.config.smb_shares.len(), 5000);
    assert_eq!(m.config.nfs_shares.len(), 5000);
    assert_eq!(m.config.iscsi.targets.len(), 500);
    let findings = nasguard_truenas::audit(&m, "big.db");
    assert!(findings.iter().any(|f| f.rule == "NFS-001") && findings.iter().any(|f| f.rule == "SMB-008"));
    let mut g = c.benchmark_group("truenas");
    g.sample_size(20);
    g.bench_function("audit_5000_smb_5000_nfs_500_iscsi", |b| {
        b.iter(|| {
            let (_, m) = nasguard_truenas::load(&path).unwrap();
            nasguard_truenas::audit(&m, "big.db").len()
        })
    });
    g.bench_function("read_only", |b| b.iter(|| nasguard_truenas::open(&path).unwrap().db.tables.len()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

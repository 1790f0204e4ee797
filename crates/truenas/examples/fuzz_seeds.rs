//! Writes the fuzz target's seeds: a small backup of each schema generation
//! (with a share, an export, an iSCSI target), and one as a tar with a seed.
//! `cargo run -p nasguard-truenas --example fuzz_seeds -- fuzz/corpus/truenas_backup`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use nasguard_truenas::fixture::{Release, add, minimal, write_sqlite, write_tar};

fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).expect("DIR"));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, release) in
        [("core13", Release::Core13), ("24.04", Release::V24_04), ("25.04", Release::V25_04), ("26.0", Release::V26_0)]
    {
        let mut db = minimal(release);
        add(
            &mut db,
            "sharing_cifs_share",
            vec![
                ("id", 1.into()),
                ("cifs_name", "s".into()),
                ("cifs_path", "/mnt/p/s".into()),
                ("cifs_guestok", true.into()),
                ("cifs_hostsallow", "[]".into()),
            ],
        );
        add(
            &mut db,
            "sharing_nfs_share",
            vec![
                ("id", 1.into()),
                ("nfs_path", "/mnt/p/n".into()),
                ("nfs_network", "10.0.0.0/8".into()),
                ("nfs_hosts", "*".into()),
            ],
        );
        add(
            &mut db,
            "services_iscsitargetportal",
            vec![
                ("id", 1.into()),
                ("iscsi_target_portal_tag", 1.into()),
                ("iscsi_target_portal_discoveryauthmethod", "None".into()),
            ],
        );
        add(
            &mut db,
            "services_iscsitargetauthorizedinitiator",
            vec![("id", 1.into()), ("iscsi_target_initiator_initiators", "ALL".into())],
        );
        add(
            &mut db,
            "services_iscsitarget",
            vec![("id", 1.into()), ("iscsi_target_name", "t".into()), ("iscsi_target_auth_networks", "[]".into())],
        );
        add(
            &mut db,
            "services_iscsitargetgroups",
            vec![
                ("id", 1.into()),
                ("iscsi_target_id", 1.into()),
                ("iscsi_target_portalgroup_id", 1.into()),
                ("iscsi_target_initiatorgroup_id", 1.into()),
                ("iscsi_target_authtype", "None".into()),
            ],
        );
        let path = dir.join(format!("{name}.db"));
        let _ = std::fs::remove_file(&path);
        write_sqlite(&db, &path).unwrap();
        if release == Release::V25_04 {
            write_tar(&path, Some(&[1u8; 32]), &dir.join("25.04-with-seed.tar")).unwrap();
        }
    }
}

//! What nasguard knows of the backup's schema: the releases (by Alembic
//! revision), the tables and columns it reads, and which of them each
//! release has. Facts from the reference databases (`truenas-config-db.md`).

use crate::db::Db;

/// Releases whose schema nasguard has read, by Alembic revision.
pub const RELEASES: [(&str, &str); 5] = [
    ("f38c2bbe776a", "24.04 (Dragonfish)"),
    ("9fbe2e3c32b6", "25.04 (Fangtooth)"),
    ("bcbd10d931bc", "25.10 (Goldeye)"),
    ("b3f0a9c41d7e", "26.0"),
    ("8f2a6d1c94b3", "27.0 (development)"),
];

/// The tables read, each with the columns read when present. Other columns
/// (host keys, password hashes, SMB secrets) are never selected.
pub const TABLES: &[(&str, &[&str])] = &[
    ("services_services", &["id", "srv_service", "srv_enable"]),
    (
        "services_cifs",
        &[
            "id",
            "cifs_srv_netbiosname",
            "cifs_srv_workgroup",
            "cifs_srv_description",
            "cifs_srv_guest",
            "cifs_srv_smb_options",
            "cifs_srv_bindip",
            "cifs_srv_ntlmv1_auth",
            "cifs_srv_enable_smb1",
            "cifs_srv_minimum_protocol",
            "cifs_srv_admin_group",
            "cifs_srv_aapl_extensions",
            "cifs_srv_multichannel",
            "cifs_srv_encryption",
            "cifs_srv_localmaster",
        ],
    ),
    (
        "sharing_cifs_share",
        &[
            "id",
            "cifs_path",
            "cifs_name",
            "cifs_comment",
            "cifs_ro",
            "cifs_browsable",
            "cifs_guestok",
            "cifs_hostsallow",
            "cifs_hostsdeny",
            "cifs_auxsmbconf",
            "cifs_abe",
            "cifs_enabled",
            "cifs_purpose",
            "cifs_home",
            "cifs_timemachine_quota",
            "cifs_dataset",
            "cifs_relative_path",
        ],
    ),
    (
        "services_ssh",
        &[
            "id",
            "ssh_bindiface",
            "ssh_tcpport",
            "ssh_passwordauth",
            "ssh_kerberosauth",
            "ssh_tcpfwd",
            "ssh_compression",
            "ssh_sftp_log_level",
            "ssh_sftp_log_facility",
            "ssh_options",
            "ssh_weak_ciphers",
            "ssh_password_login_groups",
            "ssh_rootlogin",
        ],
    ),
    (
        "services_nfs",
        &[
            "id",
            "nfs_srv_servers",
            "nfs_srv_allow_nonroot",
            "nfs_srv_v4_krb",
            "nfs_srv_mountd_port",
            "nfs_srv_rpcstatd_port",
            "nfs_srv_rpclockd_port",
            "nfs_srv_16",
            "nfs_srv_mountd_log",
            "nfs_srv_statd_lockd_log",
            "nfs_srv_bindip",
            "nfs_srv_v4_domain",
            "nfs_srv_protocols",
        ],
    ),
    (
        "sharing_nfs_share",
        &[
            "id",
            "nfs_comment",
            "nfs_network",
            "nfs_hosts",
            "nfs_ro",
            "nfs_maproot_user",
            "nfs_maproot_group",
            "nfs_mapall_user",
            "nfs_mapall_group",
            "nfs_security",
            "nfs_enabled",
            "nfs_path",
        ],
    ),
    ("services_iscsitargetglobalconfiguration", &["id", "iscsi_basename", "iscsi_isns_servers", "iscsi_listen_port"]),
    (
        "services_iscsitargetportal",
        &[
            "id",
            "iscsi_target_portal_tag",
            "iscsi_target_portal_comment",
            "iscsi_target_portal_discoveryauthmethod",
            "iscsi_target_portal_discoveryauthgroup",
        ],
    ),
    ("services_iscsitargetportalip", &["id", "iscsi_target_portalip_portal_id", "iscsi_target_portalip_ip"]),
    (
        "services_iscsitargetauthcredential",
        &[
            "id",
            "iscsi_target_auth_tag",
            "iscsi_target_auth_user",
            "iscsi_target_auth_secret",
            "iscsi_target_auth_peeruser",
            "iscsi_target_auth_peersecret",
            "iscsi_target_auth_discovery_auth",
        ],
    ),
    (
        "services_iscsitargetauthorizedinitiator",
        &[
            "id",
            "iscsi_target_initiator_initiators",
            "iscsi_target_initiator_comment",
            "iscsi_target_initiator_auth_network",
        ],
    ),
    (
        "services_iscsitarget",
        &["id", "iscsi_target_name", "iscsi_target_alias", "iscsi_target_mode", "iscsi_target_auth_networks"],
    ),
    (
        "services_iscsitargetgroups",
        &[
            "id",
            "iscsi_target_id",
            "iscsi_target_portalgroup_id",
            "iscsi_target_initiatorgroup_id",
            "iscsi_target_authtype",
            "iscsi_target_authgroup",
        ],
    ),
    (
        "services_iscsitargetextent",
        &[
            "id",
            "iscsi_target_extent_name",
            "iscsi_target_extent_serial",
            "iscsi_target_extent_type",
            "iscsi_target_extent_path",
            "iscsi_target_extent_filesize",
            "iscsi_target_extent_blocksize",
            "iscsi_target_extent_pblocksize",
            "iscsi_target_extent_comment",
            "iscsi_target_extent_insecure_tpc",
            "iscsi_target_extent_xen",
            "iscsi_target_extent_rpm",
            "iscsi_target_extent_ro",
            "iscsi_target_extent_enabled",
        ],
    ),
    ("services_iscsitargettoextent", &["id", "iscsi_extent_id", "iscsi_target_id", "iscsi_lunid"]),
    ("account_bsdusers", &["id", "bsdusr_uid", "bsdusr_username", "bsdusr_group_id", "bsdusr_ssh_password_enabled"]),
    ("account_bsdgroups", &["id", "bsdgrp_gid", "bsdgrp_group"]),
    ("account_bsdgroupmembership", &["id", "bsdgrpmember_group_id", "bsdgrpmember_user_id"]),
];

/// The release a backup is from: its Alembic revision if known, else what
/// its columns say (and a warning that the revision is not known).
pub fn release(db: &Db) -> (String, Option<String>) {
    let col = |t: &str, c: &str| db.table(t).is_some_and(|t| t.has(c));
    if let Some(rev) = &db.alembic
        && let Some((_, name)) = RELEASES.iter().find(|(r, _)| r == rev)
    {
        return ((*name).to_string(), None);
    }
    let by_columns = if col("services_ssh", "ssh_rootlogin") {
        "CORE 13 / SCALE 23.10 or earlier (services_ssh.ssh_rootlogin present)"
    } else if col("services_cifs", "cifs_srv_minimum_protocol") {
        "26.0 or later (services_cifs.cifs_srv_minimum_protocol present)"
    } else if col("services_iscsitargetauthcredential", "iscsi_target_auth_discovery_auth") {
        "25.04 or later (services_iscsitargetauthcredential.iscsi_target_auth_discovery_auth present)"
    } else {
        "24.04 or earlier (discovery authentication on the portal)"
    };
    let rev = db.alembic.as_deref().map(|r| format!("Alembic revision {r:?}")).unwrap_or("no alembic_version".into());
    let known: Vec<&str> = RELEASES.iter().map(|(_, n)| *n).collect();
    (
        by_columns.to_string(),
        Some(format!(
            "{rev} is not a release nasguard has read ({}); reading it by its columns as {by_columns}",
            known.join(", ")
        )),
    )
}

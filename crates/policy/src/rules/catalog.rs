//! The catalog's order: SMB, SSH, NFS, iSCSI, then general rules.
#[path = "gen_001.rs"]
mod gen_001;
#[path = "iscsi_001.rs"]
mod iscsi_001;
#[path = "iscsi_002.rs"]
mod iscsi_002;
#[path = "iscsi_003.rs"]
mod iscsi_003;
#[path = "iscsi_004.rs"]
mod iscsi_004;
#[path = "iscsi_005.rs"]
mod iscsi_005;
#[path = "iscsi_006.rs"]
mod iscsi_006;
#[path = "iscsi_007.rs"]
mod iscsi_007;
#[path = "nfs_001.rs"]
mod nfs_001;
#[path = "nfs_002.rs"]
mod nfs_002;
#[path = "nfs_003.rs"]
mod nfs_003;
#[path = "nfs_004.rs"]
mod nfs_004;
#[path = "nfs_005.rs"]
mod nfs_005;
#[path = "nfs_006.rs"]
mod nfs_006;
#[path = "nfs_007.rs"]
mod nfs_007;
#[path = "nfs_008.rs"]
mod nfs_008;
#[path = "nfs_009.rs"]
mod nfs_009;
#[path = "nfs_010.rs"]
mod nfs_010;
#[path = "smb_001.rs"]
mod smb_001;
#[path = "smb_002.rs"]
mod smb_002;
#[path = "smb_003.rs"]
mod smb_003;
#[path = "smb_004.rs"]
mod smb_004;
#[path = "smb_005.rs"]
mod smb_005;
#[path = "smb_006.rs"]
mod smb_006;
#[path = "smb_007.rs"]
mod smb_007;
#[path = "smb_008.rs"]
mod smb_008;
#[path = "smb_009.rs"]
mod smb_009;
#[path = "smb_010.rs"]
mod smb_010;
#[path = "smb_011.rs"]
mod smb_011;
#[path = "smb_012.rs"]
mod smb_012;
#[path = "smb_013.rs"]
mod smb_013;
#[path = "smb_014.rs"]
mod smb_014;
#[path = "smb_015.rs"]
mod smb_015;
#[path = "ssh_001.rs"]
mod ssh_001;
#[path = "ssh_002.rs"]
mod ssh_002;
#[path = "ssh_003.rs"]
mod ssh_003;
#[path = "ssh_004.rs"]
mod ssh_004;
#[path = "ssh_005.rs"]
mod ssh_005;
#[path = "ssh_006.rs"]
mod ssh_006;
#[path = "ssh_007.rs"]
mod ssh_007;
#[path = "ssh_008.rs"]
mod ssh_008;
#[path = "ssh_009.rs"]
mod ssh_009;
#[path = "ssh_010.rs"]
mod ssh_010;
#[path = "ssh_011.rs"]
mod ssh_011;
#[path = "ssh_012.rs"]
mod ssh_012;
#[path = "ssh_013.rs"]
mod ssh_013;
#[path = "ssh_014.rs"]
mod ssh_014;
#[path = "ssh_015.rs"]
mod ssh_015;
#[path = "ssh_016.rs"]
mod ssh_016;
#[path = "ssh_017.rs"]
mod ssh_017;
#[path = "ssh_018.rs"]
mod ssh_018;

/// Every rule, in catalog order.
pub(super) static RULES: &[&super::Rule] = &[
    &smb_001::RULE,
    &smb_002::RULE,
    &smb_003::RULE,
    &smb_004::RULE,
    &smb_005::RULE,
    &smb_006::RULE,
    &smb_007::RULE,
    &smb_008::RULE,
    &smb_009::RULE,
    &smb_010::RULE,
    &smb_011::RULE,
    &smb_012::RULE,
    &smb_013::RULE,
    &smb_014::RULE,
    &smb_015::RULE,
    &ssh_001::RULE,
    &ssh_002::RULE,
    &ssh_003::RULE,
    &ssh_004::RULE,
    &ssh_005::RULE,
    &ssh_006::RULE,
    &ssh_007::RULE,
    &ssh_008::RULE,
    &ssh_009::RULE,
    &ssh_010::RULE,
    &ssh_011::RULE,
    &ssh_012::RULE,
    &ssh_013::RULE,
    &ssh_014::RULE,
    &ssh_015::RULE,
    &ssh_016::RULE,
    &ssh_017::RULE,
    &ssh_018::RULE,
    &nfs_001::RULE,
    &nfs_002::RULE,
    &nfs_003::RULE,
    &nfs_004::RULE,
    &nfs_005::RULE,
    &nfs_006::RULE,
    &nfs_007::RULE,
    &nfs_008::RULE,
    &nfs_009::RULE,
    &nfs_010::RULE,
    &iscsi_001::RULE,
    &iscsi_002::RULE,
    &iscsi_003::RULE,
    &iscsi_004::RULE,
    &iscsi_005::RULE,
    &iscsi_006::RULE,
    &iscsi_007::RULE,
    &gen_001::RULE,
];

//! Object references: the stable names findings and waivers use.

use nasguard_model::iscsi::{Portal, Target};
use nasguard_model::nfs::NfsShare;
use nasguard_model::smb::SmbShare;

pub fn smb_share(s: &SmbShare) -> String {
    format!("smb/share/{}", s.name)
}

pub fn nfs_share(s: &NfsShare) -> String {
    format!("nfs/share/{}", s.id)
}

pub fn iscsi_portal(p: &Portal) -> String {
    format!("iscsi/portal/{}", p.id)
}

pub fn iscsi_target(t: &Target) -> String {
    format!("iscsi/target/{}", t.name)
}

/// The last path segment of an object reference (a name or id).
pub fn leaf(object: &str) -> &str {
    object.rsplit('/').next().unwrap_or(object)
}

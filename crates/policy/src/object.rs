//! Object references: the stable names findings and waivers use
//! ([`ObjectRef`], written `smb/share/NAME` and so on).

use nasguard_model::iscsi::{Portal, Target};
use nasguard_model::nfs::NfsShare;
pub use nasguard_model::object::ObjectRef;
use nasguard_model::smb::SmbShare;

pub fn smb_share(s: &SmbShare) -> ObjectRef {
    ObjectRef::SmbShare(s.name.clone())
}

pub fn nfs_share(s: &NfsShare) -> ObjectRef {
    ObjectRef::NfsShare(s.id)
}

pub fn iscsi_portal(p: &Portal) -> ObjectRef {
    ObjectRef::IscsiPortal(p.id)
}

pub fn iscsi_target(t: &Target) -> ObjectRef {
    ObjectRef::IscsiTarget(t.name.clone())
}

//! What live probes saw, in the policy's own terms (the probe crate fills
//! it from the wire codecs; the rules judge it).

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh: Option<SshObserved>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smb: Option<SmbObserved>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nfs: Option<NfsObserved>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iscsi: Option<IscsiObserved>,
}

/// What rpcbind and mountd answered.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct NfsObserved {
    /// `program version protocol port`, as rpcinfo -p lists them.
    pub programs: Vec<RpcProgram>,
    /// MOUNT EXPORT: each export and its client groups (empty = everyone).
    /// `None` when no mountd (NFSv3) is registered.
    pub exports: Option<Vec<NfsExport>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct RpcProgram {
    pub program: u32,
    pub version: u32,
    pub protocol: String,
    pub port: u32,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct NfsExport {
    pub path: String,
    pub groups: Vec<String>,
}

/// What unauthenticated iSCSI logins showed.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct IscsiObserved {
    /// A discovery session with AuthMethod=None was accepted.
    pub discovery_open: bool,
    /// The discovery login's status class and detail (2/1: authentication needed).
    pub discovery_status: (u8, u8),
    /// Targets SendTargets listed, each with how a login without
    /// authentication ended.
    pub targets: Vec<IscsiTargetLogin>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct IscsiTargetLogin {
    pub name: String,
    /// `open` (no authentication needed), `authentication required`,
    /// `not authorized` (initiator not allowed), `not found`, or the status.
    pub login: String,
}

/// The server's identification and KEXINIT offer.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct SshObserved {
    pub banner: String,
    pub kex: Vec<String>,
    pub hostkey: Vec<String>,
    pub ciphers: Vec<String>,
    pub macs: Vec<String>,
    pub compression: Vec<String>,
    /// `kex-strict-s-v00@openssh.com` offered (Terrapin countermeasure).
    pub strict_kex: bool,
}

/// What NEGOTIATE answers showed.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct SmbObserved {
    /// An SMB1 NEGOTIATE offering only NT LM 0.12 was accepted.
    pub smb1: bool,
    pub smb1_signing_required: bool,
    /// SMB2/3 dialects accepted, e.g. `2.0.2`, `3.1.1`.
    pub dialects: Vec<String>,
    pub signing_enabled: bool,
    pub signing_required: bool,
    pub encryption: bool,
}

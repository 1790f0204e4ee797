//! What live probes saw, in the policy's own terms (the probe crate fills
//! it from the wire codecs; the rules judge it).

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh: Option<SshObserved>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smb: Option<SmbObserved>,
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

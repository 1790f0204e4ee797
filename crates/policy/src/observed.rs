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
    pub login: LoginOutcome,
}

/// How a login without authentication ended (written as the words below).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum LoginOutcome {
    /// `open`: accepted, no authentication needed.
    Open,
    /// `authentication required` (status 2/1).
    #[default]
    AuthenticationRequired,
    /// `not authorized`: the initiator is not allowed (2/2).
    NotAuthorized,
    /// `not found` (2/3).
    NotFound,
    /// `refused (status C/D)`.
    Refused(u8, u8),
    /// `refused (reply opcode 0xNN)`: not a login response at all.
    NotALoginReply(u8),
    /// `error: ...`: the login could not be tried (connection, timeout).
    Error(String),
}

impl std::fmt::Display for LoginOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoginOutcome::Open => f.write_str("open"),
            LoginOutcome::AuthenticationRequired => f.write_str("authentication required"),
            LoginOutcome::NotAuthorized => f.write_str("not authorized"),
            LoginOutcome::NotFound => f.write_str("not found"),
            LoginOutcome::Refused(c, d) => write!(f, "refused (status {c}/{d})"),
            LoginOutcome::NotALoginReply(op) => write!(f, "refused (reply opcode {op:#04x})"),
            LoginOutcome::Error(e) => write!(f, "error: {e}"),
        }
    }
}

impl std::str::FromStr for LoginOutcome {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let all = [
            LoginOutcome::Open,
            LoginOutcome::AuthenticationRequired,
            LoginOutcome::NotAuthorized,
            LoginOutcome::NotFound,
        ];
        if let Some(o) = all.into_iter().find(|o| o.to_string() == s) {
            return Ok(o);
        }
        if let Some(e) = s.strip_prefix("error: ") {
            return Ok(LoginOutcome::Error(e.to_string()));
        }
        let num = |t: &str| t.trim().parse::<u8>().map_err(|_| format!("{s:?} is not a login outcome"));
        if let Some((c, d)) =
            s.strip_prefix("refused (status ").and_then(|r| r.strip_suffix(')')).and_then(|r| r.split_once('/'))
        {
            return Ok(LoginOutcome::Refused(num(c)?, num(d)?));
        }
        if let Some(op) = s.strip_prefix("refused (reply opcode 0x").and_then(|r| r.strip_suffix(')')) {
            return u8::from_str_radix(op, 16).map(LoginOutcome::NotALoginReply).map_err(|e| e.to_string());
        }
        Err(format!("{s:?} is not a login outcome"))
    }
}

impl Serialize for LoginOutcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LoginOutcome {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
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

#[cfg(test)]
mod tests {
    use super::LoginOutcome;

    #[test]
    fn login_outcomes_read_back_as_written() {
        for o in [
            LoginOutcome::Open,
            LoginOutcome::AuthenticationRequired,
            LoginOutcome::NotAuthorized,
            LoginOutcome::NotFound,
            LoginOutcome::Refused(2, 7),
            LoginOutcome::NotALoginReply(0x3f),
            LoginOutcome::Error("timed out after 2s".into()),
        ] {
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(serde_json::from_str::<LoginOutcome>(&json).unwrap(), o, "{json}");
        }
        assert_eq!(serde_json::to_string(&LoginOutcome::Open).unwrap(), "\"open\"");
        assert!("maybe".parse::<LoginOutcome>().is_err());
    }
}

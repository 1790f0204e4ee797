//! nasguard's typed model of the four sharing services of a Linux NAS.
//!
//! **Architecture invariant:** this crate does no IO. It holds the types,
//! their secure defaults, and validation; every other crate builds on it.
//! Field names and defaults follow TrueNAS, except where TrueNAS's default
//! is insecure (then the TrueNAS name is kept with the secure default).

pub mod access;
pub mod accounts;
pub mod deployment;
pub mod error;
pub mod fields;
pub mod iscsi;
pub mod iscsi_kind;
pub mod iscsi_networks;
pub mod keywords;
pub mod nfs;
pub mod object;
pub mod secret;
pub mod smb;
mod smb_allow;
mod smb_aux;
mod smb_params;
pub mod ssh;
pub mod ssh_algos;
pub mod ssh_keywords;
pub mod text;

pub use error::{ValidationError, ValidationErrors};
pub use secret::Secret;
pub use smb_aux::{
    IDENTITY_PARAMETERS as SMB_IDENTITY_PARAMETERS, SmbAuxLine, canonical_name as smb_canonical_name,
    check_line as check_smb_aux_line, compact_name as smb_compact_name, identity_refusal as smb_identity_refusal,
    invalid_users as smb_invalid_users, is_global_section as smb_is_global_section, parse as parse_smb_aux,
    retain_valid as retain_valid_smb_aux, runs_a_command as smb_runs_a_command,
};

use serde::{Deserialize, Serialize};

/// Site facts the admin records that are not daemon settings.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Site {
    /// Users approved as members of the SMB `admin_group` (SMB-006).
    pub approved_smb_admins: Vec<String>,
    /// Accepted risks; see `nasguard waive`.
    pub waivers: Vec<Waiver>,
    /// Services started automatically ("Start automatically").
    pub autostart: Vec<Service>,
    /// Accounts `nasguard user add` made or manages.
    pub users: Vec<User>,
}

/// A local account the services use.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct User {
    pub name: String,
    /// Has a Samba passdb entry.
    pub smb: bool,
    /// Has SSH authorized keys managed by nasguard.
    pub ssh_keys: bool,
    /// nasguard created the Unix account (so `user rm` deletes it).
    pub created: bool,
}

/// An accepted risk: silences one rule on one object (or `*`), with a
/// reason, until an optional expiry date (`YYYY-MM-DD`, inclusive).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    pub rule: String,
    pub object: String,
    pub reason: String,
    #[serde(default)]
    pub expires: Option<String>,
}

impl Waiver {
    /// The object a waiver names that stands for every object of its rule.
    pub const EVERY_OBJECT: &'static str = "*";

    /// Whether the waiver silences its rule on `object`.
    pub fn covers(&self, object: &object::ObjectRef) -> bool {
        self.object == Waiver::EVERY_OBJECT || object::ObjectRef::from(&self.object) == *object
    }
}

/// `YYYY-MM-DD` with a plausible month and day.
pub fn iso_date(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r.clone()).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let ok = b.len() == 10 && digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10);
    let month: u32 = s.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(0);
    let day: u32 = s.get(8..10).and_then(|d| d.parse().ok()).unwrap_or(0);
    if ok && (1..=12).contains(&month) && (1..=31).contains(&day) {
        Ok(())
    } else {
        Err(format!("{s:?} is not a date (YYYY-MM-DD)"))
    }
}

/// The whole desired configuration: what the store holds at one revision.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub smb: smb::SmbService,
    pub smb_shares: Vec<smb::SmbShare>,
    pub nfs: nfs::NfsService,
    pub nfs_shares: Vec<nfs::NfsShare>,
    pub iscsi: iscsi::IscsiConfig,
    pub ssh: ssh::SshService,
    pub site: Site,
}

/// The four services.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Smb,
    Nfs,
    Iscsi,
    Ssh,
}

impl Service {
    pub const ALL: [Service; 4] = [Service::Smb, Service::Nfs, Service::Iscsi, Service::Ssh];

    pub fn name(self) -> &'static str {
        match self {
            Service::Smb => "smb",
            Service::Nfs => "nfs",
            Service::Iscsi => "iscsi",
            Service::Ssh => "ssh",
        }
    }

    pub fn parse(s: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|v| v.name().eq_ignore_ascii_case(s))
    }
}

impl std::str::FromStr for Service {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Service::parse(s).ok_or_else(|| format!("{s:?} is not a service (smb, nfs, iscsi, ssh)"))
    }
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a user can do to a service: control the daemon, or choose whether
/// it starts automatically ("Start automatically").
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ServiceAction {
    Start,
    Stop,
    Restart,
    Reload,
    Enable,
    Disable,
}

impl ServiceAction {
    pub const ALL: [ServiceAction; 6] = [
        ServiceAction::Start,
        ServiceAction::Stop,
        ServiceAction::Restart,
        ServiceAction::Reload,
        ServiceAction::Enable,
        ServiceAction::Disable,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ServiceAction::Start => "start",
            ServiceAction::Stop => "stop",
            ServiceAction::Restart => "restart",
            ServiceAction::Reload => "reload",
            ServiceAction::Enable => "enable",
            ServiceAction::Disable => "disable",
        }
    }

    /// `Some(on)` for enable/disable, which change the stored autostart
    /// list rather than the running daemon.
    pub fn autostart(self) -> Option<bool> {
        match self {
            ServiceAction::Enable => Some(true),
            ServiceAction::Disable => Some(false),
            _ => None,
        }
    }
}

impl std::str::FromStr for ServiceAction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ServiceAction::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("{s:?} is not an action (start, stop, restart, reload, enable, disable)"))
    }
}

impl std::fmt::Display for ServiceAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One of `all` by its name, case-insensitively, `-` read as `_`; the error
/// lists the names (the `FromStr` of the model's enums).
pub(crate) fn by_name<T: Copy>(all: &[T], name: fn(T) -> &'static str, s: &str) -> Result<T, String> {
    let wanted = s.replace('-', "_");
    all.iter()
        .copied()
        .find(|v| name(*v).eq_ignore_ascii_case(&wanted))
        .ok_or_else(|| format!("{s:?} is not one of {}", all.iter().map(|v| name(*v)).collect::<Vec<_>>().join(", ")))
}

/// The next free id in a list of objects with ids.
pub fn next_id<T>(items: &[T], id: impl Fn(&T) -> u32) -> u32 {
    items.iter().map(id).max().unwrap_or(0) + 1
}

impl Config {
    /// One service's settings as JSON (`config show`, `GET /config/{service}`,
    /// the Services edit form): the object `config set` / `PUT` edit.
    pub fn service_settings(&self, service: Service) -> serde_json::Map<String, serde_json::Value> {
        let v = match service {
            Service::Smb => serde_json::to_value(&self.smb),
            Service::Nfs => serde_json::to_value(&self.nfs),
            Service::Ssh => serde_json::to_value(&self.ssh),
            Service::Iscsi => serde_json::to_value(&self.iscsi.global),
        };
        match v {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        }
    }

    /// Moves auxiliary lines that set an owned setting onto its field, and
    /// fills derived values (extent serials). Returns one note per change, to
    /// show the user. Run before [`Config::validate`] on every change.
    pub fn normalize(&mut self) -> Vec<String> {
        let mut notes = smb_aux::normalize_global(&mut self.smb);
        for share in &mut self.smb_shares {
            notes.extend(smb_aux::normalize_share(share));
        }
        notes.extend(ssh::normalize(&mut self.ssh));
        for share in &mut self.nfs_shares {
            if !share.open_to_everyone() {
                share.allow_everyone = false;
            }
        }
        for x in &mut self.iscsi.extents {
            if x.serial.is_empty() {
                x.serial = iscsi::IscsiConfig::derived_serial(&x.name);
            }
        }
        notes
    }

    /// Every problem in the configuration, or `Ok` if there is none.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut out = vec![];
        smb::validate_service(self, &mut out);
        smb::validate_shares(self, &mut out);
        nfs::validate_service(self, &mut out);
        nfs::validate_shares(self, &mut out);
        iscsi::validate(self, &mut out);
        ssh::validate(self, &mut out);
        for w in &self.site.waivers {
            let mut e = error::Errors::new("waiver", &mut out);
            if w.reason.trim().is_empty() {
                e.add("reason", "a waiver needs a reason");
            }
            e.check("reason", text::single_line(&w.reason));
            e.check("object", text::single_line(&w.object));
            if let Some(d) = &w.expires {
                e.check("expires", iso_date(d));
            }
        }
        for u in &self.site.users {
            if let Err(m) = text::unix_name(&u.name) {
                out.push(ValidationError::new("user", "name", m));
            }
        }
        for user in &self.site.approved_smb_admins {
            if let Err(m) = text::unix_name(user) {
                out.push(ValidationError::new("site", "approved_smb_admins", m));
            }
        }
        if out.is_empty() { Ok(()) } else { Err(ValidationErrors(out)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_valid() {
        assert_eq!(Config::default().validate(), Ok(()));
    }

    #[test]
    fn defaults_are_secure() {
        let c = Config::default();
        assert_eq!(c.smb.minimum_protocol, smb::MinProtocol::Smb2);
        assert!(!c.smb.ntlmv1_auth);
        assert_eq!(c.smb.server_signing, smb::ServerSigning::Mandatory);
        assert!(!c.ssh.rootlogin && !c.ssh.tcpfwd && !c.ssh.passwordauth);
        assert_eq!(c.ssh.ciphers, ssh_algos::RECOMMENDED_CIPHERS.map(String::from).to_vec());
        assert!(!c.nfs.allow_nonroot);
    }

    #[test]
    fn config_round_trips_through_json() {
        let c = Config::default();
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Config>(&json).unwrap(), c);
    }
}

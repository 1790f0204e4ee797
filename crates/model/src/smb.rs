//! SMB (Samba) service and shares, with TrueNAS's field names.

use crate::error::Errors;
use crate::smb_aux::{self, AuxSection};
use crate::text;
use crate::{Config, ValidationError};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::net::IpAddr;

/// Lowest SMB dialect the server accepts. TrueNAS `minimum_protocol`.
/// Samba's spellings (all of 4.17's): `keywords::smb::MIN_PROTOCOL`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MinProtocol {
    /// SMB1 / NT1: insecure (SMB-001).
    Smb1,
    #[default]
    Smb2,
    Smb3,
}

/// Transport encryption. TrueNAS `encryption`. Samba's spellings:
/// `keywords::smb::SERVER_SMB_ENCRYPT`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SmbEncryption {
    #[default]
    Default,
    Negotiate,
    Desired,
    Required,
}

/// `server signing`. First-class here (an auxiliary parameter in TrueNAS);
/// `MANDATORY` by default, as TrueNAS's security recommendations ask.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServerSigning {
    Default,
    #[default]
    Mandatory,
}

/// The SMB service (TrueNAS `smb.config`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct SmbService {
    pub netbiosname: String,
    pub netbiosalias: Vec<String>,
    pub workgroup: String,
    pub description: String,
    pub minimum_protocol: MinProtocol,
    pub ntlmv1_auth: bool,
    pub unixcharset: String,
    pub localmaster: bool,
    pub syslog: bool,
    pub aapl_extensions: bool,
    pub admin_group: Option<String>,
    pub guest: String,
    pub filemask: String,
    pub dirmask: String,
    pub multichannel: bool,
    pub encryption: SmbEncryption,
    pub server_signing: ServerSigning,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub bindip: Vec<IpAddr>,
    /// Auxiliary parameters: `key = value` lines for `[global]`.
    pub smb_options: String,
}

impl Default for SmbService {
    fn default() -> Self {
        SmbService {
            netbiosname: "nasguard".into(),
            netbiosalias: vec![],
            workgroup: "WORKGROUP".into(),
            description: "nasguard server".into(),
            minimum_protocol: MinProtocol::Smb2,
            ntlmv1_auth: false,
            unixcharset: "UTF-8".into(),
            localmaster: false,
            syslog: false,
            aapl_extensions: false,
            admin_group: None,
            guest: "nobody".into(),
            filemask: "DEFAULT".into(),
            dirmask: "DEFAULT".into(),
            multichannel: false,
            encryption: SmbEncryption::Default,
            server_signing: ServerSigning::Mandatory,
            bindip: vec![],
            smb_options: String::new(),
        }
    }
}

/// Share presets. TrueNAS `purpose`; each sets the Samba parameters
/// TrueNAS sets for it (see [`SmbShare::purpose_parameters`]).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SmbPurpose {
    /// No preset: every field customised (SMB-007 flags it).
    NoPreset,
    /// "Default share parameters": the recommended choice.
    #[default]
    DefaultShare,
    /// One private directory per user under the share path.
    PrivateDatasetsShare,
    /// macOS Time Machine target (needs `aapl_extensions`).
    TimemachineShare,
    /// Shared with NFS: oplocks off so both protocols see the same data.
    MultiprotocolShare,
    /// Write-once files after a grace period (vfs_worm).
    TimeLockedShare,
}

impl SmbPurpose {
    pub const ALL: [SmbPurpose; 6] = [
        SmbPurpose::NoPreset,
        SmbPurpose::DefaultShare,
        SmbPurpose::PrivateDatasetsShare,
        SmbPurpose::TimemachineShare,
        SmbPurpose::MultiprotocolShare,
        SmbPurpose::TimeLockedShare,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SmbPurpose::NoPreset => "NO_PRESET",
            SmbPurpose::DefaultShare => "DEFAULT_SHARE",
            SmbPurpose::PrivateDatasetsShare => "PRIVATE_DATASETS_SHARE",
            SmbPurpose::TimemachineShare => "TIMEMACHINE_SHARE",
            SmbPurpose::MultiprotocolShare => "MULTIPROTOCOL_SHARE",
            SmbPurpose::TimeLockedShare => "TIME_LOCKED_SHARE",
        }
    }

    /// TrueNAS's label in the Purpose drop-down.
    pub fn label(self) -> &'static str {
        match self {
            SmbPurpose::NoPreset => "No presets",
            SmbPurpose::DefaultShare => "Default share parameters",
            SmbPurpose::PrivateDatasetsShare => "Private SMB Datasets and Shares",
            SmbPurpose::TimemachineShare => "Basic time machine share",
            SmbPurpose::MultiprotocolShare => "Multi-protocol (NFSv4/SMB) shares",
            SmbPurpose::TimeLockedShare => "Time Locked Share",
        }
    }
}

impl std::str::FromStr for SmbPurpose {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        crate::by_name(&SmbPurpose::ALL, SmbPurpose::name, s)
    }
}

/// An SMB share (TrueNAS `sharing.smb`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct SmbShare {
    pub id: u32,
    pub name: String,
    pub path: String,
    pub purpose: SmbPurpose,
    pub enabled: bool,
    pub comment: String,
    pub readonly: bool,
    pub browsable: bool,
    pub guestok: bool,
    /// Access-based share enumeration.
    #[serde(alias = "access_based_share_enumeration")]
    pub abe: bool,
    pub hostsallow: Vec<String>,
    pub hostsdeny: Vec<String>,
    /// TIMEMACHINE_SHARE: quota in GiB (0 = none).
    pub timemachine_quota: u32,
    /// TIME_LOCKED_SHARE: seconds before a file becomes read-only.
    pub grace_period: u32,
    /// PRIVATE_DATASETS_SHARE: per-user directory name (`%U`).
    pub dataset_naming_schema: String,
    /// Auxiliary parameters: `key = value` lines for this share.
    pub auxsmbconf: String,
}

impl Default for SmbShare {
    fn default() -> Self {
        SmbShare {
            id: 0,
            name: String::new(),
            path: String::new(),
            purpose: SmbPurpose::DefaultShare,
            enabled: true,
            comment: String::new(),
            readonly: false,
            browsable: true,
            guestok: false,
            abe: false,
            hostsallow: vec![],
            hostsdeny: vec![],
            timemachine_quota: 0,
            grace_period: 900,
            dataset_naming_schema: String::new(),
            auxsmbconf: String::new(),
        }
    }
}

/// A Samba parameter a purpose sets.
pub type SambaParam = (&'static str, String);

impl SmbShare {
    /// Why a non-empty `hostsallow` admits every host anyway (`ALL`,
    /// `0.0.0.0/0`, halves that add up to everything...). An empty list
    /// admits everyone too, but says so: it is Samba's and TrueNAS's default.
    pub fn hostsallow_admits_everyone(&self) -> Option<String> {
        crate::access::admits_everyone(&[], &self.hostsallow)
    }

    /// The smb.conf lines the share's purpose implies, as TrueNAS renders them
    /// (adapted to stock Linux: no ZFS-only VFS modules).
    pub fn purpose_parameters(&self, svc: &SmbService) -> Vec<SambaParam> {
        let mut vfs = vec![];
        let mut p: Vec<SambaParam> = vec![];
        if svc.aapl_extensions {
            vfs.extend(["catia", "fruit"]);
        }
        vfs.push("streams_xattr");
        match self.purpose {
            SmbPurpose::NoPreset => {}
            SmbPurpose::DefaultShare => p.push(("posix locking", "no".into())),
            SmbPurpose::PrivateDatasetsShare => {
                let schema = if self.dataset_naming_schema.is_empty() { "%U" } else { &self.dataset_naming_schema };
                p.push(("path", format!("{}/{}", self.path, schema)));
                p.push(("posix locking", "no".into()));
            }
            SmbPurpose::TimemachineShare => {
                p.push(("fruit:time machine", "yes".into()));
                if self.timemachine_quota > 0 {
                    p.push(("fruit:time machine max size", format!("{}G", self.timemachine_quota)));
                }
                p.push(("durable handles", "yes".into()));
                p.push(("kernel oplocks", "no".into()));
                p.push(("kernel share modes", "no".into()));
                p.push(("posix locking", "no".into()));
                p.push(("spotlight", "no".into()));
            }
            SmbPurpose::MultiprotocolShare => {
                p.push(("oplocks", "no".into()));
                p.push(("level2 oplocks", "no".into()));
            }
            SmbPurpose::TimeLockedShare => {
                vfs.push("worm");
                p.push(("worm:grace_period", self.grace_period.to_string()));
            }
        }
        if svc.aapl_extensions {
            p.push(("fruit:metadata", "stream".into()));
            p.push(("fruit:resource", "stream".into()));
        }
        p.insert(0, ("vfs objects", vfs.join(" ")));
        p
    }
}

const RESERVED_SHARE_NAMES: [&str; 5] = ["global", "printers", "homes", "admin$", "ipc$"];
const SHARE_NAME_FORBIDDEN: &str = "%<>*?|/\\+=;:\",[]";

/// TrueNAS `validate_smb_share_name`, plus no leading/trailing space.
pub fn share_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().count() > 80 {
        return Err("must be 1 to 80 characters long".into());
    }
    if name.chars().any(|c| c.is_control()) || name.chars().any(|c| SHARE_NAME_FORBIDDEN.contains(c)) {
        return Err("may not contain newline or any of % < > * ? | / \\ + = ; : \" , [ ]".into());
    }
    text::single_line(name)?;
    if name.trim() != name {
        return Err("may not start or end with a space".into());
    }
    // As Samba compares section names with `strwicmp` (case and every space
    // ignored; `globals` is `global` too): `[g lobal]` would be read as the
    // global section, the share's lines becoming every share's defaults.
    let compact = crate::smb_aux::compact_name(name);
    if RESERVED_SHARE_NAMES.contains(&compact.as_str()) || compact == "globals" {
        return Err(format!(
            "{name:?} is reserved (global, globals, printers, homes, admin$, ipc$; Samba ignores case and spaces)"
        ));
    }
    Ok(())
}

const NETBIOS_RESERVED: [&str; 15] = [
    "ANONYMOUS",
    "AUTHENTICATED USER",
    "BATCH",
    "BUILTIN",
    "DIALUP",
    "DOMAIN",
    "ENTERPRISE",
    "INTERACTIVE",
    "INTERNET",
    "LOCAL",
    "NETWORK",
    "NULL",
    "PROXY",
    "USERS",
    "WORLD",
];

/// TrueNAS's NetBIOS name rule: 1–15 of `[A-Za-z0-9-_!@#$%^&()'{}~]`, not all
/// digits, not a reserved word.
pub fn netbios_name(name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-_!@#$%^&()'{}~".contains(c);
    if name.is_empty() || name.len() > 15 || !name.chars().all(allowed) {
        return Err(format!(
            "{name:?} is not a valid NetBIOS name (1 to 15 of letters, digits and - _ ! @ # $ % ^ & ( ) ' {{ }} ~)"
        ));
    }
    if name.chars().all(|c| c.is_ascii_digit()) {
        return Err("may not be all digits".into());
    }
    if NETBIOS_RESERVED.contains(&name.to_uppercase().as_str()) || name.eq_ignore_ascii_case("GATEWAY") {
        return Err(format!("{name:?} is a reserved word"));
    }
    Ok(())
}

fn mask(s: &str) -> Result<(), String> {
    if s == "DEFAULT" {
        return Ok(());
    }
    match u32::from_str_radix(s, 8) {
        Ok(v) if s.len() == 4 && v & !0o1777 == 0 => Ok(()),
        _ => Err(format!("{s:?} is not a valid mask (DEFAULT or four octal digits, e.g. 0664)")),
    }
}

pub(crate) fn validate_service(cfg: &Config, out: &mut Vec<ValidationError>) {
    let svc = &cfg.smb;
    let mut e = Errors::new("smb", out);
    e.check("netbiosname", netbios_name(&svc.netbiosname));
    for alias in &svc.netbiosalias {
        e.check("netbiosalias", netbios_name(alias));
    }
    if svc.workgroup.is_empty()
        || svc.workgroup.len() > 15
        || !svc.workgroup.chars().all(|c| c.is_ascii_alphanumeric() || "-_.!@#$%^&()'{}~".contains(c))
    {
        e.add(
            "workgroup",
            format!("{:?} is not a valid workgroup name (1 to 15 letters, digits, - _ .)", svc.workgroup),
        );
    }
    if svc.netbiosname.eq_ignore_ascii_case(&svc.workgroup)
        || svc.netbiosalias.iter().any(|a| a.eq_ignore_ascii_case(&svc.workgroup))
    {
        e.add("netbiosname", format!("NetBIOS name conflicts with workgroup name {:?}", svc.workgroup));
    }
    e.check("description", text::smb_value(&svc.description));
    if svc.unixcharset.is_empty() || !svc.unixcharset.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        e.add("unixcharset", format!("{:?} is not a character set name", svc.unixcharset));
    }
    if let Some(group) = &svc.admin_group {
        e.check("admin_group", text::unix_name(group));
    }
    e.check("guest", text::unix_name(&svc.guest));
    if svc.guest == "root" {
        e.add("guest", "\"root\" is not a permitted guest account");
    }
    e.check("filemask", mask(&svc.filemask));
    e.check("dirmask", mask(&svc.dirmask));
    if svc.minimum_protocol == MinProtocol::Smb1 && svc.encryption == SmbEncryption::Required {
        e.add("encryption", "Encryption may not be set to REQUIRED while SMB1 support is enabled.");
    }
    if !svc.aapl_extensions && cfg.smb_shares.iter().any(|s| s.purpose == SmbPurpose::TimemachineShare) {
        e.add("aapl_extensions", "Apple SMB2/3 protocol extensions are required by TIMEMACHINE_SHARE shares");
    }
    let mut seen = HashSet::new();
    for ip in &svc.bindip {
        if !seen.insert(ip) {
            e.add("bindip", format!("{ip} is listed twice"));
        }
    }
    smb_aux::validate(&svc.smb_options, AuxSection::Global, None, "smb_options", &mut e);
}

pub(crate) fn validate_shares(cfg: &Config, out: &mut Vec<ValidationError>) {
    let mut names = HashSet::new();
    for share in &cfg.smb_shares {
        let mut e = Errors::new("smb share", &mut *out);
        e.check("name", share_name(&share.name));
        if !names.insert(share.name.to_lowercase()) {
            e.add("name", format!("{:?}: share names are case-insensitive and must be unique", share.name));
        }
        e.check("path", text::absolute_path(&share.path));
        e.check("comment", text::smb_value(&share.comment));
        for (field, list) in [("hostsallow", &share.hostsallow), ("hostsdeny", &share.hostsdeny)] {
            for host in list.iter() {
                e.check(field, text::host_token(host));
            }
        }
        if let Some(why) = share.hostsallow_admits_everyone() {
            e.add(
                "hostsallow",
                format!("{why}: that is everyone; leave hostsallow empty to admit every host (the audit flags a list that admits everyone as SMB-014)"),
            );
        }
        if share.purpose == SmbPurpose::TimeLockedShare && !(60..=15_552_000).contains(&share.grace_period) {
            e.add("grace_period", "must be between 60 and 15552000 seconds");
        }
        if !share.dataset_naming_schema.is_empty() {
            let schema = &share.dataset_naming_schema;
            let ok = schema.chars().all(|c| c.is_ascii_alphanumeric() || "%/_-.".contains(c))
                && !schema.contains("..")
                && !schema.starts_with('/');
            if !ok {
                e.add(
                    "dataset_naming_schema",
                    format!("{schema:?} must be a relative name using letters, digits, %U, %D, / _ - ."),
                );
            }
        }
        smb_aux::validate(&share.auxsmbconf, AuxSection::Share, Some(share), "auxsmbconf", &mut e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_names_follow_truenas() {
        assert!(share_name("media").is_ok());
        assert!(share_name("Média Files").is_ok());
        for bad in ["", "a\nb", "a]b", "[global]", "a/b", "IPC$", "homes", " lead", &"x".repeat(81)] {
            assert!(share_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn netbios_names() {
        assert!(netbios_name("nas-01").is_ok());
        assert!(netbios_name("12345").is_err());
        assert!(netbios_name("WORLD").is_err());
        assert!(netbios_name("averyveryverylongname").is_err());
    }

    #[test]
    fn time_machine_purpose_sets_fruit_parameters() {
        let svc = SmbService { aapl_extensions: true, ..Default::default() };
        let share = SmbShare { purpose: SmbPurpose::TimemachineShare, timemachine_quota: 500, ..Default::default() };
        let params = share.purpose_parameters(&svc);
        assert!(params.contains(&("fruit:time machine", "yes".into())));
        assert!(params.contains(&("fruit:time machine max size", "500G".into())));
        assert_eq!(params[0], ("vfs objects", "catia fruit streams_xattr".into()));
    }

    #[test]
    fn time_locked_purpose_uses_worm() {
        let share = SmbShare { purpose: SmbPurpose::TimeLockedShare, grace_period: 300, ..Default::default() };
        let params = share.purpose_parameters(&SmbService::default());
        assert_eq!(params[0], ("vfs objects", "streams_xattr worm".into()));
        assert!(params.contains(&("worm:grace_period", "300".into())));
    }
}

//! iSCSI: global settings, portals, auth groups, initiator groups, targets,
//! extents and target-extent mappings, with TrueNAS's field names.

use crate::error::Errors;
use crate::nfs::access_network;
use crate::secret::Secret;
use crate::text;
use crate::{Config, ValidationError};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::net::IpAddr;

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct IscsiGlobal {
    /// Prefix of every target name that is not a full IQN.
    pub basename: String,
    pub listen_port: u16,
    pub isns_servers: Vec<String>,
}

impl Default for IscsiGlobal {
    fn default() -> Self {
        IscsiGlobal { basename: "iqn.2026-11.org.nasguard.ctl".into(), listen_port: 3260, isns_servers: vec![] }
    }
}

/// CHAP choice for discovery (portal) and for targets.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthMethod {
    /// No authentication (ISCSI-001 / ISCSI-002).
    None,
    #[default]
    Chap,
    ChapMutual,
}

impl AuthMethod {
    pub const ALL: [AuthMethod; 3] = [AuthMethod::None, AuthMethod::Chap, AuthMethod::ChapMutual];

    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::None => "NONE",
            AuthMethod::Chap => "CHAP",
            AuthMethod::ChapMutual => "CHAP_MUTUAL",
        }
    }
}

/// `none`, `CHAP`, `chap-mutual`, `CHAP_MUTUAL`...
impl std::str::FromStr for AuthMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        crate::by_name(&AuthMethod::ALL, AuthMethod::name, s)
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "ListenSpec")]
pub struct PortalListen {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub ip: IpAddr,
    /// `None`: the global `listen_port`.
    pub port: Option<u16>,
}

/// A listen address as an object or as `IP`, `IP:PORT`, `[IPv6]:PORT` text.
#[derive(Deserialize)]
#[serde(untagged)]
enum ListenSpec {
    Text(String),
    Object {
        ip: IpAddr,
        #[serde(default)]
        port: Option<u16>,
    },
}

impl TryFrom<ListenSpec> for PortalListen {
    type Error = String;
    fn try_from(spec: ListenSpec) -> Result<Self, String> {
        match spec {
            ListenSpec::Object { ip, port } => Ok(PortalListen { ip, port }),
            ListenSpec::Text(t) => PortalListen::parse(&t),
        }
    }
}

impl PortalListen {
    pub fn parse(t: &str) -> Result<PortalListen, String> {
        if let Ok(ip) = t.parse::<IpAddr>() {
            return Ok(PortalListen { ip, port: None });
        }
        let sock: std::net::SocketAddr = t.parse().map_err(|_| format!("{t:?} is not IP or IP:PORT"))?;
        Ok(PortalListen { ip: sock.ip(), port: Some(sock.port()) })
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Portal {
    pub id: u32,
    pub tag: u32,
    pub comment: String,
    pub listen: Vec<PortalListen>,
    /// "Discovery Authentication Method"; CHAP by default here (TrueNAS: NONE).
    pub discovery_authmethod: AuthMethod,
    /// Tag of the auth group whose credentials discovery requires.
    pub discovery_authgroup: Option<u32>,
}

/// One CHAP credential of an auth group (TrueNAS `iscsi.auth`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Auth {
    pub id: u32,
    /// The auth group this credential belongs to.
    pub tag: u32,
    pub user: String,
    pub secret: Secret,
    /// Mutual CHAP: the target's own user and secret.
    pub peeruser: String,
    pub peersecret: Secret,
}

/// TrueNAS `iscsi.initiator`: which initiators and networks may log in.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct InitiatorGroup {
    pub id: u32,
    pub comment: String,
    /// Initiator IQNs. Empty = every initiator (ISCSI-005).
    pub initiators: Vec<String>,
    /// Authorized networks. Empty = every network (ISCSI-006).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub auth_network: Vec<IpNet>,
    /// Both lists empty is accepted only when this is set.
    pub allow_everyone: bool,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct TargetGroup {
    /// Portal id.
    pub portal: u32,
    /// Initiator group id; `None` = every initiator from every network.
    pub initiator: Option<u32>,
    pub authmethod: AuthMethod,
    /// Auth group tag (required for CHAP / CHAP_MUTUAL).
    pub auth: Option<u32>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Target {
    pub id: u32,
    pub name: String,
    pub alias: Option<String>,
    pub groups: Vec<TargetGroup>,
    /// A group without an initiator group (everyone) is accepted only when set.
    pub allow_everyone: bool,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExtentType {
    #[default]
    File,
    Disk,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Extent {
    pub id: u32,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ExtentType,
    /// DISK: the block device.
    pub disk: Option<String>,
    /// FILE: the backing file.
    pub path: String,
    /// FILE: size in bytes (a multiple of `blocksize`).
    pub filesize: u64,
    pub blocksize: u32,
    pub pblocksize: bool,
    /// Unit serial number; generated from the name when empty.
    pub serial: String,
    pub insecure_tpc: bool,
    pub xen: bool,
    pub rpm: String,
    pub ro: bool,
    pub enabled: bool,
    pub comment: String,
}

impl Default for Extent {
    fn default() -> Self {
        Extent {
            id: 0,
            name: String::new(),
            kind: ExtentType::File,
            disk: None,
            path: String::new(),
            filesize: 0,
            blocksize: 512,
            pblocksize: false,
            serial: String::new(),
            insecure_tpc: true,
            xen: false,
            rpm: "SSD".into(),
            ro: false,
            enabled: true,
            comment: String::new(),
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct TargetExtent {
    pub id: u32,
    pub target: u32,
    pub extent: u32,
    pub lunid: u32,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct IscsiConfig {
    pub global: IscsiGlobal,
    pub portals: Vec<Portal>,
    pub auths: Vec<Auth>,
    pub initiators: Vec<InitiatorGroup>,
    pub targets: Vec<Target>,
    pub extents: Vec<Extent>,
    pub targetextents: Vec<TargetExtent>,
}

impl InitiatorGroup {
    /// Every initiator name may log in: no list, or an entry such as
    /// TrueNAS's `ALL` or a pattern matching every name.
    pub fn admits_every_initiator(&self) -> bool {
        self.initiators.is_empty() || self.initiators.iter().any(|i| crate::access::initiator_is_everyone(i).is_some())
    }

    /// Initiators may connect from every network: no list, or a list that
    /// adds up to every address.
    pub fn admits_every_network(&self) -> bool {
        self.auth_network.is_empty() || crate::access::networks_cover_everyone(&self.auth_network).is_some()
    }
}

impl IscsiConfig {
    /// The full IQN of a target: its name, or `basename:name`.
    pub fn target_iqn(&self, target: &Target) -> String {
        if is_full_name(&target.name) {
            target.name.clone()
        } else {
            format!("{}:{}", self.global.basename, target.name)
        }
    }

    pub fn auths_with_tag(&self, tag: u32) -> impl Iterator<Item = &Auth> {
        self.auths.iter().filter(move |a| a.tag == tag)
    }

    pub fn initiator_group(&self, id: u32) -> Option<&InitiatorGroup> {
        self.initiators.iter().find(|g| g.id == id)
    }

    /// A serial derived from the extent name (FNV-1a), so it is stable and
    /// needs no randomness.
    pub fn derived_serial(name: &str) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{h:015x}").chars().take(15).collect()
    }
}

fn is_full_name(name: &str) -> bool {
    name.starts_with("iqn.") || name.starts_with("eui.") || name.starts_with("naa.")
}

/// An iSCSI name: `iqn.YYYY-MM.reversed.domain[:suffix]`, `eui.` + 16 hex,
/// or `naa.` + 16/32 hex (RFC 3720 3.2.6.3).
pub fn iscsi_name(name: &str) -> Result<(), String> {
    let hex = |s: &str, lens: &[usize]| lens.contains(&s.len()) && s.chars().all(|c| c.is_ascii_hexdigit());
    if let Some(rest) = name.strip_prefix("eui.") {
        return if hex(rest, &[16]) {
            Ok(())
        } else {
            Err(format!("{name:?}: eui. names are eui. followed by 16 hex digits"))
        };
    }
    if let Some(rest) = name.strip_prefix("naa.") {
        return if hex(rest, &[16, 32]) {
            Ok(())
        } else {
            Err(format!("{name:?}: naa. names are naa. followed by 16 or 32 hex digits"))
        };
    }
    let Some(rest) = name.strip_prefix("iqn.") else {
        return Err(format!("{name:?} is not an iSCSI name (iqn.YYYY-MM.reversed.domain[:id], eui. or naa.)"));
    };
    // Byte positions, so compare bytes: slicing the str could split a
    // multi-byte character (found by fuzzing).
    let b = rest.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let date_ok = b.len() > 8 && digits(0..4) && b.get(4) == Some(&b'-') && digits(5..7) && b.get(7) == Some(&b'.');
    let chars_ok =
        name.len() <= 223 && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-:".contains(c));
    if date_ok && chars_ok {
        Ok(())
    } else {
        Err(format!("{name:?} is not an IQN (iqn.YYYY-MM.reversed.domain[:id], lowercase letters, digits, . - :)"))
    }
}

fn target_name(name: &str) -> Result<(), String> {
    if is_full_name(name) {
        return iscsi_name(name);
    }
    if name.is_empty() || name.len() > 120 {
        return Err("must be 1 to 120 characters".into());
    }
    if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-:".contains(c)) {
        return Err("Only lowercase alphanumeric characters plus dot (.), dash (-), and colon (:) are allowed.".into());
    }
    Ok(())
}

/// TrueNAS's CHAP secret rule (12–16 characters, RFC 3720 8.2.1), no `#`,
/// no surrounding spaces, and nothing that could break a config line.
pub fn chap_secret(s: &str) -> Result<(), String> {
    text::single_line(s)?;
    let n = s.chars().count();
    if !(12..=16).contains(&n) {
        return Err(format!("Secret must be between 12 and 16 characters (got {n})."));
    }
    if s.contains('#') {
        return Err("may not contain #".into());
    }
    if s.trim() != s {
        return Err("may not start or end with a space".into());
    }
    if s.chars().any(|c| c.is_whitespace() || "\"\\<>".contains(c)) {
        return Err("may not contain spaces or any of \" \\ < > (tgt's config splits and parses on them)".into());
    }
    Ok(())
}

fn chap_user(s: &str) -> Result<(), String> {
    text::single_line(s)?;
    if s.is_empty() || s.len() > 64 || s.chars().any(|c| c.is_whitespace() || "#\"\\<>".contains(c)) {
        return Err(format!("{s:?} must be 1 to 64 characters without spaces, # \" \\ < >"));
    }
    Ok(())
}

/// A file or device path for tgt's `backing-store` line: absolute, and no
/// whitespace or `#<>` (tgt's config parser would split or comment it).
/// Directories whose files belong to the system, not to a LUN: a FILE
/// extent there would hand the file (`/etc/shadow`, a key, a log) to every
/// initiator allowed to log in.
pub const SYSTEM_DIRS: &[&str] = &[
    "/etc",
    "/root",
    "/boot",
    "/proc",
    "/sys",
    "/dev",
    "/run",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/var/lib",
    "/var/log",
    "/var/spool",
    "/var/cache",
    "/var/backups",
    "/var/mail",
    "/snap",
];

/// Block devices a DISK extent may name: disks, partitions, volumes. Not
/// `/dev/mem`, `/dev/zero`, a tty, or anything else under /dev.
pub const DISK_PREFIXES: &[&str] = &[
    "/dev/zvol/",
    "/dev/disk/by-id/",
    "/dev/disk/by-path/",
    "/dev/disk/by-uuid/",
    "/dev/disk/by-partuuid/",
    "/dev/disk/by-label/",
    "/dev/mapper/",
    "/dev/md",
    "/dev/sd",
    "/dev/vd",
    "/dev/hd",
    "/dev/xvd",
    "/dev/nvme",
    "/dev/rbd",
    "/dev/dm-",
];

/// Where a FILE extent may live: anywhere but the system's own directories
/// (checked again on the real path when nasguard applies).
pub fn extent_file_allowed(path: &str) -> Result<(), String> {
    let under = |dir: &str| path == dir || path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'));
    if let Some(dir) = SYSTEM_DIRS.iter().find(|d| under(d)) {
        return Err(format!(
            "{path} is under {dir}, which holds the system's own files; put extents elsewhere (/srv, /mnt, ...)"
        ));
    }
    if path == "/" || path.split('/').any(|c| c == ".ssh" || c == ".gnupg") {
        return Err(format!("{path} is not a place for an extent"));
    }
    Ok(())
}

/// Whether a DISK extent names a block device nasguard may export.
pub fn extent_disk_allowed(disk: &str) -> Result<(), String> {
    if DISK_PREFIXES.iter().any(|p| disk.starts_with(p) && disk.len() > p.len()) {
        Ok(())
    } else {
        Err(format!(
            "{disk} is not a disk, partition or volume (/dev/sdX, /dev/nvme..., /dev/disk/by-id/..., /dev/zvol/..., /dev/mapper/...)"
        ))
    }
}

fn backing_path(s: &str) -> Result<(), String> {
    text::absolute_path(s)?;
    if s.chars().any(|c| c.is_whitespace() || "#<>".contains(c)) {
        return Err("may not contain spaces or any of # < >".into());
    }
    Ok(())
}

fn check_access_lists(e: &mut Errors, initiators: &[String], networks: &[IpNet]) {
    let mut seen = HashSet::new();
    for iqn in initiators {
        e.check("initiators", iscsi_name(iqn));
        if !seen.insert(iqn) {
            e.add("initiators", format!("{iqn} is listed twice"));
        }
    }
    let mut seen = HashSet::new();
    for net in networks {
        e.check("auth_network", access_network(net));
        if !seen.insert(net) {
            e.add("auth_network", format!("{net} is listed twice"));
        }
    }
}

pub(crate) fn validate(cfg: &Config, out: &mut Vec<ValidationError>) {
    let c = &cfg.iscsi;
    let tags: HashSet<u32> = c.auths.iter().map(|a| a.tag).collect();
    let has_peer = |tag: u32| c.auths_with_tag(tag).any(|a| !a.peeruser.is_empty());

    let mut e = Errors::new("iscsi global", &mut *out);
    e.check("basename", iscsi_name(&c.global.basename));
    if c.global.listen_port < 1025 && c.global.listen_port != 860 {
        e.add("listen_port", "must be between 1025 and 65535 (or 860)");
    }
    for s in &c.global.isns_servers {
        e.check("isns_servers", text::host_token(s));
    }

    let mut listens = HashSet::new();
    let mut portal_tags = HashSet::new();
    for p in &c.portals {
        let mut e = Errors::new("iscsi portal", &mut *out);
        e.check("comment", text::single_line(&p.comment));
        if !portal_tags.insert(p.tag) {
            e.add("tag", format!("portal tag {} is used twice", p.tag));
        }
        if p.listen.is_empty() {
            e.add("listen", "at least one listen address is required");
        }
        for l in &p.listen {
            if l.port == Some(0) {
                e.add("listen", "port must be between 1 and 65535");
            }
            let port = l.port.unwrap_or(c.global.listen_port);
            if !listens.insert((l.ip, port)) {
                e.add("listen", format!("IP {}:{port} is already in use by a portal", l.ip));
            }
        }
        auth_choice(
            &mut e,
            "discovery_authmethod",
            "discovery_authgroup",
            p.discovery_authmethod,
            p.discovery_authgroup,
            &tags,
            &has_peer,
        );
    }

    let mut users = HashSet::new();
    for a in &c.auths {
        let mut e = Errors::new("iscsi auth", &mut *out);
        if a.tag == 0 {
            e.add("tag", "must be 1 or more");
        }
        e.check("user", chap_user(&a.user));
        e.check("secret", chap_secret(a.secret.expose()));
        if !users.insert((a.tag, a.user.clone())) {
            e.add("user", format!("user {:?} appears twice in auth group {}", a.user, a.tag));
        }
        match (a.peeruser.is_empty(), a.peersecret.is_empty()) {
            (true, true) => {}
            (false, true) => e.add("peersecret", "a peer user needs a peer secret"),
            (true, false) => e.add("peeruser", "a peer secret needs a peer user"),
            (false, false) => {
                e.check("peeruser", chap_user(&a.peeruser));
                e.check("peersecret", chap_secret(a.peersecret.expose()));
                if a.peersecret == a.secret {
                    e.add("peersecret", "The peer secret cannot be the same as user secret.");
                }
            }
        }
    }

    for g in &c.initiators {
        let mut e = Errors::new("iscsi initiator", &mut *out);
        e.check("comment", text::single_line(&g.comment));
        let before = e.out.len();
        check_access_lists(&mut e, &g.initiators, &g.auth_network);
        let entries_ok = e.out.len() == before;
        if let Some(why) =
            crate::access::networks_cover_everyone(&g.auth_network).filter(|_| entries_ok && !g.allow_everyone)
        {
            e.add(
                "auth_network",
                format!("{why}: that is every network; leave auth_network empty (the initiators list still applies), or set allow_everyone (CLI: --allow-everyone) if that is meant (the audit flags it as ISCSI-006)"),
            );
        }
        if g.initiators.is_empty() && g.auth_network.is_empty() && !g.allow_everyone {
            e.add(
                "initiators",
                "no initiators and no authorized networks: every initiator could connect; list them, or set allow_everyone (CLI: --allow-everyone) to accept that (the audit flags it as ISCSI-005/006)",
            );
        }
    }

    let mut names = HashSet::new();
    let mut aliases = HashSet::new();
    for t in &c.targets {
        let mut e = Errors::new("iscsi target", &mut *out);
        e.check("name", target_name(&t.name));
        if !names.insert(c.target_iqn(t)) {
            e.add("name", format!("{:?} is already used by another target", t.name));
        }
        if let Some(alias) = &t.alias {
            e.check("alias", text::single_line(alias));
            if alias.contains('"') || alias == "target" {
                e.add("alias", "may not contain \" or be \"target\"");
            }
            if !aliases.insert(alias.clone()) {
                e.add("alias", format!("{alias:?} is already used by another target"));
            }
        }
        let mut portals = HashSet::new();
        for g in &t.groups {
            if !c.portals.iter().any(|p| p.id == g.portal) {
                e.add("groups", format!("portal {} does not exist", g.portal));
            }
            if !portals.insert(g.portal) {
                e.add("groups", format!("portal {} is listed twice", g.portal));
            }
            match g.initiator {
                Some(id) if c.initiator_group(id).is_none() => e.add("groups", format!("initiator group {id} does not exist")),
                None if !t.allow_everyone => e.add(
                    "groups",
                    "a group without an initiator group lets every initiator connect; name one, or set allow_everyone (CLI: --allow-everyone)",
                ),
                _ => {}
            }
            auth_choice(&mut e, "authmethod", "auth", g.authmethod, g.auth, &tags, &has_peer);
        }
    }

    let mut extent_names = HashSet::new();
    let mut serials = HashSet::new();
    for x in &c.extents {
        let mut e = Errors::new("iscsi extent", &mut *out);
        e.check("name", text::single_line(&x.name));
        if x.name.is_empty() || x.name.len() > 64 || x.name.contains('"') {
            e.add("name", "must be 1 to 64 characters without \"");
        }
        if !extent_names.insert(x.name.to_lowercase()) {
            e.add("name", format!("{:?} is already used by another extent", x.name));
        }
        e.check("comment", text::single_line(&x.comment));
        match x.kind {
            ExtentType::File => {
                e.check("path", backing_path(&x.path).and_then(|()| extent_file_allowed(&x.path)));
                if x.disk.is_some() {
                    e.add("disk", "only DISK extents have a disk");
                }
            }
            ExtentType::Disk => match &x.disk {
                Some(d) => e.check("disk", backing_path(d).and_then(|()| extent_disk_allowed(d))),
                None => e.add("disk", "a DISK extent needs a disk (block device path)"),
            },
        }
        if ![512, 1024, 2048, 4096].contains(&x.blocksize) {
            e.add("blocksize", "must be 512, 1024, 2048 or 4096");
        } else if x.kind == ExtentType::File && x.filesize % u64::from(x.blocksize) != 0 {
            e.add("filesize", format!("must be a multiple of blocksize ({})", x.blocksize));
        }
        if x.serial.len() > 20 || !x.serial.chars().all(|c| c.is_ascii_alphanumeric()) {
            e.add("serial", "must be up to 20 letters and digits");
        }
        if !x.serial.is_empty() && !serials.insert(x.serial.clone()) {
            e.add("serial", format!("{:?} is already used by another extent", x.serial));
        }
        if !["SSD", "UNKNOWN", "5400", "7200", "10000", "15000"].contains(&x.rpm.as_str()) {
            e.add("rpm", "must be SSD, UNKNOWN, 5400, 7200, 10000 or 15000");
        }
    }

    let mut luns = HashSet::new();
    let mut mapped = HashSet::new();
    for m in &c.targetextents {
        let mut e = Errors::new("iscsi targetextent", &mut *out);
        if !c.targets.iter().any(|t| t.id == m.target) {
            e.add("target", format!("target {} does not exist", m.target));
        }
        if !c.extents.iter().any(|x| x.id == m.extent) {
            e.add("extent", format!("extent {} does not exist", m.extent));
        }
        if m.lunid > 16382 {
            e.add("lunid", "must be between 0 and 16382");
        }
        if !luns.insert((m.target, m.lunid)) {
            e.add("lunid", format!("LUN {} is already used in target {}", m.lunid, m.target));
        }
        if !mapped.insert(m.extent) {
            e.add("extent", "Extent is already in use.");
        }
    }
}

fn auth_choice(
    e: &mut Errors,
    method_field: &str,
    group_field: &str,
    method: AuthMethod,
    group: Option<u32>,
    tags: &HashSet<u32>,
    has_peer: &dyn Fn(u32) -> bool,
) {
    match (method, group) {
        (AuthMethod::None, _) => {}
        (_, None) => e.add(
            group_field,
            format!("Authentication group is required for CHAP and CHAP Mutual (or set {method_field}=NONE, which the audit flags)"),
        ),
        (_, Some(tag)) if !tags.contains(&tag) => e.add(group_field, format!("auth group {tag} does not exist")),
        (AuthMethod::ChapMutual, Some(tag)) if !has_peer(tag) => {
            e.add(group_field, format!("CHAP_MUTUAL needs a peer user in auth group {tag}"))
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iscsi_names() {
        assert!(iscsi_name("iqn.2005-10.org.freenas.ctl").is_ok());
        assert!(iscsi_name("iqn.1991-05.com.microsoft:host-1").is_ok());
        assert!(iscsi_name("eui.02004567a425678d").is_ok());
        for bad in
            ["iqn.2005.org", "IQN.2005-10.org.x", "iqn.2005-10.org.x y", "foo", "iqn.2026-\u{b1}1.rn.og", "iqn.é"]
        {
            assert!(iscsi_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn chap_secrets_follow_truenas() {
        assert!(chap_secret("abcdefghijkl").is_ok());
        assert!(chap_secret("short12345").is_err());
        assert!(chap_secret("abcdefghijklmnopq").is_err());
        assert!(chap_secret("abcdefghij#kl").is_err());
        assert!(chap_secret(" abcdefghijkl").is_err());
        assert!(chap_secret("abcdefghij\nkl").is_err());
    }

    #[test]
    fn serial_is_stable_and_short() {
        assert_eq!(IscsiConfig::derived_serial("disk1"), IscsiConfig::derived_serial("disk1"));
        assert_eq!(IscsiConfig::derived_serial("disk1").len(), 15);
    }
}

//! Rows -> nasguard's model, with TrueNAS's semantics, remembering where
//! each setting came from (table, column, row). Pure: tests drive it with
//! hand-built [`Db`]s.
//!
//! What TrueNAS does that nasguard's model does differently:
//! - SMB signing has no column: it is mandatory only through the auxiliary
//!   parameters, or when encryption is REQUIRED (TrueNAS then writes
//!   `server signing = mandatory` after the auxiliary lines).
//! - SSH: the sshd_config TrueNAS renders from the columns is built here and
//!   read by nasguard's own sshd parser and importer, so `ssh_options` lines
//!   are judged exactly as nasguard judges sshd_config (first value wins,
//!   `Match` blocks, the keywords that run programs).
//! - An NFS share with no networks and no hosts, or with `*`, is open to
//!   everyone; iSCSI initiators `ALL` and an empty authorized-network list
//!   are everyone; authorized networks are per target (per initiator group
//!   before 22.12).
//! - iSCSI discovery authentication is on the portal in 24.04 and global
//!   (on the auth credentials) from 25.04.

use crate::db::{Db, Table, Value};
use nasguard_model::iscsi::{
    Auth, AuthMethod, Extent, ExtentType, InitiatorGroup, Portal, PortalListen, Target, TargetExtent, TargetGroup,
};
use nasguard_model::nfs::{NfsProtocol, NfsSecurity, NfsShare};
use nasguard_model::smb::{MinProtocol, ServerSigning, SmbEncryption, SmbPurpose, SmbShare};
use nasguard_model::{Config, Secret, Service};
use nasguard_parse::import::{Imported, SMB_RAW_JUDGED, import_sshd};
use nasguard_policy::Facts;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A schema the mapping cannot read: names the table, column and row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MapError(pub String);

type Result<T> = std::result::Result<T, MapError>;

/// Where in the backup a setting is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DbLoc {
    pub table: String,
    pub column: Option<String>,
    /// The row: a name (share, target, user) or `id=N`.
    pub row: Option<String>,
}

impl DbLoc {
    fn new(table: &str, column: &str, row: &str) -> DbLoc {
        DbLoc { table: table.into(), column: Some(column.into()), row: (!row.is_empty()).then(|| row.into()) }
    }
}

/// The row an object (a share) was read from: its columns are found per
/// rule when a finding needs them, so a big backup costs one entry per row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRef {
    pub table: &'static str,
    pub row: String,
}

/// The column of a share's row that a rule (or the field it judges) reads.
fn share_column(table: &str, rule: &str, field: Option<&str>) -> &'static str {
    match (table, rule, field) {
        ("sharing_cifs_share", _, Some("guestok")) => "cifs_guestok",
        ("sharing_cifs_share", _, Some("hostsallow")) => "cifs_hostsallow",
        ("sharing_cifs_share", "SMB-007", _) => "cifs_purpose",
        ("sharing_cifs_share", "SMB-015", _) => "cifs_auxsmbconf",
        ("sharing_cifs_share", _, _) => "cifs_name",
        (_, "NFS-001", _) => "nfs_network",
        (_, "NFS-002", _) => "nfs_maproot_user",
        (_, "NFS-004", _) => "nfs_ro",
        (_, "NFS-005", _) => "nfs_mapall_user",
        (_, "NFS-007", _) => "nfs_security",
        _ => "nfs_path",
    }
}

/// The encrypted CHAP secrets of one credential (TrueNAS pwenc), kept for
/// an import that has the secret seed. Empty strings stay empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SealedAuth {
    pub id: u32,
    pub tag: u32,
    pub secret: String,
    pub peersecret: String,
}

/// The result of mapping a backup.
#[derive(Debug, Clone, Default)]
pub struct Mapped {
    /// The release, from `alembic_version` (or the columns present).
    pub release: String,
    pub config: Config,
    /// `(object, key)` -> where: `key` is a model field, a rule ID, or `""`
    /// for the object as a whole.
    pub locations: BTreeMap<(String, String), DbLoc>,
    /// Share objects -> the row they come from (see [`RowRef`]).
    pub rows: HashMap<String, RowRef>,
    /// `services_services.srv_enable` per service.
    pub enabled: BTreeMap<Service, bool>,
    /// Shares and targets switched off in the backup (their objects).
    pub disabled: BTreeSet<String>,
    /// The administrators group's members, from the backup's account tables.
    pub facts: Facts,
    /// Warnings: an unknown revision, settings not carried over.
    pub notes: Vec<String>,
    /// Per-object extra words for findings (`(object, rule)`), e.g. the
    /// TrueNAS purpose a share really has.
    pub annotations: BTreeMap<(String, String), String>,
    /// Encrypted CHAP secrets by auth id (the model holds placeholders).
    pub sealed: Vec<SealedAuth>,
    /// SMB home shares (`cifs_home`): nasguard does not model `[homes]`.
    pub homes: Vec<String>,
}

impl Mapped {
    fn at(&mut self, object: &str, key: &str, loc: DbLoc) {
        self.locations.insert((object.to_string(), key.to_string()), loc);
    }

    /// Where a finding of `rule` (judging `field`) on `object` comes from.
    pub fn locate(&self, rule: &str, field: Option<&str>, object: &str) -> Option<DbLoc> {
        let get = |k: &str| self.locations.get(&(object.to_string(), k.to_string())).cloned();
        get(rule)
            .or_else(|| field.and_then(get))
            .or_else(|| {
                self.rows.get(object).map(|r| DbLoc {
                    table: r.table.into(),
                    column: Some(share_column(r.table, rule, field).into()),
                    row: Some(r.row.clone()),
                })
            })
            .or_else(|| get(""))
    }
}

/// One table with its name, for readable errors.
struct T<'a> {
    name: &'static str,
    t: &'a Table,
    id: Option<usize>,
}

#[derive(Clone, Copy)]
struct Col {
    idx: usize,
    name: &'static str,
}

fn table<'a>(db: &'a Db, name: &'static str) -> Result<T<'a>> {
    let t = db.table(name).ok_or_else(|| {
        MapError(format!("the backup has no table {name}: not a TrueNAS configuration database nasguard can read"))
    })?;
    Ok(T { name, t, id: t.col("id") })
}

impl<'a> T<'a> {
    fn need(&self, c: &'static str) -> Result<Col> {
        self.t
            .col(c)
            .map(|idx| Col { idx, name: c })
            .ok_or_else(|| MapError(format!("{}.{c}: column missing (a schema nasguard does not know)", self.name)))
    }

    fn opt(&self, c: &'static str) -> Option<Col> {
        self.t.col(c).map(|idx| Col { idx, name: c })
    }

    fn rows(&self) -> impl Iterator<Item = &'a [Value]> + 'a {
        self.t.rows.iter().map(Vec::as_slice)
    }

    fn first(&self) -> Result<&'a [Value]> {
        self.t.rows.first().map(Vec::as_slice).ok_or_else(|| MapError(format!("{}: the table has no row", self.name)))
    }

    fn id(&self, row: &[Value]) -> i64 {
        match self.id.and_then(|i| row.get(i)) {
            Some(Value::Int(n)) => *n,
            _ => 0,
        }
    }

    fn label(&self, row: &[Value]) -> String {
        format!("id={}", self.id(row))
    }

    fn bad(&self, row: &[Value], c: Col, want: &str) -> MapError {
        let v = row.get(c.idx).map(shown).unwrap_or_default();
        MapError(format!("{}.{} ({}): cannot read {v} as {want}", self.name, c.name, self.label(row)))
    }

    fn text(&self, row: &[Value], c: Col) -> Result<String> {
        match row.get(c.idx) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::Text(s)) => Ok(s.clone()),
            Some(Value::Int(n)) => Ok(n.to_string()),
            Some(_) => Err(self.bad(row, c, "text")),
        }
    }

    /// The text of a cell without copying it (numbers are not text here).
    fn str_of<'r>(&self, row: &'r [Value], c: Col) -> Result<std::borrow::Cow<'r, str>> {
        match row.get(c.idx) {
            None | Some(Value::Null) => Ok(std::borrow::Cow::Borrowed("")),
            Some(Value::Text(s)) => Ok(std::borrow::Cow::Borrowed(s.as_str())),
            Some(Value::Int(n)) => Ok(std::borrow::Cow::Owned(n.to_string())),
            Some(_) => Err(self.bad(row, c, "text")),
        }
    }

    fn opt_text(&self, row: &[Value], c: Option<Col>) -> Result<String> {
        c.map(|c| self.text(row, c)).unwrap_or(Ok(String::new()))
    }

    fn bool(&self, row: &[Value], c: Col) -> Result<bool> {
        match row.get(c.idx) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Int(0)) => Ok(false),
            Some(Value::Int(1)) => Ok(true),
            Some(Value::Text(s)) => match s.to_lowercase().as_str() {
                "0" | "false" | "" => Ok(false),
                "1" | "true" => Ok(true),
                _ => Err(self.bad(row, c, "a boolean")),
            },
            Some(_) => Err(self.bad(row, c, "a boolean")),
        }
    }

    fn opt_bool(&self, row: &[Value], c: Option<Col>, default: bool) -> Result<bool> {
        c.map(|c| self.bool(row, c)).unwrap_or(Ok(default))
    }

    fn int(&self, row: &[Value], c: Col) -> Result<Option<i64>> {
        match row.get(c.idx) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Int(n)) => Ok(Some(*n)),
            Some(Value::Text(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::Text(s)) => s.trim().parse().map(Some).map_err(|_| self.bad(row, c, "a number")),
            Some(_) => Err(self.bad(row, c, "a number")),
        }
    }

    fn u32(&self, row: &[Value], c: Col) -> Result<Option<u32>> {
        self.int(row, c)?.map(|n| u32::try_from(n).map_err(|_| self.bad(row, c, "a number 0..2^32"))).transpose()
    }

    /// A JSON list of strings (`[]`, NULL and '' are empty).
    fn json_list(&self, row: &[Value], c: Col) -> Result<Vec<String>> {
        let s = self.str_of(row, c)?;
        if s.trim().is_empty() {
            return Ok(vec![]);
        }
        serde_json::from_str::<Vec<String>>(&s).map_err(|_| self.bad(row, c, "a JSON list of strings"))
    }

    /// A list written as words (spaces, commas or newlines between them);
    /// a JSON list is read too.
    fn words(&self, row: &[Value], c: Col) -> Result<Vec<String>> {
        let s = self.str_of(row, c)?;
        if s.trim_start().starts_with('[') {
            return self.json_list(row, c);
        }
        Ok(s.split(|ch: char| ch.is_whitespace() || ch == ',').filter(|w| !w.is_empty()).map(String::from).collect())
    }
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Int(n) => n.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(s) => format!("{:?}", s.chars().take(60).collect::<String>()),
        Value::Blob(b) => format!("a {}-byte blob", b.len()),
    }
}

/// Maps a backup's rows onto the model.
pub fn map(db: &Db) -> Result<Mapped> {
    let mut m = Mapped::default();
    let (release, warning) = crate::schema::release(db);
    m.release = release;
    m.notes.extend(warning);
    services(db, &mut m)?;
    let groups = accounts(db)?;
    m.facts = Facts { groups: Some(groups.members), accounts: Some(groups.ids), ..Facts::default() };
    smb(db, &mut m)?;
    ssh(db, &groups.users, &mut m)?;
    nfs(db, &mut m)?;
    iscsi(db, &mut m)?;
    Ok(m)
}

fn services(db: &Db, m: &mut Mapped) -> Result<()> {
    let t = table(db, "services_services")?;
    let (name, enable) = (t.need("srv_service")?, t.need("srv_enable")?);
    for s in Service::ALL {
        m.enabled.insert(s, false);
    }
    for row in t.rows() {
        let svc = match t.text(row, name)?.as_str() {
            "cifs" => Service::Smb,
            "nfs" => Service::Nfs,
            "ssh" => Service::Ssh,
            "iscsitarget" => Service::Iscsi,
            _ => continue,
        };
        let on = t.bool(row, enable)?;
        m.enabled.insert(svc, on);
        if on {
            m.config.site.autostart.push(svc);
        }
        m.at(svc.name(), "srv_enable", DbLoc::new(t.name, "srv_enable", &t.text(row, name)?));
    }
    Ok(())
}

struct Accounts {
    members: BTreeMap<String, Vec<String>>,
    /// Names and ids, to tell privileged accounts (SMB-012).
    ids: nasguard_model::accounts::Accounts,
    /// Users by id: (uid, name, ssh password enabled (None: no column)).
    users: Vec<(i64, String, Option<bool>)>,
}

fn accounts(db: &Db) -> Result<Accounts> {
    let u = table(db, "account_bsdusers")?;
    let g = table(db, "account_bsdgroups")?;
    let gm = table(db, "account_bsdgroupmembership")?;
    let (uid, uname, ugroup) = (u.need("bsdusr_uid")?, u.need("bsdusr_username")?, u.need("bsdusr_group_id")?);
    let upw = u.opt("bsdusr_ssh_password_enabled");
    let gname = g.need("bsdgrp_group")?;
    let gid = g.opt("bsdgrp_gid");
    let mut ids = nasguard_model::accounts::Accounts::default();
    let (mg, mu) = (gm.need("bsdgrpmember_group_id")?, gm.need("bsdgrpmember_user_id")?);
    let mut group_by_id: HashMap<i64, String> = HashMap::new();
    let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in g.rows() {
        let name = g.text(row, gname)?;
        if let Some(c) = gid
            && let Some(n) = g.u32(row, c)?
        {
            ids.groups.insert(name.clone(), n);
        }
        group_by_id.insert(g.id(row), name.clone());
        members.entry(name).or_default();
    }
    let mut user_by_id: HashMap<i64, String> = HashMap::new();
    let mut users = vec![];
    for row in u.rows() {
        let name = u.text(row, uname)?;
        user_by_id.insert(u.id(row), name.clone());
        if let Some(gid) = u.int(row, ugroup)?
            && let Some(group) = group_by_id.get(&gid)
        {
            members.entry(group.clone()).or_default().push(name.clone());
        }
        let pw = upw.map(|c| u.bool(row, c)).transpose()?;
        let n = u.int(row, uid)?.unwrap_or(-1);
        if let Ok(n32) = u32::try_from(n) {
            ids.users.insert(name.clone(), n32);
        }
        users.push((n, name, pw));
    }
    for row in gm.rows() {
        let (Some(gid), Some(uid)) = (gm.int(row, mg)?, gm.int(row, mu)?) else { continue };
        if let (Some(group), Some(user)) = (group_by_id.get(&gid), user_by_id.get(&uid)) {
            let list = members.entry(group.clone()).or_default();
            if !list.contains(user) {
                list.push(user.clone());
            }
        }
    }
    Ok(Accounts { members, ids, users })
}

fn min_protocol(v: &str) -> Option<MinProtocol> {
    let v = v.trim().to_uppercase();
    Some(match v.as_str() {
        "SMB1" | "NT1" | "LANMAN1" | "LANMAN2" | "CORE" | "COREPLUS" => MinProtocol::Smb1,
        "" | "SMB2" => MinProtocol::Smb2,
        "SMB3" => MinProtocol::Smb3,
        _ if v.starts_with("SMB2") => MinProtocol::Smb2,
        _ if v.starts_with("SMB3") => MinProtocol::Smb3,
        _ => return None,
    })
}

const SIGNING_MANDATORY: [&str; 5] = ["mandatory", "required", "force", "forced", "enforced"];

/// Samba's global-only parameters that TrueNAS users put in a share's
/// auxiliary parameters, where Samba ignores them.
const GLOBAL_ONLY: [&str; 8] = [
    "server signing",
    "ntlm auth",
    "server min protocol",
    "client signing",
    "lanman auth",
    "map to guest",
    "restrict anonymous",
    "server smb encrypt",
];

fn smb(db: &Db, m: &mut Mapped) -> Result<()> {
    let t = table(db, "services_cifs")?;
    let row = t.first()?;
    let rl = t.label(row);
    let loc = |c: &str| DbLoc::new("services_cifs", c, &rl);
    let options = t.opt_text(row, t.opt("cifs_srv_smb_options"))?;
    let (aux, aux_errors) = nasguard_model::parse_smb_aux(&options);
    for (n, e) in aux_errors {
        m.notes.push(format!("services_cifs.cifs_srv_smb_options line {n}: {e} (TrueNAS would refuse it; ignored)"));
    }
    // smb.conf keeps the last value of a key.
    let aux_get = |key: &str| aux.iter().rev().find(|l| l.key == key);
    let aux_loc = |line: usize| DbLoc {
        table: "services_cifs".into(),
        column: Some(format!("cifs_srv_smb_options line {line}")),
        row: Some(rl.clone()),
    };
    let mut locs: Vec<(&str, DbLoc)> = vec![];

    let svc = &mut m.config.smb;
    if let Some(c) = t.opt("cifs_srv_minimum_protocol") {
        let v = t.text(row, c)?;
        svc.minimum_protocol = min_protocol(&v).ok_or_else(|| t.bad(row, c, "SMB1, SMB2 or SMB3"))?;
        locs.push(("minimum_protocol", loc(c.name)));
    } else if let Some(c) = t.opt("cifs_srv_enable_smb1") {
        svc.minimum_protocol = if t.bool(row, c)? { MinProtocol::Smb1 } else { MinProtocol::Smb2 };
        locs.push(("minimum_protocol", loc(c.name)));
    } else {
        return Err(MapError(
            "services_cifs: neither cifs_srv_minimum_protocol (26.0+) nor cifs_srv_enable_smb1 (before 26.0): a schema nasguard does not know".into(),
        ));
    }
    if let Some(l) = aux_get("server min protocol")
        && let Some(p) = min_protocol(&l.value)
    {
        svc.minimum_protocol = p;
        locs.push(("minimum_protocol", aux_loc(l.line)));
    }
    let c = t.need("cifs_srv_ntlmv1_auth")?;
    svc.ntlmv1_auth = t.bool(row, c)?;
    locs.push(("ntlmv1_auth", loc(c.name)));
    if let Some(l) = aux_get("ntlm auth") {
        svc.ntlmv1_auth = matches!(l.value.trim().to_lowercase().as_str(), "ntlmv1-permitted" | "yes" | "true" | "1");
        locs.push(("ntlmv1_auth", aux_loc(l.line)));
    }
    let mut column_encryption = SmbEncryption::Default;
    if let Some(c) = t.opt("cifs_srv_encryption") {
        column_encryption = match t.text(row, c)?.to_uppercase().as_str() {
            "" | "DEFAULT" => SmbEncryption::Default,
            "NEGOTIATE" => SmbEncryption::Negotiate,
            "DESIRED" => SmbEncryption::Desired,
            "REQUIRED" => SmbEncryption::Required,
            _ => return Err(t.bad(row, c, "DEFAULT, NEGOTIATE, DESIRED or REQUIRED")),
        };
        locs.push(("encryption", loc(c.name)));
    }
    svc.encryption = column_encryption;
    if let Some(l) = aux_get("server smb encrypt") {
        svc.encryption = match l.value.trim().to_lowercase().as_str() {
            "desired" => SmbEncryption::Desired,
            "required" | "mandatory" | "forced" => SmbEncryption::Required,
            "if_required" | "auto" | "yes" | "true" => SmbEncryption::Negotiate,
            _ => SmbEncryption::Default,
        };
        locs.push(("encryption", aux_loc(l.line)));
    }
    // Signing: no column. The auxiliary parameters, then TrueNAS's own
    // `server signing = mandatory` (written after them) when encryption is
    // REQUIRED.
    svc.server_signing = ServerSigning::Default;
    locs.push(("server_signing", loc("cifs_srv_smb_options")));
    if let Some(l) = aux_get("server signing") {
        if SIGNING_MANDATORY.contains(&l.value.trim().to_lowercase().as_str()) {
            svc.server_signing = ServerSigning::Mandatory;
        }
        locs.push(("server_signing", aux_loc(l.line)));
    }
    if column_encryption == SmbEncryption::Required {
        svc.server_signing = ServerSigning::Mandatory;
        locs.push(("server_signing", loc("cifs_srv_encryption")));
    }
    if let Some(c) = t.opt("cifs_srv_aapl_extensions") {
        svc.aapl_extensions = t.bool(row, c)?;
        locs.push(("aapl_extensions", loc(c.name)));
    }
    svc.multichannel = t.opt_bool(row, t.opt("cifs_srv_multichannel"), false)?;
    svc.localmaster = t.opt_bool(row, t.opt("cifs_srv_localmaster"), false)?;
    if let Some(c) = t.opt("cifs_srv_admin_group") {
        let g = t.text(row, c)?;
        svc.admin_group = (!g.trim().is_empty()).then(|| g.trim().to_string());
        locs.push(("admin_group", loc(c.name)));
    }
    let guest = t.opt_text(row, t.opt("cifs_srv_guest"))?;
    if !guest.is_empty() {
        svc.guest = guest;
    }
    for (col, field) in [("cifs_srv_netbiosname", 0), ("cifs_srv_workgroup", 1), ("cifs_srv_description", 2)] {
        let v = t.opt_text(row, t.opt(col))?;
        if v.is_empty() {
            continue;
        }
        match field {
            0 => svc.netbiosname = v,
            1 => svc.workgroup = v,
            _ => svc.description = v,
        }
    }
    if let Some(c) = t.opt("cifs_srv_bindip") {
        for w in t.words(row, c)? {
            match w.parse() {
                Ok(ip) => svc.bindip.push(ip),
                Err(_) => {
                    m.notes.push(format!("services_cifs.cifs_srv_bindip: {w:?} is not an IP address; not carried over"))
                }
            }
        }
    }

    // Shares (read first: a guest share changes global settings).
    let s = table(db, "sharing_cifs_share")?;
    let (name, path) = (s.need("cifs_name")?, s.need("cifs_path")?);
    let guestok = s.opt("cifs_guestok");
    let purpose = s.opt("cifs_purpose");
    let enabled = s.opt("cifs_enabled");
    let (ro, browsable, abe, comment) =
        (s.opt("cifs_ro"), s.opt("cifs_browsable"), s.opt("cifs_abe"), s.opt("cifs_comment"));
    let (allow, deny, auxc) = (s.opt("cifs_hostsallow"), s.opt("cifs_hostsdeny"), s.opt("cifs_auxsmbconf"));
    let (home, dataset, relative) = (s.opt("cifs_home"), s.opt("cifs_dataset"), s.opt("cifs_relative_path"));
    let tmq = s.opt("cifs_timemachine_quota");
    let mut any_guest = false;
    let mut shares = Vec::with_capacity(s.t.rows.len());
    for row in s.rows() {
        let share_name = s.text(row, name)?;
        let object = format!("smb/share/{share_name}");
        let mut p = s.text(row, path)?;
        if p.is_empty() {
            let ds = s.opt_text(row, dataset)?;
            if !ds.is_empty() {
                let rel = s.opt_text(row, relative)?;
                p = format!("/mnt/{ds}{}{rel}", if rel.is_empty() { "" } else { "/" });
            }
        }
        let truenas_purpose = s.opt_text(row, purpose)?;
        let model_purpose = match truenas_purpose.as_str() {
            "" | "DEFAULT_SHARE" => SmbPurpose::DefaultShare,
            "NO_PRESET" | "LEGACY_SHARE" => SmbPurpose::NoPreset,
            "TIMEMACHINE" | "ENHANCED_TIMEMACHINE" | "TIMEMACHINE_SHARE" => SmbPurpose::TimemachineShare,
            "MULTI_PROTOCOL_NFS" | "MULTIPROTOCOL_SHARE" => SmbPurpose::MultiprotocolShare,
            "PRIVATE_DATASETS" | "PRIVATE_DATASETS_SHARE" => SmbPurpose::PrivateDatasetsShare,
            "WORM_DROPBOX" | "TIME_LOCKED_SHARE" => SmbPurpose::TimeLockedShare,
            other => {
                m.notes.push(format!(
                    "sharing_cifs_share.cifs_purpose ({share_name}): purpose {other} has no nasguard equivalent; mapped to DEFAULT_SHARE"
                ));
                SmbPurpose::DefaultShare
            }
        };
        if model_purpose.name() != truenas_purpose && !truenas_purpose.is_empty() {
            m.annotations.insert((object.clone(), "SMB-007".into()), format!("TrueNAS purpose {truenas_purpose}"));
        }
        let g = s.opt_bool(row, guestok, false)?;
        let on = s.opt_bool(row, enabled, true)?;
        any_guest |= g && on;
        if s.opt_bool(row, home, false)? {
            m.homes.push(share_name.clone());
        }
        let mut auxlines = vec![];
        let aux_text = s.opt_text(row, auxc)?;
        let (lines, errs) = nasguard_model::parse_smb_aux(&aux_text);
        for (n, e) in errs {
            m.notes.push(format!("sharing_cifs_share.cifs_auxsmbconf ({share_name}) line {n}: {e}; ignored"));
        }
        for l in lines {
            if GLOBAL_ONLY.contains(&l.key.as_str()) {
                m.notes.push(format!(
                    "sharing_cifs_share.cifs_auxsmbconf ({share_name}) line {}: {} = {} is a global parameter; Samba ignores it in a share",
                    l.line, l.key, l.value
                ));
            } else {
                // Every line smbd reads is kept, accepted by nasguard or
                // not: the audit judges what smbd does (SMB-012 reads
                // `force user`, `admin users`...), and `import` keeps only
                // what validation accepts, naming the rest.
                auxlines.push(format!("{} = {}", l.key, l.value));
            }
        }
        let share = SmbShare {
            id: u32::try_from(s.id(row)).unwrap_or(0),
            name: share_name.clone(),
            path: p,
            purpose: model_purpose,
            enabled: on,
            comment: s.opt_text(row, comment)?,
            readonly: s.opt_bool(row, ro, false)?,
            browsable: s.opt_bool(row, browsable, true)?,
            guestok: g,
            abe: s.opt_bool(row, abe, false)?,
            hostsallow: allow.map(|c| s.words(row, c)).transpose()?.unwrap_or_default(),
            hostsdeny: deny.map(|c| s.words(row, c)).transpose()?.unwrap_or_default(),
            timemachine_quota: tmq.map(|c| s.u32(row, c)).transpose()?.flatten().unwrap_or(0),
            auxsmbconf: auxlines.join("\n"),
            ..Default::default()
        };
        if !on {
            m.disabled.insert(object.clone());
        }
        m.rows.insert(object, RowRef { table: s.name, row: share_name });
        shares.push(share);
    }
    m.config.smb_shares = shares;

    // The raw-judged Samba parameters with the value smbd will use: what
    // TrueNAS writes (a guest share turns on `map to guest = Bad User` and
    // `restrict anonymous = 0`), unless the auxiliary lines set it.
    let mut raw = vec![];
    for key in SMB_RAW_JUDGED {
        let (value, at) = match aux_get(key) {
            Some(l) => (l.value.clone(), aux_loc(l.line)),
            None => {
                let v = match key {
                    "map to guest" if any_guest => "Bad User",
                    "restrict anonymous" if any_guest => "0",
                    "restrict anonymous" => "2",
                    _ => nasguard_model::keywords::smb::samba_default(key).unwrap_or(""),
                };
                (v.to_string(), loc("cifs_srv_smb_options"))
            }
        };
        raw.push(format!("{key} = {value}"));
        locs.push((key, at));
    }
    let owned = ["server min protocol", "ntlm auth", "server smb encrypt", "server signing"];
    for l in &aux {
        if owned.contains(&l.key.as_str()) || SMB_RAW_JUDGED.contains(&l.key.as_str()) {
            continue;
        }
        // Kept whether nasguard accepts it or not, as a share's lines are.
        raw.push(format!("{} = {}", l.key, l.value));
    }
    m.config.smb.smb_options = raw.join("\n");
    for (field, l) in locs {
        m.at("smb", field, l);
    }
    m.at("smb", "", loc("cifs_srv_smb_options"));
    Ok(())
}

/// One line of the rendered sshd_config and where it came from.
struct Rendered {
    text: String,
    from: Vec<DbLoc>,
}

impl Rendered {
    fn line(&mut self, line: &str, from: DbLoc) {
        self.text.push_str(line);
        self.text.push('\n');
        self.from.push(from);
    }
}

fn ssh(db: &Db, users: &[(i64, String, Option<bool>)], m: &mut Mapped) -> Result<()> {
    let t = table(db, "services_ssh")?;
    let row = t.first()?;
    let rl = t.label(row);
    let loc = |c: &str| DbLoc::new("services_ssh", c, &rl);
    let options = t.opt_text(row, t.opt("ssh_options"))?;
    let weak = match t.opt("ssh_weak_ciphers") {
        Some(c) => t.json_list(row, c)?,
        None => vec![],
    };
    for w in &weak {
        if !matches!(w.as_str(), "AES128-CBC" | "NONE") {
            return Err(MapError(format!("services_ssh.ssh_weak_ciphers ({rl}): unknown weak cipher {w:?}")));
        }
    }
    let port = t.need("ssh_tcpport")?;
    let tcpport = t.int(row, port)?.unwrap_or(22);
    let passwordauth = t.bool(row, t.need("ssh_passwordauth")?)?;
    let tcpfwd = t.bool(row, t.need("ssh_tcpfwd")?)?;
    let compression = t.opt_bool(row, t.opt("ssh_compression"), false)?;
    let kerberos = t.opt_bool(row, t.opt("ssh_kerberosauth"), false)?;
    let groups = match t.opt("ssh_password_login_groups") {
        Some(c) => t.json_list(row, c)?,
        None => vec![],
    };
    // Root password login: CORE 13 and SCALE before 23.10 have a column;
    // later releases take it from the uid-0 account.
    let (rootlogin, root_loc) = match t.opt("ssh_rootlogin") {
        Some(c) => (t.bool(row, c)?, loc(c.name)),
        None => match users.iter().find(|(uid, _, _)| *uid == 0) {
            Some((_, name, pw)) => {
                (pw.unwrap_or(false), DbLoc::new("account_bsdusers", "bsdusr_ssh_password_enabled", name))
            }
            None => {
                m.notes.push("account_bsdusers: no uid-0 account; root password login taken as off".into());
                (false, DbLoc::new("account_bsdusers", "bsdusr_ssh_password_enabled", ""))
            }
        },
    };

    // The sshd_config TrueNAS renders (the lines that matter to the rules),
    // in its order; `ssh_options` last.
    let fixed = loc("ssh_options");
    let mut r = Rendered { text: String::new(), from: vec![] };
    for (kw, line) in [
        ("ChallengeResponseAuthentication", "ChallengeResponseAuthentication no"),
        ("ClientAliveCountMax", "ClientAliveCountMax 3"),
        ("ClientAliveInterval", "ClientAliveInterval 15"),
    ] {
        if !options.contains(kw) {
            r.line(line, fixed.clone());
        }
    }
    if !options.contains("Ciphers") && weak.iter().any(|w| w == "AES128-CBC") {
        r.line("Ciphers +aes128-cbc", loc("ssh_weak_ciphers"));
    }
    if tcpport > 0 {
        r.line(&format!("Port {tcpport}"), loc("ssh_tcpport"));
    }
    r.line(if rootlogin { "PermitRootLogin yes" } else { "PermitRootLogin without-password" }, root_loc.clone());
    r.line(if tcpfwd { "AllowTcpForwarding yes" } else { "AllowTcpForwarding no" }, loc("ssh_tcpfwd"));
    r.line(if compression { "Compression delayed" } else { "Compression no" }, loc("ssh_compression"));
    r.line("PasswordAuthentication no", loc("ssh_passwordauth"));
    if kerberos {
        r.line("GSSAPIAuthentication yes", loc("ssh_kerberosauth"));
    }
    // Names go into the rendered text: one that could break a line or a
    // quoted word (TrueNAS refuses them) is named and left out.
    let plain = |n: &str| !n.is_empty() && !n.chars().any(|ch| ch.is_whitespace() || ch.is_control() || ch == '"');
    let password_users: Vec<&str> =
        users.iter().filter(|(_, _, pw)| *pw == Some(true)).map(|(_, n, _)| n.as_str()).collect();
    for n in password_users.iter().copied().chain(groups.iter().map(String::as_str)).filter(|n| !plain(n)) {
        m.notes.push(format!("SSH password login for {n:?}: not a valid user or group name; not judged"));
    }
    let password_users: Vec<&str> = password_users.into_iter().filter(|n| plain(n)).collect();
    let groups: Vec<String> = groups.into_iter().filter(|g| plain(g)).collect();
    if passwordauth {
        for u in &password_users {
            let from = DbLoc::new("account_bsdusers", "bsdusr_ssh_password_enabled", u);
            r.line(&format!("Match User \"{u}\""), from.clone());
            r.line("\tPasswordAuthentication yes", from);
        }
        for g in &groups {
            r.line(&format!("Match Group \"{g}\""), loc("ssh_password_login_groups"));
            r.line("\tPasswordAuthentication yes", loc("ssh_password_login_groups"));
        }
    }
    let first_option = r.from.len() + 1;
    for (i, line) in options.split('\n').enumerate() {
        let at = DbLoc {
            table: "services_ssh".into(),
            column: Some(format!("ssh_options line {}", i + 1)),
            row: Some(rl.clone()),
        };
        r.line(line.trim_end_matches('\r'), at);
    }
    let conf = nasguard_parse::sshd::parse_text(&r.text);
    let mut imported = Imported::default();
    import_sshd(&conf, &mut imported);
    let from_line = |line: usize| line.checked_sub(1).and_then(|i| r.from.get(i)).cloned();
    for d in &conf.diags {
        if d.loc.line >= first_option {
            m.notes.push(format!("services_ssh.ssh_options line {}: {}", d.loc.line + 1 - first_option, d.message));
        }
    }
    for note in &imported.unmapped {
        // "FILE:LINE: what": keep the ones about the user's own lines.
        let mut parts = note.splitn(3, ':');
        let (_, line, what) = (parts.next(), parts.next(), parts.next().unwrap_or("").trim());
        if let Some(n) = line.and_then(|l| l.parse::<usize>().ok())
            && n >= first_option
        {
            m.notes.push(format!("services_ssh.ssh_options line {}: {what}; not carried over", n + 1 - first_option));
        }
    }
    let mut svc = imported.config.ssh.clone();
    // TrueNAS's "Allow Password Authentication": on, it lets every user
    // with SSH password login enabled (and the listed groups) use one.
    svc.passwordauth = passwordauth || svc.passwordauth;
    svc.password_login_groups = groups;
    svc.kerberosauth = kerberos;
    svc.tcpport = u16::try_from(tcpport).unwrap_or(22);
    svc.weak_ciphers = vec![];
    svc.sftp_log_level = t.opt_text(row, t.opt("ssh_sftp_log_level"))?;
    svc.sftp_log_facility = t.opt_text(row, t.opt("ssh_sftp_log_facility"))?;
    if weak.iter().any(|w| w == "NONE") {
        m.annotations.insert(
            ("ssh".into(), "SSH-005".into()),
            "ssh_weak_ciphers also lists NONE, which TrueNAS accepts and ignores".into(),
        );
    }
    if let Some(c) = t.opt("ssh_bindiface") {
        let ifaces = t.words(row, c)?;
        if !ifaces.is_empty() {
            m.notes.push(format!(
                "services_ssh.ssh_bindiface lists interfaces ({}): their addresses are not in the backup; not carried over",
                ifaces.join(", ")
            ));
        }
    }
    m.config.ssh = svc;
    for ((object, field), l) in &imported.locations {
        if let Some(at) = from_line(l.line) {
            m.at(object, field, at);
        }
    }
    m.at("ssh", "passwordauth", loc("ssh_passwordauth"));
    m.at("ssh", "rootlogin", root_loc);
    m.at("ssh", "", fixed);
    if passwordauth && !password_users.is_empty() {
        m.annotations.insert(
            ("ssh".into(), "SSH-002".into()),
            format!("users with SSH password login enabled: {}", password_users.join(", ")),
        );
    }
    Ok(())
}

fn nfs(db: &Db, m: &mut Mapped) -> Result<()> {
    let t = table(db, "services_nfs")?;
    let row = t.first()?;
    let rl = t.label(row);
    let loc = |c: &str| DbLoc::new("services_nfs", c, &rl);
    let svc = &mut m.config.nfs;
    let c = t.need("nfs_srv_allow_nonroot")?;
    svc.allow_nonroot = t.bool(row, c)?;
    m.locations.insert(("nfs".into(), "allow_nonroot".into()), loc(c.name));
    let svc = &mut m.config.nfs;
    svc.v4_krb = t.opt_bool(row, t.opt("nfs_srv_v4_krb"), false)?;
    if let Some(c) = t.opt("nfs_srv_protocols") {
        let mut protos = vec![];
        for p in t.words(row, c)? {
            match p.to_uppercase().as_str() {
                "NFSV3" => protos.push(NfsProtocol::Nfsv3),
                "NFSV4" => protos.push(NfsProtocol::Nfsv4),
                _ => return Err(t.bad(row, c, "a list of NFSV3, NFSV4")),
            }
        }
        if !protos.is_empty() {
            svc.protocols = protos;
        }
    }
    if let Some(c) = t.opt("nfs_srv_servers") {
        svc.servers = t.int(row, c)?.and_then(|n| u16::try_from(n).ok()).filter(|n| *n > 0);
    }
    for (col, slot) in [("nfs_srv_mountd_port", 0), ("nfs_srv_rpcstatd_port", 1), ("nfs_srv_rpclockd_port", 2)] {
        if let Some(c) = t.opt(col) {
            let v = t.int(row, c)?.and_then(|n| u16::try_from(n).ok()).filter(|n| *n > 0);
            match slot {
                0 => svc.mountd_port = v,
                1 => svc.rpcstatd_port = v,
                _ => svc.rpclockd_port = v,
            }
        }
    }
    svc.userd_manage_gids = t.opt_bool(row, t.opt("nfs_srv_16"), false)?;
    // mountd_log and statd_lockd_log only choose what is logged (TrueNAS
    // ships them off, nasguard on): they keep nasguard's values.
    svc.v4_domain = t.opt_text(row, t.opt("nfs_srv_v4_domain"))?;
    if let Some(c) = t.opt("nfs_srv_bindip") {
        for w in t.words(row, c)? {
            match w.parse() {
                Ok(ip) => svc.bindip.push(ip),
                Err(_) => {
                    m.notes.push(format!("services_nfs.nfs_srv_bindip: {w:?} is not an IP address; not carried over"))
                }
            }
        }
    }
    m.locations.insert(("nfs".into(), "".into()), loc("nfs_srv_allow_nonroot"));

    let s = table(db, "sharing_nfs_share")?;
    let (path, network, hosts) = (s.need("nfs_path")?, s.need("nfs_network")?, s.need("nfs_hosts")?);
    let (ro, enabled, comment, security) =
        (s.opt("nfs_ro"), s.opt("nfs_enabled"), s.opt("nfs_comment"), s.opt("nfs_security"));
    let maps =
        [s.opt("nfs_maproot_user"), s.opt("nfs_maproot_group"), s.opt("nfs_mapall_user"), s.opt("nfs_mapall_group")];
    let mut shares = Vec::with_capacity(s.t.rows.len());
    m.rows.reserve(s.t.rows.len());
    for row in s.rows() {
        let id = u32::try_from(s.id(row)).unwrap_or(0);
        let object = format!("nfs/share/{id}");
        let rl = s.label(row);
        let mut share = NfsShare { id, path: s.text(row, path)?, ..Default::default() };
        share.comment = s.opt_text(row, comment)?;
        share.ro = s.opt_bool(row, ro, false)?;
        share.enabled = s.opt_bool(row, enabled, true)?;
        let mut everyone = false;
        let mut open_by_hosts = false;
        for w in s.words(row, network)? {
            let net: ipnet::IpNet = match w.parse::<ipnet::IpNet>() {
                Ok(n) => n,
                Err(_) => match w.parse::<std::net::IpAddr>() {
                    Ok(ip) => ipnet::IpNet::from(ip),
                    Err(_) => return Err(s.bad(row, network, "space-separated networks (CIDR)")),
                },
            };
            if net.prefix_len() == 0 {
                everyone = true;
            } else if net.trunc() != net {
                m.notes.push(format!(
                    "sharing_nfs_share.nfs_network ({rl}): {net} has host bits set; read as {}",
                    net.trunc()
                ));
                share.networks.push(net.trunc());
            } else {
                share.networks.push(net);
            }
        }
        for h in s.words(row, hosts)? {
            if matches!(h.as_str(), "*" | "0.0.0.0" | "::" | "0.0.0.0/0" | "::/0") {
                everyone = true;
                open_by_hosts = true;
            } else {
                share.hosts.push(h);
            }
        }
        if everyone {
            // `*` is everyone, whatever else is listed.
            share.networks.clear();
            share.hosts.clear();
        }
        share.allow_everyone = share.open_to_everyone();
        let [mru, mrg, mau, mag] = maps;
        let name = |c: Option<Col>| -> Result<Option<String>> {
            let v = s.opt_text(row, c)?;
            Ok((!v.trim().is_empty()).then(|| v.trim().to_string()))
        };
        share.maproot_user = name(mru)?;
        share.maproot_group = name(mrg)?;
        share.mapall_user = name(mau)?;
        share.mapall_group = name(mag)?;
        if let Some(c) = security {
            for w in s.words(row, c)? {
                share.security.push(match w.to_uppercase().as_str() {
                    "SYS" => NfsSecurity::Sys,
                    "KRB5" => NfsSecurity::Krb5,
                    "KRB5I" => NfsSecurity::Krb5i,
                    "KRB5P" => NfsSecurity::Krb5p,
                    _ => return Err(s.bad(row, c, "SYS, KRB5, KRB5I or KRB5P")),
                });
            }
        }
        if !share.enabled {
            m.disabled.insert(object.clone());
        }
        if open_by_hosts {
            // The wildcard that opened it is in nfs_hosts.
            m.at(&object, "NFS-001", DbLoc::new(s.name, "nfs_hosts", &rl));
            m.at(&object, "NFS-004", DbLoc::new(s.name, "nfs_hosts", &rl));
        }
        m.rows.insert(object, RowRef { table: s.name, row: rl });
        shares.push(share);
    }
    m.config.nfs_shares = shares;
    Ok(())
}

fn method(v: &str) -> Option<AuthMethod> {
    Some(match v.trim().to_uppercase().replace([' ', '-'], "_").as_str() {
        "" | "NONE" | "AUTO" => AuthMethod::None,
        "CHAP" => AuthMethod::Chap,
        "CHAP_MUTUAL" => AuthMethod::ChapMutual,
        _ => return None,
    })
}

fn iscsi(db: &Db, m: &mut Mapped) -> Result<()> {
    let c = &mut m.config.iscsi;
    let g = table(db, "services_iscsitargetglobalconfiguration")?;
    if let Some(row) = g.t.rows.first() {
        let b = g.opt_text(row, g.opt("iscsi_basename"))?;
        if !b.is_empty() {
            c.global.basename = b;
        }
        if let Some(col) = g.opt("iscsi_listen_port")
            && let Some(p) = g.int(row, col)?
        {
            c.global.listen_port = u16::try_from(p).map_err(|_| g.bad(row, col, "a port"))?;
        }
        if let Some(col) = g.opt("iscsi_isns_servers") {
            c.global.isns_servers = g.words(row, col)?;
        }
    }

    // Auth credentials (and, from 25.04, discovery authentication).
    let a = table(db, "services_iscsitargetauthcredential")?;
    let (tag, user) = (a.need("iscsi_target_auth_tag")?, a.need("iscsi_target_auth_user")?);
    let (secret, peeruser, peersecret) =
        (a.opt("iscsi_target_auth_secret"), a.opt("iscsi_target_auth_peeruser"), a.opt("iscsi_target_auth_peersecret"));
    let disc = a.opt("iscsi_target_auth_discovery_auth");
    let mut global_discovery: Option<(AuthMethod, u32, String)> = None;
    for row in a.rows() {
        let id = u32::try_from(a.id(row)).unwrap_or(0);
        let t = a.u32(row, tag)?.unwrap_or(0);
        let sealed =
            SealedAuth { id, tag: t, secret: a.opt_text(row, secret)?, peersecret: a.opt_text(row, peersecret)? };
        // The model holds the ciphertext as a placeholder: never empty when
        // a secret exists, and two secrets compare equal only if copied.
        c.auths.push(Auth {
            id,
            tag: t,
            user: a.text(row, user)?,
            secret: Secret::new(sealed.secret.clone()),
            peeruser: a.opt_text(row, peeruser)?,
            peersecret: Secret::new(sealed.peersecret.clone()),
        });
        m.sealed.push(sealed);
        if let Some(col) = disc {
            let v = a.text(row, col)?;
            let meth = method(&v).ok_or_else(|| a.bad(row, col, "NONE, CHAP or CHAP_MUTUAL"))?;
            if meth != AuthMethod::None
                && global_discovery.as_ref().is_none_or(|(mm, _, _)| meth == AuthMethod::ChapMutual && *mm != meth)
            {
                global_discovery = Some((meth, t, a.label(row)));
            }
        }
    }

    // Portals and their addresses.
    let p = table(db, "services_iscsitargetportal")?;
    let ptag = p.need("iscsi_target_portal_tag")?;
    let pcomment = p.opt("iscsi_target_portal_comment");
    let (pmethod, pgroup) =
        (p.opt("iscsi_target_portal_discoveryauthmethod"), p.opt("iscsi_target_portal_discoveryauthgroup"));
    if pmethod.is_none() && disc.is_none() {
        return Err(MapError(
            "iSCSI discovery authentication: neither services_iscsitargetportal.iscsi_target_portal_discoveryauthmethod (24.04) nor services_iscsitargetauthcredential.iscsi_target_auth_discovery_auth (25.04+): a schema nasguard does not know".into(),
        ));
    }
    let ip = table(db, "services_iscsitargetportalip")?;
    let (ip_portal, ip_ip) = (ip.need("iscsi_target_portalip_portal_id")?, ip.need("iscsi_target_portalip_ip")?);
    let mut listen: HashMap<i64, Vec<PortalListen>> = HashMap::new();
    for row in ip.rows() {
        let Some(pid) = ip.int(row, ip_portal)? else { continue };
        let addr = ip.text(row, ip_ip)?;
        match PortalListen::parse(addr.trim()) {
            Ok(l) => listen.entry(pid).or_default().push(l),
            Err(_) => return Err(ip.bad(row, ip_ip, "an IP address")),
        }
    }
    let mut portals = vec![];
    let mut locs = vec![];
    for row in p.rows() {
        let id = u32::try_from(p.id(row)).unwrap_or(0);
        let object = format!("iscsi/portal/{id}");
        let mut portal = Portal {
            id,
            tag: p.u32(row, ptag)?.unwrap_or(id),
            comment: p.opt_text(row, pcomment)?,
            listen: listen.remove(&p.id(row)).unwrap_or_default(),
            discovery_authmethod: AuthMethod::None,
            discovery_authgroup: None,
        };
        if let Some(col) = pmethod {
            portal.discovery_authmethod =
                method(&p.text(row, col)?).ok_or_else(|| p.bad(row, col, "None, CHAP or CHAP Mutual"))?;
            portal.discovery_authgroup = pgroup.map(|g| p.u32(row, g)).transpose()?.flatten();
            locs.push((object, DbLoc::new(p.name, col.name, &p.label(row))));
        } else {
            match &global_discovery {
                Some((meth, tag, row)) => {
                    portal.discovery_authmethod = *meth;
                    portal.discovery_authgroup = Some(*tag);
                    locs.push((object, DbLoc::new(a.name, "iscsi_target_auth_discovery_auth", row)));
                }
                None => locs.push((object, DbLoc::new(a.name, "iscsi_target_auth_discovery_auth", ""))),
            }
        }
        portals.push(portal);
    }
    for (o, l) in locs {
        m.at(&o, "", l);
    }
    let c = &mut m.config.iscsi;
    c.portals = portals;

    // Initiator groups: `ALL` (or nothing) is everyone.
    let ig = table(db, "services_iscsitargetauthorizedinitiator")?;
    let (inits, icomment, inet) = (
        ig.need("iscsi_target_initiator_initiators")?,
        ig.opt("iscsi_target_initiator_comment"),
        ig.opt("iscsi_target_initiator_auth_network"),
    );
    let mut groups: HashMap<i64, (InitiatorGroup, String)> = HashMap::new();
    for row in ig.rows() {
        let text = ig.text(row, inits)?;
        let initiators: Vec<String> = text
            .split(|ch: char| ch.is_whitespace() || ch == ',')
            .filter(|w| !w.is_empty() && !w.eq_ignore_ascii_case("ALL"))
            .map(String::from)
            .collect();
        let mut nets = vec![];
        if let Some(col) = inet {
            for w in ig.words(row, col)? {
                if w.eq_ignore_ascii_case("ALL") {
                    continue;
                }
                nets.push(parse_net(&w).ok_or_else(|| ig.bad(row, col, "networks (CIDR) or ALL"))?);
            }
        }
        let id = u32::try_from(ig.id(row)).unwrap_or(0);
        let group = InitiatorGroup {
            id,
            comment: ig.opt_text(row, icomment)?,
            initiators,
            auth_network: nets,
            allow_everyone: true,
        };
        groups.insert(ig.id(row), (group, ig.label(row)));
    }

    // Targets: authorized networks are per target (since 22.12).
    let tt = table(db, "services_iscsitarget")?;
    let (tname, talias, tnets) =
        (tt.need("iscsi_target_name")?, tt.opt("iscsi_target_alias"), tt.opt("iscsi_target_auth_networks"));
    if tnets.is_none() && inet.is_none() {
        return Err(MapError("iSCSI authorized networks: neither services_iscsitarget.iscsi_target_auth_networks (22.12+) nor services_iscsitargetauthorizedinitiator.iscsi_target_initiator_auth_network: a schema nasguard does not know".into()));
    }
    let tg = table(db, "services_iscsitargetgroups")?;
    let (gt, gp, gi, ga, gag) = (
        tg.need("iscsi_target_id")?,
        tg.need("iscsi_target_portalgroup_id")?,
        tg.need("iscsi_target_initiatorgroup_id")?,
        tg.need("iscsi_target_authtype")?,
        tg.need("iscsi_target_authgroup")?,
    );
    let mut by_target: HashMap<i64, Vec<&[Value]>> = HashMap::new();
    for row in tg.rows() {
        if let Some(t) = tg.int(row, gt)? {
            by_target.entry(t).or_default().push(row);
        }
    }
    let mut next_group = groups.keys().copied().max().unwrap_or(0).max(0) as u32 + 1;
    let mut synthetic: HashMap<(Option<i64>, Vec<ipnet::IpNet>), u32> = HashMap::new();
    let mut model_groups: Vec<InitiatorGroup> = vec![];
    let mut used_plain: BTreeSet<i64> = BTreeSet::new();
    let mut targets = vec![];
    for row in tt.rows() {
        let id = u32::try_from(tt.id(row)).unwrap_or(0);
        let name = tt.text(row, tname)?;
        let object = format!("iscsi/target/{name}");
        let nets: Vec<ipnet::IpNet> = match tnets {
            Some(col) => {
                let mut v = vec![];
                for w in tt.json_list(row, col)? {
                    v.push(parse_net(&w).ok_or_else(|| tt.bad(row, col, "a JSON list of networks (CIDR)"))?);
                }
                v
            }
            None => vec![],
        };
        let mut tgroups = vec![];
        let mut any_open_initiators = false;
        let mut open_initiator_loc = None;
        for grow in by_target.get(&tt.id(row)).map(Vec::as_slice).unwrap_or_default() {
            let grl = tg.label(grow);
            let portal = tg.u32(grow, gp)?.unwrap_or(0);
            let igid = tg.int(grow, gi)?;
            let authmethod =
                method(&tg.text(grow, ga)?).ok_or_else(|| tg.bad(grow, ga, "None, CHAP or CHAP Mutual"))?;
            let auth = tg.u32(grow, gag)?;
            m.locations.insert((object.clone(), "ISCSI-002".into()), DbLoc::new(tg.name, ga.name, &grl));
            let base = igid.and_then(|i| groups.get(&i));
            if base.is_none_or(|(g, _)| g.initiators.is_empty()) {
                any_open_initiators = true;
                open_initiator_loc = Some(match base {
                    Some((_, l)) => DbLoc::new(ig.name, inits.name, l),
                    None => DbLoc::new(tg.name, gi.name, &grl),
                });
            }
            let initiator = match (base, nets.is_empty()) {
                (None, true) => None,
                (Some((g, _)), true) => {
                    if let Some(i) = igid
                        && used_plain.insert(i)
                    {
                        model_groups.push(g.clone());
                    }
                    Some(g.id)
                }
                (base, false) => {
                    let key = (igid, nets.clone());
                    let gid = *synthetic.entry(key).or_insert_with(|| {
                        let gid = next_group;
                        next_group += 1;
                        let mut g = base.map(|(g, _)| g.clone()).unwrap_or_default();
                        g.comment = format!(
                            "{}authorized networks of target {name}",
                            base.map(|(g, _)| format!("initiator group {} + ", g.id)).unwrap_or_default()
                        );
                        g.id = gid;
                        g.auth_network.extend(nets.iter().copied());
                        g.allow_everyone = true;
                        model_groups.push(g);
                        gid
                    });
                    Some(gid)
                }
            };
            tgroups.push(TargetGroup { portal, initiator, authmethod, auth });
        }
        if any_open_initiators && let Some(l) = open_initiator_loc {
            m.locations.insert((object.clone(), "ISCSI-005".into()), l);
        }
        let netloc = match tnets {
            Some(col) => DbLoc::new(tt.name, col.name, &name),
            None => DbLoc::new(ig.name, "iscsi_target_initiator_auth_network", ""),
        };
        m.locations.insert((object.clone(), "ISCSI-006".into()), netloc);
        m.locations.insert(
            (object.clone(), "".into()),
            DbLoc { table: tt.name.into(), column: None, row: Some(name.clone()) },
        );
        let alias = tt.opt_text(row, talias)?;
        targets.push(Target {
            id,
            name,
            alias: (!alias.is_empty()).then_some(alias),
            groups: tgroups,
            allow_everyone: true,
        });
    }
    // Initiator groups no target uses still come over (for an import).
    let mut rest: Vec<(i64, InitiatorGroup)> =
        groups.into_iter().filter(|(i, _)| !used_plain.contains(i)).map(|(i, (g, _))| (i, g)).collect();
    rest.sort_by_key(|(i, _)| *i);
    model_groups.extend(rest.into_iter().map(|(_, g)| g));
    model_groups.sort_by_key(|g| g.id);

    // Extents and their mappings.
    let x = table(db, "services_iscsitargetextent")?;
    let (xname, xtype, xpath) =
        (x.need("iscsi_target_extent_name")?, x.need("iscsi_target_extent_type")?, x.need("iscsi_target_extent_path")?);
    let mut extents = vec![];
    for row in x.rows() {
        let id = u32::try_from(x.id(row)).unwrap_or(0);
        let path = x.text(row, xpath)?;
        let kind = match x.text(row, xtype)?.to_uppercase().as_str() {
            "FILE" => ExtentType::File,
            "DISK" | "ZVOL" => ExtentType::Disk,
            _ => return Err(x.bad(row, xtype, "File or Disk")),
        };
        let size = x.opt_text(row, x.opt("iscsi_target_extent_filesize"))?;
        let mut e = Extent {
            id,
            name: x.text(row, xname)?,
            kind,
            serial: x.opt_text(row, x.opt("iscsi_target_extent_serial"))?,
            comment: x.opt_text(row, x.opt("iscsi_target_extent_comment"))?,
            filesize: size.trim().parse().unwrap_or(0),
            insecure_tpc: x.opt_bool(row, x.opt("iscsi_target_extent_insecure_tpc"), true)?,
            xen: x.opt_bool(row, x.opt("iscsi_target_extent_xen"), false)?,
            ro: x.opt_bool(row, x.opt("iscsi_target_extent_ro"), false)?,
            enabled: x.opt_bool(row, x.opt("iscsi_target_extent_enabled"), true)?,
            pblocksize: x.opt_bool(row, x.opt("iscsi_target_extent_pblocksize"), false)?,
            ..Default::default()
        };
        if let Some(col) = x.opt("iscsi_target_extent_blocksize")
            && let Some(b) = x.u32(row, col)?
        {
            e.blocksize = b;
        }
        let rpm = x.opt_text(row, x.opt("iscsi_target_extent_rpm"))?;
        if !rpm.is_empty() {
            e.rpm = rpm.to_uppercase();
        }
        match kind {
            // Datasets become paths: zvol/POOL/VOL is /dev/zvol/POOL/VOL.
            ExtentType::Disk => e.disk = Some(format!("/dev/{}", path.trim_start_matches("/dev/"))),
            ExtentType::File => e.path = path,
        }
        extents.push(e);
    }
    let te = table(db, "services_iscsitargettoextent")?;
    let (tex, tet, tel) = (te.need("iscsi_extent_id")?, te.need("iscsi_target_id")?, te.need("iscsi_lunid")?);
    let mut maps = vec![];
    for row in te.rows() {
        maps.push(TargetExtent {
            id: u32::try_from(te.id(row)).unwrap_or(0),
            target: te.u32(row, tet)?.unwrap_or(0),
            extent: te.u32(row, tex)?.unwrap_or(0),
            lunid: te.u32(row, tel)?.unwrap_or(0),
        });
    }
    let c = &mut m.config.iscsi;
    c.initiators = model_groups;
    c.targets = targets;
    c.extents = extents;
    c.targetextents = maps;
    Ok(())
}

fn parse_net(w: &str) -> Option<ipnet::IpNet> {
    w.parse::<ipnet::IpNet>().ok().or_else(|| w.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
}

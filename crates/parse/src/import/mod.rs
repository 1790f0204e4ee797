//! From parsed daemon configs to nasguard's model, remembering where each
//! setting was written, so the same rules judge a hand-written machine
//! (`audit --config-dir`) and the same model can be stored (`import`).
//!
//! Absent settings take the daemon's own default (OpenSSH 9.2's `sshd -T`,
//! Samba 4.17's `testparm -sv`), because the audit judges what the daemon
//! will do, not what the file spells out.

mod lio;

pub use lio::import_lio;

use crate::{Loc, exports, ganesha, smb, sshd, tgt};
use nasguard_model::iscsi::{
    Auth, AuthMethod, Extent, ExtentType, InitiatorGroup, Portal, PortalListen, Target, TargetExtent, TargetGroup,
};
use nasguard_model::keywords::nfs::{
    EXPORTS_ACCESS, EXPORTS_SQUASH, GANESHA_ACCESS, GANESHA_SQUASH, PROTOCOLS, SECURITY, Squash, read_list,
};
use nasguard_model::keywords::smb::{RAW_JUDGED, SMB_GLOBAL, SMB_SHARE, samba_bool};
use nasguard_model::keywords::sshd::{HARDENED, INTERACTIONS, SSHD};
use nasguard_model::keywords::{How, Meaning, meaning};
use nasguard_model::nfs::NfsShare;
use nasguard_model::smb::{SmbPurpose, SmbShare};
use nasguard_model::ssh_keywords::Keyword;
use nasguard_model::{Config, Secret};
use std::collections::BTreeMap;

/// Samba parameters judged from their raw value (rules SMB-003, -009, -010,
/// -013): imported as auxiliary lines with their effective value. Their
/// defaults are in `keywords::smb::RAW_JUDGED`.
pub const SMB_RAW_JUDGED: [&str; 4] = [RAW_JUDGED[0].0, RAW_JUDGED[1].0, RAW_JUDGED[2].0, RAW_JUDGED[3].0];

/// The result of an import.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub config: Config,
    /// `(object, field)` -> where it was set. Fields use the model's names
    /// (or the daemon's name for raw-judged ones).
    pub locations: BTreeMap<(String, String), Loc>,
    /// Settings that could not be mapped, each with where and why.
    pub unmapped: Vec<String>,
}

impl Imported {
    fn at(&mut self, object: &str, field: &str, loc: &Loc) {
        self.locations.insert((object.to_string(), field.to_string()), loc.clone());
    }

    fn note(&mut self, loc: &Loc, what: impl std::fmt::Display) {
        self.unmapped.push(format!("{}:{}: {what}", loc.file.display(), loc.line));
    }

    /// Where to point a finding: the field, else the object, else the file.
    pub fn locate(&self, object: &str, field: Option<&str>) -> Option<Loc> {
        if let Some(f) = field
            && let Some(l) = self.locations.get(&(object.to_string(), f.to_string()))
        {
            return Some(l.clone());
        }
        self.locations.get(&(object.to_string(), String::new())).cloned()
    }
}

/// A Samba boolean that reads as true.
fn yes(v: &str) -> bool {
    samba_bool(v) == Some(true)
}

/// sshd_config -> `Config::ssh`.
pub fn import_sshd(conf: &sshd::SshdConf, into: &mut Imported) {
    // The first value of a keyword, wherever the parser keeps it
    // (accumulating keywords such as Port are in `repeated`).
    let first = |k: &str| -> Option<&sshd::Param> {
        let k = k.to_lowercase();
        conf.global.get(&k).or_else(|| conf.repeated.get(&k).and_then(|v| v.first()))
    };
    let get = |k: &str| -> (String, Option<Loc>) {
        match first(k) {
            Some(p) => (p.value.clone(), Some(p.loc.clone())),
            None => (nasguard_model::keywords::sshd::sshd_default(k).unwrap_or_default().to_string(), None),
        }
    };
    let s = &mut into.config.ssh;
    let mut locs: Vec<(&str, Loc)> = vec![];
    let mut notes: Vec<(Loc, String)> = vec![];
    // The fields, as the sshd table maps them (absent: sshd's default).
    for row in SSHD.rows {
        let p = std::iter::once(&row.keyword).chain(row.synonyms).find_map(|k| first(k));
        if let Some(note) = row.import(SSHD.daemon, s, p.map(|p| p.value.as_str()))
            && let Some(p) = p
        {
            notes.push((p.loc.clone(), note));
        }
        if let Some(p) = p {
            locs.push((row.field, p.loc.clone()));
        }
    }
    // Keywords that change what sshd does with a field (DisableForwarding).
    for i in INTERACTIONS {
        let (v, l) = get(i.keyword);
        if let Some(row) = SSHD.field(i.field)
            && i.when.iter().any(|w| w.eq_ignore_ascii_case(&v))
        {
            let _ = row.value.read(s, i.then, How::Import { base: row.daemon_default().unwrap_or_default() });
            if let Some(l) = l {
                locs.push((row.field, l));
            }
        }
    }
    s.bindip = conf
        .repeated
        .get("listenaddress")
        .map(|v| v.iter().filter_map(|p| p.value.split(':').next().and_then(|a| a.parse().ok())).collect())
        .unwrap_or_default();
    s.weak_ciphers = vec![];
    // Effective values of the hardened keywords become explicit options,
    // so the rules judge sshd's default rather than nasguard's.
    let mut options = vec![];
    for h in HARDENED {
        let (v, l) = get(h.keyword);
        options.push(format!("{} {v}", h.keyword));
        if let Some(l) = l {
            locs.push((h.keyword, l));
        }
    }
    // Every other keyword sshd knows and nasguard does not own is kept as an
    // option with its effective value, whether or not nasguard would accept
    // it: the audit judges what sshd does (SSH-018 reports the dangerous
    // ones), and `import` keeps only what validation accepts, naming the rest.
    let mut option_locs: Vec<(String, Loc)> = vec![];
    let mut keywords: Vec<&String> = conf.global.keys().chain(conf.repeated.keys()).collect();
    keywords.sort();
    keywords.dedup();
    for kw in keywords {
        // ListenAddress became `bindip` above.
        if nasguard_model::keywords::sshd::judged(kw) || kw == "listenaddress" {
            continue;
        }
        let values: Vec<&sshd::Param> = match conf.repeated.get(kw) {
            Some(all) => all.iter().collect(),
            None => conf.global.get(kw).into_iter().collect(),
        };
        match nasguard_model::ssh_keywords::keyword(kw) {
            None => {
                for p in values {
                    notes.push((p.loc.clone(), format!("{kw} {} (not an sshd keyword nasguard knows)", p.value)));
                }
            }
            Some(Keyword::Owned(by)) => {
                for p in values {
                    notes.push((p.loc.clone(), format!("{kw} {} (managed by nasguard: {by})", p.value)));
                }
            }
            Some(_) if values.len() > 1 && !nasguard_model::ssh_keywords::REPEATABLE.contains(&kw.as_str()) => {
                // Lines that add to one list (AllowUsers a / AllowUsers b):
                // one option, as sshd reads them.
                let joined: Vec<&str> = values.iter().map(|p| p.value.as_str()).collect();
                options.push(format!("{kw} {}", joined.join(" ")));
                option_locs.extend(values.first().map(|p| (kw.clone(), p.loc.clone())));
            }
            Some(_) => {
                for p in values {
                    options.push(format!("{kw} {}", p.value));
                    option_locs.push((kw.clone(), p.loc.clone()));
                }
            }
        }
    }
    // Keywords inside Match blocks that endanger the host count too.
    for m in &conf.matches {
        for (kw, p) in &m.params {
            if nasguard_model::ssh_keywords::danger(kw, &p.value).is_some_and(|d| d.is_host_risk()) {
                options.push(format!("{kw} {}", p.value));
                option_locs.push((kw.clone(), p.loc.clone()));
            }
        }
    }
    s.options = options.join("\n");
    // Match blocks: the audit takes the worst case of what they loosen
    // (the rows that say which value is the worst).
    for m in &conf.matches {
        for (kw, p) in &m.params {
            let loosened = SSHD.row(kw).and_then(|row| {
                let worst = row.match_worst?;
                let mut probe = s.clone();
                let how = How::Import { base: row.daemon_default().unwrap_or_default() };
                row.value.read(&mut probe, &p.value, how).ok()?;
                (row.value.shown(&probe) == worst).then_some((row.field, probe))
            });
            match loosened {
                Some((field, probe)) => {
                    *s = probe;
                    locs.push((field, p.loc.clone()));
                }
                None => {
                    notes.push((p.loc.clone(), format!("{kw} {} inside Match {} (not imported)", p.value, m.criteria)))
                }
            }
        }
    }
    for (f, l) in locs {
        into.at("ssh", f, &l);
    }
    for (f, l) in option_locs.into_iter().rev() {
        // The first line of a keyword is the one to point at.
        into.at("ssh", &f, &l);
    }
    for (l, m) in notes {
        into.note(&l, m);
    }
}

/// smb.conf -> `Config::smb` and `smb_shares`.
pub fn import_smb(conf: &smb::SmbConf, into: &mut Imported) {
    let mut locs: Vec<(String, Loc)> = vec![];
    let mut notes: Vec<(Loc, String)> = vec![];
    let svc = &mut into.config.smb;
    // The fields, as the Samba table maps them (absent: Samba's default).
    // The parser has resolved synonyms already.
    for row in SMB_GLOBAL.rows {
        let p = conf.global(row.keyword);
        if let Some(note) = row.import(SMB_GLOBAL.daemon, svc, p.map(|p| p.value.as_str()))
            && let Some(p) = p
        {
            notes.push((p.loc.clone(), note));
        }
        if let Some(p) = p {
            locs.push((row.field.to_string(), p.loc.clone()));
        }
    }
    let vfs = conf.global("vfs objects").map(|p| p.value.clone()).unwrap_or_default();
    svc.aapl_extensions =
        vfs.split_whitespace().any(|v| v == "fruit") || conf.global("fruit:aapl").is_some_and(|p| yes(&p.value));
    svc.bindip = conf
        .global("interfaces")
        .map(|p| p.value.split([' ', ',']).filter_map(|i| i.split('/').next().and_then(|a| a.parse().ok())).collect())
        .unwrap_or_default();
    // Raw-judged parameters with their effective value, then every other
    // global line the model accepts as auxiliary.
    let mut aux = vec![];
    for (key, default) in RAW_JUDGED {
        match conf.global(key) {
            Some(p) => {
                aux.push(format!("{key} = {}", p.value));
                locs.push((key.to_string(), p.loc.clone()));
            }
            None => aux.push(format!("{key} = {default}")),
        }
    }
    // Every other global line is kept with its value, accepted by nasguard
    // or not: the audit judges what smbd does (SMB-012 reads `force user`,
    // `admin users`...), and `import` keeps only what validation accepts,
    // naming the rest.
    for (key, p) in &conf.global.params {
        if SMB_GLOBAL.row(key).is_some() || SMB_RAW_JUDGED.contains(&key.as_str()) {
            continue;
        }
        aux.push(format!("{key} = {}", p.value));
        locs.push((key.to_string(), p.loc.clone()));
    }
    into.config.smb.smb_options = aux.join("\n");
    for (f, l) in locs {
        into.at("smb", &f, &l);
    }
    for (l, m) in notes {
        into.note(&l, m);
    }
    for sec in &conf.shares {
        let p = |k: &str| sec.params.get(k);
        let printable = p("printable").is_some_and(|v| yes(&v.value));
        if printable || sec.name.eq_ignore_ascii_case("print$") {
            continue;
        }
        // [homes] is judged like any share (its `force user`, `guest ok`,
        // `hosts allow` apply to every user's home share); `import` leaves
        // it behind, named (per-user home shares are not modelled).
        if sec.name.eq_ignore_ascii_case("homes")
            && let Some(l) = &sec.loc
        {
            into.note(l, "[homes] (per-user home shares are not modelled; not imported)");
        }
        let mut share = SmbShare {
            id: into.config.smb_shares.len() as u32 + 1,
            name: sec.name.clone(),
            purpose: SmbPurpose::NoPreset,
            auxsmbconf: share_aux(sec, conf),
            ..Default::default()
        };
        let object = format!("smb/share/{}", share.name);
        if let Some(l) = &sec.loc {
            into.at(&object, "", l);
        }
        // The fields, as the Samba table maps them (absent: Samba's default).
        for row in SMB_SHARE.rows {
            let written = p(row.keyword);
            if let Some(note) = row.import(SMB_SHARE.daemon, &mut share, written.map(|p| p.value.as_str()))
                && let Some(w) = written
            {
                into.note(&w.loc, format!("[{}] {note}", sec.name));
            }
            if let Some(w) = written {
                into.at(&object, row.field, &w.loc);
            }
        }
        for (k, v) in sec.params.iter().filter(|(k, _)| SMB_SHARE.row(k).is_none()) {
            into.at(&object, k, &v.loc);
        }
        into.config.smb_shares.push(share);
    }
}

/// A share's other lines with their values, whether nasguard accepts them
/// or not (see the global lines), plus its effective `invalid users` (the
/// share's, else the global default, else empty) so SMB-012 can judge it.
fn share_aux(sec: &smb::Section, conf: &smb::SmbConf) -> String {
    let mut lines: Vec<String> = sec
        .params
        .iter()
        .filter(|(k, _)| SMB_SHARE.row(k).is_none() && k.as_str() != "invalid users")
        .map(|(k, v)| format!("{k} = {}", v.value))
        .collect();
    let invalid = sec.params.get("invalid users").or_else(|| conf.global("invalid users"));
    lines.push(format!("invalid users = {}", invalid.map(|p| p.value.as_str()).unwrap_or_default()));
    lines.join("\n")
}

/// Squashed users become the anonymous uid/gid: with uid 0 (or gid 0)
/// they become root, as `no_root_squash` (or `all_squash` to root) says.
fn anonymous_ids(share: &mut NfsShare, all: bool, uid0: bool, gid0: bool) {
    if all {
        if uid0 || gid0 {
            share.mapall_user = Some(if uid0 { "root" } else { "nobody" }.into());
            share.mapall_group = gid0.then(|| "root".into());
        }
    } else if share.maproot_user.is_none() && (uid0 || gid0) {
        share.maproot_user = Some(if uid0 { "root" } else { "nobody" }.into());
        share.maproot_group = gid0.then(|| "root".into());
    }
    if share.mapall_user.is_some() {
        share.maproot_user = None;
        share.maproot_group = None;
    }
}

fn add_client(share: &mut NfsShare, host: &str) {
    if host == "*" {
        share.allow_everyone = true;
        return;
    }
    let net =
        host.parse::<ipnet::IpNet>().ok().or_else(|| host.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from));
    match net {
        Some(n) => share.networks.push(n),
        None => share.hosts.push(host.to_string()),
    }
}

fn finish_nfs_share(mut share: NfsShare, loc: &Loc, into: &mut Imported) {
    // `0.0.0.0/0`, halves that add up to it, `*.*`...: every host, as `*` is.
    if let Some(why) = share.admits_everyone() {
        into.note(loc, format!("export {}: {why}: imported as open to everyone (NFS-001)", share.path));
        share.allow_everyone = true;
    }
    if share.allow_everyone {
        share.networks.clear();
        share.hosts.clear();
    }
    share.id = into.config.nfs_shares.len() as u32 + 1;
    into.at(&format!("nfs/share/{}", share.id), "", loc);
    into.config.nfs_shares.push(share);
}

/// exports(5) lines -> `nfs_shares`. Options that differ per client are
/// merged to the most permissive (the model has one set per share).
pub fn import_exports(e: &exports::Exports, into: &mut Imported) {
    for x in &e.exports {
        let mut share = NfsShare { path: x.path.clone(), ro: true, ..Default::default() };
        let (mut anon_root, mut anon_root_group, mut all) = (false, false, false);
        for c in &x.clients {
            add_client(&mut share, &c.host);
            for o in &c.options {
                // The most permissive client decides (one set per share).
                if meaning(EXPORTS_ACCESS, o) == Some(Meaning::Exact(false)) {
                    share.ro = false;
                }
                match meaning(EXPORTS_SQUASH, o) {
                    Some(Meaning::Exact(Squash::NoRoot)) => share.maproot_user = Some("root".into()),
                    Some(Meaning::Exact(Squash::All)) => all = true,
                    _ => {}
                }
                match o.as_str() {
                    "insecure" => {
                        into.config.nfs.allow_nonroot = true;
                        into.at("nfs", "allow_nonroot", &x.loc);
                    }
                    o if o.strip_prefix("anonuid=").and_then(|v| v.parse::<u32>().ok()) == Some(0) => {
                        anon_root = true;
                    }
                    o if o.strip_prefix("anongid=").and_then(|v| v.parse::<u32>().ok()) == Some(0) => {
                        anon_root_group = true;
                    }
                    o => {
                        if let Some(flavours) = o.strip_prefix("sec=") {
                            share.security = read_list(SECURITY, flavours.split(':'));
                        }
                    }
                }
            }
        }
        // The anonymous ids: whom squashed users become (everyone under
        // all_squash, root otherwise). uid/gid 0 however written is root.
        anonymous_ids(&mut share, all, anon_root, anon_root_group);
        finish_nfs_share(share, &x.loc, into);
    }
}

/// ganesha.conf EXPORT blocks and core parameters -> NFS model.
pub fn import_ganesha(top: &ganesha::Block, into: &mut Imported) {
    if let Some(core) = top.children("NFS_CORE_PARAM").next() {
        if let Some(p) = core.get("Protocols") {
            let protos = read_list(PROTOCOLS, p.split(','));
            if !protos.is_empty() {
                into.config.nfs.protocols = protos;
            }
        }
        if let Some(ip) = core.get("Bind_addr").and_then(|a| a.parse().ok()) {
            into.config.nfs.bindip = vec![ip];
        }
    }
    // Each export permission comes from the CLIENT block, else the EXPORT,
    // else EXPORT_DEFAULTS (Ganesha's order); the most permissive client
    // decides (one set per share).
    let defaults: Vec<&ganesha::Block> = top.children("EXPORT_DEFAULTS").collect();
    let default_of = |key: &str| defaults.iter().rev().find_map(|d| d.get(key));
    for e in top.children("EXPORT") {
        let loc = e.loc.clone().unwrap_or(Loc { file: "ganesha.conf".into(), line: 0 });
        let path = e.get("Path").unwrap_or("").to_string();
        let mut share = NfsShare { path, ro: true, ..Default::default() };
        let rw = |v: Option<&str>| v.and_then(|a| meaning(GANESHA_ACCESS, a)) == Some(Meaning::Exact(false));
        let export_of = |key: &str| e.get(key).or_else(|| default_of(key));
        // (squash, anonymous uid 0, anonymous gid 0) of one block.
        let zero = |v: Option<&str>| v.and_then(|v| v.trim().parse::<i64>().ok()) == Some(0);
        let mut mappings = vec![];
        let mut clients = 0;
        for c in e.children("CLIENT") {
            for host in c.get("Clients").unwrap_or("").split(',').map(str::trim).filter(|h| !h.is_empty()) {
                add_client(&mut share, host);
                clients += 1;
            }
            let of = |key: &str| c.get(key).or_else(|| export_of(key));
            if rw(of("Access_Type")) {
                share.ro = false;
            }
            mappings.push((
                of("Squash").and_then(|v| meaning(GANESHA_SQUASH, v)),
                zero(of("Anonymous_Uid")),
                zero(of("Anonymous_Gid")),
            ));
        }
        let top_access = export_of("Access_Type");
        if clients == 0 && top_access.is_some_and(|a| !a.eq_ignore_ascii_case("None")) {
            share.allow_everyone = true;
        }
        if rw(top_access) {
            share.ro = false;
        }
        mappings.push((
            export_of("Squash").and_then(|v| meaning(GANESHA_SQUASH, v)),
            zero(export_of("Anonymous_Uid")),
            zero(export_of("Anonymous_Gid")),
        ));
        if mappings.iter().any(|(sq, _, _)| *sq == Some(Meaning::Exact(Squash::NoRoot))) {
            share.maproot_user = Some("root".into());
        }
        for (squash, uid0, gid0) in mappings {
            let all = matches!(squash, Some(Meaning::Exact(Squash::All)));
            anonymous_ids(&mut share, all, uid0, gid0);
        }
        if let Some(flavours) = export_of("SecType") {
            share.security = read_list(SECURITY, flavours.split(','));
        }
        // Ganesha's default is false, and its booleans are also no/off/0:
        // only a true value keeps unprivileged ports out.
        let privileged = export_of("PrivilegedPort")
            .is_some_and(|v| ["true", "yes", "on", "1"].iter().any(|t| v.trim().eq_ignore_ascii_case(t)));
        if !privileged {
            into.config.nfs.allow_nonroot = true;
            into.at("nfs", "allow_nonroot", &loc);
        }
        finish_nfs_share(share, &loc, into);
    }
}

/// targets.conf -> iSCSI model: one portal (tgt's are global), one auth
/// group and one initiator group per target.
pub fn import_tgt(conf: &tgt::TgtConf, into: &mut Imported) {
    let c = &mut into.config.iscsi;
    let mut disc_users: Vec<(String, String)> = vec![];
    let mut disc_loc = None;
    for g in &conf.globals {
        if g.key == "incomingdiscoveryuser" {
            let mut w = g.value.split_whitespace();
            if let (Some(u), Some(s)) = (w.next(), w.next()) {
                disc_users.push((u.into(), s.into()));
                disc_loc = Some(g.loc.clone());
            }
        }
    }
    let mut next_tag = 1;
    let disc_tag = if disc_users.is_empty() {
        None
    } else {
        for (u, s) in &disc_users {
            c.auths.push(Auth {
                id: c.auths.len() as u32 + 1,
                tag: next_tag,
                user: u.clone(),
                secret: Secret::new(s.clone()),
                ..Default::default()
            });
        }
        next_tag += 1;
        Some(next_tag - 1)
    };
    c.portals.push(Portal {
        id: 1,
        tag: 1,
        listen: vec![PortalListen { ip: std::net::IpAddr::from([0, 0, 0, 0]), port: None }],
        discovery_authmethod: if disc_tag.is_some() { AuthMethod::Chap } else { AuthMethod::None },
        discovery_authgroup: disc_tag,
        ..Default::default()
    });
    let mut locs = vec![];
    if let Some(l) = disc_loc.or_else(|| conf.globals.first().map(|g| g.loc.clone())) {
        locs.push(("iscsi/portal/1".to_string(), l));
    }
    for t in &conf.targets {
        let tid = c.targets.len() as u32 + 1;
        let users: Vec<(String, String)> = t
            .all("incominguser")
            .filter_map(|d| {
                let mut w = d.value.split_whitespace();
                Some((w.next()?.to_string(), w.next()?.to_string()))
            })
            .collect();
        let peer = t.all("outgoinguser").find_map(|d| {
            let mut w = d.value.split_whitespace();
            Some((w.next()?.to_string(), w.next()?.to_string()))
        });
        let auth = if users.is_empty() {
            None
        } else {
            for (i, (u, s)) in users.iter().enumerate() {
                let (pu, ps) = if i == 0 { peer.clone().unwrap_or_default() } else { Default::default() };
                c.auths.push(Auth {
                    id: c.auths.len() as u32 + 1,
                    tag: next_tag,
                    user: u.clone(),
                    secret: Secret::new(s.clone()),
                    peeruser: pu,
                    peersecret: Secret::new(ps),
                });
            }
            next_tag += 1;
            Some(next_tag - 1)
        };
        let addresses: Vec<String> = t.all("initiator-address").map(|d| d.value.clone()).collect();
        let all = addresses.is_empty() || addresses.iter().any(|a| a.eq_ignore_ascii_case("ALL"));
        let group = InitiatorGroup {
            id: tid,
            initiators: t.all("initiator-name").map(|d| d.value.clone()).collect(),
            auth_network: if all {
                vec![]
            } else {
                addresses
                    .iter()
                    .filter_map(|a| {
                        a.parse::<ipnet::IpNet>()
                            .ok()
                            .or_else(|| a.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
                    })
                    .collect()
            },
            allow_everyone: true,
            comment: String::new(),
        };
        c.initiators.push(group);
        c.targets.push(Target {
            id: tid,
            name: t.name.clone(),
            alias: None,
            groups: vec![TargetGroup {
                portal: 1,
                initiator: Some(tid),
                authmethod: match (&auth, &peer) {
                    (None, _) => AuthMethod::None,
                    (Some(_), Some(_)) => AuthMethod::ChapMutual,
                    (Some(_), None) => AuthMethod::Chap,
                },
                auth,
            }],
            allow_everyone: true,
        });
        locs.push((format!("iscsi/target/{}", t.name), t.loc.clone()));
        for (lun, st) in t.stores.iter().enumerate() {
            let xid = c.extents.len() as u32 + 1;
            c.extents.push(Extent {
                id: xid,
                name: format!("{}-lun{}", t.name, lun + 1),
                kind: ExtentType::File,
                path: st.path.clone(),
                ..Default::default()
            });
            c.targetextents.push(TargetExtent { id: xid, target: tid, extent: xid, lunid: lun as u32 });
        }
    }
    for (o, l) in locs {
        into.at(&o, "", &l);
    }
}

#[cfg(test)]
mod tests;

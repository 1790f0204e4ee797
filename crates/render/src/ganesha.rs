//! ganesha.conf: one EXPORT block per enabled NFS share.
//!
//! Ganesha never refuses a config (it logs and runs with defaults), so this
//! output is also checked by nasguard's own parser before it is used.

use crate::{Ids, Layout, RenderError, Writer};
use nasguard_model::Config;
use nasguard_model::keywords::nfs::{GANESHA_ACCESS, GANESHA_SQUASH, PROTOCOLS, SECURITY, Squash, write_list};
use nasguard_model::keywords::spelling;
use nasguard_model::nfs::{NfsProtocol, NfsSecurity, NfsShare};

/// `Protocols`: v3 before v4, whatever order the model lists them in.
pub(crate) fn protocols(cfg: &Config) -> String {
    let p: Vec<NfsProtocol> =
        [NfsProtocol::Nfsv3, NfsProtocol::Nfsv4].into_iter().filter(|p| cfg.nfs.protocols.contains(p)).collect();
    write_list(PROTOCOLS, &p).join(", ")
}

pub(crate) fn sec_types(share: &NfsShare, cfg: &Config) -> Vec<&'static str> {
    let list = if share.security.is_empty() {
        if cfg.nfs.v4_krb {
            vec![NfsSecurity::Krb5, NfsSecurity::Krb5i, NfsSecurity::Krb5p]
        } else {
            vec![NfsSecurity::Sys]
        }
    } else {
        share.security.clone()
    };
    write_list(SECURITY, &list)
}

/// How client users map: `(squash, anon uid, anon gid)`.
pub(crate) fn squash(share: &NfsShare, ids: &Ids) -> Result<(Squash, Option<u32>, Option<u32>), RenderError> {
    let uid = |name: &str| {
        ids.users.get(name).copied().ok_or_else(|| RenderError::UnknownUser { share: share.id, name: name.into() })
    };
    let gid = |name: &str| {
        ids.groups.get(name).copied().ok_or_else(|| RenderError::UnknownGroup { share: share.id, name: name.into() })
    };
    if let Some(user) = &share.mapall_user {
        let g = share.mapall_group.as_deref().map(gid).transpose()?;
        return Ok((Squash::All, Some(uid(user)?), g));
    }
    match &share.maproot_user {
        Some(user) if user == "root" => Ok((Squash::NoRoot, None, None)),
        Some(user) => {
            let g = share.maproot_group.as_deref().map(gid).transpose()?;
            Ok((Squash::Root, Some(uid(user)?), g))
        }
        None => Ok((Squash::Root, None, None)),
    }
}

pub fn render(cfg: &Config, layout: &Layout, ids: &Ids) -> Result<String, RenderError> {
    let mut w = Writer::new('#', "nasguard config set nfs ... / nasguard share nfs ...");
    let n = &cfg.nfs;
    w.line("NFS_CORE_PARAM {");
    let bind =
        if layout.is_sandbox() { Some(layout.bind.to_string()) } else { n.bindip.first().map(ToString::to_string) };
    if let Some(ip) = bind {
        w.line(&format!("    Bind_addr = {ip};"));
    }
    let ports = layout.ports;
    let (nfs, mountd) =
        if layout.is_sandbox() { (ports.nfs, ports.mountd) } else { (2049, n.mountd_port.unwrap_or(ports.mountd)) };
    w.line(&format!("    NFS_Port = {nfs};"));
    w.line(&format!("    MNT_Port = {mountd};"));
    let nlm = if layout.is_sandbox() { ports.nlm } else { n.rpclockd_port.unwrap_or(ports.nlm) };
    w.line(&format!("    NLM_Port = {nlm};"));
    w.line(&format!("    Rquota_Port = {};", ports.rquota));
    w.line("    Enable_NLM = false;");
    w.line("    Enable_RQUOTA = false;");
    w.line(&format!("    Protocols = {};", protocols(cfg)));
    w.line("}");
    w.line("NFSv4 {");
    w.line("    Graceless = true;");
    if layout.is_sandbox() {
        w.line("    RecoveryBackend = fs;");
        w.line(&format!("    RecoveryRoot = \"{}\";", layout.ganesha_dir().join("recov").display()));
    }
    if !n.v4_domain.is_empty() {
        w.line(&format!("    DomainName = \"{}\";", n.v4_domain));
    }
    w.line("}");
    w.line("NFS_KRB5 {");
    w.line(&format!("    Active_krb5 = {};", n.v4_krb));
    w.line("}");
    for share in cfg.nfs_shares.iter().filter(|s| s.enabled) {
        let (squash, uid, gid) = squash(share, ids)?;
        let squash = spelling(GANESHA_SQUASH, squash).unwrap_or_default();
        let access = spelling(GANESHA_ACCESS, share.ro).unwrap_or_default();
        w.blank();
        w.line("EXPORT {");
        w.line(&format!("    Export_Id = {};", share.id));
        w.line(&format!("    Path = \"{}\";", share.path));
        w.line(&format!("    Pseudo = \"{}\";", share.path));
        w.line(&format!("    Protocols = {};", protocols(cfg)));
        w.line("    Transports = TCP;");
        w.line(&format!("    SecType = {};", sec_types(share, cfg).join(", ")));
        w.line(&format!("    Squash = {squash};"));
        if let Some(uid) = uid {
            w.line(&format!("    Anonymous_Uid = {uid};"));
        }
        if let Some(gid) = gid {
            w.line(&format!("    Anonymous_Gid = {gid};"));
        }
        w.line(&format!("    PrivilegedPort = {};", !n.allow_nonroot));
        w.line("    FSAL { Name = VFS; }");
        if share.open_to_everyone() {
            w.line(&format!("    Access_Type = {access};"));
        } else {
            w.line("    Access_Type = None;");
            let clients: Vec<String> =
                share.networks.iter().map(ToString::to_string).chain(share.hosts.iter().cloned()).collect();
            w.line("    CLIENT {");
            w.line(&format!("        Clients = {};", clients.join(", ")));
            w.line(&format!("        Access_Type = {access};"));
            w.line("    }");
        }
        w.line("}");
    }
    Ok(w.finish())
}

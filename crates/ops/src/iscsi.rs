//! iSCSI operations: the wizard (portal, auth group, initiator group,
//! target, extent and mapping in one transaction, plus the extent's sparse
//! file) and the per-object commands.

use crate::{Changed, Nasguard, OpsError, Result};
use nasguard_model::fields::Edit;
use nasguard_model::iscsi::{
    Auth, AuthMethod, Extent, ExtentType, InitiatorGroup, IscsiConfig, Portal, PortalListen, Target, TargetExtent,
    TargetGroup,
};
use nasguard_model::iscsi_kind::{IscsiKind, IscsiObject, IscsiObjects};
use nasguard_model::{Config, Secret, ValidationError, ValidationErrors, next_id, with_iscsi_kind};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What the wizard asks for (TrueNAS's wizard steps: target, extent,
/// portal with discovery auth, initiators and networks).
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct WizardInput {
    pub name: String,
    pub alias: Option<String>,
    pub extent_file: String,
    /// Bytes.
    pub size: u64,
    pub blocksize: u32,
    /// `IP` or `IP:PORT`.
    pub portal: Vec<String>,
    pub discovery_auth: AuthMethod,
    pub chap_user: Option<String>,
    pub chap_secret: Option<Secret>,
    pub peer_user: Option<String>,
    pub peer_secret: Option<Secret>,
    pub initiators: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub networks: Vec<ipnet::IpNet>,
    pub allow_everyone: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WizardResult {
    pub target: u32,
    pub iqn: String,
    pub portal: u32,
    pub auth_tag: Option<u32>,
    pub initiator: u32,
    pub extent: u32,
    pub targetextent: u32,
}

fn invalid(object: &str, field: &str, message: impl Into<String>) -> OpsError {
    OpsError::Invalid(ValidationErrors::single(object, field, message))
}

/// The wizard's model change; pure, so it can be tried before the file is made.
fn wizard_change(cfg: &mut Config, input: &WizardInput) -> Result<WizardResult> {
    let c = &mut cfg.iscsi;
    let chap = match (&input.chap_user, &input.chap_secret) {
        (Some(u), Some(s)) => Some((u.clone(), s.clone())),
        (None, None) => None,
        (Some(_), None) => {
            return Err(invalid(
                "iscsi wizard",
                "chap_secret",
                "a CHAP user needs a CHAP secret (chap_secret, CLI: --chap-secret)",
            ));
        }
        (None, Some(_)) => {
            return Err(invalid(
                "iscsi wizard",
                "chap_user",
                "a CHAP secret needs a CHAP user (chap_user, CLI: --chap-user)",
            ));
        }
    };
    let mutual = input.peer_user.is_some() || input.peer_secret.is_some();
    if input.discovery_auth != AuthMethod::None && chap.is_none() {
        return Err(invalid(
            "iscsi wizard",
            "chap_user",
            "discovery authentication (the default, CHAP) needs chap_user and chap_secret (CLI: --chap-user, --chap-secret); choose discovery auth NONE to go without (the audit flags it as ISCSI-001)",
        ));
    }
    if input.discovery_auth == AuthMethod::ChapMutual && !mutual {
        return Err(invalid(
            "iscsi wizard",
            "peer_user",
            "mutual CHAP needs peer_user and peer_secret (CLI: --peer-user, --peer-secret)",
        ));
    }
    let auth_tag = match chap {
        None => None,
        Some((user, secret)) => {
            let tag = c.auths.iter().map(|a| a.tag).max().unwrap_or(0) + 1;
            c.auths.push(Auth {
                id: next_id(&c.auths, |a| a.id),
                tag,
                user,
                secret,
                peeruser: input.peer_user.clone().unwrap_or_default(),
                peersecret: input.peer_secret.clone().unwrap_or_default(),
            });
            Some(tag)
        }
    };
    let listen: Vec<PortalListen> = input
        .portal
        .iter()
        .map(|p| PortalListen::parse(p).map_err(|m| invalid("iscsi portal", "listen", m)))
        .collect::<Result<_>>()?;
    let portal = Portal {
        id: next_id(&c.portals, |p| p.id),
        tag: c.portals.iter().map(|p| p.tag).max().unwrap_or(0) + 1,
        comment: format!("created by the wizard for {}", input.name),
        listen,
        discovery_authmethod: input.discovery_auth,
        discovery_authgroup: if input.discovery_auth == AuthMethod::None { None } else { auth_tag },
    };
    let portal_id = portal.id;
    c.portals.push(portal);
    let group = InitiatorGroup {
        id: next_id(&c.initiators, |g| g.id),
        comment: format!("initiators of {}", input.name),
        initiators: input.initiators.clone(),
        auth_network: input.networks.clone(),
        allow_everyone: input.allow_everyone,
    };
    let initiator = group.id;
    c.initiators.push(group);
    let authmethod = match auth_tag {
        None => AuthMethod::None,
        Some(_) if mutual => AuthMethod::ChapMutual,
        Some(_) => AuthMethod::Chap,
    };
    let target = Target {
        id: next_id(&c.targets, |t| t.id),
        name: input.name.clone(),
        alias: input.alias.clone(),
        groups: vec![TargetGroup { portal: portal_id, initiator: Some(initiator), authmethod, auth: auth_tag }],
        allow_everyone: input.allow_everyone,
    };
    let target_id = target.id;
    let iqn = c.target_iqn(&target);
    c.targets.push(target);
    let extent = Extent {
        id: next_id(&c.extents, |x| x.id),
        name: input.name.clone(),
        kind: ExtentType::File,
        path: input.extent_file.clone(),
        filesize: input.size,
        blocksize: if input.blocksize == 0 { 512 } else { input.blocksize },
        ..Default::default()
    };
    let extent_id = extent.id;
    c.extents.push(extent);
    let mapping =
        TargetExtent { id: next_id(&c.targetextents, |m| m.id), target: target_id, extent: extent_id, lunid: 0 };
    let targetextent = mapping.id;
    c.targetextents.push(mapping);
    Ok(WizardResult { target: target_id, iqn, portal: portal_id, auth_tag, initiator, extent: extent_id, targetextent })
}

impl Nasguard {
    /// The wizard: all objects in one transaction, and the extent's sparse
    /// file, or nothing at all.
    /// With no portal given, the portal listens where the deployment binds.
    pub fn iscsi_wizard(&mut self, input: &WizardInput) -> Result<Changed<WizardResult>> {
        let mut input = input.clone();
        if input.portal.is_empty() {
            input.portal = vec![self.store().deployment()?.bind().to_string()];
        }
        let input = &input;
        if input.size == 0 {
            return Err(invalid("iscsi wizard", "size", "must be more than 0"));
        }
        // Validate the whole change before touching the filesystem.
        self.iscsi_wizard_check(input)?;
        let path = PathBuf::from(&input.extent_file);
        create_sparse(&path, input.size)?;
        let result = self.change(&format!("iscsi wizard {}", input.name), |cfg| wizard_change(cfg, input));
        if result.is_err() {
            // All or nothing: the file is ours, made a moment ago.
            let _ = std::fs::remove_file(&path);
        }
        result
    }

    /// What the wizard would create, without creating it (the UI's review
    /// step): every validation error the real run would give.
    pub fn iscsi_wizard_check(&self, input: &WizardInput) -> Result<WizardResult> {
        if input.size == 0 {
            return Err(invalid("iscsi wizard", "size", "must be more than 0"));
        }
        let mut input = input.clone();
        if input.portal.is_empty() {
            input.portal = vec![self.store().deployment()?.bind().to_string()];
        }
        let mut probe = self.snapshot()?.config;
        let result = wizard_change(&mut probe, &input)?;
        probe.normalize();
        probe.validate()?;
        if std::path::Path::new(&input.extent_file).exists() {
            return Err(invalid("iscsi wizard", "extent_file", "exists already; the wizard never overwrites a file"));
        }
        Ok(result)
    }

    pub fn iscsi_list(&self, kind: IscsiKind) -> Result<IscsiObjects> {
        Ok(self.snapshot()?.config.iscsi.objects(kind))
    }

    /// One object, as JSON (secrets masked), or NotFound.
    pub fn iscsi_show(&self, kind: IscsiKind, id: u32) -> Result<serde_json::Value> {
        let cfg = self.snapshot()?.config;
        with_iscsi_kind!(kind, T => {
            let item = T::all(&cfg.iscsi)
                .iter()
                .find(|x| x.id() == id)
                .ok_or_else(|| OpsError::NotFound(format!("no {} {id}", T::KIND.object())))?;
            serde_json::to_value(item).map_err(|e| OpsError::Internal(e.to_string()))
        })
    }

    pub fn iscsi_add<'e>(&mut self, kind: IscsiKind, edit: impl Into<Edit<'e>>) -> Result<Changed<u32>> {
        let edit = edit.into();
        self.change(&format!("iscsi {kind} add"), |cfg| with_iscsi_kind!(kind, T => add::<T>(&mut cfg.iscsi, edit)))
    }

    pub fn iscsi_set<'e>(&mut self, kind: IscsiKind, id: u32, edit: impl Into<Edit<'e>>) -> Result<Changed<()>> {
        let edit = edit.into();
        self.change(
            &format!("iscsi {kind} set {id}"),
            |cfg| with_iscsi_kind!(kind, T => set::<T>(&mut cfg.iscsi, id, edit)),
        )
    }

    pub fn iscsi_rm(&mut self, kind: IscsiKind, id: u32) -> Result<Changed<()>> {
        self.change(&format!("iscsi {kind} rm {id}"), |cfg| with_iscsi_kind!(kind, T => rm::<T>(&mut cfg.iscsi, id)))
    }
}

fn add<T: IscsiObject>(c: &mut IscsiConfig, edit: Edit) -> Result<u32> {
    let mut item = T::default();
    edit.apply(&mut item, T::KIND.object())?;
    let id = next_id(T::all(c), T::id);
    item.set_id(id);
    T::all_mut(c).push(item);
    Ok(id)
}

fn set<T: IscsiObject>(c: &mut IscsiConfig, id: u32, edit: Edit) -> Result<()> {
    let item = T::all_mut(c)
        .iter_mut()
        .find(|x| x.id() == id)
        .ok_or_else(|| OpsError::NotFound(format!("no {} {id}", T::KIND.object())))?;
    let old = item.clone();
    edit.apply(item, T::KIND.object())?;
    item.keep_from(&old);
    Ok(())
}

fn rm<T: IscsiObject>(c: &mut IscsiConfig, id: u32) -> Result<()> {
    let list = T::all_mut(c);
    let before = list.len();
    list.retain(|x| x.id() != id);
    if list.len() == before {
        return Err(OpsError::NotFound(format!("no {} {id}", T::KIND.object())));
    }
    T::removed(c, id);
    Ok(())
}

/// Creates `path` as a sparse file of `size` bytes. Refuses to touch an
/// existing file: the wizard never overwrites data.
fn create_sparse(path: &std::path::Path, size: u64) -> Result<()> {
    let io = |source| OpsError::Io { path: path.to_path_buf(), source };
    if path.exists() {
        return Err(OpsError::Invalid(ValidationErrors(vec![ValidationError::new(
            "iscsi extent",
            "path",
            format!(
                "{} already exists; the wizard never overwrites a file (add an extent for it with `nasguard iscsi extent add`)",
                path.display()
            ),
        )])));
    }
    // The LUN's data: only root (the target daemon) reads or writes it.
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(io)?;
    f.set_len(size).and_then(|_| f.sync_all()).map_err(io)
}

/// `10G`, `512M`, `64k`, `1T` or plain bytes.
pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        None => (t, 1u64),
        Some((i, _)) => {
            let unit = t.get(i..).unwrap_or_default().trim_end_matches(['B', 'b', 'i']).to_ascii_uppercase();
            let m = match unit.as_str() {
                "K" => 1 << 10,
                "M" => 1 << 20,
                "G" => 1 << 30,
                "T" => 1 << 40,
                _ => return Err(format!("{s:?} is not a size (e.g. 512M, 10G, 1T)")),
            };
            (t.get(..i).unwrap_or_default(), m)
        }
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("{s:?} is not a size (e.g. 512M, 10G, 1T)"))
}

//! `audit --truenas-config` and `import --truenas-config`: a TrueNAS
//! configuration backup (`freenas-v1.db`, or the tar with its secret seed),
//! read by `nasguard-truenas`, judged by the same rules, or carried into
//! the store.

use crate::configdir::{ImportSources, keep_importable};
use crate::{Changed, Nasguard, OpsError, Result};
use nasguard_model::{Config, Secret, ValidationErrors};
use nasguard_report::Report;
use nasguard_truenas::{Backup, Mapped, pwenc};
use serde::Serialize;
use std::path::Path;

/// The audit of a backup: the report (the JSON contract) plus what the
/// backup is and what could not be read.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TruenasAudit {
    #[serde(flatten)]
    pub report: Report,
    /// The TrueNAS release (from `alembic_version`, or the columns present).
    pub release: String,
    /// Warnings: an unknown revision, settings nasguard cannot carry.
    pub notes: Vec<String>,
}

fn refused(e: nasguard_truenas::Error) -> OpsError {
    // A file nasguard will not read is bad input: exit 2, nothing written.
    OpsError::Invalid(ValidationErrors::single("truenas-config", "file", e.to_string()))
}

fn audited(m: &Mapped, label: &str) -> TruenasAudit {
    let findings = nasguard_truenas::audit(m, label);
    TruenasAudit { report: Report::new(findings, vec![]), release: m.release.clone(), notes: m.notes.clone() }
}

/// Audits a backup file. Touches no store; never writes the file.
pub fn audit_truenas(path: &Path) -> Result<TruenasAudit> {
    let (_, m) = nasguard_truenas::load(path).map_err(refused)?;
    Ok(audited(&m, &path.display().to_string()))
}

/// Audits a backup given as bytes (an upload through the API or the UI).
pub fn audit_truenas_bytes(bytes: &[u8], label: &str) -> Result<TruenasAudit> {
    let (_, m) = nasguard_truenas::load_bytes(bytes, label).map_err(refused)?;
    Ok(audited(&m, label))
}

/// A random CHAP secret (16 characters, TrueNAS's maximum), for auth
/// groups whose secret could not be carried over: CHAP stays required.
fn random_secret() -> Result<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| OpsError::Internal(format!("no randomness: {e}")))?;
    Ok(bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect())
}

/// The model a backup becomes, and what could not come over.
fn importable(backup: &Backup, m: &Mapped, mnt_root: &Path) -> Result<(Config, Vec<String>)> {
    let mut cfg = m.config.clone();
    let mut notes = m.notes.clone();
    let sources = ImportSources {
        ssh: "services_ssh.ssh_options",
        smb_global: "services_cifs.cifs_srv_smb_options",
        smb_share: "sharing_cifs_share.cifs_auxsmbconf",
    };
    keep_importable(&mut cfg, &mut notes, &sources);
    // Datasets become paths: /mnt/POOL/... under the chosen root.
    let moved = |p: &str| -> String {
        match p.strip_prefix("/mnt/") {
            Some(rest) if mnt_root != Path::new("/mnt") => mnt_root.join(rest).display().to_string(),
            _ => p.to_string(),
        }
    };
    cfg.smb_shares.retain(|s| {
        let home = m.homes.contains(&s.name);
        if home {
            notes.push(format!("SMB share {:?} is a home share ([homes]): not modelled; not imported", s.name));
        }
        !home
    });
    for s in &mut cfg.smb_shares {
        s.path = moved(&s.path);
    }
    for s in &mut cfg.nfs_shares {
        s.path = moved(&s.path);
    }
    for x in &mut cfg.iscsi.extents {
        x.path = moved(&x.path);
        if let Some(d) = &x.disk {
            notes.push(format!(
                "iSCSI extent {:?} is a zvol: its device becomes {d}; create it (or change the extent) before apply",
                x.name
            ));
        }
    }
    // CHAP secrets: decrypted in memory with the tar's seed, or replaced.
    let mut renew: Vec<String> = vec![];
    for a in &mut cfg.iscsi.auths {
        let Some(sealed) = m.sealed.iter().find(|s| s.id == a.id) else { continue };
        let plain = |value: &str| -> Option<Secret> {
            let key = backup.secret.as_ref()?;
            let p = pwenc::decrypt(value, key).ok()?;
            nasguard_model::iscsi::chap_secret(&p).ok()?;
            Some(Secret::new(p.as_str()))
        };
        match plain(&sealed.secret) {
            Some(s) => a.secret = s,
            None => {
                a.secret = Secret::new(random_secret()?);
                renew.push(format!("auth group {} user {:?} (secret)", a.tag, a.user));
            }
        }
        if a.peeruser.is_empty() {
            a.peersecret = Secret::new("");
        } else {
            match plain(&sealed.peersecret) {
                Some(s) => a.peersecret = s,
                None => {
                    a.peersecret = Secret::new(random_secret()?);
                    renew.push(format!("auth group {} peer user {:?} (peer secret)", a.tag, a.peeruser));
                }
            }
        }
    }
    if !renew.is_empty() {
        let why = if backup.secret.is_some() {
            "the secret was empty, did not decrypt, or breaks TrueNAS's 12-16 character rule"
        } else {
            "the backup has no secret seed (export it with the configuration: a tar with pwenc_secret)"
        };
        notes.push(format!(
            "CHAP secrets not carried over ({why}); a random one is set, give the initiators a new secret with `nasguard iscsi auth set`: {}",
            renew.join("; ")
        ));
    }
    if !m.config.ssh.bindip.is_empty() || !m.config.smb.bindip.is_empty() {
        notes.push("bind addresses were carried over: check they exist on this host".into());
    }
    Ok((cfg, notes))
}

impl Nasguard {
    /// `import --truenas-config FILE`: replaces the model of all four
    /// services (and which start automatically) with the backup's.
    /// Settings the model cannot hold are listed; secrets are never printed.
    pub fn import_truenas(&mut self, path: &Path, mnt_root: &Path) -> Result<Changed<Vec<String>>> {
        let (backup, m) = nasguard_truenas::load(path).map_err(refused)?;
        let (mut from, mut notes) = importable(&backup, &m, mnt_root)?;
        // TrueNAS's groups are not this host's: an administrators group
        // that does not exist here (or is a system group) stays behind.
        let accounts = crate::read_accounts(&self.host_root());
        if let Some(g) = from.smb.admin_group.clone()
            && accounts.privileged_group(&g) != Some(false)
        {
            notes.push(format!(
                "services_cifs.cifs_srv_admin_group: {g:?} is not an unprivileged group on this host: not imported (create the group, then `nasguard config set smb admin_group={g}`)"
            ));
            from.smb.admin_group = None;
        }
        if from.smb.guest != "nobody" && accounts.privileged_user(&from.smb.guest) != Some(false) {
            notes.push(format!(
                "services_cifs.cifs_srv_guest: {:?} is not an unprivileged account on this host: the guest account stays nobody",
                from.smb.guest
            ));
            from.smb.guest = "nobody".into();
        }
        let shown = path.display().to_string();
        let release = m.release.clone();
        self.change(&format!("import --truenas-config {shown}"), move |cfg| {
            cfg.smb = from.smb;
            cfg.smb_shares = from.smb_shares;
            cfg.nfs = from.nfs;
            cfg.nfs_shares = from.nfs_shares;
            cfg.iscsi = from.iscsi;
            cfg.ssh = from.ssh;
            cfg.site.autostart = from.site.autostart;
            let mut out = vec![format!("read {shown} (TrueNAS {release})")];
            out.extend(notes);
            Ok(out)
        })
    }
}

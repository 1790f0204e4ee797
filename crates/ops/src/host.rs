//! Checks of a change against the host's account database: what validation
//! (pure, in `model`) cannot know. Every account SMB file operations may run
//! as (`force user`, `force group`, the guest account) must exist and be
//! unprivileged.

use crate::{OpsError, Result};
use nasguard_model::accounts::Accounts;
use nasguard_model::{Config, SMB_IDENTITY_PARAMETERS, ValidationError, ValidationErrors, parse_smb_aux};
use std::collections::BTreeSet;

/// One `force user` / `force group` line: (object, field, key, value).
type Identity = (String, &'static str, String, String);

/// Every account an SMB auxiliary line makes file operations run as.
pub(crate) fn identities(cfg: &Config) -> BTreeSet<Identity> {
    let mut out = BTreeSet::new();
    let mut add = |object: String, field: &'static str, text: &str| {
        let (lines, _) = parse_smb_aux(text);
        for l in lines.into_iter().filter(|l| SMB_IDENTITY_PARAMETERS.contains(&l.key.as_str())) {
            out.insert((object.clone(), field, l.key, l.value));
        }
    };
    add("smb".into(), "smb_options", &cfg.smb.smb_options);
    for share in &cfg.smb_shares {
        add(format!("smb share {:?}", share.name), "auxsmbconf", &share.auxsmbconf);
    }
    // Guests act as the guest account; the administrators group's members
    // do every file operation as root.
    out.insert(("smb".into(), "guest", "guest account".into(), cfg.smb.guest.clone()));
    if let Some(group) = &cfg.smb.admin_group {
        out.insert(("smb".into(), "admin_group", "admin group".into(), group.clone()));
    }
    out
}

/// Refuses a `force user` / `force group` this change introduces unless it
/// names an existing, unprivileged account of this host. Lines already
/// stored are left alone: an account removed later must not block every
/// other change (SMB-012 reports it instead).
pub(crate) fn check_new_identities(cfg: &Config, before: &BTreeSet<Identity>, accounts: &Accounts) -> Result<()> {
    let mut errors = vec![];
    for (object, field, key, value) in identities(cfg).difference(before) {
        let name = value.trim_start_matches('+');
        let (privileged, min, what) = if key == "force group" || key == "admin group" {
            (accounts.privileged_group(name), accounts.gid_min, "group")
        } else {
            (accounts.privileged_user(name), accounts.uid_min, "account")
        };
        let why = match privileged {
            None => format!("{key} = {value}: there is no {what} {name:?} on this host"),
            Some(true) => format!(
                "{key} = {value}: {name} is a system {what} (id below {min}, login.defs): every user of the share would act with its rights"
            ),
            Some(false) => continue,
        };
        errors.push(ValidationError::new(object.clone(), *field, why));
    }
    if errors.is_empty() { Ok(()) } else { Err(OpsError::Invalid(ValidationErrors(errors))) }
}

/// **Security invariant:** an extent hands its file or device to every
/// initiator allowed to log in, so before nasguard applies, each FILE
/// extent's real path (links followed) must still be outside the system's
/// directories and a regular file, and no DISK extent may hold a mounted
/// filesystem or swap (the host's own disk).
pub(crate) fn check_extents(cfg: &Config, root: &std::path::Path) -> Result<()> {
    use nasguard_model::iscsi::{ExtentType, extent_disk_allowed, extent_file_allowed};
    let mut errors = vec![];
    let mounts = std::fs::read_to_string(root.join("proc/mounts")).unwrap_or_default();
    let swaps = std::fs::read_to_string(root.join("proc/swaps")).unwrap_or_default();
    let in_use: Vec<std::path::PathBuf> = mounts
        .lines()
        .chain(swaps.lines().skip(1))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|d| d.starts_with("/dev/"))
        .map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.into()))
        .collect();
    for x in cfg.iscsi.extents.iter().filter(|x| x.enabled) {
        let refuse = |field: &str, why: String| ValidationError::new(format!("iscsi extent {:?}", x.name), field, why);
        match x.kind {
            ExtentType::File => {
                let Ok(real) = std::fs::canonicalize(&x.path) else { continue };
                let shown = real.display().to_string();
                if let Err(why) = extent_file_allowed(&shown) {
                    errors.push(refuse("path", format!("{} leads to {shown}: {why}", x.path)));
                } else if !real.is_file() {
                    errors
                        .push(refuse("path", format!("{} is not a regular file (a FILE extent must be one)", x.path)));
                }
            }
            ExtentType::Disk => {
                let Some(disk) = &x.disk else { continue };
                let real = std::fs::canonicalize(disk).unwrap_or_else(|_| disk.into());
                let shown = real.display().to_string();
                if let Err(why) = extent_disk_allowed(&shown) {
                    errors.push(refuse("disk", format!("{disk} leads to {shown}: {why}")));
                } else if let Some(used) = in_use.iter().find(|m| m.to_string_lossy().starts_with(&shown)) {
                    errors.push(refuse(
                        "disk",
                        format!("{disk} holds {} which is mounted or used as swap: exporting it would hand this host's own data to initiators", used.display()),
                    ));
                }
            }
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(OpsError::Invalid(ValidationErrors(errors))) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nasguard_model::smb::SmbShare;

    fn cfg(aux: &str) -> Config {
        let mut c = Config::default();
        c.smb_shares.push(SmbShare { name: "media".into(), auxsmbconf: aux.into(), ..Default::default() });
        c
    }

    #[test]
    fn only_new_lines_naming_ordinary_accounts_pass() {
        let accounts = Accounts::parse(
            "daemon:x:1:1::/:/bin/false\nmedia:x:1001:1001::/:/bin/false\nnobody:x:65534:65534::/:/bin/false\n",
            "media:x:1001:\nsudo:x:27:\n",
            "",
        );
        let empty = BTreeSet::new();
        assert!(check_new_identities(&cfg("force user = media\nforce group = +media"), &empty, &accounts).is_ok());
        for bad in ["force user = daemon", "force user = ghost", "force group = sudo"] {
            let err = check_new_identities(&cfg(bad), &empty, &accounts).unwrap_err().to_string();
            assert!(err.contains("auxsmbconf"), "{err}");
        }
        // Already stored: not judged again.
        let stored = cfg("force user = ghost");
        assert!(check_new_identities(&stored, &identities(&stored), &accounts).is_ok());
    }
}

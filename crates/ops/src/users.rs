//! Local accounts the services need: the Unix account, its Samba passdb
//! entry and its SSH authorized keys. Passwords come from files or stdin,
//! never from the command line, and are passed to tools on stdin.

use crate::{Changed, Nasguard, OpsError, Result};
use nasguard_daemons::need;
use nasguard_model::{Service, User, ValidationErrors, text};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// An account to set up: the CLI reads the password and keys from files,
/// the API takes them in the body (over HTTPS).
#[derive(Clone, Default, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct UserInput {
    /// A Unix account name.
    pub name: String,
    /// The login (and, with `smb`, the SMB) password: one line, never logged.
    pub password: Option<String>,
    /// OpenSSH public keys, one per line (the account's authorized_keys).
    pub ssh_keys: Option<String>,
    /// Also make it an SMB user (needs `password`).
    pub smb: bool,
    /// Let nasguard manage an existing ordinary account it did not create
    /// (uid from UID_MIN to UID_MAX of /etc/login.defs). Root and system
    /// accounts are never changed, adopted or not.
    pub adopt: bool,
}

impl std::fmt::Debug for UserInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserInput")
            .field("name", &self.name)
            .field("password", &self.password.as_ref().map(|_| nasguard_model::secret::MASK))
            .field("ssh_keys", &self.ssh_keys.is_some())
            .field("smb", &self.smb)
            .field("adopt", &self.adopt)
            .finish()
    }
}

fn tool(service: Service, name: &'static str, args: &[&str], stdin: Option<&str>) -> Result<()> {
    let failed = |message: String| OpsError::Tool { tool: name.to_string(), message };
    let mut cmd = Command::new(need(service, name)?);
    cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| failed(e.to_string()))?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input.as_bytes()).map_err(|e| failed(e.to_string()))?;
    }
    let out = child.wait_with_output().map_err(|e| failed(e.to_string()))?;
    if !out.status.success() {
        // The arguments are shown; a password never is (it went through stdin).
        return Err(failed(format!("{}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim())));
    }
    Ok(())
}

/// The account's uid as the system resolves it (files, LDAP...: `getent`),
/// or `None` when there is no such account.
fn uid_of(name: &str) -> Option<u32> {
    let out = Command::new("getent").args(["passwd", name]).stderr(Stdio::null()).output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).split(':').nth(2)?.trim().parse().ok()
}

fn exists(name: &str) -> bool {
    uid_of(name).is_some()
}

/// UID_MIN and UID_MAX of /etc/login.defs (Debian's 1000 and 60000 when unset).
fn uid_range() -> (u32, u32) {
    let defs = std::fs::read_to_string("/etc/login.defs").unwrap_or_default();
    let get = |key: &str, default: u32| {
        defs.lines()
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                (w.next()? == key).then(|| w.next()?.parse().ok()).flatten()
            })
            .next_back()
            .unwrap_or(default)
    };
    (get("UID_MIN", 1000), get("UID_MAX", 60000))
}

fn refused(message: String) -> OpsError {
    OpsError::Invalid(ValidationErrors::single("user", "name", message))
}

/// Whether nasguard may change the existing account `name`: one it made or
/// adopted before (`managed`), or an ordinary one the admin adopts now.
/// Root and system accounts never (their passwords and keys are the host's).
fn may_change(name: &str, uid: u32, managed: bool, adopt: bool) -> Result<()> {
    let (min, max) = uid_range();
    if uid == 0 || uid < min || uid > max {
        return Err(refused(format!(
            "{name:?} is root or a system account (uid {uid}, outside UID_MIN..UID_MAX {min}..{max} of /etc/login.defs): nasguard never changes its password or keys"
        )));
    }
    if !managed && !adopt {
        return Err(refused(format!(
            "the account {name:?} exists and nasguard did not create it: to let nasguard set its password and keys, adopt it (CLI: --adopt, API: \"adopt\": true)"
        )));
    }
    Ok(())
}

fn check_password(p: &str) -> Result<()> {
    if p.is_empty() || p.contains(['\n', '\r', '\0', ':']) {
        return Err(OpsError::Invalid(ValidationErrors::single(
            "user",
            "password",
            "must be one non-empty line without ':'",
        )));
    }
    Ok(())
}

impl Nasguard {
    /// Where nasguard keeps `name`'s keys (never under the user's home).
    fn keys_path(&self, name: &str) -> Result<PathBuf> {
        Ok(self.layout()?.authorized_keys_dir().join(name))
    }

    /// `user add|set`: creates the account if needed, then sets what is given.
    pub fn user_set(&mut self, input: &UserInput) -> Result<Changed<()>> {
        text::unix_name(&input.name).map_err(|m| OpsError::Invalid(ValidationErrors::single("user", "name", m)))?;
        if let Some(p) = &input.password {
            check_password(p)?;
        }
        let keys = match &input.ssh_keys {
            None => None,
            Some(k) => {
                let lines: Vec<&str> =
                    k.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
                if lines.is_empty()
                    || lines.iter().any(|l| !l.starts_with("ssh-") && !l.starts_with("ecdsa-") && !l.starts_with("sk-"))
                {
                    return Err(OpsError::Invalid(ValidationErrors::single(
                        "user",
                        "ssh_keys",
                        "expected OpenSSH public keys, one per line (CLI: --ssh-key-file)",
                    )));
                }
                Some(lines.join("\n") + "\n")
            }
        };
        if input.smb && input.password.is_none() {
            return Err(OpsError::Invalid(ValidationErrors::single(
                "user",
                "password",
                "an SMB user needs a password (CLI: --password-file)",
            )));
        }
        let layout = self.layout()?;
        if input.smb && !layout.smb_conf().exists() {
            return Err(OpsError::Precondition("the SMB config is not written yet: run `nasguard apply` first".into()));
        }
        let managed = self.snapshot()?.config.site.users.iter().any(|u| u.name == input.name);
        let existing = uid_of(&input.name);
        if let Some(uid) = existing {
            may_change(&input.name, uid, managed, input.adopt)?;
        }
        let created = existing.is_none();
        if created {
            tool(Service::Ssh, "useradd", &["-M", "-s", "/bin/sh", &input.name], None)?;
        }
        match &input.password {
            Some(p) => tool(Service::Ssh, "chpasswd", &[], Some(&format!("{}:{p}\n", input.name)))?,
            // A new account is locked ('!'); with UsePAM no, sshd refuses
            // key logins to locked accounts, so mark it "no password" instead.
            None if created => tool(Service::Ssh, "usermod", &["-p", "*", &input.name], None)?,
            None => {}
        }
        if let Some(keys) = &keys {
            let path = self.keys_path(&input.name)?;
            nasguard_daemons::files::write_atomic(&path, keys.as_bytes(), 0o644, false)?;
        }
        if input.smb
            && let Some(p) = &input.password
        {
            let conf = layout.smb_conf().display().to_string();
            tool(Service::Smb, "smbpasswd", &["-c", &conf, "-a", "-s", &input.name], Some(&format!("{p}\n{p}\n")))?;
        }
        let name = input.name.clone();
        let smb = input.smb;
        let ssh = keys.is_some();
        let summary = if input.adopt && !managed { format!("user adopt {name}") } else { format!("user set {name}") };
        self.change(&summary, move |cfg| {
            match cfg.site.users.iter_mut().find(|u| u.name == name) {
                Some(u) => {
                    u.smb |= smb;
                    u.ssh_keys |= ssh;
                }
                None => cfg.site.users.push(User { name, smb, ssh_keys: ssh, created }),
            }
            Ok(())
        })
    }

    /// `user rm`: removes what nasguard set up (and the account if it made it).
    pub fn user_rm(&mut self, name: &str) -> Result<Changed<()>> {
        let cfg = self.snapshot()?.config;
        let Some(user) = cfg.site.users.iter().find(|u| u.name == name).cloned() else {
            return Err(OpsError::NotFound(format!("no user {name:?} managed by nasguard")));
        };
        let layout = self.layout()?;
        if user.smb && layout.smb_conf().exists() {
            let conf = layout.smb_conf().display().to_string();
            let _ = tool(Service::Smb, "smbpasswd", &["-c", &conf, "-x", name], None);
        }
        if user.ssh_keys {
            let _ = std::fs::remove_file(self.keys_path(name)?);
        }
        if user.created && exists(name) {
            tool(Service::Ssh, "userdel", &[name], None)?;
        }
        let name = name.to_string();
        self.change(&format!("user rm {name}"), move |cfg| {
            cfg.site.users.retain(|u| u.name != name);
            Ok(())
        })
    }
}

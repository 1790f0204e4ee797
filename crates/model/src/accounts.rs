//! The host's account database, as far as nasguard's decisions need it:
//! which accounts and groups exist, and which are privileged.
//!
//! **Security invariant:** an account or group is privileged when its id is
//! below `UID_MIN` / `GID_MIN` of `/etc/login.defs` (1000 by default on
//! Debian), or it is root. Nothing nasguard accepts may make an SMB user act
//! as a privileged account (`force user`), and nasguard never changes the
//! password or keys of one (`user add|set`). The parsing here is pure; `ops`
//! reads the files.

use std::collections::BTreeMap;

/// Debian's defaults when login.defs does not say.
pub const DEFAULT_UID_MIN: u32 = 1000;
pub const DEFAULT_GID_MIN: u32 = 1000;
/// `nobody` / `nogroup`: unprivileged by design although above UID_MAX.
pub const NOBODY_ID: u32 = 65534;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accounts {
    /// User name -> uid.
    pub users: BTreeMap<String, u32>,
    /// Group name -> gid.
    pub groups: BTreeMap<String, u32>,
    pub uid_min: u32,
    pub gid_min: u32,
}

impl Default for Accounts {
    fn default() -> Self {
        Accounts { users: BTreeMap::new(), groups: BTreeMap::new(), uid_min: DEFAULT_UID_MIN, gid_min: DEFAULT_GID_MIN }
    }
}

/// Whether an id below `min` (or 0) is privileged; `nobody` is not.
fn privileged_id(id: u32, min: u32) -> bool {
    id != NOBODY_ID && id < min
}

impl Accounts {
    /// Parses `/etc/passwd`, `/etc/group` and `/etc/login.defs` text.
    pub fn parse(passwd: &str, group: &str, login_defs: &str) -> Accounts {
        let ids = |text: &str| -> BTreeMap<String, u32> {
            text.lines()
                .filter(|l| !l.starts_with('#'))
                .filter_map(|l| {
                    let mut f = l.split(':');
                    let name = f.next()?.to_string();
                    let id = f.nth(1)?.parse().ok()?;
                    Some((name, id))
                })
                .collect()
        };
        let def = |key: &str, default: u32| -> u32 {
            login_defs
                .lines()
                .filter_map(|l| {
                    let mut w = l.split_whitespace();
                    (w.next()? == key).then(|| w.next()?.parse().ok()).flatten()
                })
                .next_back()
                .unwrap_or(default)
        };
        Accounts {
            users: ids(passwd),
            groups: ids(group),
            uid_min: def("UID_MIN", DEFAULT_UID_MIN),
            gid_min: def("GID_MIN", DEFAULT_GID_MIN),
        }
    }

    /// `Some(true)` for root and system accounts, `Some(false)` for ordinary
    /// ones, `None` when there is no such account.
    pub fn privileged_user(&self, name: &str) -> Option<bool> {
        self.users.get(name).map(|&uid| privileged_id(uid, self.uid_min))
    }

    /// As [`Self::privileged_user`], for groups.
    pub fn privileged_group(&self, name: &str) -> Option<bool> {
        self.groups.get(name).map(|&gid| privileged_id(gid, self.gid_min))
    }
}

/// Whether mapping a client to the user `name` makes it root: the name
/// root, the number 0, or any account whose uid is 0 in the account
/// database (`toor` and other second names of root).
pub fn is_root_user(name: &str, accounts: Option<&Accounts>) -> bool {
    let name = name.trim();
    name == "root"
        || name.parse::<u32>() == Ok(0)
        || accounts.is_some_and(|a| a.users.get(name).is_some_and(|&uid| uid == 0))
}

/// As [`is_root_user`], for groups: root, wheel (gid 0 wherever it
/// exists), the number 0, or any group whose gid is 0.
pub fn is_root_group(name: &str, accounts: Option<&Accounts>) -> bool {
    let name = name.trim().trim_start_matches('+');
    matches!(name, "root" | "wheel")
        || name.parse::<u32>() == Ok(0)
        || accounts.is_some_and(|a| a.groups.get(name).is_some_and(|&gid| gid == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/sh\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n";
    const GROUP: &str = "root:x:0:\nsudo:x:27:alice\nalice:x:1000:\nnogroup:x:65534:\n";

    #[test]
    fn root_and_system_accounts_are_privileged() {
        let a = Accounts::parse(PASSWD, GROUP, "");
        assert_eq!(a.privileged_user("root"), Some(true));
        assert_eq!(a.privileged_user("daemon"), Some(true));
        assert_eq!(a.privileged_user("alice"), Some(false));
        assert_eq!(a.privileged_user("nobody"), Some(false));
        assert_eq!(a.privileged_user("bob"), None);
        assert_eq!(a.privileged_group("sudo"), Some(true));
        assert_eq!(a.privileged_group("nogroup"), Some(false));
    }

    #[test]
    fn root_is_uid_0_whatever_its_name() {
        let a = Accounts::parse(&format!("{PASSWD}toor:x:0:0::/root:/bin/sh\n"), &format!("{GROUP}wheel2:x:0:\n"), "");
        for name in ["root", "toor", "0", "00"] {
            assert!(is_root_user(name, Some(&a)), "{name}");
        }
        assert!(!is_root_user("toor", None));
        assert!(!is_root_user("alice", Some(&a)));
        for name in ["root", "wheel", "wheel2", "0"] {
            assert!(is_root_group(name, Some(&a)), "{name}");
        }
        assert!(!is_root_group("sudo", Some(&a)));
    }

    #[test]
    fn login_defs_moves_the_line() {
        let a = Accounts::parse(PASSWD, GROUP, "# comment\nUID_MIN\t\t 1001\nGID_MIN 500\n");
        assert_eq!((a.uid_min, a.gid_min), (1001, 500));
        assert_eq!(a.privileged_user("alice"), Some(true));
    }
}

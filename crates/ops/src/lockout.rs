//! Lockout safety: before a new sshd_config goes live on a host, nasguard
//! works out who could still log in with it, from the host's own accounts,
//! passwords and keys. An sshd_config that would let no account in (password
//! login off and no account with a key; root login off for an admin who has
//! only root; an AllowUsers naming nobody who can log in) is refused, naming
//! why, unless the admin forces it (`apply --allow-lockout`).

use nasguard_model::ssh::{SshService, parse_options};
use std::path::Path;

/// One account as sshd would judge it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    /// Its groups (primary and secondary).
    pub groups: Vec<String>,
    /// A login shell (not nologin/false).
    pub shell: bool,
    /// A usable password (shadow field not empty, `*` or `!`-locked).
    pub password: bool,
    /// A key in `~/.ssh/authorized_keys` or nasguard's own key file (both named by nasguard's sshd_config).
    pub key: bool,
}

/// A way in: who, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Way {
    pub user: String,
    pub how: &'static str,
}

fn glob(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some(b'*'), _) => {
                go(p.get(1..).unwrap_or_default(), n) || (!n.is_empty() && go(p, n.get(1..).unwrap_or_default()))
            }
            (Some(b'?'), Some(_)) => go(p.get(1..).unwrap_or_default(), n.get(1..).unwrap_or_default()),
            (Some(a), Some(b)) if a == b => go(p.get(1..).unwrap_or_default(), n.get(1..).unwrap_or_default()),
            _ => false,
        }
    }
    // user@host patterns: the user part decides here.
    let user_part = pattern.split('@').next().unwrap_or(pattern);
    go(user_part.as_bytes(), name.as_bytes())
}

/// Who could log in under `ssh`, each with how.
pub fn ways_in(ssh: &SshService, accounts: &[Account]) -> Vec<Way> {
    let (options, _) = parse_options(&ssh.options);
    let list = |kw: &str| -> Option<Vec<String>> {
        let lines: Vec<String> = options
            .iter()
            .filter(|o| o.keyword.eq_ignore_ascii_case(kw))
            .flat_map(|o| o.args.split_whitespace().map(String::from).collect::<Vec<_>>())
            .collect();
        (!lines.is_empty()).then_some(lines)
    };
    let (allow_users, allow_groups) = (list("AllowUsers"), list("AllowGroups"));
    let (deny_users, deny_groups) = (list("DenyUsers").unwrap_or_default(), list("DenyGroups").unwrap_or_default());
    let admitted = |a: &Account| -> bool {
        if deny_users.iter().any(|p| glob(p, &a.name))
            || a.groups.iter().any(|g| deny_groups.iter().any(|p| glob(p, g)))
        {
            return false;
        }
        if let Some(allow) = &allow_users
            && !allow.iter().any(|p| glob(p, &a.name))
        {
            return false;
        }
        if let Some(allow) = &allow_groups
            && !a.groups.iter().any(|g| allow.iter().any(|p| glob(p, g)))
        {
            return false;
        }
        true
    };
    let mut out = vec![];
    for a in accounts.iter().filter(|a| a.shell && admitted(a)) {
        let root = a.uid == 0;
        let keys_ok = !root || ssh.rootlogin || ssh.root_key_login;
        let password_ok = if root {
            ssh.rootlogin
        } else {
            ssh.passwordauth || a.groups.iter().any(|g| ssh.password_login_groups.contains(g))
        };
        if a.key && keys_ok {
            out.push(Way { user: a.name.clone(), how: "key" });
        }
        if a.password && password_ok {
            out.push(Way { user: a.name.clone(), how: "password" });
        }
    }
    out
}

/// Why nobody could log in: what each account with a credential lacks.
pub fn why_nobody(ssh: &SshService, accounts: &[Account]) -> String {
    let mut reasons = vec![];
    for a in accounts.iter().filter(|a| a.shell && (a.key || a.password)) {
        let has = match (a.key, a.password) {
            (true, true) => "a key and a password",
            (true, false) => "a key",
            _ => "a password",
        };
        let lacks = if a.uid == 0 {
            format!("root login would be `PermitRootLogin {}`", ssh.permit_root_login())
        } else if a.key {
            "AllowUsers/AllowGroups/DenyUsers/DenyGroups shut it out".to_string()
        } else {
            "password login would be off for it (passwordauth=false, not in password_login_groups)".to_string()
        };
        reasons.push(format!("{} has {has} but {lacks}", a.name));
    }
    if reasons.is_empty() {
        "no account with a login shell has a key in ~/.ssh/authorized_keys or a password".into()
    } else {
        reasons.join("; ")
    }
}

/// The host's accounts under `root`: passwd, shadow, group, and the two
/// key files nasguard's sshd_config names: each home's
/// `.ssh/authorized_keys` and `KEYS_DIR/NAME`, where nasguard writes the
/// keys it manages (`keys_dir`, a host path such as /etc/ssh/nasguard-keys).
pub fn read_accounts(root: &Path, keys_dir: &Path) -> Vec<Account> {
    let read = |f: &str| std::fs::read_to_string(root.join(f)).unwrap_or_default();
    let (passwd, shadow, group) = (read("etc/passwd"), read("etc/shadow"), read("etc/group"));
    let fields = |l: &str| l.split(':').map(String::from).collect::<Vec<_>>();
    let mut out = vec![];
    for line in passwd.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let f = fields(line);
        let (Some(name), Some(uid), Some(gid), Some(home)) =
            (f.first(), f.get(2).and_then(|u| u.parse::<u32>().ok()), f.get(3), f.get(5))
        else {
            continue;
        };
        let shell = f.get(6).map(String::as_str).unwrap_or("");
        let shell_ok = !(shell.ends_with("nologin") || shell.ends_with("/false") || shell == "/bin/sync");
        let password = shadow.lines().map(fields).find(|s| s.first() == Some(name)).is_some_and(|s| {
            let h = s.get(1).map(String::as_str).unwrap_or("");
            !h.is_empty() && !h.starts_with('!') && !h.starts_with('*')
        });
        let mut groups = vec![];
        for g in group.lines().map(fields) {
            let (Some(gname), Some(ggid), Some(members)) = (g.first(), g.get(2), g.get(3)) else { continue };
            if ggid == gid || members.split(',').any(|m| m == name) {
                groups.push(gname.clone());
            }
        }
        let theirs = root.join(home.trim_start_matches('/')).join(".ssh/authorized_keys");
        let ours = root.join(keys_dir.strip_prefix("/").unwrap_or(keys_dir)).join(name);
        let key = [theirs, ours].iter().any(|file| {
            std::fs::read_to_string(file).is_ok_and(|t| {
                t.lines().any(|l| {
                    let l = l.trim();
                    !l.is_empty() && !l.starts_with('#')
                })
            })
        });
        out.push(Account { name: name.clone(), uid, groups, shell: shell_ok, password, key });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(name: &str, uid: u32, key: bool, password: bool) -> Account {
        Account { name: name.into(), uid, groups: vec![name.into()], shell: true, password, key }
    }

    #[test]
    fn root_with_only_a_key_needs_root_key_login() {
        let accounts = [acct("root", 0, true, false)];
        let mut ssh = SshService::default();
        assert!(ways_in(&ssh, &accounts).is_empty());
        assert!(why_nobody(&ssh, &accounts).contains("PermitRootLogin no"), "{}", why_nobody(&ssh, &accounts));
        ssh.root_key_login = true;
        assert_eq!(ways_in(&ssh, &accounts), [Way { user: "root".into(), how: "key" }]);
    }

    #[test]
    fn passwords_need_password_login_and_allow_lists_count() {
        let accounts = [acct("root", 0, false, true), acct("alice", 1000, false, true), acct("bob", 1001, true, false)];
        let mut ssh = SshService::default();
        // bob's key gets him in.
        assert_eq!(ways_in(&ssh, &accounts), [Way { user: "bob".into(), how: "key" }]);
        ssh.options = "AllowUsers alice".into();
        assert!(ways_in(&ssh, &accounts).is_empty(), "alice has only a password and password login is off");
        ssh.password_login_groups = vec!["alice".into()];
        assert_eq!(ways_in(&ssh, &accounts), [Way { user: "alice".into(), how: "password" }]);
        ssh.options = "DenyUsers a*".into();
        assert_eq!(ways_in(&ssh, &accounts), [Way { user: "bob".into(), how: "key" }]);
    }

    #[test]
    fn accounts_are_read_from_the_host_files() {
        let root = tempfile::tempdir().unwrap();
        let etc = root.path().join("etc");
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::write(
            etc.join("passwd"),
            "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/bash\n",
        )
        .unwrap();
        std::fs::write(etc.join("shadow"), "root:*:1::::::\nalice:$y$j9T$abc:1::::::\n").unwrap();
        std::fs::write(etc.join("group"), "root:x:0:\nalice:x:1000:\nsftp:x:1001:alice\n").unwrap();
        std::fs::create_dir_all(root.path().join("root/.ssh")).unwrap();
        std::fs::write(root.path().join("root/.ssh/authorized_keys"), "# none\nssh-ed25519 AAAA k\n").unwrap();
        let keys_dir = Path::new("/etc/ssh/nasguard-keys");
        let a = read_accounts(root.path(), keys_dir);
        assert_eq!(a.len(), 3);
        assert!(a[0].key && !a[0].password && a[0].shell);
        assert!(!a[1].shell);
        assert!(a[2].password && !a[2].key);
        assert_eq!(a[2].groups, ["alice", "sftp"]);
        // A key nasguard manages counts as much as one in the home.
        std::fs::create_dir_all(root.path().join("etc/ssh/nasguard-keys")).unwrap();
        std::fs::write(root.path().join("etc/ssh/nasguard-keys/alice"), "ssh-ed25519 AAAA alice\n").unwrap();
        assert!(read_accounts(root.path(), keys_dir)[2].key);
    }
}

//! Host facts for the rules: group membership and account ids from the
//! account database.

use nasguard_model::accounts::Accounts;
use nasguard_policy::Facts;
use std::collections::BTreeMap;
use std::path::Path;

/// Reads `etc/group` and `etc/passwd` under `root`. A user whose primary
/// group is G counts as a member of G, as `id` shows it. If the group file
/// cannot be read, `groups` is `None` and rules needing it say so.
pub fn read_facts(root: &Path) -> Facts {
    let Ok(group) = std::fs::read_to_string(root.join("etc/group")) else {
        return Facts { groups: None, accounts: None, iscsi_enforcement: None };
    };
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).unwrap_or_default();
    Facts { groups: Some(parse_groups(&group, &passwd)), accounts: Some(read_accounts(root)), iscsi_enforcement: None }
}

/// The account database under `root`: passwd, group and login.defs.
pub fn read_accounts(root: &Path) -> Accounts {
    let read = |f: &str| std::fs::read_to_string(root.join(f)).unwrap_or_default();
    Accounts::parse(&read("etc/passwd"), &read("etc/group"), &read("etc/login.defs"))
}

fn parse_groups(group: &str, passwd: &str) -> BTreeMap<String, Vec<String>> {
    let mut by_gid: BTreeMap<String, String> = BTreeMap::new();
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in group.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split(':').collect();
        if let [name, _, gid, members] = f[..] {
            by_gid.insert(gid.to_string(), name.to_string());
            let list = groups.entry(name.to_string()).or_default();
            list.extend(members.split(',').filter(|m| !m.is_empty()).map(String::from));
        }
    }
    for line in passwd.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split(':').collect();
        if let (Some(user), Some(gid)) = (f.first(), f.get(3))
            && let Some(name) = by_gid.get(*gid)
            && let Some(list) = groups.get_mut(name)
            && !list.iter().any(|m| m == user)
        {
            list.push((*user).to_string());
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    #[test]
    fn primary_and_secondary_members() {
        let g = super::parse_groups("wheel:x:10:alice,bob\nstaff:x:50:\n", "carol:x:1001:50::/home/carol:/bin/sh\n");
        assert_eq!(g["wheel"], vec!["alice", "bob"]);
        assert_eq!(g["staff"], vec!["carol"]);
    }
}

//! SMB-012: no share makes its users act as root, and root is invalid on every share.

use crate::rules::*;
use nasguard_model::accounts::{is_root_group, is_root_user};
use nasguard_model::{SmbAuxLine, parse_smb_aux, smb_identity_refusal};

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-012",
        title: "No share acts as root; root invalid on shares",
        service: Some(Service::Smb),
        severity: Severity::Medium,
        rationale: "Share access as root bypasses every file permission. `force user = root` (or any system account), `force group = wheel` or `admin users` make every user of a share do its file operations with root's rights, and a share whose `invalid users` lacks root lets root itself log in. nasguard refuses the first, and renders invalid users = root on every share.",
        remediation: "Remove force user/force group naming root or a system account and admin users; set invalid users = root on every share.",
        fixable: false,
        field: None,
    },
    check: Some(check),
    fix: None,
    live: None,
};

fn check(cfg: &Config, facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    let (global, _) = parse_smb_aux(&cfg.smb.smb_options);
    let mut out = vec![];
    for share in cfg.smb_shares.iter().filter(|s| s.enabled) {
        let (own, _) = parse_smb_aux(&share.auxsmbconf);
        // A share's line wins; a [global] line is every share's default;
        // of two lines with one name, smbd keeps the last.
        let effective = |key: &str| -> Option<&SmbAuxLine> {
            own.iter().rev().find(|l| l.key == key).or_else(|| global.iter().rev().find(|l| l.key == key))
        };
        let object = object::smb_share(share);
        let mut raise = |key: &str, severity: Severity, message: String| {
            let mut f = info.finding(&object, severity, &format!("share {}: {message}", share.name));
            f.field = Some(key.to_string());
            out.push(f);
        };
        for key in ["force user", "force group"] {
            if let Some(l) = effective(key)
                && let Some(why) = acts_as_privileged(key, &l.value, facts)
            {
                raise(key, Severity::High, why);
            }
        }
        // Guests act as the guest account.
        if share.guestok
            && let Some(why) = acts_as_privileged("guest account", &cfg.smb.guest, facts)
        {
            raise("guest account", Severity::High, format!("guests of the share: {why}"));
        }
        if let Some(l) = effective("admin users").filter(|l| !l.value.trim().is_empty()) {
            raise(
                "admin users",
                Severity::High,
                format!("admin users = {}: they do every file operation on the share as root", l.value),
            );
        }
        if let Some(l) = own.iter().rev().find(|l| l.key == "invalid users")
            && !l.value.split([',', ' ', '\t']).any(|n| n == "root")
        {
            raise("invalid users", info.severity, "root is not in invalid users: root may log in to the share".into());
        }
    }
    out
}

/// Why `key = value` makes a share act with a privileged account's rights.
fn acts_as_privileged(key: &str, value: &str, facts: &Facts) -> Option<String> {
    let name = value.trim_start_matches('+');
    let root = if key == "force group" {
        is_root_group(name, facts.accounts.as_ref())
    } else {
        is_root_user(name, facts.accounts.as_ref())
    };
    if root {
        return Some(format!("{key} = {value} is root (id 0): every user of the share acts with root's rights"));
    }
    if key != "guest account"
        && let Some(why) = smb_identity_refusal(key, value)
    {
        return Some(why);
    }
    let accounts = facts.accounts.as_ref()?;
    let privileged =
        if key == "force group" { accounts.privileged_group(name) } else { accounts.privileged_user(name) };
    // (`nobody` is unprivileged by design: see `accounts`.)
    (privileged == Some(true))
        .then(|| format!("{key} = {value} names a system account: every user of the share acts with its rights"))
}

//! SMB-015: no Samba parameter runs a program as root.

use crate::rules::*;
use nasguard_model::{SmbAuxLine, parse_smb_aux, smb_runs_a_command};

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-015",
        title: "No Samba parameter runs a program as root",
        service: Some(Service::Smb),
        severity: Severity::High,
        rationale: "smbd runs as root. `root preexec` runs a command as root whenever a share is connected, `username map script`, `add user script`, `print command` and every other `... command` / `... script` parameter run programs smbd chooses to start, with the client's input substituted in. nasguard refuses these parameters as auxiliary lines; this rule finds them in hand-written configs and TrueNAS backups (the Samba sibling of SSH-018).",
        remediation: "Remove the line; do what it did outside Samba (nasguard manages accounts with `nasguard user`).",
        fixable: false,
        field: None,
    },
    check: Some(check),
    fix: None,
    live: None,
};

/// A line that names a program (a yes/no such as `preexec close` does not).
fn runs(l: &SmbAuxLine) -> bool {
    smb_runs_a_command(&l.key)
        && !l.value.trim().is_empty()
        && nasguard_model::keywords::smb::samba_bool(l.value.trim()).is_none()
}

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    let mut out = vec![];
    let mut raise = |object: ObjectRef, what: &str, l: &SmbAuxLine| {
        let mut f = info.finding(
            object,
            info.severity,
            &format!("{what}{} = {}: runs a program as root (smbd runs as root)", l.key, l.value),
        );
        f.field = Some(l.key.clone());
        out.push(f);
    };
    let (global, _) = parse_smb_aux(&cfg.smb.smb_options);
    for l in global.iter().filter(|l| runs(l)) {
        raise(ObjectRef::from("smb"), "", l);
    }
    for share in cfg.smb_shares.iter().filter(|s| s.enabled) {
        let (own, _) = parse_smb_aux(&share.auxsmbconf);
        for l in own.iter().filter(|l| runs(l)) {
            raise(object::smb_share(share), &format!("share {}: ", share.name), l);
        }
    }
    out
}

//! SSH-018: no sshd option runs a program, reads a file or loads a library as root.

use crate::rules::*;
use nasguard_model::ssh::parse_options;
use nasguard_model::ssh_keywords::danger;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SSH-018",
        title: "No sshd option runs a program or reads a file as root",
        service: Some(Service::Ssh),
        severity: Severity::High,
        rationale: "sshd runs as root. AuthorizedKeysCommand runs a program before anyone authenticates (as root when AuthorizedKeysCommandUser says so), Banner shows any file to unauthenticated clients, SecurityKeyProvider loads a library into sshd, SetEnv puts LD_PRELOAD into every session. nasguard refuses these keywords as auxiliary parameters; this rule finds them in hand-written configs.",
        remediation: "Remove the line, or replace what it does with a setting nasguard manages (keys through `nasguard user`, a login banner through /etc/issue.net managed outside sshd).",
        fixable: true,
        field: None,
    },
    check: Some(check),
    fix: Some(fix),
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    let (lines, _) = parse_options(&cfg.ssh.options);
    lines
        .iter()
        .filter_map(|l| {
            let d = danger(&l.keyword, &l.args).filter(|d| d.is_host_risk())?;
            let mut f =
                info.finding("ssh", info.severity, &format!("sshd option {} {}: {}", l.keyword, l.args, d.reason()));
            f.field = Some(l.keyword.clone());
            Some(f)
        })
        .collect()
}

fn fix(cfg: &mut Config, _obj: &ObjectRef) {
    let (lines, _) = parse_options(&cfg.ssh.options);
    for l in lines.iter().filter(|l| danger(&l.keyword, &l.args).is_some_and(|d| d.is_host_risk())) {
        cfg.ssh.remove_option(&l.keyword);
    }
}

//! SMB-014: a share's hosts allow list restricts something.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-014",
        title: "hosts allow restricts",
        service: Some(Service::Smb),
        severity: Severity::Medium,
        rationale: "A hosts allow list that admits every address (ALL, 0.0.0.0/0, halves that add up to everything, a bare wildcard) looks like a restriction and is none. An empty list is Samba's default and says what it does; a list that admits everyone hides it.",
        remediation: "List the networks or hosts that need the share, or leave hosts allow empty if every host may connect.",
        fixable: false,
        field: Some("hostsallow"),
    },
    check: Some(check),
    fix: None,
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    cfg.smb_shares
        .iter()
        .filter_map(|s| {
            let why = s.hostsallow_admits_everyone()?;
            Some(info.finding(
                object::smb_share(s),
                info.severity,
                &format!("share {}: hosts allow {} ({why}): every host may connect", s.name, s.hostsallow.join(" ")),
            ))
        })
        .collect()
}

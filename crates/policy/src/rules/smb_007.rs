//! SMB-007: Share purpose is Default share parameters.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "SMB-007",
        title: "Share purpose is Default share parameters",
        service: Some(Service::Smb),
        severity: Severity::Low,
        rationale: "TrueNAS recommends the Default share parameters purpose unless a specific purpose is required; No presets leaves every setting to hand tuning.",
        remediation: "Set the share's purpose to DEFAULT_SHARE, or waive the finding with the reason the other purpose is needed.",
        fixable: true,
        field: None,
    },
    check: Some(check),
    fix: Some(fix),
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    cfg.smb_shares
        .iter()
        .filter(|s| s.purpose != SmbPurpose::DefaultShare)
        .map(|s| {
            let severity = if s.purpose == SmbPurpose::NoPreset { info.severity } else { Severity::Info };
            info.finding(
                object::smb_share(s),
                severity,
                &format!("share {:?} uses purpose {} ({})", s.name, s.purpose.name(), s.purpose.label()),
            )
        })
        .collect()
}

fn fix(cfg: &mut Config, obj: &ObjectRef) {
    if let Some(s) = smb_share_mut(cfg, obj) {
        s.purpose = SmbPurpose::DefaultShare;
    }
}

//! ISCSI-004: CHAP secret hygiene.

use crate::rules::*;

pub(crate) static RULE: Rule = Rule {
    info: RuleInfo {
        id: "ISCSI-004",
        title: "CHAP secret hygiene",
        service: Some(Service::Iscsi),
        severity: Severity::Medium,
        rationale: "CHAP is MD5 over a shared secret: a secret used twice is exposed twice, and captured exchanges can be guessed offline.",
        remediation: "Give every credential its own random 16-character secret.",
        fixable: false,
        field: None,
    },
    check: Some(check),
    fix: None,
    live: None,
};

fn check(cfg: &Config, _facts: &Facts, info: &RuleInfo) -> Vec<Finding> {
    let mut out = vec![];
    let auths = &cfg.iscsi.auths;
    for (i, a) in auths.iter().enumerate() {
        let reused =
            auths[..i].iter().any(|b| b.secret == a.secret || (!b.peersecret.is_empty() && b.peersecret == a.secret));
        if reused {
            out.push(info.finding(
                &format!("iscsi/auth/{}", a.tag),
                info.severity,
                &format!("auth group {} user {:?} reuses a secret of another credential", a.tag, a.user),
            ));
        }
    }
    out
}

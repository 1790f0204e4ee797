//! The rule catalog. Each rule is one module (`smb_001.rs`, ...) holding its
//! metadata, its check on the model and its fix together; `catalog.rs` lists
//! them in order. The helpers below are what several rules share.

mod catalog;

pub(crate) use crate::object::ObjectRef;
pub(crate) use crate::observed::Observed;
pub(crate) use crate::{Evidence, Facts, Finding, Severity, object};
pub(crate) use nasguard_model::iscsi::{AuthMethod, InitiatorGroup};
pub(crate) use nasguard_model::nfs::NfsShare;
pub(crate) use nasguard_model::smb::{MinProtocol, ServerSigning, SmbPurpose};
pub(crate) use nasguard_model::ssh_algos::{
    CIPHERS, HOSTKEY, KEX, MACS, PQ_KEX, RECOMMENDED_CIPHERS, RECOMMENDED_HOSTKEY, RECOMMENDED_KEX, RECOMMENDED_MACS,
    Strength, Table, classify,
};
pub(crate) use nasguard_model::{Config, Service};

/// What a rule is: the catalog entry shown in `--help`, SARIF and the UI.
#[derive(Debug, Clone, Copy, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleInfo {
    pub id: &'static str,
    pub title: &'static str,
    /// `None`: the rule applies to every service (GEN-001).
    pub service: Option<Service>,
    /// The default severity; a finding may be raised or lowered (SSH-005).
    pub severity: Severity,
    pub rationale: &'static str,
    pub remediation: &'static str,
    /// Whether `nasguard fix` can remedy it by changing the model.
    pub fixable: bool,
    /// The model field the rule judges, to locate findings in config files.
    pub field: Option<&'static str>,
}

pub type Check = fn(&Config, &Facts, &RuleInfo) -> Vec<Finding>;
pub type Fix = fn(&mut Config, &ObjectRef);
/// A check on what a live probe saw; the `&str` is the probed target.
pub type LiveCheck = fn(&Observed, &RuleInfo, &str) -> Vec<Finding>;

pub struct Rule {
    pub info: RuleInfo,
    /// The check on the stored model; `None` when only parsed configs or
    /// live probes can decide the rule.
    pub check: Option<Check>,
    /// The fix for one finding's object.
    pub fix: Option<Fix>,
    /// The check on live evidence (same rule ID, `evidence: live`).
    pub live: Option<LiveCheck>,
}

pub fn catalog() -> &'static [&'static Rule] {
    catalog::RULES
}

pub fn find_rule(id: &str) -> Option<&'static Rule> {
    catalog().iter().copied().find(|r| r.info.id.eq_ignore_ascii_case(id))
}

impl RuleInfo {
    /// A config-evidence finding of this rule.
    pub fn finding(&self, object: impl Into<ObjectRef>, severity: Severity, message: &str) -> Finding {
        Finding {
            rule: self.id.to_string(),
            severity,
            service: self.service.unwrap_or(Service::Smb),
            object: object.into(),
            message: message.to_string(),
            remediation: self.remediation.to_string(),
            fixable: self.fixable,
            evidence: Evidence::Config,
            field: None,
            location: None,
        }
    }
}

/// A finding when the SMB auxiliary lines set `key` to a value `bad`
/// judges insecure (imported configs carry their effective value there).
pub(crate) fn smb_raw_finding(
    cfg: &Config,
    info: &RuleInfo,
    key: &str,
    bad: impl Fn(&str) -> bool,
    message: impl Fn(&str) -> String,
) -> Vec<Finding> {
    let (lines, _) = nasguard_model::parse_smb_aux(&cfg.smb.smb_options);
    lines
        .iter()
        .filter(|l| l.key == key && bad(&l.value))
        .take(1)
        .map(|l| info.finding("smb", info.severity, &message(&l.value)))
        .collect()
}

impl RuleInfo {
    /// A live-evidence finding of this rule about `target`.
    pub fn live_finding(&self, target: &str, severity: Severity, message: &str) -> Finding {
        // A live finding is about a host on the network: its remedy is a
        // config change there, not a fix of this machine's model.
        Finding { evidence: Evidence::Live, fixable: false, ..self.finding(target, severity, message) }
    }
}

/// SSH-004 on a cipher list: anything outside the recommended set.
pub(crate) fn outside_recommended(list: &[String]) -> Option<String> {
    let extra: Vec<&str> = list.iter().map(String::as_str).filter(|c| !RECOMMENDED_CIPHERS.contains(c)).collect();
    (!extra.is_empty()).then(|| format!("ciphers outside the recommended set: {}", extra.join(", ")))
}

/// SSH-005 on a cipher list: the broken and CBC ones, with the severity.
pub(crate) fn weak_ciphers(info: &RuleInfo, list: &[String]) -> Option<(Severity, String)> {
    let mut worst = None;
    let mut names = vec![];
    for c in list {
        if let Some((strength, why)) = classify(CIPHERS, c)
            && strength >= Strength::Bad
        {
            worst = worst.max(Some(strength));
            names.push(format!("{c} ({why})"));
        }
    }
    let severity = if worst? == Strength::Broken { Severity::Critical } else { info.severity };
    Some((severity, format!("weak ciphers offered: {}", names.join(", "))))
}

/// SSH-007's extra note: no post-quantum key exchange.
pub(crate) fn no_pq_kex(list: &[String]) -> bool {
    !list.iter().any(|k| PQ_KEX.contains(&k.as_str()))
}

/// SSH-004/005 fix: the recommended cipher list and no weak extras.
pub(crate) fn reset_ciphers(cfg: &mut Config) {
    cfg.ssh.ciphers = RECOMMENDED_CIPHERS.map(String::from).to_vec();
    cfg.ssh.weak_ciphers.clear();
}

#[allow(clippy::too_many_arguments)]
/// One finding for the weak names in `list`: `bad` severity if any is Bad or
/// Broken, else `weak` severity if any is Weak.
pub(crate) fn algorithm_finding(
    info: &RuleInfo,
    list: &[String],
    evidence: Evidence,
    object: &str,
    table: Table,
    what: &str,
    bad: Severity,
    weak: Severity,
) -> Vec<Finding> {
    let judged: Vec<(String, Strength, &str)> = list
        .iter()
        .filter_map(|n| classify(table, n).map(|(s, why)| (n.clone(), s, why)))
        .filter(|(_, s, _)| *s >= Strength::Weak)
        .collect();
    let Some(worst) = judged.iter().map(|(_, s, _)| *s).max() else { return vec![] };
    let severity = if worst >= Strength::Bad { bad } else { weak };
    let names: Vec<String> = judged.iter().map(|(n, _, why)| format!("{n} ({why})")).collect();
    let message = format!("weak {what} offered: {}", names.join(", "));
    vec![match evidence {
        Evidence::Live => info.live_finding(object, severity, &message),
        Evidence::Config => info.finding(object, severity, &message),
    }]
}

/// What an sshd option must be for a hardening rule to pass.
#[derive(Clone, Copy)]
pub(crate) enum Want {
    Is(&'static str),
    AtMost(&'static str),
    /// `MaxStartups start:rate:full` no looser than the given triple.
    Startups(&'static str),
}

fn startups(v: &str) -> Option<[u32; 3]> {
    let parts: Vec<u32> = v.split(':').map(|p| p.trim().parse().ok()).collect::<Option<_>>()?;
    match parts[..] {
        [a] => Some([a, 100, a]),
        [a, b, c] => Some([a, b, c]),
        _ => None,
    }
}

fn satisfied(value: &str, want: Want) -> bool {
    match want {
        Want::Is(w) => value.eq_ignore_ascii_case(w),
        // 0 means "no limit" (LoginGraceTime) or "off" (ClientAlive*), so
        // it never satisfies an upper bound.
        Want::AtMost(w) => {
            let n = value.trim_end_matches(['s', 'S']).parse::<u64>();
            matches!((n, w.parse::<u64>()), (Ok(n), Ok(max)) if (1..=max).contains(&n))
        }
        Want::Startups(w) => match (startups(value), startups(w)) {
            (Some([a, _, c]), Some([wa, _, wc])) => a <= wa && c <= wc,
            _ => false,
        },
    }
}

/// One finding listing every option whose effective value misses its want.
pub(crate) fn option_findings(cfg: &Config, info: &RuleInfo, wants: &[(&str, Want)]) -> Vec<Finding> {
    let misses: Vec<String> = wants
        .iter()
        .filter_map(|(keyword, want)| {
            let value = cfg.ssh.effective_option(keyword)?;
            (!satisfied(&value, *want)).then(|| format!("{keyword} {value}"))
        })
        .collect();
    if misses.is_empty() {
        return vec![];
    }
    vec![info.finding(
        "ssh",
        info.severity,
        &format!("sshd settings weaker than the hardened values: {}", misses.join(", ")),
    )]
}

/// ISCSI-005/006: targets with a group whose initiator group is missing or
/// fails `open` (an empty list).
pub(crate) fn access_findings(
    cfg: &Config,
    info: &RuleInfo,
    open: impl Fn(&InitiatorGroup) -> bool,
    what: &str,
) -> Vec<Finding> {
    cfg.iscsi
        .targets
        .iter()
        .filter(|t| {
            t.groups.iter().any(|g| match g.initiator.and_then(|id| cfg.iscsi.initiator_group(id)) {
                None => true,
                Some(group) => open(group),
            })
        })
        .map(|t| info.finding(object::iscsi_target(t), info.severity, &format!("target {}: {what}", t.name)))
        .collect()
}

pub(crate) fn nfs_share_mut<'a>(cfg: &'a mut Config, obj: &ObjectRef) -> Option<&'a mut NfsShare> {
    let ObjectRef::NfsShare(id) = obj else { return None };
    cfg.nfs_shares.iter_mut().find(|s| s.id == *id)
}

pub(crate) fn smb_share_mut<'a>(cfg: &'a mut Config, obj: &ObjectRef) -> Option<&'a mut nasguard_model::smb::SmbShare> {
    let ObjectRef::SmbShare(name) = obj else { return None };
    cfg.smb_shares.iter_mut().find(|s| &s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_well_formed() {
        let mut ids: Vec<&str> = catalog().iter().map(|r| r.info.id).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n);
        for id in ids {
            let (svc, num) = id.split_once('-').unwrap();
            assert!(["SMB", "SSH", "NFS", "ISCSI", "GEN"].contains(&svc) && num.len() == 3, "{id}");
        }
    }

    #[test]
    fn option_wants() {
        assert!(satisfied("4", Want::AtMost("4")));
        assert!(!satisfied("6", Want::AtMost("4")));
        assert!(satisfied("60s", Want::AtMost("60")));
        assert!(!satisfied("0", Want::AtMost("60")), "0 is unlimited");
        assert!(satisfied("10:30:60", Want::Startups("10:30:60")));
        assert!(!satisfied("100", Want::Startups("10:30:60")));
        assert!(satisfied("No", Want::Is("no")));
    }
}

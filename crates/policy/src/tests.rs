//! The catalog as a spec: each insecure setting raises its rule with its
//! severity, and the rule's fix (where there is one) clears it.

use super::*;
use nasguard_model::iscsi::{Auth, AuthMethod, InitiatorGroup, Portal, PortalListen, Target, TargetGroup};
use nasguard_model::nfs::NfsShare;
use nasguard_model::smb::{MinProtocol, ServerSigning, SmbPurpose, SmbShare};
use nasguard_model::ssh::WeakCipher;
use nasguard_model::{Config, Secret};

fn rules_at_or_above(cfg: &Config, min: Severity) -> Vec<(String, Severity)> {
    audit(cfg, &Facts::default()).into_iter().filter(|f| f.severity >= min).map(|f| (f.rule, f.severity)).collect()
}

/// Asserts that `make_insecure` raises exactly `rule` at `severity`, and
/// that fixing every finding of that rule clears it.
fn check(rule: &str, severity: Severity, make_insecure: impl Fn(&mut Config)) {
    let mut cfg = base();
    make_insecure(&mut cfg);
    // Raw Samba values only come from imported configs, which are not
    // validated; every other insecure setting must be a valid model.
    if !["SMB-003", "SMB-009", "SMB-010", "SMB-013"].contains(&rule) {
        assert_eq!(cfg.validate(), Ok(()), "the insecure config for {rule} must still be valid");
    }
    let found: Vec<Finding> = audit(&cfg, &Facts::default()).into_iter().filter(|f| f.rule == rule).collect();
    assert!(!found.is_empty(), "{rule} did not fire");
    assert!(found.iter().any(|f| f.severity == severity), "{rule}: {found:?}");
    if find_rule(rule).and_then(|r| r.fix).is_some() {
        for f in &found {
            assert!(fix(&mut cfg, f));
        }
        let left: Vec<Finding> = audit(&cfg, &Facts::default()).into_iter().filter(|f| f.rule == rule).collect();
        assert!(left.is_empty(), "{rule} still fires after its fix: {left:?}");
    }
}

/// A config with one share of each kind, all secure.
fn base() -> Config {
    let mut cfg = Config::default();
    cfg.smb_shares.push(SmbShare { id: 1, name: "media".into(), path: "/srv/media".into(), ..Default::default() });
    cfg.nfs_shares.push(NfsShare {
        id: 1,
        path: "/srv/nfs".into(),
        networks: vec!["192.168.1.0/24".parse().unwrap()],
        ..Default::default()
    });
    cfg.iscsi.auths.push(Auth {
        id: 1,
        tag: 1,
        user: "chapuser".into(),
        secret: Secret::new("Secret123456"),
        peeruser: "peer".into(),
        peersecret: Secret::new("PeerSecret1234"),
    });
    cfg.iscsi.portals.push(Portal {
        id: 1,
        tag: 1,
        listen: vec![PortalListen { ip: "127.0.0.1".parse().unwrap(), port: None }],
        discovery_authmethod: AuthMethod::ChapMutual,
        discovery_authgroup: Some(1),
        ..Default::default()
    });
    cfg.iscsi.initiators.push(InitiatorGroup {
        id: 1,
        initiators: vec!["iqn.2026-01.test:client".into()],
        auth_network: vec!["192.168.1.0/24".parse().unwrap()],
        ..Default::default()
    });
    cfg.iscsi.targets.push(Target {
        id: 1,
        name: "disk1".into(),
        groups: vec![TargetGroup { portal: 1, initiator: Some(1), authmethod: AuthMethod::ChapMutual, auth: Some(1) }],
        ..Default::default()
    });
    cfg
}

#[test]
fn fresh_and_fully_configured_defaults_pass_every_rule_at_low_and_above() {
    assert_eq!(rules_at_or_above(&Config::default(), Severity::Low), vec![]);
    assert_eq!(base().validate(), Ok(()));
    assert_eq!(rules_at_or_above(&base(), Severity::Low), vec![]);
}

#[test]
fn smb_recommendations() {
    check("SMB-001", Severity::High, |c| c.smb.minimum_protocol = MinProtocol::Smb1);
    check("SMB-002", Severity::High, |c| c.smb.ntlmv1_auth = true);
    check("SMB-004", Severity::Medium, |c| c.smb.server_signing = ServerSigning::Default);
    check("SMB-005", Severity::Info, |_| {});
    check("SMB-007", Severity::Low, |c| c.smb_shares[0].purpose = SmbPurpose::NoPreset);
    check("SMB-008", Severity::High, |c| c.smb_shares[0].guestok = true);
}

#[test]
fn raw_samba_values_from_imported_configs_are_judged() {
    // Validation refuses these lines in a stored model; an imported config
    // carries them with their effective values.
    check("SMB-003", Severity::High, |c| c.smb.smb_options = "lanman auth = yes".into());
    check("SMB-009", Severity::Medium, |c| c.smb.smb_options = "map to guest = Bad User".into());
    check("SMB-010", Severity::Medium, |c| c.smb.smb_options = "restrict anonymous = 0".into());
    check("SMB-013", Severity::Low, |c| c.smb.smb_options = "client signing = default".into());
}

/// Evidence that only hand-written configs (`audit --config-dir`, import,
/// TrueNAS backups) can carry: validation refuses it in a stored model.
fn imported(rule: &str, severity: Severity, make: impl Fn(&mut Config)) -> Vec<Finding> {
    let mut cfg = base();
    make(&mut cfg);
    assert!(cfg.validate().is_err(), "{rule}: a stored model must refuse this");
    let found: Vec<Finding> = audit(&cfg, &Facts::default()).into_iter().filter(|f| f.rule == rule).collect();
    assert!(found.iter().any(|f| f.severity == severity), "{rule}: {found:?}");
    found
}

#[test]
fn shares_that_act_as_root_are_found_however_written() {
    for aux in
        ["force user = root", "force group = wheel", "force group = +sudo", "force user = %U", "admin users = alice"]
    {
        let f = imported("SMB-012", Severity::High, |c| c.smb_shares[0].auxsmbconf = aux.into());
        assert_eq!(f[0].field.as_deref(), aux.split(" =").next(), "{aux}");
    }
    // A [global] default reaches every share.
    imported("SMB-012", Severity::High, |c| c.smb.smb_options = "force user = root".into());
    // An imported share's invalid users without root (a stored one gets root
    // added by normalisation).
    let mut cfg = base();
    cfg.smb_shares[0].auxsmbconf = "invalid users = bob".into();
    assert!(audit(&cfg, &Facts::default()).iter().any(|f| f.rule == "SMB-012" && f.severity == Severity::Medium));
    cfg.normalize();
    assert!(audit(&cfg, &Facts::default()).iter().all(|f| f.rule != "SMB-012"));
    // A system account is privileged by its uid, whatever its name.
    let mut cfg = base();
    cfg.smb_shares[0].auxsmbconf = "force user = daemon".into();
    let accounts = nasguard_model::accounts::Accounts::parse("daemon:x:1:1::/:/bin/false\n", "", "");
    let facts = Facts { accounts: Some(accounts), ..Default::default() };
    assert!(audit(&cfg, &facts).iter().any(|f| f.rule == "SMB-012" && f.severity == Severity::High));
    // An unprivileged account is fine.
    cfg.smb_shares[0].auxsmbconf = "force user = media".into();
    assert_eq!(cfg.validate(), Ok(()));
    assert!(audit(&cfg, &Facts::default()).iter().all(|f| f.rule != "SMB-012"));
}

#[test]
fn hosts_allow_that_admits_everyone_is_found() {
    for list in [&["ALL"][..], &["0.0.0.0/0"], &["0.0.0.0/1", "128.0.0.0/1"], &["*"], &["::/0"]] {
        imported("SMB-014", Severity::Medium, |c| {
            c.smb_shares[0].hostsallow = list.iter().map(|s| s.to_string()).collect()
        });
    }
}

#[test]
fn sshd_options_that_run_programs_or_read_files_are_found() {
    for line in [
        "AuthorizedKeysCommand /bin/sh -c id",
        "AuthorizedKeysCommandUser root",
        "Banner /etc/shadow",
        "SetEnv LD_PRELOAD=/tmp/x.so",
        "SecurityKeyProvider /tmp/x.so",
        "ForceCommand /bin/sh",
        "TrustedUserCAKeys /etc/shadow",
    ] {
        let f = imported("SSH-018", Severity::High, |c| c.ssh.options = line.into());
        assert_eq!(f.len(), 1, "{line}");
    }
    let mut cfg = base();
    cfg.ssh.options = "Banner none".into();
    assert!(audit(&cfg, &Facts::default()).iter().all(|f| f.rule != "SSH-018"));
}

#[test]
fn smb_admin_group_members_are_compared_with_the_approved_list() {
    let mut cfg = base();
    cfg.smb.admin_group = Some("smbadmins".into());
    let facts = Facts {
        groups: Some([("smbadmins".to_string(), vec!["alice".to_string(), "mallory".to_string()])].into()),
        ..Default::default()
    };
    cfg.site.approved_smb_admins = vec!["alice".into()];
    let f: Vec<Finding> = audit(&cfg, &facts).into_iter().filter(|f| f.rule == "SMB-006").collect();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Medium);
    assert!(f[0].message.contains("mallory") && !f[0].message.contains("alice"), "{}", f[0].message);
    cfg.site.approved_smb_admins.push("mallory".into());
    assert!(audit(&cfg, &facts).iter().all(|f| f.rule != "SMB-006"));
    cfg.smb.admin_group = Some("nosuchgroup".into());
    assert!(audit(&cfg, &facts).iter().any(|f| f.rule == "SMB-006" && f.message.contains("does not exist")));
}

#[test]
fn ssh_recommendations() {
    check("SSH-001", Severity::High, |c| c.ssh.rootlogin = true);
    check("SSH-002", Severity::Medium, |c| c.ssh.passwordauth = true);
    check("SSH-003", Severity::Medium, |c| c.ssh.tcpfwd = true);
    check("SSH-004", Severity::High, |c| c.ssh.weak_ciphers = vec![WeakCipher::Aes128Cbc]);
    check("SSH-005", Severity::High, |c| c.ssh.ciphers.push("aes256-cbc".into()));
    check("SSH-005", Severity::Critical, |c| c.ssh.ciphers.push("arcfour".into()));
    check("SSH-006", Severity::High, |c| c.ssh.macs.push("hmac-sha1".into()));
    check("SSH-006", Severity::Low, |c| c.ssh.macs.push("hmac-sha2-256".into()));
    check("SSH-007", Severity::High, |c| c.ssh.kex_algorithms.push("diffie-hellman-group14-sha1".into()));
    check("SSH-007", Severity::Info, |c| c.ssh.kex_algorithms = vec!["curve25519-sha256".into()]);
    check("SSH-008", Severity::High, |c| c.ssh.hostkey_algorithms.push("ssh-rsa".into()));
    check("SSH-010", Severity::Critical, |c| c.ssh.options = "PermitEmptyPasswords yes".into());
    check("SSH-011", Severity::Medium, |c| c.ssh.options = "X11Forwarding yes".into());
    check("SSH-012", Severity::Medium, |c| c.ssh.options = "MaxAuthTries 10".into());
    check("SSH-014", Severity::Low, |c| c.ssh.options = "ClientAliveCountMax 10".into());
    check("SSH-016", Severity::Low, |c| c.ssh.options = "MaxStartups 100".into());
}

#[test]
fn cipher_rules_compare_sets_not_order() {
    let mut cfg = Config::default();
    cfg.ssh.ciphers.reverse();
    assert!(audit(&cfg, &Facts::default()).iter().all(|f| f.rule != "SSH-004"));
}

#[test]
fn disable_forwarding_satisfies_ssh_003() {
    let mut cfg = Config::default();
    cfg.ssh.tcpfwd = true;
    cfg.ssh.options = "DisableForwarding yes".into();
    assert!(audit(&cfg, &Facts::default()).iter().all(|f| f.rule != "SSH-003"));
}

#[test]
fn nfs_recommendations() {
    check("NFS-001", Severity::High, |c| {
        c.nfs_shares[0].networks.clear();
        c.nfs_shares[0].allow_everyone = true;
    });
    check("NFS-002", Severity::High, |c| c.nfs_shares[0].maproot_user = Some("root".into()));
    check("NFS-003", Severity::Medium, |c| c.nfs.allow_nonroot = true);
    check("NFS-004", Severity::High, |c| c.nfs_shares[0].hosts = vec!["*.example.com".into()]);
    check("NFS-005", Severity::High, |c| c.nfs_shares[0].mapall_user = Some("root".into()));
    check("NFS-008", Severity::Medium, |c| c.nfs.servers = Some(64));
}

#[test]
fn lists_that_add_up_to_everyone_are_everyone() {
    check("NFS-001", Severity::High, |c| {
        c.nfs_shares[0].networks = vec!["0.0.0.0/1".parse().unwrap(), "128.0.0.0/1".parse().unwrap()];
        c.nfs_shares[0].allow_everyone = true;
    });
    imported("NFS-001", Severity::High, |c| c.nfs_shares[0].hosts = vec!["0.0.0.0/0".into()]);
    imported("NFS-001", Severity::High, |c| c.nfs_shares[0].networks = vec!["::/0".parse().unwrap()]);
    imported("ISCSI-006", Severity::High, |c| {
        c.iscsi.initiators[0].auth_network = vec!["0.0.0.0/1".parse().unwrap(), "128.0.0.0/1".parse().unwrap()]
    });
    let mut cfg = base();
    cfg.iscsi.initiators[0].initiators = vec!["ALL".into()];
    assert!(audit(&cfg, &Facts::default()).iter().any(|f| f.rule == "ISCSI-005"));
}

#[test]
fn root_squash_off_on_an_open_export_is_critical() {
    check("NFS-002", Severity::Critical, |c| {
        c.nfs_shares[0].networks.clear();
        c.nfs_shares[0].allow_everyone = true;
        c.nfs_shares[0].maproot_user = Some("root".into());
    });
}

#[test]
fn iscsi_007_follows_the_backend_and_the_firewall() {
    use nasguard_model::deployment::IscsiBackend;
    let cfg = base();
    let fired = |e: Option<(IscsiBackend, bool)>| {
        let facts = Facts { iscsi_enforcement: e, ..Default::default() };
        audit(&cfg, &facts).into_iter().filter(|f| f.rule == "ISCSI-007").collect::<Vec<_>>()
    };
    // tgt alone (the sandbox): names and networks are either-or.
    assert!(!fired(None).is_empty());
    // LIO has no network list; without a firewall nothing enforces them ...
    let lio = fired(Some((IscsiBackend::Lio, false)));
    assert!(lio.iter().any(|f| f.message.contains("LIO has no per-network list")), "{lio:?}");
    // ... with nasguard's table on a host, a lone target's networks are enforced.
    assert!(fired(Some((IscsiBackend::Lio, true))).is_empty());
    assert!(fired(Some((IscsiBackend::Tgt, true))).is_empty());
}

#[test]
fn iscsi_recommendations() {
    check("ISCSI-007", Severity::Info, |_| {});
    check("ISCSI-001", Severity::High, |c| {
        c.iscsi.portals[0].discovery_authmethod = AuthMethod::None;
        c.iscsi.portals[0].discovery_authgroup = None;
    });
    check("ISCSI-002", Severity::High, |c| c.iscsi.targets[0].groups[0].authmethod = AuthMethod::None);
    check("ISCSI-003", Severity::Low, |c| c.iscsi.targets[0].groups[0].authmethod = AuthMethod::Chap);
    check("ISCSI-005", Severity::High, |c| c.iscsi.initiators[0].initiators.clear());
    check("ISCSI-006", Severity::High, |c| c.iscsi.initiators[0].auth_network.clear());
    check("ISCSI-004", Severity::Medium, |c| {
        let mut again = c.iscsi.auths[0].clone();
        again.id = 2;
        again.tag = 2;
        again.peeruser.clear();
        again.peersecret = Secret::default();
        c.iscsi.auths.push(again);
    });
}

#[test]
fn waivers_silence_one_object_until_they_expire() {
    let mut cfg = base();
    cfg.smb_shares[0].guestok = true;
    let findings = audit(&cfg, &Facts::default());
    let w = Waiver {
        rule: "SMB-008".into(),
        object: "smb/share/media".into(),
        reason: "kiosk".into(),
        expires: Some("2026-12-31".into()),
    };
    let (kept, waived) = apply_waivers(findings.clone(), std::slice::from_ref(&w), "2026-11-25");
    assert!(kept.iter().all(|f| f.rule != "SMB-008"));
    assert_eq!(waived.len(), 1);
    let (kept, waived) = apply_waivers(findings, &[w], "2027-01-01");
    assert!(kept.iter().any(|f| f.rule == "SMB-008"));
    assert!(waived.is_empty());
}

#[test]
fn every_rule_has_rationale_and_remediation() {
    for r in catalog() {
        assert!(
            !r.info.rationale.is_empty() && !r.info.remediation.is_empty() && !r.info.title.is_empty(),
            "{}",
            r.info.id
        );
        assert_eq!(r.info.fixable, r.fix.is_some(), "{}", r.info.id);
    }
}

//! Render -> parse -> import gives back the model (round trips), for fixed
//! and random models.

use super::*;
use nasguard_model::smb::SmbShare;
use nasguard_render::{Ids, Layout};
use proptest::prelude::*;
use std::path::Path;

fn layout() -> Layout {
    Layout::system(Path::new("/var/lib/nasguard"), "127.0.0.1".parse().unwrap())
}

fn round_trip(cfg: &Config) -> Imported {
    let mut imported = Imported::default();
    let smb = crate::smb::parse_text(&nasguard_render::smb::render(cfg, &layout(), 1));
    import_smb(&smb, &mut imported);
    let sshd = crate::sshd::parse_text(&nasguard_render::sshd::render(cfg, &layout(), 1));
    import_sshd(&sshd, &mut imported);
    let exports = crate::exports::parse_text(&nasguard_render::exports::render(cfg, &Ids::default(), 1).unwrap());
    import_exports(&exports, &mut imported);
    let tgt = crate::tgt::parse(&nasguard_render::tgt::render(cfg, 1), Path::new("targets.conf"));
    import_tgt(&tgt, &mut imported);
    imported
}

fn sample() -> Config {
    let mut cfg = Config::default();
    cfg.smb.minimum_protocol = MinProtocol::Smb3;
    cfg.smb.workgroup = "LAB".into();
    cfg.smb_shares.push(SmbShare {
        id: 1,
        name: "media".into(),
        path: "/srv/media".into(),
        comment: "films, music".into(),
        readonly: true,
        ..Default::default()
    });
    cfg.ssh.tcpfwd = true;
    cfg.ssh.ciphers = vec!["aes256-gcm@openssh.com".into(), "aes128-ctr".into()];
    cfg.nfs_shares.push(NfsShare {
        id: 1,
        path: "/srv/nfs".into(),
        networks: vec!["10.1.0.0/16".parse().unwrap()],
        hosts: vec!["backup.lan".into()],
        ..Default::default()
    });
    cfg.iscsi.auths.push(Auth {
        id: 1,
        tag: 1,
        user: "u".into(),
        secret: Secret::new("Secret123456"),
        ..Default::default()
    });
    cfg.iscsi.initiators.push(InitiatorGroup {
        id: 1,
        initiators: vec!["iqn.2026-01.a:b".into()],
        ..Default::default()
    });
    cfg.iscsi.portals.push(Portal {
        id: 1,
        tag: 1,
        listen: vec![],
        discovery_authmethod: AuthMethod::Chap,
        discovery_authgroup: Some(1),
        ..Default::default()
    });
    cfg.iscsi.targets.push(Target {
        id: 1,
        name: "disk1".into(),
        groups: vec![TargetGroup { portal: 1, initiator: Some(1), authmethod: AuthMethod::Chap, auth: Some(1) }],
        ..Default::default()
    });
    cfg.iscsi.extents.push(Extent { id: 1, name: "disk1".into(), path: "/srv/d.img".into(), ..Default::default() });
    cfg.iscsi.targetextents.push(TargetExtent { id: 1, target: 1, extent: 1, lunid: 0 });
    cfg
}

#[test]
fn rendered_configs_import_back() {
    let cfg = sample();
    let got = round_trip(&cfg).config;
    assert_eq!(got.smb.minimum_protocol, MinProtocol::Smb3);
    assert_eq!(got.smb.server_signing, ServerSigning::Mandatory);
    assert_eq!(got.smb.workgroup, "LAB");
    let share = &got.smb_shares[0];
    assert_eq!(
        (share.name.as_str(), share.path.as_str(), share.comment.as_str(), share.readonly),
        ("media", "/srv/media", "films, music", true)
    );
    assert_eq!(got.ssh.ciphers, cfg.ssh.ciphers);
    assert_eq!(got.ssh.macs, cfg.ssh.macs);
    assert!(got.ssh.tcpfwd && !got.ssh.rootlogin && !got.ssh.passwordauth);
    assert_eq!(got.nfs_shares[0].networks, cfg.nfs_shares[0].networks);
    assert_eq!(got.nfs_shares[0].hosts, cfg.nfs_shares[0].hosts);
    assert!(!got.nfs_shares[0].ro);
    let t = &got.iscsi.targets[0];
    assert_eq!(t.name, "iqn.2026-11.org.nasguard.ctl:disk1");
    assert_eq!(t.groups[0].authmethod, AuthMethod::Chap);
    assert_eq!(got.iscsi.portals[0].discovery_authmethod, AuthMethod::Chap);
    assert_eq!(got.iscsi.auths[1].secret.expose(), "Secret123456");
    assert_eq!(got.iscsi.extents[0].path, "/srv/d.img");
}

#[test]
fn ganesha_exports_import_back() {
    let cfg = sample();
    let text = nasguard_render::ganesha::render(&cfg, &layout(), &Ids::default(), 1).unwrap();
    let (top, diags) = crate::ganesha::parse(&text, Path::new("ganesha.conf"));
    assert!(diags.is_empty(), "{diags:?}");
    let mut imported = Imported::default();
    import_ganesha(&top, &mut imported);
    let got = &imported.config.nfs_shares[0];
    assert_eq!(got.path, "/srv/nfs");
    assert_eq!(got.networks, cfg.nfs_shares[0].networks);
    assert_eq!(got.hosts, cfg.nfs_shares[0].hosts);
    assert!(!got.ro);
}

#[test]
fn findings_are_located() {
    let mut cfg = sample();
    cfg.ssh.rootlogin = true;
    let imported = round_trip(&cfg);
    let loc = imported.locate("ssh", Some("rootlogin")).unwrap();
    assert!(loc.line > 0);
    assert!(imported.locate("smb/share/media", None).is_some());
    assert!(imported.locate("nfs/share/1", None).is_some());
}

fn arb_config() -> impl Strategy<Value = Config> {
    (
        prop_oneof![Just(MinProtocol::Smb1), Just(MinProtocol::Smb2), Just(MinProtocol::Smb3)],
        any::<bool>(),
        any::<bool>(),
        proptest::sample::subsequence(nasguard_model::ssh_algos::RECOMMENDED_CIPHERS.to_vec(), 1..6),
        any::<(bool, bool, bool)>(),
        "[a-z][a-z0-9 ,.-]{0,20}",
        "/[a-z]{1,8}(/[a-z0-9]{1,8}){0,3}",
        proptest::collection::vec((1u8..250, 8u8..=24), 0..3),
        any::<bool>(),
    )
        .prop_map(|(proto, ntlm, mandatory, ciphers, (root, pw, fwd), comment, path, nets, ro)| {
            let mut c = Config::default();
            c.smb.minimum_protocol = proto;
            c.smb.ntlmv1_auth = ntlm;
            c.smb.server_signing = if mandatory { ServerSigning::Mandatory } else { ServerSigning::Default };
            c.ssh.ciphers = ciphers.into_iter().map(String::from).collect();
            c.ssh.rootlogin = root;
            c.ssh.passwordauth = pw;
            c.ssh.tcpfwd = fwd;
            c.smb_shares.push(SmbShare {
                id: 1,
                name: "s".into(),
                path: path.clone(),
                comment: comment.trim().to_string(),
                ..Default::default()
            });
            let networks: Vec<ipnet::IpNet> =
                nets.into_iter().map(|(a, p)| ipnet::IpNet::new([10, a, 0, 0].into(), p).unwrap().trunc()).collect();
            let mut networks = networks;
            networks.dedup();
            c.nfs_shares.push(NfsShare {
                id: 1,
                path,
                allow_everyone: networks.is_empty(),
                networks,
                ro,
                ..Default::default()
            });
            c
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn render_parse_import_round_trips(cfg in arb_config()) {
        let got = round_trip(&cfg).config;
        prop_assert_eq!(got.smb.minimum_protocol, cfg.smb.minimum_protocol);
        prop_assert_eq!(got.smb.ntlmv1_auth, cfg.smb.ntlmv1_auth);
        prop_assert_eq!(got.smb.server_signing, cfg.smb.server_signing);
        prop_assert_eq!(&got.smb_shares[0].path, &cfg.smb_shares[0].path);
        prop_assert_eq!(&got.smb_shares[0].comment, &cfg.smb_shares[0].comment);
        prop_assert_eq!(&got.ssh.ciphers, &cfg.ssh.ciphers);
        prop_assert_eq!((got.ssh.rootlogin, got.ssh.passwordauth, got.ssh.tcpfwd), (cfg.ssh.rootlogin, cfg.ssh.passwordauth, cfg.ssh.tcpfwd));
        prop_assert_eq!(&got.nfs_shares[0].networks, &cfg.nfs_shares[0].networks);
        prop_assert_eq!(got.nfs_shares[0].ro, cfg.nfs_shares[0].ro);
        prop_assert_eq!(got.nfs_shares[0].open_to_everyone(), cfg.nfs_shares[0].open_to_everyone());
    }
}

//! Shared bench fixtures.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use nasguard_model::iscsi::{
    Auth, AuthMethod, Extent, InitiatorGroup, Portal, PortalListen, Target, TargetExtent, TargetGroup,
};
use nasguard_model::nfs::NfsShare;
use nasguard_model::smb::{SmbPurpose, SmbShare};
use nasguard_model::{Config, Secret};
use std::net::{IpAddr, Ipv4Addr};

/// A large, valid config where about one object in ten is insecure, so the
/// rules have findings to build.
pub fn large_config(smb: u32, nfs: u32, targets: u32) -> Config {
    let mut cfg = Config::default();
    for i in 1..=smb {
        cfg.smb_shares.push(SmbShare {
            id: i,
            name: format!("share{i}"),
            path: format!("/mnt/tank/smb/{i}"),
            purpose: if i % 10 == 0 { SmbPurpose::NoPreset } else { SmbPurpose::DefaultShare },
            guestok: i % 17 == 0,
            comment: format!("share number {i}"),
            ..Default::default()
        });
    }
    for i in 1..=nfs {
        let open = i % 10 == 0;
        cfg.nfs_shares.push(NfsShare {
            id: i,
            path: format!("/mnt/tank/nfs/{i}"),
            networks: if open {
                vec![]
            } else {
                vec![format!("10.{}.{}.0/24", i / 256 % 256, i % 256).parse().unwrap()]
            },
            allow_everyone: open,
            ..Default::default()
        });
    }
    for i in 1..=targets {
        let ip = IpAddr::V4(Ipv4Addr::new(127, 1, (i / 256) as u8, (i % 256) as u8));
        cfg.iscsi.auths.push(Auth {
            id: i,
            tag: i,
            user: format!("user{i}"),
            secret: Secret::new(format!("Secret{i:08}ab")),
            ..Default::default()
        });
        cfg.iscsi.portals.push(Portal {
            id: i,
            tag: i,
            listen: vec![PortalListen { ip, port: None }],
            discovery_authmethod: if i % 10 == 0 { AuthMethod::None } else { AuthMethod::Chap },
            discovery_authgroup: if i % 10 == 0 { None } else { Some(i) },
            ..Default::default()
        });
        cfg.iscsi.initiators.push(InitiatorGroup {
            id: i,
            initiators: vec![format!("iqn.2026-01.lan.client:{i}")],
            auth_network: if i % 10 == 0 { vec![] } else { vec!["192.168.0.0/16".parse().unwrap()] },
            ..Default::default()
        });
        cfg.iscsi.targets.push(Target {
            id: i,
            name: format!("target{i}"),
            groups: vec![TargetGroup { portal: i, initiator: Some(i), authmethod: AuthMethod::Chap, auth: Some(i) }],
            ..Default::default()
        });
        cfg.iscsi.extents.push(Extent {
            id: i,
            name: format!("extent{i}"),
            path: format!("/mnt/tank/iscsi/{i}.img"),
            filesize: 1 << 30,
            ..Default::default()
        });
        cfg.iscsi.targetextents.push(TargetExtent { id: i, target: i, extent: i, lunid: 0 });
    }
    cfg
}

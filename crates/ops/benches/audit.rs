//! The core issue's benchmark: audit of a store with 10 000 SMB shares,
//! 10 000 NFS shares and 1 000 iSCSI targets. Goals: the audit itself
//! < 20 ms; loading from SQLite plus the audit < 200 ms.
//!
//! Run: `cargo bench -p nasguard-ops --bench audit`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use nasguard_model::iscsi::{
    Auth, AuthMethod, Extent, InitiatorGroup, Portal, PortalListen, Target, TargetExtent, TargetGroup,
};
use nasguard_model::nfs::NfsShare;
use nasguard_model::smb::{SmbPurpose, SmbShare};
use nasguard_model::{Config, Secret};
use nasguard_ops::{Nasguard, audit_config};
use nasguard_policy::Facts;
use nasguard_store::Deployment;
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

/// A large, valid config where about one object in ten is insecure, so the
/// rules have findings to build.
fn large_config(smb: u32, nfs: u32, targets: u32) -> Config {
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

fn bench(c: &mut Criterion) {
    let cfg = large_config(10_000, 10_000, 1_000);
    cfg.validate().expect("the benchmark config must be valid");
    let facts = Facts::default();
    let findings = audit_config(&cfg, &facts, "2026-11-25").findings.len();
    eprintln!("large config: 10000 SMB + 10000 NFS shares, 1000 iSCSI targets; {findings} findings");

    c.bench_function("audit 10k smb + 10k nfs + 1k iscsi (in memory)", |b| {
        b.iter(|| black_box(audit_config(black_box(&cfg), &facts, "2026-11-25")))
    });

    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let deployment = Deployment { mode: "sandbox".into(), bind: "127.0.0.1".into(), port_base: None };
    let mut ng = Nasguard::init(&state, &deployment, "bench").unwrap();
    ng.change("bench data", |c| {
        *c = cfg.clone();
        Ok(())
    })
    .unwrap();
    drop(ng);
    c.bench_function("open store + load from SQLite + audit (same data)", |b| {
        b.iter(|| {
            let ng = Nasguard::open(&state, "bench").unwrap();
            let snap = ng.snapshot().unwrap();
            black_box(audit_config(&snap.config, &facts, "2026-11-25"))
        })
    });
    c.bench_function("validate the same config", |b| b.iter(|| black_box(cfg.validate())));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);

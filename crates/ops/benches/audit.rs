//! The core issue's benchmark: audit of a store with 10 000 SMB shares,
//! 10 000 NFS shares and 1 000 iSCSI targets. Goals: the audit itself
//! < 20 ms; loading from SQLite plus the audit < 200 ms.
//!
//! Run: `cargo bench -p nasguard-ops --bench audit`

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::large_config;
use criterion::{Criterion, criterion_group, criterion_main};
use nasguard_ops::{Nasguard, audit_config};
use nasguard_policy::Facts;
use nasguard_store::Deployment;
use std::hint::black_box;

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
    let deployment = Deployment::loopback_sandbox(None);
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

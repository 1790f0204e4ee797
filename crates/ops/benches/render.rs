//! Render + validate-in-process of a model with 10 000 shares (goal
//! < 50 ms): the model's validation, every renderer, and nasguard's own
//! structural checks of the Ganesha and tgt output.
//!
//! Run: `cargo bench -p nasguard-ops --bench render`

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::large_config;
use criterion::{Criterion, criterion_group, criterion_main};
use nasguard_daemons::check::{ganesha_structure, tgt_structure};
use nasguard_model::Service;
use nasguard_render::{Ids, Layout, render_all};
use std::hint::black_box;
use std::path::Path;

fn bench(c: &mut Criterion) {
    let layout = Layout::sandbox(Path::new("/var/tmp/bench"), "127.0.0.1".parse().unwrap(), 20000).unwrap();
    for (smb, nfs, targets) in [(5_000, 5_000, 500), (10_000, 10_000, 1_000)] {
        let cfg = large_config(smb, nfs, targets);
        cfg.validate().unwrap();
        let name = format!("validate + render + check: {smb} smb + {nfs} nfs shares, {targets} targets");
        c.bench_function(&name, |b| {
            b.iter(|| {
                black_box(&cfg).validate().unwrap();
                let files = render_all(&cfg, &layout, &Ids::default()).unwrap();
                for f in &files {
                    match f.service {
                        Service::Nfs => ganesha_structure(&f.content).unwrap(),
                        Service::Iscsi => tgt_structure(&f.content).unwrap(),
                        _ => {}
                    }
                }
                black_box(files)
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);

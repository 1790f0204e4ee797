//! `apply` wall time against the daemons' own checkers on the same files
//! (goal: nasguard's overhead < 10 %). Each round changes SMB and SSH
//! settings, so apply renders, diffs, runs `testparm -s` and `sshd -t`,
//! and swaps both files atomically; the baseline runs just `testparm -s`
//! and `sshd -t` on the same two files. Daemons are not running, so no
//! reload is timed (that is the daemons' time, not nasguard's).
//!
//! Run: `cargo bench -p nasguard-ops --bench apply_overhead`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use nasguard_model::Service;
use nasguard_model::fields::Edit;
use nasguard_ops::Nasguard;
use nasguard_store::Deployment;
use std::process::Command;
use std::time::{Duration, Instant};

const ROUNDS: u32 = 100;

fn main() {
    if nasguard_daemons::program("testparm").is_none() || nasguard_daemons::program("sshd").is_none() {
        eprintln!("skipped: testparm and sshd are needed (bash .ci/install)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let d = Deployment::loopback_sandbox(Some(24000));
    let mut ng = Nasguard::init(&state, &d, "bench").unwrap();
    ng.apply(false).unwrap();
    let smb = state.join("etc/smb.conf");
    let sshd = state.join("etc/sshd_config");

    let mut apply = Duration::ZERO;
    for i in 0..ROUNDS {
        let proto = if i % 2 == 0 { "SMB3" } else { "SMB2" };
        let fwd = if i % 2 == 0 { "true" } else { "false" };
        ng.set_service(Service::Smb, Edit::Assignments(&[format!("minimum_protocol={proto}")])).unwrap();
        ng.set_service(Service::Ssh, Edit::Assignments(&[format!("tcpfwd={fwd}")])).unwrap();
        let t = Instant::now();
        let report = ng.apply(false).unwrap();
        apply += t.elapsed();
        assert_eq!(report.files.iter().filter(|f| f.changed).count(), 2);
    }
    let mut checkers = Duration::ZERO;
    for _ in 0..ROUNDS {
        let t = Instant::now();
        assert!(Command::new("testparm").arg("-s").arg(&smb).output().unwrap().status.success());
        assert!(Command::new("sshd").arg("-t").arg("-f").arg(&sshd).output().unwrap().status.success());
        checkers += t.elapsed();
    }
    // The fair baseline: the same two checkers side by side, as apply runs them.
    let mut parallel = Duration::ZERO;
    for _ in 0..ROUNDS {
        let t = Instant::now();
        std::thread::scope(|s| {
            let a = s.spawn(|| Command::new("testparm").arg("-s").arg(&smb).output().unwrap().status.success());
            let b = s.spawn(|| Command::new("sshd").arg("-t").arg("-f").arg(&sshd).output().unwrap().status.success());
            assert!(a.join().unwrap() && b.join().unwrap());
        });
        parallel += t.elapsed();
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3 / f64::from(ROUNDS);
    let (a, c, p) = (ms(apply), ms(checkers), ms(parallel));
    println!("apply (render, diff, testparm -s + sshd -t, atomic swap of 2 files): {a:.2} ms");
    println!("testparm -s then sshd -t on the same files:                        {c:.2} ms");
    println!("testparm -s and sshd -t side by side (as apply runs them):         {p:.2} ms");
    println!("nasguard overhead over the checkers it runs: {:.1} %  ({ROUNDS} rounds each)", (a - p) / p * 100.0);
    println!("apply vs running the checkers by hand, one after the other: {:.1} %", (a - c) / c * 100.0);
}

//! Scans of a fleet larger than one machine can run daemons for, side by
//! side with nmap in one run. The fleet is the benchmark responder
//! (`nasguard_probe::responder`): one listener answering on every
//! 127.x.y.z with the bytes OpenSSH 9.2 sent.
//!
//! - (a) 10 000 SSH hosts: `nasguard scan --targets FILE` against
//!   `nmap -Pn -n -T5 -p PORT --script +ssh2-enum-algos -iL FILE`: seconds,
//!   hosts/s, the ratio and each process's peak RSS.
//! - (b) 1 000 000 targets streamed (a range, `--format jsonl` to
//!   /dev/null): seconds, targets/s and peak RSS; then 100 000, to show the
//!   RSS does not follow the number of targets.
//!
//! Run: `cargo bench -p nasguard --bench fleet` (needs nmap and
//! /usr/bin/time; `bash .ci/install`). `NASGUARD_BENCH_STAGES=a` or `b`
//! runs one stage. Every address is on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nasguard_probe::responder::{Kind, Responder};
use std::path::Path;
use std::process::Command;

/// Runs `cmd` under `/usr/bin/time`: (wall seconds, peak RSS in MB).
fn timed(cmd: &mut Command) -> (f64, f64) {
    let report = tempfile::NamedTempFile::new().unwrap();
    let program = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
    let started = std::time::Instant::now();
    let status = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(report.path())
        .arg(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert!(status.code().is_some_and(|c| c <= 1), "{cmd:?}: {status}");
    let kb: f64 = std::fs::read_to_string(report.path()).unwrap().trim().lines().last().unwrap().parse().unwrap();
    (secs, kb / 1024.0)
}

fn nasguard() -> &'static str {
    env!("CARGO_BIN_EXE_nasguard")
}

fn stage(name: &str) -> bool {
    std::env::var("NASGUARD_BENCH_STAGES").map(|s| s.contains(name)).unwrap_or(true)
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    // Two tokio workers: the machine's two cores are shared with the scanner.
    let ssh = Responder::start(Kind::Ssh, 0, 2).unwrap();
    let port = ssh.port.to_string();

    if stage("a") {
        let n = 10_000u32;
        let hosts: Vec<String> = (0..n).map(|i| format!("127.1.{}.{}", i / 250, i % 250 + 1)).collect();
        let nmap_list = dir.path().join("hosts.txt");
        std::fs::write(&nmap_list, hosts.join("\n") + "\n").unwrap();
        let ours_list = dir.path().join("targets.txt");
        std::fs::write(&ours_list, hosts.iter().map(|h| format!("ssh://{h}:{port}\n")).collect::<String>()).unwrap();
        let ours = |conc: &str| {
            let mut c = Command::new(nasguard());
            c.args(["scan", "--format", "jsonl", "--progress", "never", "--fail-on", "none", "--timeout-ms", "10000"])
                .args(["--concurrency", conc])
                .arg("--targets")
                .arg(&ours_list);
            timed(&mut c)
        };
        let _ = ours("512"); // warm-up: page cache, the responder's threads
        let mut runs: Vec<(f64, f64)> = (0..5).map(|_| ours("512")).collect();
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (t, rss) = runs[runs.len() / 2];
        let have_nmap = Path::new("/usr/bin/nmap").exists();
        let (nt, nrss) = if have_nmap {
            let mut c = Command::new("nmap");
            c.args(["-Pn", "-n", "-T5", "-p", &port, "--script", "+ssh2-enum-algos", "-iL"]).arg(&nmap_list);
            timed(&mut c)
        } else {
            (f64::NAN, f64::NAN)
        };
        println!(
            "(a) {n} SSH hosts: nasguard scan {t:.3} s ({:.0} hosts/s, peak RSS {rss:.1} MB)  \
             nmap -T5 ssh2-enum-algos {nt:.3} s ({:.0} hosts/s, peak RSS {nrss:.1} MB)  ratio {:.1}x",
            f64::from(n) / t,
            f64::from(n) / nt,
            nt / t
        );
        for conc in ["64", "256", "1024"] {
            let (t, rss) = ours(conc);
            println!("    concurrency {conc:>5}: {t:.3} s ({:.0} hosts/s), peak RSS {rss:.1} MB", f64::from(n) / t);
        }
    }

    if stage("b") {
        for (n, last) in [(100_000u32, "127.17.134.159"), (1_000_000, "127.31.66.63")] {
            let spec = format!("ssh://127.16.0.0-{last}:{port}");
            let mut c = Command::new(nasguard());
            c.args(["scan", "--format", "jsonl", "--progress", "never", "--fail-on", "none", "--timeout-ms", "10000"])
                .args(["--concurrency", "512"])
                .arg(&spec);
            let (t, rss) = timed(&mut c);
            println!(
                "(b) {n} targets streamed (jsonl): {t:.2} s ({:.0} targets/s), peak RSS {rss:.1} MB",
                f64::from(n) / t
            );
        }
    }
    println!("responder served {} connections", ssh.served());
}

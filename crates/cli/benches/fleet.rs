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
//! - (c) 100 000 targets through the shared queue (PostgreSQL of its own),
//!   one `nasguard fleet worker` process against two.
//! - (d) agent reports ingested (50 hosts, each its own login, 20 findings
//!   a report): reports/s overall and the slowest second.
//! - (e) the fleet dashboard over 10 000 hosts x 50 findings: `/fleet`
//!   and `/api/v1/fleet/{hosts,rules}` at a fixed 100 requests/s (open
//!   loop: latency counted from when each request was due): p50, p99, max.
//!
//! Run: `cargo bench -p nasguard --bench fleet` (needs nmap, /usr/bin/time
//! and PostgreSQL; `bash .ci/install`). `NASGUARD_BENCH_STAGES=ab` runs
//! some stages. Every address is on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nasguard_fleet::testpg::Postgres;
use nasguard_probe::responder::{Kind, Responder};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

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

/// Whether to run stage `name`. Under `cargo test` (no `--bench`
/// argument: a debug build, where the figures mean nothing and a million
/// targets take minutes) none runs unless `NASGUARD_BENCH_STAGES` names it.
fn stage(name: &str) -> bool {
    let measuring = std::env::args().any(|a| a == "--bench");
    std::env::var("NASGUARD_BENCH_STAGES").map(|s| s.contains(name)).unwrap_or(measuring)
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
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    if stage("c") {
        queue(&rt, &port);
    }
    if stage("d") {
        ingest(&rt);
    }
    if stage("e") {
        dashboard(&rt, dir.path());
    }
    println!("responder served {} connections", ssh.served());
}

/// (c): 100 000 targets through the queue, one worker process, then two.
fn queue(rt: &tokio::runtime::Runtime, port: &str) {
    let pg = Postgres::start(&["fsync=off", "max_connections=200"]).unwrap();
    let worker = rt.block_on(async {
        let mut admin = nasguard_fleet::connect(&pg.admin_url).await.unwrap();
        nasguard_fleet::schema::migrate(&mut admin).await.unwrap();
        let (role, pw) =
            nasguard_fleet::admin::enroll(&mut admin, nasguard_fleet::admin::Kind::Worker, "bench").await.unwrap();
        pg.url(&role, &pw)
    });
    let mut one = 0.0;
    for (workers, first) in [(1, "127.40.0.0"), (2, "127.44.0.0")] {
        // 100 000 addresses: FIRST .. FIRST + 99 999.
        let start: u32 = first.parse::<std::net::Ipv4Addr>().unwrap().into();
        let last = std::net::Ipv4Addr::from(start + 99_999);
        let args = vec![format!("ssh://{first}-{last}:{port}")];
        let sources = nasguard_ops::scan::TargetSources::new(&args, &[]).unwrap();
        let t = Instant::now();
        rt.block_on(async {
            let mut admin = nasguard_fleet::connect(&pg.admin_url).await.unwrap();
            nasguard_fleet::queue::enqueue(&mut admin, &args, &sources, 500, 10_000).await.unwrap()
        });
        let enqueued = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let children: Vec<_> = (0..workers)
            .map(|i| {
                Command::new(nasguard())
                    .args(["fleet", "--db", &worker, "worker", "--exit-when-idle", "--concurrency", "256"])
                    .args(["--name", &format!("w{i}")])
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success());
        }
        let secs = t.elapsed().as_secs_f64();
        if workers == 1 {
            one = secs;
        }
        println!(
            "(c) 100000 targets through the queue, {workers} worker(s): {secs:.2} s ({:.0} targets/s; enqueued in \
             {enqueued:.2} s){}",
            100_000.0 / secs,
            if workers == 2 { format!("  2 vs 1: {:.2}x", one / secs) } else { String::new() }
        );
    }
}

fn report(findings: usize, n: usize) -> nasguard_fleet::model::AgentReport {
    use nasguard_fleet::model::{AgentReport, ReportFinding};
    use nasguard_policy::Severity;
    AgentReport {
        report_id: uuid::Uuid::new_v4(),
        taken_ms: nasguard_fleet::now_ms() + n as i64,
        version: "0.1.0".into(),
        revision: Some(7),
        live: true,
        findings: (0..findings)
            .map(|j| ReportFinding {
                rule: format!("RULE-{:03}", j % 40),
                severity: Severity::ALL[j % 5],
                service: "smb".into(),
                object: format!("share{j}"),
                message: "a finding as long as a real one's message usually is, give or take".into(),
                evidence: "config".into(),
            })
            .collect(),
        drift: vec![],
    }
}

/// (d): reports/s from 50 hosts at once, each on its own login.
fn ingest(rt: &tokio::runtime::Runtime) {
    let pg = Postgres::start(&["max_connections=200"]).unwrap();
    let urls: Vec<String> = rt.block_on(async {
        let mut admin = nasguard_fleet::connect(&pg.admin_url).await.unwrap();
        nasguard_fleet::schema::migrate(&mut admin).await.unwrap();
        let mut urls = vec![];
        for i in 0..50 {
            let (role, pw) =
                nasguard_fleet::admin::enroll(&mut admin, nasguard_fleet::admin::Kind::Host, &format!("h{i}"))
                    .await
                    .unwrap();
            urls.push(pg.url(&role, &pw));
        }
        urls
    });
    let per_host = 300;
    let done = Arc::new(AtomicU64::new(0));
    // Every host logs in first (50 SCRAM logins and backend forks are not
    // ingest): the clock starts when all of them are connected.
    let clients: Vec<_> = rt.block_on(async {
        let mut v = vec![];
        for url in &urls {
            v.push(nasguard_fleet::connect(url).await.unwrap());
        }
        v
    });
    let t = Instant::now();
    let per_second = rt.block_on(async {
        let sampler = {
            let done = done.clone();
            tokio::spawn(async move {
                let mut last = 0;
                let mut rates = vec![];
                let mut tick = tokio::time::interval(Duration::from_secs(1));
                tick.tick().await;
                loop {
                    tick.tick().await;
                    let now = done.load(Ordering::Relaxed);
                    rates.push(now - last);
                    last = now;
                    if now >= 50 * per_host {
                        return rates;
                    }
                }
            })
        };
        let mut set = tokio::task::JoinSet::new();
        for c in clients {
            let done = done.clone();
            set.spawn(async move {
                for n in 0..per_host {
                    assert!(nasguard_fleet::agent::send(&c, &report(20, n as usize)).await.unwrap());
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        while set.join_next().await.is_some() {}
        sampler.await.unwrap()
    });
    let secs = t.elapsed().as_secs_f64();
    let n = 50 * per_host;
    let full: Vec<u64> = per_second[..per_second.len().saturating_sub(1)].to_vec();
    println!(
        "(d) {n} agent reports (20 findings each, 50 hosts at once, fsync on): {secs:.2} s = {:.0} reports/s; \
         slowest full second {} reports; each second: {:?}",
        n as f64 / secs,
        full.iter().min().copied().unwrap_or(0),
        full
    );
}

/// (e): the dashboard over 10 000 hosts x 50 findings at 100 requests/s.
fn dashboard(rt: &tokio::runtime::Runtime, dir: &Path) {
    let pg = Postgres::start(&["fsync=off", "max_connections=200"]).unwrap();
    let url = rt.block_on(async {
        let mut admin = nasguard_fleet::connect(&pg.admin_url).await.unwrap();
        nasguard_fleet::schema::migrate(&mut admin).await.unwrap();
        admin
            .batch_execute(
                "INSERT INTO fleet_hosts (name, role_name)
                   SELECT 'nas-' || i, 'nasguard_h_nas_' || i FROM generate_series(1, 10000) i;
                 INSERT INTO fleet_reports (host, report_id, taken_at, version, revision,
                                            critical, high, medium, low, info, drift, body)
                   SELECT 'nas-' || i, gen_random_uuid(), now() - interval '3 days' - (i % 48) * interval '1 hour',
                          '0.1.0', 1, 0, 0, 0, 0, 0, 0, '{\"drift\": []}'
                   FROM generate_series(1, 10000) i;
                 INSERT INTO fleet_reports (host, report_id, taken_at, version, revision,
                                            critical, high, medium, low, info, drift, body)
                   SELECT 'nas-' || i, gen_random_uuid(), now() - (i % 48) * interval '1 hour', '0.1.0', 2,
                          i % 3, 10, 10, 10, 20 - i % 3, i % 2, '{\"drift\": []}'
                   FROM generate_series(1, 10000) i;
                 INSERT INTO fleet_findings (report, host, rule, severity, service, object, message, evidence)
                   SELECT r.id, r.host, 'RULE-' || lpad((j % 40)::text, 3, '0'),
                          CASE WHEN j < r.critical THEN 4 WHEN j < 10 + r.critical THEN 3 WHEN j < 20 + r.critical THEN 2
                               WHEN j < 30 + r.critical THEN 1 ELSE 0 END,
                          'smb', 'share' || j, 'a finding as long as a real one''s message usually is', 'config'
                   FROM fleet_reports r JOIN fleet_hosts h ON h.last_report = r.id, generate_series(0, 49) j;
                 ANALYZE;",
            )
            .await
            .unwrap();
        let (role, pw) =
            nasguard_fleet::admin::enroll(&mut admin, nasguard_fleet::admin::Kind::Dashboard, "bench").await.unwrap();
        let n: i64 = admin.query_one("SELECT count(*) FROM fleet_findings", &[]).await.unwrap().get(0);
        assert_eq!(n, 500_000);
        pg.url(&role, &pw)
    });
    let state = dir.join("serve-state");
    let run = |args: &[&str]| {
        let out = Command::new(nasguard()).env("NASGUARD_STATE_DIR", &state).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    run(&["init", "--sandbox", "--port-base", "21500"]);
    let pwfile = dir.join("pw");
    std::fs::write(&pwfile, "bench password here\n").unwrap();
    run(&["admin", "create", "bench", "--password-file", pwfile.to_str().unwrap()]);
    let token = run(&["token", "create", "--admin", "bench"]);
    let port = 18999;
    let mut server = Command::new(nasguard())
        .env("NASGUARD_STATE_DIR", &state)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--fleet-db", &url])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let http = reqwest::blocking::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..400 {
        if http.get(format!("{base}/api/v1/health")).send().is_ok_and(|r| r.status() == 200) {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    let paths = [
        "/fleet",
        "/api/v1/fleet/hosts",
        "/api/v1/fleet/rules",
        "/api/v1/fleet/hosts?severity=critical",
        "/api/v1/fleet/hosts?rule=RULE-007&severity=high",
    ];
    // Warm-up: the pool's connections, PostgreSQL's caches.
    for p in paths {
        let r = http.get(format!("{base}{p}")).bearer_auth(&token).send().unwrap();
        assert_eq!(r.status(), 200, "{p}");
    }
    let rate = 100u64;
    let secs = 30u64;
    let total = rate * secs;
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now() + Duration::from_millis(100);
    let threads: Vec<_> = (0..32)
        .map(|_| {
            let (next, http, base, token) = (next.clone(), http.clone(), base.clone(), token.clone());
            std::thread::spawn(move || {
                let mut lat = vec![];
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return lat;
                    }
                    let due = start + Duration::from_micros(i * 1_000_000 / rate);
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let p = paths[(i % paths.len() as u64) as usize];
                    let r = http.get(format!("{base}{p}")).bearer_auth(&token).send().unwrap();
                    assert_eq!(r.status(), 200);
                    let _ = r.bytes().unwrap();
                    lat.push((p, due.elapsed().as_secs_f64() * 1000.0));
                }
            })
        })
        .collect();
    let mut all: Vec<(&str, f64)> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    let _ = server.kill();
    let _ = server.wait();
    all.sort_by(|a, b| a.1.total_cmp(&b.1));
    let pct = |v: &[f64], q: f64| v[((v.len() as f64 * q) as usize).min(v.len() - 1)];
    let ms: Vec<f64> = all.iter().map(|x| x.1).collect();
    println!(
        "(e) fleet dashboard, 10000 hosts x 50 findings, {rate} req/s for {secs} s ({} requests over {:?}): \
         p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms.len(),
        paths,
        pct(&ms, 0.5),
        pct(&ms, 0.99),
        ms.last().copied().unwrap_or(0.0)
    );
    for p in paths {
        let v: Vec<f64> = all.iter().filter(|x| x.0 == p).map(|x| x.1).collect();
        println!("    {p:<40} p50 {:.1} ms, p99 {:.1} ms", pct(&v, 0.5), pct(&v, 0.99));
    }
}

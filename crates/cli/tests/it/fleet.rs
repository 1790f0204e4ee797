//! The fleet through the CLI, against a PostgreSQL server of the test's own
//! (initdb into a temporary directory, on 127.0.0.1, a free port; never the
//! system cluster): sandbox agents report, an outage loses no report, and
//! two worker processes share a scan even when one is killed with SIGKILL.

use crate::support::Sandbox;
use nasguard_fleet::testpg::Postgres;
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn pg() -> Option<Postgres> {
    if !Postgres::available() {
        assert!(std::env::var("NASGUARD_REQUIRE_DAEMONS").is_err(), "PostgreSQL is not installed");
        eprintln!("skipped: PostgreSQL is not installed (bash .ci/install)");
        return None;
    }
    Some(Postgres::start(&["fsync=off", "max_connections=200"]).unwrap())
}

/// `nasguard --json ARGS` in `s`, expecting success; its JSON answer.
fn json(s: &Sandbox, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = s.run(&all);
    assert_eq!(out.code, 0, "nasguard {args:?}: {}{}", out.stdout, out.stderr);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn count(pg: &Postgres, sql: &str) -> i64 {
    rt().block_on(async {
        let c = nasguard_fleet::connect(&pg.admin_url).await.unwrap();
        c.query_one(sql, &[]).await.unwrap().get::<_, i64>(0)
    })
}

fn outbox(s: &Sandbox) -> usize {
    std::fs::read_dir(s.state().join("fleet-outbox"))
        .map(|d| d.filter_map(Result::ok).filter(|e| e.path().extension().is_some_and(|x| x == "json")).count())
        .unwrap_or(0)
}

#[test]
fn twenty_agents_report_and_an_outage_loses_no_report() {
    let Some(pg) = pg() else { return };
    let admin = Sandbox::new();
    assert_eq!(json(&admin, &["fleet", "--db", &pg.admin_url, "init"])["applied"], serde_json::json!([1]));
    assert_eq!(json(&admin, &["fleet", "--db", &pg.admin_url, "init"])["applied"], serde_json::json!([]));
    let bad = admin.run(&["fleet", "--db", &pg.admin_url, "enroll", "host", "NAS 1"]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("host \"NAS 1\""), "{}", bad.stderr);

    // Twenty sandboxes, each enrolled as a host of its own, each reporting once.
    let hosts: Vec<(Sandbox, String)> = (0..20)
        .map(|i| {
            let s = Sandbox::new();
            let name = format!("nas-{i:02}");
            let url = json(&admin, &["fleet", "--db", &pg.admin_url, "enroll", "host", &name])["url"]
                .as_str()
                .unwrap()
                .to_string();
            (s, url)
        })
        .collect();
    // Some with findings: SMB1 on the odd ones.
    for (i, (s, _)) in hosts.iter().enumerate() {
        if i % 2 == 1 {
            s.ok(&["config", "set", "smb", "minimum_protocol=SMB1"]);
        }
    }
    for (s, url) in &hosts {
        let v = json(s, &["agent", "--db", url, "--no-live"]);
        assert_eq!((v["delivered"].as_u64(), v["new"].as_u64(), v["waiting"].as_u64()), (Some(1), Some(1), Some(0)));
        assert_eq!(outbox(s), 0);
    }
    assert_eq!(count(&pg, "SELECT count(*) FROM fleet_reports"), 20);
    assert_eq!(count(&pg, "SELECT count(*) FROM fleet_hosts WHERE last_report IS NOT NULL"), 20);
    assert_eq!(count(&pg, "SELECT count(DISTINCT host) FROM fleet_findings WHERE rule = 'SMB-001'"), 10);
    // One with the live self-audit too (its services are not running: the
    // report says so, it does not fail).
    let live = json(&hosts[0].0, &["agent", "--db", &hosts[0].1, "--timeout-ms", "500"]);
    assert_eq!(live["new"], 1, "{live}");

    // PostgreSQL stops while agents run every second; they keep their
    // reports in the outbox, and deliver them once it is back.
    let running: Vec<Child> = hosts[..4]
        .iter()
        .map(|(s, url)| {
            s.cmd()
                .args(["--json", "agent", "--no-live", "--every", "1", "--db", url])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    pg.stop().unwrap();
    std::thread::sleep(Duration::from_millis(3500));
    for (s, _) in &hosts[..4] {
        assert!(outbox(s) >= 2, "no report waited in the outbox");
    }
    // One-shot while it is down: exit 0, the report waits.
    let v = json(&hosts[5].0, &["agent", "--no-live", "--db", &hosts[5].1]);
    assert_eq!((v["delivered"].as_u64(), v["waiting"].as_u64()), (Some(0), Some(1)), "{v}");
    pg.restart().unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    // Stop the long-running agents (by pid), then flush each outbox once.
    let mut made = vec![];
    for mut child in running {
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        made.push(stdout.lines().filter(|l| l.contains("\"report\"")).count());
    }
    for (i, (s, url)) in hosts[..4].iter().enumerate() {
        // A report the database already has, sent again (an answer lost
        // on the way back): counted once.
        let sent = count(&pg, &format!("SELECT count(*) FROM fleet_reports WHERE host = 'nas-{i:02}'"));
        let v = json(s, &["agent", "--no-live", "--db", url]);
        assert_eq!(v["waiting"], 0, "{v}");
        assert_eq!(outbox(s), 0);
        // Every report this host made is in the database, once: the first
        // one-shot, the long-running agent's (printed, or made just before
        // it was killed and found in the outbox), and this one.
        let now = count(&pg, &format!("SELECT count(*) FROM fleet_reports WHERE host = 'nas-{i:02}'"));
        assert!(now > sent, "nas-{i:02}: nothing new");
        assert!(now as usize > 1 + made[i], "nas-{i:02}: {now} reports, {} made by the running agent", made[i]);
    }
    let v = json(&hosts[5].0, &["agent", "--no-live", "--db", &hosts[5].1]);
    assert_eq!((v["delivered"].as_u64(), v["new"].as_u64(), v["waiting"].as_u64()), (Some(2), Some(2), Some(0)));
    assert_eq!(count(&pg, "SELECT count(*) FROM fleet_reports WHERE host = 'nas-05'"), 3);

    // A report file delivered twice (copied back into the outbox) is counted once.
    let (s, url) = &hosts[6];
    let dir = s.state().join("fleet-outbox");
    let out = s.run(&["--json", "agent", "--no-live", "--db", "postgres://nobody:x@127.0.0.1:1/postgres"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let file = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
    let copy = std::fs::read(&file).unwrap();
    let v = json(s, &["agent", "--no-live", "--db", url]);
    assert_eq!((v["delivered"].as_u64(), v["new"].as_u64()), (Some(2), Some(2)), "{v}");
    std::fs::write(&file, copy).unwrap();
    let v = json(s, &["agent", "--no-live", "--db", url]);
    assert_eq!((v["delivered"].as_u64(), v["new"].as_u64()), (Some(2), Some(1)), "{v}");
    assert_eq!(count(&pg, "SELECT count(*) FROM fleet_reports WHERE host = 'nas-06'"), 4);
    // Reports are unique per host and id, whatever was resent.
    assert_eq!(
        count(&pg, "SELECT count(*) FROM fleet_reports"),
        count(&pg, "SELECT count(DISTINCT (host, report_id)) FROM fleet_reports")
    );
}

fn progress(pg: &Postgres, scan: i64) -> nasguard_fleet::queue::Progress {
    rt().block_on(async {
        let c = nasguard_fleet::connect(&pg.admin_url).await.unwrap();
        nasguard_fleet::queue::progress(&c, scan).await.unwrap().unwrap()
    })
}

#[test]
fn two_workers_share_a_scan_and_a_killed_one_loses_no_target() {
    use nasguard_probe::responder::{Kind, Responder};
    let Some(pg) = pg() else { return };
    let s = Sandbox::new();
    json(&s, &["fleet", "--db", &pg.admin_url, "init"]);
    let w1 = json(&s, &["fleet", "--db", &pg.admin_url, "enroll", "worker", "w1"])["url"].as_str().unwrap().to_string();
    let w2 = json(&s, &["fleet", "--db", &pg.admin_url, "enroll", "worker", "w2"])["url"].as_str().unwrap().to_string();
    let ssh = Responder::start(Kind::Ssh, 0, 2).unwrap();
    // 20 000 loopback addresses: 127.8.0.0 .. 127.8.78.31.
    let range = format!("ssh://127.8.0.0-127.8.78.31:{}", ssh.port);
    let v = json(&s, &["fleet", "--db", &pg.admin_url, "scan", &range, "--batch", "250", "--timeout-ms", "10000"]);
    assert_eq!(v["targets"], 20_000);
    let scan = v["scan"].as_i64().unwrap();
    // Workers may not enqueue.
    let refused = s.run(&["fleet", "--db", &w1, "scan", "ssh://127.0.0.1"]);
    assert_ne!(refused.code, 0);

    let worker = |url: &str, name: &str| -> Child {
        s.cmd()
            .args(["--json", "fleet", "--db", url, "worker", "--exit-when-idle", "--lease-secs", "3"])
            .args(["--concurrency", "128", "--name", name])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut doomed = worker(&w1, "doomed");
    let survivor = worker(&w2, "survivor");
    // Kill the first once it has written some results and holds a lease:
    // frozen (SIGSTOP) while that is checked, so it cannot finish its batch
    // between the check and the kill.
    let signal = |sig: &str| {
        assert!(Command::new("kill").args([sig, &doomed.id().to_string()]).status().unwrap().success());
    };
    let started = Instant::now();
    loop {
        let p = progress(&pg, scan);
        assert!(p.done < 20_000, "the scan ended before the worker could be killed: {p:?}");
        assert!(started.elapsed() < Duration::from_secs(120), "no progress: {p:?}");
        if p.done > 2000 {
            signal("-STOP");
            let held = count(&pg, "SELECT count(*) FROM fleet_batches WHERE state = 'leased' AND worker = 'doomed'");
            let wrote = count(&pg, "SELECT count(*) FROM fleet_results WHERE worker = 'doomed'");
            if wrote > 0 && held > 0 {
                break;
            }
            signal("-CONT");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // SIGKILL, by pid: no goodbye, its leases simply run out.
    signal("-9");
    let _ = doomed.wait();
    let out = survivor.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let p = progress(&pg, scan);
    assert_eq!((p.total, p.done, p.failed), (20_000, 20_000, 0), "{p:?}");
    assert_eq!((p.batches, p.batches_done, p.batches_leased), (80, 80, 0), "{p:?}");
    assert!(p.reclaims >= 1, "the dead worker's batch was not claimed again: {p:?}");
    assert!(count(&pg, "SELECT count(*) FROM fleet_results WHERE worker = 'survivor'") > 0, "both shared the scan");
    assert_eq!(count(&pg, &format!("SELECT count(DISTINCT idx) FROM fleet_results WHERE scan = {scan}")), 20_000);
    // Every target has its result, each an answer from the responder (the
    // captured OpenSSH 9.2 raises no live finding, so each list is empty).
    assert_eq!(
        count(
            &pg,
            &format!(
                "SELECT count(*) FROM fleet_targets t LEFT JOIN fleet_results r USING (scan, idx)
                 WHERE t.scan = {scan} AND r.idx IS NULL"
            )
        ),
        0
    );
    assert_eq!(
        count(&pg, &format!("SELECT count(*) FROM fleet_results WHERE scan = {scan} AND error IS NULL")),
        20_000
    );
    // Progress from anyone who may read it, through the CLI.
    let v = json(&s, &["fleet", "--db", &w2, "progress", &scan.to_string()]);
    assert_eq!((v["done"].as_i64(), v["total"].as_i64()), (Some(20_000), Some(20_000)));
}

#[test]
fn the_fleet_dashboard_and_api_show_hosts_findings_and_drift() {
    use crate::support::Browser;
    use nasguard_fleet::model::{AgentReport, DriftItem};
    let Some(pg) = pg() else { return };
    let s = Sandbox::new();
    json(&s, &["fleet", "--db", &pg.admin_url, "init"]);
    let enroll = |kind: &str, name: &str| -> String {
        json(&s, &["fleet", "--db", &pg.admin_url, "enroll", kind, name])["url"].as_str().unwrap().to_string()
    };
    // Three NAS sandboxes: one with SMB1 and forwarding on, one secure, one
    // with SSH forwarding on; each reports through its agent.
    let hosts: Vec<(Sandbox, String)> =
        ["nas-east", "nas-west", "nas-north"].iter().map(|n| (Sandbox::new(), enroll("host", n))).collect();
    hosts[0].0.ok(&["config", "set", "smb", "minimum_protocol=SMB1"]);
    hosts[2].0.ok(&["config", "set", "ssh", "tcpfwd=true"]);
    for (h, url) in &hosts {
        json(h, &["agent", "--no-live", "--db", url]);
    }
    // nas-west's history: two older reports (30 h and 2 h ago, the later one
    // with a drifted setting), sent with its own credentials as its agent would.
    rt().block_on(async {
        let c = nasguard_fleet::connect(&hosts[1].1).await.unwrap();
        let drift = DriftItem {
            rule: "SSH-004".into(),
            service: "ssh".into(),
            config: false,
            live: true,
            message: "sshd offers CBC ciphers the stored config turned off".into(),
        };
        for (hours_ago, drift) in [(30, vec![]), (2, vec![drift])] {
            let r = AgentReport {
                report_id: uuid::Uuid::new_v4(),
                taken_ms: nasguard_fleet::now_ms() - hours_ago * 3_600_000,
                version: "0.1.0".into(),
                revision: Some(4),
                live: true,
                findings: vec![],
                drift,
            };
            nasguard_fleet::agent::send(&c, &r).await.unwrap();
        }
    });
    // Late history does not replace the current state (its agent's report,
    // no drift); a newer report with the drift does.
    rt().block_on(async {
        let c = nasguard_fleet::connect(&hosts[1].1).await.unwrap();
        let r = AgentReport {
            report_id: uuid::Uuid::new_v4(),
            taken_ms: nasguard_fleet::now_ms() + 1000,
            version: "0.1.0".into(),
            revision: Some(5),
            live: true,
            findings: vec![],
            drift: vec![DriftItem {
                rule: "SSH-004".into(),
                service: "ssh".into(),
                config: false,
                live: true,
                message: "sshd offers CBC ciphers the stored config turned off".into(),
            }],
        };
        nasguard_fleet::agent::send(&c, &r).await.unwrap();
    });

    let dashboard = enroll("dashboard", "ui");
    s.admin("alice", PASSWORD);
    let token = s.token("alice");
    let server = s.serve_with(18391, &["--fleet-db", &dashboard]);
    let http = server.http();
    let get = |path: &str| -> (u16, Value) {
        let r = http.get(server.api(path)).bearer_auth(&token).send().unwrap();
        let code = r.status().as_u16();
        (code, r.json().unwrap_or(Value::Null))
    };
    for _ in 0..200 {
        if http.get(server.api("/health")).send().is_ok_and(|r| r.status() == 200) {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }

    // The API: worst first, filters, one host's drift and history, the trend.
    let (code, v) = get("/fleet/hosts");
    assert_eq!(code, 200, "{v}");
    let names: Vec<&str> = v.as_array().unwrap().iter().map(|h| h["name"].as_str().unwrap()).collect();
    assert_eq!(names[0], "nas-east", "{v}");
    assert_eq!(names.len(), 3);
    assert!(v[0]["critical"].as_i64().unwrap() + v[0]["high"].as_i64().unwrap() > 0, "{v}");
    let (_, v) = get("/fleet/hosts?rule=SMB-001");
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["name"], "nas-east");
    let (_, v) = get("/fleet/hosts?host=west");
    assert_eq!((v.as_array().unwrap().len(), v[0]["drift"].as_i64()), (1, Some(1)), "{v}");
    let (code, v) = get("/fleet/hosts?severity=dire");
    assert_eq!(code, 422);
    assert_eq!(v["error"]["field"], "severity", "{v}");
    let (_, v) = get("/fleet/hosts/nas-west");
    assert_eq!(v["drift"][0]["rule"], "SSH-004", "{v}");
    assert_eq!(v["history"].as_array().unwrap().len(), 4, "{v}");
    assert_eq!(v["host"]["revision"], 5);
    assert_eq!(get("/fleet/hosts/nas-nowhere").0, 404);
    assert_eq!(get("/fleet/hosts/..%2Fetc").0, 404);
    let (_, rules) = get("/fleet/rules");
    assert!(rules.as_array().unwrap().iter().any(|r| r["rule"] == "SMB-001" && r["hosts"] == 1), "{rules}");
    let (_, trend) = get("/fleet/trend?hours=48&buckets=12");
    assert!(trend.as_array().unwrap().len() >= 2, "{trend}");
    let (_, sum) = get("/fleet/summary");
    assert_eq!((sum["hosts"].as_i64(), sum["drift"].as_i64()), (Some(3), Some(1)), "{sum}");
    // In the OpenAPI document, and in /metrics.
    let (_, doc) = get("/openapi.json");
    for p in ["/api/v1/fleet/hosts", "/api/v1/fleet/hosts/{name}", "/api/v1/fleet/rules", "/api/v1/fleet/trend"] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing from the OpenAPI document");
    }
    let metrics = http.get(format!("{}/metrics", server.url)).bearer_auth(&token).send().unwrap().text().unwrap();
    assert!(metrics.contains("nasguard_fleet_hosts{state=\"all\"} 3"), "{metrics}");
    assert!(metrics.contains("nasguard_fleet_drift 1"), "{metrics}");
    assert!(metrics.contains("nasguard_fleet_store_up 1"), "{metrics}");
    // Without a token: nothing.
    assert_eq!(http.get(server.api("/fleet/hosts")).send().unwrap().status(), 401);

    // The pages, in a browser.
    let Some(b) = Browser::start(19591) else { return };
    b.goto(&format!("{}/login", server.url));
    b.fill("#username", "alice");
    b.fill("#password", PASSWORD);
    b.click("#login");
    b.wait_text("main h1", "Security dashboard");
    b.goto(&format!("{}/fleet", server.url));
    b.wait_text("main h1", "Fleet");
    assert!(b.text("#fleet-hosts tbody tr:first-child").contains("nas-east"), "{}", b.source());
    assert!(b.source().contains("id=\"trend-chart\""), "no trend chart");
    assert!(b.text("#fleet-rules").contains("SMB-001"));
    b.screenshot("fleet");
    b.fill("#f-rule", "SMB-001");
    b.click("#filter");
    b.wait_gone("tr[data-host='nas-west']");
    assert!(b.text("#fleet-hosts").contains("nas-east"));
    b.screenshot("fleet-filtered");
    b.goto(&format!("{}/fleet/hosts/nas-west", server.url));
    b.wait_text("main h1", "nas-west");
    assert!(b.text("#host-drift").contains("SSH-004"), "{}", b.source());
    assert!(b.text("#host-history").contains("2"));
    b.screenshot("fleet-host");

    // A server without a fleet store answers 404 there.
    let plain = Sandbox::new();
    plain.admin("alice", PASSWORD);
    let t = plain.token("alice");
    let other = plain.serve(18392);
    let r = other.http().get(other.api("/fleet/hosts")).bearer_auth(&t).send().unwrap();
    assert_eq!(r.status(), 404);
}

const PASSWORD: &str = "correct horse battery";

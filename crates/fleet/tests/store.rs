//! The fleet store against a real PostgreSQL server of the test's own
//! (`testpg`): migrations, least privilege enforced by PostgreSQL (each
//! check connects as the role and tries), idempotent reports, the queue.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nasguard_fleet::admin::{Kind, enroll};
use nasguard_fleet::model::{AgentReport, DriftItem, ReportFinding};
use nasguard_fleet::testpg::Postgres;
use nasguard_fleet::{agent, connect, dash, queue, schema};
use nasguard_policy::Severity;

fn pg() -> Option<Postgres> {
    if !Postgres::available() {
        assert!(std::env::var("NASGUARD_REQUIRE_DAEMONS").is_err(), "PostgreSQL is not installed");
        eprintln!("skipped: PostgreSQL is not installed (bash .ci/install)");
        return None;
    }
    Some(Postgres::start(&["fsync=off"]).unwrap())
}

fn report(rules: &[(&str, Severity)], taken_ms: i64) -> AgentReport {
    AgentReport {
        report_id: uuid::Uuid::new_v4(),
        taken_ms,
        version: "0.1.0".into(),
        revision: Some(3),
        live: true,
        findings: rules
            .iter()
            .map(|(r, s)| ReportFinding {
                rule: (*r).into(),
                severity: *s,
                service: "ssh".into(),
                object: "ssh".into(),
                message: format!("{r} raised"),
                evidence: "config".into(),
            })
            .collect(),
        drift: vec![DriftItem {
            rule: "SSH-004".into(),
            service: "ssh".into(),
            config: true,
            live: false,
            message: "not applied".into(),
        }],
    }
}

async fn count(c: &tokio_postgres::Client, sql: &str) -> Result<i64, tokio_postgres::Error> {
    c.query_one(sql, &[]).await.map(|r| r.get::<_, i64>(0))
}

fn denied(e: &tokio_postgres::Error) -> bool {
    let code = e.code().map(|c| c.code().to_string()).unwrap_or_default();
    // 42501: insufficient privilege (grants and row-level security alike).
    code == "42501"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_host_reads_and_writes_only_its_own_rows() {
    let Some(pg) = pg() else { return };
    let mut admin = connect(&pg.admin_url).await.unwrap();
    assert_eq!(schema::migrate(&mut admin).await.unwrap(), vec![1]);
    assert!(schema::migrate(&mut admin).await.unwrap().is_empty(), "a migration ran twice");
    let (ra, pa) = enroll(&mut admin, Kind::Host, "nas-a").await.unwrap();
    let (rb, pb) = enroll(&mut admin, Kind::Host, "nas-b").await.unwrap();
    let (rw, pw) = enroll(&mut admin, Kind::Worker, "w1").await.unwrap();
    let (rd, pd) = enroll(&mut admin, Kind::Dashboard, "ui").await.unwrap();
    assert!(enroll(&mut admin, Kind::Host, "x'; DROP TABLE fleet_hosts; --").await.is_err());

    let a = connect(&pg.url(&ra, &pa)).await.unwrap();
    let b = connect(&pg.url(&rb, &pb)).await.unwrap();
    let r = report(&[("SSH-004", Severity::High), ("SMB-001", Severity::Critical)], nasguard_fleet::now_ms());
    assert!(agent::send(&a, &r).await.unwrap());
    // Sent again: counted once.
    assert!(!agent::send(&a, &r).await.unwrap());
    assert!(agent::send(&b, &report(&[("NFS-001", Severity::High)], nasguard_fleet::now_ms())).await.unwrap());
    assert_eq!(count(&a, "SELECT count(*) FROM fleet_reports").await.unwrap(), 1);
    assert_eq!(count(&a, "SELECT count(*) FROM fleet_findings").await.unwrap(), 2);
    assert_eq!(count(&a, "SELECT count(*) FROM fleet_hosts").await.unwrap(), 1);
    // b sees none of a's rows, whatever it asks.
    assert_eq!(count(&b, "SELECT count(*) FROM fleet_findings WHERE host = 'nas-a'").await.unwrap(), 0);
    assert_eq!(count(&b, "SELECT count(*) FROM fleet_reports").await.unwrap(), 1);
    assert_eq!(count(&b, "SELECT count(*) FROM fleet_hosts WHERE name = 'nas-a'").await.unwrap(), 0);
    // b cannot write as a, nor change or delete anything.
    let forged = b
        .execute(
            "INSERT INTO fleet_reports (host, report_id, taken_at, version, critical, high, medium, low, info, drift, body)
             VALUES ('nas-a', gen_random_uuid(), now(), 'x', 0, 0, 0, 0, 0, 0, '{}')",
            &[],
        )
        .await
        .unwrap_err();
    assert!(denied(&forged), "{forged:?}");
    let a_report: i64 = admin.query_one("SELECT id FROM fleet_reports WHERE host = 'nas-a'", &[]).await.unwrap().get(0);
    let forged = b
        .execute(
            "INSERT INTO fleet_findings (report, host, rule, severity, service, object, message, evidence)
             VALUES ($1, 'nas-b', 'X', 4, 'ssh', 'ssh', 'x', 'config')",
            &[&a_report],
        )
        .await
        .unwrap_err();
    assert!(forged.code().is_some(), "{forged:?}"); // a finding may not join another host's report
    for sql in [
        "UPDATE fleet_reports SET critical = 0",
        "DELETE FROM fleet_findings",
        "UPDATE fleet_hosts SET critical = 0",
        "SELECT count(*) FROM fleet_results",
        "SELECT count(*) FROM fleet_scans",
        "INSERT INTO fleet_hosts (name, role_name) VALUES ('evil', 'x')",
    ] {
        let e = b.execute(sql, &[]).await.unwrap_err();
        assert!(denied(&e), "{sql}: {e:?}");
    }
    let e = b.execute("SET ROLE nasguard_dashboard", &[]).await.unwrap_err();
    assert!(denied(&e), "{e:?}");
    // The worker sees no host's data; the dashboard reads all, writes nothing.
    let w = connect(&pg.url(&rw, &pw)).await.unwrap();
    for sql in [
        "SELECT count(*) FROM fleet_reports",
        "SELECT count(*) FROM fleet_findings",
        "SELECT count(*) FROM fleet_hosts",
    ] {
        assert!(denied(&w.execute(sql, &[]).await.unwrap_err()), "{sql}");
    }
    let d = connect(&pg.url(&rd, &pd)).await.unwrap();
    assert_eq!(count(&d, "SELECT count(*) FROM fleet_reports").await.unwrap(), 2);
    assert!(denied(&d.execute("DELETE FROM fleet_reports", &[]).await.unwrap_err()));
    // A wrong password is refused.
    assert!(connect(&pg.url(&ra, "wrong")).await.is_err());

    // The dashboard's view: worst first, by rule, each host's drift and history.
    let hosts = dash::hosts(&d, &dash::Filter::default(), 50, 0).await.unwrap();
    assert_eq!(hosts.iter().map(|h| h.name.as_str()).collect::<Vec<_>>(), ["nas-a", "nas-b"]);
    assert_eq!((hosts[0].critical, hosts[0].high, hosts[0].drift), (1, 1, 1));
    let only = dash::Filter { rule: Some("NFS-001".into()), ..Default::default() };
    assert_eq!(dash::hosts(&d, &only, 50, 0).await.unwrap()[0].name, "nas-b");
    let rules = dash::rules(&d, &dash::Filter::default()).await.unwrap();
    assert_eq!(rules[0].rule, "SMB-001");
    assert_eq!(rules.len(), 3);
    // An older report delivered late is history, not the current state.
    let old = report(&[], nasguard_fleet::now_ms() - 3_600_000);
    assert!(agent::send(&a, &old).await.unwrap());
    let detail = dash::host(&d, "nas-a", 10).await.unwrap().unwrap();
    assert_eq!(detail.findings.len(), 2);
    assert_eq!(detail.history.len(), 2);
    assert_eq!(detail.drift[0].rule, "SSH-004");
    let trend = dash::trend(&d, 24, 24).await.unwrap();
    assert!(!trend.is_empty());
    let totals = dash::totals(&d).await.unwrap();
    assert_eq!((totals.hosts, totals.critical), (2, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_is_shared_by_workers_and_a_lost_lease_is_claimed_again() {
    use nasguard_probe::responder::{Kind as R, Responder};
    let Some(pg) = pg() else { return };
    let mut admin = connect(&pg.admin_url).await.unwrap();
    schema::migrate(&mut admin).await.unwrap();
    let (rw, pw) = enroll(&mut admin, Kind::Worker, "w1").await.unwrap();
    let ssh = Responder::start(R::Ssh, 0, 1).unwrap();
    let args = vec![format!("ssh://127.4.0.0/23:{}", ssh.port)];
    let sources = nasguard_ops::scan::TargetSources::new(&args, &[]).unwrap();
    let scan = queue::enqueue(&mut admin, &args, &sources, 50, 5000).await.unwrap();
    let p = queue::progress(&admin, scan).await.unwrap().unwrap();
    assert_eq!((p.total, p.done, p.batches), (512, 0, 11));
    // A worker that claims a batch and dies: its lease runs out.
    admin
        .execute(
            "UPDATE fleet_batches SET state = 'leased', worker = 'dead', lease = 1, claims = 1,
                    lease_until = now() + interval '1 second' WHERE id = (SELECT min(id) FROM fleet_batches)",
            &[],
        )
        .await
        .unwrap();
    let url = pg.url(&rw, &pw);
    let stats = std::sync::Arc::new(queue::WorkerStats::default());
    let opts = |name: &str| queue::WorkerOptions {
        name: name.into(),
        concurrency: 32,
        lease: std::time::Duration::from_secs(5),
        parallel: 2,
        exit_when_idle: true,
    };
    let (x, y) = tokio::join!(
        queue::run_worker(&url, opts("w-x"), stats.clone()),
        queue::run_worker(&url, opts("w-y"), stats.clone())
    );
    x.unwrap();
    y.unwrap();
    let p = queue::progress(&admin, scan).await.unwrap().unwrap();
    assert_eq!((p.done, p.failed, p.batches_done), (512, 0, 11), "{p:?}");
    assert_eq!(p.reclaims, 1, "{p:?}");
    // (Whether the second in-process worker gets a batch at all depends on
    // the scheduler; two worker processes sharing a scan, one killed, is
    // `it::fleet::two_workers_share_a_scan_and_a_killed_one_loses_no_target`.)
    let workers: i64 = admin.query_one("SELECT count(DISTINCT worker) FROM fleet_results", &[]).await.unwrap().get(0);
    assert!((1..=2).contains(&workers), "{workers}");
    let dead: i64 =
        admin.query_one("SELECT count(*) FROM fleet_results WHERE worker = 'dead'", &[]).await.unwrap().get(0);
    assert_eq!(dead, 0, "the dead worker's batch was done by a live one");
    // One result per target, enforced: a second one is refused.
    let dup = admin
        .execute(
            "INSERT INTO fleet_results (scan, idx, worker, elapsed_ms, findings) VALUES ($1, 0, 'x', 0, '[]')",
            &[&scan],
        )
        .await
        .unwrap_err();
    assert_eq!(dup.code().map(|c| c.code()), Some("23505"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_cache_serves_the_previous_figures_while_one_refresh_runs() {
    let Some(pg) = pg() else { return };
    let mut admin = connect(&pg.admin_url).await.unwrap();
    schema::migrate(&mut admin).await.unwrap();
    let (rh, ph) = enroll(&mut admin, Kind::Host, "nas-c").await.unwrap();
    let (rd, pd) = enroll(&mut admin, Kind::Dashboard, "ui").await.unwrap();
    let host = connect(&pg.url(&rh, &ph)).await.unwrap();
    agent::send(&host, &report(&[("SMB-001", Severity::Critical)], nasguard_fleet::now_ms())).await.unwrap();
    let pool = nasguard_fleet::pool(&pg.url(&rd, &pd), 4).unwrap();
    let cache = dash::Cache::new(std::time::Duration::from_millis(200));
    let all = dash::Filter::default();
    // The first of a kind is loaded in the request.
    assert_eq!(cache.totals(&pool).await.unwrap().critical, 1);
    assert_eq!(cache.rules(&pool, &all).await.unwrap().len(), 1);
    let later = nasguard_fleet::now_ms() + 1000;
    agent::send(&host, &report(&[("SMB-001", Severity::Critical), ("NFS-001", Severity::High)], later)).await.unwrap();
    // Fresh: the kept figures, not the new ones.
    assert_eq!(cache.rules(&pool, &all).await.unwrap().len(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // Stale: still the kept figures (a refresh starts in the background)...
    assert_eq!(cache.rules(&pool, &all).await.unwrap().len(), 1);
    // ... and then the new ones.
    let mut seen = 0;
    for _ in 0..100 {
        seen = cache.rules(&pool, &all).await.unwrap().len();
        if seen == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(seen, 2, "the refresh never landed");
    // Another filter is another entry, loaded in its request.
    let only = dash::Filter { rule: Some("NFS-001".into()), ..Default::default() };
    assert_eq!(cache.rules(&pool, &only).await.unwrap()[0].rule, "NFS-001");
    // A store that went away: the kept figures stay served, no error.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    pg.stop().unwrap();
    assert_eq!(cache.totals(&pool).await.unwrap().critical, 1);
}

/// `sslmode=require`: TLS, with the server's certificate checked against
/// `sslrootcert` (or the system's CAs); a server that takes TLS logins only
/// refuses a plain one; a certificate from another CA is refused and is not
/// taken for a database that is away (a report would wait forever).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_to_the_database_verifies_the_server() {
    if pg().is_none() {
        return;
    }
    let (pg, ca) = Postgres::start_tls(&["fsync=off"]).unwrap();
    let tls = format!("{}?sslmode=require&sslrootcert={}", pg.admin_url, ca.display());
    let c = connect(&tls).await.unwrap();
    let on: bool = c.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).await.unwrap().get(0);
    assert!(on, "the session is encrypted");
    let pool = nasguard_fleet::pool(&tls, 2).unwrap();
    let on: bool = pool
        .get()
        .await
        .unwrap()
        .query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    assert!(on, "the pool's sessions too");

    let plain = connect(&pg.admin_url).await.unwrap_err();
    assert!(plain.to_string().contains("no pg_hba.conf entry"), "{plain}");

    // The system's CAs did not sign the test CA's certificate.
    let unknown = connect(&format!("{}?sslmode=verify-full", pg.admin_url)).await.unwrap_err();
    assert!(unknown.to_string().contains("certificate"), "{unknown}");
    assert!(!unknown.unreachable(), "a certificate refused is not a database away: {unknown}");
    // A name the certificate does not hold (localhost vs 127.0.0.1).
    let other_name = tls.replace("@127.0.0.1:", "@localhost:");
    let wrong = connect(&other_name).await.unwrap_err();
    assert!(wrong.to_string().contains("certificate"), "{wrong}");
}

//! `nasguard fleet ...` and `nasguard agent`: arguments -> nasguard-fleet -> print.

use crate::args::{AgentArgs, EnrollKind, FleetArgs, FleetCmd};
use crate::{Cli, outln};
use nasguard_fleet::{admin, agent, queue, schema};
use std::process::ExitCode;
use std::time::Duration;

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

pub fn fleet(cli: &Cli, a: &FleetArgs) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    match &a.command {
        FleetCmd::Init => {
            let applied = rt.block_on(async {
                let mut c = nasguard_fleet::connect(&a.db).await?;
                schema::migrate(&mut c).await
            })?;
            if cli.json {
                outln!("{}", serde_json::json!({"applied": applied}));
            } else if applied.is_empty() {
                outln!("the fleet store is up to date");
            } else {
                outln!("applied migrations {applied:?}");
            }
        }
        FleetCmd::Enroll { kind, name } => {
            let kind = match kind {
                EnrollKind::Host => admin::Kind::Host,
                EnrollKind::Worker => admin::Kind::Worker,
                EnrollKind::Dashboard => admin::Kind::Dashboard,
            };
            let (role, pw) = rt.block_on(async {
                let mut c = nasguard_fleet::connect(&a.db).await?;
                admin::enroll(&mut c, kind, name).await
            })?;
            let url = admin::login_url(&a.db, &role, &pw)?;
            if cli.json {
                outln!("{}", serde_json::json!({"role": role, "url": url}));
            } else {
                outln!("{url}");
                eprintln!("(shown once: give it to the {name} as NASGUARD_FLEET_DB)");
            }
        }
        FleetCmd::Scan { targets, targets_file, batch, timeout_ms } => {
            if targets.is_empty() && targets_file.is_empty() {
                anyhow::bail!("name at least one target or pass --targets FILE");
            }
            if !(1..=60_000).contains(timeout_ms) {
                anyhow::bail!("--timeout-ms must be 1 to 60000");
            }
            let sources = nasguard_ops::scan::TargetSources::new(targets, targets_file)?;
            let mut args = targets.clone();
            args.extend(targets_file.iter().map(|f| format!("@{}", f.display())));
            let id = rt.block_on(async {
                let mut c = nasguard_fleet::connect(&a.db).await?;
                queue::enqueue(&mut c, &args, &sources, *batch, *timeout_ms).await
            })?;
            if cli.json {
                outln!("{}", serde_json::json!({"scan": id, "targets": sources.total()}));
            } else {
                outln!("{id}");
                eprintln!(
                    "scan {id}: {} targets queued; watch it with `nasguard fleet progress {id}`",
                    sources.total()
                );
            }
        }
        FleetCmd::Progress { scan } => {
            let p = rt.block_on(async {
                let c = nasguard_fleet::connect(&a.db).await?;
                queue::progress(&c, *scan).await
            })?;
            let Some(p) = p else { anyhow::bail!("no scan {scan}") };
            if cli.json {
                outln!("{}", serde_json::to_string_pretty(&p)?);
            } else {
                outln!(
                    "scan {}: {}/{} targets ({} failed), batches {} done, {} leased of {}, {} claimed again",
                    p.scan,
                    p.done,
                    p.total,
                    p.failed,
                    p.batches_done,
                    p.batches_leased,
                    p.batches,
                    p.reclaims
                );
            }
        }
        FleetCmd::Worker { name, concurrency, lease_secs, parallel, exit_when_idle } => {
            let name = name.clone().unwrap_or_else(|| {
                let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
                format!("{}-{}", host.trim(), std::process::id())
            });
            let stats = std::sync::Arc::new(queue::WorkerStats::default());
            let opts = queue::WorkerOptions {
                name,
                concurrency: (*concurrency).max(1),
                lease: Duration::from_secs((*lease_secs).max(1)),
                parallel: *parallel,
                exit_when_idle: *exit_when_idle,
            };
            rt.block_on(queue::run_worker(&a.db, opts, stats.clone()))?;
            let (b, t) = (
                stats.batches.load(std::sync::atomic::Ordering::Relaxed),
                stats.targets.load(std::sync::atomic::Ordering::Relaxed),
            );
            if cli.json {
                outln!("{}", serde_json::json!({"batches": b, "targets": t}));
            } else {
                outln!("worked {b} batches ({t} targets)");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One report: made, put in the outbox, then the outbox delivered. An
/// unreachable database is not an error (the reports wait), exit 0 with a
/// note; any other refusal is.
fn report_once(cli: &Cli, a: &AgentArgs, rt: &tokio::runtime::Runtime) -> anyhow::Result<()> {
    let ng = crate::open(cli)?;
    let report = agent::collect(&ng, !a.no_live, Duration::from_millis(a.timeout_ms.max(1)))?;
    drop(ng);
    let outbox = agent::Outbox::new(&cli.state_dir);
    outbox.put(&report)?;
    let delivered = rt.block_on(async {
        let c = nasguard_fleet::connect(&a.db).await?;
        outbox.deliver(&c).await
    });
    match delivered {
        Ok(d) => {
            if cli.json {
                outln!(
                    "{}",
                    serde_json::json!({"report": report.report_id, "delivered": d.delivered, "new": d.new, "waiting": d.waiting})
                );
            } else {
                outln!(
                    "report {} delivered ({} sent, {} new, {} waiting)",
                    report.report_id,
                    d.delivered,
                    d.new,
                    d.waiting
                );
            }
            Ok(())
        }
        Err(e) if e.unreachable() => {
            let waiting = outbox.pending().map(|p| p.len()).unwrap_or(0);
            if cli.json {
                outln!("{}", serde_json::json!({"report": report.report_id, "delivered": 0, "waiting": waiting}));
            } else {
                outln!("report {} kept in the outbox ({waiting} waiting)", report.report_id);
            }
            eprintln!("note: the fleet database is unreachable ({e}); the reports wait in the outbox");
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

pub fn agent(cli: &Cli, a: &AgentArgs) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    match a.every {
        None => report_once(cli, a, &rt)?,
        Some(secs) => loop {
            if let Err(e) = report_once(cli, a, &rt) {
                eprintln!("error: {e:#}");
            }
            std::thread::sleep(Duration::from_secs(secs.max(1)));
        },
    }
    Ok(ExitCode::SUCCESS)
}

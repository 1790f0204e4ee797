//! The shared scan queue. A scan's targets are expanded once, when it is
//! enqueued, into rows cut into batches. Workers, on any machine, claim the
//! oldest open batch with `FOR UPDATE SKIP LOCKED` (two workers never wait
//! for each other's row), under a lease they renew while they probe. A
//! worker that dies stops renewing; when its lease runs out the batch is
//! claimed again. A batch's results are written in one transaction with
//! the batch marked done, so a dead worker leaves none behind, and the
//! primary key of `fleet_results` keeps one result per target even if a
//! worker that lost its lease finishes anyway (`ON CONFLICT DO NOTHING`).

use crate::{FleetError, Result};
use nasguard_ops::scan::TargetSources;
use nasguard_probe::{ProbeResult, TargetSpec};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio_postgres::Client;

/// Rows sent per INSERT when enqueuing.
const CHUNK: usize = 10_000;

/// Enqueues the targets of `sources` as one scan, in batches of
/// `batch_size`. Returns the scan's id.
pub async fn enqueue(
    admin: &mut Client,
    args: &[String],
    sources: &TargetSources,
    batch_size: usize,
    timeout_ms: u32,
) -> Result<i64> {
    let batch_size = batch_size.clamp(1, 100_000);
    let total = sources.total() as i64;
    let timeout_ms = i32::try_from(timeout_ms).unwrap_or(i32::MAX);
    let tx = admin.transaction().await?;
    let scan: i64 = tx
        .query_one(
            "INSERT INTO fleet_scans (targets, total, timeout_ms) VALUES ($1, $2, $3) RETURNING id",
            &[&serde_json::json!(args), &total, &timeout_ms],
        )
        .await?
        .try_get(0)?;
    let batches = (total + batch_size as i64 - 1) / batch_size as i64;
    let sizes: Vec<i32> = (0..batches).map(|b| (total - b * batch_size as i64).min(batch_size as i64) as i32).collect();
    let ids: Vec<i64> = tx
        .query(
            "INSERT INTO fleet_batches (scan, size) SELECT $1, s FROM unnest($2::int4[]) WITH ORDINALITY AS t(s, n)
             ORDER BY n RETURNING id",
            &[&scan, &sizes],
        )
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<std::result::Result<_, _>>()?;
    let mut ids = ids;
    ids.sort_unstable();
    let insert = tx
        .prepare(
            "INSERT INTO fleet_targets (scan, idx, batch, url)
             SELECT $1, i, b, u FROM unnest($2::int8[], $3::int8[], $4::text[]) AS t(i, b, u)",
        )
        .await?;
    let (mut idx, mut batch, mut url) = (vec![], vec![], vec![]);
    for (i, t) in sources.iter().enumerate() {
        let b = ids.get(i / batch_size).copied().ok_or_else(|| FleetError::Invalid("the targets changed".into()))?;
        idx.push(i as i64);
        batch.push(b);
        url.push(t.url());
        if idx.len() == CHUNK {
            tx.execute(&insert, &[&scan, &idx, &batch, &url]).await?;
            idx.clear();
            batch.clear();
            url.clear();
        }
    }
    if !idx.is_empty() {
        tx.execute(&insert, &[&scan, &idx, &batch, &url]).await?;
    }
    tx.commit().await?;
    Ok(scan)
}

/// How far a scan is.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct Progress {
    pub scan: i64,
    pub total: i64,
    pub done: i64,
    pub failed: i64,
    pub batches: i64,
    pub batches_done: i64,
    pub batches_leased: i64,
    /// Claims beyond the first (batches taken over from a worker whose lease ran out).
    pub reclaims: i64,
}

pub async fn progress(client: &Client, scan: i64) -> Result<Option<Progress>> {
    let row = client
        .query_opt(
            "SELECT s.total,
                    (SELECT count(*) FROM fleet_results r WHERE r.scan = s.id),
                    (SELECT count(*) FROM fleet_results r WHERE r.scan = s.id AND r.error IS NOT NULL),
                    (SELECT count(*) FROM fleet_batches b WHERE b.scan = s.id),
                    (SELECT count(*) FROM fleet_batches b WHERE b.scan = s.id AND b.state = 'done'),
                    (SELECT count(*) FROM fleet_batches b WHERE b.scan = s.id AND b.state = 'leased'),
                    (SELECT coalesce(sum(greatest(b.claims - 1, 0)), 0)::int8 FROM fleet_batches b WHERE b.scan = s.id)
             FROM fleet_scans s WHERE s.id = $1",
            &[&scan],
        )
        .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(Progress {
        scan,
        total: r.try_get(0)?,
        done: r.try_get(1)?,
        failed: r.try_get(2)?,
        batches: r.try_get(3)?,
        batches_done: r.try_get(4)?,
        batches_leased: r.try_get(5)?,
        reclaims: r.try_get(6)?,
    }))
}

/// How a worker works.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Its name (in the results and on its leases).
    pub name: String,
    /// Probes in flight at once.
    pub concurrency: usize,
    /// How long a claim holds without renewal.
    pub lease: Duration,
    /// Batches worked on at once (one is probed while another is written).
    pub parallel: usize,
    /// Stop when no batch is open (otherwise wait for new scans).
    pub exit_when_idle: bool,
}

/// What a worker did.
#[derive(Debug, Default)]
pub struct WorkerStats {
    pub batches: AtomicU64,
    pub targets: AtomicU64,
    /// Batches whose lease was taken over before they were written.
    pub lost: AtomicU64,
}

struct Claim {
    batch: i64,
    scan: i64,
    lease: i64,
    timeout_ms: i32,
}

async fn claim(client: &Client, o: &WorkerOptions) -> Result<Option<Claim>> {
    let lease_ms = o.lease.as_millis() as f64;
    let row = client
        .query_opt(
            "UPDATE fleet_batches b SET state = 'leased', worker = $1, lease = b.lease + 1, claims = b.claims + 1,
                    lease_until = now() + make_interval(secs => $2::float8 / 1000)
             WHERE b.id = (SELECT id FROM fleet_batches
                           WHERE state = 'queued' OR (state = 'leased' AND lease_until < now())
                           ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
             RETURNING b.id, b.scan, b.lease, (SELECT timeout_ms FROM fleet_scans s WHERE s.id = b.scan)",
            &[&o.name, &lease_ms],
        )
        .await?;
    Ok(match row {
        None => None,
        Some(r) => {
            Some(Claim { batch: r.try_get(0)?, scan: r.try_get(1)?, lease: r.try_get(2)?, timeout_ms: r.try_get(3)? })
        }
    })
}

/// Probes one claimed batch and writes its results; `false` if the lease
/// was lost first (the results of others stand).
async fn work(client: &Client, o: &WorkerOptions, c: &Claim, concurrency: usize) -> Result<bool> {
    let rows = client
        .query(
            "SELECT t.idx, t.url FROM fleet_targets t
             WHERE t.batch = $1 AND NOT EXISTS (SELECT 1 FROM fleet_results r WHERE r.scan = t.scan AND r.idx = t.idx)",
            &[&c.batch],
        )
        .await?;
    let mut targets = vec![];
    let mut bad = vec![];
    for r in &rows {
        let idx: i64 = r.try_get(0)?;
        let url: String = r.try_get(1)?;
        match TargetSpec::parse(&url).ok().and_then(|s| s.iter().next()) {
            Some(t) => targets.push((idx, t)),
            None => bad.push((idx, format!("{url:?} is not a target"))),
        }
    }
    let timeout = Duration::from_millis(u64::try_from(c.timeout_ms).unwrap_or(3000).max(1));
    let mut results: Vec<(i64, ProbeResult)> = Vec::with_capacity(targets.len());
    // Renew the lease while probing: at a third of its length.
    let renew = async {
        let mut tick = tokio::time::interval(o.lease / 3);
        tick.tick().await;
        loop {
            tick.tick().await;
            let lease_ms = o.lease.as_millis() as f64;
            let _ = client
                .execute(
                    "UPDATE fleet_batches SET lease_until = now() + make_interval(secs => $3::float8 / 1000)
                     WHERE id = $1 AND lease = $2 AND state = 'leased'",
                    &[&c.batch, &c.lease, &lease_ms],
                )
                .await;
        }
    };
    let probe = nasguard_probe::scan_tagged(targets, concurrency, timeout, |idx, r| results.push((idx, r)));
    tokio::select! {
        () = probe => {}
        () = renew => {}
    }
    let mut idx = vec![];
    let mut elapsed = vec![];
    let mut errors: Vec<Option<String>> = vec![];
    let mut findings = vec![];
    for (i, r) in &results {
        let f = match &r.observed {
            Some(o) => nasguard_policy::audit_live(o, &r.target.url()),
            None => vec![],
        };
        idx.push(*i);
        elapsed.push(i32::try_from(r.elapsed_ms).unwrap_or(i32::MAX));
        errors.push(r.error.as_ref().map(ToString::to_string));
        findings.push(serde_json::to_value(&f).unwrap_or_default());
    }
    for (i, e) in bad {
        idx.push(i);
        elapsed.push(0);
        errors.push(Some(e));
        findings.push(serde_json::json!([]));
    }
    // One statement, so one transaction: the results, and the batch done
    // if this worker still holds its lease.
    let row = client
        .query_one(
            "WITH ins AS (
                INSERT INTO fleet_results (scan, idx, worker, elapsed_ms, error, findings)
                SELECT $3, i, $4, e, er, f FROM unnest($5::int8[], $6::int4[], $7::text[], $8::jsonb[]) AS t(i, e, er, f)
                ON CONFLICT (scan, idx) DO NOTHING RETURNING 1),
             upd AS (
                UPDATE fleet_batches SET state = 'done', done_at = now()
                WHERE id = $1 AND lease = $2 AND state = 'leased' RETURNING 1)
             SELECT (SELECT count(*) FROM upd)",
            &[&c.batch, &c.lease, &c.scan, &o.name, &idx, &elapsed, &errors, &findings],
        )
        .await?;
    let done: i64 = row.try_get(0)?;
    Ok(done > 0)
}

/// Works batches until none is open (with `exit_when_idle`) or forever,
/// `parallel` at a time, each with its share of `concurrency`.
pub async fn run_worker(url: &str, o: WorkerOptions, stats: Arc<WorkerStats>) -> Result<()> {
    let parallel = o.parallel.max(1);
    let share = (o.concurrency / parallel).max(1);
    let o = Arc::new(o);
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..parallel {
        let client = crate::connect(url).await?;
        let (o, stats) = (o.clone(), stats.clone());
        set.spawn(async move {
            loop {
                match claim(&client, &o).await? {
                    Some(c) => {
                        let n = u64::try_from(
                            client
                                .query_one("SELECT size FROM fleet_batches WHERE id = $1", &[&c.batch])
                                .await?
                                .try_get::<_, i32>(0)?,
                        )
                        .unwrap_or(0);
                        if work(&client, &o, &c, share).await? {
                            stats.batches.fetch_add(1, Ordering::Relaxed);
                            stats.targets.fetch_add(n, Ordering::Relaxed);
                        } else {
                            stats.lost.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    None => {
                        // Idle only when every batch is done: a batch leased
                        // by a worker that died is claimed when its lease ends.
                        let open: i64 = client
                            .query_one("SELECT count(*) FROM fleet_batches WHERE state <> 'done'", &[])
                            .await?
                            .try_get(0)?;
                        if open == 0 && o.exit_when_idle {
                            return Ok::<(), FleetError>(());
                        }
                        tokio::time::sleep(Duration::from_millis(if open == 0 { 1000 } else { 200 })).await;
                    }
                }
            }
        });
    }
    while let Some(done) = set.join_next().await {
        match done {
            Ok(r) => r?,
            Err(e) => return Err(FleetError::Invalid(format!("a worker task failed: {e}"))),
        }
    }
    Ok(())
}

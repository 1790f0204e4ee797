//! What the fleet dashboard and `/api/v1/fleet/...` read. A host's current
//! state is its newest report (`fleet_hosts.last_report`, kept by a
//! trigger); history is every report.

use crate::Result;
use crate::model::{DriftItem, ReportFinding, severity_code, severity_of};
use nasguard_policy::Severity;
use serde::Serialize;
use tokio_postgres::Client;

/// Percent-encodes all but unreserved characters.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Filters of the host list and the rule summary.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Filter {
    /// Only hosts (and findings) of this rule.
    pub rule: Option<String>,
    /// Only findings at or above this severity.
    pub severity: Option<Severity>,
    /// Only hosts whose name contains this.
    pub host: Option<String>,
}

impl Filter {
    /// A filter from query parameters (`rule`, `severity`, `host`; empty
    /// means none). An error names the parameter: (field, message).
    pub fn from_query(q: &std::collections::HashMap<String, String>) -> std::result::Result<Filter, (String, String)> {
        let text = |k: &str| q.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let rule = text("rule");
        if let Some(r) = &rule
            && (r.len() > 40 || !r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return Err(("rule".into(), format!("{r:?} is not a rule id (e.g. SMB-001)")));
        }
        let severity =
            match text("severity") {
                None => None,
                Some(s) => Some(Severity::parse(&s).ok_or_else(|| {
                    ("severity".to_string(), format!("{s:?}: use info, low, medium, high or critical"))
                })?),
            };
        let host = text("host");
        if let Some(h) = &host
            && h.len() > 40
        {
            return Err(("host".into(), "at most 40 characters".into()));
        }
        Ok(Filter { rule, severity, host })
    }

    /// The filter as a query string (for links that keep it).
    pub fn query(&self) -> String {
        let mut parts = vec![];
        if let Some(r) = &self.rule {
            parts.push(format!("rule={}", encode(r)));
        }
        if let Some(s) = self.severity {
            parts.push(format!("severity={}", s.name()));
        }
        if let Some(h) = &self.host {
            parts.push(format!("host={}", encode(h)));
        }
        parts.join("&")
    }

    fn parts(&self) -> (Option<&str>, Option<i16>, Option<&str>) {
        (
            self.rule.as_deref().filter(|r| !r.is_empty()),
            self.severity.map(severity_code),
            self.host.as_deref().filter(|h| !h.is_empty()),
        )
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HostRow {
    pub name: String,
    /// Unix milliseconds of the last report received.
    pub last_seen_ms: Option<i64>,
    pub version: Option<String>,
    pub revision: Option<i64>,
    pub critical: i32,
    pub high: i32,
    pub medium: i32,
    pub low: i32,
    pub info: i32,
    pub drift: i32,
}

const HOST_COLUMNS: &str = "h.name, (extract(epoch FROM h.last_seen) * 1000)::int8, h.version, h.revision,
    h.critical, h.high, h.medium, h.low, h.info, h.drift";

fn host_row(r: &tokio_postgres::Row) -> Result<HostRow> {
    Ok(HostRow {
        name: r.try_get(0)?,
        last_seen_ms: r.try_get(1)?,
        version: r.try_get(2)?,
        revision: r.try_get(3)?,
        critical: r.try_get(4)?,
        high: r.try_get(5)?,
        medium: r.try_get(6)?,
        low: r.try_get(7)?,
        info: r.try_get(8)?,
        drift: r.try_get(9)?,
    })
}

/// Hosts, worst first (critical findings count most, then high, ...,
/// then drift), filtered; `limit` at most from `offset`.
pub async fn hosts(client: &Client, f: &Filter, limit: i64, offset: i64) -> Result<Vec<HostRow>> {
    let (rule, severity, host) = f.parts();
    let rows = client
        .query(
            &format!(
                "SELECT {HOST_COLUMNS} FROM fleet_hosts h
                 WHERE ($1::text IS NULL OR strpos(h.name, $1) > 0)
                   -- A rule: one probe of (report, rule, severity) per host, in
                   -- worst-first order until the page is full (OFFSET 0 keeps
                   -- it a per-row check, not a join over every finding).
                   AND ($2::text IS NULL OR EXISTS (
                        SELECT 1 FROM fleet_findings x WHERE x.report = h.last_report
                          AND x.rule = $2 AND ($3::int2 IS NULL OR x.severity >= $3) OFFSET 0))
                   -- A severity alone: the host's counts say it.
                   AND ($3::int2 IS NULL OR $2::text IS NOT NULL OR
                        CASE $3::int2 WHEN 4 THEN h.critical
                                      WHEN 3 THEN h.critical + h.high
                                      WHEN 2 THEN h.critical + h.high + h.medium
                                      WHEN 1 THEN h.critical + h.high + h.medium + h.low
                                      ELSE h.critical + h.high + h.medium + h.low + h.info END > 0)
                 ORDER BY h.score DESC, h.name LIMIT $4 OFFSET $5"
            ),
            &[&host, &rule, &severity, &limit, &offset],
        )
        .await?;
    rows.iter().map(host_row).collect()
}

/// One rule across the fleet's current state.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleRow {
    pub rule: String,
    pub severity: Severity,
    /// Hosts where it is raised now.
    pub hosts: i64,
    pub findings: i64,
}

pub async fn rules(client: &Client, f: &Filter) -> Result<Vec<RuleRow>> {
    let (rule, severity, host) = f.parts();
    let rows = client
        .query(
            "SELECT x.rule, max(x.severity), count(DISTINCT x.host), count(*)
             FROM fleet_hosts h JOIN fleet_findings x ON x.report = h.last_report
             WHERE ($1::text IS NULL OR strpos(h.name, $1) > 0) AND ($2::text IS NULL OR x.rule = $2)
               AND ($3::int2 IS NULL OR x.severity >= $3)
             GROUP BY x.rule ORDER BY max(x.severity) DESC, count(DISTINCT x.host) DESC, x.rule",
            &[&host, &rule, &severity],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(RuleRow {
                rule: r.try_get(0)?,
                severity: severity_of(r.try_get(1)?),
                hosts: r.try_get(2)?,
                findings: r.try_get(3)?,
            })
        })
        .collect()
}

/// One report in a host's history.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryRow {
    pub taken_ms: i64,
    pub revision: Option<i64>,
    pub critical: i32,
    pub high: i32,
    pub medium: i32,
    pub low: i32,
    pub info: i32,
    pub drift: i32,
}

/// A host: its current findings and drift, and its last reports.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HostDetail {
    pub host: HostRow,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub findings: Vec<ReportFinding>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub drift: Vec<DriftItem>,
    pub history: Vec<HistoryRow>,
}

pub async fn host(client: &Client, name: &str, history: i64) -> Result<Option<HostDetail>> {
    let Some(row) = client
        .query_opt(&format!("SELECT {HOST_COLUMNS}, h.last_report FROM fleet_hosts h WHERE h.name = $1"), &[&name])
        .await?
    else {
        return Ok(None);
    };
    let host = host_row(&row)?;
    let last: Option<i64> = row.try_get(10)?;
    let findings = client
        .query(
            "SELECT rule, severity, service, object, message, evidence FROM fleet_findings
             WHERE report = $1 ORDER BY severity DESC, rule, object",
            &[&last],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(ReportFinding {
                rule: r.try_get(0)?,
                severity: severity_of(r.try_get(1)?),
                service: r.try_get(2)?,
                object: r.try_get(3)?,
                message: r.try_get(4)?,
                evidence: r.try_get(5)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let drift = match client.query_opt("SELECT body -> 'drift' FROM fleet_reports WHERE id = $1", &[&last]).await? {
        Some(r) => serde_json::from_value(r.try_get::<_, serde_json::Value>(0)?).unwrap_or_default(),
        None => vec![],
    };
    let history = client
        .query(
            "SELECT (extract(epoch FROM taken_at) * 1000)::int8, revision, critical, high, medium, low, info, drift
             FROM fleet_reports WHERE host = $1 ORDER BY taken_at DESC LIMIT $2",
            &[&name, &history],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(HistoryRow {
                taken_ms: r.try_get(0)?,
                revision: r.try_get(1)?,
                critical: r.try_get(2)?,
                high: r.try_get(3)?,
                medium: r.try_get(4)?,
                low: r.try_get(5)?,
                info: r.try_get(6)?,
                drift: r.try_get(7)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(HostDetail { host, findings, drift, history }))
}

/// The fleet's findings at one time: the sum over hosts of each host's
/// newest report up to then (within the bucket).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrendPoint {
    pub at_ms: i64,
    pub hosts: i64,
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
    pub info: i64,
}

/// The trend over the last `span_hours`, in `buckets` buckets.
pub async fn trend(client: &Client, span_hours: i32, buckets: i32) -> Result<Vec<TrendPoint>> {
    let rows = client
        .query(
            "WITH b AS (SELECT (extract(epoch FROM now()) - $1::float8 * 3600) AS t0, $1::float8 * 3600 / $2::float8 AS w),
                  last AS (
                    SELECT DISTINCT ON (k, r.host) floor((extract(epoch FROM r.taken_at) - b.t0) / b.w)::int8 AS k,
                           r.critical, r.high, r.medium, r.low, r.info
                    FROM fleet_reports r, b
                    WHERE r.taken_at >= to_timestamp(b.t0)
                    ORDER BY k, r.host, r.taken_at DESC)
             SELECT ((b.t0 + (k + 1) * b.w) * 1000)::int8, count(*), sum(critical)::int8, sum(high)::int8,
                    sum(medium)::int8, sum(low)::int8, sum(info)::int8
             FROM last, b GROUP BY k, b.t0, b.w ORDER BY k",
            &[&f64::from(span_hours), &f64::from(buckets)],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(TrendPoint {
                at_ms: r.try_get(0)?,
                hosts: r.try_get(1)?,
                critical: r.try_get(2)?,
                high: r.try_get(3)?,
                medium: r.try_get(4)?,
                low: r.try_get(5)?,
                info: r.try_get(6)?,
            })
        })
        .collect()
}

/// Fleet totals (for the summary and `/metrics`).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Totals {
    pub hosts: i64,
    /// Hosts that sent a report in the last 24 hours.
    pub reporting: i64,
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
    pub info: i64,
    pub drift: i64,
    pub reports: i64,
}

pub async fn totals(client: &Client) -> Result<Totals> {
    let r = client
        .query_one(
            "SELECT count(*), count(*) FILTER (WHERE last_seen > now() - interval '1 day'),
                    coalesce(sum(critical), 0)::int8, coalesce(sum(high), 0)::int8, coalesce(sum(medium), 0)::int8,
                    coalesce(sum(low), 0)::int8, coalesce(sum(info), 0)::int8, coalesce(sum(drift), 0)::int8,
                    (SELECT reltuples::int8 FROM pg_class WHERE relname = 'fleet_reports')
             FROM fleet_hosts",
            &[],
        )
        .await?;
    Ok(Totals {
        hosts: r.try_get(0)?,
        reporting: r.try_get(1)?,
        critical: r.try_get(2)?,
        high: r.try_get(3)?,
        medium: r.try_get(4)?,
        low: r.try_get(5)?,
        info: r.try_get(6)?,
        drift: r.try_get(7)?,
        reports: r.try_get::<_, i64>(8)?.max(0),
    })
}

/// Fleet-wide figures (findings by rule, the trend, the totals) kept for a
/// few seconds: they aggregate every host's current findings, which at
/// 10 000 hosts x 50 findings is too slow to redo per request. When one is
/// older than the TTL, the request that notices starts a refresh in the
/// background and gets the previous value, as do the others meanwhile: no
/// request waits for a refresh (only the first of a kind, with none to give).
pub struct Cache {
    ttl: std::time::Duration,
    rules: std::sync::Arc<Slots<String, Vec<RuleRow>>>,
    trend: std::sync::Arc<Slots<(i32, i32), Vec<TrendPoint>>>,
    totals: std::sync::Arc<Slots<(), Totals>>,
}

type Slots<K, T> = std::sync::Mutex<std::collections::HashMap<K, Slot<T>>>;

struct Slot<T> {
    at: std::time::Instant,
    value: T,
    refreshing: bool,
}

/// Most entries one map keeps (filters come from requests).
const CACHE_ENTRIES: usize = 256;

impl Default for Cache {
    fn default() -> Self {
        Cache::new(std::time::Duration::from_secs(10))
    }
}

fn store<K: std::hash::Hash + Eq, T>(map: &Slots<K, T>, key: K, loaded: Option<T>) {
    let mut m = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    match loaded {
        Some(value) => {
            if m.len() >= CACHE_ENTRIES && !m.contains_key(&key) {
                m.clear();
            }
            m.insert(key, Slot { at: std::time::Instant::now(), value, refreshing: false });
        }
        None => {
            if let Some(slot) = m.get_mut(&key) {
                slot.refreshing = false;
            }
        }
    }
}

async fn client(pool: &crate::Pool) -> Result<crate::PooledClient> {
    pool.get().await.map_err(|e| crate::FleetError::Pool(e.to_string()))
}

impl Cache {
    pub fn new(ttl: std::time::Duration) -> Cache {
        Cache { ttl, rules: Default::default(), trend: Default::default(), totals: Default::default() }
    }

    async fn get<K, T, F, Fut>(
        &self,
        map: &std::sync::Arc<Slots<K, T>>,
        key: K,
        pool: &crate::Pool,
        load: F,
    ) -> Result<T>
    where
        K: std::hash::Hash + Eq + Clone + Send + 'static,
        T: Clone + Send + 'static,
        F: FnOnce(crate::Pool) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<T>> + Send + 'static,
    {
        {
            let mut m = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(slot) = m.get_mut(&key) {
                if slot.at.elapsed() >= self.ttl && !slot.refreshing {
                    slot.refreshing = true;
                    let (map, key, pool) = (map.clone(), key.clone(), pool.clone());
                    tokio::spawn(async move {
                        let loaded = load(pool).await.ok();
                        store(&map, key, loaded);
                    });
                }
                return Ok(slot.value.clone());
            }
        }
        let value = load(pool.clone()).await?;
        store(map, key, Some(value.clone()));
        Ok(value)
    }

    /// [`rules`], at most about `ttl` old.
    pub async fn rules(&self, pool: &crate::Pool, f: &Filter) -> Result<Vec<RuleRow>> {
        let f2 = f.clone();
        self.get(&self.rules, f.query(), pool, move |p| async move { rules(&*client(&p).await?, &f2).await }).await
    }

    /// [`trend`], at most about `ttl` old.
    pub async fn trend(&self, pool: &crate::Pool, span_hours: i32, buckets: i32) -> Result<Vec<TrendPoint>> {
        self.get(&self.trend, (span_hours, buckets), pool, move |p| async move {
            trend(&*client(&p).await?, span_hours, buckets).await
        })
        .await
    }

    /// [`totals`], at most about `ttl` old.
    pub async fn totals(&self, pool: &crate::Pool) -> Result<Totals> {
        self.get(&self.totals, (), pool, |p| async move { totals(&*client(&p).await?).await }).await
    }
}

/// The trend as a server-rendered SVG line chart (no script): one line per
/// severity from medium up, and the hosts reporting, over time. Pure.
pub fn trend_svg(points: &[TrendPoint]) -> String {
    const W: f64 = 640.0;
    const H: f64 = 200.0;
    const PAD: f64 = 30.0;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" \
         role=\"img\" aria-label=\"Findings across the fleet over time\" id=\"trend-chart\">"
    );
    out.push_str(&format!(
        "<line x1=\"{PAD}\" y1=\"{y}\" x2=\"{x}\" y2=\"{y}\" stroke=\"#888\"/>",
        y = H - PAD,
        x = W - 10.0
    ));
    out.push_str(&format!("<line x1=\"{PAD}\" y1=\"10\" x2=\"{PAD}\" y2=\"{}\" stroke=\"#888\"/>", H - PAD));
    if points.is_empty() {
        out.push_str("<text x=\"50\" y=\"100\">no reports in this period</text></svg>");
        return out;
    }
    type Pick = fn(&TrendPoint) -> i64;
    let series: [(&str, &str, Pick); 4] = [
        ("critical", "#8b0000", |p| p.critical),
        ("high", "#d9480f", |p| p.high),
        ("medium", "#b08900", |p| p.medium),
        ("hosts", "#1c6dd0", |p| p.hosts),
    ];
    let max = points.iter().flat_map(|p| series.iter().map(move |(_, _, f)| f(p))).max().unwrap_or(0).max(1) as f64;
    let (t0, t1) = (points.first().map_or(0, |p| p.at_ms), points.last().map_or(0, |p| p.at_ms));
    let span = (t1 - t0).max(1) as f64;
    let x = |t: i64| {
        if points.len() == 1 { (PAD + W - 10.0) / 2.0 } else { PAD + (t - t0) as f64 / span * (W - 10.0 - PAD) }
    };
    let y = |v: i64| H - PAD - v as f64 / max * (H - PAD - 10.0);
    out.push_str(&format!("<text x=\"2\" y=\"16\" font-size=\"10\">{max}</text>"));
    for (i, (name, color, f)) in series.iter().enumerate() {
        let path: Vec<String> = points.iter().map(|p| format!("{:.1},{:.1}", x(p.at_ms), y(f(p)))).collect();
        out.push_str(&format!(
            "<polyline class=\"trend-{name}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>",
            path.join(" ")
        ));
        for p in points {
            out.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{color}\"><title>{name}: {}</title></circle>",
                x(p.at_ms),
                y(f(p)),
                f(p)
            ));
        }
        let lx = PAD + 10.0 + i as f64 * 110.0;
        out.push_str(&format!(
            "<rect x=\"{lx}\" y=\"{ly}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{tx}\" y=\"{ty}\" font-size=\"11\">{name}</text>",
            ly = H - 18.0,
            tx = lx + 14.0,
            ty = H - 9.0
        ));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn filters_are_checked_and_kept_in_links() {
        let q = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect()
        };
        let f = Filter::from_query(&q(&[("rule", "SMB-001"), ("severity", "high"), ("host", "nas 1"), ("x", "y")]))
            .unwrap();
        assert_eq!(f.severity, Some(Severity::High));
        assert_eq!(f.query(), "rule=SMB-001&severity=high&host=nas%201");
        assert!(Filter::from_query(&q(&[("rule", ""), ("severity", "")])).unwrap().query().is_empty());
        assert_eq!(Filter::from_query(&q(&[("severity", "bad")])).unwrap_err().0, "severity");
        assert_eq!(Filter::from_query(&q(&[("rule", "x'--")])).unwrap_err().0, "rule");
    }

    #[test]
    fn the_trend_chart_is_an_svg_with_a_line_per_series() {
        let p = |at_ms, critical, hosts| TrendPoint { at_ms, hosts, critical, high: 1, medium: 0, low: 0, info: 0 };
        let svg = trend_svg(&[p(0, 2, 3), p(1000, 5, 4), p(2000, 1, 4)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 4);
        assert!(svg.contains("<title>critical: 5</title>"));
        assert!(!svg.contains("NaN") && !svg.contains("<script"));
        assert!(trend_svg(&[]).contains("no reports"));
        assert!(!trend_svg(&[p(5, 0, 0)]).contains("NaN"));
    }
}

//! What every request shares: the store (behind one lock: SQLite serialises
//! writers anyway, and each operation takes well under a millisecond), the
//! one-time setup token, the login limiter and the metrics handle (made by
//! the caller: this module imports nothing above `error` and `options`).

use crate::error::{ApiError, ApiResult};
use crate::options::ServeOptions;
use metrics_exporter_prometheus::PrometheusHandle;
use nasguard_ops::Nasguard;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

pub struct AppState {
    pub dir: PathBuf,
    ng: Mutex<Nasguard>,
    /// Valid until the first admin is created through `/setup`.
    pub setup_token: Mutex<Option<String>>,
    pub limiter: LoginLimiter,
    /// Where passwords are checked: a few threads of their own.
    pub hasher: Hasher,
    /// Renders what the process's recorder holds (`/metrics`).
    pub metrics: PrometheusHandle,
    /// Mark the session cookie `Secure` (HTTPS here or at a proxy in front).
    pub secure_cookies: bool,
    /// This process terminates TLS itself (HSTS is sent).
    pub tls: bool,
    pub options: ServeOptions,
    /// Connections to the fleet store, when serving one (`--fleet-db`).
    pub fleet: Option<nasguard_fleet::Pool>,
    /// The fleet-wide figures, kept a few seconds (`dash::Cache`).
    pub fleet_cache: nasguard_fleet::dash::Cache,
}

pub type Shared = Arc<AppState>;

impl AppState {
    /// The state of a server over `dir`, rendering metrics through `metrics`
    /// (see `metrics::handle`).
    pub fn new(dir: PathBuf, ng: Nasguard, options: ServeOptions, metrics: PrometheusHandle) -> AppState {
        AppState {
            dir,
            ng: Mutex::new(ng),
            setup_token: Mutex::new(None),
            limiter: LoginLimiter::default(),
            hasher: Hasher::start(std::thread::available_parallelism().map(|n| n.get().div_ceil(2)).unwrap_or(1)),
            metrics,
            secure_cookies: options.secure_cookies || options.tls,
            tls: options.tls,
            options,
            fleet: None,
            fleet_cache: nasguard_fleet::dash::Cache::default(),
        }
    }

    /// A connection to the fleet store; 404 when this server has none.
    pub async fn fleet(&self) -> ApiResult<nasguard_fleet::PooledClient> {
        self.fleet_pool()?.get().await.map_err(|e| ApiError::Internal(format!("the fleet store: {e}")))
    }

    /// The fleet store's pool; 404 when this server has none.
    pub fn fleet_pool(&self) -> ApiResult<&nasguard_fleet::Pool> {
        self.fleet
            .as_ref()
            .ok_or_else(|| ApiError::NotFound("this server has no fleet store (nasguard serve --fleet-db URL)".into()))
    }

    /// Runs `f` on the store as `actor`, off the async threads.
    pub async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        actor: &str,
        f: impl FnOnce(&mut Nasguard) -> nasguard_ops::Result<T> + Send + 'static,
    ) -> ApiResult<T> {
        let state = self.clone();
        let actor = actor.to_string();
        tokio::task::spawn_blocking(move || {
            let mut ng = state.ng.lock().unwrap_or_else(PoisonError::into_inner);
            ng.set_actor(&actor);
            f(&mut ng)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ApiError::from)
    }

    /// Runs long work (live probes, apply) on a connection of its own, so
    /// the other requests are not held up behind it.
    pub async fn run_alone<T: Send + 'static>(
        self: &Arc<Self>,
        actor: &str,
        f: impl FnOnce(&mut Nasguard) -> nasguard_ops::Result<T> + Send + 'static,
    ) -> ApiResult<T> {
        let dir = self.dir.clone();
        let actor = actor.to_string();
        tokio::task::spawn_blocking(move || {
            let mut ng = Nasguard::open(&dir, &actor)?;
            f(&mut ng)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ApiError::from)
    }

    /// Checks `name`'s password without holding the store while Argon2id
    /// runs, on the [`Hasher`]'s threads.
    pub async fn check_password(self: &Arc<Self>, name: &str, password: String) -> ApiResult<bool> {
        let lookup = name.to_string();
        let check = self.run("server", move |ng| ng.password_check(&lookup)).await?;
        self.hasher.verify(check, password).await
    }

    pub fn take_setup_token(&self, offered: &str) -> bool {
        let mut slot = self.setup_token.lock().unwrap_or_else(PoisonError::into_inner);
        let ok = slot.as_deref().is_some_and(|t| constant_time_eq(t.as_bytes(), offered.as_bytes()));
        if ok {
            *slot = None;
        }
        ok
    }

    pub fn setup_token_matches(&self, offered: &str) -> bool {
        let slot = self.setup_token.lock().unwrap_or_else(PoisonError::into_inner);
        slot.as_deref().is_some_and(|t| constant_time_eq(t.as_bytes(), offered.as_bytes()))
    }
}

/// A few threads that do nothing but check passwords. Argon2id is CPU-bound
/// and takes 19 MiB per check: on threads of its own, at most one check per
/// thread runs at once, the other requests keep the remaining cores, and the
/// memory is reused by the same few threads instead of being left behind in
/// an allocator arena of every blocking thread a flood would start.
pub struct Hasher {
    jobs: std::sync::mpsc::SyncSender<HashJob>,
}

type HashJob = (nasguard_ops::PasswordCheck, String, tokio::sync::oneshot::Sender<bool>);

impl Hasher {
    pub fn start(threads: usize) -> Hasher {
        // Checks waiting beyond this are refused rather than queued: the
        // limiter lets few through, so a full queue is an attack.
        let (jobs, queue) = std::sync::mpsc::sync_channel::<HashJob>(256);
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads.max(1) {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new().name(format!("password-check-{i}")).spawn(move || {
                loop {
                    let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok((check, password, answer)) = job else { return };
                    let _ = answer.send(check.verify(&password));
                }
            });
            drop(spawned);
        }
        Hasher { jobs }
    }

    pub async fn verify(&self, check: nasguard_ops::PasswordCheck, password: String) -> ApiResult<bool> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.jobs.try_send((check, password, answer)).map_err(|_| ApiError::TooManyAttempts(1))?;
        answered.await.map_err(|e| ApiError::Internal(e.to_string()))
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Password guesses per account name and per client address: after
/// [`MAX_FAILURES_PER_ACCOUNT`] for one name, or [`MAX_FAILURES_PER_ADDRESS`]
/// from one address (guessing across many names), further attempts are
/// refused until [`WINDOW`] has passed.
///
/// **Invariant:** an attempt is counted *before* its password is checked,
/// under one lock ([`LoginLimiter::begin`]), so however many requests arrive
/// at once, no more than the limit are ever checked. A good password gives
/// the account's count back.
#[derive(Default)]
pub struct LoginLimiter {
    counts: Mutex<HashMap<String, (u32, Instant)>>,
}

pub const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
pub const MAX_FAILURES_PER_ADDRESS: u32 = 20;
pub const WINDOW: Duration = Duration::from_secs(300);
/// Longer names are cut before they become keys (nobody's name is this long).
pub const MAX_NAME_KEY: usize = 64;
/// The table never holds more keys than this; beyond, the oldest windows go.
const MAX_KEYS: usize = 100_000;

/// The limiter's keys for one attempt, with their limits.
pub fn login_keys(user: &str, address: &str) -> Vec<(String, u32)> {
    let user: String = user.chars().take(MAX_NAME_KEY).collect();
    vec![(format!("user:{user}"), MAX_FAILURES_PER_ACCOUNT), (format!("ip:{address}"), MAX_FAILURES_PER_ADDRESS)]
}

impl LoginLimiter {
    /// Counts one attempt against every key, or `Err(seconds to wait)` when
    /// any key has used up its attempts (then nothing is counted).
    pub fn begin(&self, keys: &[(String, u32)]) -> Result<(), u64> {
        let mut map = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        map.retain(|_, (_, since)| since.elapsed() < WINDOW);
        for (k, limit) in keys {
            if let Some((n, since)) = map.get(k)
                && n >= limit
            {
                return Err((WINDOW.saturating_sub(since.elapsed())).as_secs().max(1));
            }
        }
        if map.len() + keys.len() > MAX_KEYS
            && let Some(oldest) = map.iter().min_by_key(|(_, (_, since))| *since).map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        for (k, _) in keys {
            map.entry(k.clone()).or_insert((0, Instant::now())).0 += 1;
        }
        Ok(())
    }

    /// A good password clears its account's count and gives the address
    /// its attempt back.
    pub fn succeeded(&self, keys: &[(String, u32)]) {
        let mut map = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        for (k, _) in keys {
            if k.starts_with("user:") {
                map.remove(k);
            } else if let Some((n, _)) = map.get_mut(k) {
                *n = n.saturating_sub(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_more_than_the_limit_is_let_through_however_many_try_at_once() {
        let limiter = std::sync::Arc::new(LoginLimiter::default());
        let passed = std::sync::atomic::AtomicU32::new(0);
        std::thread::scope(|s| {
            for i in 0..200 {
                let limiter = limiter.clone();
                let passed = &passed;
                s.spawn(move || {
                    if limiter.begin(&login_keys("admin", &format!("10.0.0.{}", i % 3))).is_ok() {
                        passed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                });
            }
        });
        assert_eq!(passed.into_inner(), MAX_FAILURES_PER_ACCOUNT);
    }

    #[test]
    fn a_good_password_gives_the_account_its_attempts_back() {
        let limiter = LoginLimiter::default();
        let keys = login_keys("alice", "10.0.0.1");
        for _ in 0..MAX_FAILURES_PER_ACCOUNT - 1 {
            limiter.begin(&keys).unwrap();
        }
        limiter.begin(&keys).unwrap();
        limiter.succeeded(&keys);
        assert!(limiter.begin(&keys).is_ok());
        let long = "x".repeat(1_000_000);
        assert_eq!(login_keys(&long, "a")[0].0.len(), "user:".len() + MAX_NAME_KEY);
    }
}

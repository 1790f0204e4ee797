//! What every request shares: the store (behind one lock: SQLite serialises
//! writers anyway, and each operation takes well under a millisecond), the
//! one-time setup token, the login limiter and the metrics handle.

use crate::error::{ApiError, ApiResult};
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
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// Mark the session cookie `Secure` (HTTPS here or at a proxy in front).
    pub secure_cookies: bool,
    /// This process terminates TLS itself (HSTS is sent).
    pub tls: bool,
}

pub type Shared = Arc<AppState>;

impl AppState {
    pub fn new(dir: PathBuf, ng: Nasguard, secure_cookies: bool, tls: bool) -> AppState {
        AppState {
            dir,
            ng: Mutex::new(ng),
            setup_token: Mutex::new(None),
            limiter: LoginLimiter::default(),
            metrics: crate::metrics::handle(),
            secure_cookies,
            tls,
        }
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

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Failed logins per account name and per client address: after
/// [`MAX_FAILURES_PER_ACCOUNT`] failures for one name, or
/// [`MAX_FAILURES_PER_ADDRESS`] from one address (guessing across many
/// names), further attempts are refused until [`WINDOW`] has passed.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

pub const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
pub const MAX_FAILURES_PER_ADDRESS: u32 = 20;
pub const WINDOW: Duration = Duration::from_secs(300);

/// The limiter's keys for one attempt, with their limits.
pub fn login_keys(user: &str, address: &str) -> Vec<(String, u32)> {
    vec![(format!("user:{user}"), MAX_FAILURES_PER_ACCOUNT), (format!("ip:{address}"), MAX_FAILURES_PER_ADDRESS)]
}

impl LoginLimiter {
    /// `Err(seconds to wait)` when any of `keys` is locked out.
    pub fn check(&self, keys: &[(String, u32)]) -> Result<(), u64> {
        let map = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        for (k, limit) in keys {
            if let Some((n, since)) = map.get(k) {
                let age = since.elapsed();
                if n >= limit && age < WINDOW {
                    return Err((WINDOW - age).as_secs().max(1));
                }
            }
        }
        Ok(())
    }

    pub fn failed(&self, keys: &[(String, u32)]) {
        let mut map = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        // Keep the table small: forget windows that are over.
        map.retain(|_, (_, since)| since.elapsed() < WINDOW);
        for (k, _) in keys {
            let e = map.entry(k.clone()).or_insert((0, Instant::now()));
            e.0 += 1;
        }
    }

    /// A good login clears its account's count (not the address's).
    pub fn succeeded(&self, keys: &[(String, u32)]) {
        let mut map = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        for (k, _) in keys.iter().filter(|(k, _)| k.starts_with("user:")) {
            map.remove(k);
        }
    }
}

//! The issuer's signing keys: fetched from its `jwks_uri` and cached for
//! at most [`JWKS_MAX_AGE`]; an unknown `kid` fetches them again. Fetches
//! are single-flight (concurrent requests wait for the one fetch), and at
//! most one is tried every [`JWKS_REFRESH_MIN`], failed or not, so a flood
//! of tokens with made-up `kid`s cannot make Palette hammer the provider.

use std::future::Future;
use std::time::{Duration, Instant};

use openidconnect::core::{CoreJsonWebKeySet, CoreJwsSigningAlgorithm};
use openidconnect::{JsonWebKey, JsonWebKeyId};
use tokio::sync::{Mutex, RwLock};

use super::{BearerError, Verifier};

/// Fetches are tried at most this often, whatever their outcome.
const JWKS_REFRESH_MIN: Duration = Duration::from_secs(30);
/// Keys older than this are fetched again before use (kept, if the fetch
/// fails, until a fetch succeeds).
const JWKS_MAX_AGE: Duration = Duration::from_secs(600);

#[derive(Default)]
pub(super) struct KeyCache {
    state: RwLock<Cached>,
    /// Held while fetching: one fetch at a time.
    fetching: Mutex<()>,
}

#[derive(Default)]
struct Cached {
    keys: Option<CoreJsonWebKeySet>,
    fetched: Option<Instant>,
    /// The last fetch tried, and why it failed if it did.
    tried: Option<Instant>,
    failure: Option<String>,
}

impl KeyCache {
    /// The key set: the cached one unless it is older than
    /// [`JWKS_MAX_AGE`] or `fresh` asks for newer keys (an unknown `kid`);
    /// then `fetch` runs, unless another caller's fetch finished while this
    /// one waited or one was tried within [`JWKS_REFRESH_MIN`].
    pub(super) async fn get<F, Fut>(
        &self,
        fresh: bool,
        fetch: F,
    ) -> Result<CoreJsonWebKeySet, String>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<CoreJsonWebKeySet, String>>,
    {
        let asked = Instant::now();
        {
            let cached = self.state.read().await;
            if let (Some(keys), Some(at)) = (&cached.keys, cached.fetched) {
                if !fresh && at.elapsed() < JWKS_MAX_AGE {
                    return Ok(keys.clone());
                }
            }
        }
        let _one_at_a_time = self.fetching.lock().await;
        {
            let cached = self.state.read().await;
            let recently = cached
                .tried
                .is_some_and(|at| at.elapsed() < JWKS_REFRESH_MIN);
            let while_waiting = cached.tried.is_some_and(|at| at >= asked);
            if recently || while_waiting {
                return match (&cached.keys, &cached.failure) {
                    (Some(keys), _) => Ok(keys.clone()),
                    (None, Some(why)) => Err(why.clone()),
                    (None, None) => Err("no signing keys yet".to_owned()),
                };
            }
        }
        let result = fetch().await;
        let mut cached = self.state.write().await;
        cached.tried = Some(Instant::now());
        match result {
            Ok(keys) => {
                cached.keys = Some(keys.clone());
                cached.fetched = cached.tried;
                cached.failure = None;
                Ok(keys)
            }
            Err(why) => {
                tracing::warn!(error = %why, "cannot fetch the issuer's JWKS");
                cached.failure = Some(why.clone());
                // Stale keys beat none while the provider is unreachable.
                cached.keys.clone().ok_or(why)
            }
        }
    }
}

impl Verifier {
    pub(super) async fn check_signature(
        &self,
        alg: &CoreJwsSigningAlgorithm,
        kid: Option<&str>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), BearerError> {
        for fresh in [false, true] {
            let set = self
                .keys
                .get(fresh, || self.fetch_keys())
                .await
                .map_err(BearerError::Unavailable)?;
            let candidates: Vec<_> = set
                .keys()
                .iter()
                .filter(|key| match kid {
                    Some(kid) => key.key_id() == Some(&JsonWebKeyId::new(kid.to_owned())),
                    None => true,
                })
                .collect();
            if candidates.is_empty() {
                continue;
            }
            return if candidates
                .iter()
                .any(|key| key.verify_signature(alg, message, signature).is_ok())
            {
                Ok(())
            } else {
                Err(BearerError::Signature)
            };
        }
        Err(BearerError::UnknownKey)
    }

    async fn fetch_keys(&self) -> Result<CoreJsonWebKeySet, String> {
        let discovered = self
            .provider
            .discovered(false)
            .await
            .map_err(|e| e.to_string())?;
        self.provider
            .http()
            .get(&discovered.jwks_uri)
            .send()
            .await
            .and_then(openidconnect::reqwest::Response::error_for_status)
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    fn empty_set() -> CoreJsonWebKeySet {
        serde_json::from_value(serde_json::json!({ "keys": [] })).unwrap()
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch_and_refetches_are_rate_limited() {
        let cache = Arc::new(KeyCache::default());
        let fetches = Arc::new(AtomicUsize::new(0));
        let slow_fetch = |fetches: Arc<AtomicUsize>| async move {
            fetches.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(empty_set())
        };
        let callers: Vec<_> = (0..20)
            .map(|_| {
                let (cache, fetches) = (cache.clone(), fetches.clone());
                tokio::spawn(async move { cache.get(false, || slow_fetch(fetches)).await })
            })
            .collect();
        for caller in callers {
            assert!(caller.await.unwrap().is_ok());
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "single-flight");
        // Unknown kids ask for fresh keys: none is fetched within 30 s.
        for _ in 0..50 {
            assert!(cache
                .get(true, || slow_fetch(fetches.clone()))
                .await
                .is_ok());
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "rate-limited");
    }

    #[tokio::test]
    async fn a_failed_fetch_is_rate_limited_too_and_says_why() {
        let cache = KeyCache::default();
        let fetches = AtomicUsize::new(0);
        let failing = || async {
            fetches.fetch_add(1, Ordering::SeqCst);
            Err::<CoreJsonWebKeySet, _>("connection refused".to_owned())
        };
        for _ in 0..10 {
            assert_eq!(
                cache.get(false, failing).await.unwrap_err(),
                "connection refused"
            );
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }
}

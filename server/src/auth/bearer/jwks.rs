//! The issuer's signing keys: fetched from its `jwks_uri`, cached, and
//! fetched again (at most every 30 seconds) for an unknown `kid`.

use std::time::{Duration, Instant};

use openidconnect::core::{CoreJsonWebKeySet, CoreJwsSigningAlgorithm};
use openidconnect::{JsonWebKey, JsonWebKeyId};
use tokio::sync::RwLock;

use super::{BearerError, Verifier};

/// An unknown `kid` refetches the JWKS at most this often.
const JWKS_REFRESH_MIN: Duration = Duration::from_secs(30);

#[derive(Default)]
pub(super) struct KeyCache(RwLock<Cached>);

#[derive(Default)]
struct Cached {
    keys: Option<CoreJsonWebKeySet>,
    fetched: Option<Instant>,
}

impl Verifier {
    pub(super) async fn check_signature(
        &self,
        alg: &CoreJwsSigningAlgorithm,
        kid: Option<&str>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), BearerError> {
        for attempt in 0..2 {
            let refresh = attempt == 1;
            if refresh && !self.may_refresh().await {
                break;
            }
            let set = self.key_set(refresh).await?;
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

    async fn may_refresh(&self) -> bool {
        self.keys
            .0
            .read()
            .await
            .fetched
            .is_none_or(|at| at.elapsed() >= JWKS_REFRESH_MIN)
    }

    async fn key_set(&self, refresh: bool) -> Result<CoreJsonWebKeySet, BearerError> {
        if !refresh {
            if let Some(keys) = &self.keys.0.read().await.keys {
                return Ok(keys.clone());
            }
        }
        let discovered = self
            .provider
            .discovered(false)
            .await
            .map_err(|e| BearerError::Unavailable(e.to_string()))?;
        let set: CoreJsonWebKeySet = self
            .provider
            .http()
            .get(&discovered.jwks_uri)
            .send()
            .await
            .and_then(openidconnect::reqwest::Response::error_for_status)
            .map_err(|e| BearerError::Unavailable(e.to_string()))?
            .json()
            .await
            .map_err(|e| BearerError::Unavailable(e.to_string()))?;
        let mut cache = self.keys.0.write().await;
        cache.keys = Some(set.clone());
        cache.fetched = Some(Instant::now());
        Ok(set)
    }
}

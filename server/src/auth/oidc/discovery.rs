//! The provider's discovery document, fetched at most every ten minutes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::core::CoreProviderMetadata;
use openidconnect::IssuerUrl;

use super::{error_chain, LoginError, Provider};

const DISCOVERY_TTL: Duration = Duration::from_secs(600);

/// The provider's metadata as discovered, with the members the crate's core
/// type does not carry.
pub struct Discovered {
    pub metadata: CoreProviderMetadata,
    pub end_session_endpoint: Option<String>,
    pub introspection_endpoint: Option<String>,
    pub jwks_uri: String,
}

pub(super) type Cached = (Instant, Arc<Discovered>);

impl Provider {
    /// The discovery document, fetched at most every ten minutes (or again
    /// when `refresh` asks, e.g. for an unknown signing key).
    pub async fn discovered(&self, refresh: bool) -> Result<Arc<Discovered>, LoginError> {
        if !refresh {
            if let Some((at, found)) = self.cache.read().await.as_ref() {
                if at.elapsed() < DISCOVERY_TTL {
                    return Ok(found.clone());
                }
            }
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .map_err(|e| LoginError::Unreachable(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| LoginError::Unreachable(error_chain(&e)))?;
        let raw: serde_json::Value = self
            .http
            .get(format!(
                "{}/.well-known/openid-configuration",
                self.config.issuer.trim_end_matches('/')
            ))
            .send()
            .await
            .and_then(openidconnect::reqwest::Response::error_for_status)
            .map_err(|e| LoginError::Unreachable(e.to_string()))?
            .json()
            .await
            .map_err(|e| LoginError::Unreachable(e.to_string()))?;
        let text = |key: &str| raw.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        let found = Arc::new(Discovered {
            jwks_uri: metadata.jwks_uri().url().to_string(),
            end_session_endpoint: text("end_session_endpoint"),
            introspection_endpoint: text("introspection_endpoint"),
            metadata,
        });
        *self.cache.write().await = Some((Instant::now(), found.clone()));
        Ok(found)
    }
}

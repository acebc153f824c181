//! Bearer tokens for `/api/v1/*`: JWT access tokens verified against the
//! issuer's JWKS (issuer, audience, expiry, not-before, an algorithm
//! allow-list), and opaque tokens through RFC 7662 introspection when
//! configured (what Hydra issues by default). The principal is
//! `user:<sub>`; for client-credentials tokens `sub` is the client id.
//!
//! Protocol only, no axum: reading the header and answering 401 are in
//! [`super::challenge`].

mod claims;
mod introspect;
mod jwks;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use openidconnect::core::CoreJwsSigningAlgorithm;
use serde::Deserialize;

pub use claims::{BearerError, Principal};

use super::oidc::Provider;
use crate::config::IntrospectionConfig;

/// Asymmetric algorithms only: never `none`, never HMAC (which would let a
/// public key be used as a shared secret).
const ALLOWED_ALGS: &[&str] = &[
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
];

#[derive(Debug, Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

/// Verifies the tokens of one issuer for one audience.
pub struct Verifier {
    provider: Arc<Provider>,
    audience: String,
    introspection: Option<IntrospectionConfig>,
    keys: jwks::KeyCache,
    /// Machine clients this process has seen.
    seen: Mutex<HashSet<String>>,
}

impl Verifier {
    pub fn new(
        provider: Arc<Provider>,
        audience: String,
        introspection: Option<IntrospectionConfig>,
    ) -> Self {
        Self {
            provider,
            audience,
            introspection,
            keys: jwks::KeyCache::default(),
            seen: Mutex::new(HashSet::new()),
        }
    }

    pub async fn verify(&self, token: &str) -> Result<Principal, BearerError> {
        if token.split('.').count() == 3 {
            self.verify_jwt(token).await
        } else if self.introspection.is_some() {
            self.introspect(token).await
        } else {
            Err(BearerError::OpaqueNotAccepted)
        }
    }

    /// True the first time this process sees `principal` as a machine
    /// client, so it is recorded in the users table once.
    pub fn first_sighting(&self, principal: &Principal) -> bool {
        principal.machine
            && self
                .seen
                .lock()
                .is_ok_and(|mut seen| seen.insert(principal.subject.clone()))
    }

    async fn verify_jwt(&self, token: &str) -> Result<Principal, BearerError> {
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(BearerError::Malformed);
        };
        let decode = |s: &str| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s)
                .map_err(|_| BearerError::Malformed)
        };
        let header: Header =
            serde_json::from_slice(&decode(header_b64)?).map_err(|_| BearerError::Malformed)?;
        if !ALLOWED_ALGS.contains(&header.alg.as_str()) {
            return Err(BearerError::Algorithm(header.alg));
        }
        let alg: CoreJwsSigningAlgorithm =
            serde_json::from_value(serde_json::Value::String(header.alg.clone()))
                .map_err(|_| BearerError::Algorithm(header.alg.clone()))?;
        let signature = decode(signature_b64)?;
        let message = format!("{header_b64}.{payload_b64}");
        self.check_signature(&alg, header.kid.as_deref(), message.as_bytes(), &signature)
            .await?;
        let claims: claims::Claims =
            serde_json::from_slice(&decode(payload_b64)?).map_err(|_| BearerError::Malformed)?;
        self.check(&claims, true)
    }

    fn check(&self, claims: &claims::Claims, require_exp: bool) -> Result<Principal, BearerError> {
        claims.check(&claims::Expected {
            issuer: self.provider.issuer(),
            audience: &self.audience,
            require_exp,
            now: domain::time::now_secs(),
        })
    }
}

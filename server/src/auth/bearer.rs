//! Bearer tokens for `/api/v1/*`: JWT access tokens verified against the
//! issuer's JWKS (issuer, audience, expiry, not-before, an algorithm
//! allow-list), and opaque tokens through RFC 7662 introspection when
//! configured (what Hydra issues by default). The principal is
//! `user:<sub>`; for client-credentials tokens `sub` is the client id.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use engine::store::users::{UserKind, UserProfile};
use openidconnect::core::{CoreJsonWebKeySet, CoreJwsSigningAlgorithm};
use openidconnect::{JsonWebKey, JsonWebKeyId};
use secrecy::ExposeSecret;
use serde::Deserialize;
use tokio::sync::RwLock;

use super::oidc::Provider;
use crate::config::IntrospectionConfig;

/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECS: i64 = 60;
/// An unknown `kid` refetches the JWKS at most this often.
const JWKS_REFRESH_MIN: Duration = Duration::from_secs(30);

/// Asymmetric algorithms only: never `none`, never HMAC (which would let a
/// public key be used as a shared secret).
const ALLOWED_ALGS: &[&str] = &[
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
];

/// Who a valid token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub subject: String,
    pub machine: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum BearerError {
    #[error("malformed token")]
    Malformed,
    #[error("token algorithm {0} is not accepted")]
    Algorithm(String),
    #[error("token signing key is unknown")]
    UnknownKey,
    #[error("token signature is invalid")]
    Signature,
    #[error("token issuer is not {0}")]
    Issuer(String),
    #[error("token audience does not include {0}")]
    Audience(String),
    #[error("token has expired")]
    Expired,
    #[error("token is not valid yet")]
    NotYetValid,
    #[error("token is not active")]
    Inactive,
    #[error("opaque tokens are not accepted: introspection is not configured")]
    OpaqueNotAccepted,
    #[error("the identity provider could not be reached to verify the token")]
    Unavailable(String),
}

#[derive(Debug, Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Claims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    exp: Option<i64>,
    nbf: Option<i64>,
    client_id: Option<String>,
    #[serde(default)]
    active: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, wanted: &str) -> bool {
        match self {
            Self::One(a) => a == wanted,
            Self::Many(all) => all.iter().any(|a| a == wanted),
        }
    }
}

struct KeyCache {
    keys: Option<CoreJsonWebKeySet>,
    fetched: Option<Instant>,
}

pub struct Verifier {
    provider: Arc<Provider>,
    audience: String,
    introspection: Option<IntrospectionConfig>,
    keys: RwLock<KeyCache>,
    /// Machines recorded in the users table by this process.
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
            keys: RwLock::new(KeyCache {
                keys: None,
                fetched: None,
            }),
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
        let claims: Claims =
            serde_json::from_slice(&decode(payload_b64)?).map_err(|_| BearerError::Malformed)?;
        self.check_claims(&claims, true)
    }

    async fn check_signature(
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
            .read()
            .await
            .fetched
            .is_none_or(|at| at.elapsed() >= JWKS_REFRESH_MIN)
    }

    async fn key_set(&self, refresh: bool) -> Result<CoreJsonWebKeySet, BearerError> {
        if !refresh {
            if let Some(keys) = &self.keys.read().await.keys {
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
        let mut cache = self.keys.write().await;
        cache.keys = Some(set.clone());
        cache.fetched = Some(Instant::now());
        Ok(set)
    }

    fn check_claims(&self, claims: &Claims, require_exp: bool) -> Result<Principal, BearerError> {
        let now = super::now_secs();
        let issuer = self.provider.issuer();
        if claims.iss.as_deref() != Some(issuer) {
            return Err(BearerError::Issuer(issuer.to_owned()));
        }
        if !claims
            .aud
            .as_ref()
            .is_some_and(|aud| aud.contains(&self.audience))
        {
            return Err(BearerError::Audience(self.audience.clone()));
        }
        match claims.exp {
            Some(exp) if exp + LEEWAY_SECS < now => return Err(BearerError::Expired),
            None if require_exp => return Err(BearerError::Malformed),
            _ => {}
        }
        if claims.nbf.is_some_and(|nbf| nbf - LEEWAY_SECS > now) {
            return Err(BearerError::NotYetValid);
        }
        let subject = claims
            .sub
            .clone()
            .or_else(|| claims.client_id.clone())
            .ok_or(BearerError::Malformed)?;
        let machine = claims.client_id.as_deref() == Some(subject.as_str());
        Ok(Principal { subject, machine })
    }

    /// RFC 7662: POST the token to the introspection endpoint, authenticated
    /// as the introspection client.
    async fn introspect(&self, token: &str) -> Result<Principal, BearerError> {
        let Some(config) = &self.introspection else {
            return Err(BearerError::OpaqueNotAccepted);
        };
        let endpoint = match &config.url {
            Some(url) => url.clone(),
            None => self
                .provider
                .discovered(false)
                .await
                .map_err(|e| BearerError::Unavailable(e.to_string()))?
                .introspection_endpoint
                .clone()
                .ok_or_else(|| {
                    BearerError::Unavailable(
                        "the provider advertises no introspection_endpoint".to_owned(),
                    )
                })?,
        };
        let response = self
            .provider
            .http()
            .post(endpoint)
            .basic_auth(
                &config.client_id,
                config
                    .client_secret
                    .as_ref()
                    .map(|s| s.expose_secret().to_owned()),
            )
            .header(header::ACCEPT, "application/json")
            .form(&[("token", token), ("token_type_hint", "access_token")])
            .send()
            .await
            .and_then(openidconnect::reqwest::Response::error_for_status)
            .map_err(|e| BearerError::Unavailable(e.to_string()))?;
        let claims: Claims = response
            .json()
            .await
            .map_err(|e| BearerError::Unavailable(e.to_string()))?;
        if claims.active != Some(true) {
            return Err(BearerError::Inactive);
        }
        self.check_claims(&claims, false)
    }

    /// Records a machine client in the users table the first time this
    /// process sees it, so the access page can name it.
    pub async fn remember(&self, engine: &engine::Engine, principal: &Principal) {
        let first = self
            .seen
            .lock()
            .is_ok_and(|mut seen| seen.insert(principal.subject.clone()));
        if first && principal.machine {
            let profile = UserProfile {
                subject: principal.subject.clone(),
                kind: UserKind::Machine,
                email: None,
                name: None,
                username: None,
                groups: Vec::new(),
            };
            if let Err(e) = engine.record_login(&profile, None).await {
                tracing::warn!(error = %e, "cannot record the machine client");
            }
        }
    }
}

/// The token of an `Authorization: Bearer …` header.
pub fn token_from(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// 401 with `WWW-Authenticate` and a JSON error body; never a redirect.
pub fn unauthorized(reason: &str) -> Response {
    let mut response = crate::http::api_error(StatusCode::UNAUTHORIZED, "unauthenticated", reason);
    let challenge = format!(
        "Bearer realm=\"palette\", error=\"invalid_token\", error_description=\"{}\"",
        reason.replace(['"', '\\'], "'")
    );
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response.into_response()
}

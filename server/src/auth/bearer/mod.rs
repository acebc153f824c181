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

/// JWT `typ` values an access token may carry (RFC 9068 names `at+jwt`;
/// many providers, Hydra among them, send `JWT`). Anything else (a
/// logout token, a security event) is refused.
const ACCESS_TOKEN_TYPS: &[&str] = &["JWT", "at+jwt", "application/at+jwt"];

#[derive(Debug, Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
    typ: Option<String>,
}

/// A JWT's `typ`, when present, must name an access token.
fn check_typ(typ: Option<&str>) -> Result<(), BearerError> {
    match typ {
        Some(typ)
            if !ACCESS_TOKEN_TYPS
                .iter()
                .any(|t| t.eq_ignore_ascii_case(typ)) =>
        {
            Err(BearerError::NotAnAccessToken(format!("typ {typ}")))
        }
        _ => Ok(()),
    }
}

/// Verifies the tokens of one issuer for one audience.
pub struct Verifier {
    provider: Arc<Provider>,
    audience: String,
    introspection: Option<IntrospectionConfig>,
    keys: jwks::KeyCache,
    answers: introspect::AnswerCache,
    /// Machine clients this process has recorded, with the groups their
    /// token carried then.
    seen: Mutex<HashSet<(String, Option<Vec<String>>)>>,
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
            answers: introspect::AnswerCache::default(),
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

    /// True when this process has not recorded `principal` as a machine
    /// client with these groups yet; [`Self::recorded`] marks it done.
    pub fn needs_recording(&self, principal: &Principal) -> bool {
        principal.machine
            && self
                .seen
                .lock()
                .is_ok_and(|seen| !seen.contains(&Self::seen_key(principal)))
    }

    /// `principal` is in the users table, its group memberships synced.
    pub fn recorded(&self, principal: &Principal) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.insert(Self::seen_key(principal));
        }
    }

    fn seen_key(principal: &Principal) -> (String, Option<Vec<String>>) {
        (principal.subject.clone(), principal.groups.clone())
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
        check_typ(header.typ.as_deref())?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jwt_typ_other_than_an_access_tokens_is_refused() {
        for typ in [
            None,
            Some("JWT"),
            Some("at+jwt"),
            Some("application/AT+JWT"),
        ] {
            assert!(check_typ(typ).is_ok(), "{typ:?}");
        }
        for typ in ["logout+jwt", "secevent+jwt", "dpop+jwt", "id_token"] {
            assert!(
                matches!(check_typ(Some(typ)), Err(BearerError::NotAnAccessToken(_))),
                "{typ}"
            );
        }
    }
}

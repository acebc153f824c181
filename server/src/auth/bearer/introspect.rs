//! RFC 7662: opaque tokens POSTed to the introspection endpoint,
//! authenticated as the introspection client, and the answers kept for a
//! few seconds ([`AnswerCache`]).

use std::collections::HashMap;
use std::sync::Mutex;

use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use super::claims::Claims;
use super::{BearerError, Principal, Verifier};

/// The most answers kept; when full, expired ones go, else all.
const MAX_ANSWERS: usize = 10_000;

/// Introspection answers, by the SHA-256 of the token: an active token
/// (its principal) or an inactive one, until `cache_secs` after the answer
/// and never past the token's `exp`. A token revoked at the provider is
/// refused at most `cache_secs` later; 0 keeps nothing.
#[derive(Debug, Default)]
pub(super) struct AnswerCache {
    answers: Mutex<HashMap<[u8; 32], Kept>>,
}

/// An answer (the principal, or none for an inactive token) and until when
/// it holds (Unix seconds).
type Kept = (Option<Principal>, i64);

impl AnswerCache {
    fn get(&self, key: &[u8; 32], now: i64) -> Option<Option<Principal>> {
        let answers = self.answers.lock().ok()?;
        let (answer, until) = answers.get(key)?;
        (now < *until).then(|| answer.clone())
    }

    fn put(&self, key: [u8; 32], answer: Option<Principal>, until: i64, now: i64) {
        let Ok(mut answers) = self.answers.lock() else {
            return;
        };
        if answers.len() >= MAX_ANSWERS {
            answers.retain(|_, (_, until)| *until > now);
            if answers.len() >= MAX_ANSWERS {
                answers.clear();
            }
        }
        answers.insert(key, (answer, until));
    }
}

impl Verifier {
    pub(super) async fn introspect(&self, token: &str) -> Result<Principal, BearerError> {
        let Some(config) = &self.introspection else {
            return Err(BearerError::OpaqueNotAccepted);
        };
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = domain::time::now_secs();
        if let Some(answer) = self.answers.get(&key, now) {
            return answer.ok_or(BearerError::Inactive);
        }
        let ttl = i64::try_from(config.cache_secs).unwrap_or(i64::MAX);
        let (answer, exp) = self.ask(config, token).await?;
        // Kept: who an active token is, or that it is not active; never a
        // refusal for another reason (it says why at every request).
        let keep = match &answer {
            Ok(principal) => Some(Some(principal.clone())),
            Err(BearerError::Inactive) => Some(None),
            Err(_) => None,
        };
        if let (true, Some(keep)) = (ttl > 0, keep) {
            let until = exp.map_or(now.saturating_add(ttl), |exp| {
                exp.min(now.saturating_add(ttl))
            });
            self.answers.put(key, keep, until, now);
        }
        answer
    }

    /// One introspection request: the answer (a principal, or why not) and
    /// the token's `exp`. Errors reaching the endpoint are `Err` outright.
    async fn ask(
        &self,
        config: &crate::config::IntrospectionConfig,
        token: &str,
    ) -> Result<(Result<Principal, BearerError>, Option<i64>), BearerError> {
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
            .header(openidconnect::http::header::ACCEPT, "application/json")
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
            return Ok((Err(BearerError::Inactive), None));
        }
        Ok((self.check(&claims, false), claims.exp))
    }
}

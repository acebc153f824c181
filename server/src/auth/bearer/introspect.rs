//! RFC 7662: opaque tokens POSTed to the introspection endpoint,
//! authenticated as the introspection client.

use secrecy::ExposeSecret;

use super::claims::Claims;
use super::{BearerError, Principal, Verifier};

impl Verifier {
    pub(super) async fn introspect(&self, token: &str) -> Result<Principal, BearerError> {
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
            return Err(BearerError::Inactive);
        }
        self.check(&claims, false)
    }
}

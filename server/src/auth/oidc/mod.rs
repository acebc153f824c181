//! Browser login through an OpenID Provider (Ory Hydra in production; any
//! conformant provider works), as protocol only — no axum: discovery (with
//! a cache), the authorization code flow with PKCE (S256), `state` and
//! `nonce`, and the ID token validated by the `openidconnect` crate
//! (issuer, audience, expiry, signature via the provider's JWKS). The
//! handlers are in [`super::login`].

mod code_flow;
mod discovery;
mod error;

use std::time::Duration;

use openidconnect::core::CoreClient;
use openidconnect::{ClientId, ClientSecret, RedirectUrl};
use secrecy::ExposeSecret;
use tokio::sync::RwLock;

pub use code_flow::{Flow, Identity};
pub use discovery::Discovered;
pub use error::LoginError;

use super::AuthError;
use crate::config::OidcConfig;

/// One configured OpenID Provider.
pub struct Provider {
    config: OidcConfig,
    redirect: RedirectUrl,
    post_logout: String,
    http: openidconnect::reqwest::Client,
    cache: RwLock<Option<discovery::Cached>>,
}

/// The crate's client type with the endpoints discovery sets.
type Client = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

impl Provider {
    pub fn new(config: &OidcConfig, public_base: &str) -> Result<Self, AuthError> {
        let redirect = RedirectUrl::new(format!("{public_base}/auth/callback"))
            .map_err(|e| AuthError::PublicUrl(e.to_string()))?;
        let http = openidconnect::reqwest::ClientBuilder::new()
            // Following redirects would open the door to SSRF.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| AuthError::Http(e.to_string()))?;
        Ok(Self {
            config: config.clone(),
            redirect,
            post_logout: format!("{public_base}/"),
            http,
            cache: RwLock::new(None),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    pub fn client_id(&self) -> &str {
        &self.config.client_id
    }

    /// Where the provider sends the browser after RP-initiated logout.
    pub fn post_logout_redirect(&self) -> &str {
        &self.post_logout
    }

    pub fn http(&self) -> &openidconnect::reqwest::Client {
        &self.http
    }

    fn client(&self, discovered: &Discovered) -> Client {
        CoreClient::from_provider_metadata(
            discovered.metadata.clone(),
            ClientId::new(self.config.client_id.clone()),
            self.config
                .client_secret
                .as_ref()
                .map(|s| ClientSecret::new(s.expose_secret().to_owned())),
        )
        .set_redirect_uri(self.redirect.clone())
    }
}

/// An error with its causes, for the detail line of a failure page.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

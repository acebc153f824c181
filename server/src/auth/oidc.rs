//! Browser login through an OpenID Provider (Ory Hydra in production; any
//! conformant provider works): the authorization code flow with PKCE (S256),
//! `state` and `nonce`, the ID token validated by the `openidconnect` crate
//! (issuer, audience, expiry, signature via the provider's JWKS), and
//! RP-initiated logout.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use engine::store::users::{UserKind, UserProfile};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;
use tower_sessions::Session;

use super::{
    now_secs, pages, safe_return_to, AuthError, Login, SessionUser, CSRF_KEY, FLOW_KEY, USER_KEY,
};
use crate::config::OidcConfig;
use crate::http::AppState;

const DISCOVERY_TTL: Duration = Duration::from_secs(600);

/// The provider's metadata as discovered, with the members the crate's core
/// type does not carry.
pub struct Discovered {
    pub metadata: CoreProviderMetadata,
    pub end_session_endpoint: Option<String>,
    pub introspection_endpoint: Option<String>,
    pub jwks_uri: String,
}

/// One configured OpenID Provider.
pub struct Provider {
    config: OidcConfig,
    redirect: RedirectUrl,
    post_logout: String,
    http: openidconnect::reqwest::Client,
    cache: RwLock<Option<(Instant, Arc<Discovered>)>>,
}

/// A login in progress, kept in the session between redirect and callback.
#[derive(Debug, Serialize, Deserialize)]
struct Flow {
    state: String,
    nonce: String,
    pkce_verifier: String,
    return_to: String,
}

/// Why a login failed: what to tell the person, and the HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("The identity provider could not be reached.")]
    Unreachable(String),
    #[error("The identity provider refused the login: {0}.")]
    Provider(String),
    #[error("No login was in progress in this browser, or it has already been used.")]
    NoFlow,
    #[error(
        "The login response does not belong to the login this browser started (state mismatch)."
    )]
    StateMismatch,
    #[error(
        "The identity provider refused the login code; it may have expired or been used already."
    )]
    Exchange(String),
    #[error("The identity provider's ID token is not valid for Palette.")]
    IdToken(String),
    #[error("Palette could not record the login.")]
    Internal(String),
}

impl LoginError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Unreachable(_) => StatusCode::BAD_GATEWAY,
            Self::Internal(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::Unreachable(d) | Self::Exchange(d) | Self::IdToken(d) | Self::Internal(d) => {
                d.clone()
            }
            Self::Provider(_) => "The provider reported an error and sent you back.".to_owned(),
            Self::NoFlow | Self::StateMismatch => {
                "Start the login again from Palette in this browser.".to_owned()
            }
        }
    }

    pub fn page(&self, return_to: &str) -> Response {
        tracing::warn!(error = %self, detail = %self.detail(), "login failed");
        pages::failure(self.status(), &self.to_string(), &self.detail(), return_to)
    }
}

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

    pub fn http(&self) -> &openidconnect::reqwest::Client {
        &self.http
    }

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

    fn client(
        &self,
        discovered: &Discovered,
    ) -> CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    > {
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

    async fn start(&self, return_to: String) -> Result<(String, Flow), LoginError> {
        let discovered = self.discovered(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = self.client(&discovered);
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in self.config.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        let flow = Flow {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            return_to,
        };
        Ok((url.to_string(), flow))
    }

    async fn finish(
        &self,
        flow: Flow,
        code: String,
    ) -> Result<(UserProfile, SessionUser), LoginError> {
        let discovered = self.discovered(false).await?;
        let client = self.client(&discovered);
        let token = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| LoginError::Exchange(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                // No answer at all is not a refusal of the code.
                openidconnect::RequestTokenError::Request(_) => {
                    LoginError::Unreachable(error_chain(&e))
                }
                _ => LoginError::Exchange(error_chain(&e)),
            })?;
        let _ = token.access_token();
        let id_token = token
            .id_token()
            .ok_or_else(|| LoginError::IdToken("the token response has no id_token".to_owned()))?;
        let nonce = Nonce::new(flow.nonce);
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            // The JWKS came with the cached discovery document: after a key
            // rotation the provider signs with a key it does not hold yet.
            // Fetch both again, once, and verify against the fresh keys.
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
                let fresh = self.discovered(true).await?;
                id_token.claims(&self.client(&fresh).id_token_verifier(), &nonce)
            }
            other => other,
        }
        .map_err(|e| LoginError::IdToken(error_chain(&e)))?;
        let raw = id_token.to_string();
        let groups = groups_claim(&raw);
        let subject = claims.subject().as_str().to_owned();
        let name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned());
        let username = claims.preferred_username().map(|u| u.as_str().to_owned());
        let email = claims.email().map(|e| e.as_str().to_owned());
        let display_name = name
            .clone()
            .or_else(|| username.clone())
            .or_else(|| email.clone())
            .unwrap_or_else(|| subject.clone());
        let profile = UserProfile {
            subject: subject.clone(),
            kind: UserKind::Person,
            email: email.clone(),
            name,
            username,
            groups: groups.clone(),
        };
        let user = SessionUser {
            subject,
            display_name,
            email,
            groups,
            id_token: Some(raw),
            login_at: now_secs(),
        };
        Ok((profile, user))
    }
}

/// The `groups` claim of a verified ID token (the crate's core claims type
/// does not carry it). Hydra, like many providers, sends it as an array of
/// strings; anything else counts as no groups.
fn groups_claim(jwt: &str) -> Vec<String> {
    let payload = jwt.split('.').nth(1).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|claims| claims.get("groups").cloned())
        .and_then(|groups| serde_json::from_value::<Vec<String>>(groups).ok())
        .unwrap_or_default()
}

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

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    return_to: Option<String>,
}

/// `GET /auth/login?return_to=/path`
pub async fn login(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<LoginQuery>,
) -> Response {
    let return_to = safe_return_to(query.return_to.as_deref());
    if session
        .get::<SessionUser>(USER_KEY)
        .await
        .ok()
        .flatten()
        .is_some()
    {
        return Redirect::to(&return_to).into_response();
    }
    let provider = match &state.auth.login {
        Login::Dev => return super::dev::picker(&session, &return_to).await,
        Login::Oidc(provider) => provider.clone(),
    };
    match provider.start(return_to.clone()).await {
        Ok((url, flow)) => match session.insert(FLOW_KEY, &flow).await {
            Ok(()) => Redirect::to(&url).into_response(),
            Err(e) => LoginError::Internal(e.to_string()).page(&return_to),
        },
        Err(err) => err.page(&return_to),
    }
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /auth/callback`: every failure ends on a page that says what happened.
pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let Login::Oidc(provider) = &state.auth.login else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // A flow is used once, whatever the outcome.
    let flow = session.remove::<Flow>(FLOW_KEY).await.ok().flatten();
    let return_to = flow
        .as_ref()
        .map_or_else(|| "/".to_owned(), |f| f.return_to.clone());
    if let Some(error) = query.error {
        let what = match query.error_description {
            Some(description) => format!("{error} ({description})"),
            None => error,
        };
        return LoginError::Provider(what).page(&return_to);
    }
    let Some(flow) = flow else {
        return LoginError::NoFlow.page(&return_to);
    };
    let state_ok = query.state.as_deref().is_some_and(|s| {
        use subtle::ConstantTimeEq;
        bool::from(s.as_bytes().ct_eq(flow.state.as_bytes()))
    });
    if !state_ok {
        return LoginError::StateMismatch.page(&return_to);
    }
    let Some(code) = query.code else {
        return LoginError::Exchange("the response has no code".to_owned()).page(&return_to);
    };
    match provider.finish(flow, code).await {
        Ok((profile, user)) => match establish(&state, &session, &profile, user).await {
            Ok(()) => Redirect::to(&return_to).into_response(),
            Err(response) => response,
        },
        Err(err) => err.page(&return_to),
    }
}

/// Starts a logged-in session: a new session id (no fixation), a new
/// anti-CSRF token, the user recorded and audited.
pub async fn establish(
    state: &AppState,
    session: &Session,
    profile: &UserProfile,
    user: SessionUser,
) -> Result<(), Response> {
    let fail = |e: String| LoginError::Internal(e).page("/");
    state
        .engine
        .record_login(profile, None)
        .await
        .map_err(|e| fail(e.to_string()))?;
    session.cycle_id().await.map_err(|e| fail(e.to_string()))?;
    session
        .insert(USER_KEY, &user)
        .await
        .map_err(|e| fail(e.to_string()))?;
    session
        .insert(CSRF_KEY, super::resolve::new_token())
        .await
        .map_err(|e| fail(e.to_string()))?;
    tracing::info!(subject = %user.subject, "logged in");
    Ok(())
}

/// `POST /auth/logout`: ends the local session and, when the provider
/// advertises `end_session_endpoint`, continues there.
pub async fn logout(State(state): State<AppState>, session: Session) -> Response {
    let user = session.get::<SessionUser>(USER_KEY).await.ok().flatten();
    if let Err(e) = session.flush().await {
        tracing::error!(error = %e, "cannot end the session");
    }
    if let (Login::Oidc(provider), Some(user)) = (&state.auth.login, user) {
        if let Ok(discovered) = provider.discovered(false).await {
            if let Some(endpoint) = &discovered.end_session_endpoint {
                let mut url = match openidconnect::url::Url::parse(endpoint) {
                    Ok(url) => url,
                    Err(_) => return Redirect::to("/").into_response(),
                };
                {
                    let mut query = url.query_pairs_mut();
                    if let Some(hint) = &user.id_token {
                        query.append_pair("id_token_hint", hint);
                    }
                    query.append_pair("post_logout_redirect_uri", &provider.post_logout);
                    query.append_pair("client_id", &provider.config.client_id);
                }
                return Redirect::to(url.as_str()).into_response();
            }
        }
    }
    Redirect::to("/").into_response()
}

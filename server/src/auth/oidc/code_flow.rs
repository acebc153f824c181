//! The authorization code flow with PKCE (S256), `state` and `nonce`: the
//! redirect to the provider, then the code exchanged and the ID token
//! verified into an [`Identity`].

use base64::Engine as _;
use openidconnect::core::CoreAuthenticationFlow;
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, CsrfToken, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RequestTokenError, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};

use super::{error_chain, LoginError, Provider};

/// A login in progress, kept in the session between redirect and callback.
#[derive(Debug, Serialize, Deserialize)]
pub struct Flow {
    pub state: String,
    nonce: String,
    pkce_verifier: String,
    pub return_to: String,
}

/// Who the provider says logged in, from a verified ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    pub name: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub groups: Vec<String>,
    /// The raw ID token, for RP-initiated logout's `id_token_hint`.
    pub id_token: String,
}

impl Identity {
    /// The name, else the username, else the email, else the subject.
    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.username.clone())
            .or_else(|| self.email.clone())
            .unwrap_or_else(|| self.subject.clone())
    }
}

impl Provider {
    /// The provider's authorization URL, and the flow to keep until the
    /// callback.
    pub async fn start(&self, return_to: String) -> Result<(String, Flow), LoginError> {
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

    /// Exchanges the code (with the PKCE verifier) and verifies the ID
    /// token against the flow's nonce. The caller has checked `state`.
    pub async fn finish(&self, flow: Flow, code: String) -> Result<Identity, LoginError> {
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
                RequestTokenError::Request(_) => LoginError::Unreachable(error_chain(&e)),
                _ => LoginError::Exchange(error_chain(&e)),
            })?;
        let id_token = token
            .id_token()
            .ok_or_else(|| LoginError::IdToken("the token response has no id_token".to_owned()))?;
        let nonce = Nonce::new(flow.nonce);
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            // The JWKS came with the cached discovery document: after a key
            // rotation the provider signs with a key it does not hold yet.
            // Fetch both again, once, and verify against the fresh keys.
            Err(ClaimsVerificationError::SignatureVerification(_)) => {
                let fresh = self.discovered(true).await?;
                id_token.claims(&self.client(&fresh).id_token_verifier(), &nonce)
            }
            other => other,
        }
        .map_err(|e| LoginError::IdToken(error_chain(&e)))?;
        let raw = id_token.to_string();
        Ok(Identity {
            subject: claims.subject().as_str().to_owned(),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_owned()),
            username: claims.preferred_username().map(|u| u.as_str().to_owned()),
            email: claims.email().map(|e| e.as_str().to_owned()),
            groups: groups_claim(&raw),
            id_token: raw,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.sig", b64(r#"{"alg":"RS256"}"#), b64(payload))
    }

    #[test]
    fn groups_are_an_array_of_strings_or_nothing() {
        assert_eq!(
            groups_claim(&jwt(r#"{"groups":["staff","admins"]}"#)),
            vec!["staff".to_owned(), "admins".to_owned()]
        );
        assert!(groups_claim(&jwt(r#"{"groups":"staff"}"#)).is_empty());
        assert!(groups_claim(&jwt(r#"{"sub":"a"}"#)).is_empty());
        assert!(groups_claim("not a jwt").is_empty());
    }
}

//! What a bearer token says and whether Palette accepts it: issuer,
//! audience, expiry and not-before, with clock-skew leeway.

use serde::Deserialize;

/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECS: i64 = 60;

/// Who a valid token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub subject: String,
    /// A client-credentials token: `sub` is the client id.
    pub machine: bool,
    /// The token's `groups` claim (top level, or in Hydra's `ext`), when it
    /// carries one.
    pub groups: Option<Vec<String>>,
}

/// Why a token was refused; the message goes back in the 401.
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
    #[error("not an access token ({0})")]
    NotAnAccessToken(String),
    #[error("opaque tokens are not accepted: introspection is not configured")]
    OpaqueNotAccepted,
    #[error("the identity provider could not be reached to verify the token")]
    Unavailable(String),
}

/// A JWT's payload or an RFC 7662 introspection response.
#[derive(Debug, Deserialize)]
pub(super) struct Claims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    pub(super) exp: Option<i64>,
    nbf: Option<i64>,
    client_id: Option<String>,
    #[serde(default)]
    pub(super) active: Option<bool>,
    /// Hydra's introspection: `access_token` or `refresh_token`.
    token_use: Option<String>,
    /// RFC 7662 `token_type` (`Bearer` for Hydra's access tokens).
    token_type: Option<String>,
    groups: Option<Groups>,
    /// Hydra's introspection puts the session's extra claims here.
    ext: Option<Extra>,
}

#[derive(Debug, Deserialize)]
struct Extra {
    groups: Option<Groups>,
}

/// A `groups` claim: a list, or one group as a string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Groups {
    One(String),
    Many(Vec<String>),
}

impl Groups {
    fn to_vec(&self) -> Vec<String> {
        match self {
            Self::One(g) => vec![g.clone()],
            Self::Many(all) => all.clone(),
        }
    }
}

/// `token_type` values an access token may carry (compared without case).
const ACCESS_TOKEN_TYPES: &[&str] = &[
    "bearer",
    "access_token",
    "urn:ietf:params:oauth:token-type:access_token",
];

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

/// What the claims must match.
pub(super) struct Expected<'a> {
    pub issuer: &'a str,
    pub audience: &'a str,
    /// JWTs must carry `exp`; introspection answers may leave it out.
    pub require_exp: bool,
    /// Unix seconds.
    pub now: i64,
}

impl Claims {
    pub(super) fn check(&self, expected: &Expected<'_>) -> Result<Principal, BearerError> {
        // A refresh token (Hydra introspects those too) or any other kind
        // of token is never a bearer credential.
        if let Some(token_use) = self.token_use.as_deref() {
            if token_use != "access_token" {
                return Err(BearerError::NotAnAccessToken(format!(
                    "token_use {token_use}"
                )));
            }
        }
        if let Some(token_type) = self.token_type.as_deref() {
            if !ACCESS_TOKEN_TYPES
                .iter()
                .any(|t| t.eq_ignore_ascii_case(token_type))
            {
                return Err(BearerError::NotAnAccessToken(format!(
                    "token_type {token_type}"
                )));
            }
        }
        if self.iss.as_deref() != Some(expected.issuer) {
            return Err(BearerError::Issuer(expected.issuer.to_owned()));
        }
        if !self
            .aud
            .as_ref()
            .is_some_and(|aud| aud.contains(expected.audience))
        {
            return Err(BearerError::Audience(expected.audience.to_owned()));
        }
        match self.exp {
            Some(exp) if exp + LEEWAY_SECS < expected.now => return Err(BearerError::Expired),
            None if expected.require_exp => return Err(BearerError::Malformed),
            _ => {}
        }
        if self.nbf.is_some_and(|nbf| nbf - LEEWAY_SECS > expected.now) {
            return Err(BearerError::NotYetValid);
        }
        let subject = self
            .sub
            .clone()
            .or_else(|| self.client_id.clone())
            .ok_or(BearerError::Malformed)?;
        let machine = self.client_id.as_deref() == Some(subject.as_str());
        let groups = self
            .groups
            .as_ref()
            .or_else(|| self.ext.as_ref().and_then(|ext| ext.groups.as_ref()))
            .map(Groups::to_vec);
        Ok(Principal {
            subject,
            machine,
            groups,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn claims(json: serde_json::Value) -> Claims {
        serde_json::from_value(json).unwrap()
    }

    const NOW: i64 = 1_700_000_000;

    fn expected(require_exp: bool) -> Expected<'static> {
        Expected {
            issuer: "https://id.example",
            audience: "palette",
            require_exp,
            now: NOW,
        }
    }

    #[test]
    fn a_client_credentials_token_speaks_for_a_machine() {
        let principal = claims(serde_json::json!({
            "iss": "https://id.example", "sub": "ci", "client_id": "ci",
            "aud": ["palette", "other"], "exp": NOW + 60,
        }))
        .check(&expected(true))
        .unwrap();
        assert_eq!(
            principal,
            Principal {
                subject: "ci".into(),
                machine: true,
                groups: None,
            }
        );
    }

    #[test]
    fn only_access_tokens_are_accepted() {
        let with = |extra: serde_json::Value| {
            let mut claims = serde_json::json!({
                "iss": "https://id.example", "sub": "ci", "client_id": "ci",
                "aud": "palette", "exp": NOW + 60,
            });
            if let (Some(claims), Some(extra)) = (claims.as_object_mut(), extra.as_object()) {
                claims.extend(extra.clone());
            }
            self::claims(claims).check(&expected(false))
        };
        // What Hydra answers when a refresh token is introspected.
        assert!(matches!(
            with(serde_json::json!({"token_use": "refresh_token", "token_type": "Bearer"})),
            Err(BearerError::NotAnAccessToken(_))
        ));
        assert!(matches!(
            with(serde_json::json!({"token_type": "refresh_token"})),
            Err(BearerError::NotAnAccessToken(_))
        ));
        assert!(
            with(serde_json::json!({"token_use": "access_token", "token_type": "Bearer"})).is_ok()
        );
        assert!(with(serde_json::json!({})).is_ok(), "both are optional");
    }

    #[test]
    fn groups_come_from_the_claim_or_from_hydras_ext() {
        let groups = |json: serde_json::Value| claims(json).check(&expected(false)).unwrap().groups;
        let base = |extra: (&str, serde_json::Value)| {
            let mut claims = serde_json::json!({
                "iss": "https://id.example", "sub": "ci", "client_id": "ci", "aud": "palette",
            });
            claims[extra.0] = extra.1;
            claims
        };
        assert_eq!(
            groups(base(("groups", serde_json::json!(["ci", "deployers"])))),
            Some(vec!["ci".to_owned(), "deployers".to_owned()])
        );
        assert_eq!(
            groups(base(("ext", serde_json::json!({"groups": "ci"})))),
            Some(vec!["ci".to_owned()])
        );
        assert_eq!(groups(base(("scope", serde_json::json!("x")))), None);
    }

    #[test]
    fn expiry_and_not_before_allow_a_minute_of_skew() {
        let at = |exp: i64, nbf: i64| {
            claims(serde_json::json!({
                "iss": "https://id.example", "sub": "alice", "aud": "palette",
                "exp": exp, "nbf": nbf,
            }))
            .check(&expected(true))
        };
        assert!(at(NOW - 59, NOW).is_ok());
        assert!(matches!(at(NOW - 61, NOW), Err(BearerError::Expired)));
        assert!(at(NOW + 60, NOW + 59).is_ok());
        assert!(matches!(
            at(NOW + 600, NOW + 61),
            Err(BearerError::NotYetValid)
        ));
    }

    #[test]
    fn issuer_audience_and_exp_are_required() {
        let wrong_issuer = claims(serde_json::json!({
            "iss": "https://evil.example", "sub": "a", "aud": "palette", "exp": NOW,
        }));
        assert!(matches!(
            wrong_issuer.check(&expected(true)),
            Err(BearerError::Issuer(_))
        ));
        let wrong_audience = claims(serde_json::json!({
            "iss": "https://id.example", "sub": "a", "aud": "other", "exp": NOW,
        }));
        assert!(matches!(
            wrong_audience.check(&expected(true)),
            Err(BearerError::Audience(_))
        ));
        let no_exp = claims(serde_json::json!({
            "iss": "https://id.example", "sub": "a", "aud": "palette",
        }));
        assert!(matches!(
            no_exp.check(&expected(true)),
            Err(BearerError::Malformed)
        ));
        assert!(no_exp.check(&expected(false)).is_ok());
    }
}

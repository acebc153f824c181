//! Bearer tokens over HTTP: reading `Authorization: Bearer …` and the 401
//! that refuses one (with `WWW-Authenticate` and the JSON error body; never
//! a redirect).

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;

use crate::error::api_error;

/// The token of an `Authorization: Bearer …` header.
pub fn token_from(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// 401 with `WWW-Authenticate` and a JSON error body.
pub fn unauthorized(reason: &str) -> Response {
    let mut response = api_error(domain::ErrorCode::Unauthenticated, reason);
    let challenge = format!(
        "Bearer realm=\"palette\", error=\"invalid_token\", error_description=\"{}\"",
        reason.replace(['"', '\\'], "'")
    );
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    #[test]
    fn only_a_non_empty_bearer_credential_is_a_token() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, value.parse().unwrap());
            token_from(&headers)
        };
        assert_eq!(with("Bearer abc").as_deref(), Some("abc"));
        assert_eq!(with("bearer  abc ").as_deref(), Some("abc"));
        assert_eq!(with("Basic abc"), None);
        assert_eq!(with("Bearer "), None);
        assert_eq!(token_from(&HeaderMap::new()), None);
    }

    #[test]
    fn the_challenge_cannot_be_broken_out_of() {
        let response = unauthorized("bad \"token\"");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let challenge = response.headers()[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap();
        assert_eq!(
            challenge,
            "Bearer realm=\"palette\", error=\"invalid_token\", error_description=\"bad 'token'\""
        );
    }
}

//! A request id on every request, response and log line: taken from the
//! incoming `x-request-id` (behind Traefik) or made up, echoed back, and
//! recorded on the request's tracing span.

use axum::http::{HeaderName, Request};

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id taken from a request; longer ones are ignored.
pub const MAX_LEN: usize = 128;

/// Query parameters whose values never reach a log line: the OIDC
/// callback's code and state, tokens, and the anti-CSRF token.
const SECRET_PARAMS: &[&str] = &[
    "code",
    "state",
    "session_state",
    "id_token",
    "id_token_hint",
    "access_token",
    "refresh_token",
    "token",
    "client_secret",
    "_csrf",
];

/// The tracing span of one request; every log line inside carries its id
/// (and `client`, the client's address, recorded by the router once known).
/// The URI is logged with the values of secret parameters masked.
pub fn span<B>(request: &Request<B>) -> tracing::Span {
    let id = of(request);
    let id = id.as_deref().unwrap_or("-");
    // Under a path prefix the nested router sees the path without it.
    let uri = request
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| loggable_uri(request.uri()), |o| loggable_uri(&o.0));
    tracing::info_span!(
        "request",
        request_id = %id,
        client = tracing::field::Empty,
        method = %request.method(),
        uri = %uri
    )
}

/// The id of the request being served, from its headers: at most
/// [`MAX_LEN`] characters of `[A-Za-z0-9._:-]`, else none.
pub fn of<B>(request: &Request<B>) -> Option<String> {
    request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|id| is_valid(id))
        .map(str::to_owned)
}

fn is_valid(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'))
}

/// Drops an incoming request id that [`of`] would not take, so that a
/// fresh one is made for the request (and echoed) instead.
pub async fn sanitize(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if request.headers().contains_key(HEADER) && of(&request).is_none() {
        request.headers_mut().remove(HEADER);
    }
    next.run(request).await
}

/// The path and query of `uri`, the values of [`SECRET_PARAMS`] replaced.
pub fn loggable_uri(uri: &axum::http::Uri) -> String {
    let Some(query) = uri.query() else {
        return uri.path().to_owned();
    };
    let masked: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if SECRET_PARAMS.contains(&key) => format!("{key}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{}?{}", uri.path(), masked.join("&"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_callbacks_code_and_state_never_reach_the_log() {
        let uri: axum::http::Uri =
            "/auth/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj&iss=x"
                .parse()
                .unwrap();
        assert_eq!(
            loggable_uri(&uri),
            "/auth/callback?code=***&state=***&iss=x"
        );
        let uri: axum::http::Uri = "/jobs?environment=teal&before=9".parse().unwrap();
        assert_eq!(loggable_uri(&uri), "/jobs?environment=teal&before=9");
        assert_eq!(loggable_uri(&"/healthz".parse().unwrap()), "/healthz");
    }

    #[test]
    fn a_request_id_is_taken_only_when_short_and_plain() {
        let with = |id: &str| {
            let request = Request::builder().header(HEADER, id).body(()).unwrap();
            of(&request)
        };
        assert_eq!(with("7b0e5c2a-1d3f").as_deref(), Some("7b0e5c2a-1d3f"));
        assert_eq!(with(&"a".repeat(MAX_LEN + 1)), None);
        assert_eq!(with("x y"), None);
        assert_eq!(with("{\"json\":1}"), None);
    }
}

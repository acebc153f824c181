//! CSRF protection for every state-changing browser request, Leptos server
//! functions included: the `Origin` (or `Referer`) must be Palette's own
//! (the public URL's; without one, the origin a trusted proxy forwarded),
//! and the request must carry the session's anti-CSRF token (or, for a
//! browser without a session, the token bound to its anonymous cookie:
//! [`Auth::anonymous_csrf`]), as the `x-csrf-token` header or a `_csrf`
//! form field. Requests that authenticate
//! with a bearer token carry no ambient credentials and are exempt.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use super::challenge::token_from;
use super::{pages, Auth, CSRF_KEY};
use crate::error::api_error;
use crate::forwarded::ForwardedOrigin;

const MAX_FORM_BYTES: usize = 1 << 20;

pub async fn protect(
    State(auth): State<Auth>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    // Only a bearer token lifts the check (the resolver has verified it and
    // the request acts as the token's principal): a browser never attaches
    // one by itself, whereas it does attach cached HTTP Basic credentials.
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) || token_from(request.headers()).is_some()
    {
        return next.run(request).await;
    }
    let is_api = request.uri().path().starts_with("/api/");
    let reference = crate::request_id::of(&request);
    let origin = auth.origin_for(request.extensions().get::<ForwardedOrigin>());
    if !same_origin(request.headers(), origin) {
        return refuse(
            is_api,
            reference.as_deref(),
            "the request did not come from Palette's own pages (Origin check failed)",
            auth.look(),
        );
    }
    let session_token = session.get::<String>(CSRF_KEY).await.ok().flatten();
    let expected = auth
        .expected_csrf(session_token, request.headers())
        .unwrap_or_default();
    let (request, provided) = match header_token(request.headers()) {
        Some(token) => (request, Some(token)),
        None => match form_token(request).await {
            Ok(pair) => pair,
            Err(response) => return response,
        },
    };
    let valid = !expected.is_empty()
        && provided.is_some_and(|p| bool::from(p.as_bytes().ct_eq(expected.as_bytes())));
    if !valid {
        return refuse(
            is_api,
            reference.as_deref(),
            "the form has expired or did not come from this session (CSRF token check failed)",
            auth.look(),
        );
    }
    next.run(request).await
}

/// `Origin` when present, else the origin of `Referer`; it must equal the
/// public URL's origin. On plain-http loopback any loopback host name with
/// the same port is the same machine, so `localhost` and `127.0.0.1` agree.
pub fn same_origin(headers: &HeaderMap, public_base: &str) -> bool {
    let claimed = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            let referer = headers.get(header::REFERER)?.to_str().ok()?;
            origin_of(referer)
        });
    let (Some(claimed), Some(ours)) = (claimed, origin_of(public_base)) else {
        return false;
    };
    if claimed == ours {
        return true;
    }
    loopback_equivalent(&claimed, &ours)
}

fn origin_of(url: &str) -> Option<String> {
    let parsed = openidconnect::url::Url::parse(url).ok()?;
    let origin = parsed.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

fn loopback_equivalent(a: &str, b: &str) -> bool {
    let parts = |origin: &str| {
        let url = openidconnect::url::Url::parse(origin).ok()?;
        let loopback = crate::config::is_loopback_host(&url);
        Some((
            url.scheme().to_owned(),
            url.port_or_known_default(),
            loopback,
        ))
    };
    match (parts(a), parts(b)) {
        (Some((sa, pa, true)), Some((sb, pb, true))) => sa == "http" && sa == sb && pa == pb,
        _ => false,
    }
}

fn header_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Reads `_csrf` from a urlencoded form body and puts the body back.
async fn form_token(request: Request) -> Result<(Request, Option<String>), Response> {
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((request, None));
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response())?;
    let token = openidconnect::url::form_urlencoded::parse(&bytes)
        .find(|(key, _)| key == "_csrf")
        .map(|(_, value)| value.into_owned());
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

fn refuse(is_api: bool, reference: Option<&str>, reason: &str, look: pages::Look<'_>) -> Response {
    let base = look.base;
    tracing::warn!(%reason, "state-changing request refused");
    if is_api {
        return api_error(domain::ErrorCode::Csrf, reason);
    }
    let reference = reference.map_or_else(String::new, |id| {
        format!(
            "<p class=\"muted\">Reference: <code>{}</code></p>",
            pages::escape(id)
        )
    });
    let body = format!(
        "<h1>Request refused</h1><p role=\"alert\">{}</p><p>Go back, reload the page and try again.</p>\
         {reference}<p><a href=\"{base}/\">Back to Palette</a></p>",
        pages::escape(reason),
        base = pages::escape(base),
    );
    (
        StatusCode::FORBIDDEN,
        Html(pages::page("Request refused", &body, look)),
    )
        .into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn origin_must_match_the_public_url() {
        let base = "https://palette.example.com";
        assert!(same_origin(
            &headers(&[("origin", "https://palette.example.com")]),
            base
        ));
        assert!(!same_origin(
            &headers(&[("origin", "https://evil.example.com")]),
            base
        ));
        assert!(!same_origin(
            &headers(&[("origin", "http://palette.example.com")]),
            base
        ));
        assert!(!same_origin(&headers(&[("origin", "null")]), base));
        assert!(
            !same_origin(&headers(&[]), base),
            "no Origin and no Referer"
        );
    }

    #[test]
    fn referer_stands_in_for_a_missing_origin() {
        let base = "https://palette.example.com";
        assert!(same_origin(
            &headers(&[("referer", "https://palette.example.com/x?y")]),
            base
        ));
        assert!(!same_origin(
            &headers(&[("referer", "https://palette.example.com.evil.io/")]),
            base
        ));
    }

    #[test]
    fn loopback_names_agree_only_on_plain_http_and_the_same_port() {
        let base = "http://127.0.0.1:3000";
        assert!(same_origin(
            &headers(&[("origin", "http://localhost:3000")]),
            base
        ));
        assert!(!same_origin(
            &headers(&[("origin", "http://localhost:3001")]),
            base
        ));
        assert!(!same_origin(
            &headers(&[("origin", "http://10.1.1.1:3000")]),
            base
        ));
    }
}

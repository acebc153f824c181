//! Browser security headers, on every response of the public router
//! (`docs/security.md`):
//!
//! - a Content-Security-Policy whose scripts need this response's nonce:
//!   [`headers`] draws a fresh [`Nonce`] per request, puts it in the
//!   request's extensions and names it in the header; the Leptos render
//!   takes it from there ([`provide_request_nonce`]), so the hydration
//!   scripts (`HydrationScripts`) and the streamed resource scripts carry
//!   the same nonce;
//! - `X-Frame-Options: DENY` (and `frame-ancestors 'none'`),
//!   `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`;
//! - (`Cache-Control` is [`super::cache`]'s: `no-store` on everything but
//!   the site's files);
//! - `Strict-Transport-Security` when the public URL is https.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{request::Parts, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};

use crate::Config;

/// What the headers depend on, computed once when the router is built.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Every directive after `script-src`, which holds the nonce.
    after_scripts: String,
    hsts: bool,
}

/// One year; no `includeSubDomains`: the parent domain's other hosts are
/// not Palette's to decide.
const HSTS: &str = "max-age=31536000";

/// Sent when the header with the nonce cannot be built (it always can: the
/// nonce is URL-safe base64): nothing runs rather than everything.
const LOCKED_DOWN: &str = "default-src 'none'; frame-ancestors 'none'";

impl Policy {
    pub fn new(config: &Config) -> Self {
        // Forms post to Palette itself; logging out redirects to the
        // provider's end_session_endpoint, and Chromium checks form-action
        // on a form's redirects too, so the issuer's origin is allowed.
        let mut form_action = "'self'".to_owned();
        if let Some(origin) = config.oidc.as_ref().and_then(|o| origin(&o.issuer)) {
            form_action.push(' ');
            form_action.push_str(&origin);
        }
        // `cargo leptos watch` reloads the page through a WebSocket on
        // another port; never in a release run.
        let connect = if std::env::var_os("LEPTOS_WATCH").is_some() {
            "'self' ws:"
        } else {
            "'self'"
        };
        let after_scripts = [
            // Stylesheets only from Palette. Style *attributes* are allowed:
            // each environment's colour is a `style="--env-colour: …"` on
            // its card and header, a hue derived from any name, so neither a
            // class per colour nor a hash per value can list them in
            // advance. What an injected attribute could do is bounded by
            // the rest of the policy: no scripts, and images and fonts only
            // from Palette, so it cannot make a request elsewhere.
            "style-src 'self'".to_owned(),
            "style-src-attr 'unsafe-inline'".to_owned(),
            "img-src 'self'".to_owned(),
            "font-src 'self'".to_owned(),
            // Server functions (`/_fn/…`), the wasm fetch and the event
            // streams (EventSource) are same-origin.
            format!("connect-src {connect}"),
            "object-src 'none'".to_owned(),
            "base-uri 'none'".to_owned(),
            "frame-ancestors 'none'".to_owned(),
            format!("form-action {form_action}"),
        ]
        .join("; ");
        let hsts = config
            .public_url
            .as_deref()
            .is_some_and(|url| url.to_ascii_lowercase().starts_with("https://"));
        Self {
            after_scripts,
            hsts,
        }
    }

    /// The Content-Security-Policy of a response whose inline scripts carry
    /// `nonce`. Script files come from Palette only (`'self'`: `/pkg/`; the
    /// API's JSON cannot run as a script under `nosniff`), inline scripts
    /// only with the nonce, and `'wasm-unsafe-eval'` lets the app compile
    /// its fetched wasm module. Not `'strict-dynamic'`, which would refuse
    /// the `<link rel="modulepreload">` of `/pkg/palette.js`: Leptos 0.8
    /// writes the nonce into its `crossorigin` attribute, not `nonce`
    /// (leptos-rs/leptos#4843).
    pub fn csp(&self, nonce: &Nonce) -> String {
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; {}",
            self.after_scripts
        )
    }
}

/// `scheme://host[:port]` of `url`, as a CSP source.
fn origin(url: &str) -> Option<String> {
    let parsed = openidconnect::url::Url::parse(url).ok()?;
    let origin = parsed.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// Middleware: draws this request's nonce and sets the headers on its
/// response.
pub async fn headers(
    State(policy): State<Arc<Policy>>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let csp = HeaderValue::from_str(&policy.csp(&nonce))
        .unwrap_or_else(|_| HeaderValue::from_static(LOCKED_DOWN));
    headers.insert(CONTENT_SECURITY_POLICY, csp);
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if policy.hsts {
        headers.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    response
}

/// In a Leptos render's context: replaces the nonce leptos_axum drew with
/// the one [`headers`] named in the response's policy.
pub fn provide_request_nonce() {
    // leptos_axum also runs the render context around a static file, which
    // has no request parts (and no scripts).
    let Some(parts) = use_context::<Parts>() else {
        return;
    };
    match parts.extensions.get::<Nonce>() {
        Some(nonce) => provide_context(nonce.clone()),
        None => tracing::warn!("no CSP nonce on the request: its scripts will be refused"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::OidcConfig;

    fn policy(public_url: Option<&str>, issuer: Option<&str>) -> Policy {
        Policy::new(&Config {
            public_url: public_url.map(str::to_owned),
            oidc: issuer.map(|issuer| OidcConfig {
                issuer: issuer.to_owned(),
                client_id: "palette".to_owned(),
                client_secret: None,
                scopes: vec!["openid".to_owned()],
            }),
            ..Config::default()
        })
    }

    fn directive(csp: &str, name: &str) -> String {
        csp.split("; ")
            .find(|d| d.starts_with(&format!("{name} ")))
            .unwrap()
            .to_owned()
    }

    #[test]
    fn forms_may_go_to_palette_and_to_the_issuer_s_origin() {
        let nonce = Nonce::new();
        let dev = policy(None, None).csp(&nonce);
        assert_eq!(directive(&dev, "form-action"), "form-action 'self'");
        let oidc = policy(None, Some("https://id.example.com/realms/palette")).csp(&nonce);
        assert_eq!(
            directive(&oidc, "form-action"),
            "form-action 'self' https://id.example.com"
        );
    }

    #[test]
    fn the_policy_names_the_nonce_it_is_given() {
        let nonce = Nonce::new();
        let csp = policy(None, None).csp(&nonce);
        assert_eq!(
            directive(&csp, "script-src"),
            format!("script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'")
        );
        assert!(HeaderValue::from_str(&csp).is_ok(), "{csp}");
    }

    #[test]
    fn hsts_follows_the_public_url_s_scheme() {
        assert!(policy(Some("https://palette.example.com"), None).hsts);
        assert!(policy(Some("HTTPS://palette.example.com"), None).hsts);
        assert!(!policy(Some("http://palette.example.com"), None).hsts);
        assert!(!policy(None, None).hsts);
    }

    #[test]
    fn the_form_action_allows_the_issuer_s_origin_only() {
        assert_eq!(
            origin("https://id.example.com/realms/palette").as_deref(),
            Some("https://id.example.com")
        );
        assert_eq!(
            origin("http://127.0.0.1:3124").as_deref(),
            Some("http://127.0.0.1:3124")
        );
        assert_eq!(origin("not a url"), None);
    }
}

//! The few pages authentication renders itself: failures (each says what
//! happened and offers a retry) and the dev login picker.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// Where these pages find Palette on the host: the path prefix (or empty)
/// and the stylesheet's URL (its hashed name: [`crate::assets`]).
#[derive(Debug, Clone, Copy)]
pub struct Look<'a> {
    pub base: &'a str,
    pub stylesheet: &'a str,
}

/// A whole page in Palette's look, around `body` (already escaped HTML).
pub fn page(title: &str, body: &str, look: Look<'_>) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\">\
         <title>{title} · Palette</title><link rel=\"stylesheet\" href=\"{stylesheet}\"></head>\
         <body><main><section class=\"auth-card\">{body}</section></main></body></html>",
        title = escape(title),
        stylesheet = escape(look.stylesheet),
    )
}

/// A login failure: what happened and what to do, in fixed words, a way to
/// try again, and the request id (`reference`) under which the log holds
/// the details.
pub fn failure(
    status: StatusCode,
    what: &str,
    hint: &str,
    return_to: &str,
    reference: Option<&str>,
    look: Look<'_>,
) -> Response {
    let base = look.base;
    let retry = format!(
        "{base}/auth/login?return_to={}",
        super::encode_query(return_to)
    );
    let reference = reference.map_or_else(String::new, |id| {
        format!(
            "<p class=\"muted\" data-testid=\"login-reference\">Reference: <code>{}</code> \
             (your administrator finds the details under it in Palette's log)</p>",
            escape(id)
        )
    });
    let body = format!(
        "<h1>Login failed</h1><p role=\"alert\" data-testid=\"login-error\">{what}</p>\
         <p class=\"muted\">{hint}</p>{reference}<p><a class=\"button\" href=\"{retry}\">Try again</a> \
         <a href=\"{root}\">Back to Palette</a></p>",
        what = escape(what),
        hint = escape(hint),
        retry = escape(&retry),
        root = escape(&format!("{base}/")),
    );
    (status, Html(page("Login failed", &body, look))).into_response()
}

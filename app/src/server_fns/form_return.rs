//! Plain HTML form posts (no JavaScript) that fail go back to their form
//! with what was typed and why, instead of to a blank form.

use leptos::server_fn::error::ServerFnUrlError;

use crate::base::prefixed;
use crate::error::UiError;

/// When the request is a plain form post, redirects to `form` with `typed`
/// in its query and `error` encoded for the form's `ServerAction`
/// (`fn_path` is the server function's path).
pub fn back_to_form(form: &str, typed: &[(&str, &str)], fn_path: &str, error: &UiError) {
    let Some(parts) = leptos::prelude::use_context::<http::request::Parts>() else {
        return;
    };
    let plain_form = parts
        .headers
        .get(http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if !plain_form {
        return;
    }
    let Ok(mut url) = ServerFnUrlError::new(fn_path, error.clone())
        .to_url(&format!("http://palette.invalid{form}"))
    else {
        return;
    };
    {
        let mut query = url.query_pairs_mut();
        for (key, value) in typed {
            query.append_pair(key, value);
        }
    }
    let location = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    leptos_axum::redirect(&prefixed(&location));
}

/// Where a plain form post lands: `page` when it succeeded, back on `page`
/// with the reason and `typed` when it was refused.
pub fn land<T>(
    result: Result<T, UiError>,
    page: &str,
    fn_path: &str,
    typed: &[(&str, &str)],
) -> Result<T, UiError> {
    match &result {
        Ok(_) => leptos_axum::redirect(&prefixed(page)),
        Err(error) => back_to_form(page, typed, fn_path, error),
    }
    result
}

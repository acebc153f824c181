//! Where Palette is mounted on its host: `PALETTE_PATH_PREFIX` (`""` at the
//! root, or e.g. `"/palette"`). Every link, asset, form, server function,
//! event stream and redirect the app writes goes through [`prefixed`].
//!
//! The server provides the prefix to every render and server function (as
//! a [`BasePath`] context); in the browser the hydrate entry point reads it
//! from the page (`<meta name="palette-base">`, written by the shell) once,
//! with [`set_client_base`].

use leptos::prelude::*;

/// The path prefix Palette is served under; empty at the root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BasePath(pub String);

static CLIENT_BASE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// In the browser: the prefix this page was served under (one per page,
/// so a global is enough there; the server never sets it).
pub fn set_client_base(base: String) {
    let _ = CLIENT_BASE.set(base);
}

/// The prefix of this render or request; empty at the root.
pub fn base_path() -> String {
    if let Some(BasePath(base)) = use_context::<BasePath>() {
        return base;
    }
    #[cfg(not(feature = "ssr"))]
    if let Some(base) = CLIENT_BASE.get() {
        return base.clone();
    }
    String::new()
}

/// `path` (absolute within Palette: `/jobs/7`) as a path on the host
/// (`/palette/jobs/7`).
pub fn prefixed(path: &str) -> String {
    format!("{}{path}", base_path())
}

/// A path on the host (`/palette/jobs/7`) as a path within Palette
/// (`/jobs/7`), for `return_to`.
pub fn within(path: &str) -> String {
    let base = base_path();
    match path.strip_prefix(base.as_str()) {
        Some("") => "/".to_owned(),
        Some(rest) if !base.is_empty() && rest.starts_with('/') => rest.to_owned(),
        _ => path.to_owned(),
    }
}

/// In the browser: the prefix the shell wrote into the page.
#[cfg(feature = "hydrate")]
pub fn from_page() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("meta[name=palette-base]").ok().flatten())
        .and_then(|meta| meta.get_attribute("content"))
        .unwrap_or_default()
}

/// On the server, under a prefix: the request's path as the browser sent
/// it (`/palette/jobs?x`), for the router (which matches below its base).
#[cfg(feature = "ssr")]
pub fn provide_request_url(path_and_query: &str) {
    provide_context(leptos_router::location::RequestUrl::new(&format!(
        "http://leptos.dev{path_and_query}"
    )));
}

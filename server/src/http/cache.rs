//! The site's static files, and every `Cache-Control` of the public
//! listener, decided here and nowhere else (`docs/security.md`):
//!
//! | response | `Cache-Control` |
//! | --- | --- |
//! | a file whose name carries its content's hash (`/pkg/palette.<hash>.wasm`, `.js`, `.css`: [`Assets::is_hashed`]) | `public, max-age=31536000, immutable` |
//! | any other file of the site (`/favicon.svg`; `/pkg/` of a build without `hash-files`) | `no-cache`: kept, but revalidated through `Last-Modified` on every use (`304` when unchanged) |
//! | everything else: pages, the API (JSON and event streams), server functions, the login pages, errors, the probes, a missing file | `no-store` |
//!
//! Pages stay `no-store` rather than `no-cache`: each carries what one
//! person may see (and their anti-CSRF token), and no validator could
//! ever match one, since every page names a fresh CSP nonce: `no-cache`
//! would add a copy on disk and save nothing.
//!
//! A response is a file only when [`pkg`] or [`site_file`] served it from
//! the site: they mark it with [`StaticFile`], so a page that answers 200
//! is never taken for one. Files come precompressed when the build made
//! `.br` and `.gz` siblings (`cargo leptos build --release --precompress`)
//! and the client accepts them, with `Vary: Accept-Encoding` either way.

use std::convert::Infallible;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{ACCEPT_ENCODING, CACHE_CONTROL, VARY};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use tower::{Service, ServiceExt};
use tower_http::services::ServeDir;

use super::resident::Resident;
use crate::assets::{Assets, PKG_DIR};

/// A year: content-addressed, so never stale.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Stored, but revalidated on every use.
pub const REVALIDATE: &str = "no-cache";
/// Never stored.
pub const NO_STORE: &str = "no-store";

/// In a response's extensions: served from the site's files.
#[derive(Debug, Clone, Copy)]
pub struct StaticFile;

/// The files under `dir`, precompressed siblings preferred.
fn files(dir: &Path) -> ServeDir {
    ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false)
}

/// `/pkg/…`: the files under `<site root>/pkg` (a missing one is a bare
/// `404`, never a rendered page); the small hashed ones from memory
/// ([`Resident`]), read once here.
pub fn pkg(
    site_root: &Path,
    assets: &Assets,
) -> impl Service<Request<Body>, Response = Response, Error = Infallible, Future: Send> + Clone {
    let dir = site_root.join(PKG_DIR);
    let resident = Arc::new(Resident::load(&dir, assets.hashed()));
    let files = files(&dir);
    tower::service_fn(move |request: Request| {
        let answer = resident.answer(&request);
        let files = files.clone();
        async move {
            Ok(match answer {
                Some(response) => response,
                None => {
                    let Ok(response) = files.oneshot(request).await;
                    mark(response)
                }
            })
        }
    })
}

/// The file of the site at `request`'s path, when there is one (`GET` and
/// `HEAD` only); `None` lets the caller answer (the not-found page). The
/// caller keeps `request`: ServeDir gets a copy of its method, URI and
/// headers.
pub fn site_file(
    site_root: &Path,
    request: &Request,
) -> impl Future<Output = Option<Response>> + Send + 'static {
    let probe = matches!(*request.method(), Method::GET | Method::HEAD).then(|| {
        let mut probe = Request::new(Body::empty());
        *probe.method_mut() = request.method().clone();
        *probe.uri_mut() = request.uri().clone();
        *probe.headers_mut() = request.headers().clone();
        probe
    });
    let files = files(site_root);
    async move {
        let Ok(response) = files.oneshot(probe?).await;
        let response = mark(response);
        response
            .extensions()
            .get::<StaticFile>()
            .is_some()
            .then_some(response)
    }
}

/// Marks what `ServeDir` found (`200`, `206`, `304`) as a [`StaticFile`]
/// whose encoding depends on `Accept-Encoding`.
fn mark<B>(response: Response<B>) -> Response
where
    B: axum::body::HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let mut response = response.map(Body::new);
    let status = response.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        response.extensions_mut().insert(StaticFile);
        response
            .headers_mut()
            .append(VARY, HeaderValue::from_static(ACCEPT_ENCODING.as_str()));
    }
    response
}

/// What a response may be cached as: see the module's table.
pub fn cache_control(path: &str, response: &Response, assets: &Assets) -> &'static str {
    if response.extensions().get::<StaticFile>().is_none() {
        return NO_STORE;
    }
    let hashed = path
        .strip_prefix('/')
        .and_then(|p| p.strip_prefix(PKG_DIR))
        .and_then(|p| p.strip_prefix('/'))
        .is_some_and(|file| assets.is_hashed(file));
    if hashed {
        IMMUTABLE
    } else {
        REVALIDATE
    }
}

/// Middleware: sets [`cache_control`] on every response.
pub async fn headers(State(assets): State<Arc<Assets>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let value = cache_control(&path, &response, &assets);
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

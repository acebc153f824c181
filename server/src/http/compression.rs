//! Compression of what Palette renders per request (pages, the API's JSON,
//! server functions), brotli or gzip as the client accepts
//! (`Accept-Encoding`), with `Vary: Accept-Encoding`.
//!
//! Not compressed here:
//! - event streams (`text/event-stream`): a compressor holds bytes back
//!   until it has enough of them, and an event must reach the browser when
//!   it happens;
//! - the site's files ([`super::cache::StaticFile`]): they were compressed
//!   once, at build time, at the best quality (`--precompress`); a build
//!   without those siblings is served as it is, so that no request costs a
//!   brotli pass over a 2 MB wasm module;
//! - anything already encoded or a range (tower-http never recompresses),
//!   images, gRPC, and bodies declared under [`MIN_BYTES`].

use axum::http::{Extensions, HeaderMap, StatusCode, Version};
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};

use super::cache::StaticFile;

/// Below this a response fits one TCP segment compressed or not.
pub const MIN_BYTES: u16 = 1024;

/// What [`layer`] compresses: see the module's documentation.
pub fn predicate() -> impl Predicate + Send + Sync + 'static {
    SizeAbove::new(MIN_BYTES)
        .and(NotForContentType::SSE)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::IMAGES)
        .and(
            |_: StatusCode, _: Version, _: &HeaderMap, extensions: &Extensions| {
                extensions.get::<StaticFile>().is_none()
            },
        )
}

/// The layer, at tower-http's default levels (brotli 4, gzip 6: fast
/// enough for every response; the files' best quality is paid at build
/// time).
pub fn layer() -> CompressionLayer<impl Predicate + Send + Sync + 'static> {
    CompressionLayer::new()
        .br(true)
        .gzip(true)
        .quality(CompressionLevel::Default)
        .compress_when(predicate())
}

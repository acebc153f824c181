//! The small content-addressed files (the stylesheet, the hydration
//! script), read once at start and answered from memory: every page
//! links them, and `ServeDir` would open, stat and read each one on the
//! blocking pool for every request, which costs more than sending it
//! (`docs/benchmarks.md`, keep-alive). Their names carry their content's
//! hash, so what was read at start can never go stale.
//!
//! Each file is kept as built and as its `.br` and `.gz` siblings, when
//! the build made them and each is at most [`MAX_BYTES`]; a larger one
//! (the wasm module: fetched once per browser, then cached for good) and
//! every request this module does not answer (a range, a method other
//! than `GET` and `HEAD`, an unhashed file) go to `ServeDir` as before.
//!
//! A response carries what `ServeDir`'s would (`Content-Type`,
//! `Content-Length`, `Content-Encoding`, `Vary: Accept-Encoding`, the
//! [`StaticFile`] mark that gives it its `Cache-Control`) and an `ETag`
//! per representation, so a conditional request (`If-None-Match`) gets a
//! `304`.

use std::collections::HashMap;
use std::path::Path;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header::{
    ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_NONE_MATCH, RANGE,
    VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;

use super::cache::StaticFile;

/// The largest representation kept in memory: the stylesheet and the
/// script are tens of KB; the wasm module, megabytes, is left on disk.
pub const MAX_BYTES: u64 = 256 * 1024;

/// A content coding Palette's builds precompress with, and `identity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Brotli,
    Gzip,
    Identity,
}

impl Coding {
    /// Most preferred first, when the client weighs them alike.
    const PREFERENCE: [Coding; 3] = [Coding::Brotli, Coding::Gzip, Coding::Identity];

    fn token(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
            Coding::Identity => "identity",
        }
    }

    /// The sibling's file-name suffix, as `--precompress` writes it.
    fn suffix(self) -> Option<&'static str> {
        match self {
            Coding::Brotli => Some(".br"),
            Coding::Gzip => Some(".gz"),
            Coding::Identity => None,
        }
    }
}

/// One file in one coding.
#[derive(Debug)]
struct Representation {
    bytes: Bytes,
    etag: HeaderValue,
}

#[derive(Debug)]
struct File {
    content_type: HeaderValue,
    /// By [`Coding`], in [`Coding::PREFERENCE`]'s order.
    representations: [Option<Representation>; 3],
}

/// The resident files, by their path below `/pkg/`.
#[derive(Debug, Default)]
pub struct Resident {
    files: HashMap<String, File>,
}

impl Resident {
    /// Reads `names` (below `dir`) and their siblings. A file that cannot
    /// be read, or is larger than [`MAX_BYTES`], is left to `ServeDir`.
    pub fn load<'a>(dir: &Path, names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut files = HashMap::new();
        for name in names {
            let Some(content_type) = content_type(name) else {
                continue;
            };
            let representations = Coding::PREFERENCE.map(|coding| {
                let file = format!("{name}{}", coding.suffix().unwrap_or_default());
                let bytes = read_small(&dir.join(&file))?;
                // Content-addressed name, so the name and the coding
                // identify the bytes.
                let etag = HeaderValue::from_str(&format!("\"{file}\"")).ok()?;
                Some(Representation { bytes, etag })
            });
            if representations.iter().any(Option::is_some) {
                files.insert(
                    name.to_owned(),
                    File {
                        content_type: HeaderValue::from_static(content_type),
                        representations,
                    },
                );
            }
        }
        tracing::debug!(files = ?files.keys().collect::<Vec<_>>(), "resident static files");
        Self { files }
    }

    /// The response for `request` (its path below `/pkg/`), when this
    /// module answers it; `None` leaves it to `ServeDir`.
    pub fn answer(&self, request: &Request) -> Option<Response> {
        let head = match *request.method() {
            Method::GET => false,
            Method::HEAD => true,
            _ => return None,
        };
        let headers = request.headers();
        if headers.contains_key(RANGE) {
            return None;
        }
        let file = self.files.get(request.uri().path().strip_prefix('/')?)?;
        let coding = negotiate(headers, |coding| {
            file.representations[coding as usize].is_some()
        })?;
        let representation = file.representations[coding as usize].as_ref()?;

        let mut response = Response::new(Body::empty());
        let out = response.headers_mut();
        out.insert(ETAG, representation.etag.clone());
        out.append(VARY, HeaderValue::from_static(ACCEPT_ENCODING.as_str()));
        response.extensions_mut().insert(StaticFile);
        if matches(headers, &representation.etag) {
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            return Some(response);
        }
        let out = response.headers_mut();
        out.insert(CONTENT_TYPE, file.content_type.clone());
        out.insert(
            CONTENT_LENGTH,
            HeaderValue::from(representation.bytes.len()),
        );
        if coding != Coding::Identity {
            out.insert(CONTENT_ENCODING, HeaderValue::from_static(coding.token()));
        }
        if !head {
            *response.body_mut() = Body::from(representation.bytes.clone());
        }
        Some(response)
    }
}

/// The file at `path`, when it exists and is at most [`MAX_BYTES`].
fn read_small(path: &Path) -> Option<Bytes> {
    let metadata = std::fs::metadata(path).ok()?;
    if !metadata.is_file() || metadata.len() > MAX_BYTES {
        return None;
    }
    match std::fs::read(path) {
        Ok(bytes) => Some(Bytes::from(bytes)),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "cannot read a static file into memory; serving it from disk");
            None
        }
    }
}

/// The types of the files cargo-leptos hashes; any other is left to
/// `ServeDir`.
fn content_type(name: &str) -> Option<&'static str> {
    match name.rsplit_once('.')?.1 {
        "css" => Some("text/css"),
        "js" => Some("text/javascript"),
        "wasm" => Some("application/wasm"),
        _ => None,
    }
}

/// The coding to send (RFC 9110 §12.5.3): the one of highest weight among
/// those `available`, `br` before `gzip` before `identity` on a tie. No
/// `Accept-Encoding` means identity. `None` when the client refuses every
/// available coding (identity too, through `identity;q=0` or `*;q=0`):
/// `ServeDir` then answers as it does.
pub fn negotiate(headers: &HeaderMap, available: impl Fn(Coding) -> bool) -> Option<Coding> {
    let mut weights: [Option<u16>; 3] = [None; 3];
    let mut wildcard = None;
    let mut any = false;
    for value in headers.get_all(ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let token = parts.next().unwrap_or_default().trim();
            if token.is_empty() {
                continue;
            }
            any = true;
            let weight = parts
                .find_map(|p| {
                    let (key, value) = p.split_once('=')?;
                    key.trim()
                        .eq_ignore_ascii_case("q")
                        .then(|| qvalue(value.trim()))
                })
                .unwrap_or(Some(1000));
            let Some(weight) = weight else { continue };
            if token == "*" {
                wildcard = Some(weight);
            } else if let Some(coding) = Coding::PREFERENCE
                .into_iter()
                .find(|c| token.eq_ignore_ascii_case(c.token()))
            {
                weights[coding as usize] = Some(weight);
            }
        }
    }
    if !any {
        return available(Coding::Identity).then_some(Coding::Identity);
    }
    Coding::PREFERENCE
        .into_iter()
        .filter(|&coding| available(coding))
        .filter_map(|coding| {
            let weight = weights[coding as usize].or(wildcard).or(
                // identity is acceptable unless refused (§12.5.3).
                (coding == Coding::Identity).then_some(1),
            )?;
            (weight > 0).then_some((coding, weight))
        })
        // `max_by_key` keeps the last of equal maxima: reversed, the
        // preferred one.
        .rev()
        .max_by_key(|&(_, weight)| weight)
        .map(|(coding, _)| coding)
}

/// A `qvalue` in thousandths (`1`, `0.5`, `0.001`); `None` if malformed.
fn qvalue(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// Whether `If-None-Match` names `etag` (or is `*`); weak comparison, as
/// RFC 9110 §13.1.2 asks for `If-None-Match`.
fn matches(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let etag = etag.as_bytes();
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/").as_bytes() == etag)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn the_heaviest_accepted_coding_wins_and_brotli_breaks_ties() {
        let all = |_| true;
        for (value, want) in [
            ("br", Some(Coding::Brotli)),
            ("gzip, deflate, br, zstd", Some(Coding::Brotli)),
            ("gzip", Some(Coding::Gzip)),
            ("br;q=0.5, gzip", Some(Coding::Gzip)),
            ("BR;Q=1, gzip;q=0.9", Some(Coding::Brotli)),
            ("identity", Some(Coding::Identity)),
            ("deflate", Some(Coding::Identity)),
            ("*", Some(Coding::Brotli)),
            ("*;q=0.1, gzip;q=0", Some(Coding::Brotli)),
            ("br;q=0, gzip;q=0", Some(Coding::Identity)),
            ("br;q=0, gzip;q=0, identity;q=0", None),
            ("*;q=0", None),
            ("br;q=2, gzip", Some(Coding::Gzip)),
            ("", Some(Coding::Identity)),
        ] {
            assert_eq!(negotiate(&accept(value), all), want, "{value:?}");
        }
        assert_eq!(negotiate(&HeaderMap::new(), all), Some(Coding::Identity));
        // Only what exists is chosen.
        let no_brotli = |coding| coding != Coding::Brotli;
        assert_eq!(
            negotiate(&accept("br, gzip"), no_brotli),
            Some(Coding::Gzip)
        );
        assert_eq!(negotiate(&accept("br"), no_brotli), Some(Coding::Identity));
    }

    #[test]
    fn qvalues_are_parsed_as_rfc_9110_writes_them() {
        assert_eq!(qvalue("1"), Some(1000));
        assert_eq!(qvalue("1.000"), Some(1000));
        assert_eq!(qvalue("0.5"), Some(500));
        assert_eq!(qvalue("0.001"), Some(1));
        assert_eq!(qvalue("0"), Some(0));
        assert_eq!(qvalue("1.5"), None);
        assert_eq!(qvalue("0.0001"), None);
        assert_eq!(qvalue("x"), None);
    }

    #[test]
    fn if_none_match_matches_the_tag_weakly_or_a_star() {
        let etag = HeaderValue::from_static("\"palette.a.css.br\"");
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
            headers
        };
        assert!(matches(&with("\"palette.a.css.br\""), &etag));
        assert!(matches(&with("\"x\", W/\"palette.a.css.br\""), &etag));
        assert!(matches(&with("*"), &etag));
        assert!(!matches(&with("\"palette.a.css\""), &etag));
        assert!(!matches(&HeaderMap::new(), &etag));
    }
}

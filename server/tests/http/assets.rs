//! The site's files and what Palette renders, on the wire: hashed names
//! in the pages, their precompressed `.br`/`.gz` siblings for clients that
//! accept them (the bytes the same once decoded), `Vary: Accept-Encoding`,
//! `Cache-Control` by kind (immutable, revalidated, never stored), and
//! pages and JSON compressed per request. Each test builds a site the way
//! `cargo leptos build --release --precompress` lays it out (hashed
//! names, a hash file, `.br` and `.gz` beside each file) in a temporary
//! directory, so none needs a release build; the browser suite runs the
//! real one (`end2end/tests/assets.js-only.spec.ts`).

use std::io::{Read as _, Write as _};
use std::path::Path;

use reqwest::header::HeaderMap;
use reqwest::Response;

use crate::support::{spawn_app_with, TestApp};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

fn varies_by_encoding(headers: &HeaderMap) -> bool {
    headers
        .get_all("vary")
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("accept-encoding"))
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(bytes).unwrap();
    }
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// `body` decoded as its `Content-Encoding` says.
fn decoded(encoding: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        None => out.extend_from_slice(body),
        Some("br") => {
            brotli::Decompressor::new(body, 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some(other) => panic!("unexpected Content-Encoding {other}"),
    }
    out
}

/// A file of the test site: its name below the site root and its bytes.
struct File {
    path: &'static str,
    bytes: Vec<u8>,
}

/// Enough text that compression shows (and above the 1 KiB threshold).
fn text(what: &str) -> Vec<u8> {
    (0..400)
        .map(|i| format!("/* {what} {i} */\n"))
        .collect::<String>()
        .into_bytes()
}

fn files() -> Vec<File> {
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend(text("wasm"));
    vec![
        File {
            path: "pkg/palette.Js_Hash-1.js",
            bytes: text("js"),
        },
        File {
            path: "pkg/palette.Wasm_Hash-2.wasm",
            bytes: wasm,
        },
        File {
            path: "pkg/palette.Css_Hash-3.css",
            bytes: text("css"),
        },
        // Left unhashed by cargo-leptos (wasm-bindgen's typings), and a
        // file from `public/`.
        File {
            path: "pkg/palette.d.ts",
            bytes: text("ts"),
        },
        File {
            path: "favicon.svg",
            bytes: text("svg"),
        },
    ]
}

/// A site as the release build lays it out, and its hash file.
fn hashed_site(dir: &Path) {
    std::fs::create_dir_all(dir.join("site/pkg")).unwrap();
    for file in files() {
        let path = dir.join("site").join(file.path);
        std::fs::write(&path, &file.bytes).unwrap();
        std::fs::write(
            path.with_file_name(format!("{}.br", name(&path))),
            brotli(&file.bytes),
        )
        .unwrap();
        std::fs::write(
            path.with_file_name(format!("{}.gz", name(&path))),
            gzip(&file.bytes),
        )
        .unwrap();
    }
    std::fs::write(
        dir.join("hash.txt"),
        "js: Js_Hash-1\nwasm: Wasm_Hash-2\ncss: Css_Hash-3\n",
    )
    .unwrap();
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

async fn spawn_site(dir: &Path, prefix: Option<&str>) -> TestApp {
    hashed_site(dir);
    let (root, hash_file) = (dir.join("site"), dir.join("hash.txt"));
    let prefix = prefix.map(str::to_owned);
    spawn_app_with(testkit::sqlite(), true, move |config| {
        config.site_root = root;
        config.hash_file = Some(hash_file);
        config.path_prefix = prefix;
    })
    .await
}

async fn get(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> Response {
    let mut request = app.client.get(app.url(path));
    if let Some(encodings) = accept_encoding {
        request = request.header("accept-encoding", encodings);
    }
    request.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_files_come_precompressed_as_accepted_and_are_immutable() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_site(dir.path(), None).await;
    for file in files().iter().filter(|f| f.path.contains("_Hash-")) {
        let path = format!("/{}", file.path);
        for (accepted, expected) in [
            (Some("br"), Some("br")),
            (Some("gzip, deflate, br, zstd"), Some("br")),
            (Some("gzip"), Some("gzip")),
            (Some("identity"), None),
            (None, None),
        ] {
            let response = get(&app, &path, accepted).await;
            let what = format!("GET {path} with Accept-Encoding {accepted:?}");
            assert_eq!(response.status(), 200, "{what}");
            let headers = response.headers().clone();
            assert_eq!(header(&headers, "content-encoding"), expected, "{what}");
            assert!(varies_by_encoding(&headers), "{what}: {headers:?}");
            assert_eq!(header(&headers, "cache-control"), Some(IMMUTABLE), "{what}");
            assert_eq!(
                header(&headers, "x-content-type-options"),
                Some("nosniff"),
                "{what}"
            );
            let content_type = header(&headers, "content-type").unwrap().to_owned();
            let want_type = match path.rsplit('.').next() {
                Some("wasm") => "application/wasm",
                Some("js") => "text/javascript",
                _ => "text/css",
            };
            assert!(
                content_type.starts_with(want_type),
                "{what}: {content_type}"
            );
            let body = response.bytes().await.unwrap();
            if expected.is_some() {
                assert!(
                    body.len() < file.bytes.len() / 4,
                    "{what}: {} bytes",
                    body.len()
                );
            }
            assert_eq!(
                decoded(expected, &body),
                file.bytes,
                "{what}: the bytes decode to the file"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_files_answer_head_conditional_and_range_requests() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_site(dir.path(), None).await;
    for file in files().iter().filter(|f| f.path.contains("_Hash-")) {
        let path = format!("/{}", file.path);
        for encoding in ["br", "gzip", "identity"] {
            let what = format!("{path} as {encoding}");
            let full = get(&app, &path, Some(encoding)).await;
            let headers = full.headers().clone();
            let body = full.bytes().await.unwrap();
            let etag = header(&headers, "etag").expect("an ETag").to_owned();

            let head = app
                .client
                .head(app.url(&path))
                .header("accept-encoding", encoding)
                .send()
                .await
                .unwrap();
            assert_eq!(head.status(), 200, "HEAD {what}");
            for name in ["content-type", "content-encoding", "etag", "cache-control"] {
                assert_eq!(
                    header(head.headers(), name),
                    header(&headers, name),
                    "HEAD {what}: {name}"
                );
            }
            assert_eq!(
                header(head.headers(), "content-length"),
                Some(body.len().to_string().as_str()),
                "HEAD {what}"
            );
            assert!(head.bytes().await.unwrap().is_empty(), "HEAD {what}");

            let again = app
                .client
                .get(app.url(&path))
                .header("accept-encoding", encoding)
                .header("if-none-match", &etag)
                .send()
                .await
                .unwrap();
            assert_eq!(again.status(), 304, "{what}: revalidated by its ETag");
            assert_eq!(header(again.headers(), "cache-control"), Some(IMMUTABLE));
            assert!(varies_by_encoding(again.headers()), "{what}");
            assert!(again.bytes().await.unwrap().is_empty());
        }
        // Each coding has its own tag: a gzip copy does not validate brotli.
        let gzip_tag = header(get(&app, &path, Some("gzip")).await.headers(), "etag")
            .unwrap()
            .to_owned();
        let brotli = app
            .client
            .get(app.url(&path))
            .header("accept-encoding", "br")
            .header("if-none-match", gzip_tag)
            .send()
            .await
            .unwrap();
        assert_eq!(brotli.status(), 200, "{path}");
        assert_eq!(header(brotli.headers(), "content-encoding"), Some("br"));

        let range = app
            .client
            .get(app.url(&path))
            .header("range", "bytes=0-9")
            .send()
            .await
            .unwrap();
        assert_eq!(range.status(), 206, "{path}: a range of the file");
        assert_eq!(range.bytes().await.unwrap(), file.bytes[..10]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_link_the_hashed_names_and_the_old_names_are_gone() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_site(dir.path(), None).await;
    app.login_dev("alice").await;
    let home = app.get("/").await.text().await.unwrap();
    for linked in [
        "<link id=\"palette\" rel=\"stylesheet\" href=\"/pkg/palette.Css_Hash-3.css\"",
        "href=\"/pkg/palette.Js_Hash-1.js\"",
        "href=\"/pkg/palette.Wasm_Hash-2.wasm\"",
        "\"palette.Js_Hash-1\", \"palette.Wasm_Hash-2\"",
    ] {
        assert!(
            home.contains(linked),
            "the home page lacks {linked}: {home}"
        );
    }
    // The pages authentication renders itself link the same stylesheet.
    let logged_out = crate::support::spawn_client();
    let login = logged_out
        .get(app.url("/auth/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        login.contains("href=\"/pkg/palette.Css_Hash-3.css\""),
        "{login}"
    );
    for old in ["/pkg/palette.css", "/pkg/palette.js", "/pkg/palette.wasm"] {
        let response = app.get(old).await;
        assert_eq!(response.status(), 404, "{old}");
        assert_eq!(
            header(response.headers(), "cache-control"),
            Some("no-store")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_a_prefix_the_hashed_files_are_below_it() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_site(dir.path(), Some("/palette")).await;
    let login = app.get("/palette/auth/login").await.text().await.unwrap();
    assert!(
        login.contains("href=\"/palette/pkg/palette.Css_Hash-3.css\""),
        "{login}"
    );
    let response = get(&app, "/palette/pkg/palette.Wasm_Hash-2.wasm", Some("br")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(response.headers(), "content-encoding"), Some("br"));
    assert_eq!(header(response.headers(), "cache-control"), Some(IMMUTABLE));
    let outside = get(&app, "/pkg/palette.Wasm_Hash-2.wasm", Some("br")).await;
    assert_eq!(outside.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unhashed_files_are_revalidated_and_answer_304_when_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_site(dir.path(), None).await;
    for path in ["/pkg/palette.d.ts", "/favicon.svg"] {
        let response = get(&app, path, Some("br")).await;
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers().clone();
        assert_eq!(
            header(&headers, "cache-control"),
            Some("no-cache"),
            "{path}"
        );
        assert_eq!(header(&headers, "content-encoding"), Some("br"), "{path}");
        assert!(varies_by_encoding(&headers), "{path}");
        let modified = header(&headers, "last-modified")
            .expect("a validator")
            .to_owned();
        let again = app
            .client
            .get(app.url(path))
            .header("accept-encoding", "br")
            .header("if-modified-since", &modified)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}: revalidated, not sent again");
        assert_eq!(
            header(again.headers(), "cache-control"),
            Some("no-cache"),
            "{path}"
        );
        assert!(again.bytes().await.unwrap().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_json_are_compressed_when_asked_and_never_stored() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_site(dir.path(), None).await;
    app.login_dev("alice").await;
    for (path, accept) in [
        ("/", "text/html"),
        ("/api/v1/environments", "application/json"),
    ] {
        let plain = app
            .client
            .get(app.url(path))
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(plain.status(), 200, "{path}");
        assert_eq!(header(plain.headers(), "content-encoding"), None, "{path}");
        let plain = plain.bytes().await.unwrap();
        for encoding in ["br", "gzip"] {
            let response = app
                .client
                .get(app.url(path))
                .header("accept", accept)
                .header("accept-encoding", encoding)
                .send()
                .await
                .unwrap();
            let what = format!("GET {path} with Accept-Encoding {encoding}");
            assert_eq!(response.status(), 200, "{what}");
            let headers = response.headers().clone();
            assert_eq!(
                header(&headers, "content-encoding"),
                Some(encoding),
                "{what}"
            );
            assert!(varies_by_encoding(&headers), "{what}");
            assert_eq!(
                header(&headers, "cache-control"),
                Some("no-store"),
                "{what}"
            );
            let body = response.bytes().await.unwrap();
            assert!(
                body.len() * 2 < plain.len(),
                "{what}: {} bytes for {}",
                body.len(),
                plain.len()
            );
            let text = String::from_utf8(decoded(Some(encoding), &body)).unwrap();
            if accept == "application/json" {
                let json: serde_json::Value = serde_json::from_str(&text).unwrap();
                let expected: serde_json::Value = serde_json::from_slice(&plain).unwrap();
                assert_eq!(json, expected, "{what}");
            } else {
                assert!(text.starts_with("<!DOCTYPE html>"), "{what}: {text}");
                assert!(text.contains("</body></html>"), "{what}: the whole page");
            }
        }
    }
}

//! A Terraform `s3` state backend for tests: the S3 calls Terraform's and
//! OpenTofu's backend makes with `use_lockfile` and path-style addressing
//! (list, get, head, put with `If-None-Match: *`, delete), objects in
//! memory, signatures not checked. Unlike the local backend's, its lock
//! (an object beside the state) outlives a killed terraform; and unlike the
//! `http` backend, S3 tells who holds a lock.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The backend's server.
pub struct S3Backend {
    url: String,
    objects: Arc<Mutex<BTreeMap<String, Vec<u8>>>>,
}

const BUCKET: &str = "palette-states";

impl S3Backend {
    /// Serves on a free loopback port until the runtime ends.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let objects = Arc::new(Mutex::new(BTreeMap::new()));
        let shared = objects.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve_s3(socket, shared.clone()));
            }
        });
        Self { url, objects }
    }

    /// Writes `backend.tf` into `dir` (a scaffold or a workspace): its
    /// state is kept here under `key`.tfstate.
    pub fn configure(&self, dir: &Path, key: &str) {
        std::fs::write(
            dir.join("backend.tf"),
            format!(
                r#"terraform {{
  backend "s3" {{
    bucket                      = "{BUCKET}"
    key                         = "{key}.tfstate"
    region                      = "us-east-1"
    use_lockfile                = true
    use_path_style              = true
    skip_credentials_validation = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
    skip_s3_checksum            = true
    access_key                  = "palette"
    secret_key                  = "palette"
    endpoints = {{ s3 = "{url}" }}
  }}
}}
"#,
                url = self.url
            ),
        )
        .unwrap();
    }

    /// The lock on `key`'s state: the holder's lock info.
    pub fn lock(&self, key: &str) -> Option<Value> {
        let objects = self.objects.lock().unwrap();
        let lock = objects.get(&format!("{key}.tfstate.tflock"))?;
        Some(serde_json::from_slice(lock).unwrap())
    }

    /// Waits (up to 60 s) until a terraform holds `key`'s lock for
    /// `operation` (`OperationTypeApply`, …).
    pub async fn wait_locked_for(&self, key: &str, operation: &str) -> Value {
        let start = Instant::now();
        loop {
            if let Some(lock) = self.lock(key).filter(|l| l["Operation"] == operation) {
                return lock;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no lock for {operation}: {:?}",
                self.lock(key)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// One S3 answer: status line, extra headers, body.
type S3Answer = (&'static str, Vec<(&'static str, String)>, Vec<u8>);

fn s3_error(status: &'static str, code: &str) -> S3Answer {
    let body = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{code}</Message></Error>");
    (status, vec![], body.into_bytes())
}

fn s3_answer(
    objects: &mut BTreeMap<String, Vec<u8>>,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> S3Answer {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let path = path.trim_start_matches('/');
    let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
    assert_eq!(bucket, BUCKET, "{method} {target}");
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let etag = |data: &[u8]| format!("\"{:x}\"", data.len());
    match (method, key) {
        ("GET", "") => {
            let prefix = query
                .split('&')
                .find_map(|p| p.strip_prefix("prefix="))
                .unwrap_or("")
                .replace("%3A", ":")
                .replace("%2F", "/");
            let contents: String = objects
                .iter()
                .filter(|(k, _)| k.starts_with(&prefix))
                .map(|(k, v)| {
                    format!(
                        "<Contents><Key>{k}</Key><Size>{}</Size></Contents>",
                        v.len()
                    )
                })
                .collect();
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>{BUCKET}</Name>\
                 <Prefix>{prefix}</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys>\
                 <IsTruncated>false</IsTruncated>{contents}</ListBucketResult>"
            );
            ("200 OK", vec![], xml.into_bytes())
        }
        ("HEAD", "") => ("200 OK", vec![], vec![]),
        ("GET" | "HEAD", key) => match objects.get(key) {
            Some(data) => {
                let body = if method == "HEAD" {
                    vec![]
                } else {
                    data.clone()
                };
                ("200 OK", vec![("ETag", etag(data))], body)
            }
            None => s3_error("404 Not Found", "NoSuchKey"),
        },
        ("PUT", key) => {
            if header("if-none-match") == Some("*") && objects.contains_key(key) {
                return s3_error("412 Precondition Failed", "PreconditionFailed");
            }
            let tag = etag(&body);
            objects.insert(key.to_owned(), body);
            ("200 OK", vec![("ETag", tag)], vec![])
        }
        ("DELETE", key) => {
            objects.remove(key);
            ("204 No Content", vec![], vec![])
        }
        _ => s3_error("405 Method Not Allowed", "MethodNotAllowed"),
    }
}

/// Reads an HTTP/1.1 body: by length, chunked, and AWS's `aws-chunked`
/// content encoding inside it.
async fn read_body(
    socket: &mut tokio::io::BufReader<tokio::net::TcpStream>,
    headers: &[(String, String)],
) -> Option<Vec<u8>> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt};
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_ascii_lowercase())
    };
    let mut body = Vec::new();
    if header("transfer-encoding").as_deref() == Some("chunked") {
        loop {
            let mut size = String::new();
            socket.read_line(&mut size).await.ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            socket.read_exact(&mut chunk).await.ok()?;
            body.extend_from_slice(&chunk[..size]);
            if size == 0 {
                break;
            }
        }
    } else if let Some(length) = header("content-length") {
        body = vec![0; length.parse().ok()?];
        socket.read_exact(&mut body).await.ok()?;
    }
    if header("content-encoding").is_some_and(|e| e.contains("aws-chunked")) {
        let mut decoded = Vec::new();
        let mut rest = body.as_slice();
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
            let line = std::str::from_utf8(&rest[..line_end]).ok()?;
            let size = usize::from_str_radix(line.split(';').next()?.trim(), 16).ok()?;
            rest = &rest[line_end + 2..];
            if size == 0 {
                break;
            }
            decoded.extend_from_slice(&rest[..size]);
            rest = &rest[size + 2..];
        }
        body = decoded;
    }
    Some(body)
}

async fn serve_s3(socket: tokio::net::TcpStream, objects: Arc<Mutex<BTreeMap<String, Vec<u8>>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let mut socket = tokio::io::BufReader::new(socket);
    loop {
        let mut request = String::new();
        if socket.read_line(&mut request).await.unwrap_or(0) == 0 {
            return;
        }
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if socket.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
        }
        if headers.iter().any(|(n, v)| {
            n.eq_ignore_ascii_case("expect") && v.eq_ignore_ascii_case("100-continue")
        }) {
            let _ = socket
                .get_mut()
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await;
        }
        let Some(body) = read_body(&mut socket, &headers).await else {
            return;
        };
        let mut words = request.split_whitespace();
        let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        let (status, extra, reply) =
            s3_answer(&mut objects.lock().unwrap(), method, target, &headers, body);
        let mut head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/xml\r\nx-amz-request-id: palette\r\n"
        );
        for (name, value) in extra {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        let length = if method == "HEAD" { 0 } else { reply.len() };
        head.push_str(&format!("Content-Length: {length}\r\n\r\n"));
        let out = socket.get_mut();
        if out.write_all(head.as_bytes()).await.is_err() || out.write_all(&reply).await.is_err() {
            return;
        }
    }
}

//! A tiny OpenID Provider for the check tests: plain HTTP/1.1 on
//! 127.0.0.1 port 0 (tokio only, the engine has no web framework), serving
//! the checker's Hydra-like fixtures.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const DISCOVERY: &str =
    include_str!("../../../../crates/oidc-check/tests/fixtures/hydra-discovery.json");
const JWKS: &str = include_str!("../../../../crates/oidc-check/tests/fixtures/hydra-jwks.json");

/// Starts the provider; returns its issuer (`http://127.0.0.1:PORT/hydra/`).
pub async fn start_provider() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let discovery = DISCOVERY.replace("{{BASE}}", &base);
    let jwks = JWKS.replace("{{BASE}}", &base);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let (discovery, jwks) = (discovery.clone(), jwks.clone());
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request);
                let path = text.split_whitespace().nth(1).unwrap_or("/");
                let (status, body) = match path {
                    "/hydra/.well-known/openid-configuration" => ("200 OK", discovery),
                    "/hydra/.well-known/jwks.json" => ("200 OK", jwks),
                    _ => ("404 Not Found", "{}".to_owned()),
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    format!("{base}/hydra/")
}

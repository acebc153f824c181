//! A tiny OpenID Provider for the check tests: plain HTTP/1.1 on
//! 127.0.0.1 port 0 (tokio only, the engine has no web framework), serving
//! the checker's Hydra-like fixtures, or whatever a test's handler answers.

use std::future::Future;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const DISCOVERY: &str =
    include_str!("../../../../crates/oidc-check/tests/fixtures/hydra-discovery.json");
const JWKS: &str = include_str!("../../../../crates/oidc-check/tests/fixtures/hydra-jwks.json");

/// Serves GET requests on 127.0.0.1:0 with `answer(path)`: a JSON body, or
/// 404 for `None`. Returns `http://127.0.0.1:PORT`.
pub async fn serve<F, Fut>(answer: F) -> String
where
    F: Fn(String) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Option<String>> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request).into_owned();
                let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let (status, body) = match answer(path).await {
                    Some(body) => ("200 OK", body),
                    None => ("404 Not Found", "{}".to_owned()),
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
    base
}

/// Starts the provider; returns its issuer (`http://127.0.0.1:PORT/hydra/`).
pub async fn start_provider() -> String {
    // The documents name the provider's own address, known once it listens.
    let base_cell = std::sync::Arc::new(std::sync::OnceLock::<String>::new());
    let cell = std::sync::Arc::clone(&base_cell);
    let base = serve(move |path| {
        let cell = std::sync::Arc::clone(&cell);
        async move {
            let base = cell.get()?;
            match path.as_str() {
                "/hydra/.well-known/openid-configuration" => {
                    Some(DISCOVERY.replace("{{BASE}}", base))
                }
                "/hydra/.well-known/jwks.json" => Some(JWKS.replace("{{BASE}}", base)),
                _ => None,
            }
        }
    })
    .await;
    let _ = base_cell.set(base.clone());
    format!("{base}/hydra/")
}

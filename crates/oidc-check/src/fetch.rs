//! One guarded fetch: manual redirects (each hop re-checked), a whole-fetch
//! timeout, a streamed body cap and the peer certificate's expiry.

use std::error::Error as _;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use reqwest::{Client, Response};
use url::{Host, Url};

use crate::ssrf::{check_addr, AddrPolicy, GuardedResolver, SsrfRefused};

/// Why a fetch produced no response to judge.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("timed out after {0} ms")]
    Timeout(u128),
    #[error("body exceeds the cap of {0} bytes")]
    TooLarge(usize),
    #[error("redirect loop: {0} was already visited")]
    RedirectLoop(String),
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    #[error("redirect from {0} has no usable Location header")]
    BadRedirect(String),
    #[error("disallowed hop to {url}: {reason}")]
    Disallowed { url: String, reason: String },
    #[error("network error fetching {url}: {detail}")]
    Network { url: String, detail: String },
}

/// A final (non-redirect) response.
#[derive(Debug)]
pub struct Fetched {
    pub status: u16,
    pub content_type: Option<String>,
    /// The body (read only for status 200; at most the cap).
    pub body: Vec<u8>,
    pub final_url: Url,
    pub redirects: usize,
    /// Days until the peer certificate expires (https only).
    pub cert_days_left: Option<i64>,
    pub elapsed: Duration,
}

/// Limits and policy of a fetch.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    pub allow_http: bool,
    pub addrs: AddrPolicy,
    pub timeout: Duration,
    pub max_body_bytes: usize,
    pub max_redirects: usize,
}

/// An HTTP client for [`fetch`]: redirects off (followed by hand), no
/// proxy, the guarded resolver, TLS info on, system and webpki roots plus
/// `extra_roots`.
pub fn build_client(
    policy: &FetchPolicy,
    extra_roots: Vec<reqwest::Certificate>,
) -> reqwest::Result<Client> {
    let mut builder = Client::builder()
        .use_rustls_tls()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(std::sync::Arc::new(GuardedResolver {
            policy: policy.addrs.clone().into(),
        }))
        .tls_info(true)
        .connect_timeout(policy.timeout)
        .timeout(policy.timeout)
        .user_agent(concat!("palette-oidc-check/", env!("CARGO_PKG_VERSION")));
    for cert in extra_roots {
        builder = builder.add_root_certificate(cert);
    }
    builder.build()
}

/// Fetches `url` under `policy` with `client` (built with redirects off and
/// the guarded resolver).
pub async fn fetch(
    client: &Client,
    policy: &FetchPolicy,
    url: &str,
) -> Result<Fetched, FetchError> {
    let start = Instant::now();
    match tokio::time::timeout(policy.timeout, follow(client, policy, url, start)).await {
        Ok(result) => result,
        Err(_) => Err(FetchError::Timeout(policy.timeout.as_millis())),
    }
}

async fn follow(
    client: &Client,
    policy: &FetchPolicy,
    url: &str,
    start: Instant,
) -> Result<Fetched, FetchError> {
    let mut url = Url::parse(url).map_err(|e| FetchError::Disallowed {
        url: url.to_owned(),
        reason: format!("not an absolute URL ({e})"),
    })?;
    let mut visited = vec![url.clone()];
    loop {
        check_hop(policy, &url)?;
        let response = client
            .get(url.clone())
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| classify(&url, &e, policy.timeout))?;
        let status = response.status();
        if status.is_redirection() && status.as_u16() != 304 {
            let next = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|loc| url.join(loc).ok())
                .ok_or_else(|| FetchError::BadRedirect(url.to_string()))?;
            if visited.contains(&next) {
                return Err(FetchError::RedirectLoop(next.to_string()));
            }
            if visited.len() > policy.max_redirects {
                return Err(FetchError::TooManyRedirects(policy.max_redirects));
            }
            visited.push(next.clone());
            url = next;
            continue;
        }
        let cert_days_left = response
            .extensions()
            .get::<reqwest::tls::TlsInfo>()
            .and_then(|info| info.peer_certificate())
            .and_then(|der| crate::cert::days_left(der, SystemTime::now()));
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = if status.as_u16() == 200 {
            read_capped(response, policy, &url).await?
        } else {
            Vec::new()
        };
        return Ok(Fetched {
            status: status.as_u16(),
            content_type,
            body,
            final_url: url,
            redirects: visited.len() - 1,
            cert_days_left,
            elapsed: start.elapsed(),
        });
    }
}

/// Scheme and IP-literal checks of one hop (names are checked by the
/// resolver after DNS resolution).
fn check_hop(policy: &FetchPolicy, url: &Url) -> Result<(), FetchError> {
    let disallowed = |reason: String| FetchError::Disallowed {
        url: url.to_string(),
        reason,
    };
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_http => {}
        "http" => return Err(disallowed("http is not allowed (https required)".into())),
        other => return Err(disallowed(format!("scheme {other:?} is not http(s)"))),
    }
    let ip = match url.host() {
        Some(Host::Ipv4(ip)) => ip.into(),
        Some(Host::Ipv6(ip)) => ip.into(),
        Some(Host::Domain(_)) => return Ok(()),
        None => return Err(disallowed("no host".into())),
    };
    let host = url.host_str().unwrap_or_default();
    check_addr(host, ip, &policy.addrs).map_err(|e| disallowed(e.to_string()))
}

async fn read_capped(
    mut response: Response,
    policy: &FetchPolicy,
    url: &Url,
) -> Result<Vec<u8>, FetchError> {
    let cap = policy.max_body_bytes;
    let declared = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > cap as u64) {
        return Err(FetchError::TooLarge(cap));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| classify(url, &e, policy.timeout))?
    {
        if body.len() + chunk.len() > cap {
            return Err(FetchError::TooLarge(cap));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Maps a reqwest error to a fetch error, finding the SSRF guard's refusal
/// in the source chain.
fn classify(url: &Url, err: &reqwest::Error, timeout: Duration) -> FetchError {
    let mut source = err.source();
    let mut parts: Vec<String> = Vec::new();
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<SsrfRefused>() {
            return FetchError::Disallowed {
                url: url.to_string(),
                reason: refused.to_string(),
            };
        }
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    if err.is_timeout() {
        return FetchError::Timeout(timeout.as_millis());
    }
    let detail = if parts.is_empty() {
        err.to_string()
    } else {
        parts.join(": ")
    };
    FetchError::Network {
        url: url.to_string(),
        detail,
    }
}

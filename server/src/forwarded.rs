//! Who the client is, behind trusted proxies (`PALETTE_TRUSTED_PROXIES`).
//!
//! The connection's peer is the client unless the peer is a trusted proxy
//! (Traefik): then the client is the right-most `X-Forwarded-For` entry that
//! is not itself a trusted proxy. `X-Forwarded-For`, `-Proto`, `-Host`,
//! `-Prefix`, `Forwarded`, `X-Real-Ip` and `X-Request-Id` are taken only
//! from a trusted peer: from any other they are removed before anything
//! else sees the request, so no handler can read a spoofed one.
//!
//! A leaf: it imports nothing of the crate.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// Headers only a trusted proxy may set.
const PROXY_HEADERS: &[&str] = &[
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "x-forwarded-port",
    "x-forwarded-prefix",
    "x-forwarded-server",
    "x-real-ip",
    "forwarded",
    "x-request-id",
];

/// The networks whose peers may tell Palette who the client is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// CIDRs (`10.0.0.0/8`, `fd00::/8`) or single addresses (`127.0.0.1`).
    /// A CIDR with host bits set (`10.0.0.1/8`) is refused: it says one
    /// thing and would mean another.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        entries
            .iter()
            .map(|entry| parse_entry(entry.as_ref()))
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each entry as CIDR text (`127.0.0.1/32`).
    pub fn entries(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`: `peer` itself unless it is trusted, else
    /// the right-most `X-Forwarded-For` entry that is not trusted (the
    /// left-most one when all are). An entry that is not an address ends
    /// the walk at the last trusted hop: what lies left of it cannot be
    /// believed.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.contains(client) {
            return client;
        }
        let hops: Vec<&str> = headers
            .get_all(X_FORWARDED_FOR)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                return client;
            };
            client = ip;
            if !self.contains(ip) {
                return ip;
            }
        }
        client
    }
}

fn parse_entry(entry: &str) -> Result<IpNet, String> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Ok(IpNet::from(ip));
    }
    let net: IpNet = entry.parse().map_err(|_| {
        format!("{entry:?} is not a CIDR such as 10.0.0.0/8 or an address such as 127.0.0.1")
    })?;
    if net.trunc() != net {
        return Err(format!(
            "{entry:?} has host bits set: the network is {}",
            net.trunc()
        ));
    }
    Ok(net)
}

/// An `X-Forwarded-For` entry: an address, maybe with a port
/// (`1.2.3.4:5678`, `[::1]:5678`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    hop.parse::<SocketAddr>()
        .ok()
        .map(|addr| addr.ip().to_canonical())
}

/// The client's address, in every request's extensions when the server
/// was served with connection info.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// `scheme://host` as a trusted proxy forwarded it (`X-Forwarded-Proto`
/// and `X-Forwarded-Host`), when both are there and plain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardedOrigin(pub String);

/// Puts [`ClientAddr`] (and [`ForwardedOrigin`] from a trusted proxy) in
/// the request's extensions, and removes the proxy headers of a request
/// whose peer is not trusted.
pub async fn resolve(
    State(trusted): State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let trusted_peer = peer.is_some_and(|ip| trusted.contains(ip));
    if trusted_peer {
        if let Some(origin) = forwarded_origin(request.headers()) {
            request.extensions_mut().insert(origin);
        }
    } else {
        let headers = request.headers_mut();
        for name in PROXY_HEADERS {
            headers.remove(*name);
        }
    }
    if let Some(peer) = peer {
        let client = trusted.client(peer, request.headers());
        request.extensions_mut().insert(ClientAddr(client));
    }
    next.run(request).await
}

fn forwarded_origin(headers: &HeaderMap) -> Option<ForwardedOrigin> {
    let first = |name: &HeaderName| {
        let value = headers.get(name)?.to_str().ok()?;
        Some(value.split(',').next()?.trim().to_ascii_lowercase())
    };
    let proto = first(&X_FORWARDED_PROTO)?;
    let host = first(&X_FORWARDED_HOST)?;
    let plain_host = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    (matches!(proto.as_str(), "http" | "https") && plain_host)
        .then(|| ForwardedOrigin(format!("{proto}://{host}")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn trusted(entries: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(entries).unwrap()
    }

    fn forwarded_for(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(X_FORWARDED_FOR, value.parse().unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn entries_are_cidrs_or_addresses_and_bad_ones_say_why() {
        let parsed = trusted(&["10.0.0.0/8", "127.0.0.1", "fd00::/8", " 192.168.1.0/24 "]);
        assert_eq!(
            parsed.entries(),
            ["10.0.0.0/8", "127.0.0.1/32", "fd00::/8", "192.168.1.0/24"]
        );
        let err = TrustedProxies::parse(&["10.0.0.1/8"]).unwrap_err();
        assert_eq!(
            err,
            "\"10.0.0.1/8\" has host bits set: the network is 10.0.0.0/8"
        );
        for bad in ["traefik", "10.0.0.0/33", "", "10.0.0.0/8/8"] {
            let err = TrustedProxies::parse(&[bad]).unwrap_err();
            assert!(err.contains("is not a CIDR"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let proxies = trusted(&["10.0.0.0/8"]);
        let headers = forwarded_for(&["203.0.113.9"]);
        assert_eq!(proxies.client(ip("192.0.2.1"), &headers), ip("192.0.2.1"));
        assert_eq!(
            TrustedProxies::default().client(ip("10.0.0.1"), &headers),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
        let proxies = trusted(&["10.0.0.0/8"]);
        // The client may put anything on the left; only what trusted
        // proxies appended counts.
        let headers = forwarded_for(&["198.51.100.7, 203.0.113.9", "10.1.1.1"]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &headers), ip("203.0.113.9"));
        // Every hop trusted: the left-most.
        let headers = forwarded_for(&["10.9.9.9, 10.1.1.1"]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &headers), ip("10.9.9.9"));
        // No header: the proxy itself.
        assert_eq!(
            proxies.client(ip("10.0.0.2"), &HeaderMap::new()),
            ip("10.0.0.2")
        );
        // Garbage stops the walk at the last trusted hop.
        let headers = forwarded_for(&["203.0.113.9, unknown, 10.1.1.1"]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &headers), ip("10.1.1.1"));
        // Ports and IPv4-mapped peers.
        let headers = forwarded_for(&["203.0.113.9:4711"]);
        assert_eq!(
            proxies.client(ip("::ffff:10.0.0.2"), &headers),
            ip("203.0.113.9")
        );
        let headers = forwarded_for(&["[2001:db8::1]:4711"]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &headers), ip("2001:db8::1"));
    }

    #[test]
    fn a_forwarded_origin_needs_a_plain_scheme_and_host() {
        let headers = |proto: &str, host: &str| {
            let mut map = HeaderMap::new();
            map.insert(X_FORWARDED_PROTO, proto.parse().unwrap());
            map.insert(X_FORWARDED_HOST, host.parse().unwrap());
            map
        };
        assert_eq!(
            forwarded_origin(&headers("https", "Palette.example.com")),
            Some(ForwardedOrigin("https://palette.example.com".to_owned()))
        );
        assert_eq!(
            forwarded_origin(&headers("https", "a.example:8443, b")),
            Some(ForwardedOrigin("https://a.example:8443".to_owned()))
        );
        assert_eq!(forwarded_origin(&headers("javascript", "x")), None);
        assert_eq!(forwarded_origin(&headers("https", "x/y@z")), None);
        assert_eq!(forwarded_origin(&HeaderMap::new()), None);
    }
}

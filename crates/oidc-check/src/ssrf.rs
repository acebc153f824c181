//! The SSRF guard: which addresses a fetch may connect to.
//!
//! Checked twice: on IP-literal hosts before a request, and on every address
//! a name resolves to (the [`GuardedResolver`] given to reqwest), so a DNS
//! name pointing at a private address is refused too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why an address is refused; `None` from [`classify`] means public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    Unspecified,
    Loopback,
    Private,
    LinkLocal,
    UniqueLocal,
    SharedCgnat,
    Multicast,
    Reserved,
    /// Documentation ranges (TEST-NET-1/2/3, 2001:db8::/32, 3fff::/20).
    Documentation,
    /// The rest of IANA's special-purpose registries: protocol
    /// assignments, benchmarking, 6to4, Teredo, local-use NAT64, discard,
    /// ORCHID, SRv6.
    SpecialPurpose,
}

impl Blocked {
    pub fn as_str(self) -> &'static str {
        match self {
            Blocked::Unspecified => "unspecified",
            Blocked::Loopback => "loopback",
            Blocked::Private => "private",
            Blocked::LinkLocal => "link-local",
            Blocked::UniqueLocal => "unique-local",
            Blocked::SharedCgnat => "shared (CGNAT 100.64.0.0/10)",
            Blocked::Multicast => "multicast",
            Blocked::Reserved => "reserved/broadcast",
            Blocked::Documentation => "documentation",
            Blocked::SpecialPurpose => "special-purpose",
        }
    }
}

/// Classifies an address; `None` when it is a public (allowed) address.
pub fn classify(ip: IpAddr) -> Option<Blocked> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<Blocked> {
    let [a, b, c, _] = ip.octets();
    if a == 0 {
        Some(Blocked::Unspecified)
    } else if ip.is_loopback() {
        Some(Blocked::Loopback)
    } else if ip.is_private() {
        Some(Blocked::Private)
    } else if ip.is_link_local() {
        Some(Blocked::LinkLocal)
    } else if a == 100 && (64..128).contains(&b) {
        Some(Blocked::SharedCgnat)
    } else if ip.is_multicast() {
        Some(Blocked::Multicast)
    } else if a >= 240 {
        Some(Blocked::Reserved)
    } else if matches!((a, b, c), (192, 0, 2) | (198, 51, 100) | (203, 0, 113)) {
        Some(Blocked::Documentation)
    } else if (a, b, c) == (192, 0, 0)
        || (a, b, c) == (192, 88, 99)
        || (a == 198 && (b & 0xfe) == 18)
    {
        // IETF protocol assignments, the 6to4 relay anycast, benchmarking.
        Some(Blocked::SpecialPurpose)
    } else {
        None
    }
}

fn classify_v6(ip: Ipv6Addr) -> Option<Blocked> {
    let seg = ip.segments();
    if ip.is_unspecified() {
        return Some(Blocked::Unspecified);
    }
    if ip.is_loopback() {
        return Some(Blocked::Loopback);
    }
    // IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d and NAT64
    // 64:ff9b::a.b.c.d reach the embedded IPv4 address.
    let ipv4_mapped_or_compatible = seg[..5] == [0; 5] && (seg[5] == 0xffff || seg[5] == 0);
    let nat64 = seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    let embedded = (ipv4_mapped_or_compatible || nat64).then(|| {
        let [a, b] = seg[6].to_be_bytes();
        let [c, d] = seg[7].to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    });
    if let Some(v4) = embedded {
        return classify_v4(v4);
    }
    // 6to4 (2002::/16) carries an IPv4 address in its next 32 bits: a
    // private one is reported as such; every 6to4 address is refused.
    if seg[0] == 0x2002 {
        let [a, b] = seg[1].to_be_bytes();
        let [c, d] = seg[2].to_be_bytes();
        return classify_v4(Ipv4Addr::new(a, b, c, d)).or(Some(Blocked::SpecialPurpose));
    }
    let documentation = (seg[0] == 0x2001 && seg[1] == 0x0db8) || (seg[0] & 0xfff0) == 0x3ff0;
    if documentation {
        return Some(Blocked::Documentation);
    }
    let special = (seg[0] == 0x0064 && seg[1] == 0xff9b && seg[2] == 1) // local-use NAT64
        || (seg[..4] == [0x0100, 0, 0, 0]) // discard-only
        || (seg[0] == 0x2001 && seg[1] < 0x0200) // IETF protocol assignments: Teredo, benchmarking, ORCHID…
        || seg[0] == 0x5f00; // SRv6 SIDs
    if special {
        return Some(Blocked::SpecialPurpose);
    }
    match seg[0] {
        s if s & 0xfe00 == 0xfc00 => Some(Blocked::UniqueLocal),
        s if s & 0xffc0 == 0xfe80 => Some(Blocked::LinkLocal),
        s if s & 0xffc0 == 0xfec0 => Some(Blocked::Private), // deprecated site-local
        s if s & 0xff00 == 0xff00 => Some(Blocked::Multicast),
        _ => None,
    }
}

/// Marker error returned by the guard; found again in reqwest's error chain.
#[derive(Debug, thiserror::Error)]
#[error("refused by SSRF guard: {host} resolves to {addr} ({kind}); pass allow_private_network to allow")]
pub struct SsrfRefused {
    pub host: String,
    pub addr: IpAddr,
    pub kind: &'static str,
}

/// Which addresses a fetch may connect to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddrPolicy {
    /// Allow every non-public address.
    pub allow_private: bool,
    /// Non-public addresses allowed even when `allow_private` is false
    /// (e.g. one known internal provider).
    pub trusted: Vec<IpAddr>,
}

/// Checks one address of `host` against the policy.
pub fn check_addr(host: &str, ip: IpAddr, policy: &AddrPolicy) -> Result<(), SsrfRefused> {
    match classify(ip) {
        Some(kind) if !policy.allow_private && !policy.trusted.contains(&ip) => Err(SsrfRefused {
            host: host.to_owned(),
            addr: ip,
            kind: kind.as_str(),
        }),
        _ => Ok(()),
    }
}

/// Keeps the allowed addresses of a resolution; refuses when none is left.
pub fn filter_addrs(
    host: &str,
    addrs: impl IntoIterator<Item = SocketAddr>,
    policy: &AddrPolicy,
) -> Result<Vec<SocketAddr>, SsrfRefused> {
    let mut kept = Vec::new();
    let mut first_refusal = None;
    for addr in addrs {
        match check_addr(host, addr.ip(), policy) {
            Ok(()) => kept.push(addr),
            Err(e) => {
                first_refusal.get_or_insert(e);
            }
        }
    }
    match (kept.is_empty(), first_refusal) {
        (true, Some(refusal)) => Err(refusal),
        _ => Ok(kept),
    }
}

/// A reqwest resolver that resolves with the system resolver and then drops
/// refused addresses (failing when all are refused).
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    pub policy: std::sync::Arc<AddrPolicy>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let resolved = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let kept = filter_addrs(&host, resolved, &policy)?;
            if kept.is_empty() {
                return Err(format!("{host}: no address").into());
            }
            let addrs: Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn c(s: &str) -> Option<Blocked> {
        classify(s.parse().unwrap())
    }

    #[test]
    fn classify_refuses_every_non_public_range() {
        let cases = [
            ("0.0.0.0", Blocked::Unspecified),
            ("0.1.2.3", Blocked::Unspecified),
            ("127.0.0.1", Blocked::Loopback),
            ("127.255.0.9", Blocked::Loopback),
            ("10.0.0.1", Blocked::Private),
            ("172.16.0.1", Blocked::Private),
            ("172.31.255.255", Blocked::Private),
            ("192.168.1.1", Blocked::Private),
            ("169.254.169.254", Blocked::LinkLocal),
            ("100.64.0.1", Blocked::SharedCgnat),
            ("100.127.255.255", Blocked::SharedCgnat),
            ("224.0.0.1", Blocked::Multicast),
            ("255.255.255.255", Blocked::Reserved),
            ("::", Blocked::Unspecified),
            ("::1", Blocked::Loopback),
            ("fc00::1", Blocked::UniqueLocal),
            ("fd12:3456::1", Blocked::UniqueLocal),
            ("fe80::1", Blocked::LinkLocal),
            ("ff02::1", Blocked::Multicast),
            ("::ffff:127.0.0.1", Blocked::Loopback),
            ("::ffff:10.1.2.3", Blocked::Private),
            ("::ffff:169.254.169.254", Blocked::LinkLocal),
            ("::ffff:100.64.1.1", Blocked::SharedCgnat),
            ("::127.0.0.1", Blocked::Loopback),
            ("64:ff9b::192.168.0.1", Blocked::Private),
            ("192.0.0.8", Blocked::SpecialPurpose),
            ("192.0.2.10", Blocked::Documentation),
            ("198.51.100.7", Blocked::Documentation),
            ("203.0.113.200", Blocked::Documentation),
            ("198.18.0.1", Blocked::SpecialPurpose),
            ("198.19.255.255", Blocked::SpecialPurpose),
            ("192.88.99.1", Blocked::SpecialPurpose),
            ("2001:db8::1", Blocked::Documentation),
            ("3fff::1", Blocked::Documentation),
            ("2002:c0a8:0101::1", Blocked::Private), // 6to4 of 192.168.1.1
            ("2002:0808:0808::1", Blocked::SpecialPurpose), // 6to4 of 8.8.8.8
            ("2001::1", Blocked::SpecialPurpose),    // Teredo
            ("2001:2::1", Blocked::SpecialPurpose),  // benchmarking
            ("2001:20::1", Blocked::SpecialPurpose), // ORCHIDv2
            ("64:ff9b:1::a00:1", Blocked::SpecialPurpose),
            ("100::1", Blocked::SpecialPurpose),
            ("5f00::1", Blocked::SpecialPurpose),
            ("::ffff:192.0.2.1", Blocked::Documentation),
            ("64:ff9b::198.18.0.1", Blocked::SpecialPurpose),
        ];
        for (addr, want) in cases {
            assert_eq!(c(addr), Some(want), "{addr}");
        }
    }

    #[test]
    fn classify_allows_public_addresses() {
        for addr in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.169.0.1",
            "192.0.1.1",
            "198.17.255.255",
            "198.20.0.1",
            "203.0.114.1",
            "2001:200::1",
            "2001:4860::1",
            "2001:4860:4860::8888",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(c(addr), None, "{addr}");
        }
    }

    #[test]
    fn filter_keeps_public_addresses_and_refuses_all_private() {
        let mixed: Vec<SocketAddr> = vec![
            "127.0.0.1:0".parse().unwrap(),
            "93.184.216.34:0".parse().unwrap(),
        ];
        let refuse = AddrPolicy::default();
        let allow = AddrPolicy {
            allow_private: true,
            trusted: vec![],
        };
        let kept = filter_addrs("mixed.example", mixed.clone(), &refuse).unwrap();
        assert_eq!(kept, vec![mixed[1]]);
        let err = filter_addrs("local.example", vec![mixed[0]], &refuse).unwrap_err();
        assert_eq!(err.kind, "loopback");
        assert!(err.to_string().contains("refused by SSRF guard"));
        assert_eq!(
            filter_addrs("local.example", vec![mixed[0]], &allow).unwrap(),
            vec![mixed[0]]
        );
    }

    #[test]
    fn trusted_addresses_pass_while_other_private_ones_stay_refused() {
        let policy = AddrPolicy {
            allow_private: false,
            trusted: vec!["127.0.0.1".parse().unwrap()],
        };
        assert!(check_addr("h", "127.0.0.1".parse().unwrap(), &policy).is_ok());
        assert!(check_addr("h", "127.0.0.2".parse().unwrap(), &policy).is_err());
        assert!(check_addr("h", "::1".parse().unwrap(), &policy).is_err());
    }

    #[tokio::test]
    async fn resolver_refuses_localhost_unless_private_networks_allowed() {
        let name: Name = "localhost".parse().unwrap();
        let refused = GuardedResolver {
            policy: AddrPolicy::default().into(),
        }
        .resolve(name)
        .await;
        let err = refused.err().unwrap();
        assert!(err.downcast_ref::<SsrfRefused>().is_some(), "{err}");

        let name: Name = "localhost".parse().unwrap();
        let allowed = GuardedResolver {
            policy: AddrPolicy {
                allow_private: true,
                trusted: vec![],
            }
            .into(),
        }
        .resolve(name)
        .await
        .unwrap();
        assert!(allowed.into_iter().all(|a| a.ip().is_loopback()));
    }
}

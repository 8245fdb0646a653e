//! Who the client is, for rate limiting and logs: the peer address, unless the peer is a
//! trusted proxy, in which case `X-Forwarded-For` is read from the right (each proxy appends
//! the address it saw) and the first address that is not a trusted proxy is the client.
//! Entries further left were written by the client itself and are never believed.

use std::net::{IpAddr, SocketAddr};

use anyhow::{Context, Result};
use axum::http::HeaderMap;
use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    ranges: Vec<IpNet>,
}

impl TrustedProxies {
    /// CIDR ranges ("10.0.0.0/8") or single addresses ("127.0.0.1").
    pub fn parse(ranges: &[String]) -> Result<Self> {
        let ranges = ranges
            .iter()
            .map(|text| text.trim())
            .filter(|text| !text.is_empty())
            .map(|text| {
                text.parse::<IpNet>()
                    .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
                    .with_context(|| {
                        format!("--trusted-proxy `{text}` is not a CIDR range like 10.0.0.0/8")
                    })
            })
            .collect::<Result<_>>()?;
        Ok(Self { ranges })
    }

    pub fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.ranges.iter().any(|range| range.contains(&address))
    }

    /// The client's address: `peer` itself, or what trusted proxies say about who they serve.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        for entry in forwarded_for(headers).rev() {
            match parse_entry(entry) {
                Some(address) if self.trusts(address) => client = address,
                Some(address) => return address,
                // Garbage from a trusted hop: the hop itself is the best we know.
                None => return client,
            }
        }
        client
    }
}

/// The entries of every `X-Forwarded-For` header, in order, left to right.
fn forwarded_for(headers: &HeaderMap) -> impl DoubleEndedIterator<Item = &str> {
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .collect();
    entries.into_iter()
}

/// An address, with or without a port (`1.2.3.4:80`, `[::1]:80`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|socket| socket.ip()))
        .ok()
        .map(canonical)
}

/// IPv4 addresses that arrive mapped into IPv6 (`::ffff:1.2.3.4`) as plain IPv4.
pub fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().expect("header value"));
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_forward() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8".into()]).expect("valid");
        assert_eq!(
            proxies.client(ip("203.0.113.9"), &headers(&["1.1.1.1"])),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn trusted_chains_are_read_from_the_right() {
        let proxies =
            TrustedProxies::parse(&["10.0.0.0/8".into(), "192.168.1.1".into()]).expect("valid");
        let chain = headers(&["6.6.6.6, 198.51.100.7", "192.168.1.1"]);
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &chain),
            ip("198.51.100.7"),
            "6.6.6.6 is client-written"
        );
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &headers(&["10.9.9.9"])),
            ip("10.9.9.9")
        );
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &headers(&[])),
            ip("10.1.2.3")
        );
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &headers(&["nonsense"])),
            ip("10.1.2.3")
        );
        assert_eq!(
            proxies.client(ip("::ffff:10.1.2.3"), &headers(&["[2001:db8::1]:443"])),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn bad_ranges_are_refused() {
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(TrustedProxies::parse(&["proxy.local".into()]).is_err());
    }
}

//! The client's address behind a reverse proxy. `X-Forwarded-For` is written by whoever sends
//! the request, so it is believed only when the connection comes from a proxy the operator
//! named (`--trusted-proxy`), and then only up to the first hop no trusted proxy vouches for.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

use axum::http::HeaderMap;

/// An address range in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`); a bare address is a range
/// of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Whether `ip` lies in the range (an IPv4 address seen as `::ffff:a.b.c.d` included).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpNet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("\"{s}\" is not an address range such as 10.0.0.0/8"))?;
        let addr = addr.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("\"{s}\": the prefix length must be 0 to {max}"))?,
        };
        Ok(IpNet { addr, prefix })
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed; none by default.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    pub fn new(ranges: Vec<IpNet>) -> Self {
        TrustedProxies(ranges.into())
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client of a request that arrived from `peer`: the peer itself unless it is a trusted
    /// proxy; otherwise the rightmost `X-Forwarded-For` hop that is not a trusted proxy (each
    /// proxy appends the address it received from, so everything left of the first untrusted
    /// hop may be invented). A hop that is not an address ends the walk at the proxy that wrote
    /// it.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = hop_address(hop) else {
                return client;
            };
            if !self.trusts(ip) {
                return ip;
            }
            client = ip;
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`192.0.2.1:5050`,
/// `[2001:db8::1]:5050`).
fn hop_address(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    hop.parse::<std::net::SocketAddr>()
        .ok()
        .map(|s| s.ip().to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn ranges_are_read_and_matched_on_their_boundaries() {
        let net: IpNet = "10.0.0.0/8".parse().unwrap();
        assert!(net.contains(ip("10.0.0.0")));
        assert!(net.contains(ip("10.255.255.255")));
        assert!(!net.contains(ip("11.0.0.0")));
        assert!(!net.contains(ip("9.255.255.255")));
        assert!(net.contains(ip("::ffff:10.1.2.3")), "IPv4 seen as IPv6");
        let one: IpNet = "192.0.2.7".parse().unwrap();
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let v6: IpNet = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        assert!(!v6.contains(ip("10.0.0.1")));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.1")));
        assert_eq!(net.to_string(), "10.0.0.0/8");
        assert!("10.0.0.0/33".parse::<IpNet>().is_err());
        assert!("2001:db8::/129".parse::<IpNet>().is_err());
        assert!("proxy.internal".parse::<IpNet>().is_err());
        assert!("10.0.0.0/x".parse::<IpNet>().is_err());
    }

    #[test]
    fn the_header_is_believed_only_from_a_trusted_peer() {
        let none = TrustedProxies::default();
        let h = forwarded(&["198.51.100.9"]);
        assert_eq!(none.client(ip("203.0.113.5"), &h), ip("203.0.113.5"));
        let proxies = TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap()]);
        assert_eq!(
            proxies.client(ip("203.0.113.5"), &h),
            ip("203.0.113.5"),
            "an untrusted peer's header is ignored"
        );
        assert_eq!(proxies.client(ip("10.0.0.2"), &h), ip("198.51.100.9"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let proxies = TrustedProxies::new(vec![
            "10.0.0.0/8".parse().unwrap(),
            "192.0.2.0/24".parse().unwrap(),
        ]);
        // The client wrote a made-up first entry; the edge proxy appended the real address,
        // the inner proxy the edge proxy's.
        let h = forwarded(&["1.2.3.4, 198.51.100.9", "192.0.2.10"]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &h), ip("198.51.100.9"));
        // Only proxies: the leftmost is as far as the chain goes.
        let h = forwarded(&["192.0.2.10, 10.9.9.9"]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &h), ip("192.0.2.10"));
        // No header: the proxy itself.
        assert_eq!(
            proxies.client(ip("10.0.0.2"), &HeaderMap::new()),
            ip("10.0.0.2")
        );
        // Garbage stops the walk at the proxy that passed it on.
        let h = forwarded(&["198.51.100.9, unknown, 192.0.2.10"]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &h), ip("192.0.2.10"));
        // Ports and IPv6 are read.
        let h = forwarded(&["[2001:db8::7]:5050", "198.51.100.9:443"]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &h), ip("198.51.100.9"));
        let h = forwarded(&["2001:db8::7"]);
        assert_eq!(proxies.client(ip("::ffff:10.0.0.2"), &h), ip("2001:db8::7"));
    }
}

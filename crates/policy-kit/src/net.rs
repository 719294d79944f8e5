//! Client addresses and CIDR networks.
//!
//! IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) are treated as the IPv4
//! address they carry, both as client addresses and in networks.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The counting key of a client whose address is not known.
pub const UNKNOWN: &str = "unknown";

/// Parses a client address as the host gives it. Tolerates brackets, an
/// IPv6 zone (`%eth0`) and a port; unwraps IPv4-mapped IPv6.
pub fn parse_addr(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let ip = match text.parse::<IpAddr>() {
        Ok(ip) => ip,
        Err(_) => match text.parse::<SocketAddr>() {
            Ok(sa) => sa.ip(),
            Err(_) => {
                let inner = text.trim_start_matches('[').trim_end_matches(']');
                let inner = inner.split('%').next().unwrap_or(inner);
                inner.parse::<IpAddr>().ok()?
            }
        },
    };
    Some(canonical(ip))
}

/// `ip` with an IPv4-mapped IPv6 address turned into IPv4.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// The key a client is counted under: an IPv4 address as itself, an IPv6
/// address by its /64 network (`2001:db8:1:2::/64`), no or an unparsable
/// address as [`UNKNOWN`].
pub fn client_key(addr: Option<&str>) -> String {
    match addr.and_then(parse_addr) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let net = Ipv6Addr::from(u128::from(v6) & !(u128::MAX >> 64));
            format!("{net}/64")
        }
        None => UNKNOWN.to_string(),
    }
}

/// An IPv4 or IPv6 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    /// The network address (host bits cleared).
    pub addr: IpAddr,
    /// The prefix length.
    pub prefix: u8,
}

impl Cidr {
    /// Parses `192.0.2.0/24`, `2001:db8::/32` or a single address (a /32 or
    /// /128). Host bits are cleared (`10.1.2.3/8` is `10.0.0.0/8`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (addr_text, prefix_text) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let raw: IpAddr = addr_text
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or network"))?;
        let max = if raw.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix_text {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max => n,
                _ => return Err(format!("{text:?} has an invalid prefix length")),
            },
        };
        // An IPv4-mapped network (::ffff:a.b.c.d/96+) is an IPv4 network.
        let (addr, prefix) = match raw {
            IpAddr::V6(v6) if prefix >= 96 && v6.to_ipv4_mapped().is_some() => {
                match v6.to_ipv4_mapped() {
                    Some(v4) => (IpAddr::V4(v4), prefix - 96),
                    None => (raw, prefix),
                }
            }
            _ => (raw, prefix),
        };
        Ok(Self {
            addr: mask(addr, prefix),
            prefix,
        })
    }

    /// Whether `ip` (canonicalised first) is in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(_), ip @ IpAddr::V4(_)) | (IpAddr::V6(_), ip @ IpAddr::V6(_)) => {
                mask(ip, self.prefix) == self.addr
            }
            _ => false,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// `ip` with all but the first `prefix` bits cleared.
fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let m = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(bits & m))
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let m = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(bits & m))
        }
    }
}

/// Parses a list of networks; the error names the first bad item.
pub fn parse_cidrs(items: &[String]) -> Result<Vec<Cidr>, String> {
    items.iter().map(|s| Cidr::parse(s)).collect()
}

/// Whether `ip` is in any of `nets`.
pub fn any_contains(nets: &[Cidr], ip: IpAddr) -> bool {
    nets.iter().any(|n| n.contains(ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn client_keys() {
        assert_eq!(client_key(Some("192.0.2.7")), "192.0.2.7");
        assert_eq!(client_key(Some("::ffff:192.0.2.7")), "192.0.2.7");
        assert_eq!(
            client_key(Some("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(client_key(Some("2001:db8:1:2::1")), "2001:db8:1:2::/64");
        assert_eq!(client_key(Some("2001:db8:1:3::1")), "2001:db8:1:3::/64");
        assert_eq!(client_key(Some("[2001:db8:1:2::1]")), "2001:db8:1:2::/64");
        assert_eq!(client_key(Some("fe80::1%eth0")), "fe80::/64");
        assert_eq!(client_key(Some("192.0.2.7:4321")), "192.0.2.7");
        assert_eq!(client_key(Some("[2001:db8::1]:80")), "2001:db8::/64");
        assert_eq!(client_key(Some("::1")), "::/64");
        assert_eq!(client_key(None), UNKNOWN);
        assert_eq!(client_key(Some("")), UNKNOWN);
        assert_eq!(client_key(Some("not an address")), UNKNOWN);
    }

    #[test]
    fn cidr_parsing() {
        assert_eq!(
            Cidr::parse("192.0.2.0/24").unwrap().to_string(),
            "192.0.2.0/24"
        );
        assert_eq!(Cidr::parse("10.1.2.3/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(
            Cidr::parse("192.0.2.9").unwrap().to_string(),
            "192.0.2.9/32"
        );
        assert_eq!(
            Cidr::parse("2001:db8::/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert_eq!(
            Cidr::parse("2001:db8::1").unwrap().to_string(),
            "2001:db8::1/128"
        );
        assert_eq!(Cidr::parse("0.0.0.0/0").unwrap().to_string(), "0.0.0.0/0");
        assert_eq!(Cidr::parse("::/0").unwrap().to_string(), "::/0");
        assert_eq!(
            Cidr::parse("::ffff:10.0.0.0/104").unwrap().to_string(),
            "10.0.0.0/8"
        );
        for bad in [
            "",
            "10.0.0.0/33",
            "2001:db8::/129",
            "10.0.0/8",
            "x/8",
            "10.0.0.0/",
            "10.0.0.0/-1",
        ] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cidr_membership() {
        let v4 = Cidr::parse("192.0.2.0/24").unwrap();
        assert!(v4.contains(ip("192.0.2.0")));
        assert!(v4.contains(ip("192.0.2.255")));
        assert!(v4.contains(ip("::ffff:192.0.2.5")));
        assert!(!v4.contains(ip("192.0.3.0")));
        assert!(!v4.contains(ip("2001:db8::1")));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        assert!(!v6.contains(ip("192.0.2.1")));
        let all4 = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all4.contains(ip("203.0.113.1")));
        assert!(!all4.contains(ip("::1")));
        let one = Cidr::parse("203.0.113.9").unwrap();
        assert!(one.contains(ip("203.0.113.9")));
        assert!(!one.contains(ip("203.0.113.8")));
    }

    #[test]
    fn cidr_lists() {
        let nets = parse_cidrs(&["10.0.0.0/8".into(), "2001:db8::/32".into()]).unwrap();
        assert!(any_contains(&nets, ip("10.9.9.9")));
        assert!(any_contains(&nets, ip("2001:db8::9")));
        assert!(!any_contains(&nets, ip("11.0.0.1")));
        assert!(
            parse_cidrs(&["10.0.0.0/8".into(), "nope".into()])
                .unwrap_err()
                .contains("nope")
        );
    }
}

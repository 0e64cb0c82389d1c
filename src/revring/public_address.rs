//! Where a recording link may point. A `recordingUrl` comes from upstream and is fetched by
//! the server, so a hostile or poisoned upstream could aim it at a private service (the
//! database, a cloud metadata endpoint, an admin port on loopback). Links on the API's own
//! origin or on a host the operator listed are trusted; every other link is fetched only from
//! public addresses, checked after DNS resolution by the resolver the fetching client uses
//! (so a name cannot resolve to a public address for the check and a private one for the
//! connection), and redirects are never followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// True for an address on the public internet: not loopback, private, link-local, shared
/// (carrier-grade NAT), documentation, benchmarking, multicast, broadcast or unspecified.
/// Recordings (here) and alert targets (`sync::targets`) both rely on it.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        || (first == 0x0064 && ip.segments()[1] == 0xff9b)
        || ip.to_ipv4().is_some_and(|v4| !is_public_v4(v4)))
}

/// A DNS resolver that answers only with public addresses, and fails when a name has none.
#[derive(Debug, Default)]
pub(crate) struct PublicResolver;

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|addr| is_public(addr.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} does not resolve to a public address").into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// True when `url`'s host is one the operator trusts: an entry `host` matches any port, an
/// entry `host:port` only that port (the scheme's default when the URL names none).
pub(crate) fn is_listed(url: &url::Url, hosts: &[String]) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let port = url.port_or_known_default();
    hosts.iter().any(|entry| {
        let entry = entry.trim();
        if let Some((name, wanted)) = entry.rsplit_once(':')
            && let Ok(wanted) = wanted.parse::<u16>()
            && (!name.contains(':') || name.starts_with('['))
        {
            return name.eq_ignore_ascii_case(host) && Some(wanted) == port;
        }
        entry.eq_ignore_ascii_case(host)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn listed_hosts_match_with_or_without_a_port() {
        let url = |s: &str| url::Url::parse(s).unwrap();
        let hosts = vec!["media.example.com".to_owned(), "10.0.0.7:9000".to_owned()];
        assert!(is_listed(&url("https://media.example.com/a.wav"), &hosts));
        assert!(is_listed(&url("http://MEDIA.example.com:81/a.wav"), &hosts));
        assert!(is_listed(&url("http://10.0.0.7:9000/a.wav"), &hosts));
        assert!(!is_listed(&url("http://10.0.0.7:9001/a.wav"), &hosts));
        assert!(!is_listed(&url("http://evil.example/a.wav"), &hosts));
    }
}

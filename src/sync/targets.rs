//! Where alerts may be sent: a URL's host is resolved, and every address it resolves to must be
//! public unless the operator allows private targets (`RINGSIDE_ALLOW_PRIVATE_TARGETS=true`,
//! for chat servers on the local network). The checked addresses are then the only ones the
//! request may use, so a name that resolves differently a moment later cannot slip through.

use std::net::{IpAddr, SocketAddr};

use url::Url;

use crate::revring::is_public;

/// Why a target is refused, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetProblem {
    /// Not an http(s) URL with a host.
    #[error("the address must be an http:// or https:// URL with a host name")]
    NotHttp,
    /// The host name does not resolve.
    #[error("the host “{0}” cannot be found")]
    Unresolvable(String),
    /// The host is on a loopback, private or otherwise non-public network.
    #[error(
        "the host “{0}” is on a private or loopback network, which this server does not send to \
         (the operator can allow it with RINGSIDE_ALLOW_PRIVATE_TARGETS=true)"
    )]
    Private(String),
}

/// A URL checked for sending: its host and the addresses requests to it must use.
#[derive(Debug, Clone)]
pub struct CheckedTarget {
    /// The host name as in the URL.
    pub host: String,
    /// The resolved addresses, all allowed.
    pub addrs: Vec<SocketAddr>,
}

/// Checks the scheme of `raw` without resolving it (for forms).
pub fn parse_http_url(raw: &str) -> Result<Url, TargetProblem> {
    let url = Url::parse(raw.trim()).map_err(|_| TargetProblem::NotHttp)?;
    let http = matches!(url.scheme(), "http" | "https");
    if !http || url.host_str().is_none_or(str::is_empty) {
        return Err(TargetProblem::NotHttp);
    }
    Ok(url)
}

/// Resolves `url` and checks every address.
pub async fn check(url: &Url, allow_private: bool) -> Result<CheckedTarget, TargetProblem> {
    let host = url.host_str().ok_or(TargetProblem::NotHttp)?.to_owned();
    let port = url.port_or_known_default().ok_or(TargetProblem::NotHttp)?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((bare, port))
            .await
            .map_err(|_| TargetProblem::Unresolvable(host.clone()))?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(TargetProblem::Unresolvable(host));
    }
    if !allow_private && addrs.iter().any(|addr| !is_public(addr.ip())) {
        return Err(TargetProblem::Private(host));
    }
    Ok(CheckedTarget { host, addrs })
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
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["8.8.8.8", "1.1.1.1", "2606:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn loopback_urls_are_refused_unless_allowed() {
        let url = parse_http_url("http://localhost:9/hook").unwrap();
        assert!(matches!(
            check(&url, false).await,
            Err(TargetProblem::Private(_))
        ));
        assert!(check(&url, true).await.is_ok());
        let literal = parse_http_url("http://[::1]:9/").unwrap();
        assert!(check(&literal, false).await.is_err());
        assert_eq!(
            parse_http_url("ftp://example.com").unwrap_err(),
            TargetProblem::NotHttp
        );
    }
}

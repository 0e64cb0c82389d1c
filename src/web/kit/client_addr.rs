//! Who is on the other end: the client's address, for throttling and the log. The TCP peer,
//! unless the peer is a proxy the operator trusts (`RINGSIDE_TRUSTED_PROXIES`): then the
//! `Forwarded` (or else `X-Forwarded-For`) header is read from the right, hop by hop, and the
//! first address not itself a trusted proxy is the client. A header from an untrusted peer is
//! ignored, so nobody can pick their own address by sending one.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

use crate::app::state::WebSettings;

/// The client's address as text (`unknown` when the server has no peer address).
#[derive(Debug, Clone)]
pub(crate) struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(found) = parts.extensions.get::<ClientAddr>() {
            return Ok(found.clone());
        }
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(ClientAddr(peer.map_or_else(
            || "unknown".to_owned(),
            |info| info.0.ip().to_string(),
        )))
    }
}

/// Middleware: works out the client's address once, keeps it for handlers and writes it into
/// the request's log span.
pub(crate) async fn resolve(
    State(settings): State<Arc<WebSettings>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    if let Some(peer) = peer {
        let client = client_ip(peer, request.headers(), &settings.trusted_proxies);
        tracing::Span::current().record("client", tracing::field::display(client));
        request
            .extensions_mut()
            .insert(ClientAddr(client.to_string()));
    }
    next.run(request).await
}

/// The client's address given the peer, the request's headers and the trusted proxies.
pub(crate) fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(&canonical(*ip)));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut hops = forwarded_for(headers);
    if hops.is_empty() {
        hops = x_forwarded_for(headers);
    }
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        let Some(hop) = hop else {
            // A hop we cannot read (`unknown`, an obfuscated name): stop trusting here.
            return client;
        };
        client = hop;
        if !is_trusted(&hop) {
            return hop;
        }
    }
    client
}

/// An IPv4-mapped IPv6 address as IPv4, so CIDRs match either way.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

fn header_values<'a>(headers: &'a HeaderMap, name: &str) -> impl Iterator<Item = &'a str> {
    headers
        .get_all(name)
        .into_iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
}

/// The `for=` of every element of the `Forwarded` headers (RFC 7239), in order.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    header_values(headers, "forwarded")
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                name.eq_ignore_ascii_case("for").then(|| node_ip(value))
            })
        })
        .collect()
}

/// Every address of the `X-Forwarded-For` headers, in order.
fn x_forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    header_values(headers, "x-forwarded-for")
        .map(node_ip)
        .collect()
}

/// An address from `1.2.3.4`, `1.2.3.4:80`, `"[2001:db8::1]:443"` or `2001:db8::1`.
fn node_ip(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok().map(canonical);
    }
    node.parse::<SocketAddr>()
        .ok()
        .map(|addr| canonical(addr.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn with(name: &'static str, value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn forwarded_headers_count_only_through_trusted_hops() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let xff = with("x-forwarded-for", "203.0.113.9, 198.51.100.7, 10.0.0.2");
        // From an untrusted peer the header is ignored.
        assert_eq!(client_ip(ip("192.0.2.1"), &xff, &trusted), ip("192.0.2.1"));
        // Through trusted proxies: the first untrusted address from the right.
        assert_eq!(
            client_ip(ip("10.0.0.1"), &xff, &trusted),
            ip("198.51.100.7")
        );
        // Without trusted proxies the peer is the client.
        assert_eq!(client_ip(ip("10.0.0.1"), &xff, &[]), ip("10.0.0.1"));
        let forwarded = with(
            "forwarded",
            "for=203.0.113.9;proto=https, for=\"[2001:db8::1]:4711\"",
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), &forwarded, &trusted),
            ip("2001:db8::1")
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), &with("forwarded", "for=unknown"), &trusted),
            ip("10.0.0.1")
        );
    }
}

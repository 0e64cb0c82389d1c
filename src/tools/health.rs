//! `ringside health`: asks a running portal's `/readyz` and says whether it is ready. Container
//! healthchecks run it, because the slim image has no shell tool that speaks HTTP.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use crate::cli::HealthArgs;

/// Whether the portal at `args.bind` answers `/readyz` with 200; prints one line either way.
pub async fn check(args: &HealthArgs) -> bool {
    let url = format!("http://{}/readyz", probe_address(args.bind));
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(args.timeout_secs.max(1)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            println!("not ready: cannot make an HTTP client ({error})");
            return false;
        }
    };
    match client.get(&url).send().await {
        Ok(response) if response.status().is_success() => {
            println!("ready");
            true
        }
        Ok(response) => {
            println!("not ready: {url} answered {}", response.status());
            false
        }
        Err(error) if error.is_timeout() => {
            println!("not ready: {url} did not answer in time");
            false
        }
        Err(_) => {
            println!("not ready: nothing answers at {url}");
            false
        }
    }
}

/// The address to ask: a wildcard bind (`0.0.0.0`, `::`) is reached on loopback.
fn probe_address(bind: SocketAddr) -> SocketAddr {
    let ip = match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, bind.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_binds_are_asked_on_loopback() {
        let asked = |bind: &str| probe_address(bind.parse().unwrap()).to_string();
        assert_eq!(asked("0.0.0.0:3000"), "127.0.0.1:3000");
        assert_eq!(asked("[::]:3000"), "[::1]:3000");
        assert_eq!(asked("10.0.0.5:8080"), "10.0.0.5:8080");
    }
}

//! Which hosts are this machine (loopback), and the rule that plain `http://` goes only there.
//!
//! Requests carry signatures, and often session tokens, in their headers. Over plain HTTP
//! anyone on the path reads them, so the transport sends `http://` requests only to loopback
//! (a local simulator or emulator) unless the builder explicitly allows more. Loopback
//! requests also bypass any proxy: a proxy from `HTTP_PROXY` cannot reach this machine's
//! `127.0.0.1`, and local test servers must work behind one.

use std::net::{IpAddr, Ipv6Addr};

use http::uri::Scheme;
use http::Uri;

use crate::error::{Error, Result};

/// Whether `host` (as in a URI: `127.0.0.1`, `[::1]`, `localhost`) names this machine:
/// 127.0.0.0/8, `::1` (also as an IPv4-mapped address) or `localhost`.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(IpAddr::V6(v6)) => v6.is_loopback() || mapped_loopback(v6),
        Err(_) => false,
    }
}

fn mapped_loopback(v6: Ipv6Addr) -> bool {
    v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
}

/// Whether `uri` points at this machine.
pub(crate) fn is_loopback(uri: &Uri) -> bool {
    uri.host().is_some_and(is_loopback_host)
}

/// Refuses `http://` to a host other than loopback unless `allowed`.
pub(crate) fn check_plain_http(uri: &Uri, allowed: bool) -> Result<()> {
    if allowed || uri.scheme() != Some(&Scheme::HTTP) || is_loopback(uri) {
        return Ok(());
    }
    let host = uri.host().unwrap_or("an unknown host");
    Err(Error::config(format!(
        "refusing plain http:// to {host}: only loopback hosts (127.0.0.0/8, ::1, localhost) \
         are reached without TLS; use https://, or allow it with \
         TransportBuilder::with_insecure_http(true)"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_127_slash_8_ipv6_one_and_localhost_only() {
        for host in [
            "127.0.0.1",
            "127.1.2.3",
            "127.255.255.254",
            "[::1]",
            "::1",
            "[::ffff:127.0.0.1]",
            "localhost",
            "LocalHost",
            "localhost.",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "128.0.0.1",
            "10.0.0.1",
            "0.0.0.0",
            "[::]",
            "[::2]",
            "localhost.example.com",
            "mylocalhost",
            "127.0.0.1.nip.io",
            "cvm.tencentcloudapi.com",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn plain_http_is_refused_off_loopback_unless_allowed() {
        let uri = |s: &str| s.parse::<Uri>().unwrap();
        for ok in [
            "http://127.0.0.1:8080/x",
            "http://[::1]:1/",
            "http://localhost/",
            "https://ec2.us-east-1.amazonaws.com/",
            "https://10.0.0.1/",
        ] {
            assert!(check_plain_http(&uri(ok), false).is_ok(), "{ok}");
        }
        let err = check_plain_http(&uri("http://10.0.0.1:8080/?sig=s"), false).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Config);
        let text = err.to_string();
        assert!(text.contains("10.0.0.1"), "{text}");
        assert!(text.contains("with_insecure_http(true)"), "{text}");
        assert!(!text.contains("sig=s"), "{text}");
        assert!(check_plain_http(&uri("http://10.0.0.1:8080/"), true).is_ok());
    }
}

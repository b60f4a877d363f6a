//! Connection rules: which servers are trusted, plain `http://` only to loopback, and no
//! proxy for loopback. Every server here is on 127.0.0.1; a request that escaped the rules
//! would land in a local trap, never on the network.

mod support;

use std::time::Duration;

use multicloud_core::transport::{RetryConfig, Transport};
use multicloud_core::ErrorKind;
use support::{get, TlsServer, CA_PEM};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn builder() -> multicloud_core::transport::TransportBuilder {
    Transport::builder()
        .with_retry(RetryConfig::disabled())
        .with_request_timeout(Duration::from_secs(10))
}

/// A local server standing in for a proxy: it answers everything and counts requests.
async fn trap() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("via proxy"))
        .mount(&server)
        .await;
    server
}

async fn received(server: &MockServer) -> usize {
    server.received_requests().await.map_or(0, |r| r.len())
}

#[tokio::test]
async fn a_server_signed_by_an_added_ca_is_trusted_and_not_without_it() {
    let server = TlsServer::start().await;

    let err = get(&builder().build().unwrap(), &server.url)
        .await
        .unwrap_err();
    // An untrusted certificate fails every handshake the same way: a configuration error.
    assert_eq!(err.kind(), ErrorKind::Config, "{}", err.report());
    assert!(
        err.to_string().contains("with_root_certificate_pem"),
        "{err}"
    );
    assert_eq!((server.served(), server.refused(1).await), (0, 1));

    let trusting = builder().with_root_certificate_pem(CA_PEM).build().unwrap();
    let body = get(&trusting, &server.url).await.unwrap();
    assert_eq!(body, "ok");
    assert_eq!(server.served(), 1);

    // The system store (without the test CA) does not make it trusted either.
    let system = builder().with_system_trust_store(true).build().unwrap();
    assert!(get(&system, &server.url).await.is_err());
    assert_eq!((server.served(), server.refused(2).await), (1, 2));
}

#[tokio::test]
async fn plain_http_off_loopback_is_refused_before_anything_is_sent() {
    // Were the check missing, the request would go to the proxy (no DNS lookup is made
    // for an http:// URL sent through a proxy), and the trap would count it.
    let proxy = trap().await;
    let transport = builder().with_proxy(proxy.uri()).build().unwrap();
    for url in [
        "http://cvm.tencentcloudapi.com/?Action=DescribeInstances&Signature=s",
        "http://10.0.0.8:8080/",
        "http://[fd00::1]:80/",
    ] {
        let err = get(&transport, url).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{url}: {err}");
        assert!(
            err.to_string().contains("with_insecure_http(true)"),
            "{err}"
        );
        assert!(!err.to_string().contains("Signature=s"), "{err}");
        assert_eq!(err.attempts(), Some(1));
    }
    assert_eq!(received(&proxy).await, 0);

    // Explicitly allowed, the same request goes out (to the proxy, here).
    let allowed = builder()
        .with_proxy(proxy.uri())
        .with_insecure_http(true)
        .build()
        .unwrap();
    let body = get(&allowed, "http://10.0.0.8:8080/").await.unwrap();
    assert_eq!(body, "via proxy");
    assert_eq!(received(&proxy).await, 1);
}

#[tokio::test]
async fn loopback_requests_bypass_the_proxy_and_others_use_it() {
    let simulator = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/regions"))
        .respond_with(ResponseTemplate::new(200).set_body_string("direct"))
        .mount(&simulator)
        .await;
    // Port 9 (discard) on loopback: nothing listens, a proxied request could not connect.
    let dead_proxy = builder().with_proxy("http://127.0.0.1:9").build().unwrap();
    let body = get(&dead_proxy, &format!("{}/regions", simulator.uri()))
        .await
        .unwrap();
    assert_eq!(body, "direct");

    // The control: a live proxy does get non-loopback requests, so the bypass above is
    // what let the loopback call through.
    let proxy = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/elsewhere"))
        .and(header("host", "api.example.invalid"))
        .respond_with(ResponseTemplate::new(200).set_body_string("via proxy"))
        .expect(1)
        .mount(&proxy)
        .await;
    let live = builder()
        .with_proxy(proxy.uri())
        .with_insecure_http(true)
        .build()
        .unwrap();
    let body = get(&live, "http://api.example.invalid/elsewhere")
        .await
        .unwrap();
    assert_eq!(body, "via proxy");
    // Even with a live proxy, loopback goes direct.
    let body = get(&live, &format!("{}/regions", simulator.uri()))
        .await
        .unwrap();
    assert_eq!(body, "direct");
    assert_eq!(received(&simulator).await, 2);
    assert_eq!(received(&proxy).await, 1);
}

#[tokio::test]
async fn https_and_loopback_http_need_no_permission() {
    let simulator = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&simulator)
        .await;
    let port = simulator.address().port();
    let transport = builder().build().unwrap();
    for url in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://localhost:{port}/"),
    ] {
        assert_eq!(get(&transport, &url).await.unwrap(), "ok", "{url}");
    }
}

//! The transport behind a proxy set in the environment, and the system trust store as the
//! environment names it.
//!
//! The rest of the suite sets proxies through the builder; this is the one place that needs
//! the process environment itself (`HTTP_PROXY`, `SSL_CERT_FILE`), so it is its own test
//! binary (its own process) with a single test: nothing else runs while it sets them.
//! Keep it to one test.

mod support;

use std::time::Duration;

use multicloud_core::transport::{RetryConfig, Transport};
use support::{get, TlsServer};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[test]
fn behind_an_environment_proxy_loopback_still_works_and_ssl_cert_file_is_the_system_store() {
    // A dead proxy (port 9 on loopback: nothing listens), as a CI machine behind a proxy
    // would have it for the simulators' 127.0.0.1.
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
    ] {
        std::env::set_var(name, "http://127.0.0.1:9");
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");
    let ca = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tls/ca.pem");
    std::env::set_var("SSL_CERT_FILE", ca);
    std::env::remove_var("SSL_CERT_DIR");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let builder = || {
            Transport::builder()
                .with_retry(RetryConfig::disabled())
                .with_request_timeout(Duration::from_secs(10))
        };
        let simulator = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string("direct"))
            .expect(1)
            .mount(&simulator)
            .await;
        // The shared default client: the environment's proxy is in force, yet loopback
        // goes direct.
        let body = get(&builder().build().unwrap(), &simulator.uri())
            .await
            .unwrap_or_else(|e| panic!("{}", e.report()));
        assert_eq!(body, "direct");

        // The system store, here exactly the test CA (`SSL_CERT_FILE`), is trusted only
        // when asked for.
        let tls = TlsServer::start().await;
        assert!(get(&builder().build().unwrap(), &tls.url).await.is_err());
        let system = builder().with_system_trust_store(true).build().unwrap();
        let body = get(&system, &tls.url)
            .await
            .unwrap_or_else(|e| panic!("{}", e.report()));
        assert_eq!(body, "ok");
        assert_eq!((tls.served(), tls.refused(1).await), (1, 1));
    });
}

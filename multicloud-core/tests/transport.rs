//! Endpoint overrides: requests built (and signed) for the real host reach a local server
//! with the signed `Host` header intact.

use bytes::Bytes;
use multicloud_core::transport::{CallInfo, StatusClassifier, Transport};
use multicloud_core::{Error, ErrorKind, ProviderKind};
use wiremock::matchers::{body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn request(url: &str, host_header: Option<&str>) -> multicloud_core::Result<http::Request<Bytes>> {
    let mut builder = http::Request::post(url);
    if let Some(host) = host_header {
        builder = builder.header(http::header::HOST, host);
    }
    builder
        .body(Bytes::from_static(b"{\"Limit\":100}"))
        .map_err(|e| Error::config(e.to_string()))
}

async fn expect_host(server: &MockServer, host: &str) {
    Mock::given(method("POST"))
        .and(path("/v2/instances"))
        .and(query_param("Action", "DescribeInstances"))
        .and(header("host", host))
        .and(body_string("{\"Limit\":100}"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn provider_override_reaches_the_local_server_with_the_signed_host() {
    let server = MockServer::start().await;
    expect_host(&server, "cvm.tencentcloudapi.com").await;
    let transport = Transport::builder()
        .with_endpoint_override(ProviderKind::Tencent, server.uri())
        .build()
        .unwrap();
    let call = CallInfo::read_only(ProviderKind::Tencent, "cvm:DescribeInstances");

    let response = transport
        .execute(
            &call,
            |_| {
                request(
                    "https://cvm.tencentcloudapi.com/v2/instances?Action=DescribeInstances",
                    None,
                )
            },
            &StatusClassifier,
        )
        .await
        .unwrap();

    assert_eq!(response.body, "ok");
}

#[tokio::test]
async fn host_set_by_the_signer_is_sent_unchanged() {
    let server = MockServer::start().await;
    // A Host the signer chose (differing from the URL's) must not be replaced.
    expect_host(&server, "signed-host.example").await;
    let transport = Transport::builder()
        .with_endpoint_override(ProviderKind::Huawei, server.uri())
        .build()
        .unwrap();
    let call = CallInfo::read_only(ProviderKind::Huawei, "ecs:ListServersDetails");

    let response = transport
        .execute(
            &call,
            |_| {
                request(
                    "https://ecs.cn-north-4.myhuaweicloud.com/v2/instances?Action=DescribeInstances",
                    Some("signed-host.example"),
                )
            },
            &StatusClassifier,
        )
        .await
        .unwrap();

    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn host_override_wins_over_the_provider_override() {
    let by_provider = MockServer::start().await;
    let by_host = MockServer::start().await;
    expect_host(&by_host, "bcc.bj.baidubce.com").await;
    expect_host(&by_provider, "bcc.gz.baidubce.com").await;
    let transport = Transport::builder()
        .with_endpoint_override(ProviderKind::Baidu, by_provider.uri())
        .with_host_override("bcc.bj.baidubce.com", by_host.uri())
        .build()
        .unwrap();
    let call = CallInfo::read_only(ProviderKind::Baidu, "bcc:ListInstances");

    for host in ["bcc.bj.baidubce.com", "bcc.gz.baidubce.com"] {
        let url = format!("https://{host}/v2/instances?Action=DescribeInstances");
        let response = transport
            .execute(&call, |_| request(&url, None), &StatusClassifier)
            .await
            .unwrap();
        assert_eq!(response.status, 200, "{host}");
    }
}

#[tokio::test]
async fn override_urls_with_a_path_or_query_are_rejected_at_build() {
    for url in [
        "http://127.0.0.1:1/prefix",
        "http://127.0.0.1:1/?X-Amz-Signature=s",
    ] {
        let err = Transport::builder()
            .with_endpoint_override(ProviderKind::Aws, url)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(!err.to_string().contains("X-Amz-Signature"), "{err}");
    }
}

/// Each `#[tokio::test]` runs its own runtime. A connection pooled by one runtime is driven
/// by a task of that runtime, so it must never be handed to another: if the first runtime is
/// idle (here) the request would hang, and if it has ended the request fails with "dispatch
/// task is gone".
#[test]
fn one_transport_works_across_several_runtimes() {
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let server_rt = runtime();
    let server = server_rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200))
            .expect(3)
            .mount(&server)
            .await;
        server
    });
    let url = format!("{}/regions", server.uri());
    // No retries, and a short timeout: a borrowed connection would surface as an error.
    let transport = Transport::builder()
        .with_retry(multicloud_core::transport::RetryConfig::disabled())
        .with_request_timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap();
    let call = CallInfo::read_only(ProviderKind::Ctyun, "ecs:ListRegions");
    // Keep every runtime alive but idle once its call is done.
    let mut runtimes = Vec::new();
    for round in 0..3 {
        let rt = runtime();
        let status = rt
            .block_on(transport.execute(
                &call,
                |_| {
                    http::Request::get(url.as_str())
                        .body(Bytes::new())
                        .map_err(|e| Error::config(e.to_string()))
                },
                &StatusClassifier,
            ))
            .unwrap_or_else(|e| panic!("round {round}: {}", e.report()))
            .status;
        assert_eq!(status, 200);
        runtimes.push(rt);
    }
    server_rt.block_on(server.verify());
}

//! The response size cap: a body of exactly the cap is read, one byte more is a `Decode`
//! error naming the cap and how to raise it, and an endless body stops being read at the cap
//! (the server sees the connection closed long before it has sent what it wanted to).

use std::time::Duration;

use bytes::Bytes;
use multicloud_core::transport::{CallInfo, LimitConfig, RetryConfig, StatusClassifier, Transport};
use multicloud_core::{Error, ErrorKind, ProviderKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const CAP: u64 = 64 * 1024;

fn transport(cap: u64) -> Transport {
    Transport::builder()
        .with_limits(LimitConfig::unlimited().with_max_response_bytes(cap))
        .with_retry(RetryConfig::default().with_initial_backoff(Duration::from_millis(1)))
        .with_request_timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn get(transport: &Transport, url: &str) -> multicloud_core::Result<Bytes> {
    let call = CallInfo::read_only(ProviderKind::Aws, "ec2:DescribeInstances");
    let response = transport
        .execute(
            &call,
            |_| {
                http::Request::get(url)
                    .body(Bytes::new())
                    .map_err(|e| Error::config(e.to_string()))
            },
            &StatusClassifier,
        )
        .await?;
    Ok(response.body)
}

async fn serving(body_len: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-amzn-requestid", "req-big")
                .set_body_bytes(vec![b'x'; body_len as usize]),
        )
        // Exactly once: an oversized body is not retried.
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_body_of_exactly_the_cap_is_read_whole() {
    let server = serving(CAP).await;
    let body = get(&transport(CAP), &server.uri()).await.unwrap();
    assert_eq!(body.len() as u64, CAP);
    assert!(body.iter().all(|&b| b == b'x'));
}

#[tokio::test]
async fn one_byte_over_the_cap_is_a_decode_error_naming_the_cap_and_not_retried() {
    let server = serving(CAP + 1).await;
    let err = get(&transport(CAP), &server.uri()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(text.contains("64 KiB cap"), "{text}");
    assert!(
        text.contains("LimitConfig::with_max_response_bytes"),
        "{text}"
    );
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(err.http_status(), Some(200));
    assert_eq!(err.request_id(), Some("req-big"));
    assert_eq!(err.provider(), Some(ProviderKind::Aws));
}

/// A raw HTTP/1.1 server that answers one request with `head` and then writes up to `body`
/// bytes of `x`, in 64 KiB writes, until the client goes away. Returns its URL and how many
/// body bytes it managed to write.
async fn endless(head: String, body: u64) -> (String, tokio::task::JoinHandle<u64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        if socket.write_all(head.as_bytes()).await.is_err() {
            return 0;
        }
        let chunk = vec![b'x'; 64 * 1024];
        let mut written = 0u64;
        while written < body {
            // Chunked framing when the head asks for it; the size line is not counted.
            let frame = if head.contains("chunked") {
                let mut f = format!("{:x}\r\n", chunk.len()).into_bytes();
                f.extend_from_slice(&chunk);
                f.extend_from_slice(b"\r\n");
                f
            } else {
                chunk.clone()
            };
            if socket.write_all(&frame).await.is_err() {
                break;
            }
            written += chunk.len() as u64;
        }
        written
    });
    (url, task)
}

const HUGE: u64 = 200 * 1024 * 1024;

#[tokio::test]
async fn an_endless_body_without_content_length_stops_being_read_at_the_cap() {
    let cap = 1024 * 1024;
    let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_owned();
    let (url, server) = endless(head, HUGE).await;
    let transport = Transport::builder()
        .with_limits(LimitConfig::unlimited().with_max_response_bytes(cap))
        .with_retry(RetryConfig::disabled())
        .with_dedicated_client(true)
        .build()
        .unwrap();
    let err = get(&transport, &url).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.to_string().contains("sent more"), "{err}");
    assert!(err.to_string().contains("1 MiB cap"), "{err}");
    drop(transport);
    let written = tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("the server sees the connection closed")
        .unwrap();
    // The client read about 1 MiB and hung up; what the server wrote beyond that sat in the
    // two sockets' kernel buffers. Nowhere near the 200 MiB it meant to send.
    assert!(written >= cap, "{written}");
    assert!(
        written < 48 * 1024 * 1024,
        "the read did not stop: {written} bytes sent"
    );
}

#[tokio::test]
async fn a_declared_length_above_the_cap_is_refused_before_reading() {
    let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {HUGE}\r\n\r\n");
    let (url, server) = endless(head, HUGE).await;
    let transport = Transport::builder()
        .with_limits(LimitConfig::unlimited().with_max_response_bytes(CAP))
        .with_retry(RetryConfig::disabled())
        .with_dedicated_client(true)
        .build()
        .unwrap();
    let err = get(&transport, &url).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.to_string().contains("declares 200 MiB"), "{err}");
    drop(transport);
    let written = tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("the server sees the connection closed")
        .unwrap();
    assert!(written < 48 * 1024 * 1024, "{written} bytes sent");
}

#[test]
fn a_zero_cap_is_a_config_error() {
    let err = Transport::builder()
        .with_limits(LimitConfig::new().with_max_response_bytes(0))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}

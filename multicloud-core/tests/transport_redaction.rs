//! A secret planted in a request's headers, query string and body never shows up in the
//! error (Display, Debug, report) nor in anything the transport traces.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use multicloud_core::transport::{CallInfo, RetryConfig, StatusClassifier, Transport};
use multicloud_core::{Error, ErrorKind, ProviderKind};
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::matchers::{header, method, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "PLANTED-SECRET-7c1d9e";

/// A tracing writer into a shared buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Runs `f` with every span and event at every level written into a buffer; returns it.
async fn traced<F, T>(f: F) -> (T, String)
where
    F: std::future::Future<Output = T>,
{
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::NEW | FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let out = f.await;
    (out, capture.text())
}

/// A request carrying the secret in a signed query, the Authorization header, a token header
/// and the body, the way a presigned or token-authenticated request would.
fn secret_request(
    base: &str,
) -> impl FnMut(u32) -> multicloud_core::Result<http::Request<Bytes>> + Send {
    let url = format!("{base}/v1/instances?Action=DescribeInstances&Signature={SECRET}");
    move |_| {
        http::Request::post(url.as_str())
            .header(
                "authorization",
                format!("TC3-HMAC-SHA256 Credential=AKIDVISIBLE/2024-01-16/cvm/tc3_request, SignedHeaders=host, Signature={SECRET}"),
            )
            .header("x-tc-token", SECRET)
            .body(Bytes::from(format!(r#"{{"Token":"{SECRET}"}}"#)))
            .map_err(|e| Error::config(e.to_string()))
    }
}

fn transport() -> Transport {
    Transport::builder()
        .with_retry(
            RetryConfig::default()
                .with_max_attempts(2)
                .with_initial_backoff(Duration::from_millis(2))
                .with_seed(3),
        )
        .build()
        .unwrap()
}

fn assert_secret_absent(err: &Error, logs: &str) {
    for rendered in [
        err.to_string(),
        format!("{err:?}"),
        format!("{err:#?}"),
        err.report(),
        logs.to_owned(),
    ] {
        assert!(!rendered.contains(SECRET), "secret leaked in: {rendered}");
    }
    // The capture is not vacuous: it holds the call, both attempts and the retry.
    for expected in [
        "multicloud.call",
        "cvm:DescribeInstances",
        "attempt=1",
        "attempt=2",
        "retrying",
    ] {
        assert!(
            logs.contains(expected),
            "{expected:?} missing from logs:\n{logs}"
        );
    }
}

#[tokio::test]
async fn secret_is_absent_from_errors_and_traces_when_the_server_fails() {
    let server = MockServer::start().await;
    // The server received the secret (so it was really on the wire) and echoes it in its
    // error body, as S3 does with the string-to-sign.
    Mock::given(method("POST"))
        .and(query_param("Signature", SECRET))
        .and(header("x-tc-token", SECRET))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_string(format!("<StringToSign>{SECRET}</StringToSign>")),
        )
        .expect(2)
        .mount(&server)
        .await;
    let call = CallInfo::read_only(ProviderKind::Tencent, "cvm:DescribeInstances");
    let transport = transport();

    let (result, logs) =
        traced(transport.execute(&call, secret_request(&server.uri()), &StatusClassifier)).await;

    let err = result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert_eq!(err.attempts(), Some(2));
    assert!(logs.contains("status=500"), "{logs}");
    assert_secret_absent(&err, &logs);
}

#[tokio::test]
async fn secret_is_absent_from_errors_and_traces_when_the_connection_fails() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let call = CallInfo::read_only(ProviderKind::Tencent, "cvm:DescribeInstances");
    let transport = transport();

    let (result, logs) = traced(transport.execute(
        &call,
        secret_request(&format!("http://127.0.0.1:{port}")),
        &StatusClassifier,
    ))
    .await;

    let err = result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
    // The reqwest error is kept as the source (so the report is longer than Display), but
    // without its URL, whose query holds the signature.
    assert!(std::error::Error::source(&err).is_some());
    assert!(
        err.report().len() > err.to_string().len(),
        "{}",
        err.report()
    );
    assert_secret_absent(&err, &logs);
}

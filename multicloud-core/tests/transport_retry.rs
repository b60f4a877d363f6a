//! Retry behaviour of the transport against a wiremock server on 127.0.0.1.
//!
//! Retry delays go through a recording sleeper that returns at once, so these tests assert the
//! exact delays chosen without waiting for them, and never measure wall time.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use multicloud_core::transport::{
    CallInfo, HttpResponse, RetryConfig, Sleeper, StatusClassifier, Transport, TransportBuilder,
};
use multicloud_core::{Error, ErrorKind, ManualClock, ProviderKind};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Records every delay it is asked to sleep, and returns at once.
#[derive(Debug, Default)]
struct RecordingSleeper {
    delays: Mutex<Vec<Duration>>,
}

impl RecordingSleeper {
    fn delays(&self) -> Vec<Duration> {
        self.delays.lock().unwrap().clone()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, delay: Duration) -> BoxFuture<'static, ()> {
        self.delays.lock().unwrap().push(delay);
        Box::pin(async {})
    }
}

/// A transport with fast, seeded backoff (≤ 40 ms) and a recording sleeper.
fn builder(sleeper: &Arc<RecordingSleeper>) -> TransportBuilder {
    Transport::builder()
        .with_sleeper(sleeper.clone())
        .with_retry(
            RetryConfig::default()
                .with_seed(7)
                .with_initial_backoff(Duration::from_millis(10))
                .with_max_backoff(Duration::from_millis(40)),
        )
}

/// A factory for `POST {base}/api` that tags each request with its attempt number and records
/// the attempts it was asked for.
fn post_api(
    base: &str,
    seen: &Arc<Mutex<Vec<u32>>>,
) -> impl FnMut(u32) -> multicloud_core::Result<http::Request<Bytes>> + Send {
    let url = format!("{base}/api");
    let seen = seen.clone();
    move |attempt| {
        seen.lock().unwrap().push(attempt);
        http::Request::post(url.as_str())
            .header("x-attempt", attempt.to_string())
            .body(Bytes::from_static(b"{}"))
            .map_err(|e| Error::config(e.to_string()))
    }
}

fn describe() -> CallInfo {
    CallInfo::read_only(ProviderKind::Tencent, "cvm:DescribeInstances")
}

async fn mount(server: &MockServer, attempt: &str, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/api"))
        .and(header("x-attempt", attempt))
        .respond_with(response)
        .expect(1)
        .mount(server)
        .await;
}

/// First attempt answered with `status`, second with 200: the call succeeds on attempt 2.
async fn assert_retried_once_then_ok(status: u16) {
    let server = MockServer::start().await;
    mount(&server, "1", ResponseTemplate::new(status)).await;
    mount(
        &server,
        "2",
        ResponseTemplate::new(200).set_body_string("ok"),
    )
    .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let transport = builder(&sleeper).build().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));

    let response = transport
        .execute(
            &describe(),
            post_api(&server.uri(), &seen),
            &StatusClassifier,
        )
        .await
        .unwrap();

    assert_eq!(response.status, 200);
    assert_eq!(response.body, "ok");
    assert_eq!(
        *seen.lock().unwrap(),
        vec![1, 2],
        "request rebuilt per attempt"
    );
    let delays = sleeper.delays();
    assert_eq!(delays.len(), 1);
    // First backoff: equal jitter over the 10 ms ceiling.
    assert!(delays[0] >= Duration::from_millis(5) && delays[0] <= Duration::from_millis(10));
}

#[tokio::test]
async fn retries_503_then_succeeds() {
    assert_retried_once_then_ok(503).await;
}

#[tokio::test]
async fn retries_429_then_succeeds() {
    assert_retried_once_then_ok(429).await;
}

#[tokio::test]
async fn does_not_retry_403() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).insert_header("x-amz-request-id", "req-403"))
        .expect(1)
        .mount(&server)
        .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let transport = builder(&sleeper).build().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));

    let err = transport
        .execute(
            &describe(),
            post_api(&server.uri(), &seen),
            &StatusClassifier,
        )
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(err.http_status(), Some(403));
    assert_eq!(err.request_id(), Some("req-403"));
    assert_eq!(err.action(), Some("cvm:DescribeInstances"));
    assert!(sleeper.delays().is_empty());
}

#[tokio::test]
async fn does_not_retry_any_non_retryable_status() {
    for status in [400, 401, 404, 409, 501] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status))
            .expect(1)
            .mount(&server)
            .await;
        let sleeper = Arc::new(RecordingSleeper::default());
        let transport = builder(&sleeper).build().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));

        let err = transport
            .execute(
                &describe(),
                post_api(&server.uri(), &seen),
                &StatusClassifier,
            )
            .await
            .unwrap_err();

        assert!(!err.is_retryable(), "{status}: {err}");
        assert_eq!(err.attempts(), Some(1), "{status}");
        assert_eq!(*seen.lock().unwrap(), vec![1], "{status}");
        server.verify().await;
    }
}

/// Tencent-style classifier: errors arrive in a 200 envelope.
fn envelope_classifier(call: &CallInfo, response: &HttpResponse) -> multicloud_core::Result<()> {
    let body: serde_json::Value = response.json()?;
    match body["Response"]["Error"]["Code"].as_str() {
        None => Ok(()),
        Some(code) => {
            let kind = match code {
                "RequestLimitExceeded" => ErrorKind::Throttled,
                "AuthFailure.SignatureFailure" => ErrorKind::InvalidCredential,
                _ => ErrorKind::Service,
            };
            Err(Error::new(kind, "the provider reported an error")
                .with_code(code)
                .with_provider(call.provider))
        }
    }
}

fn envelope(code: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string(format!(
        r#"{{"Response":{{"Error":{{"Code":"{code}","Message":"m"}},"RequestId":"r"}}}}"#
    ))
}

#[tokio::test]
async fn non_retryable_error_in_a_200_envelope_is_not_retried() {
    let server = MockServer::start().await;
    mount(&server, "1", envelope("AuthFailure.SignatureFailure")).await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let transport = builder(&sleeper).build().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));

    let err = transport
        .execute(
            &describe(),
            post_api(&server.uri(), &seen),
            &envelope_classifier,
        )
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::InvalidCredential);
    assert_eq!(err.code(), Some("AuthFailure.SignatureFailure"));
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(err.http_status(), Some(200));
}

#[tokio::test]
async fn throttling_in_a_200_envelope_is_retried() {
    let server = MockServer::start().await;
    mount(&server, "1", envelope("RequestLimitExceeded")).await;
    mount(
        &server,
        "2",
        ResponseTemplate::new(200).set_body_string(r#"{"Response":{}}"#),
    )
    .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let transport = builder(&sleeper).build().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));

    let response = transport
        .execute(
            &describe(),
            post_api(&server.uri(), &seen),
            &envelope_classifier,
        )
        .await
        .unwrap();

    assert_eq!(response.status, 200);
    assert_eq!(*seen.lock().unwrap(), vec![1, 2]);
}

#[tokio::test]
async fn factory_errors_end_the_call_without_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let transport = builder(&sleeper).build().unwrap();

    let err = transport
        .execute(
            &describe(),
            |_| Err(Error::new(ErrorKind::CredentialNotConfigured, "no key")),
            &StatusClassifier,
        )
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::CredentialNotConfigured);
    assert_eq!(err.provider(), Some(ProviderKind::Tencent));
}

/// Answers 429 with `retry-after: value`, then 200.
async fn retry_after_then_ok(value: &str, builder: TransportBuilder) {
    let server = MockServer::start().await;
    mount(
        &server,
        "1",
        ResponseTemplate::new(429).insert_header("retry-after", value),
    )
    .await;
    mount(&server, "2", ResponseTemplate::new(200)).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let transport = builder.build().unwrap();
    transport
        .execute(
            &describe(),
            post_api(&server.uri(), &seen),
            &StatusClassifier,
        )
        .await
        .unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![1, 2]);
}

#[tokio::test]
async fn honours_retry_after_seconds() {
    let sleeper = Arc::new(RecordingSleeper::default());
    retry_after_then_ok("7", builder(&sleeper)).await;
    // 7 s replaces the ≤ 10 ms backoff.
    assert_eq!(sleeper.delays(), vec![Duration::from_secs(7)]);
}

#[tokio::test]
async fn honours_retry_after_http_date() {
    let sleeper = Arc::new(RecordingSleeper::default());
    let clock = ManualClock::new(time::macros::datetime!(2015-10-21 07:28:00 UTC));
    let builder = builder(&sleeper).with_clock(Arc::new(clock));
    retry_after_then_ok("Wed, 21 Oct 2015 07:28:20 GMT", builder).await;
    assert_eq!(sleeper.delays(), vec![Duration::from_secs(20)]);
}

#[tokio::test]
async fn clamps_retry_after_to_the_configured_cap() {
    let sleeper = Arc::new(RecordingSleeper::default());
    let retry = RetryConfig::default()
        .with_seed(1)
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_retry_after(Duration::from_secs(30));
    // The total timeout (default 30 s) must leave room for the clamped delay.
    let builder = builder(&sleeper)
        .with_retry(retry)
        .with_total_timeout(Duration::from_secs(120));
    retry_after_then_ok("3600", builder).await;
    assert_eq!(sleeper.delays(), vec![Duration::from_secs(30)]);
}

async fn always(status: u16, times: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api"))
        .respond_with(ResponseTemplate::new(status))
        .expect(times)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn gives_up_after_max_attempts_reporting_attempts_and_elapsed() {
    let server = always(503, 3).await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let retry = RetryConfig::default()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(10));
    let transport = builder(&sleeper).with_retry(retry).build().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));

    let err = transport
        .execute(
            &describe(),
            post_api(&server.uri(), &seen),
            &StatusClassifier,
        )
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Transient);
    assert_eq!(err.http_status(), Some(503));
    assert_eq!(err.attempts(), Some(3));
    assert!(err.elapsed().is_some());
    assert!(err.to_string().contains("[after 3 attempts in "), "{err}");
    assert_eq!(*seen.lock().unwrap(), vec![1, 2, 3]);
    assert_eq!(sleeper.delays().len(), 2);
}

#[tokio::test]
async fn gives_up_when_the_provider_retry_budget_is_exhausted() {
    // 10 tokens = two retries at 5 each, shared by every call to the provider.
    let server = always(503, 4).await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let retry = RetryConfig::default()
        .with_max_attempts(10)
        .with_initial_backoff(Duration::from_millis(1))
        .with_retry_budget(Some(10));
    let transport = builder(&sleeper).with_retry(retry).build().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));

    let first = transport
        .execute(
            &describe(),
            post_api(&server.uri(), &seen),
            &StatusClassifier,
        )
        .await
        .unwrap_err();
    assert_eq!(first.attempts(), Some(3));
    assert!(first.message().contains("retry budget"), "{first}");

    let second = transport
        .execute(
            &describe(),
            post_api(&server.uri(), &seen),
            &StatusClassifier,
        )
        .await
        .unwrap_err();
    assert_eq!(second.attempts(), Some(1));
    assert_eq!(second.kind(), ErrorKind::Transient);
}

#[tokio::test]
async fn gives_up_when_the_next_attempt_would_pass_the_total_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "10"))
        .expect(1)
        .mount(&server)
        .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let transport = builder(&sleeper)
        .with_total_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));

    let err = transport
        .execute(
            &describe(),
            post_api(&server.uri(), &seen),
            &StatusClassifier,
        )
        .await
        .unwrap_err();

    assert_eq!(err.attempts(), Some(1));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(10)));
    assert!(err.message().contains("total timeout"), "{err}");
    assert!(sleeper.delays().is_empty());
}

async fn slow_server(times: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .expect(times)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn timeout_is_transient_and_retried_for_idempotent_calls() {
    let server = slow_server(2).await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let transport = builder(&sleeper)
        .with_request_timeout(Duration::from_millis(200))
        .with_retry(RetryConfig::default().with_max_attempts(2).with_seed(1))
        .build()
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));

    let err = transport
        .execute(
            &describe(),
            post_api(&server.uri(), &seen),
            &StatusClassifier,
        )
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Transient);
    assert!(err.message().contains("timed out"), "{err}");
    assert_eq!(err.attempts(), Some(2));
    assert_eq!(*seen.lock().unwrap(), vec![1, 2]);
}

#[tokio::test]
async fn timeout_of_a_call_that_changes_state_is_not_retried() {
    let server = slow_server(1).await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let transport = builder(&sleeper)
        .with_request_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let call = CallInfo::new(ProviderKind::Tencent, "cfw:CreateBlockIgnoreRule");

    let err = transport
        .execute(&call, post_api(&server.uri(), &seen), &StatusClassifier)
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Transient);
    assert!(err.message().contains("timed out"), "{err}");
    assert!(err.message().contains("not idempotent"), "{err}");
    assert_eq!(err.attempts(), Some(1));
}

#[tokio::test]
async fn connection_refused_is_transient_and_retried_even_for_calls_that_change_state() {
    // Nothing listens on a port we bound and released: every connect is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sleeper = Arc::new(RecordingSleeper::default());
    let transport = builder(&sleeper)
        .with_retry(RetryConfig::default().with_max_attempts(3).with_seed(2))
        .build()
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let call = CallInfo::new(ProviderKind::Aws, "ec2:CreateTags");

    let err = transport
        .execute(
            &call,
            post_api(&format!("http://127.0.0.1:{port}"), &seen),
            &StatusClassifier,
        )
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Transient);
    assert!(err.message().contains("could not connect"), "{err}");
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(err.attempts(), Some(3));
    assert_eq!(*seen.lock().unwrap(), vec![1, 2, 3]);
}

#[tokio::test]
async fn seeded_backoff_is_reproducible_and_grows() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let server = always(503, 4).await;
        let sleeper = Arc::new(RecordingSleeper::default());
        let transport = builder(&sleeper).build().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        transport
            .execute(
                &describe(),
                post_api(&server.uri(), &seen),
                &StatusClassifier,
            )
            .await
            .unwrap_err();
        runs.push(sleeper.delays());
    }
    assert_eq!(runs[0], runs[1]);
    let ceilings_ms = [10, 20, 40];
    assert_eq!(runs[0].len(), ceilings_ms.len());
    for (delay, ceiling) in runs[0].iter().zip(ceilings_ms) {
        let ceiling = Duration::from_millis(ceiling);
        assert!(
            *delay >= ceiling / 2 && *delay <= ceiling,
            "{delay:?} vs {ceiling:?}"
        );
    }
}

#[test]
fn execute_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let transport = Transport::builder().build().unwrap();
    let call = describe();
    let fut = transport.execute(&call, |_| Err(Error::config("unused")), &StatusClassifier);
    assert_send(&fut);
}

#[tokio::test]
async fn https_to_a_plain_http_server_is_a_config_error_sent_once() {
    // A wiremock server speaks plain HTTP: an https:// request fails its TLS handshake.
    let server = MockServer::start().await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let transport = builder(&sleeper).build().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let https = server.uri().replace("http://", "https://");

    let err = transport
        .execute(&describe(), post_api(&https, &seen), &StatusClassifier)
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert!(!err.is_retryable());
    assert_eq!(*seen.lock().unwrap(), vec![1], "not retried");
    assert!(sleeper.delays().is_empty());
    let text = err.to_string();
    assert!(text.contains("TLS handshake"), "{text}");
    assert!(text.contains("use http://"), "{text}");
}

#[tokio::test]
async fn a_silent_server_ends_the_call_at_the_total_timeout() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let transport = Transport::builder()
        .with_request_timeout(Duration::from_millis(300))
        .with_total_timeout(Duration::from_millis(700))
        .with_retry(
            RetryConfig::default()
                .with_seed(3)
                .with_initial_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let started = std::time::Instant::now();

    let err = transport
        .execute(&describe(), post_api(&base, &seen), &StatusClassifier)
        .await
        .unwrap_err();

    let took = started.elapsed();
    held.abort();
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert!(err.message().contains("timed out"), "{err}");
    // Three attempts fit in 700 ms (300 + 300 + the 100 ms left), the fourth does not.
    assert_eq!(err.attempts(), Some(3), "{err}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert!(
        err.to_string()
            .contains("to fix: check that the endpoint is up"),
        "{err}"
    );
}

#[test]
fn default_timeouts_surface_a_dead_endpoint_within_thirty_seconds() {
    let t = multicloud_core::transport::Timeouts::default();
    assert!(t.request < t.total, "{t:?}");
    assert!(t.total <= Duration::from_secs(30), "{t:?}");
    assert!(t.connect <= Duration::from_secs(5), "{t:?}");
}

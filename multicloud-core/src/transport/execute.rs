//! The attempt loop: admit, build, send, classify, and decide whether to retry.

use std::time::Duration;

use bytes::Bytes;
use http::Uri;
use tokio::time::Instant;
use tracing::field::Empty;
use tracing::Instrument;

use super::backoff::Backoff;
use super::body::{read_capped, ReadError};
use super::call::CallInfo;
use super::classify::{request_id, ResponseClassifier};
use super::client::Transport;
use super::loopback::{check_plain_http, is_loopback};
use super::redact::mark_sensitive_headers;
use super::response::HttpResponse;
use super::retry::{parse_retry_after, RetryConfig};
use crate::error::{Error, ErrorKind, Result};

/// One failed attempt, with what the retry decision needs beyond the error.
struct Failure {
    error: Error,
    /// The request certainly had no effect (the server answered, or we never connected),
    /// so even a non-idempotent call may be sent again.
    replay_safe: bool,
    timed_out: bool,
}

impl Failure {
    fn fatal(error: Error) -> Self {
        Failure {
            error,
            replay_safe: true,
            timed_out: false,
        }
    }
}

impl Transport {
    /// Sends a call, retrying it as [`RetryConfig`] allows, and returns the first response the
    /// classifier accepts.
    ///
    /// - `make_request(attempt)` builds and signs the request for attempt `1, 2, …`. It runs
    ///   once per attempt, after the concurrency and rate limits admitted the attempt, so every
    ///   attempt carries a fresh timestamp, nonce and request id. An error from it ends the
    ///   call at once.
    /// - `classifier` turns each response into success or an [`Error`]; see
    ///   [`ResponseClassifier`]. The retry layer retries [retryable](Error::is_retryable)
    ///   errors; a timeout or a connection broken after sending is retried only for
    ///   [idempotent](CallInfo::idempotent) calls.
    ///
    /// Before sending, an endpoint override (if one matches) redirects the request, plain
    /// `http://` to a host other than loopback is refused (unless the builder allowed it),
    /// and credential headers are marked sensitive. Loopback requests never use a proxy. The returned error carries the provider, the
    /// API as its action, the number of attempts and the elapsed time; network errors keep
    /// the underlying error as their source, with its URL removed.
    ///
    /// Tracing: one `multicloud.call` span (provider, api, attempts, status, elapsed_ms) and a
    /// `multicloud.attempt` span per attempt (attempt, host, status). Headers, query strings
    /// and bodies are never recorded.
    pub async fn execute<F>(
        &self,
        call: &CallInfo,
        mut make_request: F,
        classifier: &dyn ResponseClassifier,
    ) -> Result<HttpResponse>
    where
        F: FnMut(u32) -> Result<http::Request<Bytes>> + Send,
    {
        let span = tracing::info_span!(
            "multicloud.call",
            provider = %call.provider,
            api = %call.api,
            attempts = Empty,
            status = Empty,
            elapsed_ms = Empty,
        );
        self.run(call, &mut make_request, classifier)
            .instrument(span)
            .await
    }

    async fn run<F>(
        &self,
        call: &CallInfo,
        make_request: &mut F,
        classifier: &dyn ResponseClassifier,
    ) -> Result<HttpResponse>
    where
        F: FnMut(u32) -> Result<http::Request<Bytes>> + Send,
    {
        let inner = &*self.inner;
        let retry = &inner.retry;
        let mut backoff = Backoff::new(retry.initial_backoff, retry.max_backoff, inner.call_rng());
        let mut started: Option<Instant> = None;
        let mut previous: Option<Error> = None;
        let mut last_retry_cost = 0;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let admission = inner.limiter.admit(call).await;
            let start = *started.get_or_insert_with(Instant::now);
            let remaining = inner.timeouts.total.saturating_sub(start.elapsed());
            if let (true, Some(error)) = (remaining.is_zero(), previous.take()) {
                // Queueing for the limits used up the time left: report the real failure.
                return Err(finish(error, Some(TOTAL_TIMEOUT_NOTE), attempt - 1, start));
            }
            let request = make_request(attempt).map_err(|e| with_call(e, call))?;
            let idempotent = call.idempotent || request.method().is_safe();
            let span =
                tracing::debug_span!("multicloud.attempt", attempt, host = Empty, status = Empty);
            let timeout = inner.timeouts.request.min(remaining);
            let result = self
                .send(call, request, timeout, classifier)
                .instrument(span)
                .await;
            drop(admission);
            let failure = match result {
                Ok(response) => {
                    let refund = match last_retry_cost {
                        0 => RetryConfig::SUCCESS_REFUND,
                        cost => cost,
                    };
                    inner.budget.refund(call.provider, refund);
                    record_call(attempt, Some(response.status.as_u16()), start);
                    return Ok(response);
                }
                Err(failure) => failure,
            };
            if failure.error.kind() == ErrorKind::Throttled {
                // Whether or not this call retries, the key's other callers slow down.
                inner.limiter.on_throttled(call);
            }
            match self.decide(
                call,
                &failure,
                attempt,
                idempotent,
                start.elapsed(),
                &mut backoff,
            ) {
                Ok((delay, cost)) => {
                    tracing::debug!(
                        attempt,
                        kind = %failure.error.kind(),
                        status = failure.error.http_status(),
                        delay_ms = millis(delay),
                        "retrying"
                    );
                    last_retry_cost = cost;
                    previous = Some(failure.error);
                    inner.sleeper.sleep(delay).await;
                }
                Err(note) => {
                    let error = finish(failure.error, note, attempt, start);
                    tracing::debug!(
                        attempts = attempt,
                        kind = %error.kind(),
                        status = error.http_status(),
                        "call failed"
                    );
                    return Err(error);
                }
            }
        }
    }

    /// One attempt: override, check the scheme, mark, send (loopback without a proxy), read
    /// the body (within the size cap), classify.
    async fn send(
        &self,
        call: &CallInfo,
        mut request: http::Request<Bytes>,
        timeout: Duration,
        classifier: &dyn ResponseClassifier,
    ) -> Result<HttpResponse, Failure> {
        let inner = &*self.inner;
        inner
            .overrides
            .apply(call.provider, &mut request)
            .map_err(|e| Failure::fatal(with_call(e, call)))?;
        check_plain_http(request.uri(), inner.insecure_http)
            .map_err(|e| Failure::fatal(with_call(e, call)))?;
        let loopback = is_loopback(request.uri());
        mark_sensitive_headers(request.headers_mut());
        let host = host_of(request.uri());
        tracing::Span::current().record("host", host.as_str());
        let request = reqwest::Request::try_from(request).map_err(|e| {
            let error = Error::config("the request is not valid HTTP").with_source(e.without_url());
            Failure::fatal(with_call(error, call))
        })?;
        let client = inner.client.client(loopback).map_err(Failure::fatal)?;
        let cap = inner.limiter.config().max_response_bytes();
        let exchange = async {
            let response = client.execute(request).await.map_err(ReadError::Network)?;
            read_capped(response, cap, &host).await
        };
        let response = match tokio::time::timeout(timeout, exchange).await {
            Err(_) => {
                let error = Error::new(
                    ErrorKind::Transient,
                    format!(
                        "the request to {host} timed out: no complete answer within {timeout:.1?}"
                    ),
                )
                .with_hint(
                    "check that the endpoint is up and answering; raise the timeouts \
                     (TransportBuilder::with_request_timeout, with_total_timeout) for a slow one",
                );
                return Err(Failure {
                    error: with_call(error, call),
                    replay_safe: false,
                    timed_out: true,
                });
            }
            Ok(Err(ReadError::Network(e))) => return Err(network_failure(e, &host, call)),
            // The same request would get the same body: not retried.
            Ok(Err(ReadError::TooLarge(error))) => {
                return Err(Failure::fatal(with_call(error, call)))
            }
            Ok(Ok(response)) => response,
        };
        tracing::Span::current().record("status", response.status.as_u16());
        match classifier.classify(call, &response) {
            Ok(()) => Ok(response),
            Err(error) => Err(Failure {
                error: with_response(error, call, &response, inner.clock.now()),
                replay_safe: true,
                timed_out: false,
            }),
        }
    }

    /// The delay before the next attempt and its budget cost, or why there is none.
    fn decide(
        &self,
        call: &CallInfo,
        failure: &Failure,
        attempt: u32,
        idempotent: bool,
        elapsed: Duration,
        backoff: &mut Backoff,
    ) -> Result<(Duration, u32), Option<&'static str>> {
        let inner = &*self.inner;
        if !failure.error.is_retryable() {
            return Err(None);
        }
        if !failure.replay_safe && !idempotent {
            return Err(Some(
                "not retried: the call is not idempotent and may have reached the server",
            ));
        }
        if attempt >= inner.retry.max_attempts {
            return Err(None);
        }
        let mut delay = backoff.next_delay();
        if let Some(asked) = failure.error.retry_after() {
            delay = delay.max(asked.min(inner.retry.max_retry_after));
        }
        if elapsed + delay >= inner.timeouts.total {
            return Err(Some(TOTAL_TIMEOUT_NOTE));
        }
        let cost = if failure.timed_out {
            RetryConfig::TIMEOUT_RETRY_COST
        } else {
            RetryConfig::RETRY_COST
        };
        if !inner.budget.try_withdraw(call.provider, cost) {
            return Err(Some(
                "not retried: the retry budget for this provider is exhausted",
            ));
        }
        Ok((delay, cost))
    }
}

const TOTAL_TIMEOUT_NOTE: &str = "not retried: the total timeout would be exceeded";

/// Maps a reqwest failure to a `Transient` error without the URL (its query may be signed).
fn network_failure(e: reqwest::Error, host: &str, call: &CallInfo) -> Failure {
    if e.is_connect() && is_tls_failure(&e) {
        // The same handshake fails the same way: a configuration error, not retried.
        let error = Error::config(format!(
            "the TLS handshake with {host} failed: the server does not speak TLS on that port, \
             or its certificate is not trusted"
        ))
        .with_hint(
            "use http:// for a plain-HTTP endpoint (a local simulator or emulator); for a \
             private CA or a TLS-inspecting proxy, add its certificate with \
             TransportBuilder::with_root_certificate_pem",
        )
        .with_source(e.without_url());
        return Failure::fatal(with_call(error, call));
    }
    let (message, replay_safe, timed_out) = if e.is_connect() && e.is_timeout() {
        (format!("timed out connecting to {host}"), true, true)
    } else if e.is_connect() {
        (format!("could not connect to {host}"), true, false)
    } else if e.is_timeout() {
        (format!("the request to {host} timed out"), false, true)
    } else if e.is_body() || e.is_decode() {
        (
            format!("the connection to {host} failed while reading the response"),
            false,
            false,
        )
    } else if e.is_builder() {
        let error = Error::config("the request is not valid HTTP").with_source(e.without_url());
        return Failure::fatal(with_call(error, call));
    } else {
        (
            format!("sending the request to {host} failed"),
            false,
            false,
        )
    };
    let error = Error::new(ErrorKind::Transient, message).with_source(e.without_url());
    Failure {
        error: with_call(error, call),
        replay_safe,
        timed_out,
    }
}

/// Whether a connection failed in its TLS handshake: rustls reports a corrupt or refused
/// handshake (a plain-HTTP server answering, an untrusted certificate) as an I/O error of
/// kind `InvalidData` somewhere in the chain.
fn is_tls_failure(e: &reqwest::Error) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(cause) = next {
        // `io::Error::source` skips the error it wraps, so unwrap nested I/O errors by hand.
        let mut io = cause.downcast_ref::<std::io::Error>();
        while let Some(error) = io {
            if error.kind() == std::io::ErrorKind::InvalidData {
                return true;
            }
            io = error
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<std::io::Error>());
        }
        next = cause.source();
    }
    false
}

/// Fills in the provider and action when the error does not name them already.
fn with_call(mut error: Error, call: &CallInfo) -> Error {
    if error.provider().is_none() {
        error = error.with_provider(call.provider);
    }
    if error.action().is_none() {
        error = error.with_action(call.api.clone());
    }
    error
}

/// Fills in what the response says and the classifier left out.
fn with_response(
    error: Error,
    call: &CallInfo,
    response: &HttpResponse,
    now: time::OffsetDateTime,
) -> Error {
    let mut error = with_call(error, call);
    if error.http_status().is_none() {
        error = error.with_http_status(response.status.as_u16());
    }
    if error.request_id().is_none() {
        if let Some(id) = request_id(&response.headers) {
            error = error.with_request_id(id);
        }
    }
    if error.retry_after().is_none() {
        if let Some(delay) = parse_retry_after(&response.headers, now) {
            error = error.with_retry_after(delay);
        }
    }
    error
}

/// The final error: attempts, elapsed time and, when it is not obvious, why retrying stopped.
fn finish(error: Error, note: Option<&str>, attempts: u32, start: Instant) -> Error {
    let elapsed = start.elapsed();
    record_call(attempts, error.http_status(), start);
    let error = error.with_attempts(attempts).with_elapsed(elapsed);
    match note {
        Some(note) => {
            let message = format!("{}; {note}", error.message());
            error.with_message(message)
        }
        None => error,
    }
}

fn record_call(attempts: u32, status: Option<u16>, start: Instant) {
    let span = tracing::Span::current();
    span.record("attempts", attempts);
    if let Some(status) = status {
        span.record("status", status);
    }
    span.record("elapsed_ms", millis(start.elapsed()));
}

/// `host[:port]` of `uri`, never its user info, path or query.
fn host_of(uri: &Uri) -> String {
    match (uri.host(), uri.port_u16()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => "an unknown host".to_owned(),
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

//! The HTTP transport shared by every provider: one reqwest client, timeouts, retries with
//! backoff, concurrency and rate limits, tracing.
//!
//! reqwest never appears in this API: providers hand [`Transport::execute`] an
//! [`http::Request`] factory and get an [`HttpResponse`] back.
//!
//! # How a provider sends a call
//!
//! 1. Describe the call with a [`CallInfo`]: provider, API as `service:Action`, and whether it
//!    is idempotent ([`CallInfo::read_only`] for list/describe/get calls, even over `POST`).
//! 2. Pass a closure that builds **and signs** the request for attempt `n`. It runs once per
//!    attempt, after the limits admit it, so timestamps and request ids are always fresh.
//! 3. Pass a [`ResponseClassifier`] that maps the provider's error bodies (including `200 OK`
//!    error envelopes) to [`Error`](crate::Error) kinds; [`StatusClassifier`] maps by HTTP
//!    status alone.
//!
//! What happens between attempts is set on the [`TransportBuilder`]: [`Timeouts`] (connect,
//! per attempt, whole call), [`RetryConfig`] (attempts, backoff with jitter, `Retry-After`
//! clamp, per-provider retry budget) and [`LimitConfig`] (concurrency and [`Rate`] per
//! (provider, API) key; a throttled response also drains the key's burst allowance; the cap
//! on response bodies, enforced while reading).
//!
//! # Endpoint overrides (tests and simulators)
//!
//! Signatures cover the `Host` header, so a request must reach a simulator with the host it
//! was signed for. Two ways work:
//!
//! - **Base URL.** The provider client builds its requests from a configurable base URL; the
//!   testkit sets it to the simulator's `http://127.0.0.1:PORT`. The request is then signed
//!   for `127.0.0.1:PORT` and nothing is rewritten. This is the simplest route for provider
//!   tests.
//! - **Override.** [`TransportBuilder::with_endpoint_override`] (per provider) or
//!   [`TransportBuilder::with_host_override`] (per real host, e.g.
//!   `cvm.tencentcloudapi.com`) send requests built for the real host to another origin.
//!   Only scheme and authority change; path and query are kept, and a `Host` header with the
//!   original authority is added if the signer did not set one, so the server sees exactly
//!   the signed host. Use it to point a whole SDK, unchanged, at one simulator or proxy.
//!
//! Either way, plain `http://` reaches loopback hosts only unless
//! [`TransportBuilder::with_insecure_http`] allows more, and loopback requests never go
//! through a proxy; the [`TransportBuilder`] docs list these connection rules, with the
//! trusted certificates.
//!
//! # Secrets
//!
//! Credential headers (`Authorization`, `*-token`, …) are marked sensitive before sending.
//! Spans and events record provider, API, attempt, host, status and timings only: never
//! headers, query strings or bodies. Errors never carry a URL with its query
//! ([`redact_uri`] strips it for providers' own messages), and reqwest errors kept as sources
//! have their URL removed.

pub(crate) mod backoff;
mod body;
mod budget;
mod call;
mod classify;
mod client;
mod endpoint;
mod execute;
mod http_client;
mod limit;
mod loopback;
mod rate;
mod redact;
mod response;
mod retry;
mod sleep;

pub use call::CallInfo;
pub use classify::{
    kind_for_status, request_id, status_error, ResponseClassifier, StatusClassifier,
    REQUEST_ID_HEADERS,
};
pub use client::{Timeouts, Transport, TransportBuilder};
pub use endpoint::check_endpoint_url;
pub use limit::{Limit, LimitConfig, DEFAULT_MAX_PAGES, DEFAULT_MAX_RESPONSE_BYTES};
pub use rate::{Rate, TokenBucket};
pub use redact::redact_uri;
pub use response::HttpResponse;
pub use retry::RetryConfig;
pub use sleep::{Sleeper, TokioSleeper};

//! [`Transport`] and its builder: the shared HTTP client plus retry, limit and override
//! settings.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::budget::RetryBudget;
use super::endpoint::EndpointOverrides;
use super::limit::{LimitConfig, Limiter};
use super::retry::RetryConfig;
use super::sleep::{Sleeper, TokioSleeper};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::model::ProviderKind;

/// The three timeouts of a call, each with a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Establishing a connection (TCP and TLS). Default 10 s.
    pub connect: Duration,
    /// One attempt: from sending the request to the last byte of the body. Default 60 s.
    pub request: Duration,
    /// The whole call, retries and backoff included. The clock starts once the first attempt
    /// is admitted by the concurrency and rate limits, so queueing does not count. No retry
    /// starts past it, and an attempt in flight is cut off at it. Default 300 s.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(60),
            total: Duration::from_secs(300),
        }
    }
}

impl Timeouts {
    fn validate(&self) -> Result<()> {
        if self.connect.is_zero() || self.request.is_zero() || self.total.is_zero() {
            return Err(Error::config("timeouts must be non-zero"));
        }
        Ok(())
    }
}

/// The HTTP transport every provider sends its requests through.
///
/// Cheap to clone (an [`Arc`] inside); clones share limits, the retry budget and the
/// connection pool. Build one with [`TransportBuilder`], then send with
/// [`Transport::execute`].
///
/// ```
/// use std::time::Duration;
/// use bytes::Bytes;
/// use multicloud_core::transport::{CallInfo, RetryConfig, StatusClassifier, Transport};
/// use multicloud_core::ProviderKind;
///
/// # async fn run() -> multicloud_core::Result<()> {
/// let transport = Transport::builder()
///     .with_request_timeout(Duration::from_secs(30))
///     .with_retry(RetryConfig::default().with_max_attempts(5))
///     .build()?;
/// let call = CallInfo::read_only(ProviderKind::Tencent, "cvm:DescribeRegions");
/// let response = transport
///     .execute(
///         &call,
///         |_attempt| {
///             // Build (and sign) a fresh request for every attempt.
///             http::Request::post("https://cvm.tencentcloudapi.com/")
///                 .body(Bytes::from_static(b"{}"))
///                 .map_err(|e| multicloud_core::Error::config(e.to_string()))
///         },
///         &StatusClassifier,
///     )
///     .await?;
/// println!("{} bytes", response.body.len());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Transport {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) client: ClientSource,
    pub(crate) timeouts: Timeouts,
    pub(crate) retry: RetryConfig,
    pub(crate) limiter: Limiter,
    pub(crate) budget: RetryBudget,
    pub(crate) overrides: EndpointOverrides,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) sleeper: Arc<dyn Sleeper>,
    /// Seeds a per-call jitter RNG, so parallel calls draw different delays while a seeded
    /// transport stays reproducible.
    pub(crate) seeds: Mutex<SmallRng>,
}

/// Where a transport gets its reqwest client from.
#[derive(Debug)]
pub(crate) enum ClientSource {
    /// The client shared by every transport on the current tokio runtime.
    Shared,
    /// A client of this transport's own.
    Dedicated(reqwest::Client),
}

impl ClientSource {
    pub(crate) fn client(&self) -> Result<reqwest::Client> {
        match self {
            ClientSource::Shared => shared_client(),
            ClientSource::Dedicated(client) => Ok(client.clone()),
        }
    }
}

impl Inner {
    pub(crate) fn call_rng(&self) -> SmallRng {
        let seed = self.seeds.lock().unwrap_or_else(|p| p.into_inner()).gen();
        SmallRng::seed_from_u64(seed)
    }
}

impl Transport {
    /// A builder with the default settings.
    pub fn builder() -> TransportBuilder {
        TransportBuilder::new()
    }

    /// The timeouts in force.
    pub fn timeouts(&self) -> Timeouts {
        self.inner.timeouts
    }

    /// The retry settings in force.
    pub fn retry_config(&self) -> &RetryConfig {
        &self.inner.retry
    }

    /// The concurrency and rate limits in force.
    pub fn limits(&self) -> &LimitConfig {
        self.inner.limiter.config()
    }
}

/// Builds a [`Transport`]: `TransportBuilder::new().with_*(..).build()`.
///
/// By default every transport shares one `reqwest` client (rustls, one connection pool) per
/// tokio runtime, and a process normally runs one runtime. Sharing stops at the runtime
/// because a pooled connection is driven by a task of the runtime that opened it: handed to
/// another runtime after the first one is gone (as happens between `#[tokio::test]`s), it
/// would fail with "dispatch task is gone". A transport gets a client of its own when its
/// connect timeout differs from the default or
/// [`with_dedicated_client`](Self::with_dedicated_client) asks for one.
#[derive(Debug, Clone)]
pub struct TransportBuilder {
    timeouts: Timeouts,
    retry: RetryConfig,
    limits: LimitConfig,
    provider_overrides: Vec<(ProviderKind, String)>,
    host_overrides: Vec<(String, String)>,
    dedicated_client: bool,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
}

impl Default for TransportBuilder {
    fn default() -> Self {
        TransportBuilder::new()
    }
}

impl TransportBuilder {
    /// Default timeouts, retries and limits; no overrides.
    pub fn new() -> Self {
        TransportBuilder {
            timeouts: Timeouts::default(),
            retry: RetryConfig::default(),
            limits: LimitConfig::default(),
            provider_overrides: Vec::new(),
            host_overrides: Vec::new(),
            dedicated_client: false,
            clock: Arc::new(SystemClock),
            sleeper: Arc::new(TokioSleeper),
        }
    }

    /// Sets all three timeouts.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Sets the connect timeout (a non-default value gives the transport its own client).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.connect = timeout;
        self
    }

    /// Sets the per-attempt timeout.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.request = timeout;
        self
    }

    /// Sets the whole-call timeout, retries included.
    pub fn with_total_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.total = timeout;
        self
    }

    /// Sets the retry behaviour ([`RetryConfig::disabled`] for none).
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the concurrency and rate limits.
    pub fn with_limits(mut self, limits: LimitConfig) -> Self {
        self.limits = limits;
        self
    }

    /// Sends every request of `provider` to `url` (`scheme://host[:port]`) instead of the
    /// host it was built for. Path and query are kept, and the `Host` header keeps the
    /// original host, which is what the request was signed for.
    pub fn with_endpoint_override(
        mut self,
        provider: ProviderKind,
        url: impl Into<String>,
    ) -> Self {
        self.provider_overrides.push((provider, url.into()));
        self
    }

    /// Sends every request built for `host` (e.g. `cvm.tencentcloudapi.com`) to `url`, like
    /// [`with_endpoint_override`](Self::with_endpoint_override); a host override wins over a
    /// provider override.
    pub fn with_host_override(mut self, host: impl Into<String>, url: impl Into<String>) -> Self {
        self.host_overrides.push((host.into(), url.into()));
        self
    }

    /// Gives the transport its own `reqwest` client and connection pool instead of the
    /// runtime-wide one. Its pooled connections belong to the runtime that opened them, so
    /// use such a transport from one runtime only.
    pub fn with_dedicated_client(mut self, dedicated: bool) -> Self {
        self.dedicated_client = dedicated;
        self
    }

    /// Sets the clock used to read `Retry-After` dates (default: [`SystemClock`]).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sets what the retry layer sleeps with (default: [`TokioSleeper`]).
    pub fn with_sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Validates the settings and builds the transport.
    ///
    /// Fails with [`Config`](crate::ErrorKind::Config) on a zero timeout or attempt count,
    /// an invalid limit or override URL, or when the HTTP client cannot be set up.
    pub fn build(self) -> Result<Transport> {
        self.timeouts.validate()?;
        self.retry.validate()?;
        self.limits.validate()?;
        let mut overrides = EndpointOverrides::default();
        for (provider, url) in &self.provider_overrides {
            overrides.add_provider(*provider, url)?;
        }
        for (host, url) in &self.host_overrides {
            overrides.add_host(host, url)?;
        }
        let client =
            if self.dedicated_client || self.timeouts.connect != Timeouts::default().connect {
                ClientSource::Dedicated(new_client(self.timeouts.connect)?)
            } else {
                // Set the shared client up now, so a TLS setup failure surfaces at build time.
                shared_client()?;
                ClientSource::Shared
            };
        let seeds = match self.retry.seed {
            Some(seed) => SmallRng::seed_from_u64(seed),
            None => SmallRng::from_entropy(),
        };
        Ok(Transport {
            inner: Arc::new(Inner {
                client,
                timeouts: self.timeouts,
                budget: RetryBudget::new(self.retry.retry_budget),
                retry: self.retry,
                limiter: Limiter::new(self.limits),
                overrides,
                clock: self.clock,
                sleeper: self.sleeper,
                seeds: Mutex::new(seeds),
            }),
        })
    }
}

/// The client shared on the current tokio runtime (or outside any runtime), built on first
/// use with the default connect timeout.
fn shared_client() -> Result<reqwest::Client> {
    type Clients = Mutex<HashMap<Option<tokio::runtime::Id>, reqwest::Client>>;
    static SHARED: OnceLock<Clients> = OnceLock::new();
    let runtime = tokio::runtime::Handle::try_current().ok().map(|h| h.id());
    let mut clients = SHARED
        .get_or_init(Clients::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(client) = clients.get(&runtime) {
        return Ok(client.clone());
    }
    // Runtimes that ended leave their client behind; past a few, start afresh. A live runtime
    // that loses its entry just gets a new client on its next call.
    if clients.len() >= MAX_SHARED_CLIENTS {
        clients.clear();
    }
    let client = new_client(Timeouts::default().connect)?;
    clients.insert(runtime, client.clone());
    Ok(client)
}

/// Bound on remembered per-runtime clients (a process normally has one runtime).
const MAX_SHARED_CLIENTS: usize = 8;

fn new_client(connect_timeout: Duration) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .use_rustls_tls()
        .connect_timeout(connect_timeout)
        // A redirect would be re-sent with a signature made for another URL; surface it.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::config("cannot set up the HTTP client").with_source(e.without_url()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_rejects_bad_settings_with_config_errors() {
        let cases = [
            Transport::builder().with_request_timeout(Duration::ZERO),
            Transport::builder().with_retry(RetryConfig::default().with_max_attempts(0)),
            Transport::builder().with_endpoint_override(ProviderKind::Aws, "127.0.0.1"),
            Transport::builder().with_host_override("x.example", "http://h/?q=1"),
        ];
        for builder in cases {
            let err = builder.build().unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Config, "{err}");
        }
    }

    #[test]
    fn defaults_are_documented_values() {
        let t = Transport::builder().build().unwrap();
        assert_eq!(t.timeouts().connect, Duration::from_secs(10));
        assert_eq!(t.timeouts().request, Duration::from_secs(60));
        assert_eq!(t.timeouts().total, Duration::from_secs(300));
        assert_eq!(t.retry_config().max_attempts, 4);
        assert_eq!(t.limits(), &LimitConfig::default());
    }
}

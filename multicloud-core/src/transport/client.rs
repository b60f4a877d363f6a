//! [`Transport`] and its builder: the shared HTTP client plus retry, limit and override
//! settings.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::budget::RetryBudget;
use super::endpoint::EndpointOverrides;
use super::http_client::{ClientOptions, ClientSource};
use super::limit::{LimitConfig, Limiter};
use super::retry::RetryConfig;
use super::sleep::{Sleeper, TokioSleeper};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::model::ProviderKind;

/// The three timeouts of a call, each with a default.
///
/// The defaults surface a dead endpoint (one that accepts connections and never answers)
/// within 30 s: two attempts of at most 20 s, cut off by the 30 s total. Raise them for slow
/// links or large pages, e.g. with [`TransportBuilder::with_total_timeout`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Establishing a connection (TCP and TLS). Default 5 s.
    pub connect: Duration,
    /// One attempt: from sending the request to the last byte of the body. Default 20 s.
    pub request: Duration,
    /// The whole call, retries and backoff included. The clock starts once the first attempt
    /// is admitted by the concurrency and rate limits, so queueing does not count. No retry
    /// starts past it, and an attempt in flight is cut off at it. Default 30 s.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(20),
            total: Duration::from_secs(30),
        }
    }
}

impl Timeouts {
    /// A set of the three timeouts: connect, one attempt, and the whole call.
    pub fn new(connect: Duration, request: Duration, total: Duration) -> Self {
        Timeouts {
            connect,
            request,
            total,
        }
    }

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
    /// Whether plain `http://` may go to hosts other than loopback.
    pub(crate) insecure_http: bool,
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

    /// The page cap of the listing `action` in `region` (`None`: account-wide), at this
    /// transport's [`LimitConfig::max_pages`].
    pub fn page_cap(&self, action: &str, region: Option<&str>) -> crate::pagination::PageCap {
        let listing = match region {
            Some(r) => format!("{action} in {r}"),
            None => action.to_owned(),
        };
        crate::pagination::PageCap::new(listing, self.limits().max_pages())
    }

    /// The transport a provider builder ends up with: `given` as it is, or one built from
    /// `timeouts`, `retry` and `limits` (defaults where unset), with `cloud_limits` adding
    /// the cloud's own per-API limits. Setting those beside `given` is a `Config` error: a
    /// given transport would silently ignore them.
    pub fn for_provider(
        given: Option<Transport>,
        timeouts: Option<Timeouts>,
        retry: Option<RetryConfig>,
        limits: Option<LimitConfig>,
        clock: Arc<dyn Clock>,
        cloud_limits: impl FnOnce(LimitConfig) -> LimitConfig,
    ) -> Result<Transport> {
        match given {
            Some(transport) => {
                if timeouts.is_some() || retry.is_some() || limits.is_some() {
                    return Err(Error::config(
                        "with_transport cannot be combined with with_timeouts, with_retry or with_limits",
                    ));
                }
                Ok(transport)
            }
            None => Transport::builder()
                .with_timeouts(timeouts.unwrap_or_default())
                .with_retry(retry.unwrap_or_default())
                .with_limits(cloud_limits(limits.unwrap_or_default()))
                .with_clock(clock)
                .build(),
        }
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
/// connect timeout, proxy or trusted certificates differ from the defaults, or
/// [`with_dedicated_client`](Self::with_dedicated_client) asks for one.
///
/// # Connection rules
///
/// - **TLS trust.** Servers are checked against the Mozilla root certificates built into the
///   SDK; [`with_system_trust_store`](Self::with_system_trust_store) adds the operating
///   system's store and [`with_root_certificate_pem`](Self::with_root_certificate_pem) adds
///   CA certificates of your own (a TLS-inspecting proxy, a private cloud).
/// - **Plain HTTP.** Requests carry signatures and session tokens in their headers, so
///   `http://` goes to loopback hosts only (127.0.0.0/8, `::1`, `localhost`: the
///   simulators, local emulators), unless
///   [`with_insecure_http(true)`](Self::with_insecure_http). Any other `http://` request,
///   and an `http://` override to such a host, is a [`Config`](crate::ErrorKind::Config)
///   error before anything is sent.
/// - **Proxies.** Requests to loopback hosts never use a proxy. Others use the one set with
///   [`with_proxy`](Self::with_proxy), or else the system's (`HTTPS_PROXY`, `HTTP_PROXY`,
///   `ALL_PROXY`, honouring `NO_PROXY`).
#[derive(Debug, Clone)]
pub struct TransportBuilder {
    timeouts: Timeouts,
    retry: RetryConfig,
    limits: LimitConfig,
    provider_overrides: Vec<(ProviderKind, String)>,
    host_overrides: Vec<(String, String)>,
    dedicated_client: bool,
    client_options: ClientOptions,
    insecure_http: bool,
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
            client_options: ClientOptions::default(),
            insecure_http: false,
            clock: Arc::new(SystemClock),
            sleeper: Arc::new(TokioSleeper),
        }
    }

    /// Sets all three timeouts ([`Timeouts::new`] builds a set).
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

    /// Allows plain `http://` to hosts other than loopback (default: refused). Only for a
    /// trusted network: signatures and session tokens then travel in clear text.
    pub fn with_insecure_http(mut self, allowed: bool) -> Self {
        self.insecure_http = allowed;
        self
    }

    /// Sends requests to hosts other than loopback through the proxy at `url`
    /// (`http://host:port`, optionally with `user:password@`) instead of the system's.
    /// Loopback requests never use a proxy.
    pub fn with_proxy(mut self, url: impl Into<String>) -> Self {
        self.client_options.proxy = Some(url.into());
        self
    }

    /// Trusts the CA certificates of a PEM bundle (one or more `BEGIN CERTIFICATE`
    /// blocks) besides the built-in roots; call again to add more bundles.
    pub fn with_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.client_options.extra_roots.push(pem.as_ref().to_vec());
        self
    }

    /// Trusts the operating system's certificate store too (default: only the built-in
    /// Mozilla roots and any [added](Self::with_root_certificate_pem) certificates). On
    /// Linux the store is read from the usual bundle files, or from `SSL_CERT_FILE` /
    /// `SSL_CERT_DIR` when set.
    pub fn with_system_trust_store(mut self, enabled: bool) -> Self {
        self.client_options.system_roots = enabled;
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
    /// an invalid limit, override URL, proxy URL or certificate, a plain `http://` override
    /// to a host other than loopback (unless allowed), or when the HTTP client cannot be set
    /// up.
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
        overrides.check_plain_http(self.insecure_http)?;
        let options = ClientOptions {
            connect_timeout: self.timeouts.connect,
            ..self.client_options
        };
        let client = ClientSource::new(&options, self.dedicated_client)?;
        let seeds = match self.retry.seed {
            Some(seed) => SmallRng::seed_from_u64(seed),
            None => SmallRng::from_entropy(),
        };
        Ok(Transport {
            inner: Arc::new(Inner {
                client,
                insecure_http: self.insecure_http,
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
            Transport::builder().with_endpoint_override(ProviderKind::Aws, "http://10.1.2.3:80"),
            Transport::builder().with_host_override("x.example", "http://sim.example"),
            Transport::builder().with_proxy("::"),
            Transport::builder().with_root_certificate_pem("no certificate here"),
        ];
        for builder in cases {
            let err = builder.build().unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Config, "{err}");
        }
    }

    #[test]
    fn plain_http_overrides_off_loopback_build_only_when_allowed() {
        let off_loopback = || {
            Transport::builder()
                .with_endpoint_override(ProviderKind::Aws, "http://10.1.2.3:8080")
                .with_host_override("x.example", "http://sim.internal")
        };
        let err = off_loopback().build().unwrap_err();
        assert!(err.message().contains("with_insecure_http(true)"), "{err}");
        assert!(off_loopback().with_insecure_http(true).build().is_ok());
        let local = Transport::builder()
            .with_endpoint_override(ProviderKind::Aws, "http://127.0.0.1:1")
            .with_host_override("x.example", "http://localhost:2")
            .with_host_override("y.example", "http://[::1]:3")
            .with_host_override("z.example", "https://sim.internal");
        assert!(local.build().is_ok());
    }

    #[test]
    fn defaults_are_documented_values() {
        let t = Transport::builder().build().unwrap();
        assert_eq!(t.timeouts().connect, Duration::from_secs(5));
        assert_eq!(t.timeouts().request, Duration::from_secs(20));
        assert_eq!(t.timeouts().total, Duration::from_secs(30));
        assert_eq!(t.retry_config().max_attempts, 4);
        assert_eq!(t.limits(), &LimitConfig::default());
    }
}

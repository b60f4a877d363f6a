//! Concurrency and rate limits keyed by (provider, API).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::call::CallInfo;
use super::rate::{Rate, TokenBucket};
use crate::error::{Error, Result};
use crate::model::ProviderKind;
pub use crate::pagination::DEFAULT_MAX_PAGES;

/// The limits on one (provider, API) key: how many calls may be in flight at once, and how
/// fast new ones may start.
///
/// The default allows 16 concurrent calls and sets no rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limit {
    /// Most calls in flight at once; `None` for no limit.
    pub max_concurrency: Option<usize>,
    /// Fastest rate at which calls start; `None` for no limit.
    pub rate: Option<Rate>,
}

impl Limit {
    /// No concurrency limit and no rate limit.
    pub fn unlimited() -> Self {
        Limit {
            max_concurrency: None,
            rate: None,
        }
    }

    /// Allows at most `max` calls in flight at once.
    pub fn with_max_concurrency(mut self, max: usize) -> Self {
        self.max_concurrency = Some(max);
        self
    }

    /// Starts calls no faster than `rate`.
    pub fn with_rate(mut self, rate: Rate) -> Self {
        self.rate = Some(rate);
        self
    }

    fn validate(&self, key: &str) -> Result<()> {
        if let Some(max) = self.max_concurrency {
            if max == 0 || max > Semaphore::MAX_PERMITS {
                return Err(Error::config(format!(
                    "max_concurrency for {key} must be between 1 and {}",
                    Semaphore::MAX_PERMITS
                )));
            }
        }
        match self.rate {
            Some(rate) => rate
                .validate()
                .map_err(|e| Error::config(format!("{} (for {key})", e.message()))),
            None => Ok(()),
        }
    }
}

impl Default for Limit {
    fn default() -> Self {
        Limit::unlimited().with_max_concurrency(16)
    }
}

/// Which [`Limit`] applies to each (provider, API) key, the largest response body the
/// transport reads, and the most pages one listing may take.
///
/// The most specific entry applies, whole: a per-API limit, else the provider's, else the
/// default. Each key gets its own semaphore and token bucket, so a slow or throttled API
/// never holds up another.
///
/// A response body larger than [`max_response_bytes`](Self::max_response_bytes) (default
/// [`DEFAULT_MAX_RESPONSE_BYTES`], 32 MiB) fails the call with a
/// [`Decode`](crate::ErrorKind::Decode) error: a `Content-Length` above it is refused before
/// the body is read, and a body without one stops being read at the cap, so a runaway or
/// hostile server never makes the SDK buffer more than the cap per call.
///
/// A listing that reaches [`max_pages`](Self::max_pages) (default [`DEFAULT_MAX_PAGES`],
/// 10,000) ends with a [`PageLimit`](crate::ErrorKind::PageLimit) error, and so does an
/// offset-paged listing whose reported total needs more pages than that: a server handing
/// out fresh page tokens forever stops after the cap instead of paging without end.
///
/// ```
/// use multicloud_core::transport::{Limit, LimitConfig, Rate};
/// use multicloud_core::ProviderKind;
///
/// let limits = LimitConfig::new()
///     .with_provider(ProviderKind::Huawei, Limit::default().with_rate(Rate::per_second(20)))
///     .with_api(
///         ProviderKind::Tencent,
///         "cvm:DescribeInstances",
///         Limit::default().with_rate(Rate::per_second(40)),
///     );
/// let cvm = limits.limit_for(ProviderKind::Tencent, "cvm:DescribeInstances");
/// assert_eq!(cvm.rate, Some(Rate::per_second(40)));
/// assert_eq!(limits.limit_for(ProviderKind::Tencent, "cvm:DescribeRegions").rate, None);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LimitConfig {
    default: Limit,
    providers: HashMap<ProviderKind, Limit>,
    apis: HashMap<ProviderKind, HashMap<String, Limit>>,
    max_response_bytes: u64,
    max_pages: u64,
}

/// The default cap on a response body: 32 MiB.
///
/// The largest real pages are far smaller: an EC2 `DescribeInstances` page of 1,000
/// instances is a few MiB of XML, a Tencent page of 100 instances a few hundred KiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

impl Default for LimitConfig {
    fn default() -> Self {
        LimitConfig {
            default: Limit::default(),
            providers: HashMap::new(),
            apis: HashMap::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }
}

impl LimitConfig {
    /// The default limits: [`Limit::default`] for every key, responses up to
    /// [`DEFAULT_MAX_RESPONSE_BYTES`].
    pub fn new() -> Self {
        LimitConfig::default()
    }

    /// No concurrency or rate limits, unless overrides are added. The response size cap stays
    /// at its default: it bounds memory, not load.
    pub fn unlimited() -> Self {
        LimitConfig::new().with_default(Limit::unlimited())
    }

    /// Sets the limit for keys without a provider or API entry.
    pub fn with_default(mut self, limit: Limit) -> Self {
        self.default = limit;
        self
    }

    /// Sets the limit for every API of `provider` without its own entry.
    pub fn with_provider(mut self, provider: ProviderKind, limit: Limit) -> Self {
        self.providers.insert(provider, limit);
        self
    }

    /// Sets the limit for one API (`service:Action`, as in [`CallInfo::api`]).
    pub fn with_api(
        mut self,
        provider: ProviderKind,
        api: impl Into<String>,
        limit: Limit,
    ) -> Self {
        self.apis
            .entry(provider)
            .or_default()
            .insert(api.into(), limit);
        self
    }

    /// Sets the limit for one API unless it already has an entry of its own. Providers add
    /// their documented per-API limits this way, so an entry the user set for the same API
    /// wins.
    pub fn with_api_if_unset(
        mut self,
        provider: ProviderKind,
        api: impl Into<String>,
        limit: Limit,
    ) -> Self {
        self.apis
            .entry(provider)
            .or_default()
            .entry(api.into())
            .or_insert(limit);
        self
    }

    /// Sets the largest response body read, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`]); a larger one fails its call with a
    /// [`Decode`](crate::ErrorKind::Decode) error. Must be at least 1.
    pub fn with_max_response_bytes(mut self, max: u64) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// The largest response body read, in bytes.
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
    }

    /// Sets the most pages one listing may fetch (default [`DEFAULT_MAX_PAGES`]); a listing
    /// that needs more ends with a [`PageLimit`](crate::ErrorKind::PageLimit) error naming
    /// it. Must be at least 1.
    pub fn with_max_pages(mut self, max: u64) -> Self {
        self.max_pages = max;
        self
    }

    /// The most pages one listing may fetch.
    pub fn max_pages(&self) -> u64 {
        self.max_pages
    }

    /// The limit that applies to `(provider, api)`.
    pub fn limit_for(&self, provider: ProviderKind, api: &str) -> Limit {
        self.apis
            .get(&provider)
            .and_then(|apis| apis.get(api))
            .or_else(|| self.providers.get(&provider))
            .copied()
            .unwrap_or(self.default)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.max_response_bytes == 0 {
            return Err(Error::config("max_response_bytes must be at least 1"));
        }
        if self.max_pages == 0 {
            return Err(Error::config("max_pages must be at least 1"));
        }
        self.default.validate("the default limit")?;
        for (provider, limit) in &self.providers {
            limit.validate(provider.as_str())?;
        }
        for (provider, apis) in &self.apis {
            for (api, limit) in apis {
                limit.validate(&format!("{provider} {api}"))?;
            }
        }
        Ok(())
    }
}

/// The live semaphores and buckets, created on first use of each key.
#[derive(Debug)]
pub(crate) struct Limiter {
    config: LimitConfig,
    keys: Mutex<HashMap<ProviderKind, HashMap<String, Arc<KeyLimits>>>>,
}

#[derive(Debug)]
struct KeyLimits {
    semaphore: Option<Arc<Semaphore>>,
    bucket: Option<TokenBucket>,
}

/// Holds a concurrency slot until dropped.
#[derive(Debug)]
pub(crate) struct Admission {
    _permit: Option<OwnedSemaphorePermit>,
}

impl Limiter {
    /// A limiter for a validated config.
    pub(crate) fn new(config: LimitConfig) -> Self {
        Limiter {
            config,
            keys: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn config(&self) -> &LimitConfig {
        &self.config
    }

    /// Waits for a concurrency slot, then for a rate token.
    ///
    /// The slot comes first so that a token is never spent by a call still queued for a slot.
    pub(crate) async fn admit(&self, call: &CallInfo) -> Admission {
        let key = self.key(call);
        let permit = match &key.semaphore {
            // The semaphore is never closed, so acquiring only fails if that changes.
            Some(semaphore) => semaphore.clone().acquire_owned().await.ok(),
            None => None,
        };
        if let Some(bucket) = &key.bucket {
            bucket.acquire().await;
        }
        Admission { _permit: permit }
    }

    /// Feeds a throttled response back: the key loses its burst allowance.
    pub(crate) fn on_throttled(&self, call: &CallInfo) {
        if let Some(bucket) = &self.key(call).bucket {
            bucket.drain();
        }
    }

    fn key(&self, call: &CallInfo) -> Arc<KeyLimits> {
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        let apis = keys.entry(call.provider).or_default();
        if let Some(key) = apis.get(call.api.as_ref()) {
            return key.clone();
        }
        let limit = self.config.limit_for(call.provider, &call.api);
        let key = Arc::new(KeyLimits {
            semaphore: limit.max_concurrency.map(|n| Arc::new(Semaphore::new(n))),
            // Rates were validated when the transport was built.
            bucket: limit.rate.and_then(|rate| TokenBucket::new(rate).ok()),
        });
        apis.insert(call.api.to_string(), key.clone());
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_entry_set_by_the_user_is_not_replaced_by_a_default() {
        let mine = Limit::unlimited().with_rate(Rate::per_second(1));
        let theirs = Limit::unlimited().with_rate(Rate::per_second(40));
        let config = LimitConfig::unlimited()
            .with_api(ProviderKind::Aws, "ec2:DescribeInstances", mine)
            .with_api_if_unset(ProviderKind::Aws, "ec2:DescribeInstances", theirs)
            .with_api_if_unset(ProviderKind::Aws, "ec2:DescribeVpcs", theirs);
        assert_eq!(
            config.limit_for(ProviderKind::Aws, "ec2:DescribeInstances"),
            mine
        );
        assert_eq!(
            config.limit_for(ProviderKind::Aws, "ec2:DescribeVpcs"),
            theirs
        );
    }

    #[test]
    fn most_specific_limit_applies_whole() {
        let provider_limit = Limit::unlimited().with_max_concurrency(4);
        let api_limit = Limit::unlimited().with_rate(Rate::per_second(40));
        let config = LimitConfig::new()
            .with_provider(ProviderKind::Tencent, provider_limit)
            .with_api(ProviderKind::Tencent, "cvm:DescribeInstances", api_limit);
        assert_eq!(
            config.limit_for(ProviderKind::Tencent, "cvm:DescribeInstances"),
            api_limit
        );
        assert_eq!(
            config.limit_for(ProviderKind::Tencent, "cam:GetUser"),
            provider_limit
        );
        assert_eq!(
            config.limit_for(ProviderKind::Aws, "ec2:DescribeInstances"),
            Limit::default()
        );
    }

    #[test]
    fn invalid_limits_are_config_errors_naming_the_key() {
        let zero = LimitConfig::new().with_api(
            ProviderKind::Aws,
            "ec2:DescribeInstances",
            Limit::unlimited().with_max_concurrency(0),
        );
        let err = zero.validate().unwrap_err();
        assert!(err.message().contains("ec2:DescribeInstances"), "{err}");
        let bad_rate = LimitConfig::new().with_provider(
            ProviderKind::Baidu,
            Limit::unlimited().with_rate(Rate::per_second(0)),
        );
        assert!(bad_rate.validate().unwrap_err().message().contains("baidu"));
        assert!(LimitConfig::new().validate().is_ok());
        let zero_cap = LimitConfig::new().with_max_response_bytes(0);
        assert!(zero_cap.validate().is_err());
        let zero_pages = LimitConfig::new().with_max_pages(0);
        assert!(zero_pages
            .validate()
            .unwrap_err()
            .message()
            .contains("max_pages"));
    }

    #[test]
    fn the_response_cap_defaults_to_32_mib_and_survives_unlimited() {
        assert_eq!(LimitConfig::new().max_response_bytes(), 32 << 20);
        assert_eq!(LimitConfig::unlimited().max_response_bytes(), 32 << 20);
        let raised = LimitConfig::unlimited().with_max_response_bytes(64 << 20);
        assert_eq!(raised.max_response_bytes(), 64 << 20);
        assert_eq!(LimitConfig::unlimited().max_pages(), 10_000);
        assert_eq!(LimitConfig::new().with_max_pages(7).max_pages(), 7);
    }
}

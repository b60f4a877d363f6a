//! Retry settings and the `Retry-After` header.

use std::time::Duration;

use http::header::RETRY_AFTER;
use http::HeaderMap;
use time::OffsetDateTime;

use crate::error::{Error, Result};

/// How the transport retries a failed call.
///
/// A call is retried only when its error [is retryable](crate::Error::is_retryable)
/// (throttling, 5xx, connection failures, timeouts of [idempotent](super::CallInfo) calls),
/// and only while all of these hold:
///
/// - fewer than [`max_attempts`](Self::max_attempts) attempts were made;
/// - the next attempt would start within the transport's total timeout
///   ([`Timeouts::total`](super::Timeouts::total));
/// - the provider's shared [retry budget](Self::retry_budget) has tokens left.
///
/// The delay before attempt `n + 1` is exponential backoff with jitter (drawn uniformly from
/// the upper half of `min(max_backoff, initial_backoff * 2^(n-1))`), raised to the server's
/// `Retry-After` when that is longer, clamped to [`max_retry_after`](Self::max_retry_after).
///
/// ```
/// use std::time::Duration;
/// use multicloud_core::transport::RetryConfig;
///
/// let config = RetryConfig::default()
///     .with_max_attempts(6)
///     .with_initial_backoff(Duration::from_millis(500))
///     .with_seed(42); // deterministic jitter, for tests
/// assert_eq!(config.max_attempts, 6);
/// assert_eq!(RetryConfig::disabled().max_attempts, 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Attempts per call, the first included. Default 4; 1 disables retries.
    pub max_attempts: u32,
    /// Ceiling of the first backoff delay. Default 200 ms.
    pub initial_backoff: Duration,
    /// Largest backoff delay. Default 20 s.
    pub max_backoff: Duration,
    /// Largest `Retry-After` the transport honours; longer requests are clamped to this.
    /// Default 20 s, so that a clamped delay still fits in the default total timeout (30 s).
    pub max_retry_after: Duration,
    /// Capacity of the retry budget shared by all calls to one provider, in tokens: a retry
    /// costs [`RETRY_COST`](Self::RETRY_COST) tokens ([`TIMEOUT_RETRY_COST`](Self::TIMEOUT_RETRY_COST)
    /// after a timeout) and a success gives some back. It stops a provider outage from turning
    /// every call into `max_attempts` calls. `None` disables the budget. Default `Some(500)`.
    pub retry_budget: Option<u32>,
    /// Seed of the jitter RNG; `None` (the default) seeds from the OS. Set it in tests so
    /// delays are reproducible.
    pub seed: Option<u64>,
}

impl RetryConfig {
    /// Budget tokens one retry costs.
    pub const RETRY_COST: u32 = 5;
    /// Budget tokens a retry after a timeout costs (timeouts are the costliest failures).
    pub const TIMEOUT_RETRY_COST: u32 = 10;
    /// Budget tokens a call that succeeds at the first attempt gives back; a call that
    /// succeeds on a retry gives back what that retry cost.
    pub const SUCCESS_REFUND: u32 = 1;

    /// No retries: every call makes exactly one attempt.
    pub fn disabled() -> Self {
        RetryConfig {
            max_attempts: 1,
            ..RetryConfig::default()
        }
    }

    /// Sets the attempts per call, the first included.
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Sets the ceiling of the first backoff delay.
    pub fn with_initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// Sets the largest backoff delay.
    pub fn with_max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// Sets the largest `Retry-After` honoured.
    pub fn with_max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// Sets the per-provider retry budget capacity (`None`: unlimited).
    pub fn with_retry_budget(mut self, tokens: Option<u32>) -> Self {
        self.retry_budget = tokens;
        self
    }

    /// Seeds the jitter RNG so delays are reproducible.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.max_attempts == 0 {
            return Err(Error::config(
                "retry max_attempts must be at least 1 (use RetryConfig::disabled() for no retries)",
            ));
        }
        Ok(())
    }
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(20),
            retry_budget: Some(500),
            seed: None,
        }
    }
}

/// The delay a `Retry-After` header asks for: delay-seconds or an HTTP date (all three formats
/// of RFC 9110 §5.6.7), measured from `now`. A date in the past means no delay; an unreadable
/// value is ignored.
pub(crate) fn parse_retry_after(headers: &HeaderMap, now: OffsetDateTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    let date = OffsetDateTime::from(httpdate::parse_http_date(value).ok()?);
    Some(Duration::try_from(date - now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, value.parse().unwrap());
        h
    }

    const NOW: OffsetDateTime = datetime!(2015-10-21 07:28:00 UTC);

    #[test]
    fn seconds_form_is_read() {
        assert_eq!(
            parse_retry_after(&headers("120"), NOW),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after(&headers(" 0 "), NOW),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn http_date_forms_are_measured_from_now() {
        let expected = Some(Duration::from_secs(90));
        for value in [
            "Wed, 21 Oct 2015 07:29:30 GMT",
            "Wednesday, 21-Oct-15 07:29:30 GMT",
            "Wed Oct 21 07:29:30 2015",
        ] {
            assert_eq!(parse_retry_after(&headers(value), NOW), expected, "{value}");
        }
    }

    #[test]
    fn past_dates_mean_no_delay_and_garbage_is_ignored() {
        assert_eq!(
            parse_retry_after(&headers("Wed, 21 Oct 2015 07:00:00 GMT"), NOW),
            Some(Duration::ZERO)
        );
        for value in ["-5", "1.5", "soon", ""] {
            assert_eq!(parse_retry_after(&headers(value), NOW), None, "{value}");
        }
        assert_eq!(parse_retry_after(&HeaderMap::new(), NOW), None);
    }

    #[test]
    fn zero_attempts_is_rejected() {
        assert!(RetryConfig::default()
            .with_max_attempts(0)
            .validate()
            .is_err());
        assert!(RetryConfig::disabled().validate().is_ok());
    }
}

//! Request rates and the token bucket that enforces them.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{Error, Result};

/// A request rate: `count` requests per `period`, with bursts of up to `burst` requests.
///
/// ```
/// use std::time::Duration;
/// use multicloud_core::transport::Rate;
///
/// // Tencent CVM DescribeInstances: 40 requests per second.
/// let cvm = Rate::per_second(40);
/// assert_eq!(cvm.interval(), Duration::from_millis(25));
/// assert_eq!(cvm.burst(), 40);
/// // 600 per minute, but never more than 5 back to back.
/// assert_eq!(Rate::per_minute(600).with_burst(5).burst(), 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    count: u32,
    period: Duration,
    burst: Option<u32>,
}

impl Rate {
    /// `count` requests per `period`. Both must be non-zero (checked when the limit is used).
    pub fn new(count: u32, period: Duration) -> Self {
        Rate {
            count,
            period,
            burst: None,
        }
    }

    /// `count` requests per second.
    pub fn per_second(count: u32) -> Self {
        Rate::new(count, Duration::from_secs(1))
    }

    /// `count` requests per minute.
    pub fn per_minute(count: u32) -> Self {
        Rate::new(count, Duration::from_secs(60))
    }

    /// Allows up to `burst` requests back to back after a quiet spell (default: `count`).
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = Some(burst);
        self
    }

    /// Requests per period.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The period `count` is measured over.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The largest burst.
    pub fn burst(&self) -> u32 {
        self.burst.unwrap_or(self.count)
    }

    /// The steady-state gap between two requests (`period / count`).
    pub fn interval(&self) -> Duration {
        self.period / self.count.max(1)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.count == 0 || self.period.is_zero() || self.burst() == 0 {
            return Err(Error::config(format!(
                "invalid rate limit: {} per {:?} with burst {} (all must be non-zero)",
                self.count,
                self.period,
                self.burst()
            )));
        }
        Ok(())
    }
}

/// A token bucket: admits `burst` acquisitions at once, then one per [`Rate::interval`].
///
/// It runs on [`tokio::time`], so it holds under paused test time. Each acquisition reserves
/// its slot up front (the "generic cell rate" form of the bucket), so waiters are admitted in
/// order and never race for a freed token.
#[derive(Debug)]
pub struct TokenBucket {
    interval: Duration,
    tolerance: Duration,
    /// When the bucket would next be empty at the steady rate ("theoretical arrival time").
    next_free: Mutex<Option<Instant>>,
}

impl TokenBucket {
    /// A full bucket for `rate`; a [`Config`](crate::ErrorKind::Config) error when the rate
    /// has a zero count, period or burst.
    pub fn new(rate: Rate) -> Result<Self> {
        rate.validate()?;
        let interval = rate.interval();
        Ok(TokenBucket {
            interval,
            tolerance: interval.saturating_mul(rate.burst() - 1),
            next_free: Mutex::new(None),
        })
    }

    /// Waits until a token is available and takes it.
    pub async fn acquire(&self) {
        if let Some(at) = self.reserve(Instant::now()) {
            tokio::time::sleep_until(at).await;
        }
    }

    /// Takes a token if one is available now; never waits.
    pub fn try_acquire(&self) -> bool {
        let now = Instant::now();
        let mut next_free = self.lock();
        let t = next_free.map_or(now, |t| t.max(now));
        if t > now + self.tolerance {
            return false;
        }
        *next_free = Some(t + self.interval);
        true
    }

    /// Discards the burst allowance, so callers continue at the steady rate only. The
    /// transport calls this when the provider throttles a call.
    pub fn drain(&self) {
        let now = Instant::now();
        let mut next_free = self.lock();
        let t = next_free.map_or(now, |t| t.max(now));
        *next_free = Some(t.max(now + self.tolerance));
    }

    /// Reserves the next slot; returns when it starts, or `None` when it is now.
    fn reserve(&self, now: Instant) -> Option<Instant> {
        let mut next_free = self.lock();
        let t = next_free.map_or(now, |t| t.max(now));
        *next_free = Some(t + self.interval);
        (t > now + self.tolerance).then(|| t - self.tolerance)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.next_free.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_rates_are_config_errors() {
        assert!(TokenBucket::new(Rate::per_second(0)).is_err());
        assert!(TokenBucket::new(Rate::new(1, Duration::ZERO)).is_err());
        assert!(TokenBucket::new(Rate::per_second(1).with_burst(0)).is_err());
        assert!(TokenBucket::new(Rate::per_second(1)).is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn try_acquire_empties_the_burst_then_refills_one_per_interval() {
        let bucket = TokenBucket::new(Rate::per_second(4)).unwrap();
        assert_eq!((0..10).filter(|_| bucket.try_acquire()).count(), 4);
        tokio::time::advance(Duration::from_millis(250)).await;
        assert!(bucket.try_acquire());
        assert!(!bucket.try_acquire());
    }

    #[tokio::test(start_paused = true)]
    async fn drain_leaves_only_the_steady_rate() {
        let bucket = TokenBucket::new(Rate::per_second(10)).unwrap();
        bucket.drain();
        assert!(bucket.try_acquire());
        assert!(!bucket.try_acquire());
        tokio::time::advance(Duration::from_millis(100)).await;
        assert!(bucket.try_acquire());
    }
}

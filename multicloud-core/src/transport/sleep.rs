//! The sleep the retry layer waits with between attempts, injectable for tests.

use std::fmt;
use std::time::Duration;

use futures::future::BoxFuture;

/// Waits between retry attempts.
///
/// The default, [`TokioSleeper`], uses [`tokio::time::sleep`], which also works under paused
/// test time. Tests can inject a sleeper that records the delays it is asked for and returns
/// at once, to assert exact backoff and `Retry-After` delays against a real server.
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// A future that completes after `delay`.
    fn sleep(&self, delay: Duration) -> BoxFuture<'static, ()>;
}

/// Sleeps on the tokio timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, delay: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(delay))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn tokio_sleeper_follows_paused_time() {
        let start = tokio::time::Instant::now();
        TokioSleeper.sleep(Duration::from_secs(30)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(30));
    }
}

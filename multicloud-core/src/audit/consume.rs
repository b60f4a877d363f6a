//! The loop that drives an [`AuditLogSource`] for a caller's handler: receive, drop repeats,
//! hand over, acknowledge; back off on throttling and outages, stop on anything else.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use futures::FutureExt;
use rand::rngs::SmallRng;
use rand::SeedableRng;
use time::OffsetDateTime;

use super::{AuditEvent, AuditLogSource, RecentIds};
use crate::error::{BoxError, Error};
use crate::transport::backoff::Backoff;
use crate::transport::{Sleeper, TokioSleeper};

/// How many event ids a consumer remembers to drop redeliveries (about 10 MB of ids).
const DEFAULT_RECENT_IDS: usize = 100_000;

/// What one [`AuditConsumer::run`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConsumeSummary {
    /// Events handed to the handler (each once).
    pub delivered: u64,
    /// Redelivered events dropped because the handler already had them.
    pub duplicates: u64,
    /// Events older than the consumer's `since`, acknowledged without being handed over.
    pub skipped: u64,
    /// Batches received (empty ones included).
    pub batches: u64,
    /// Throttled or transient failures waited out.
    pub retries: u64,
}

/// Why [`AuditConsumer::run`] stopped before its stop signal or event limit.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConsumeError {
    /// The source failed in a way retrying cannot fix (a missing queue or topic, a refused
    /// key, a wrong region); the error says which and what to do.
    Source(Error),
    /// The handler refused an event. Events before it were acknowledged; it and the rest of
    /// its batch were not, so they are delivered again on the next run.
    Handler {
        /// The event the handler refused.
        event_id: String,
        /// The handler's error.
        source: BoxError,
    },
}

impl fmt::Display for ConsumeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConsumeError::Source(e) => write!(f, "audit-log source failed: {e}"),
            ConsumeError::Handler { event_id, source } => write!(
                f,
                "the audit handler refused event {event_id}: {source} (it and the rest of its \
                 batch are not acknowledged and come back on the next run)"
            ),
        }
    }
}

impl std::error::Error for ConsumeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConsumeError::Source(e) => Some(e),
            ConsumeError::Handler { source, .. } => Some(source.as_ref()),
        }
    }
}

/// Drives an [`AuditLogSource`]: each event reaches the handler once, in the order received,
/// and is acknowledged only after the handler returned `Ok`.
///
/// ```
/// # use multicloud_core::audit::{AuditConsumer, AuditEvent, AuditLogSource};
/// # async fn tail(source: &dyn AuditLogSource) -> Result<(), Box<dyn std::error::Error>> {
/// let summary = AuditConsumer::new(source)
///     .with_max_events(100)
///     .run(
///         |event: AuditEvent| async move {
///             println!("{} {} {:?}", event.time, event.event_name, event.principal);
///             Ok::<(), std::io::Error>(())
///         },
///         std::future::pending(),
///     )
///     .await?;
/// println!("{} events", summary.delivered);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct AuditConsumer<'a> {
    source: &'a dyn AuditLogSource,
    recent: RecentIds,
    since: Option<OffsetDateTime>,
    max_events: Option<u64>,
    retry_initial: Duration,
    retry_max: Duration,
    idle_pause: Duration,
    sleeper: Arc<dyn Sleeper>,
}

impl<'a> AuditConsumer<'a> {
    /// A consumer of `source`: unlimited, from whatever the source holds, retrying outages
    /// from 1 s up to 60 s apart.
    pub fn new(source: &'a dyn AuditLogSource) -> Self {
        AuditConsumer {
            source,
            recent: RecentIds::new(DEFAULT_RECENT_IDS),
            since: None,
            max_events: None,
            retry_initial: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
            idle_pause: Duration::from_secs(1),
            sleeper: Arc::new(TokioSleeper),
        }
    }

    /// Hands over only events at or after `since`; older ones are acknowledged as read.
    pub fn with_since(mut self, since: OffsetDateTime) -> Self {
        self.since = Some(since);
        self
    }

    /// Stops after handing over `max` events (the rest of that batch stays unacknowledged).
    pub fn with_max_events(mut self, max: u64) -> Self {
        self.max_events = Some(max);
        self
    }

    /// The backoff between retries of a throttled or unavailable source: from `initial`,
    /// doubling, up to `max`.
    pub fn with_retry_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.retry_initial = initial;
        self.retry_max = max.max(initial);
        self
    }

    /// The pause after an empty batch that came back sooner than this, so a source without a
    /// long poll is not asked in a tight loop (default 1 s).
    pub fn with_idle_pause(mut self, pause: Duration) -> Self {
        self.idle_pause = pause;
        self
    }

    /// How many recent event ids are remembered to drop redeliveries (default 100,000).
    pub fn with_recent_ids(mut self, capacity: usize) -> Self {
        self.recent = RecentIds::new(capacity);
        self
    }

    /// The sleeper waits go through (tests inject one that records them).
    pub fn with_sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Receives and hands over events until `stop` completes, the event limit is reached, or
    /// the source or the handler fails for good. `stop` is checked between batches and
    /// between events; an event being handled is always finished and acknowledged.
    pub async fn run<H, Fut, E>(
        &mut self,
        mut handler: H,
        stop: impl Future<Output = ()>,
    ) -> Result<ConsumeSummary, ConsumeError>
    where
        H: FnMut(AuditEvent) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: Into<BoxError>,
    {
        let stop = stop.fuse();
        futures::pin_mut!(stop);
        let mut summary = ConsumeSummary::default();
        let mut backoff = self.backoff();
        while !self.limit_reached(&summary) {
            let asked = Instant::now();
            let received = futures::select_biased! {
                () = stop => return Ok(summary),
                received = self.source.receive().fuse() => received,
            };
            let batch = match received {
                Ok(batch) => batch,
                Err(e) if e.is_retryable() => {
                    summary.retries += 1;
                    let delay = e.retry_after().unwrap_or_else(|| backoff.next_delay());
                    tracing::warn!(kind = %e.kind().as_str(), ?delay, "audit-log source unavailable: {e}; retrying");
                    if self.wait(delay, stop.as_mut()).await {
                        return Ok(summary);
                    }
                    continue;
                }
                Err(e) => return Err(ConsumeError::Source(e)),
            };
            backoff = self.backoff();
            summary.batches += 1;
            if batch.is_empty() {
                let pause = self.idle_pause.saturating_sub(asked.elapsed());
                if !pause.is_zero() && self.wait(pause, stop.as_mut()).await {
                    return Ok(summary);
                }
                continue;
            }
            let mut done = 0;
            let mut failure = None;
            let mut stopped = false;
            for event in &batch {
                if self.limit_reached(&summary) {
                    break;
                }
                if stop.as_mut().now_or_never().is_some() {
                    stopped = true;
                    break;
                }
                if self.since.is_some_and(|since| event.time < since) {
                    summary.skipped += 1;
                } else if self.recent.contains(&event.id) {
                    summary.duplicates += 1;
                } else if let Err(e) = handler(event.clone()).await {
                    failure = Some(ConsumeError::Handler {
                        event_id: event.id.clone(),
                        source: e.into(),
                    });
                    break;
                } else {
                    self.recent.insert(&event.id);
                    summary.delivered += 1;
                }
                done += 1;
            }
            self.acknowledge(&batch[..done], &mut summary).await?;
            if let Some(failure) = failure {
                return Err(failure);
            }
            if stopped {
                return Ok(summary);
            }
        }
        Ok(summary)
    }

    /// Acknowledges `events`, waiting out throttling and outages (the events were handled, so
    /// giving up would only cause redelivery).
    async fn acknowledge(
        &self,
        events: &[AuditEvent],
        summary: &mut ConsumeSummary,
    ) -> Result<(), ConsumeError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut backoff = self.backoff();
        loop {
            match self.source.acknowledge(events).await {
                Ok(()) => return Ok(()),
                Err(e) if e.is_retryable() => {
                    summary.retries += 1;
                    let delay = e.retry_after().unwrap_or_else(|| backoff.next_delay());
                    tracing::warn!(kind = %e.kind().as_str(), ?delay, "acknowledging audit events failed: {e}; retrying");
                    self.sleeper.sleep(delay).await;
                }
                Err(e) => return Err(ConsumeError::Source(e)),
            }
        }
    }

    fn limit_reached(&self, summary: &ConsumeSummary) -> bool {
        self.max_events.is_some_and(|max| summary.delivered >= max)
    }

    fn backoff(&self) -> Backoff {
        Backoff::new(self.retry_initial, self.retry_max, SmallRng::from_entropy())
    }

    /// Sleeps `delay` unless `stop` completes first; `true` when it did.
    async fn wait(
        &self,
        delay: Duration,
        mut stop: std::pin::Pin<&mut futures::future::Fuse<impl Future<Output = ()>>>,
    ) -> bool {
        let sleep = self.sleeper.sleep(delay).fuse();
        futures::pin_mut!(sleep);
        futures::select_biased! {
            () = stop => true,
            () = sleep => false,
        }
    }
}

#[cfg(test)]
#[path = "consume_tests.rs"]
mod tests;

//! What the engine announces while it works, and the stream that delivers it.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt};
use multicloud_core::{CredentialStatus, Error, Region};
use tokio::sync::broadcast;

use crate::diff::Diff;
use crate::item::AccountRef;
use crate::report::SyncStats;

/// One thing that happened in a [`SyncEngine`](crate::SyncEngine).
///
/// A sync round emits `RoundStarted`, then per job (one region × resource kind) `JobStarted`
/// followed by `Synced` or `SyncFailed`, then `RoundFinished`: enough to drive a progress
/// bar. Every event names its account, so events of several engines can be merged.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SyncEvent {
    /// A round began; `jobs` is how many (region, kind) jobs it will run.
    RoundStarted {
        /// The account.
        account: AccountRef,
        /// The names of the features synced in this round.
        features: Vec<String>,
        /// The number of jobs.
        jobs: usize,
    },
    /// A job began listing.
    JobStarted {
        /// The account.
        account: AccountRef,
        /// The region (or [`GLOBAL_REGION`](crate::GLOBAL_REGION)).
        region: String,
        /// The resource kind's id.
        kind: String,
    },
    /// A job listed everything and stored the new snapshot.
    Synced {
        /// The account.
        account: AccountRef,
        /// The region (or [`GLOBAL_REGION`](crate::GLOBAL_REGION)).
        region: String,
        /// The resource kind's id.
        kind: String,
        /// What changed since the previous snapshot.
        diff: Arc<Diff>,
        /// Counts.
        stats: SyncStats,
    },
    /// A job, or the region listing, failed; stored snapshots were left as they were.
    SyncFailed {
        /// The account.
        account: AccountRef,
        /// The region; `None` when listing the regions themselves failed.
        region: Option<String>,
        /// The resource kind's id; `None` when listing the regions failed.
        kind: Option<String>,
        /// What went wrong.
        error: Arc<Error>,
    },
    /// A round ended.
    RoundFinished {
        /// The account.
        account: AccountRef,
        /// Jobs that stored a new snapshot.
        succeeded: usize,
        /// Jobs (and a failed region listing) that did not.
        failed: usize,
    },
    /// A region appeared that was not in earlier listings.
    RegionDiscovered {
        /// The account.
        account: AccountRef,
        /// The region as listed.
        region: Region,
        /// Whether it will be synced (region management on and the region scannable).
        included: bool,
    },
    /// The AccessKey check gave a different answer than the previous one.
    CredentialStatusChanged {
        /// The account.
        account: AccountRef,
        /// The previous status; `None` for the first check.
        from: Option<CredentialStatus>,
        /// The new status.
        to: CredentialStatus,
    },
}

impl SyncEvent {
    /// The account the event is about.
    pub fn account(&self) -> &AccountRef {
        match self {
            SyncEvent::RoundStarted { account, .. }
            | SyncEvent::JobStarted { account, .. }
            | SyncEvent::Synced { account, .. }
            | SyncEvent::SyncFailed { account, .. }
            | SyncEvent::RoundFinished { account, .. }
            | SyncEvent::RegionDiscovered { account, .. }
            | SyncEvent::CredentialStatusChanged { account, .. } => account,
        }
    }
}

/// The engine's events as a [`Stream`]; ends when the engine is dropped.
///
/// Events are broadcast: each stream sees the events sent after it was created. A consumer
/// that falls more than the channel capacity behind skips the oldest events (and a warning
/// is logged) rather than slowing the engine down.
pub struct EventStream {
    inner: BoxStream<'static, SyncEvent>,
}

impl EventStream {
    pub(crate) fn new(rx: broadcast::Receiver<SyncEvent>) -> Self {
        let inner = futures::stream::unfold(rx, |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(event) => return Some((event, rx)),
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "sync event consumer fell behind; events skipped");
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
        .boxed();
        EventStream { inner }
    }
}

impl Stream for EventStream {
    type Item = SyncEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<SyncEvent>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream").finish_non_exhaustive()
    }
}

//! One (region, kind) job: list it whole, check what came back, diff, store; and the signal
//! that stops a round at the first authentication refusal.

use std::sync::Arc;

use futures::stream::{Stream, TryReadyChunksError, TryStreamExt};
use multicloud_core::{Error, Item, Region, ResourceKind, Result};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::diff::Diff;
use crate::engine::Inner;
use crate::inventory::Snapshot;
use crate::inventory::GLOBAL_REGION;
use crate::report::{Degraded, JobSuccess, SyncStats};
use crate::writer::{CommittedSnapshot, DiffCounts, SnapshotWriter};

/// One listing; `region: None` is the global pseudo-region.
pub(crate) struct Job {
    pub(crate) region: Option<Region>,
    pub(crate) kind: &'static ResourceKind,
}

/// The most items handed to a page-by-page store in one write: whatever the listing has
/// ready is written, up to this many, so a job holds about one provider page.
const STAGE_BATCH: usize = 1_000;

impl Job {
    /// The region's id, or [`GLOBAL_REGION`] for the global pseudo-region.
    pub(crate) fn region_id(&self) -> &str {
        self.region
            .as_ref()
            .map_or(GLOBAL_REGION, |r| r.id.as_str())
    }

    /// Lists everything; only a listing that completed is diffed and stored. With a store
    /// that writes page by page, pages are staged as they arrive; otherwise the listing is
    /// collected and handed over whole.
    pub(crate) async fn list_and_store(&self, inner: &Inner, region: &str) -> Result<JobSuccess> {
        let started = Instant::now();
        let writer = inner
            .store
            .begin_snapshot(&inner.account, region, self.kind.id)
            .await?;
        let (items, counts, diff, degraded) = match writer {
            Some(writer) => {
                let (committed, degraded) = self.stream_into(inner, region, writer).await?;
                let diff = Arc::new(committed.diff);
                (committed.items, committed.counts, diff, degraded)
            }
            None => self.collect_and_replace(inner, region).await?,
        };
        Ok(JobSuccess {
            diff,
            stats: SyncStats::of(items, counts, started.elapsed()),
            degraded,
        })
    }

    /// The listing, checked item by item. The first error ends it: a partial listing is
    /// never stored.
    fn listing<'a>(
        &self,
        inner: &Inner,
        region: &'a str,
    ) -> impl Stream<Item = Result<Item>> + Send + 'a {
        let kind = self.kind;
        inner
            .provider
            .list(kind, self.region.as_ref())
            .and_then(move |item| async move {
                // A lister that yields another kind's items would corrupt two snapshots.
                if item.kind_id() == kind.id {
                    Ok(item)
                } else {
                    Err(Error::decode(format!(
                        "the {} listing in {region} yielded an item of kind {}",
                        kind.id,
                        item.kind_id()
                    )))
                }
            })
    }

    /// Stages each ready batch of the listing in `writer`, then commits. An error drops
    /// the writer, which abandons what was staged.
    async fn stream_into(
        &self,
        inner: &Inner,
        region: &str,
        mut writer: Box<dyn SnapshotWriter>,
    ) -> Result<(CommittedSnapshot, Vec<Degraded>)> {
        let mut degraded = Vec::new();
        let mut batches = std::pin::pin!(self.listing(inner, region).try_ready_chunks(STAGE_BATCH));
        while let Some(batch) = batches
            .try_next()
            .await
            .map_err(|TryReadyChunksError(_, e)| e)?
        {
            add_degraded(&mut degraded, &batch);
            writer.write(batch).await?;
        }
        let committed = writer.commit(inner.clock.now(), inner.diff_detail).await?;
        Ok((committed, degraded))
    }

    /// Collects the whole listing and hands it to the store in one step: the items stored,
    /// the diff's counts, the diff as the detail asks, and the degraded fields.
    async fn collect_and_replace(
        &self,
        inner: &Inner,
        region: &str,
    ) -> Result<(usize, DiffCounts, Arc<Diff>, Vec<Degraded>)> {
        let items: Vec<Item> = self.listing(inner, region).try_collect().await?;
        let mut degraded = Vec::new();
        add_degraded(&mut degraded, &items);
        let snapshot = Snapshot::new(inner.clock.now(), items);
        let len = snapshot.len();
        // Read, diff and write in one step: a concurrent writer of this (region, kind) can
        // never make two diffs against the same previous snapshot. Handed over, so the
        // store can move the items into the diff and keep that diff in its history.
        let (counts, diff) = inner
            .store
            .replace_snapshot_detailed(
                &inner.account,
                region,
                self.kind.id,
                snapshot,
                inner.diff_detail,
            )
            .await?;
        Ok((len, counts, diff, degraded))
    }
}

/// Adds the unknown fields of `items` to `out`: one entry per (field, action, reason) with
/// its count.
fn add_degraded(out: &mut Vec<Degraded>, items: &[Item]) {
    for unknown in items
        .iter()
        .filter_map(Item::as_resource)
        .flat_map(|r| &r.unknown)
    {
        match out.iter_mut().find(|d| {
            d.field == unknown.field && d.action == unknown.action && d.reason == unknown.reason
        }) {
            Some(d) => d.items += 1,
            None => out.push(Degraded {
                field: unknown.field.clone(),
                action: unknown.action.clone(),
                reason: unknown.reason,
                items: 1,
            }),
        }
    }
}

/// Set by the first authentication refusal of a round; every job not yet finished then ends
/// with the refusal instead of sending more requests with the refused key.
pub(crate) struct Stop {
    refusal: watch::Sender<Option<Arc<Error>>>,
}

impl Stop {
    pub(crate) fn new() -> Self {
        Stop {
            refusal: watch::Sender::new(None),
        }
    }

    /// Records `error` as the round's refusal (the first one wins).
    pub(crate) fn trip(&self, error: &Error) {
        self.refusal.send_if_modified(|slot| {
            if slot.is_some() {
                return false;
            }
            let mut skipped = Error::new(
                error.kind(),
                format!(
                    "not synced: the AccessKey was refused earlier in this round ({}); no \
                     further request is sent with it until the next credential check",
                    error.message()
                ),
            );
            if let Some(code) = error.code() {
                skipped = skipped.with_code(code);
            }
            *slot = Some(Arc::new(skipped));
            true
        });
    }

    /// The refusal, if the round was stopped.
    pub(crate) fn refusal(&self) -> Option<Arc<Error>> {
        self.refusal.borrow().clone()
    }

    /// Completes when the round is stopped.
    pub(crate) async fn tripped(&self) -> Arc<Error> {
        let mut receiver = self.refusal.subscribe();
        let refusal = match receiver.wait_for(Option::is_some).await {
            Ok(slot) => slot.clone(),
            // The sender lives as long as `self`, so this cannot close while awaited.
            Err(_) => None,
        };
        match refusal {
            Some(refusal) => refusal,
            None => std::future::pending().await,
        }
    }
}

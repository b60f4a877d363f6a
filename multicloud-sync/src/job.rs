//! One (region, kind) job: list it whole, check what came back, diff, store; and the signal
//! that stops a round at the first authentication refusal.

use std::sync::Arc;

use futures::stream::TryStreamExt;
use multicloud_core::{Error, Item, Region, ResourceKind, Result};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::engine::Inner;
use crate::inventory::Snapshot;
use crate::report::{Degraded, JobSuccess, SyncStats};

/// One listing; `region: None` is the global pseudo-region.
pub(crate) struct Job {
    pub(crate) region: Option<Region>,
    pub(crate) kind: &'static ResourceKind,
}

impl Job {
    /// Lists everything; only a listing that completed is diffed and stored.
    pub(crate) async fn list_and_store(&self, inner: &Inner, region: &str) -> Result<JobSuccess> {
        let started = Instant::now();
        let kind = self.kind;
        let items: Vec<Item> = inner
            .provider
            .list(kind, self.region.as_ref())
            // The first error abandons the listing: items already received are dropped.
            .and_then(|item| async move {
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
            .try_collect()
            .await?;
        let degraded = degraded(&items);
        let snapshot = Snapshot::new(inner.clock.now(), items);
        let len = snapshot.len();
        // Read, diff and write in one step: a concurrent writer of this (region, kind) can
        // never make two diffs against the same previous snapshot. Handed over, so the
        // store can move the items into the diff.
        let diff = inner
            .store
            .replace_snapshot_owned(&inner.account, region, kind.id, snapshot)
            .await?;
        let stats = SyncStats::of(len, &diff, started.elapsed());
        Ok(JobSuccess {
            diff: Arc::new(diff),
            stats,
            degraded,
        })
    }
}

/// The unknown fields of `items`, one entry per (field, action, reason) with its count.
fn degraded(items: &[Item]) -> Vec<Degraded> {
    let mut out: Vec<Degraded> = Vec::new();
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
    out
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

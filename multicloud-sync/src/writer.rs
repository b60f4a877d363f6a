//! Writing a snapshot page by page: [`SnapshotWriter`], and how much of each diff a round
//! reports ([`DiffDetail`]).

use std::fmt;

use async_trait::async_trait;
use multicloud_core::Result;
use serde::Serialize;
use time::OffsetDateTime;

use crate::diff::Diff;
use crate::item::Item;

/// How much of each (region, kind) diff the engine hands back in its
/// [`SyncReport`](crate::SyncReport) and [`SyncEvent::Synced`](crate::SyncEvent::Synced).
///
/// The store's history ([`SnapshotStore::diffs`](crate::SnapshotStore::diffs)) always keeps
/// the whole diff; this only decides what the round keeps in memory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiffDetail {
    /// Every added, removed and changed item (the default). A first sync of a large account
    /// then holds the whole inventory in its report until the report is dropped.
    #[default]
    Items,
    /// Counts only ([`SyncStats`](crate::SyncStats)): the diffs in the report and events are
    /// empty. With a store that writes page by page ([`SqliteStore`](crate::SqliteStore)),
    /// a round then holds about one page per running job, however large the account.
    Counts,
}

/// How many items one diff added, removed and changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct DiffCounts {
    /// Items in the new listing only.
    pub added: usize,
    /// Items in the previous listing only.
    pub removed: usize,
    /// Items in both whose compared fields differ.
    pub changed: usize,
}

impl DiffCounts {
    /// `added`, `removed` and `changed` items; for store implementations.
    pub fn new(added: usize, removed: usize, changed: usize) -> Self {
        DiffCounts {
            added,
            removed,
            changed,
        }
    }
}

impl Diff {
    /// How many items this diff added, removed and changed.
    pub fn counts(&self) -> DiffCounts {
        DiffCounts::new(self.added.len(), self.removed.len(), self.changed.len())
    }
}

/// What [`SnapshotWriter::commit`] stored.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct CommittedSnapshot {
    /// Items in the new snapshot (a key written twice counts once).
    pub items: usize,
    /// The diff's counts, whatever the detail asked for.
    pub counts: DiffCounts,
    /// The diff's items with [`DiffDetail::Items`]; empty with [`DiffDetail::Counts`].
    pub diff: Diff,
}

impl CommittedSnapshot {
    /// A commit of `items` items that changed what `counts` says, with `diff` as asked;
    /// for store implementations.
    pub fn new(items: usize, counts: DiffCounts, diff: Diff) -> Self {
        CommittedSnapshot {
            items,
            counts,
            diff,
        }
    }
}

/// A new snapshot of one (account, region, kind), written as the listing's pages arrive;
/// made by [`SnapshotStore::begin_snapshot`](crate::SnapshotStore::begin_snapshot).
///
/// Nothing written is visible until [`commit`](Self::commit), which diffs against the
/// stored snapshot and replaces it in one atomic step (the same contract as
/// [`SnapshotStore::replace_snapshot`](crate::SnapshotStore::replace_snapshot)). Dropping a
/// writer without committing abandons it and leaves the stored snapshot as it was: that is
/// what a failed or cancelled listing does.
#[async_trait]
pub trait SnapshotWriter: Send + fmt::Debug {
    /// Adds one page of the listing. A key written again replaces its earlier item.
    ///
    /// The page is handed over so a store can drop the items once it has encoded them,
    /// before it waits for its connection.
    async fn write(&mut self, items: Vec<Item>) -> Result<()>;

    /// Replaces the stored snapshot with everything written, taken at `synced_at`, appends
    /// the diff to the history when it is not empty, and returns it in `detail`.
    async fn commit(
        self: Box<Self>,
        synced_at: OffsetDateTime,
        detail: DiffDetail,
    ) -> Result<CommittedSnapshot>;
}

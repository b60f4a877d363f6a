//! Where snapshots, diff history and known regions live: the [`SnapshotStore`] trait.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use multicloud_core::Result;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::diff::Diff;
use crate::inventory::{Inventory, Snapshot};
use crate::item::AccountRef;
use crate::writer::{DiffCounts, DiffDetail, SnapshotWriter};

/// One stored diff: what one successful sync of (region, kind) changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DiffRecord {
    /// The account.
    pub account: AccountRef,
    /// The region (or [`GLOBAL_REGION`](crate::GLOBAL_REGION)).
    pub region: String,
    /// The resource kind's id (`host`, `ec2.vpc`, …). Records written before kinds existed
    /// name the feature instead (`host`, `cspm`).
    pub kind: String,
    /// When the sync completed.
    #[serde(with = "time::serde::rfc3339")]
    pub synced_at: OffsetDateTime,
    /// What changed.
    pub diff: Diff,
}

impl DiffRecord {
    /// The diff of (`account`, `region`, `kind`) synced at `synced_at`; for store
    /// implementations.
    pub fn new(
        account: AccountRef,
        region: impl Into<String>,
        kind: impl Into<String>,
        synced_at: OffsetDateTime,
        diff: Diff,
    ) -> Self {
        DiffRecord {
            account,
            region: region.into(),
            kind: kind.into(),
            synced_at,
            diff,
        }
    }
}

/// How a region became known to the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionOrigin {
    /// Listed by the account's first region listing (the baseline).
    Initial,
    /// Appeared in a later listing ("region management").
    Discovered,
}

/// A region the engine has seen for an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KnownRegion {
    /// The region id.
    pub id: String,
    /// Baseline or discovered later.
    pub origin: RegionOrigin,
    /// When it was first seen.
    #[serde(with = "time::serde::rfc3339")]
    pub first_seen: OffsetDateTime,
}

impl KnownRegion {
    /// The region `id`, first seen at `first_seen`; for store implementations.
    pub fn new(id: impl Into<String>, origin: RegionOrigin, first_seen: OffsetDateTime) -> Self {
        KnownRegion {
            id: id.into(),
            origin,
            first_seen,
        }
    }
}

/// Persistence for the sync engine.
///
/// Keys are (provider, account name, region, kind id): the AccessKey never takes part, so
/// rotating an account's key keeps its inventory. Implementations must make
/// [`save_snapshot`](Self::save_snapshot) atomic (the snapshot and its diff record together,
/// or neither) so that a cancelled or crashed sync leaves the previous snapshot whole.
///
/// [`MemoryStore`](crate::MemoryStore) is the default; [`SqliteStore`](crate::SqliteStore)
/// persists across restarts.
#[async_trait]
pub trait SnapshotStore: Send + Sync + fmt::Debug {
    /// The last complete snapshot of (`account`, `region`, `kind`), if any.
    async fn snapshot(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
    ) -> Result<Option<Snapshot>>;

    /// Replaces that snapshot with `snapshot` and, when `diff` is not empty, appends it to
    /// the account's diff history; registers the account if it is new.
    async fn save_snapshot(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
        snapshot: &Snapshot,
        diff: &Diff,
    ) -> Result<()>;

    /// Replaces the snapshot of (`account`, `region`, `kind`) with `snapshot` and returns
    /// the diff from the snapshot it replaced (everything added when there was none), which
    /// is appended to the history when not empty.
    ///
    /// This is what the engine calls after a complete listing. The read, the diff and the
    /// write must be one atomic step, so that two writers of the same (region, kind) never
    /// both diff against the same previous snapshot (the second would report removals and
    /// additions that never happened, or miss them). The default reads with
    /// [`snapshot`](Self::snapshot) and writes with [`save_snapshot`](Self::save_snapshot),
    /// which is atomic only if nothing else writes that snapshot meanwhile (one engine per
    /// account and store). [`MemoryStore`](crate::MemoryStore) does both under one lock,
    /// [`SqliteStore`](crate::SqliteStore) in one `BEGIN IMMEDIATE` transaction.
    async fn replace_snapshot(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
        snapshot: &Snapshot,
    ) -> Result<Diff> {
        let previous = self
            .snapshot(account, region, kind)
            .await?
            .map(|s| s.items)
            .unwrap_or_default();
        let diff = Diff::between(&previous, &snapshot.items);
        self.save_snapshot(account, region, kind, snapshot, &diff)
            .await?;
        Ok(diff)
    }

    /// [`replace_snapshot`](Self::replace_snapshot) with the snapshot handed over, which
    /// the engine calls when [`begin_snapshot`](Self::begin_snapshot) gives no writer: a
    /// store may move the new items into the diff instead of copying them, write them while
    /// holding the snapshot alone, and keep the returned diff in its history as the same
    /// allocation the engine reports. The default borrows the snapshot.
    async fn replace_snapshot_owned(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
        snapshot: Snapshot,
    ) -> Result<Arc<Diff>> {
        self.replace_snapshot(account, region, kind, &snapshot)
            .await
            .map(Arc::new)
    }

    /// [`replace_snapshot_owned`](Self::replace_snapshot_owned) for a round that keeps
    /// only `detail` of the diff: the diff's counts, and the diff itself with
    /// [`DiffDetail::Items`] (empty with [`DiffDetail::Counts`]). The history keeps the
    /// whole diff either way.
    ///
    /// This is what the engine calls when [`begin_snapshot`](Self::begin_snapshot) gives no
    /// writer. The default calls `replace_snapshot_owned`; a store that can keep a diff
    /// nobody asked for without copying its items overrides it
    /// ([`MemoryStore`](crate::MemoryStore): a first listing's diff, every item added,
    /// shares the stored snapshot).
    async fn replace_snapshot_detailed(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
        snapshot: Snapshot,
        detail: DiffDetail,
    ) -> Result<(DiffCounts, Arc<Diff>)> {
        let diff = self
            .replace_snapshot_owned(account, region, kind, snapshot)
            .await?;
        let counts = diff.counts();
        Ok(match detail {
            DiffDetail::Counts => (counts, Arc::new(Diff::default())),
            _ => (counts, diff),
        })
    }

    /// Starts a new snapshot of (`account`, `region`, `kind`) written page by page, when
    /// this store can diff against what it holds without the whole listing in memory.
    ///
    /// `None` (the default) means it cannot: the engine then collects the listing and calls
    /// [`replace_snapshot_owned`](Self::replace_snapshot_owned).
    /// [`SqliteStore`](crate::SqliteStore) stages the pages in a temporary table (a first
    /// sync's texts go straight to the file) and diffs them in SQL at
    /// [`commit`](SnapshotWriter::commit).
    async fn begin_snapshot(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
    ) -> Result<Option<Box<dyn SnapshotWriter>>> {
        let _ = (account, region, kind);
        Ok(None)
    }

    /// Everything stored for `account` (empty when unknown).
    async fn inventory(&self, account: &AccountRef) -> Result<Inventory>;

    /// The account's most recent diff records, newest first, at most `limit`.
    async fn diffs(&self, account: &AccountRef, limit: usize) -> Result<Vec<DiffRecord>>;

    /// The regions seen so far for `account`, sorted by id.
    async fn known_regions(&self, account: &AccountRef) -> Result<Vec<KnownRegion>>;

    /// Records regions as seen; ids already known keep their first record.
    async fn add_known_regions(&self, account: &AccountRef, regions: &[KnownRegion]) -> Result<()>;

    /// Every account with stored data, sorted.
    async fn accounts(&self) -> Result<Vec<AccountRef>>;

    /// Removes every snapshot, diff and region of `account`. Removing an unknown account
    /// is not an error.
    async fn delete_account(&self, account: &AccountRef) -> Result<()>;
}

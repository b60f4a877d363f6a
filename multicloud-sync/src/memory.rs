//! The default, in-process [`SnapshotStore`].

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use multicloud_core::audit::{AuditCheckpoint, CheckpointScope, MemoryCheckpoint};
use multicloud_core::Result;
use time::OffsetDateTime;

use crate::diff::Diff;
use crate::inventory::{Inventory, Snapshot};
use crate::item::AccountRef;
use crate::snapshot::{DiffRecord, KnownRegion, SnapshotStore};
use crate::writer::{DiffCounts, DiffDetail};

/// How many diff records [`MemoryStore::new`] keeps per account.
pub const DEFAULT_HISTORY_LIMIT: usize = 1000;

/// Keeps everything in memory; lost when the process exits.
///
/// Diff history is capped per account (oldest records dropped first) so a long-running
/// process does not grow without bound.
#[derive(Debug)]
pub struct MemoryStore {
    accounts: Mutex<BTreeMap<AccountRef, AccountData>>,
    history_limit: usize,
    /// Consumed audit-log objects (the store is also an [`AuditCheckpoint`]).
    audit: MemoryCheckpoint,
}

/// One history entry: a [`DiffRecord`] without its account, the diff shared.
#[derive(Debug)]
struct Recorded {
    region: String,
    kind: String,
    synced_at: OffsetDateTime,
    diff: History,
}

/// A recorded diff.
#[derive(Debug)]
enum History {
    /// The diff, shared with the round that made it.
    Diff(Arc<Diff>),
    /// Every item of this snapshot added (a first listing): the snapshot's items, shared
    /// with the store instead of copied into a diff nobody asked for.
    Added(Arc<Snapshot>),
}

impl History {
    /// The diff this entry records.
    fn to_diff(&self) -> Diff {
        match self {
            History::Diff(diff) => Diff::clone(diff),
            History::Added(snapshot) => Diff {
                added: snapshot.items.values().cloned().collect(),
                ..Diff::default()
            },
        }
    }
}

/// What a replacement records: the diff made, or "every item added" without one.
enum Outcome {
    Diff(Diff),
    Added,
}

impl Outcome {
    /// The replacement of `previous` with `snapshot`; with `share_added`, a first listing
    /// is [`Outcome::Added`] instead of a diff holding a copy of every item.
    fn of(previous: Option<&Snapshot>, snapshot: &Snapshot, share_added: bool) -> Outcome {
        if share_added && previous.is_none_or(Snapshot::is_empty) {
            Outcome::Added
        } else {
            Outcome::Diff(diff_against(previous, snapshot))
        }
    }
}

#[derive(Debug, Default)]
struct AccountData {
    /// Shared, so a diff can run outside the lock against the snapshot it replaces.
    snapshots: BTreeMap<(String, String), Arc<Snapshot>>,
    /// The history, newest last; each diff shared with the report that announced it.
    diffs: VecDeque<Recorded>,
    regions: BTreeMap<String, KnownRegion>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new()
    }
}

impl MemoryStore {
    /// An empty store keeping [`DEFAULT_HISTORY_LIMIT`] diff records per account.
    pub fn new() -> Self {
        MemoryStore::with_history_limit(DEFAULT_HISTORY_LIMIT)
    }

    /// An empty store keeping at most `limit` diff records per account.
    pub fn with_history_limit(limit: usize) -> Self {
        MemoryStore {
            accounts: Mutex::new(BTreeMap::new()),
            history_limit: limit,
            audit: MemoryCheckpoint::new(),
        }
    }

    // Nothing here can be left half-updated by a panic, so a poisoned lock is still usable.
    fn lock(&self) -> MutexGuard<'_, BTreeMap<AccountRef, AccountData>> {
        self.accounts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `save_snapshot` with the lock already held.
    fn save_locked(
        &self,
        accounts: &mut BTreeMap<AccountRef, AccountData>,
        account: &AccountRef,
        region: &str,
        kind: &str,
        snapshot: &Snapshot,
        diff: &Diff,
    ) {
        let data = accounts.entry(account.clone()).or_default();
        data.snapshots.insert(
            (region.to_owned(), kind.to_owned()),
            Arc::new(snapshot.clone()),
        );
        if !diff.is_empty() {
            let diff = History::Diff(Arc::new(diff.clone()));
            self.record_locked(data, region, kind, snapshot.synced_at, diff);
        }
    }

    /// Appends `diff` (never an empty one) to the account's history, within the cap.
    fn record_locked(
        &self,
        data: &mut AccountData,
        region: &str,
        kind: &str,
        synced_at: OffsetDateTime,
        diff: History,
    ) {
        if self.history_limit > 0 {
            data.diffs.push_back(Recorded {
                region: region.to_owned(),
                kind: kind.to_owned(),
                synced_at,
                diff,
            });
            while data.diffs.len() > self.history_limit {
                data.diffs.pop_front();
            }
        }
    }
}

impl MemoryStore {
    /// Replaces the snapshot of (`account`, `region`, `kind`) with `snapshot`, handed over:
    /// the diff's counts, and the diff (`None` when the history shares the snapshot
    /// instead: `share_added` and a first listing).
    ///
    /// Diffed outside the lock against a shared handle on the previous snapshot, then the
    /// new one is moved in: no snapshot is copied, and other jobs wait only for the swap.
    /// The swap checks that the previous snapshot is still the one diffed against; if
    /// another writer came in between, the diff is made again under the lock. The replaced
    /// snapshot is dropped after the lock is released.
    fn replace_owned(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
        snapshot: Snapshot,
        share_added: bool,
    ) -> (DiffCounts, Option<Arc<Diff>>) {
        let scope = (region.to_owned(), kind.to_owned());
        let previous = self
            .lock()
            .get(account)
            .and_then(|a| a.snapshots.get(&scope).cloned());
        let outcome = Outcome::of(previous.as_deref(), &snapshot, share_added);
        let mut accounts = self.lock();
        let data = accounts.entry(account.clone()).or_default();
        let current = data.snapshots.get(&scope);
        let unchanged = match (&previous, current) {
            (None, None) => true,
            (Some(p), Some(c)) => Arc::ptr_eq(p, c),
            _ => false,
        };
        let outcome = if unchanged {
            outcome
        } else {
            Outcome::of(current.map(Arc::as_ref), &snapshot, share_added)
        };
        let synced_at = snapshot.synced_at;
        let snapshot = Arc::new(snapshot);
        let (counts, diff) = match outcome {
            Outcome::Added => {
                if !snapshot.is_empty() {
                    let entry = History::Added(Arc::clone(&snapshot));
                    self.record_locked(data, region, kind, synced_at, entry);
                }
                (DiffCounts::new(snapshot.len(), 0, 0), None)
            }
            Outcome::Diff(diff) => {
                let diff = Arc::new(diff);
                if !diff.is_empty() {
                    let entry = History::Diff(Arc::clone(&diff));
                    self.record_locked(data, region, kind, synced_at, entry);
                }
                (diff.counts(), Some(diff))
            }
        };
        let replaced = data.snapshots.insert(scope, snapshot);
        drop(accounts);
        // Freed (unless the history holds it) without holding the lock.
        drop((previous, replaced));
        (counts, diff)
    }
}

/// The diff from `previous` (none: everything is added) to `snapshot`.
fn diff_against(previous: Option<&Snapshot>, snapshot: &Snapshot) -> Diff {
    match previous {
        Some(previous) => Diff::between(&previous.items, &snapshot.items),
        None => Diff::between(&BTreeMap::new(), &snapshot.items),
    }
}

#[async_trait]
impl SnapshotStore for MemoryStore {
    async fn snapshot(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
    ) -> Result<Option<Snapshot>> {
        Ok(self
            .lock()
            .get(account)
            .and_then(|a| a.snapshots.get(&(region.to_owned(), kind.to_owned())))
            .map(|s| Snapshot::clone(s)))
    }

    async fn save_snapshot(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
        snapshot: &Snapshot,
        diff: &Diff,
    ) -> Result<()> {
        self.save_locked(&mut self.lock(), account, region, kind, snapshot, diff);
        Ok(())
    }

    async fn replace_snapshot(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
        snapshot: &Snapshot,
    ) -> Result<Diff> {
        // One lock for the read and the write: no other writer can come in between.
        let mut accounts = self.lock();
        let diff = {
            let previous = accounts
                .get(account)
                .and_then(|a| a.snapshots.get(&(region.to_owned(), kind.to_owned())));
            diff_against(previous.map(Arc::as_ref), snapshot)
        };
        self.save_locked(&mut accounts, account, region, kind, snapshot, &diff);
        Ok(diff)
    }

    async fn replace_snapshot_owned(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
        snapshot: Snapshot,
    ) -> Result<Arc<Diff>> {
        let (_, diff) = self.replace_owned(account, region, kind, snapshot, false);
        Ok(diff.unwrap_or_default())
    }

    async fn replace_snapshot_detailed(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
        snapshot: Snapshot,
        detail: DiffDetail,
    ) -> Result<(DiffCounts, Arc<Diff>)> {
        // With counts only, a first listing's history entry shares the new snapshot: no
        // item is copied.
        let share = detail == DiffDetail::Counts;
        let (counts, diff) = self.replace_owned(account, region, kind, snapshot, share);
        Ok(match detail {
            DiffDetail::Counts => (counts, Arc::new(Diff::default())),
            _ => (counts, diff.unwrap_or_default()),
        })
    }

    async fn inventory(&self, account: &AccountRef) -> Result<Inventory> {
        let mut inventory = Inventory::new(account.clone());
        if let Some(data) = self.lock().get(account) {
            for ((region, kind), snapshot) in &data.snapshots {
                inventory.insert(region.clone(), kind.clone(), Snapshot::clone(snapshot));
            }
        }
        Ok(inventory)
    }

    async fn diffs(&self, account: &AccountRef, limit: usize) -> Result<Vec<DiffRecord>> {
        Ok(self
            .lock()
            .get(account)
            .map(|a| {
                a.diffs
                    .iter()
                    .rev()
                    .take(limit)
                    .map(|r| {
                        DiffRecord::new(
                            account.clone(),
                            r.region.clone(),
                            r.kind.clone(),
                            r.synced_at,
                            r.diff.to_diff(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn known_regions(&self, account: &AccountRef) -> Result<Vec<KnownRegion>> {
        Ok(self
            .lock()
            .get(account)
            .map(|a| a.regions.values().cloned().collect())
            .unwrap_or_default())
    }

    async fn add_known_regions(&self, account: &AccountRef, regions: &[KnownRegion]) -> Result<()> {
        if regions.is_empty() {
            return Ok(());
        }
        let mut accounts = self.lock();
        let data = accounts.entry(account.clone()).or_default();
        for region in regions {
            data.regions
                .entry(region.id.clone())
                .or_insert_with(|| region.clone());
        }
        Ok(())
    }

    async fn accounts(&self) -> Result<Vec<AccountRef>> {
        Ok(self.lock().keys().cloned().collect())
    }

    async fn delete_account(&self, account: &AccountRef) -> Result<()> {
        self.lock().remove(account);
        Ok(())
    }
}

/// Consumed audit-log objects, kept like the snapshots: for the life of the process.
#[async_trait]
impl AuditCheckpoint for MemoryStore {
    async fn consumed(&self, scope: &CheckpointScope, entries: &[String]) -> Result<Vec<String>> {
        self.audit.consumed(scope, entries).await
    }

    async fn mark(
        &self,
        scope: &CheckpointScope,
        entries: &[String],
        at: OffsetDateTime,
    ) -> Result<()> {
        self.audit.mark(scope, entries, at).await
    }

    async fn forget_before(&self, scope: &CheckpointScope, before: OffsetDateTime) -> Result<u64> {
        self.audit.forget_before(scope, before).await
    }
}

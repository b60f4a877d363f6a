//! Stored listings: one [`Snapshot`] per (region, kind), and an account's [`Inventory`].

use std::collections::BTreeMap;

use multicloud_core::{CloudResource, Host};
use time::OffsetDateTime;

use crate::item::{AccountRef, Item, ItemKey};

/// The pseudo-region that global resources (IAM users, …) are synced and stored under.
pub const GLOBAL_REGION: &str = "global";

/// The last complete listing of one (account, region, kind).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Snapshot {
    /// When the listing completed.
    pub synced_at: OffsetDateTime,
    /// The items, by key.
    pub items: BTreeMap<ItemKey, Item>,
}

impl Snapshot {
    /// A snapshot of `items` taken at `synced_at`. A repeated key keeps the last item.
    pub fn new(synced_at: OffsetDateTime, items: impl IntoIterator<Item = Item>) -> Self {
        Snapshot {
            synced_at,
            items: items.into_iter().map(|i| (i.key(), i)).collect(),
        }
    }

    /// How many items it holds.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether it holds no item.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Everything stored for one account: its snapshots by (region, kind).
///
/// A (region, kind) whose last sync failed still shows its previous snapshot here.
#[derive(Debug, Clone, PartialEq)]
pub struct Inventory {
    account: AccountRef,
    snapshots: BTreeMap<(String, String), Snapshot>,
}

impl Inventory {
    /// An empty inventory of `account`.
    pub fn new(account: AccountRef) -> Self {
        Inventory {
            account,
            snapshots: BTreeMap::new(),
        }
    }

    /// Adds or replaces the snapshot of (`region`, `kind`); for store implementations.
    pub fn insert(
        &mut self,
        region: impl Into<String>,
        kind: impl Into<String>,
        snapshot: Snapshot,
    ) {
        self.snapshots
            .insert((region.into(), kind.into()), snapshot);
    }

    /// The account.
    pub fn account(&self) -> &AccountRef {
        &self.account
    }

    /// The snapshot of (`region`, `kind`), if one was ever stored.
    pub fn snapshot(&self, region: &str, kind: &str) -> Option<&Snapshot> {
        self.snapshots.get(&(region.to_owned(), kind.to_owned()))
    }

    /// Every snapshot as (region, kind, snapshot), sorted by region then kind.
    pub fn snapshots(&self) -> impl Iterator<Item = (&str, &str, &Snapshot)> {
        self.snapshots
            .iter()
            .map(|((r, k), s)| (r.as_str(), k.as_str(), s))
    }

    /// Every item of the kind `kind`, in every region.
    pub fn items_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Item> + 'a {
        self.snapshots
            .iter()
            .filter(move |((_, k), _)| k == kind)
            .flat_map(|(_, s)| s.items.values())
    }

    /// The regions with at least one snapshot, sorted.
    pub fn regions(&self) -> Vec<&str> {
        let mut regions: Vec<&str> = self.snapshots.keys().map(|(r, _)| r.as_str()).collect();
        regions.dedup();
        regions
    }

    /// Every item, by region then kind then key.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.snapshots.values().flat_map(|s| s.items.values())
    }

    /// Every host.
    pub fn hosts(&self) -> impl Iterator<Item = &Host> {
        self.items().filter_map(Item::as_host)
    }

    /// Every cloud resource, global ones included.
    pub fn resources(&self) -> impl Iterator<Item = &CloudResource> {
        self.items().filter_map(Item::as_resource)
    }

    /// How many items there are in all.
    pub fn len(&self) -> usize {
        self.snapshots.values().map(Snapshot::len).sum()
    }

    /// Whether there is no item at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

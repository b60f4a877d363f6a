//! The one store suite: every case runs against memory, SQLite and (with the `postgres`
//! feature) PostgreSQL, each on fresh data. Store-specific behaviour (SQLite's locks and file
//! upgrade, PostgreSQL's schema versions) is tested beside, in `store_tests.rs` and
//! `postgres_tests.rs`.

use std::sync::Arc;

use multicloud_core::{AccountName, ProviderKind};
use time::Duration as TimeDuration;

use super::engine_tests::{drain, engine_with};
use super::fake::{host, resource, FakeCloud, T0};
use crate::{
    AccountRef, DefaultSyncPolicy, Diff, DiffCounts, DiffDetail, Item, KnownRegion, MemoryStore,
    RegionOrigin, Snapshot, SnapshotStore, SqliteStore, SyncEvent,
};

pub(crate) const HOST: &str = "host";
const CSPM: &str = "iam.user";

pub(crate) fn account(provider: ProviderKind, name: &str) -> AccountRef {
    AccountRef::new(provider, AccountName::new(name).unwrap())
}

pub(crate) fn snapshot(at_minutes: i64, items: Vec<Item>) -> Snapshot {
    Snapshot::new(T0 + TimeDuration::minutes(at_minutes), items)
}

/// Where a case's data lives; [`open`](Backend::open) gives another handle on the same data
/// (another process, in effect, for SQLite and PostgreSQL).
pub(crate) enum Backend {
    Memory(Arc<MemoryStore>),
    Sqlite(tempfile::TempDir),
    #[cfg(feature = "postgres")]
    Postgres(String),
}

// One signature for every store: PostgreSQL's creates a database, the others need no await.
#[allow(clippy::unused_async)]
impl Backend {
    pub(crate) async fn memory(_case: &str) -> Option<Backend> {
        Some(Backend::Memory(Arc::new(MemoryStore::new())))
    }

    pub(crate) async fn sqlite(_case: &str) -> Option<Backend> {
        Some(Backend::Sqlite(tempfile::tempdir().unwrap()))
    }

    /// A fresh database for `case`, or `None` (with the reason printed) when no test
    /// database is configured outside CI.
    #[cfg(feature = "postgres")]
    pub(crate) async fn postgres(case: &str) -> Option<Backend> {
        super::postgres_tests::fresh_database(&format!("suite_{case}"))
            .await
            .map(Backend::Postgres)
    }

    pub(crate) async fn open(&self) -> Arc<dyn SnapshotStore> {
        match self {
            Backend::Memory(store) => Arc::clone(store) as Arc<dyn SnapshotStore>,
            Backend::Sqlite(dir) => Arc::new(
                SqliteStore::open(dir.path().join("inventory.db"))
                    .await
                    .unwrap(),
            ),
            #[cfg(feature = "postgres")]
            Backend::Postgres(url) => {
                Arc::new(crate::PostgresSnapshotStore::connect(url).await.unwrap())
            }
        }
    }

    /// Whether data outlives every handle on it.
    pub(crate) fn persistent(&self) -> bool {
        !matches!(self, Backend::Memory(_))
    }
}

/// Snapshots, history, regions, accounts and deletion.
pub(crate) async fn conformance(store: &dyn SnapshotStore) {
    let prod = account(ProviderKind::Aws, "prod");
    let other = account(ProviderKind::Tencent, "prod"); // same name, other provider
    assert_eq!(store.snapshot(&prod, "r1", HOST).await.unwrap(), None);
    assert!(store.inventory(&prod).await.unwrap().is_empty());

    // A complete but empty listing is a snapshot, unlike no listing at all.
    let empty = snapshot(0, vec![]);
    store
        .save_snapshot(&prod, "r2", HOST, &empty, &Diff::default())
        .await
        .unwrap();
    assert_eq!(
        store.snapshot(&prod, "r2", HOST).await.unwrap(),
        Some(empty)
    );
    assert!(
        store.diffs(&prod, 10).await.unwrap().is_empty(),
        "empty diffs are not history"
    );

    let first = snapshot(1, vec![host("r1", "a").into(), host("r1", "b").into()]);
    let d1 = Diff::between(&Default::default(), &first.items);
    store
        .save_snapshot(&prod, "r1", HOST, &first, &d1)
        .await
        .unwrap();
    let second = snapshot(2, vec![host("r1", "b").into(), host("r1", "c").into()]);
    let d2 = Diff::between(&first.items, &second.items);
    store
        .save_snapshot(&prod, "r1", HOST, &second, &d2)
        .await
        .unwrap();
    let global = snapshot(3, vec![resource("global", "iam", "user", "alice").into()]);
    let d3 = Diff::between(&Default::default(), &global.items);
    store
        .save_snapshot(&prod, "global", CSPM, &global, &d3)
        .await
        .unwrap();
    store
        .save_snapshot(&other, "r1", HOST, &first, &d1)
        .await
        .unwrap();

    assert_eq!(
        store.snapshot(&prod, "r1", HOST).await.unwrap(),
        Some(second.clone())
    );
    assert_eq!(store.snapshot(&prod, "r1", CSPM).await.unwrap(), None);
    let inv = store.inventory(&prod).await.unwrap();
    assert_eq!(inv.snapshot("r1", HOST), Some(&second));
    assert_eq!(inv.snapshot("global", CSPM), Some(&global));
    assert_eq!(inv.regions(), ["global", "r1", "r2"]);
    assert_eq!(
        inv.hosts().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        ["b", "c"]
    );
    assert_eq!(inv.resources().count(), 1);

    let history = store.diffs(&prod, 10).await.unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(
        (history[0].region.as_str(), history[0].kind.as_str()),
        ("global", CSPM)
    );
    assert_eq!(history[1].diff, d2);
    assert_eq!(history[1].synced_at, second.synced_at);
    assert_eq!(history[2].diff, d1);
    assert_eq!(store.diffs(&prod, 1).await.unwrap().len(), 1);

    let r = |id: &str, origin, minutes| KnownRegion {
        id: id.into(),
        origin,
        first_seen: T0 + TimeDuration::minutes(minutes),
    };
    store
        .add_known_regions(
            &prod,
            &[
                r("r2", RegionOrigin::Initial, 0),
                r("r1", RegionOrigin::Initial, 0),
            ],
        )
        .await
        .unwrap();
    // A known id keeps its first record.
    store
        .add_known_regions(
            &prod,
            &[
                r("r1", RegionOrigin::Discovered, 9),
                r("r3", RegionOrigin::Discovered, 9),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        store.known_regions(&prod).await.unwrap(),
        [
            r("r1", RegionOrigin::Initial, 0),
            r("r2", RegionOrigin::Initial, 0),
            r("r3", RegionOrigin::Discovered, 9)
        ]
    );

    assert_eq!(
        store.accounts().await.unwrap(),
        [prod.clone(), other.clone()]
    );
    store.delete_account(&prod).await.unwrap();
    assert!(store.inventory(&prod).await.unwrap().is_empty());
    assert!(store.diffs(&prod, 10).await.unwrap().is_empty());
    assert!(store.known_regions(&prod).await.unwrap().is_empty());
    assert_eq!(
        store.accounts().await.unwrap(),
        std::slice::from_ref(&other)
    );
    assert_eq!(
        store.inventory(&other).await.unwrap().len(),
        2,
        "other account untouched"
    );
    store.delete_account(&prod).await.unwrap(); // idempotent
}

/// `replace_snapshot` diffs against what is stored, keeps the history, and is idempotent:
/// the same listing again (a job run twice) changes nothing and adds no history.
pub(crate) async fn replace_conformance(store: &dyn SnapshotStore) {
    let prod = account(ProviderKind::Aws, "prod");
    let first = snapshot(1, vec![host("r1", "a").into(), host("r1", "b").into()]);
    let d1 = store
        .replace_snapshot(&prod, "r1", HOST, &first)
        .await
        .unwrap();
    assert_eq!(d1, Diff::between(&Default::default(), &first.items));
    let mut changed = host("r1", "b");
    changed.name = Some("renamed".into());
    let second = snapshot(2, vec![changed.into(), host("r1", "c").into()]);
    let d2 = store
        .replace_snapshot(&prod, "r1", HOST, &second)
        .await
        .unwrap();
    assert_eq!(d2, Diff::between(&first.items, &second.items));
    assert_eq!(
        (d2.added.len(), d2.removed.len(), d2.changed.len()),
        (1, 1, 1)
    );
    let d3 = store
        .replace_snapshot(&prod, "r1", HOST, &second)
        .await
        .unwrap();
    assert!(d3.is_empty());
    assert_eq!(
        store.snapshot(&prod, "r1", HOST).await.unwrap(),
        Some(second)
    );
    let history = store.diffs(&prod, 10).await.unwrap();
    assert_eq!(
        history.iter().map(|r| r.diff.clone()).collect::<Vec<_>>(),
        [d2, d1]
    );
}

/// `replace_snapshot_detailed` stores what `replace_snapshot` stores and keeps the same
/// history, whatever the detail: counts always, the diff only with `DiffDetail::Items`. A
/// first listing's history entry still holds every item after its snapshot is replaced.
pub(crate) async fn replace_detailed_conformance(store: &dyn SnapshotStore) {
    for (name, detail) in [("items", DiffDetail::Items), ("counts", DiffDetail::Counts)] {
        let prod = account(ProviderKind::Aws, name);
        let replace = |snapshot: &Snapshot| {
            store.replace_snapshot_detailed(&prod, "r1", HOST, snapshot.clone(), detail)
        };
        // An empty listing first: nothing recorded; the next listing adds everything.
        let (counts, diff) = replace(&snapshot(0, vec![])).await.unwrap();
        assert_eq!((counts, diff.is_empty()), (DiffCounts::new(0, 0, 0), true));
        let first = snapshot(1, vec![host("r1", "a").into(), host("r1", "b").into()]);
        let d1 = Diff::between(&Default::default(), &first.items);
        let mut changed = host("r1", "b");
        changed.name = Some("renamed".into());
        let second = snapshot(2, vec![changed.into(), host("r1", "c").into()]);
        let d2 = Diff::between(&first.items, &second.items);
        let expected = [
            (&first, DiffCounts::new(2, 0, 0), d1.clone()),
            (&second, DiffCounts::new(1, 1, 1), d2.clone()),
            (&second, DiffCounts::new(0, 0, 0), Diff::default()),
        ];
        for (listing, want_counts, want_diff) in expected {
            let (counts, diff) = replace(listing).await.unwrap();
            assert_eq!(counts, want_counts, "{name}");
            let want = match detail {
                DiffDetail::Counts => Diff::default(),
                _ => want_diff,
            };
            assert_eq!(*diff, want, "{name}");
            assert_eq!(
                store.snapshot(&prod, "r1", HOST).await.unwrap().as_ref(),
                Some(listing),
                "{name}"
            );
        }
        let history = store.diffs(&prod, 10).await.unwrap();
        assert_eq!(
            history.iter().map(|r| r.diff.clone()).collect::<Vec<_>>(),
            [d2, d1],
            "{name}"
        );
        assert_eq!(history[1].synced_at, first.synced_at, "{name}");
    }
}

/// Two handles (two processes) replacing one snapshot at once: whichever goes second sees
/// the other's write, so exactly one of them reports the other's item removed.
pub(crate) async fn two_writers_never_diff_against_the_same_previous_snapshot(backend: &Backend) {
    let (first, second) = (backend.open().await, backend.open().await);
    let prod = account(ProviderKind::Aws, "prod");
    for round in 0..20 {
        let base = snapshot(0, vec![host("r1", "a").into()]);
        first
            .replace_snapshot(&prod, "r1", HOST, &base)
            .await
            .unwrap();
        let with_b = snapshot(1, vec![host("r1", "a").into(), host("r1", "b").into()]);
        let with_c = snapshot(1, vec![host("r1", "a").into(), host("r1", "c").into()]);
        let (d1, d2) = tokio::join!(
            first.replace_snapshot(&prod, "r1", HOST, &with_b),
            second.replace_snapshot(&prod, "r1", HOST, &with_c)
        );
        let (d1, d2) = (d1.unwrap(), d2.unwrap());
        assert_eq!(
            d1.removed.len() + d2.removed.len(),
            1,
            "round {round}: {d1:?} / {d2:?}"
        );
        assert_eq!(d1.added.len() + d2.added.len(), 2, "round {round}");
    }
}

/// Everything written through one handle is read back whole through a new one.
pub(crate) async fn data_survives_reopening(backend: &Backend) {
    let a = account(ProviderKind::Huawei, "prod");
    let snap = snapshot(
        0,
        vec![
            host("cn-north-4", "i-1").into(),
            resource("cn-north-4", "obs", "bucket", "b").into(),
        ],
    );
    let diff = Diff::between(&Default::default(), &snap.items);
    let regions = [KnownRegion {
        id: "cn-north-4".into(),
        origin: RegionOrigin::Initial,
        first_seen: T0,
    }];
    {
        let store = backend.open().await;
        store
            .save_snapshot(&a, "cn-north-4", HOST, &snap, &diff)
            .await
            .unwrap();
        store.add_known_regions(&a, &regions).await.unwrap();
    }
    let store = backend.open().await;
    let inv = store.inventory(&a).await.unwrap();
    assert_eq!(inv.snapshot("cn-north-4", HOST), Some(&snap));
    assert_eq!(store.diffs(&a, 5).await.unwrap()[0].diff, diff);
    assert_eq!(store.known_regions(&a).await.unwrap(), regions);
    assert_eq!(store.accounts().await.unwrap(), [a]);
}

/// An engine restarted on the same data with a rotated key re-adds nothing and announces
/// no region again; deleting the account removes all of its data.
pub(crate) async fn an_engine_restarted_with_a_rotated_key_keeps_its_inventory(backend: &Backend) {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1", "r2"], 2);
    {
        let engine = engine_with(&cloud, DefaultSyncPolicy::default(), backend.open().await);
        let report = engine
            .sync_now(&[&multicloud_core::StandardFeature::Host])
            .await;
        assert!(report.is_complete());
        assert_eq!(report.totals().added, 4);
    }
    let rotated = cloud.clone().with_key("AKIAFAKE0002");
    assert_ne!(rotated.key_id, cloud.key_id);
    let engine = engine_with(&rotated, DefaultSyncPolicy::default(), backend.open().await);
    assert_eq!(engine.inventory().await.unwrap().hosts().count(), 4);
    let mut rx = engine.subscribe();
    let report = engine
        .sync_now(&[&multicloud_core::StandardFeature::Host])
        .await;
    assert!(report.is_complete());
    assert_eq!(
        report.totals().added,
        0,
        "nothing re-added after the restart"
    );
    assert!(
        !drain(&mut rx)
            .iter()
            .any(|e| matches!(e, SyncEvent::RegionDiscovered { .. })),
        "known regions survived"
    );
    engine
        .store()
        .delete_account(engine.account())
        .await
        .unwrap();
    drop(engine);
    let reopened = backend.open().await;
    assert!(reopened.accounts().await.unwrap().is_empty());
    assert!(reopened
        .inventory(&AccountRef::of(&rotated))
        .await
        .unwrap()
        .is_empty());
}

/// One test per (store, case).
macro_rules! store_suite {
    ($store:ident, $backend:path) => {
        mod $store {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn conforms() {
                let Some(backend) = $backend(concat!(stringify!($store), "_conforms")).await else {
                    return;
                };
                conformance(backend.open().await.as_ref()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn replace_snapshot_conforms_and_is_idempotent() {
                let Some(backend) = $backend(concat!(stringify!($store), "_replace")).await else {
                    return;
                };
                replace_conformance(backend.open().await.as_ref()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn replace_snapshot_detailed_conforms() {
                let Some(backend) = $backend(concat!(stringify!($store), "_detailed")).await else {
                    return;
                };
                replace_detailed_conformance(backend.open().await.as_ref()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn two_writers_never_diff_against_the_same_previous_one() {
                let Some(backend) = $backend(concat!(stringify!($store), "_writers")).await else {
                    return;
                };
                two_writers_never_diff_against_the_same_previous_snapshot(&backend).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn persistent_data_survives_reopening_and_restarts() {
                let Some(backend) = $backend(concat!(stringify!($store), "_reopen")).await else {
                    return;
                };
                if backend.persistent() {
                    data_survives_reopening(&backend).await;
                    let Some(backend) = $backend(concat!(stringify!($store), "_restart")).await
                    else {
                        return;
                    };
                    an_engine_restarted_with_a_rotated_key_keeps_its_inventory(&backend).await;
                }
            }
        }
    };
}

store_suite!(memory, Backend::memory);
store_suite!(sqlite, Backend::sqlite);
#[cfg(feature = "postgres")]
store_suite!(postgres, Backend::postgres);

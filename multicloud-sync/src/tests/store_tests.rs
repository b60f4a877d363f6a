//! Both stores pass one conformance suite; SQLite also survives restarts.

use std::sync::Arc;

use multicloud_core::{AccountName, ProviderKind};
use time::Duration as TimeDuration;

use super::engine_tests::{drain, engine_with};
use super::fake::{host, resource, FakeCloud, T0};
use crate::{
    AccountRef, DefaultSyncPolicy, Diff, Item, ItemKey, KnownRegion, MemoryStore, RegionOrigin,
    Snapshot, SnapshotStore, SqliteStore, SyncEvent,
};

const HOST: &str = "host";
const CSPM: &str = "iam.user";

fn account(provider: ProviderKind, name: &str) -> AccountRef {
    AccountRef::new(provider, AccountName::new(name).unwrap())
}

fn snapshot(at_minutes: i64, items: Vec<Item>) -> Snapshot {
    Snapshot::new(T0 + TimeDuration::minutes(at_minutes), items)
}

async fn conformance(store: &dyn SnapshotStore) {
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

#[tokio::test]
async fn memory_store_conforms() {
    conformance(&MemoryStore::new()).await;
}

#[tokio::test]
async fn sqlite_store_conforms() {
    conformance(&SqliteStore::open_in_memory().await.unwrap()).await;
}

#[tokio::test]
async fn memory_history_is_capped() {
    let store = MemoryStore::with_history_limit(2);
    let a = account(ProviderKind::Aws, "a");
    let mut previous = Snapshot::new(T0, []);
    for i in 0..5 {
        let next = snapshot(i, vec![host("r", &format!("h{i}")).into()]);
        let diff = Diff::between(&previous.items, &next.items);
        store
            .save_snapshot(&a, "r", HOST, &next, &diff)
            .await
            .unwrap();
        previous = next;
    }
    let history = store.diffs(&a, 10).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].synced_at, T0 + TimeDuration::minutes(4));
}

#[tokio::test]
async fn sqlite_data_survives_closing_and_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inventory.db");
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
        let store = SqliteStore::open(&path).await.unwrap();
        store
            .save_snapshot(&a, "cn-north-4", HOST, &snap, &diff)
            .await
            .unwrap();
        store.add_known_regions(&a, &regions).await.unwrap();
    }
    let store = SqliteStore::open(&path).await.unwrap();
    let inv = store.inventory(&a).await.unwrap();
    assert_eq!(inv.snapshot("cn-north-4", HOST), Some(&snap));
    assert_eq!(store.diffs(&a, 5).await.unwrap()[0].diff, diff);
    assert_eq!(store.known_regions(&a).await.unwrap(), regions);
    assert_eq!(store.accounts().await.unwrap(), [a]);
}

#[tokio::test]
async fn an_engine_restarted_on_sqlite_with_a_rotated_key_keeps_its_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.db");
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1", "r2"], 2);
    {
        let store = Arc::new(SqliteStore::open(&path).await.unwrap());
        let engine = engine_with(&cloud, DefaultSyncPolicy::default(), store);
        let report = engine
            .sync_now(&[&multicloud_core::StandardFeature::Host])
            .await;
        assert!(report.is_complete());
        assert_eq!(report.totals().added, 4);
    }

    // Restart: a new store on the same file, and the account's key was rotated meanwhile.
    let rotated = cloud.clone().with_key("AKIAFAKE0002");
    assert_ne!(rotated.key_id, cloud.key_id);
    let store = Arc::new(SqliteStore::open(&path).await.unwrap());
    let engine = engine_with(&rotated, DefaultSyncPolicy::default(), store);
    assert_eq!(
        engine.inventory().await.unwrap().hosts().count(),
        4,
        "inventory before any sync"
    );
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
    assert!(report
        .jobs
        .iter()
        .all(|j| j.result.as_ref().unwrap().diff.is_empty()));
    assert!(
        !drain(&mut rx)
            .iter()
            .any(|e| matches!(e, SyncEvent::RegionDiscovered { .. })),
        "known regions survived"
    );

    // Deleting the account removes all of its rows.
    engine
        .store()
        .delete_account(engine.account())
        .await
        .unwrap();
    drop(engine);
    let reopened = SqliteStore::open(&path).await.unwrap();
    assert!(reopened.accounts().await.unwrap().is_empty());
    assert!(reopened
        .inventory(&AccountRef::of(&rotated))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn an_unopenable_path_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    // A directory is not a database file.
    let err = SqliteStore::open(dir.path()).await.unwrap_err();
    assert_eq!(
        err.kind(),
        multicloud_core::ErrorKind::Config,
        "{}",
        err.report()
    );
    assert_eq!(
        err.to_string(),
        format!("config: snapshot store {} failed", dir.path().display())
    );
}

/// `replace_snapshot` diffs against what is stored and keeps the history, in every store.
async fn replace_conformance(store: &dyn SnapshotStore) {
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
    // The same listing again changes nothing and adds no history.
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

#[tokio::test]
async fn memory_replace_snapshot_conforms() {
    replace_conformance(&MemoryStore::new()).await;
}

#[tokio::test]
async fn sqlite_replace_snapshot_conforms() {
    replace_conformance(&SqliteStore::open_in_memory().await.unwrap()).await;
}

/// A second connection to `path` (another process, in effect).
fn raw_connection(path: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    conn
}

/// Writes `snap` as the snapshot of (`account`, `region`, `HOST`) on a raw connection.
fn write_raw(conn: &rusqlite::Connection, account: &AccountRef, region: &str, snap: &Snapshot) {
    use crate::sqlite::to_json;
    let (p, a) = (account.provider.as_str(), account.account.as_str());
    let at = snap
        .synced_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    conn.execute(
        "INSERT OR REPLACE INTO snapshots VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![p, a, region, HOST, at],
    )
    .unwrap();
    conn.execute(
        "DELETE FROM snapshot_items WHERE provider = ?1 AND account = ?2 AND region = ?3 AND kind = ?4",
        rusqlite::params![p, a, region, HOST],
    )
    .unwrap();
    for (key, item) in &snap.items {
        conn.execute(
            "INSERT INTO snapshot_items VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![
                p,
                a,
                region,
                HOST,
                to_json(key).unwrap(),
                to_json(item).unwrap()
            ],
        )
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_replace_diffs_against_the_snapshot_committed_while_it_waited_for_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inventory.db");
    let store = SqliteStore::open(&path).await.unwrap();
    let prod = account(ProviderKind::Aws, "prod");
    let base = snapshot(0, vec![host("r1", "a").into()]);
    store
        .replace_snapshot(&prod, "r1", HOST, &base)
        .await
        .unwrap();

    // Another writer holds the write lock and replaces the snapshot with {a, b}.
    let other = raw_connection(&path);
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    write_raw(
        &other,
        &prod,
        "r1",
        &snapshot(1, vec![host("r1", "a").into(), host("r1", "b").into()]),
    );
    let ours = snapshot(2, vec![host("r1", "a").into(), host("r1", "c").into()]);
    let task = {
        let (store, prod, ours) = (store.clone(), prod.clone(), ours.clone());
        tokio::spawn(async move { store.replace_snapshot(&prod, "r1", HOST, &ours).await })
    };
    // Well within SQLITE_BUSY_TIMEOUT: our replace is waiting for the lock by now.
    tokio::time::sleep(std::time::Duration::from_millis(80)).await;
    other.execute_batch("COMMIT").unwrap();
    let diff = task.await.unwrap().unwrap();

    // Read before the other commit, this would be "+c" against {a}, and b would silently
    // stay missing from every later diff.
    assert_eq!(diff.added_keys(), [ItemKey::Host { id: "c".into() }]);
    assert_eq!(diff.removed_keys(), [ItemKey::Host { id: "b".into() }]);
    assert_eq!(store.snapshot(&prod, "r1", HOST).await.unwrap(), Some(ours));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sqlite_writers_of_one_snapshot_never_diff_against_the_same_previous_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inventory.db");
    let first = SqliteStore::open(&path).await.unwrap();
    let second = SqliteStore::open(&path).await.unwrap();
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
        // Whichever went second saw the other's item and reports it removed; both
        // diffing against {a} would report two additions and no removal.
        let removals = d1.removed.len() + d2.removed.len();
        assert_eq!(removals, 1, "round {round}: {d1:?} / {d2:?}");
        assert_eq!(d1.added.len() + d2.added.len(), 2, "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_sqlite_file_fails_a_round_fast_with_a_transient_error_naming_the_file() {
    use std::time::Instant;

    use crate::SQLITE_BUSY_TIMEOUT;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("locked.db");
    let regions: Vec<String> = (0..16).map(|i| format!("r{i}")).collect();
    let names: Vec<&str> = regions.iter().map(String::as_str).collect();
    let cloud = FakeCloud::new("prod");
    cloud.seed(&names, 1);
    let store = Arc::new(SqliteStore::open(&path).await.unwrap());
    let engine = engine_with(&cloud, DefaultSyncPolicy::default(), store.clone());
    let features: [&dyn multicloud_core::Feature; 1] = [&multicloud_core::StandardFeature::Host];
    assert!(engine.sync_now(&features).await.is_complete());

    // A second connection holds the write lock for the whole round.
    let other = raw_connection(&path);
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = Instant::now();
    let report = engine.sync_now(&features).await;
    let elapsed = started.elapsed();
    assert_eq!(report.jobs.len(), 16);
    for job in &report.jobs {
        let err = job.result.as_ref().unwrap_err();
        assert_eq!(err.kind(), multicloud_core::ErrorKind::Transient, "{err}");
        assert!(
            err.message().contains(&path.display().to_string()) && err.message().contains("locked"),
            "{err}"
        );
    }
    // Waiting the timeout per job in turn would take 16 × 250 ms = 4 s.
    assert!(
        elapsed < SQLITE_BUSY_TIMEOUT * 6,
        "16 jobs against a locked file took {elapsed:?}"
    );
    // Nothing was lost: every region keeps its snapshot.
    assert_eq!(engine.inventory().await.unwrap().hosts().count(), 16);

    // Released: the next round stores again, and waits for a lock again when it must.
    other.execute_batch("ROLLBACK").unwrap();
    assert!(engine.sync_now(&features).await.is_complete());
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = Instant::now();
    let err = store
        .replace_snapshot(&AccountRef::of(&cloud), "r0", HOST, &snapshot(9, vec![]))
        .await
        .unwrap_err();
    assert!(started.elapsed() >= SQLITE_BUSY_TIMEOUT / 2, "{err}");
    other.execute_batch("ROLLBACK").unwrap();
}

#[tokio::test]
async fn one_stored_row_that_no_longer_decodes_never_fails_the_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inventory.db");
    let a = account(ProviderKind::Aws, "prod");
    let snap = snapshot(0, vec![host("r1", "i-1").into(), host("r1", "i-2").into()]);
    let diff = Diff::between(&Default::default(), &snap.items);
    {
        let store = SqliteStore::open(&path).await.unwrap();
        store
            .save_snapshot(&a, "r1", HOST, &snap, &diff)
            .await
            .unwrap();
    }
    // Another writer (an older build, a disk fault) leaves one row unreadable: JSON nested
    // deeper than the decoder accepts.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        let changed = conn
            .execute(
                "UPDATE snapshot_items SET item = ?1 WHERE item LIKE '%i-2%'",
                [deep],
            )
            .unwrap();
        assert_eq!(changed, 1);
    }
    let store = SqliteStore::open(&path).await.unwrap();
    let inventory = store.inventory(&a).await.unwrap();
    let ids: Vec<&str> = inventory.hosts().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["i-1"], "the good row is still read");
}

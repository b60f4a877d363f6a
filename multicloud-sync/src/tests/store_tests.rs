//! What only one store does: the memory store's history cap, SQLite's locks and files. The
//! behaviour every store shares is in `store_suite.rs`.

use std::sync::Arc;

use multicloud_core::{ManualClock, ProviderKind, StandardFeature};
use time::Duration as TimeDuration;

use super::engine_tests::engine_with;
use super::fake::{host, FakeCloud, T0};
use super::store_suite::{account, snapshot, HOST};
use crate::{
    AccountRef, DefaultSyncPolicy, Diff, DiffDetail, Item, ItemKey, MemoryStore, Snapshot,
    SnapshotStore, SqliteStore, SyncEngine,
};

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

/// With counts only, the memory store's first listing is recorded without a copy of its
/// items: the history still gives every added host, before and after the snapshot it
/// shares is replaced, and the rounds report the same counts as with every item.
#[tokio::test]
async fn memory_counts_rounds_keep_the_whole_history() {
    let hosts: [&dyn multicloud_core::Feature; 1] = [&StandardFeature::Host];
    let mut histories = Vec::new();
    for detail in [DiffDetail::Items, DiffDetail::Counts] {
        let cloud = FakeCloud::new("prod");
        cloud.seed(&["r1", "r2"], 30);
        let engine = SyncEngine::builder(cloud.arc(), Arc::new(DefaultSyncPolicy::default()))
            .with_store(Arc::new(MemoryStore::new()))
            .with_clock(Arc::new(ManualClock::new(T0)))
            .with_diff_detail(detail)
            .build()
            .unwrap();
        let first = engine.sync_now(&hosts).await;
        assert_eq!((first.totals().items, first.totals().added), (60, 30 * 2));
        assert_eq!(
            first.diff("r1", HOST).unwrap().added.len(),
            if detail == DiffDetail::Items { 30 } else { 0 }
        );
        let added = engine.diffs(10).await.unwrap();
        assert_eq!(added.len(), 2);
        let r2: Vec<Item> = cloud.world().hosts["r2"]
            .iter()
            .cloned()
            .map(Item::from)
            .collect();
        let want: Vec<Item> = Snapshot::new(T0, r2).items.into_values().collect();
        // The two regions run at once: either may be recorded last.
        let r2_diff = added.iter().find(|r| r.region == "r2").unwrap();
        assert_eq!(r2_diff.diff.added, want, "every host of r2, in key order");
        {
            let mut world = cloud.world();
            let r1 = world.hosts.get_mut("r1").unwrap();
            r1[0].name = Some("renamed".into());
            r1.remove(1);
        }
        let changed = engine.sync_now(&hosts).await;
        let totals = changed.totals();
        assert_eq!((totals.added, totals.removed, totals.changed), (0, 1, 1));
        assert_eq!(engine.sync_now(&hosts).await.totals().items, 59);
        let history = engine.diffs(10).await.unwrap();
        assert_eq!(history.len(), 3);
        assert_eq!(
            history[1..],
            added[..],
            "the first diffs outlive their snapshots"
        );
        histories.push(
            history
                .into_iter()
                .map(|r| (r.region, r.diff))
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(
        histories[0], histories[1],
        "the same history whatever the detail"
    );
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
            "INSERT INTO item_texts (item, in_history) VALUES (?1, 0)",
            [to_json(item).unwrap()],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO snapshot_items VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![
                p,
                a,
                region,
                HOST,
                to_json(key).unwrap(),
                conn.last_insert_rowid()
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
                "UPDATE item_texts SET item = ?1 WHERE item LIKE '%i-2%'",
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

//! The SQLite store's page-by-page writes: the same diffs and snapshots as a whole-listing
//! replace, nothing rewritten when nothing changed, abandoned listings cleaned up, and the
//! engine's counts-only reports.

use std::sync::Arc;
use std::time::Duration;

use multicloud_core::{HostState, ProviderKind, StandardFeature};
use proptest::prelude::*;
use serde_json::json;

use super::engine_tests::engine_with;
use super::fake::{host, FakeCloud, T0};
use super::pending_tests::{each_page_store, texts_and_pending};
use super::store_suite::{account, snapshot, HOST};
use super::texts_tests::unnamed_and_missing_texts;
use crate::sqlite_stream::{staged_rows, staged_rows_where};
use crate::{
    AccountRef, DefaultSyncPolicy, DiffDetail, Item, ItemKey, SnapshotStore, SnapshotWriter,
    SqliteStore, SyncEngine,
};

/// A host from a small pool of ids, in one of a few versions: `look` changes compared
/// fields, `raw` only the raw record (stored anew, never reported as a change).
fn version(id: u8, look: u8, raw: u8) -> Item {
    let id = format!("h{id:02}");
    let mut h = host("r1", &id)
        .with_name(Some(format!("{id}-v{look}")))
        .with_raw(json!({ "InstanceId": id, "Revision": raw }));
    if look == 2 {
        h.state = HostState::Stopped;
    }
    h.into()
}

async fn writer_commit(
    store: &SqliteStore,
    a: &AccountRef,
    pages: &[Vec<Item>],
    at: i64,
    detail: DiffDetail,
) -> crate::CommittedSnapshot {
    let mut writer = store
        .begin_snapshot(a, "r1", HOST)
        .await
        .unwrap()
        .expect("SQLite writes page by page");
    for page in pages {
        writer.write(page.clone()).await.unwrap();
    }
    writer
        .commit(snapshot(at, vec![]).synced_at, detail)
        .await
        .unwrap()
}

fn hosts() -> impl Strategy<Value = Vec<Item>> {
    prop::collection::vec((0u8..12, 0u8..3, 0u8..2), 0..16)
        .prop_map(|v| v.into_iter().map(|(i, l, r)| version(i, l, r)).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Staged in pages of any size (held or written as they come), with keys repeated
    /// across pages, a commit stores and
    /// reports exactly what replacing the snapshot whole does, history included, whether the
    /// snapshot held items (a diff in SQL) or none (every row copied as new); and every item
    /// text is named by a row, none missing.
    #[test]
    fn paged_commits_equal_whole_replaces(
        old in prop_oneof![1 => Just(Vec::new()), 3 => hosts()],
        new in hosts(),
        page in 1usize..5,
        each_page in any::<bool>(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let a = account(ProviderKind::Aws, "prod");
            let whole = SqliteStore::open_in_memory().await.unwrap();
            // Pages held and written together at commit, or each written as it comes.
            let paged = SqliteStore::open_in_memory().await.unwrap().writing_each_page(each_page);
            for store in [&whole, &paged] {
                store.replace_snapshot(&a, "r1", HOST, &snapshot(1, old.clone())).await.unwrap();
            }
            let expected = whole.replace_snapshot(&a, "r1", HOST, &snapshot(2, new.clone())).await.unwrap();
            let pages: Vec<Vec<Item>> = new.chunks(page).map(<[Item]>::to_vec).collect();
            let got = writer_commit(&paged, &a, &pages, 2, DiffDetail::Items).await;

            prop_assert_eq!(&got.diff, &expected);
            prop_assert_eq!(got.counts, expected.counts());
            let stored = whole.snapshot(&a, "r1", HOST).await.unwrap().unwrap();
            prop_assert_eq!(got.items, stored.len());
            prop_assert_eq!(paged.snapshot(&a, "r1", HOST).await.unwrap(), Some(stored));
            prop_assert_eq!(paged.diffs(&a, 10).await.unwrap(), whole.diffs(&a, 10).await.unwrap());
            let left = paged.with_temp_tables(|c| staged_rows(c)).await.unwrap();
            prop_assert_eq!(left, 0);
            for store in [&whole, &paged] {
                prop_assert_eq!(unnamed_and_missing_texts(store).await, (vec![], vec![]));
            }
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn counts_detail_returns_no_items_but_the_history_keeps_them() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let a = account(ProviderKind::Aws, "prod");
    let first = vec![version(1, 0, 0), version(2, 0, 0), version(3, 0, 0)];
    let got = writer_commit(&store, &a, &[first], 1, DiffDetail::Counts).await;
    assert!(got.diff.is_empty());
    assert_eq!((got.items, got.counts.added), (3, 3));

    // h1 removed, h2 renamed, h3 only a new raw record, h4 new.
    let second = vec![version(2, 1, 0), version(3, 0, 1), version(4, 0, 0)];
    let got = writer_commit(&store, &a, &[second], 2, DiffDetail::Counts).await;
    assert!(got.diff.is_empty());
    assert_eq!(
        (
            got.items,
            got.counts.added,
            got.counts.removed,
            got.counts.changed
        ),
        (3, 1, 1, 1)
    );
    let history = store.diffs(&a, 1).await.unwrap();
    let diff = &history[0].diff;
    assert_eq!(diff.added_keys(), [ItemKey::Host { id: "h04".into() }]);
    assert_eq!(diff.removed_keys(), [ItemKey::Host { id: "h01".into() }]);
    assert_eq!(diff.changed.len(), 1);
    assert_eq!(diff.changed[0].fields, ["name"]);
    // The raw-only change is stored even though it is not reported.
    let stored = store.snapshot(&a, "r1", HOST).await.unwrap().unwrap();
    let h3 = &stored.items[&ItemKey::Host { id: "h03".into() }];
    assert_eq!(h3.as_host().unwrap().raw.to_value()["Revision"], 1);
}

/// Counts every write to `snapshot_items`, through a trigger the store's own connection fires.
fn count_item_writes(path: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE item_writes (what TEXT NOT NULL);
         CREATE TRIGGER item_inserted AFTER INSERT ON snapshot_items
             BEGIN INSERT INTO item_writes VALUES ('insert'); END;
         CREATE TRIGGER item_updated AFTER UPDATE ON snapshot_items
             BEGIN INSERT INTO item_writes VALUES ('update'); END;
         CREATE TRIGGER item_deleted AFTER DELETE ON snapshot_items
             BEGIN INSERT INTO item_writes VALUES ('delete'); END;",
    )
    .unwrap();
    conn
}

fn writes(conn: &rusqlite::Connection) -> Vec<String> {
    let mut out: Vec<String> = conn
        .prepare("SELECT what FROM item_writes")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    conn.execute("DELETE FROM item_writes", []).unwrap();
    out.sort();
    out
}

fn counts_engine(cloud: &FakeCloud, store: Arc<dyn SnapshotStore>) -> SyncEngine {
    SyncEngine::builder(cloud.arc(), Arc::new(DefaultSyncPolicy::default()))
        .with_store(store)
        .with_clock(Arc::new(multicloud_core::ManualClock::new(T0)))
        .with_diff_detail(DiffDetail::Counts)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_resync_writes_only_the_rows_that_changed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inventory.db");
    let store = Arc::new(SqliteStore::open(&path).await.unwrap());
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1", "r2"], 50);
    let engine = counts_engine(&cloud, store.clone());
    let hosts: [&dyn multicloud_core::Feature; 1] = [&StandardFeature::Host];
    let first = engine.sync_now(&hosts).await;
    assert!(first.is_complete());
    assert_eq!(first.totals().added, 100);
    let log = count_item_writes(&path);

    let again = engine.sync_now(&hosts).await;
    assert!(again.is_complete());
    assert_eq!((again.totals().items, again.totals().added), (100, 0));
    assert!(writes(&log).is_empty(), "an unchanged resync rewrote rows");

    {
        let mut world = cloud.world();
        let r1 = world.hosts.get_mut("r1").unwrap();
        r1[0].name = Some("renamed".into());
        r1.remove(1);
        r1.push(host("r1", "r1-new"));
    }
    let changed = engine.sync_now(&hosts).await;
    let totals = changed.totals();
    assert_eq!(
        (totals.added, totals.removed, totals.changed),
        (1, 1, 1),
        "{changed:?}"
    );
    assert!(changed.diff("r1", HOST).unwrap().is_empty(), "counts only");
    assert_eq!(writes(&log), ["delete", "insert", "update"]);
}

#[tokio::test]
async fn a_dropped_writer_leaves_the_snapshot_and_clears_what_it_staged() {
    let store = each_page_store().await;
    let a = account(ProviderKind::Aws, "prod");
    let kept = snapshot(1, vec![version(1, 0, 0)]);
    store.replace_snapshot(&a, "r1", HOST, &kept).await.unwrap();

    let mut writer = store.begin_snapshot(&a, "r1", HOST).await.unwrap().unwrap();
    writer
        .write(vec![version(2, 0, 0), version(3, 0, 0)])
        .await
        .unwrap();
    assert_eq!(store.with_temp_tables(|c| staged_rows(c)).await.unwrap(), 2);
    drop(writer);

    let mut left = 2;
    for _ in 0..100 {
        left = store.with_temp_tables(|c| staged_rows(c)).await.unwrap();
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(left, 0, "the abandoned writer's rows were never cleared");
    assert_eq!(store.snapshot(&a, "r1", HOST).await.unwrap(), Some(kept));
    assert!(store.diffs(&a, 10).await.unwrap().len() == 1);
}

/// Two writers of r1 begun together: the first stages h01 and h02, the second h01.
async fn two_writers(
    store: &SqliteStore,
    a: &AccountRef,
) -> (Box<dyn SnapshotWriter>, Box<dyn SnapshotWriter>) {
    let mut first = store.begin_snapshot(a, "r1", HOST).await.unwrap().unwrap();
    let mut second = store.begin_snapshot(a, "r1", HOST).await.unwrap().unwrap();
    first
        .write(vec![version(1, 0, 0), version(2, 0, 0)])
        .await
        .unwrap();
    second.write(vec![version(1, 0, 0)]).await.unwrap();
    (first, second)
}

#[tokio::test]
async fn a_writer_whose_snapshot_was_replaced_meanwhile_stores_nothing() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let a = account(ProviderKind::Aws, "prod");
    store
        .replace_snapshot(&a, "r1", HOST, &snapshot(1, vec![version(1, 0, 0)]))
        .await
        .unwrap();
    // h01 unchanged: each writer stages it as "same as stored".
    let (first, second) = two_writers(&store, &a).await;
    let one = first.commit(T0, DiffDetail::Items).await.unwrap();
    assert_eq!(one.diff.added_keys(), [ItemKey::Host { id: "h02".into() }]);

    // The second compared its page with a snapshot that is gone: diffing it now could
    // report h02 as removed against the wrong base, or store a stale "same".
    let err = second.commit(T0, DiffDetail::Items).await.unwrap_err();
    assert_eq!(err.kind(), multicloud_core::ErrorKind::Transient, "{err}");
    assert!(
        err.message().contains("replaced by another writer"),
        "{err}"
    );
    let stored = store.snapshot(&a, "r1", HOST).await.unwrap().unwrap();
    assert_eq!(stored.len(), 2, "the first commit stays whole");

    // Any other write path counts as a replacement too.
    let mut third = store.begin_snapshot(&a, "r1", HOST).await.unwrap().unwrap();
    third.write(vec![version(1, 0, 0)]).await.unwrap();
    store
        .replace_snapshot(&a, "r1", HOST, &snapshot(3, vec![version(1, 1, 0)]))
        .await
        .unwrap();
    assert!(third.commit(T0, DiffDetail::Counts).await.is_err());
}

/// Writers of a snapshot that held nothing stage without comparing each item (their texts
/// go straight to the file); that is safe only because a commit still refuses a snapshot
/// written since the writer began, and the refused writer's texts are deleted.
#[tokio::test]
async fn writers_of_an_empty_snapshot_skip_the_comparison_but_not_the_generation_check() {
    let store = each_page_store().await;
    let a = account(ProviderKind::Aws, "prod");
    let (first, second) = two_writers(&store, &a).await;
    let staged =
        |condition: &'static str| store.with_temp_tables(move |c| staged_rows_where(c, condition));
    assert_eq!(
        staged("text_id IS NOT NULL").await.unwrap(),
        3,
        "every item has its text"
    );
    assert_eq!(
        staged("item IS NOT NULL").await.unwrap(),
        0,
        "no text is staged"
    );
    assert_eq!(texts_and_pending(&store).await, (3, 2));
    let one = first.commit(T0, DiffDetail::Items).await.unwrap();
    assert_eq!(one.counts.added, 2);
    let err = second.commit(T0, DiffDetail::Items).await.unwrap_err();
    assert!(
        err.message().contains("replaced by another writer"),
        "{err}"
    );
    assert_eq!(
        store.snapshot(&a, "r1", HOST).await.unwrap().unwrap().len(),
        2
    );
    // Committed or refused, neither writer leaves a staging table or a text behind.
    tokio::task::yield_now().await;
    let left = store.with_temp_tables(|c| staged_rows(c)).await.unwrap();
    assert_eq!(left, 0);
    assert_eq!(texts_and_pending(&store).await, (2, 0));
    assert_eq!(unnamed_and_missing_texts(&store).await, (vec![], vec![]));
}

#[tokio::test]
async fn unchanged_items_are_staged_as_keys_alone() {
    let store = each_page_store().await;
    let a = account(ProviderKind::Aws, "prod");
    let old: Vec<Item> = (0..10).map(|i| version(i, 0, 0)).collect();
    store
        .replace_snapshot(&a, "r1", HOST, &snapshot(1, old))
        .await
        .unwrap();
    let mut writer = store.begin_snapshot(&a, "r1", HOST).await.unwrap().unwrap();
    let mut new: Vec<Item> = (0..10).map(|i| version(i, 0, 0)).collect();
    new[3] = version(3, 1, 0);
    new.push(version(11, 0, 0));
    writer.write(new).await.unwrap();
    let with_text = store
        .with_temp_tables(|c| staged_rows_where(c, "item IS NOT NULL"))
        .await
        .unwrap();
    assert_eq!(
        with_text, 2,
        "only the renamed and the new item carry their text"
    );
    let got = writer.commit(T0, DiffDetail::Items).await.unwrap();
    assert_eq!(
        (got.items, got.counts.added, got.counts.changed),
        (11, 1, 1)
    );
}

#[tokio::test]
async fn a_failed_staged_listing_keeps_the_previous_snapshot() {
    let store = Arc::new(SqliteStore::open_in_memory().await.unwrap());
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1"], 3);
    let engine = engine_with(&cloud, DefaultSyncPolicy::default(), store.clone());
    let hosts: [&dyn multicloud_core::Feature; 1] = [&StandardFeature::Host];
    assert!(engine.sync_now(&hosts).await.is_complete());
    let before = engine.inventory().await.unwrap();
    cloud.world().failing.insert(("r1".into(), HOST.into()));
    let report = engine.sync_now(&hosts).await;
    assert!(report.job("r1", HOST).unwrap().result.is_err());
    assert_eq!(engine.inventory().await.unwrap(), before);
}

#[tokio::test]
async fn the_memory_store_keeps_the_reported_diff_itself_in_its_history() {
    let store = Arc::new(crate::MemoryStore::new());
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1"], 3);
    let engine = engine_with(&cloud, DefaultSyncPolicy::default(), store.clone());
    let hosts: [&dyn multicloud_core::Feature; 1] = [&StandardFeature::Host];
    let report = engine.sync_now(&hosts).await;
    let success = report.job("r1", HOST).unwrap().result.as_ref().unwrap();
    assert_eq!(success.diff.added.len(), 3);
    // Nobody subscribed, so no event holds it: the report and the history share one diff
    // (a copy in the history would leave the report's alone).
    assert_eq!(Arc::strong_count(&success.diff), 2);
    assert_eq!(
        store.diffs(&AccountRef::of(&cloud), 1).await.unwrap()[0].diff,
        *success.diff
    );
}

#[tokio::test]
async fn a_new_file_gets_large_pages_and_an_existing_file_keeps_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let page_size = |store: &SqliteStore| {
        let store = store.clone();
        async move {
            store
                .with_conn(|c| Ok(c.pragma_query_value(None, "page_size", |r| r.get::<_, i64>(0))?))
                .await
                .unwrap()
        }
    };
    let fresh = SqliteStore::open(dir.path().join("new.db")).await.unwrap();
    assert_eq!(page_size(&fresh).await, crate::SQLITE_PAGE_SIZE);

    // A file made with 4 KB pages (as earlier versions did) opens and syncs as before.
    let old_path = dir.path().join("old.db");
    rusqlite::Connection::open(&old_path)
        .unwrap()
        .execute_batch("PRAGMA page_size = 4096; CREATE TABLE keep (x);")
        .unwrap();
    let old = Arc::new(SqliteStore::open(&old_path).await.unwrap());
    assert_eq!(page_size(&old).await, 4096);
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1"], 5);
    let engine = counts_engine(&cloud, old.clone());
    let hosts: [&dyn multicloud_core::Feature; 1] = [&StandardFeature::Host];
    assert_eq!(engine.sync_now(&hosts).await.totals().added, 5);
}

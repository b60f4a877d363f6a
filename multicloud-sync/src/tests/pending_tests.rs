//! A first sync's texts written straight to the file (`sqlite_pending.rs`): the commit
//! makes them the snapshot's, and every way a writer can end without committing (dropped,
//! refused, crashed and swept) leaves no text behind; an item listed twice keeps its last
//! text only.

use std::time::Duration;

use multicloud_core::ProviderKind;
use serde_json::json;

use super::fake::{host, T0};
use super::store_suite::{account, HOST};
use super::texts_tests::unnamed_and_missing_texts;
use crate::sqlite_pending::sweep;
use crate::{DiffDetail, Item, SnapshotStore, SqliteStore, PENDING_TEXT_TTL};

/// How many texts the file holds, and how many pending ranges.
pub(crate) async fn texts_and_pending(store: &SqliteStore) -> (i64, i64) {
    store
        .with_conn(|c| {
            let count = |table: &str| -> rusqlite::Result<i64> {
                c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            };
            Ok((count("item_texts")?, count("pending_texts")?))
        })
        .await
        .unwrap()
}

/// An in-memory store whose snapshot writers write each page as it comes.
pub(crate) async fn each_page_store() -> SqliteStore {
    SqliteStore::open_in_memory()
        .await
        .unwrap()
        .writing_each_page(true)
}

fn item(id: &str, revision: u32) -> Item {
    host("r1", id)
        .with_raw(json!({ "InstanceId": id, "Revision": revision }))
        .into()
}

/// Makes every pending range look `age` old.
async fn age_pending(store: &SqliteStore, age: Duration) {
    let secs = i64::try_from(age.as_secs()).unwrap();
    store
        .with_conn(move |c| {
            c.execute(
                "UPDATE pending_texts SET staged_at = staged_at - ?1",
                [secs],
            )?;
            Ok(())
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_first_sync_writes_each_text_once_and_its_commit_names_them_all() {
    let store = each_page_store().await;
    let a = account(ProviderKind::Aws, "prod");
    let mut writer = store.begin_snapshot(&a, "r1", HOST).await.unwrap().unwrap();
    writer
        .write(vec![item("h2", 0), item("h1", 0)])
        .await
        .unwrap();
    writer.write(vec![item("h3", 0)]).await.unwrap();
    assert_eq!(
        texts_and_pending(&store).await,
        (3, 2),
        "one range per page"
    );
    let committed = writer.commit(T0, DiffDetail::Items).await.unwrap();
    assert_eq!((committed.items, committed.counts.added), (3, 3));
    assert_eq!(committed.diff.added.len(), 3);
    assert_eq!(texts_and_pending(&store).await, (3, 0));
    assert_eq!(unnamed_and_missing_texts(&store).await, (vec![], vec![]));
    let stored = store.snapshot(&a, "r1", HOST).await.unwrap().unwrap();
    assert_eq!(
        stored.items.into_values().collect::<Vec<_>>(),
        vec![item("h1", 0), item("h2", 0), item("h3", 0)]
    );
}

#[tokio::test]
async fn an_item_listed_twice_keeps_its_last_text_and_no_other() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let a = account(ProviderKind::Aws, "prod");
    let mut writer = store.begin_snapshot(&a, "r1", HOST).await.unwrap().unwrap();
    // Twice on one page, and again on the next.
    writer
        .write(vec![item("h1", 0), item("h2", 0), item("h1", 1)])
        .await
        .unwrap();
    writer.write(vec![item("h2", 2)]).await.unwrap();
    let committed = writer.commit(T0, DiffDetail::Counts).await.unwrap();
    assert_eq!((committed.items, committed.counts.added), (2, 2));
    assert_eq!(texts_and_pending(&store).await, (2, 0));
    assert_eq!(unnamed_and_missing_texts(&store).await, (vec![], vec![]));
    let stored = store.snapshot(&a, "r1", HOST).await.unwrap().unwrap();
    assert_eq!(
        stored.items.into_values().collect::<Vec<_>>(),
        vec![item("h1", 1), item("h2", 2)]
    );
}

#[tokio::test]
async fn a_dropped_first_sync_deletes_the_texts_it_wrote() {
    let store = each_page_store().await;
    let a = account(ProviderKind::Aws, "prod");
    let mut kept = store.begin_snapshot(&a, "r0", HOST).await.unwrap().unwrap();
    kept.write(vec![item("h9", 0)]).await.unwrap();
    let mut writer = store.begin_snapshot(&a, "r1", HOST).await.unwrap().unwrap();
    writer
        .write(vec![item("h1", 0), item("h2", 0)])
        .await
        .unwrap();
    assert_eq!(texts_and_pending(&store).await, (3, 2));
    drop(writer);
    // The cleanup is queued to the connection after the drop; wait for it.
    let mut left = (0, 0);
    for _ in 0..100 {
        left = texts_and_pending(&store).await;
        if left == (1, 1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        left,
        (1, 1),
        "only the other writer's text and range are left"
    );
    kept.commit(T0, DiffDetail::Counts).await.unwrap();
    assert_eq!(texts_and_pending(&store).await, (1, 0));
    assert!(store.snapshot(&a, "r1", HOST).await.unwrap().is_none());
}

/// A process that crashed while staging never deleted its texts: the next open of the file
/// sweeps them once they are older than [`PENDING_TEXT_TTL`], and leaves younger ones (which
/// another process may still be staging) alone.
#[tokio::test]
async fn texts_a_crashed_writer_left_are_swept_by_a_later_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inventory.db");
    let a = account(ProviderKind::Aws, "prod");
    {
        let store = SqliteStore::open(&path)
            .await
            .unwrap()
            .writing_each_page(true);
        store
            .replace_snapshot(
                &a,
                "r0",
                HOST,
                &super::store_suite::snapshot(1, vec![item("h0", 0)]),
            )
            .await
            .unwrap();
        let mut crashed = store.begin_snapshot(&a, "r1", HOST).await.unwrap().unwrap();
        crashed
            .write(vec![item("h1", 0), item("h2", 0)])
            .await
            .unwrap();
        // A crash: the writer's drop never runs.
        std::mem::forget(crashed);
        assert_eq!(texts_and_pending(&store).await, (3, 1));
    }
    // Younger than the TTL: kept.
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(texts_and_pending(&store).await, (3, 1));
    age_pending(&store, PENDING_TEXT_TTL + Duration::from_secs(60)).await;
    drop(store);
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(texts_and_pending(&store).await, (1, 0));
    assert_eq!(unnamed_and_missing_texts(&store).await, (vec![], vec![]));
    let kept = store.snapshot(&a, "r0", HOST).await.unwrap().unwrap();
    assert_eq!(
        kept.items.into_values().collect::<Vec<_>>(),
        vec![item("h0", 0)]
    );
}

/// A writer slower than the TTL finds its texts swept: its commit stores nothing rather
/// than snapshot rows naming texts that are gone.
#[tokio::test]
async fn a_writer_whose_texts_were_swept_stores_nothing() {
    let store = each_page_store().await;
    let a = account(ProviderKind::Aws, "prod");
    let mut writer = store.begin_snapshot(&a, "r1", HOST).await.unwrap().unwrap();
    writer.write(vec![item("h1", 0)]).await.unwrap();
    writer.write(vec![item("h2", 0)]).await.unwrap();
    age_pending(&store, Duration::from_secs(3600)).await;
    let swept = store
        .with_conn(|c| sweep(c, Duration::from_secs(60)))
        .await
        .unwrap();
    assert_eq!(swept, 2);
    let err = writer.commit(T0, DiffDetail::Counts).await.unwrap_err();
    assert_eq!(err.kind(), multicloud_core::ErrorKind::Transient, "{err}");
    assert!(err.message().contains("swept"), "{err}");
    assert!(store.snapshot(&a, "r1", HOST).await.unwrap().is_none());
    assert_eq!(unnamed_and_missing_texts(&store).await, (vec![], vec![]));
}

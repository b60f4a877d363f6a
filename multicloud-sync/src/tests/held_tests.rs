//! A SQLite snapshot writer holds small pages and writes them a few hundred KB at a time:
//! nothing reaches the file before that or the commit, a page of that size goes at once,
//! a dropped writer leaves nothing, and a key listed twice keeps its last item whatever
//! the page's size.

use multicloud_core::ProviderKind;
use serde_json::json;

use super::fake::{host, T0};
use super::pending_tests::texts_and_pending;
use super::store_suite::{account, snapshot, HOST};
use crate::sqlite_stream::WRITE_BATCH_BYTES;
use crate::{DiffDetail, Item, SnapshotStore, SqliteStore};

/// Host `id` with a raw record of about `pad` bytes.
fn padded(id: &str, revision: u32, pad: usize) -> Item {
    host("r1", id)
        .with_raw(json!({ "InstanceId": id, "Revision": revision, "Pad": "x".repeat(pad) }))
        .into()
}

#[tokio::test]
async fn small_pages_reach_the_file_together_and_a_large_page_at_once() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let a = account(ProviderKind::Aws, "prod");
    let mut writer = store.begin_snapshot(&a, "r1", HOST).await.unwrap().unwrap();
    writer
        .write(vec![padded("h1", 0, 100), padded("h2", 0, 100)])
        .await
        .unwrap();
    writer.write(vec![padded("h3", 0, 100)]).await.unwrap();
    assert_eq!(
        texts_and_pending(&store).await,
        (0, 0),
        "small pages are held"
    );
    // Past the batch size: this page and the held ones go in one write.
    let large: Vec<Item> = (0..8)
        .map(|n| padded(&format!("big{n}"), 0, WRITE_BATCH_BYTES / 8))
        .collect();
    writer.write(large).await.unwrap();
    assert_eq!(texts_and_pending(&store).await, (11, 1));
    writer.write(vec![padded("h4", 0, 100)]).await.unwrap();
    assert_eq!(texts_and_pending(&store).await, (11, 1));
    let committed = writer.commit(T0, DiffDetail::Counts).await.unwrap();
    assert_eq!((committed.items, committed.counts.added), (12, 12));
    assert_eq!(texts_and_pending(&store).await, (12, 0));
    let stored = store.snapshot(&a, "r1", HOST).await.unwrap().unwrap();
    assert_eq!(stored.len(), 12);
}

#[tokio::test]
async fn a_dropped_writer_with_held_pages_leaves_nothing() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let a = account(ProviderKind::Aws, "prod");
    let mut writer = store.begin_snapshot(&a, "r1", HOST).await.unwrap().unwrap();
    writer.write(vec![padded("h1", 0, 100)]).await.unwrap();
    drop(writer);
    let mut writer = store.begin_snapshot(&a, "r1", HOST).await.unwrap().unwrap();
    writer.write(vec![padded("h2", 0, 100)]).await.unwrap();
    writer.commit(T0, DiffDetail::Counts).await.unwrap();
    assert_eq!(texts_and_pending(&store).await, (1, 0));
    let stored = store.snapshot(&a, "r1", HOST).await.unwrap().unwrap();
    assert_eq!(
        stored.items.into_values().collect::<Vec<_>>(),
        vec![padded("h2", 0, 100)]
    );
}

/// A page long enough, and in an order, that an unstable sort reorders its two equal keys
/// (listed first and last, the rest in descending order): the key keeps its last item, in
/// a first sync and in a resync, with pages held or written at once.
#[tokio::test]
async fn a_key_listed_twice_on_a_long_page_keeps_its_last_item() {
    for each_page in [false, true] {
        let store = SqliteStore::open_in_memory()
            .await
            .unwrap()
            .writing_each_page(each_page);
        let a = account(ProviderKind::Aws, "prod");
        let page = |revision: u32| -> Vec<Item> {
            let mut page = vec![padded("h00", revision, 10)];
            page.extend((1..64).rev().map(|n| padded(&format!("h{n:02}"), 0, 10)));
            page.push(padded("h00", revision + 1, 10));
            page
        };
        for (revision, at) in [(0, 1), (5, 2)] {
            let mut writer = store.begin_snapshot(&a, "r1", HOST).await.unwrap().unwrap();
            writer.write(page(revision)).await.unwrap();
            writer
                .commit(snapshot(at, vec![]).synced_at, DiffDetail::Counts)
                .await
                .unwrap();
            let stored = store.snapshot(&a, "r1", HOST).await.unwrap().unwrap();
            assert_eq!(stored.len(), 64);
            let first = stored.items.into_values().next().unwrap();
            assert_eq!(
                first,
                padded("h00", revision + 1, 10),
                "each_page {each_page}"
            );
        }
    }
}

//! The SQLite store's shared item texts: every text is named by a snapshot row or a history
//! row, none is missing, and the history reads back the items it named.

use multicloud_core::ProviderKind;

use super::fake::host;
use super::store_suite::{account, snapshot, HOST};
use crate::{Diff, Item, SnapshotStore, SqliteStore};

/// The text ids no row names, and those named but gone (both empty in a sound file).
pub(crate) async fn unnamed_and_missing_texts(store: &SqliteStore) -> (Vec<i64>, Vec<i64>) {
    store
        .with_conn(|c| {
            let ids = |sql: &str| -> rusqlite::Result<Vec<i64>> {
                c.prepare(sql)?.query_map([], |r| r.get(0))?.collect()
            };
            let named = "SELECT text_id FROM snapshot_items
                 UNION SELECT j.value FROM diffs d, json_each(d.diff, '$.added') j WHERE d.refs = 1
                 UNION SELECT j.value FROM diffs d, json_each(d.diff, '$.removed') j WHERE d.refs = 1
                 UNION SELECT json_extract(j.value, '$.before')
                     FROM diffs d, json_each(d.diff, '$.changed') j WHERE d.refs = 1
                 UNION SELECT json_extract(j.value, '$.after')
                     FROM diffs d, json_each(d.diff, '$.changed') j WHERE d.refs = 1";
            let unnamed = ids(&format!(
                "SELECT id FROM item_texts WHERE id NOT IN ({named}) ORDER BY id"
            ))?;
            let missing = ids(&format!(
                "SELECT * FROM ({named}) WHERE 1 NOT IN (SELECT 1 FROM item_texts t \
                 WHERE t.id = text_id)"
            ))?;
            Ok((unnamed, missing))
        })
        .await
        .unwrap()
}

fn named(id: &str, name: &str) -> Item {
    host("r1", id).with_name(Some(name.into())).into()
}

fn raw(id: &str, revision: u32) -> Item {
    host("r1", id)
        .with_raw(serde_json::json!({ "Revision": revision }))
        .into()
}

#[tokio::test]
async fn each_text_is_written_once_and_deleted_when_nothing_names_it() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let a = account(ProviderKind::Aws, "prod");
    let rounds = [
        vec![named("a", "a"), raw("b", 1), named("c", "c")],
        // a renamed, b's raw record changed (not reported), c removed, d new.
        vec![named("a", "a2"), raw("b", 2), named("d", "d")],
        // b's raw record again: the text of revision 2 was named by no history row.
        vec![named("a", "a2"), raw("b", 3), named("d", "d")],
    ];
    let mut texts = Vec::new();
    for (at, items) in rounds.into_iter().enumerate() {
        store
            .replace_snapshot(&a, "r1", HOST, &snapshot(at as i64, items))
            .await
            .unwrap();
        assert_eq!(unnamed_and_missing_texts(&store).await, (vec![], vec![]));
        let count: i64 = store
            .with_conn(|c| Ok(c.query_row("SELECT count(*) FROM item_texts", [], |r| r.get(0))?))
            .await
            .unwrap();
        texts.push(count);
    }
    // 3 first; then a2, b2, d (c and a stay for the history): 6; then b3 replaces b2: 6.
    assert_eq!(texts, [3, 6, 6]);

    let history = store.diffs(&a, 10).await.unwrap();
    let second: &Diff = &history[0].diff;
    assert_eq!(second.added.len(), 1);
    assert_eq!(second.removed.len(), 1);
    assert_eq!(second.changed[0].fields, ["name"]);
    assert_eq!(
        second.changed[0].before.as_host().unwrap().name.as_deref(),
        Some("a")
    );
    assert_eq!(history.len(), 2, "raw-only changes write no history row");
}

#[tokio::test]
async fn deleting_an_account_deletes_its_texts_and_no_other() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let (prod, dev) = (
        account(ProviderKind::Aws, "prod"),
        account(ProviderKind::Aws, "dev"),
    );
    for a in [&prod, &dev] {
        let first = snapshot(0, vec![named("a", "a"), named("b", "b")]);
        store.replace_snapshot(a, "r1", HOST, &first).await.unwrap();
        let second = snapshot(1, vec![named("a", "a2")]);
        store
            .replace_snapshot(a, "r1", HOST, &second)
            .await
            .unwrap();
    }
    store.delete_account(&prod).await.unwrap();
    assert_eq!(unnamed_and_missing_texts(&store).await, (vec![], vec![]));
    assert!(store.inventory(&prod).await.unwrap().is_empty());
    assert_eq!(store.diffs(&dev, 10).await.unwrap().len(), 2);
    assert_eq!(store.inventory(&dev).await.unwrap().hosts().count(), 1);
}

#[tokio::test]
async fn a_snapshot_saved_with_its_diff_keeps_the_diff_whole_and_no_stale_text() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let a = account(ProviderKind::Aws, "prod");
    let first = snapshot(0, vec![named("a", "a"), named("b", "b")]);
    let diff = Diff::between(&Default::default(), &first.items);
    store
        .save_snapshot(&a, "r1", HOST, &first, &diff)
        .await
        .unwrap();
    let second = snapshot(1, vec![named("a", "a")]);
    let diff2 = Diff::between(&first.items, &second.items);
    store
        .save_snapshot(&a, "r1", HOST, &second, &diff2)
        .await
        .unwrap();
    assert_eq!(unnamed_and_missing_texts(&store).await, (vec![], vec![]));
    let history = store.diffs(&a, 10).await.unwrap();
    assert_eq!(history[0].diff, diff2);
    assert_eq!(history[1].diff, diff);
}

#[tokio::test]
async fn a_history_row_naming_a_text_that_is_gone_fails_with_a_clear_error() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let a = account(ProviderKind::Aws, "prod");
    let first = snapshot(0, vec![named("a", "a")]);
    store
        .replace_snapshot(&a, "r1", HOST, &first)
        .await
        .unwrap();
    store
        .with_conn(|c| Ok(c.execute("DELETE FROM item_texts", [])?))
        .await
        .unwrap();
    let err = store.diffs(&a, 10).await.unwrap_err();
    let chain = format!("{err} {:?}", std::error::Error::source(&err));
    assert!(
        chain.contains("names item text 1, which is gone"),
        "{chain}"
    );
}

//! The SQLite store's history limit: the newest records kept, the texts only pruned records
//! named deleted, and the texts a snapshot still lists left to that snapshot.

use multicloud_core::{HostState, ProviderKind};
use proptest::prelude::*;
use serde_json::json;

use super::fake::host;
use super::store_suite::{account, snapshot, HOST};
use super::texts_tests::unnamed_and_missing_texts;
use crate::{AccountRef, Diff, DiffDetail, Item, Snapshot, SnapshotStore, SqliteStore};

/// How a round writes its snapshot.
#[derive(Debug, Clone, Copy)]
enum Path {
    /// `replace_snapshot`: the whole listing, diffed in the store.
    Whole,
    /// `begin_snapshot`: staged page by page.
    Paged,
    /// `save_snapshot` with the diff against the stored snapshot, kept whole.
    Saved,
}

/// A host of `region` from a small pool of ids, in one of a few versions (`raw`: a change
/// of the raw record alone, stored but never reported).
fn version(region: &str, id: u8, look: u8, raw: u8) -> Item {
    let id = format!("h{id:02}");
    let mut h = host(region, &id)
        .with_name(Some(format!("{id}-v{look}")))
        .with_raw(json!({ "InstanceId": id, "Revision": raw }));
    if look == 2 {
        h.state = HostState::Stopped;
    }
    h.into()
}

async fn write(store: &SqliteStore, a: &AccountRef, region: &str, s: &Snapshot, path: Path) {
    match path {
        Path::Whole => {
            store.replace_snapshot(a, region, HOST, s).await.unwrap();
        }
        Path::Paged => {
            let mut writer = store
                .begin_snapshot(a, region, HOST)
                .await
                .unwrap()
                .unwrap();
            for page in s.items.values().cloned().collect::<Vec<_>>().chunks(3) {
                writer.write(page.to_vec()).await.unwrap();
            }
            writer
                .commit(s.synced_at, DiffDetail::Counts)
                .await
                .unwrap();
        }
        Path::Saved => {
            let stored = store.snapshot(a, region, HOST).await.unwrap();
            let before = stored.map(|s| s.items).unwrap_or_default();
            let diff = Diff::between(&before, &s.items);
            store
                .save_snapshot(a, region, HOST, s, &diff)
                .await
                .unwrap();
        }
    }
}

/// One round: which region, its hosts as (id, look, raw), and which write path.
type Round = (usize, Vec<(u8, u8, u8)>, u8);

fn rounds() -> impl Strategy<Value = Vec<Round>> {
    let hosts = prop::collection::vec((0u8..8, 0u8..3, 0u8..2), 0..10);
    prop::collection::vec((0usize..2, hosts, 0u8..3), 1..14)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Whatever the write path and the limit, after every write the history is the newest
    /// records an unlimited store holds, at least `limit` of them (when there are) and at
    /// most `limit + limit / 4`; the snapshots are the same; and every text is named by a
    /// row, none missing (a text a pruned record named is deleted, or is its snapshot's
    /// alone again, so it goes when the snapshot lets it go).
    #[test]
    fn a_limited_history_is_the_newest_of_the_whole_one(limit in 0usize..6, rounds in rounds()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let a = account(ProviderKind::Aws, "prod");
            let limited = SqliteStore::open_in_memory().await.unwrap().with_history_limit(limit);
            let whole = SqliteStore::open_in_memory().await.unwrap().with_history_limit(usize::MAX);
            for (at, (region, hosts, path)) in rounds.into_iter().enumerate() {
                let region = ["r1", "r2"][region];
                let items = hosts.into_iter().map(|(i, l, r)| version(region, i, l, r)).collect();
                let s = snapshot(at as i64, items);
                let path = [Path::Whole, Path::Paged, Path::Saved][usize::from(path)];
                for store in [&limited, &whole] {
                    write(store, &a, region, &s, path).await;
                }
                let all = whole.diffs(&a, usize::MAX).await.unwrap();
                let kept = limited.diffs(&a, usize::MAX).await.unwrap();
                prop_assert!(kept.len() >= limit.min(all.len()), "{} of {}", kept.len(), all.len());
                prop_assert!(kept.len() <= limit + limit / 4, "{} kept, limit {limit}", kept.len());
                prop_assert_eq!(&kept[..], &all[..kept.len()]);
                for region in ["r1", "r2"] {
                    prop_assert_eq!(
                        limited.snapshot(&a, region, HOST).await.unwrap(),
                        whole.snapshot(&a, region, HOST).await.unwrap()
                    );
                }
                prop_assert_eq!(unnamed_and_missing_texts(&limited).await, (vec![], vec![]));
            }
            Ok(())
        })?;
    }
}

/// Another account's history is never pruned with this one's, and deleting an account
/// after a prune leaves no text behind.
#[tokio::test]
async fn a_prune_touches_its_own_account_only() {
    let store = SqliteStore::open_in_memory()
        .await
        .unwrap()
        .with_history_limit(1);
    let (prod, dev) = (
        account(ProviderKind::Aws, "prod"),
        account(ProviderKind::Aws, "dev"),
    );
    for at in 0..4u8 {
        for a in [&prod, &dev] {
            let s = snapshot(i64::from(at), vec![version("r1", at, 0, 0)]);
            store.replace_snapshot(a, "r1", HOST, &s).await.unwrap();
        }
    }
    for a in [&prod, &dev] {
        let history = store.diffs(a, 10).await.unwrap();
        assert_eq!(history.len(), 1, "{a:?}");
        assert_eq!(history[0].diff.added_keys(), [version("r1", 3, 0, 0).key()]);
    }
    assert_eq!(store.history_limit(), 1);
    store.delete_account(&prod).await.unwrap();
    assert_eq!(unnamed_and_missing_texts(&store).await, (vec![], vec![]));
    assert_eq!(store.diffs(&dev, 10).await.unwrap().len(), 1);
}

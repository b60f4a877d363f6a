//! `Diff::between` on random snapshot pairs agrees with a plain model: added, removed and
//! changed (with the exact field names) are exactly right; and the SQLite store's diff (made
//! by comparing stored JSON texts) and its history row equal `Diff::between`.
//!
//! 256 cases by default; `PROPTEST_CASES=10000 cargo test -p multicloud-sync --test
//! diff_props` for the long run (docs/testing.md).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use multicloud_core::{AccountName, ProviderKind};
use multicloud_core::{CloudResource, ErrorKind, Host, HostState, Tags, UnknownField};
use multicloud_sync::{AccountRef, Diff, Item, ItemKey, Snapshot, SnapshotStore, SqliteStore};
use proptest::prelude::*;
use serde_json::json;

/// Small value sets, so that equal and different values both come up often.
fn small_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop::sample::select(vec!["a", "b", "Ω"]).prop_map(str::to_owned))
}

fn ips() -> impl Strategy<Value = Vec<IpAddr>> {
    let pool: Vec<IpAddr> = ["10.0.0.1", "10.0.0.2", "2001:db8::1"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    // Order and duplicates vary; neither is a change.
    prop::collection::vec(prop::sample::select(pool), 0..4)
}

fn tags() -> impl Strategy<Value = Tags> {
    prop::collection::btree_map(
        prop::sample::select(vec!["env", "team"]).prop_map(str::to_owned),
        prop::sample::select(vec!["prod", "dev"]).prop_map(str::to_owned),
        0..3,
    )
}

fn state() -> impl Strategy<Value = HostState> {
    prop_oneof![
        Just(HostState::Running),
        Just(HostState::Stopped),
        Just(HostState::Other("odd".into())),
    ]
}

fn host(id: String) -> impl Strategy<Value = Item> {
    (
        (small_text(), state(), small_text(), small_text()),
        (ips(), ips(), small_text(), small_text(), tags()),
        // Not compared for hosts: region, creation time, raw.
        (
            prop::sample::select(vec!["r1", "r2"]),
            any::<bool>(),
            0u8..3,
        ),
    )
        .prop_map(
            move |(
                (name, state, instance_type, zone),
                (private, public, os, vpc, tags),
                (region, created, raw),
            )| {
                let mut h = Host::new(id.clone(), region, state);
                h.name = name;
                h.instance_type = instance_type;
                h.zone = zone;
                h.private_ips = private;
                h.public_ips = public;
                h.os = os;
                h.vpc_id = vpc;
                h.tags = tags;
                h.created_at = created.then_some(time::OffsetDateTime::UNIX_EPOCH);
                h.raw = json!({ "v": raw }).into();
                Item::Host(h)
            },
        )
}

fn resource(service: &'static str, id: String) -> impl Strategy<Value = Item> {
    (
        small_text(),
        tags(),
        prop::sample::select(vec!["r1", "global"]),
        0u8..3,
        any::<bool>(),
    )
        .prop_map(move |(name, tags, region, raw, unknown)| {
            let mut r = CloudResource::new(service, "thing", id.clone(), region);
            r.name = name;
            r.tags = tags;
            r.raw = json!({ "v": raw }).into();
            // Not compared: which fields could not be read.
            if unknown {
                r = r.with_unknown(UnknownField::new(
                    "tags",
                    "x:Get",
                    ErrorKind::PermissionDenied,
                ));
            }
            Item::Resource(r)
        })
}

/// One item for a key drawn from a small space: hosts and two resource services share ids,
/// and keys must still never collide across kinds.
fn item() -> impl Strategy<Value = Item> {
    (0u8..3, 0u8..6).prop_flat_map(|(kind, n)| {
        let id = format!("id-{n}");
        match kind {
            0 => host(id).boxed(),
            1 => resource("s3", id).boxed(),
            _ => resource("ec2", id).boxed(),
        }
    })
}

fn snapshot() -> impl Strategy<Value = BTreeMap<ItemKey, Item>> {
    prop::collection::vec(item(), 0..12)
        .prop_map(|items| items.into_iter().map(|i| (i.key(), i)).collect())
}

/// The model: what changed, field by field, written out from the documented field lists.
fn model_fields(before: &Item, after: &Item) -> Vec<&'static str> {
    fn set(ips: &[IpAddr]) -> BTreeSet<IpAddr> {
        ips.iter().copied().collect()
    }
    let mut out = Vec::new();
    match (before, after) {
        (Item::Host(a), Item::Host(b)) => {
            let checks = [
                ("name", a.name != b.name),
                ("state", a.state != b.state),
                ("instance_type", a.instance_type != b.instance_type),
                ("zone", a.zone != b.zone),
                ("private_ips", set(&a.private_ips) != set(&b.private_ips)),
                ("public_ips", set(&a.public_ips) != set(&b.public_ips)),
                ("os", a.os != b.os),
                ("vpc_id", a.vpc_id != b.vpc_id),
                ("tags", a.tags != b.tags),
            ];
            out.extend(checks.iter().filter(|c| c.1).map(|c| c.0));
        }
        (Item::Resource(a), Item::Resource(b)) => {
            let checks = [
                ("name", a.name != b.name),
                ("tags", a.tags != b.tags),
                ("region", a.region != b.region),
                ("raw", a.raw != b.raw),
            ];
            out.extend(checks.iter().filter(|c| c.1).map(|c| c.0));
        }
        _ => panic!("one key, two kinds: {before:?} / {after:?}"),
    }
    out
}

proptest! {
    #[test]
    fn the_diff_matches_the_model(old in snapshot(), new in snapshot()) {
        let diff = Diff::between(&old, &new);

        let added: Vec<&Item> = new.iter().filter(|(k, _)| !old.contains_key(*k)).map(|(_, i)| i).collect();
        let removed: Vec<&Item> = old.iter().filter(|(k, _)| !new.contains_key(*k)).map(|(_, i)| i).collect();
        prop_assert_eq!(diff.added.iter().collect::<Vec<_>>(), added);
        prop_assert_eq!(diff.removed.iter().collect::<Vec<_>>(), removed);

        let mut changed = Vec::new();
        for (key, after) in &new {
            if let Some(before) = old.get(key) {
                let fields = model_fields(before, after);
                if !fields.is_empty() {
                    changed.push((key.clone(), fields, before.clone(), after.clone()));
                }
            }
        }
        prop_assert_eq!(diff.changed.len(), changed.len());
        for (got, (key, fields, before, after)) in diff.changed.iter().zip(changed) {
            prop_assert_eq!(&got.key, &key);
            prop_assert_eq!(&got.fields, &fields);
            prop_assert_eq!(&got.before, &before);
            prop_assert_eq!(&got.after, &after);
        }
        // Every key of either side is accounted for exactly once (or is unchanged).
        let unchanged = new.keys().filter(|k| old.contains_key(*k)).count() - diff.changed.len();
        prop_assert_eq!(
            diff.added.len() + diff.removed.len() + diff.changed.len() + unchanged,
            old.keys().chain(new.keys()).collect::<BTreeSet<_>>().len()
        );
        prop_assert_eq!(diff.is_empty(), diff.added.is_empty() && diff.removed.is_empty() && diff.changed.is_empty());
    }

    #[test]
    fn the_diff_is_symmetric_and_a_snapshot_equals_itself(old in snapshot(), new in snapshot()) {
        prop_assert!(Diff::between(&old, &old).is_empty());
        let forward = Diff::between(&old, &new);
        let back = Diff::between(&new, &old);
        prop_assert_eq!(forward.added_keys(), back.removed_keys());
        prop_assert_eq!(forward.removed_keys(), back.added_keys());
        let keys = |d: &Diff| d.changed.iter().map(|c| (c.key.clone(), c.fields.clone())).collect::<Vec<_>>();
        prop_assert_eq!(keys(&forward), keys(&back));
    }

    #[test]
    fn the_sqlite_store_diffs_as_diff_between(old in snapshot(), new in snapshot()) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let (diff, history) = rt.block_on(async {
            let store = SqliteStore::open_in_memory().await.unwrap();
            let account = AccountRef::new(ProviderKind::Aws, AccountName::new("p").unwrap());
            let at = time::OffsetDateTime::UNIX_EPOCH;
            let first = Snapshot::new(at, old.values().cloned());
            store.replace_snapshot(&account, "r", "k", &first).await.unwrap();
            let second = Snapshot::new(at, new.values().cloned());
            // The engine's way (the snapshot handed over), after the borrowed one.
            let diff = store.replace_snapshot_owned(&account, "r", "k", second).await.unwrap();
            let history = store.diffs(&account, 1).await.unwrap();
            (diff, history)
        });
        let expected = Diff::between(&old, &new);
        prop_assert_eq!(diff.as_ref(), &expected);
        if expected.is_empty() {
            // No record for an empty diff: the newest is the first snapshot's, if it had items.
            let newest = history.first().map(|r| r.diff.added.len());
            prop_assert_eq!(newest, (!old.is_empty()).then_some(old.len()));
        } else {
            prop_assert_eq!(&history[0].diff, &expected);
        }
    }
}

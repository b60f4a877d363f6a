//! Added / removed / changed between two snapshots of one (account, region, feature).

use std::collections::BTreeMap;
use std::net::IpAddr;

use multicloud_core::{CloudResource, Host};
use serde::{Deserialize, Serialize};

use crate::item::{Item, ItemKey};

/// The difference between the previous and the new complete listing.
///
/// Every list is sorted by [`ItemKey`], and [`Change::fields`] follows a fixed field order,
/// so equal inputs always give equal diffs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Diff {
    /// Items in the new listing only.
    pub added: Vec<Item>,
    /// Items in the previous listing only.
    pub removed: Vec<Item>,
    /// Items in both whose compared fields differ.
    pub changed: Vec<Change>,
}

/// One item whose fields changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Change {
    /// The item's key.
    pub key: ItemKey,
    /// The names of the fields that differ, in the model's field order.
    ///
    /// Hosts compare `name`, `state`, `instance_type`, `zone`, `private_ips`, `public_ips`,
    /// `os`, `vpc_id` and `tags` (IP lists as sets: order is not a change). Resources compare
    /// `name`, `tags`, `region` and `raw`.
    pub fields: Vec<String>,
    /// The item as previously stored.
    pub before: Item,
    /// The item as now listed.
    pub after: Item,
}

impl Diff {
    /// Compares a previous snapshot's items with a new listing's.
    pub fn between(old: &BTreeMap<ItemKey, Item>, new: &BTreeMap<ItemKey, Item>) -> Diff {
        let mut diff = Diff::default();
        for (key, after) in new {
            match old.get(key) {
                None => diff.added.push(after.clone()),
                Some(before) => {
                    let fields = changed_fields(before, after);
                    if !fields.is_empty() {
                        diff.changed.push(Change {
                            key: key.clone(),
                            fields: fields.into_iter().map(str::to_owned).collect(),
                            before: before.clone(),
                            after: after.clone(),
                        });
                    }
                }
            }
        }
        diff.removed = old
            .iter()
            .filter(|(key, _)| !new.contains_key(key))
            .map(|(_, item)| item.clone())
            .collect();
        diff
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// The keys of the added items.
    pub fn added_keys(&self) -> Vec<ItemKey> {
        self.added.iter().map(Item::key).collect()
    }

    /// The keys of the removed items.
    pub fn removed_keys(&self) -> Vec<ItemKey> {
        self.removed.iter().map(Item::key).collect()
    }
}

/// The names of the compared fields that differ between two versions of one item.
pub fn changed_fields(before: &Item, after: &Item) -> Vec<&'static str> {
    match (before, after) {
        (Item::Host(a), Item::Host(b)) => host_fields(a, b),
        (Item::Resource(a), Item::Resource(b)) => resource_fields(a, b),
        // Keys never match across kinds; treat a kind flip as a change of everything.
        _ => vec!["kind"],
    }
}

fn host_fields(a: &Host, b: &Host) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |name, differs: bool| {
        if differs {
            out.push(name);
        }
    };
    check("name", a.name != b.name);
    check("state", a.state != b.state);
    check("instance_type", a.instance_type != b.instance_type);
    check("zone", a.zone != b.zone);
    check("private_ips", !same_ips(&a.private_ips, &b.private_ips));
    check("public_ips", !same_ips(&a.public_ips, &b.public_ips));
    check("os", a.os != b.os);
    check("vpc_id", a.vpc_id != b.vpc_id);
    check("tags", a.tags != b.tags);
    out
}

fn resource_fields(a: &CloudResource, b: &CloudResource) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |name, differs: bool| {
        if differs {
            out.push(name);
        }
    };
    check("name", a.name != b.name);
    check("tags", a.tags != b.tags);
    check("region", a.region != b.region);
    check("raw", a.raw != b.raw);
    out
}

// Providers list addresses in no guaranteed order; a reorder is not a change.
/// Whether two IP lists hold the same set; equal lists (the usual case) need no sorting.
fn same_ips(a: &[IpAddr], b: &[IpAddr]) -> bool {
    a == b || sorted(a) == sorted(b)
}

fn sorted(ips: &[IpAddr]) -> Vec<IpAddr> {
    let mut v = ips.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use multicloud_core::HostState;
    use serde_json::json;

    use super::*;

    fn host(id: &str) -> Host {
        Host::new(id, "r1", HostState::Running)
            .with_name(Some(format!("name-{id}")))
            .with_instance_type(Some("t3.micro".into()))
            .with_zone(Some("r1a".into()))
            .with_private_ips(vec![
                "10.0.0.1".parse().unwrap(),
                "10.0.0.2".parse().unwrap(),
            ])
            .with_os(Some("linux".into()))
            .with_vpc_id(Some("vpc-1".into()))
            .with_raw(json!({"id": id}))
    }

    fn bucket(id: &str) -> CloudResource {
        CloudResource::new("s3", "bucket", id, "r1")
            .with_name(Some(id.into()))
            .with_raw(json!({"Name": id}))
    }

    fn map(items: impl IntoIterator<Item = Item>) -> BTreeMap<ItemKey, Item> {
        items.into_iter().map(|i| (i.key(), i)).collect()
    }

    #[test]
    fn identical_snapshots_give_an_empty_diff() {
        let s = map([host("a").into(), bucket("b").into()]);
        assert!(Diff::between(&s, &s).is_empty());
    }

    #[test]
    fn added_removed_and_changed_are_exact_and_sorted() {
        let old = map([host("b").into(), host("a").into(), host("c").into()]);
        let mut changed = host("c");
        changed.state = HostState::Stopped;
        changed.tags.insert("env".into(), "prod".into());
        changed.raw = json!({"different": true}).into(); // raw is not compared for hosts
        let new = map([
            host("e").into(),
            changed.clone().into(),
            host("d").into(),
            host("b").into(),
        ]);
        let d = Diff::between(&old, &new);
        assert_eq!(
            d.added_keys(),
            [
                ItemKey::Host { id: "d".into() },
                ItemKey::Host { id: "e".into() }
            ]
        );
        assert_eq!(d.removed_keys(), [ItemKey::Host { id: "a".into() }]);
        assert_eq!(d.changed.len(), 1);
        assert_eq!(d.changed[0].key, ItemKey::Host { id: "c".into() });
        assert_eq!(d.changed[0].fields, ["state", "tags"]);
        assert_eq!(d.changed[0].after, Item::Host(changed));
    }

    #[test]
    fn ip_order_is_not_a_change_but_a_new_ip_is() {
        let a = host("a");
        let mut reordered = a.clone();
        reordered.private_ips.reverse();
        assert!(changed_fields(&a.clone().into(), &reordered.into()).is_empty());
        let mut more = a.clone();
        more.public_ips.push("203.0.113.9".parse().unwrap());
        assert_eq!(changed_fields(&a.into(), &more.into()), ["public_ips"]);
    }

    #[test]
    fn every_host_field_is_detected() {
        let a = host("a");
        let mut b = a.clone();
        b.name = None;
        b.state = HostState::Other("weird".into());
        b.instance_type = None;
        b.zone = None;
        b.private_ips.clear();
        b.public_ips.push("198.51.100.1".parse().unwrap());
        b.os = None;
        b.vpc_id = None;
        b.tags.insert("k".into(), "v".into());
        assert_eq!(
            changed_fields(&a.into(), &b.into()),
            [
                "name",
                "state",
                "instance_type",
                "zone",
                "private_ips",
                "public_ips",
                "os",
                "vpc_id",
                "tags"
            ]
        );
    }

    #[test]
    fn resources_are_keyed_by_service_type_and_id_and_compare_raw() {
        let a = bucket("x");
        let mut same_id_other_type = a.clone();
        same_id_other_type.resource_type = "access_point".into();
        let old = map([a.clone().into()]);
        let new = map([a.clone().into(), same_id_other_type.into()]);
        let d = Diff::between(&old, &new);
        assert_eq!(d.added.len(), 1);
        assert!(d.removed.is_empty());

        let mut b = a.clone();
        b.raw = json!({"Name": "x", "Versioning": "Enabled"}).into();
        b.region = "r2".into();
        assert_eq!(changed_fields(&a.into(), &b.into()), ["region", "raw"]);
    }
}

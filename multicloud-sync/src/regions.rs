//! Which listed regions to sync, and which are new ("region management").
//!
//! The first non-empty region listing of an account is its baseline: those regions are
//! [`RegionOrigin::Initial`] and no discovery is announced. A region missing from every
//! earlier listing is [`RegionOrigin::Discovered`] and announced once. A scannable region is
//! synced when
//! - the policy names it explicitly (`regions = [...]`), or
//! - it is in the baseline and the policy says `regions = "all"`, or
//! - it was discovered and `include_new_regions` is on.
//!
//! So with region management off, regions that appear later are reported but not synced
//! unless the user lists them.

use std::collections::BTreeMap;

use multicloud_core::{Region, RegionSelection, SyncPolicy};
use time::OffsetDateTime;

use crate::snapshot::{KnownRegion, RegionOrigin};

/// The decision for one region listing.
#[derive(Debug, Default)]
pub(crate) struct RegionPlan {
    /// The regions to sync, sorted by id.
    pub(crate) selected: Vec<Region>,
    /// Regions seen for the first time, with whether they are synced.
    pub(crate) discovered: Vec<(Region, bool)>,
    /// Records for every region not known before (baseline or discovered).
    pub(crate) new_known: Vec<KnownRegion>,
}

pub(crate) fn plan(
    listed: &[Region],
    known: &[KnownRegion],
    policy: &dyn SyncPolicy,
    now: OffsetDateTime,
) -> RegionPlan {
    let selection = policy.regions();
    let include_new = policy.include_new_regions();
    let first_listing = known.is_empty();
    let mut origins: BTreeMap<&str, RegionOrigin> =
        known.iter().map(|k| (k.id.as_str(), k.origin)).collect();

    // Sorted and deduplicated so jobs, events and reports come out in a stable order.
    let mut listed: Vec<&Region> = listed.iter().collect();
    listed.sort_by(|a, b| a.id.cmp(&b.id));
    listed.dedup_by(|a, b| a.id == b.id);

    let mut out = RegionPlan::default();
    for region in listed {
        let origin = match origins.get(region.id.as_str()) {
            Some(origin) => *origin,
            None => {
                let origin = if first_listing {
                    RegionOrigin::Initial
                } else {
                    RegionOrigin::Discovered
                };
                origins.insert(&region.id, origin);
                out.new_known.push(KnownRegion {
                    id: region.id.clone(),
                    origin,
                    first_seen: now,
                });
                if origin == RegionOrigin::Discovered {
                    let included =
                        region.is_scannable() && wanted(region, origin, &selection, include_new);
                    out.discovered.push((region.clone(), included));
                }
                origin
            }
        };
        if region.is_scannable() && wanted(region, origin, &selection, include_new) {
            out.selected.push(region.clone());
        }
    }
    out
}

fn wanted(
    region: &Region,
    origin: RegionOrigin,
    selection: &RegionSelection,
    include_new: bool,
) -> bool {
    match (selection, origin) {
        (RegionSelection::Only(ids), _) if ids.contains(&region.id) => true,
        (RegionSelection::All, RegionOrigin::Initial) => true,
        (_, RegionOrigin::Discovered) => include_new,
        (RegionSelection::Only(_), RegionOrigin::Initial) => false,
    }
}

#[cfg(test)]
mod tests {
    use multicloud_core::RegionStatus;
    use time::macros::datetime;

    use super::*;
    use crate::policy::DefaultSyncPolicy;

    const NOW: OffsetDateTime = datetime!(2024-05-01 00:00 UTC);

    fn ids(regions: &[Region]) -> Vec<&str> {
        regions.iter().map(|r| r.id.as_str()).collect()
    }

    fn known(list: &[(&str, RegionOrigin)]) -> Vec<KnownRegion> {
        list.iter()
            .map(|(id, origin)| KnownRegion {
                id: (*id).into(),
                origin: *origin,
                first_seen: NOW,
            })
            .collect()
    }

    #[test]
    fn the_first_listing_is_the_baseline_without_discoveries() {
        let mut opt_in = Region::enabled("af-south-1");
        opt_in.status = RegionStatus::NotOptedIn;
        let listed = [Region::enabled("b"), Region::enabled("a"), opt_in];
        let p = plan(&listed, &[], &DefaultSyncPolicy::default(), NOW);
        assert_eq!(ids(&p.selected), ["a", "b"]);
        assert!(p.discovered.is_empty());
        assert_eq!(p.new_known.len(), 3);
        assert!(p
            .new_known
            .iter()
            .all(|k| k.origin == RegionOrigin::Initial));
    }

    #[test]
    fn a_new_region_is_discovered_and_included_with_region_management() {
        let known = known(&[("a", RegionOrigin::Initial)]);
        let listed = [Region::enabled("a"), Region::enabled("c")];
        let p = plan(&listed, &known, &DefaultSyncPolicy::default(), NOW);
        assert_eq!(ids(&p.selected), ["a", "c"]);
        assert_eq!(p.discovered, [(Region::enabled("c"), true)]);
        assert_eq!(p.new_known[0].origin, RegionOrigin::Discovered);
    }

    #[test]
    fn without_region_management_a_new_region_is_reported_not_synced() {
        let policy = DefaultSyncPolicy::default().with_include_new_regions(false);
        let known = known(&[
            ("a", RegionOrigin::Initial),
            ("c", RegionOrigin::Discovered),
        ]);
        let listed = [
            Region::enabled("a"),
            Region::enabled("c"),
            Region::enabled("d"),
        ];
        let p = plan(&listed, &known, &policy, NOW);
        assert_eq!(ids(&p.selected), ["a"]);
        assert_eq!(p.discovered, [(Region::enabled("d"), false)]);
    }

    #[test]
    fn an_explicit_list_limits_the_baseline_but_not_discoveries() {
        let policy = DefaultSyncPolicy::default()
            .with_regions(RegionSelection::Only(vec!["b".into(), "z".into()]));
        let known = known(&[("a", RegionOrigin::Initial), ("b", RegionOrigin::Initial)]);
        let listed = [
            Region::enabled("a"),
            Region::enabled("b"),
            Region::enabled("n"),
        ];
        let p = plan(&listed, &known, &policy, NOW);
        assert_eq!(ids(&p.selected), ["b", "n"]);
        let strict = policy.with_include_new_regions(false);
        let p = plan(&listed, &known, &strict, NOW);
        assert_eq!(ids(&p.selected), ["b"]);
    }

    #[test]
    fn an_unscannable_new_region_is_announced_as_not_included() {
        let known = known(&[("a", RegionOrigin::Initial)]);
        let mut new = Region::enabled("x");
        new.status = RegionStatus::Unavailable;
        let p = plan(
            &[Region::enabled("a"), new.clone()],
            &known,
            &DefaultSyncPolicy::default(),
            NOW,
        );
        assert_eq!(ids(&p.selected), ["a"]);
        assert_eq!(p.discovered, [(new, false)]);
    }
}

//! Huawei Cloud under faults, end to end: throttling and dropped connections retried with the
//! exact extra requests, truncated bodies, clock skew, and a fan-out over every kind and
//! region with a refused key, where nothing follows the first refusal.

mod huawei_support;

use futures::future::join_all;
use futures::TryStreamExt;
use huawei_support::{builder_with, collect, provider, provider_with, sim};
use multicloud_core::{AccessKey, CloudProvider, ErrorKind, Item, Region, Result};
use multicloud_testkit::{SimHostState, Trigger};

fn live_hosts(cloud: &multicloud_testkit::SimCloud, region: &str) -> usize {
    cloud
        .inventory()
        .hosts_in(region)
        .iter()
        .filter(|h| h.state != SimHostState::Terminated)
        .count()
}

#[tokio::test]
async fn throttled_and_dropped_calls_are_sent_again_and_nothing_is_lost() {
    let cloud = sim(30, 1, 0).await;
    let admin = cloud.keys().by_label("admin").unwrap().access_key();
    let p = builder_with(&cloud, admin)
        .with_page_size(5)
        .build()
        .unwrap();
    // Resolve the projects first so only ECS calls are counted.
    p.check_key().await.unwrap();
    cloud
        .faults()
        .on("ecs:ListServersDetails")
        .throttle(Trigger::first(2));
    let hosts = collect(&p, "host", Some("cn-north-4")).await.unwrap();
    let expected = live_hosts(&cloud, "cn-north-4");
    assert_eq!(hosts.len(), expected);
    assert_eq!(
        cloud.count("ecs:ListServersDetails"),
        expected.div_ceil(5) + 2
    );
    cloud.faults().clear();
    cloud
        .faults()
        .on("ecs:ListServersDetails")
        .drop_connection(Trigger::first(1));
    let before = cloud.count("ecs:ListServersDetails");
    let hosts = collect(&p, "host", Some("cn-north-4")).await.unwrap();
    assert_eq!(hosts.len(), expected);
    assert!(cloud.count("ecs:ListServersDetails") - before >= expected.div_ceil(5));
}

#[tokio::test]
async fn a_cut_body_fails_its_listing_with_a_typed_error() {
    let cloud = sim(6, 1, 2).await;
    let p = builder_with(&cloud, cloud.keys().by_label("admin").unwrap().access_key())
        .with_retry(huawei_support::fast_retry(1))
        .build()
        .unwrap();
    p.check_key().await.unwrap();
    cloud
        .faults()
        .on("rms:ListAllResources")
        .truncate_body(Trigger::every(1));
    let e = collect(&p, "rds.instances", None).await.unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Decode | ErrorKind::Transient),
        "{e}"
    );
    // The hosts are not affected.
    assert_eq!(
        collect(&p, "host", Some("cn-north-4")).await.unwrap().len(),
        live_hosts(&cloud, "cn-north-4")
    );
}

#[tokio::test]
async fn a_refused_key_fanned_out_over_every_kind_and_region_sends_one_request() {
    let cloud = sim(20, 3, 2).await;
    let admin = cloud.keys().by_label("admin").unwrap();
    let p = provider_with(
        &cloud,
        AccessKey::new(admin.id.clone(), "wrong-secret"),
        None,
    );
    let regions: Vec<Region> = [
        "cn-north-4",
        "cn-east-3",
        "cn-south-1",
        "ap-southeast-1",
        "ap-southeast-3",
    ]
    .into_iter()
    .map(Region::enabled)
    .collect();
    // What a sync round does: every (region, kind) listing at once.
    let mut listings = Vec::new();
    for kind in p.resource_kinds().iter().filter(|k| k.has_inventory()) {
        if kind.scope == multicloud_core::KindScope::Regional {
            for r in &regions {
                listings.push(p.list(kind, Some(r)));
            }
        } else {
            listings.push(p.list(kind, None));
        }
    }
    let n = listings.len();
    let results: Vec<Result<Vec<Item>>> =
        join_all(listings.into_iter().map(|s| s.try_collect())).await;
    assert_eq!(results.len(), n);
    for r in &results {
        let e = r.as_ref().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidCredential, "{e}");
        assert_eq!(e.code(), Some("APIGW.0301"));
    }
    assert_eq!(cloud.requests().len(), 1, "one refusal, then nothing");
    // Neither OBS (its own authentication) nor any regional API was tried.
    assert_eq!(cloud.count("obs:ListBuckets"), 0);
    assert_eq!(cloud.count("ecs:ListServersDetails"), 0);
}

#[tokio::test]
async fn a_skewed_clock_is_refused_once_with_a_clock_hint() {
    let cloud = sim(2, 1, 0).await;
    let p = provider(&cloud, "admin");
    cloud
        .faults()
        .on("iam:KeystoneListAuthProjects")
        .clock_skew(Trigger::every(1));
    let check = p.check_key().await.unwrap();
    let text = format!("{:?}", check.status);
    assert!(text.contains("clock"), "{text}");
    assert_eq!(cloud.requests().len(), 1);
}

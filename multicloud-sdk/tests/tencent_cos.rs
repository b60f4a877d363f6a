//! COS buckets end to end against the simulator: every bucket comes from COS's `GetService`
//! (XML API, `q-sign-algorithm=sha1`), tags from the tag service, each bucket once.

mod tencent_support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use multicloud_sdk::signing::RequestSigner;
use multicloud_sdk::tencent::CosSigner;
use multicloud_sdk::{
    Clock, CloudProvider, CloudResource, ErrorKind, ManualClock, Result, SystemClock,
};
use multicloud_testkit::{Permissions, SimCloud, Trigger};
use tencent_support::{provider, provider_with, sim};

/// The simulator with its first bucket untagged and its second tagged `env=prod`, so both
/// kinds are present whatever the fixture drew.
async fn sim_with_both_kinds() -> (SimCloud, String, String) {
    let cloud = sim(3, 2).await;
    let (untagged, tagged) = cloud.mutate(|inv| {
        let ids: Vec<String> = inv
            .resources_of("cos", "bucket")
            .iter()
            .map(|b| b.id.clone())
            .collect();
        assert!(ids.len() >= 2, "the fixture has buckets: {ids:?}");
        for (id, tags) in [
            (&ids[0], vec![]),
            (&ids[1], vec![("env".to_owned(), "prod".to_owned())]),
        ] {
            let mut bucket = inv.remove_resource("cos", id).expect("seeded bucket");
            bucket.tags = tags;
            inv.add_resource(bucket);
        }
        (ids[0].clone(), ids[1].clone())
    });
    (cloud, untagged, tagged)
}

fn buckets(listed: &[CloudResource]) -> Vec<&CloudResource> {
    listed
        .iter()
        .filter(|r| r.service == "cos" && r.resource_type == "bucket")
        .collect()
}

#[tokio::test]
async fn every_bucket_is_listed_once_with_its_region_and_the_tag_services_tags() {
    let (cloud, untagged, tagged) = sim_with_both_kinds().await;
    let listed: Vec<CloudResource> = provider(&cloud, "admin")
        .global_resources()
        .try_collect()
        .await
        .unwrap();
    let got = buckets(&listed);
    let inv = cloud.inventory();
    let want: BTreeMap<&str, (&str, BTreeMap<&str, &str>)> = inv
        .resources_of("cos", "bucket")
        .iter()
        .map(|b| {
            let tags = b
                .tags
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            (b.id.as_str(), (b.region.as_str(), tags))
        })
        .collect();
    assert_eq!(got.len(), want.len(), "each bucket exactly once");
    for b in &got {
        let (region, tags) = &want[b.id.as_str()];
        assert_eq!(b.region, *region, "{}", b.id);
        assert_eq!(b.name.as_deref(), Some(b.id.as_str()));
        let got_tags: BTreeMap<&str, &str> = b
            .tags
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(&got_tags, tags, "{}", b.id);
        assert_eq!(b.raw.to_value()["Location"], *region);
        assert_eq!(b.raw.to_value()["BucketType"], "cos");
    }
    let by_id: BTreeMap<&str, &&CloudResource> = got.iter().map(|b| (b.id.as_str(), b)).collect();
    assert!(by_id[untagged.as_str()].tags.is_empty());
    assert_eq!(
        by_id[tagged.as_str()].tags.get("env").map(String::as_str),
        Some("prod")
    );
    // CAM users are still there, and one GetService page covered every region.
    assert!(listed.iter().any(|r| r.service == "cam"));
    assert_eq!(cloud.count("cos:GetService"), 1);
    assert!(cloud.count("tag:GetResources") >= 1);
}

#[tokio::test]
async fn get_service_is_signed_like_the_cos_sdk_for_the_host_without_its_port() {
    let cloud = sim(1, 1).await;
    let key = cloud.keys().by_label("admin").unwrap().access_key();
    let now = SystemClock.now();
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(now));
    let _: Vec<CloudResource> = provider_with(&cloud, key.clone(), Some(clock))
        .global_resources()
        .try_collect()
        .await
        .unwrap();
    let sent = &cloud.recorder().requests_for("cos:GetService")[0].request;
    assert_eq!(sent.method.as_str(), "GET");
    assert_eq!(sent.path, "/");
    assert_eq!(sent.query_param("max-keys"), Some("2000"));
    let port = cloud.address().port();
    assert_eq!(
        sent.host,
        format!("127.0.0.1:{port}"),
        "the real Host is sent"
    );
    let auth = sent.header("authorization").unwrap();
    let start = now.unix_timestamp() - 60;
    let end = now.unix_timestamp() + 10_000;
    assert!(auth.starts_with(&format!(
        "q-sign-algorithm=sha1&q-ak={}&q-sign-time={start};{end}&q-key-time={start};{end}\
         &q-header-list=host&q-url-param-list=max-keys&q-signature=",
        key.id()
    )));
    // The signature covers `host=127.0.0.1` (no port), as cos-python-sdk-v5 signs it.
    let mut again = sent.to_http();
    again.headers_mut().remove("host");
    let parts = CosSigner::new().signing_parts(&again, &key, now).unwrap();
    assert!(parts.canonical_request.ends_with("\nhost=127.0.0.1\n"));
    assert_eq!(parts.authorization, auth);
}

#[tokio::test]
async fn a_key_cos_denies_ends_the_global_stream_with_permission_denied() {
    let cloud = sim(1, 1).await;
    let admin = cloud.keys().by_label("admin").unwrap();
    cloud
        .keys()
        .set_permissions(&admin.id, Permissions::all_except(["cos:*"]));
    let out: Vec<Result<CloudResource>> =
        provider(&cloud, "admin").global_resources().collect().await;
    let err = out.last().unwrap().as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(err.code(), Some("AccessDenied"));
    assert_eq!(err.action(), Some("cos:GetService"));
    assert!(err.request_id().is_some());
    assert_eq!(out.iter().filter(|r| r.is_err()).count(), 1);
    assert!(out
        .iter()
        .any(|r| r.as_ref().is_ok_and(|r| r.service == "cam")));
}

#[tokio::test]
async fn cos_throttling_is_retried_to_success() {
    let cloud = sim(1, 1).await;
    cloud
        .faults()
        .on("cos:GetService")
        .throttle(Trigger::first(2));
    let listed: Vec<CloudResource> = provider(&cloud, "admin")
        .global_resources()
        .try_collect()
        .await
        .unwrap();
    let names: BTreeSet<&str> = buckets(&listed).iter().map(|b| b.id.as_str()).collect();
    let want = cloud.inventory().resources_of("cos", "bucket").len();
    assert!(want > 0);
    assert_eq!(names.len(), want);
    assert_eq!(
        cloud.count("cos:GetService"),
        3,
        "two SlowDown answers, then success"
    );
}

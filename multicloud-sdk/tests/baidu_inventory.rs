//! Baidu AI Cloud listings end to end against the simulator: regions, hosts and every product
//! across several pages per region (each on its real host, so the region reaches the
//! simulator through `Host`), account-wide buckets and users, and failures that stay with
//! their kind and region.

mod baidu_support;

use std::collections::BTreeSet;

use baidu_support::{drain, hosts_of, key, provider, provider_with, sim};
use futures::TryStreamExt;
use multicloud_sdk::Item;
use multicloud_sdk::{AccessKey, CloudProvider, ErrorKind, HostState, RegionStatus};
use multicloud_testkit::baidu;
use multicloud_testkit::Trigger;

/// `(kind id, simulator service, simulator type, endpoint)` of the regional products.
const PRODUCTS: &[(&str, &str, &str, &str)] = &[
    ("vpc.vpc", "vpc", "vpc", "vpc:ListVpcs"),
    ("scs.instance", "scs", "instance", "scs:ListInstances"),
    ("kafka.cluster", "kafka", "cluster", "kafka:ListClusters"),
    (
        "mongodb.instance",
        "mongodb",
        "instance",
        "mongodb:ListInstances",
    ),
    ("rds.instance", "rds", "instance", "rds:ListInstances"),
    ("blb.blb", "blb", "blb", "blb:DescribeLoadBalancers"),
    (
        "blb.appblb",
        "blb",
        "appblb",
        "blb:DescribeAppLoadBalancers",
    ),
];

fn ids(items: &[Item]) -> BTreeSet<String> {
    items
        .iter()
        .map(|i| match i {
            Item::Host(h) => h.id.clone(),
            Item::Resource(r) => r.id.clone(),
        })
        .collect()
}

#[tokio::test]
async fn regions_come_from_describe_regions() {
    let cloud = sim(2, 1, 1).await;
    let regions = provider(&cloud, "readonly", 1000)
        .regions()
        .await
        .expect("regions list");
    let expected: BTreeSet<String> = cloud
        .inventory()
        .regions
        .iter()
        .filter(|r| r.opted_in)
        .map(|r| r.id.clone())
        .collect();
    let got: BTreeSet<String> = regions.iter().map(|r| r.id.clone()).collect();
    assert_eq!(got, expected);
    assert!(regions.iter().all(|r| r.status == RegionStatus::Enabled));
    let gz = regions.iter().find(|r| r.id == "gz").expect("gz listed");
    assert_eq!(gz.name.as_deref(), Some("华南-广州"));
    assert_eq!(
        hosts_of(&cloud, "bcc:DescribeRegions"),
        ["bcc.baidubce.com"]
    );
}

#[tokio::test]
async fn hosts_are_listed_per_region_across_pages() {
    let cloud = sim(23, 2, 1).await;
    let p = provider(&cloud, "admin", 4);
    let regions: Vec<String> = {
        let inv = cloud.inventory();
        let mut r: Vec<String> = inv.hosts().iter().map(|h| h.region.clone()).collect();
        r.sort();
        r.dedup();
        r
    };
    assert_eq!(regions.len(), 2);
    let mut total = 0;
    for region in &regions {
        let (items, err) = drain(&p, "host", Some(region)).await;
        assert!(err.is_none(), "{err:?}");
        let expected: BTreeSet<String> = cloud
            .inventory()
            .hosts_in(region)
            .iter()
            .filter(|h| h.state != multicloud_testkit::SimHostState::Terminated)
            .map(|h| h.id.clone())
            .collect();
        assert_eq!(ids(&items), expected, "region {region}");
        assert_eq!(items.len(), expected.len(), "no host twice");
        for item in &items {
            let h = item.as_host().expect("hosts only");
            assert_eq!(&h.region, region);
            assert!(h.id.starts_with("i-"));
            assert_ne!(h.state, HostState::Other(String::new()));
            assert!(!h.private_ips.is_empty());
        }
        total += items.len();
    }
    let requests = hosts_of(&cloud, "bcc:ListInstances");
    assert!(
        requests.len() >= 6,
        "several pages per region: {requests:?}"
    );
    for region in &regions {
        assert!(requests.contains(&format!("bcc.{region}.baidubce.com")));
    }
    assert!(total >= 20);
    // The facade's `hosts` gives the same, through the declared host kind.
    let region = multicloud_sdk::Region::enabled(regions[0].clone());
    let hosts: Vec<_> = p.hosts(&region).try_collect().await.expect("hosts");
    assert_eq!(
        hosts.len(),
        cloud
            .inventory()
            .hosts_in(&regions[0])
            .iter()
            .filter(|h| h.state != multicloud_testkit::SimHostState::Terminated)
            .count()
    );
}

#[tokio::test]
async fn every_product_is_listed_across_pages_on_its_own_host() {
    let cloud = sim(6, 2, 7).await;
    let p = provider(&cloud, "admin", 2);
    for region in ["bj", "gz"] {
        for (kind, service, ty, endpoint) in PRODUCTS {
            let before = cloud.count(endpoint);
            let (items, err) = drain(&p, kind, Some(region)).await;
            assert!(err.is_none(), "{kind} in {region}: {err:?}");
            let expected: BTreeSet<String> = cloud
                .inventory()
                .resources_in(service, ty, region)
                .iter()
                .map(|r| r.id.clone())
                .collect();
            // VPCs come from the hosts' networks (one or two a region); products have 7.
            let least = if *kind == "vpc.vpc" { 1 } else { 3 };
            assert!(
                expected.len() >= least,
                "{kind} in {region}: {}",
                expected.len()
            );
            assert_eq!(ids(&items), expected, "{kind} in {region}");
            assert_eq!(items.len(), expected.len());
            for item in &items {
                assert_eq!(item.kind_id(), *kind);
                let r = item.as_resource().expect("resources only");
                assert_eq!(r.region, region);
                assert!(r.name.is_some());
                assert!(r.raw.to_value().is_object());
            }
            let pages = cloud.count(endpoint) - before;
            assert_eq!(
                pages,
                expected.len().div_ceil(2).max(1),
                "{kind} in {region}"
            );
        }
    }
    // Each product on its own host, with the region in it.
    assert!(hosts_of(&cloud, "mongodb:ListInstances")
        .iter()
        .all(|h| h.starts_with("mongodb.")));
    assert!(hosts_of(&cloud, "vpc:ListVpcs").contains(&"bcc.gz.baidubce.com".to_owned()));
    assert!(hosts_of(&cloud, "scs:ListInstances").contains(&"redis.bj.baidubce.com".to_owned()));
}

#[tokio::test]
async fn buckets_and_users_are_listed_once_per_account() {
    let cloud = sim(2, 2, 4).await;
    let p = provider(&cloud, "admin", 1000);
    let (buckets, err) = drain(&p, "bos.bucket", None).await;
    assert!(err.is_none(), "{err:?}");
    let expected: BTreeSet<String> = cloud
        .inventory()
        .resources_of("bos", "bucket")
        .iter()
        .map(|r| r.name.clone())
        .collect();
    assert_eq!(ids(&buckets), expected);
    for b in &buckets {
        let r = b.as_resource().unwrap();
        let sim = cloud
            .inventory()
            .resources_of("bos", "bucket")
            .iter()
            .find(|s| s.name == r.id)
            .cloned()
            .unwrap();
        assert_eq!(r.region, sim.region, "a bucket's region is its location");
    }
    assert_eq!(cloud.count("bos:ListBuckets"), 1);
    let (users, err) = drain(&p, "iam.user", None).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        users.len(),
        cloud.inventory().resources_of("iam", "user").len()
    );
    assert!(users
        .iter()
        .all(|u| u.as_resource().unwrap().region == "global"));
    assert_eq!(hosts_of(&cloud, "iam:ListUser"), ["iam.bj.baidubce.com"]);
    let global: Vec<_> = p.global_resources().try_collect().await.expect("global");
    assert_eq!(global.len(), buckets.len() + users.len());
}

#[tokio::test]
async fn a_denied_or_failing_kind_never_hides_the_others() {
    let cloud = sim(6, 2, 3).await;
    // Read-only: BCC, VPC and BOS.
    let p = provider(&cloud, "readonly", 2);
    let (hosts, err) = drain(&p, "host", Some("bj")).await;
    assert!(err.is_none() && !hosts.is_empty());
    let (_, err) = drain(&p, "scs.instance", Some("bj")).await;
    let err = err.expect("SCS is denied");
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(err.action(), Some("scs:ListInstances"));
    assert!(err.to_string().contains("RedisReadAccessPolicy"), "{err}");
    let (vpcs, err) = drain(&p, "vpc.vpc", Some("bj")).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        vpcs.len(),
        cloud.inventory().resources_in("vpc", "vpc", "bj").len()
    );

    // RDS failing in gz only: gz's listing fails after its retries, bj's is whole.
    cloud
        .faults()
        .on("rds:ListInstances")
        .in_region("gz")
        .server_error(Trigger::every(1));
    let admin = provider(&cloud, "admin", 2);
    let (_, err) = drain(&admin, "rds.instance", Some("gz")).await;
    assert_eq!(err.expect("gz fails").kind(), ErrorKind::Transient);
    let (rds, err) = drain(&admin, "rds.instance", Some("bj")).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        rds.len(),
        cloud
            .inventory()
            .resources_in("rds", "instance", "bj")
            .len()
    );
    // The facade's per-region resources keep going past a failing kind's error.
    let region = multicloud_sdk::Region::enabled("gz");
    let all: Vec<_> = futures::StreamExt::collect::<Vec<_>>(admin.cloud_resources(&region)).await;
    assert!(all.iter().any(|r| r.is_err()));
    assert!(all
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .any(|r| r.service == "blb"));
}

#[tokio::test]
async fn wrong_documents_and_loops_are_typed_errors() {
    let cloud = sim(2, 1, 5).await;
    let p = provider(&cloud, "admin", 2);
    cloud.faults().on("kafka:ListClusters").pagination_loop();
    let (items, err) = drain(&p, "kafka.cluster", Some("bj")).await;
    assert_eq!(err.expect("a loop").kind(), ErrorKind::PaginationLoop);
    assert!(items.len() <= 4);

    for body in [
        r#"{"isTruncated":false,"nextMarker":""}"#,
        r#"{"isTruncated":false,"instances":null}"#,
        r#"{"isTruncated":false,"vpcs":[]}"#,
        "<html>maintenance</html>",
    ] {
        cloud.faults().on("rds:ListInstances").raw_body(
            Trigger::every(1),
            "application/json",
            body,
        );
        let (items, err) = drain(&p, "rds.instance", Some("bj")).await;
        let err = err.expect("a decode error");
        assert_eq!(err.kind(), ErrorKind::Decode, "{body}");
        let text = err.to_string();
        assert!(
            text.contains("rds:ListInstances") && text.contains("bj"),
            "{text}"
        );
        assert!(items.is_empty());
    }
}

#[tokio::test]
async fn an_authentication_failure_stops_a_listing_after_one_request() {
    let cloud = sim(6, 1, 1).await;
    let admin = key(&cloud, "admin");
    let planted = "planted-secret-for-listing-5b9";
    let p = provider_with(&cloud, AccessKey::new(admin.id(), planted), None);
    let before = cloud.requests().len();
    let (items, err) = drain(&p, "host", Some("bj")).await;
    let err = err.expect("refused");
    assert_eq!(err.kind(), ErrorKind::InvalidCredential);
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    assert!(items.is_empty());
    assert_eq!(cloud.requests().len() - before, 1, "never retried");
    assert!(!err.report().contains(planted));
    assert!(!format!("{err:?}").contains(planted));
    assert!(!format!("{p:?}").contains(planted));
    // The account id never appears as the key: the listing was refused by signature only.
    assert_ne!(admin.id(), baidu::DEMO_ACCOUNT_ID);
}

//! CTyun listings end to end against the simulator: resource pools, hosts and every product
//! across several pages, each product's own region and paging convention, one failing or
//! denied listing never hiding another, and wire checks.

mod ctyun_support;

use std::collections::BTreeSet;

use ctyun_support::{builder, key, provider, sim};
use futures::{StreamExt, TryStreamExt};
use multicloud_sdk::ctyun::CtyunProvider;
use multicloud_sdk::{CloudProvider, Domain, ErrorKind, Region, RegionStatus};
use multicloud_sdk::{Item, KindScope};
use multicloud_testkit::{Permissions, SimCloud, SimHostState, SimKey, Trigger};

/// The provider's ids of `kind` in `region`, and the simulator's.
async fn listed(p: &CtyunProvider, kind_id: &str, region: Option<&Region>) -> BTreeSet<String> {
    let kind = p
        .resource_kinds()
        .iter()
        .find(|k| k.id == kind_id)
        .expect("declared kind");
    p.list(kind, region)
        .map_ok(|item| match item {
            Item::Host(h) => h.id,
            Item::Resource(r) => {
                assert_eq!(format!("{}.{}", r.service, r.resource_type), kind_id);
                r.id
            }
        })
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("{kind_id} lists: {e}"))
}

fn expected(cloud: &SimCloud, kind_id: &str, region: Option<&str>) -> BTreeSet<String> {
    let inv = cloud.inventory();
    if kind_id == "host" {
        return inv
            .hosts_in(region.unwrap())
            .iter()
            .filter(|h| h.state != SimHostState::Terminated)
            .map(|h| h.id.clone())
            .collect();
    }
    let (service, ty) = kind_id.split_once('.').unwrap();
    let all = match region {
        Some(r) => inv.resources_in(service, ty, r).to_vec(),
        None => inv.resources_of(service, ty).to_vec(),
    };
    all.into_iter()
        .map(|r| if service == "zos" { r.name } else { r.id })
        .collect()
}

async fn usable(p: &CtyunProvider) -> Vec<Region> {
    p.regions()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.is_scannable())
        .collect()
}

#[tokio::test]
async fn pools_without_openapi_are_listed_as_unavailable() {
    let cloud = sim(2, 2, 1).await;
    let regions = provider(&cloud, "admin").regions().await.unwrap();
    assert_eq!(regions.len(), 7);
    let unavailable: Vec<_> = regions
        .iter()
        .filter(|r| r.status == RegionStatus::Unavailable)
        .map(|r| r.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(unavailable, ["内蒙6", "南宁23"]);
    assert_eq!(regions.iter().filter(|r| r.is_scannable()).count(), 5);
}

#[tokio::test]
async fn every_listing_matches_the_simulator_across_several_pages() {
    let cloud = sim(130, 2, 12).await;
    // Pages of 5 (ECS, ZOS and the products' own maxima are larger): several pages each.
    let p = builder(&cloud, key(&cloud, "admin"), Domain::China)
        .with_page_size(5)
        .build()
        .unwrap();
    let regions = usable(&p).await;
    let mut scanned = 0;
    for kind in p.resource_kinds() {
        match kind.scope {
            KindScope::Regional => {
                for region in &regions {
                    let want = expected(&cloud, kind.id, Some(&region.id));
                    assert_eq!(
                        listed(&p, kind.id, Some(region)).await,
                        want,
                        "{} in {}",
                        kind.id,
                        region.id
                    );
                    scanned += want.len();
                }
            }
            KindScope::Global => {
                let want = expected(&cloud, kind.id, None);
                assert!(want.len() > 5, "{}: {}", kind.id, want.len());
                assert_eq!(listed(&p, kind.id, None).await, want, "{}", kind.id);
                scanned += want.len();
            }
        }
    }
    assert!(scanned > 150, "{scanned}");
    // The paged products asked for several pages; ELB and RocketMQ have none.
    let pools = regions.len();
    for paged in [
        "ecs:ListInstances",
        "kafka:QueryInstances",
        "dcs:DescribeInstances",
        "ebs:ListEbs",
    ] {
        assert!(
            cloud.count(paged) > pools,
            "{paged}: {}",
            cloud.count(paged)
        );
    }
    assert!(cloud.count("zos:ListBuckets") > 1);
    assert_eq!(cloud.count("elb:ListLoadBalancer"), pools);
    assert_eq!(cloud.count("rocketmq:ListInstances"), pools);
}

#[tokio::test]
async fn hosts_are_listed_fifty_at_a_time_with_their_fields() {
    let cloud = sim(130, 1, 1).await;
    let p = provider(&cloud, "readonly");
    let region = usable(&p).await.into_iter().next().unwrap();
    let hosts: Vec<_> = p.hosts(&region).try_collect().await.unwrap();
    let want = expected(&cloud, "host", Some(&region.id));
    assert_eq!(hosts.len(), want.len());
    assert_eq!(cloud.count("ecs:ListInstances"), want.len().div_ceil(50));
    let h = &hosts[0];
    assert_eq!(h.region, region.id);
    assert!(h.instance_type.is_some() && h.zone.is_some() && h.os.is_some());
    assert!(!h.private_ips.is_empty());
    assert!(h.created_at.is_some());
    // Every request carried a User-Agent and its own EOP request id.
    let requests = cloud.requests();
    let mut ids = BTreeSet::new();
    for r in &requests {
        assert!(r
            .request
            .header("user-agent")
            .is_some_and(|ua| ua.contains("multicloud-ctyun")));
        ids.insert(r.request.header("ctyun-eop-request-id").unwrap().to_owned());
    }
    assert_eq!(ids.len(), requests.len());
}

#[tokio::test]
async fn a_denied_product_fails_alone_and_names_its_policy() {
    let cloud = sim(10, 1, 3).await;
    let limited = SimKey::new(
        "nokafka0000000000000000000000000",
        "e2e-secret-0123456789abcdef0123",
        multicloud_testkit::ctyun::DEMO_ACCOUNT_ID,
    )
    .with_domain(Domain::China)
    .with_permissions(Permissions::all_except(["kafka:*"]));
    let access = limited.access_key();
    cloud.keys().insert(limited);
    let p = builder(&cloud, access, Domain::China).build().unwrap();
    let region = usable(&p).await.into_iter().next().unwrap();
    let results: Vec<_> = p.cloud_resources(&region).collect().await;
    let errors: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].kind(), ErrorKind::PermissionDenied);
    assert_eq!(errors[0].action(), Some("kafka:QueryInstances"));
    let shown = errors[0].to_string();
    assert!(
        shown.contains("KAFKA viewer") && shown.contains("resource-pool scope"),
        "{shown}"
    );
    assert!(
        shown.contains("无权限"),
        "the Chinese description is kept: {shown}"
    );
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let want: usize = [
        "dcs2.instance",
        "rocketmq.instance",
        "ctelb.loadbalancer",
        "ebs.disk",
    ]
    .iter()
    .map(|k| expected(&cloud, k, Some(&region.id)).len())
    .sum();
    assert_eq!(ok, want);
}

#[tokio::test]
async fn a_failing_pool_fails_alone() {
    let cloud = sim(40, 2, 2).await;
    let p = provider(&cloud, "admin");
    let regions = usable(&p).await;
    let (bad, good) = (&regions[0], &regions[1]);
    cloud
        .faults()
        .on_region("ecs:ListInstances", bad.id.clone())
        .server_error(Trigger::every(1));
    let e = p.hosts(bad).try_collect::<Vec<_>>().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transient);
    assert_eq!(e.attempts(), Some(3), "retried, then given up");
    let hosts: Vec<_> = p.hosts(good).try_collect().await.unwrap();
    assert_eq!(hosts.len(), expected(&cloud, "host", Some(&good.id)).len());
}

#[tokio::test]
async fn throttling_is_retried() {
    let cloud = sim(20, 1, 1).await;
    cloud
        .faults()
        .on("ecs:ListInstances")
        .throttle(Trigger::first(1));
    let p = provider(&cloud, "admin");
    let region = usable(&p).await.into_iter().next().unwrap();
    let hosts: Vec<_> = p.hosts(&region).try_collect().await.unwrap();
    assert_eq!(
        hosts.len(),
        expected(&cloud, "host", Some(&region.id)).len()
    );
}

#[tokio::test]
async fn a_server_page_loop_is_stopped() {
    let cloud = sim(80, 1, 1).await;
    cloud.faults().on("ecs:ListInstances").pagination_loop();
    let p = provider(&cloud, "admin");
    let region = usable(&p).await.into_iter().next().unwrap();
    let e = p.hosts(&region).try_collect::<Vec<_>>().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PaginationLoop);
    assert_eq!(cloud.count("ecs:ListInstances"), 2);
}

#[tokio::test]
async fn a_wrong_shaped_success_is_a_decode_error_naming_action_and_region() {
    let cloud = sim(10, 1, 2).await;
    let p = provider(&cloud, "admin");
    let region = usable(&p).await.into_iter().next().unwrap();
    for (endpoint, body) in [
        (
            "ebs:ListEbs",
            r#"{"statusCode":800,"returnObj":{"diskList":null}}"#,
        ),
        ("kafka:QueryInstances", "<html>maintenance</html>"),
        (
            "elb:ListLoadBalancer",
            r#"{"statusCode":"800","returnObj":{"list":[]}}"#,
        ),
    ] {
        cloud
            .faults()
            .on(endpoint)
            .raw_body(Trigger::every(1), "application/json", body);
    }
    let results: Vec<_> = p.cloud_resources(&region).collect().await;
    let errors: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    for e in errors {
        assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
        assert!(e.to_string().contains(&region.id), "{e}");
    }
    // The others still listed.
    assert!(results.iter().any(|r| r.is_ok()));
}

#[tokio::test]
async fn a_failure_envelope_under_http_200_is_the_mapped_error() {
    let cloud = sim(10, 1, 1).await;
    cloud.faults().on("ecs:ListInstances").raw_body(
        Trigger::every(1),
        "application/json",
        r#"{"statusCode":"900","errorCode":"Openapi.RegionInfo.AccessFailed","message":"The region does not exist.","description":"资源池不存在"}"#,
    );
    let p = provider(&cloud, "admin");
    let region = usable(&p).await.into_iter().next().unwrap();
    let e = p.hosts(&region).try_collect::<Vec<_>>().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongDomainOrRegion);
    assert!(e.to_string().contains("资源池不存在"), "{e}");
}

#[tokio::test]
async fn an_auth_failure_while_listing_is_sent_once() {
    let cloud = sim(10, 1, 1).await;
    let p = provider(&cloud, "disabled");
    let region = Region::enabled(multicloud_testkit::ctyun::region_id("cn-huadong1"));
    let e = p.hosts(&region).try_collect::<Vec<_>>().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidCredential);
    assert_eq!(e.code(), Some("CTAPI_10002"));
    assert_eq!(cloud.requests().len(), 1, "never retried");
}

#[tokio::test]
async fn a_dropped_connection_or_a_cut_body_is_sent_again() {
    let cloud = sim(30, 1, 1).await;
    let p = provider(&cloud, "admin");
    let region = usable(&p).await.into_iter().next().unwrap();
    let want = expected(&cloud, "host", Some(&region.id)).len();
    cloud
        .faults()
        .on("ecs:ListInstances")
        .drop_connection(Trigger::first(1));
    let hosts: Vec<_> = p.hosts(&region).try_collect().await.unwrap();
    assert_eq!(hosts.len(), want);
    cloud.faults().clear();
    cloud
        .faults()
        .on("ecs:ListInstances")
        .truncate_body(Trigger::first(1));
    let hosts: Vec<_> = p.hosts(&region).try_collect().await.unwrap();
    assert_eq!(hosts.len(), want);
}

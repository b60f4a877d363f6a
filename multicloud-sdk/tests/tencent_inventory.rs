//! Tencent Cloud regions, hosts and cloud products end to end against the simulator,
//! including throttling, failing regions and pagination faults.

mod tencent_support;

use std::collections::BTreeSet;
use std::net::IpAddr;

use futures::{StreamExt, TryStreamExt};
use multicloud_sdk::transport::Rate;
use multicloud_sdk::{
    CloudProvider, ErrorKind, Host, HostState, ProviderKind, Region, RegionStatus, Result,
};
use multicloud_testkit::{SimCloud, SimHostState, Trigger};
use tencent_support::{provider, sim};

async fn hosts_of(p: &impl CloudProvider, region: &str) -> Vec<Result<Host>> {
    p.hosts(&Region::enabled(region)).collect().await
}

fn host_regions(cloud: &SimCloud) -> Vec<String> {
    let set: BTreeSet<String> = cloud
        .inventory()
        .hosts()
        .iter()
        .map(|h| h.region.clone())
        .collect();
    set.into_iter().collect()
}

#[tokio::test]
async fn regions_come_from_the_region_service_with_their_state() {
    let cloud = sim(1, 1).await;
    let regions = provider(&cloud, "admin").regions().await.unwrap();
    let gz = regions.iter().find(|r| r.id == "ap-guangzhou").unwrap();
    assert_eq!(gz.status, RegionStatus::Enabled);
    assert_eq!(gz.name.as_deref(), Some("华南地区(广州)"));
    let fsi = regions.iter().find(|r| r.id == "ap-shenzhen-fsi").unwrap();
    assert_eq!(fsi.status, RegionStatus::Unavailable);
    assert_eq!(regions.len(), cloud.inventory().regions.len());
    assert_eq!(cloud.count("region:DescribeRegions"), 1);
    assert_eq!(cloud.count("cvm:DescribeRegions"), 0);
}

#[tokio::test]
async fn hosts_are_listed_over_several_pages_and_regions_with_every_field() {
    let cloud = sim(450, 3).await;
    let p = provider(&cloud, "admin");
    let regions = host_regions(&cloud);
    assert_eq!(regions.len(), 3);
    let mut expected_pages = 0;
    for region in &regions {
        let listed: Vec<Host> = hosts_of(&p, region)
            .await
            .into_iter()
            .map(|h| h.unwrap())
            .collect();
        let inv = cloud.inventory();
        let sims = inv.hosts_in(region);
        assert!(sims.len() > 100, "{region} must need several pages");
        expected_pages += sims.len().div_ceil(100);
        assert_eq!(listed.len(), sims.len(), "{region}");
        for (h, s) in listed.iter().zip(sims) {
            assert_eq!(h.id, s.id);
            assert_eq!(h.name.as_deref(), Some(s.name.as_str()));
            assert_eq!(h.region, *region);
            assert_eq!(h.zone.as_deref(), Some(s.zone.as_str()));
            assert_eq!(h.instance_type.as_deref(), Some(s.instance_type.as_str()));
            assert_eq!(h.private_ips, [s.private_ip.parse::<IpAddr>().unwrap()]);
            let public: Vec<IpAddr> = s.public_ip.iter().map(|ip| ip.parse().unwrap()).collect();
            assert_eq!(h.public_ips, public);
            assert_eq!(h.os.as_deref(), Some(s.os.as_str()));
            assert_eq!(h.vpc_id.as_deref(), Some(s.vpc_id.as_str()));
            assert_eq!(
                h.created_at.map(|t| t.unix_timestamp()),
                Some(s.created_at.unix_timestamp())
            );
            let tags: Vec<(String, String)> = h.tags.clone().into_iter().collect();
            let mut want = s.tags.clone();
            want.sort();
            assert_eq!(tags, want);
            let state = match s.state {
                SimHostState::Pending => HostState::Pending,
                SimHostState::Running => HostState::Running,
                SimHostState::Stopping => HostState::Stopping,
                SimHostState::Stopped => HostState::Stopped,
                SimHostState::Terminated => HostState::Terminating,
            };
            assert_eq!(h.state, state);
            assert_eq!(h.raw.to_value()["InstanceId"], s.id.as_str());
        }
    }
    // 100 per page: exactly ceil(n/100) calls per region, each asking for Limit 100.
    let calls = cloud.recorder().requests_for("cvm:DescribeInstances");
    assert_eq!(calls.len(), expected_pages);
    for c in &calls {
        let body: serde_json::Value = serde_json::from_slice(&c.request.body).unwrap();
        assert_eq!(body["Limit"], 100);
        assert!(c.request.header("x-tc-region").is_some());
        assert_eq!(c.request.header("x-tc-version"), Some("2017-03-12"));
    }
}

#[tokio::test]
async fn a_throttled_region_is_retried_to_success() {
    let cloud = sim(150, 1).await;
    let region = &host_regions(&cloud)[0];
    cloud
        .faults()
        .on("cvm:DescribeInstances")
        .throttle(Trigger::first(2));
    let p = provider(&cloud, "admin");
    let hosts: Vec<Host> = hosts_of(&p, region)
        .await
        .into_iter()
        .map(|h| h.unwrap())
        .collect();
    assert_eq!(hosts.len(), 150);
    // Two throttled answers, then the two pages.
    assert_eq!(cloud.count("cvm:DescribeInstances"), 4);
}

#[tokio::test]
async fn a_region_failing_after_retries_keeps_the_other_regions_results() {
    let cloud = sim(90, 3).await;
    let regions = host_regions(&cloud);
    let p = provider(&cloud, "admin");
    let first = hosts_of(&p, &regions[0]).await;
    cloud
        .faults()
        .on("cvm:DescribeInstances")
        .server_error(Trigger::Always);
    let failed = hosts_of(&p, &regions[1]).await;
    cloud.faults().on("cvm:DescribeInstances").clear();
    let third = hosts_of(&p, &regions[2]).await;

    assert_eq!(failed.len(), 1);
    let err = failed[0].as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert_eq!(err.attempts(), Some(4), "{err}");
    assert_eq!(err.code(), Some("InternalError"));
    for (region, listed) in [(&regions[0], first), (&regions[2], third)] {
        let ok: Vec<Host> = listed.into_iter().map(|h| h.unwrap()).collect();
        assert_eq!(ok.len(), cloud.inventory().hosts_in(region).len());
        assert!(!ok.is_empty());
    }
}

#[tokio::test]
async fn an_unavailable_region_is_a_region_error() {
    let cloud = sim(5, 1).await;
    let out = hosts_of(&provider(&cloud, "admin"), "ap-shenzhen-fsi").await;
    assert_eq!(out.len(), 1);
    let err = out[0].as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongDomainOrRegion);
    assert_eq!(err.code(), Some("UnsupportedRegion"));
}

#[tokio::test]
async fn a_server_repeating_page_one_is_stopped_with_a_pagination_loop_error() {
    let cloud = sim(250, 1).await;
    let region = &host_regions(&cloud)[0];
    cloud.faults().on("cvm:DescribeInstances").pagination_loop();
    let out = hosts_of(&provider(&cloud, "admin"), region).await;
    let last = out.last().unwrap().as_ref().unwrap_err();
    assert_eq!(last.kind(), ErrorKind::PaginationLoop);
    // Page one's 100 hosts, then the error; the loop is not followed.
    assert_eq!(out.iter().filter(|r| r.is_ok()).count(), 100);
    assert_eq!(cloud.count("cvm:DescribeInstances"), 2);
}

#[tokio::test]
async fn every_regional_product_is_listed_with_ids_names_and_tags() {
    let cloud = sim(3, 2).await;
    let p = provider(&cloud, "admin");
    let region = host_regions(&cloud)[0].clone();
    let listed: Vec<_> = p
        .cloud_resources(&Region::enabled(region.clone()))
        .try_collect()
        .await
        .unwrap();
    let inv = cloud.inventory();
    for (service, ty, sim_service, sim_ty) in [
        ("cbs", "disk", "cbs", "disk"),
        ("clb", "load_balancer", "clb", "loadbalancer"),
        ("vpc", "vpc", "vpc", "vpc"),
        ("vpc", "security_group", "vpc", "security-group"),
        ("cdb", "mysql_instance", "cdb", "instance"),
        ("redis", "instance", "redis", "instance"),
    ] {
        let want = inv.resources_in(sim_service, sim_ty, &region);
        assert!(!want.is_empty(), "{service}/{ty}");
        let got: Vec<_> = listed
            .iter()
            .filter(|r| r.service == service && r.resource_type == ty)
            .collect();
        assert_eq!(got.len(), want.len(), "{service}/{ty}");
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g.id, w.id);
            assert_eq!(g.name.as_deref(), Some(w.name.as_str()));
            assert_eq!(g.region, region);
            let tags: Vec<(String, String)> = g.tags.clone().into_iter().collect();
            let mut want_tags = w.tags.clone();
            want_tags.sort();
            assert_eq!(tags, want_tags, "{service}/{ty} {}", g.id);
        }
    }
    // VPC actions got string Offset/Limit, the others numbers.
    let vpc = &cloud.recorder().requests_for("vpc:DescribeVpcs")[0];
    let body: serde_json::Value = serde_json::from_slice(&vpc.request.body).unwrap();
    assert_eq!(body["Limit"], "100");
}

#[tokio::test]
async fn global_resources_are_cam_users_and_every_bucket() {
    let cloud = sim(3, 2).await;
    let p = provider(&cloud, "admin");
    let listed: Vec<_> = p.global_resources().try_collect().await.unwrap();
    let inv = cloud.inventory();
    let users: BTreeSet<&str> = listed
        .iter()
        .filter(|r| r.service == "cam" && r.resource_type == "user")
        .map(|r| r.id.as_str())
        .collect();
    let want: BTreeSet<&str> = inv
        .resources_of("cam", "user")
        .iter()
        .map(|u| u.id.as_str())
        .collect();
    assert_eq!(users, want);
    let buckets: BTreeSet<&str> = listed
        .iter()
        .filter(|r| r.service == "cos" && r.resource_type == "bucket")
        .map(|r| r.id.as_str())
        .collect();
    // Every bucket, tagged or not, from COS's GetService (tencent_cos.rs has the details).
    let all: BTreeSet<&str> = inv
        .resources_of("cos", "bucket")
        .iter()
        .map(|b| b.id.as_str())
        .collect();
    assert_eq!(buckets, all);
    // Nothing the dedicated listings cover comes back twice through the tag service.
    assert!(listed
        .iter()
        .all(|r| !["cvm", "cbs", "clb", "vpc", "cdb", "redis"].contains(&r.service.as_str())));
}

#[tokio::test]
async fn a_product_the_key_may_not_list_fails_alone_and_the_others_are_still_listed() {
    let cloud = sim(3, 1).await;
    let admin = cloud.keys().by_label("admin").unwrap();
    cloud.keys().set_permissions(
        &admin.id,
        multicloud_testkit::Permissions::all_except(["cdb:*"]),
    );
    let region = host_regions(&cloud)[0].clone();
    let out: Vec<_> = provider(&cloud, "admin")
        .cloud_resources(&Region::enabled(region))
        .collect()
        .await;
    let errors: Vec<_> = out.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].kind(), ErrorKind::PermissionDenied);
    assert_eq!(errors[0].action(), Some("cdb:DescribeDBInstances"));
    // Products before and after the denied one are listed.
    let services: BTreeSet<&str> = out
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|r| r.service.as_str())
        .collect();
    assert!(
        services.contains("cbs") && services.contains("redis"),
        "{services:?}"
    );
}

#[tokio::test]
async fn describe_instances_is_rate_limited_at_its_documented_40_per_second() {
    let cloud = sim(1, 1).await;
    let p = provider(&cloud, "admin");
    let cvm = p
        .transport()
        .limits()
        .limit_for(ProviderKind::Tencent, "cvm:DescribeInstances");
    assert_eq!(cvm.rate, Some(Rate::per_second(40)));
    let clb = p
        .transport()
        .limits()
        .limit_for(ProviderKind::Tencent, "clb:DescribeLoadBalancers");
    assert_eq!(clb.rate, Some(Rate::per_second(20)));
}

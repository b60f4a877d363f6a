//! Huawei Cloud listings end to end against the simulator: regions from projects, ECS hosts
//! page by page (page-number offsets) in every region, every RMS kind and the OBS bucket list
//! across several pages, and failures that stay in their own (region, kind).

mod huawei_support;

use std::collections::BTreeSet;

use futures::TryStreamExt;
use huawei_support::{builder_with, collect, kind, provider, sim};
use multicloud_core::{CloudProvider, ErrorKind, HostState, Item, Region, RegionStatus};
use multicloud_testkit::{SimHostState, Trigger};

fn ids(items: &[Item]) -> BTreeSet<String> {
    items.iter().map(|i| i.key().to_string()).collect()
}

#[tokio::test]
async fn regions_are_the_projects_matched_against_the_catalog() {
    let cloud = sim(3, 1, 1).await;
    let p = provider(&cloud, "admin");
    let regions = p.regions().await.unwrap();
    assert_eq!(regions.len(), 13);
    let enabled: Vec<&str> = regions
        .iter()
        .filter(|r| r.status == RegionStatus::Enabled)
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(enabled.len(), 9);
    assert!(enabled.contains(&"cn-north-4"));
    let north4 = regions.iter().find(|r| r.id == "cn-north-4").unwrap();
    assert_eq!(north4.name.as_deref(), Some("CN North-Beijing4"));
    for id in ["af-south-1", "la-south-2", "tr-west-1", "eu-west-101"] {
        let r = regions.iter().find(|r| r.id == id).unwrap();
        assert_eq!(r.status, RegionStatus::NotOptedIn, "{id}");
    }
    assert!(!regions.iter().any(|r| r.id == "MOS"));
    // A region without a project is reported as such, never as an empty region.
    let before = cloud.count("ecs:ListServersDetails");
    let e = collect(&p, "host", Some("af-south-1")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongDomainOrRegion);
    assert!(e.to_string().contains("af-south-1 has no project"), "{e}");
    assert_eq!(cloud.count("ecs:ListServersDetails"), before);
}

#[tokio::test]
async fn a_region_the_account_starts_using_appears_on_the_next_regions_call() {
    let cloud = sim(3, 1, 1).await;
    let p = provider(&cloud, "admin");
    let before = p.regions().await.unwrap();
    assert!(before
        .iter()
        .any(|r| r.id == "af-south-1" && !r.is_scannable()));
    cloud.mutate(|inv| {
        for r in &mut inv.regions {
            if r.id == "af-south-1" {
                r.opted_in = true;
            }
        }
    });
    let after = p.regions().await.unwrap();
    assert!(after
        .iter()
        .any(|r| r.id == "af-south-1" && r.is_scannable()));
    // The refreshed projects serve the listing: no "no project" error.
    assert!(collect(&p, "host", Some("af-south-1"))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn hosts_are_listed_page_by_page_in_every_region() {
    let cloud = sim(60, 3, 1).await;
    let p = builder_with(&cloud, cloud.keys().by_label("admin").unwrap().access_key())
        .with_page_size(7)
        .build()
        .unwrap();
    let regions: Vec<Region> = p
        .regions()
        .await
        .unwrap()
        .into_iter()
        .filter(Region::is_scannable)
        .collect();
    let mut total = 0;
    for region in &regions {
        let expected: BTreeSet<String> = cloud
            .inventory()
            .hosts_in(&region.id)
            .iter()
            .filter(|h| h.state != SimHostState::Terminated)
            .map(|h| h.id.clone())
            .collect();
        let before = cloud.count("ecs:ListServersDetails");
        let hosts: Vec<_> = p.hosts(region).try_collect().await.unwrap();
        let got: BTreeSet<String> = hosts.iter().map(|h| h.id.clone()).collect();
        assert_eq!(got, expected, "{}", region.id);
        assert_eq!(
            hosts.len(),
            expected.len(),
            "no host twice in {}",
            region.id
        );
        let pages = cloud.count("ecs:ListServersDetails") - before;
        assert_eq!(pages, expected.len().div_ceil(7).max(1), "{}", region.id);
        for h in &hosts {
            assert_eq!(h.region, region.id);
            assert!(!h.private_ips.is_empty());
            assert!(h.vpc_id.is_some() && h.zone.is_some() && h.os.is_some());
            assert!(h.instance_type.is_some() && h.created_at.is_some());
            assert!(matches!(
                h.state,
                HostState::Running | HostState::Stopped | HostState::Stopping | HostState::Pending
            ));
        }
        total += hosts.len();
    }
    assert!(total > 40, "{total}");
    // The page numbers sent start at 1 and count up.
    let offsets: BTreeSet<String> = cloud
        .requests()
        .iter()
        .filter(|r| r.endpoint.as_deref() == Some("ecs:ListServersDetails"))
        .filter_map(|r| r.request.query_param("offset").map(str::to_owned))
        .collect();
    assert!(offsets.contains("1") && offsets.contains("3") && !offsets.contains("0"));
}

#[tokio::test]
async fn every_rms_kind_and_the_buckets_list_across_pages() {
    let cloud = sim(12, 3, 5).await;
    let p = builder_with(&cloud, cloud.keys().by_label("admin").unwrap().access_key())
        .with_page_size(2)
        .build()
        .unwrap();
    for (id, service, ty) in [
        ("vpc.vpcs", "vpc", "vpcs"),
        ("rds.instances", "rds", "instances"),
        ("elb.loadbalancers", "elb", "loadbalancers"),
        ("evs.volumes", "evs", "volumes"),
    ] {
        let before = cloud.count("rms:ListAllResources");
        let items = collect(&p, id, None).await.unwrap();
        let expected: BTreeSet<String> = cloud
            .inventory()
            .resources_of(service, ty)
            .iter()
            .map(|r| format!("{service}/{ty}/{}", r.id))
            .collect();
        assert_eq!(ids(&items), expected, "{id}");
        assert!(items.iter().all(|i| i.kind_id() == id));
        let pages = cloud.count("rms:ListAllResources") - before;
        assert_eq!(pages, expected.len().div_ceil(2), "{id}");
        let r = items[0].as_resource().unwrap();
        assert!(r.region.starts_with("cn-") || r.region.starts_with("ap-"));
        assert!(r.tags.contains_key("env"));
    }
    // Types the account has none of are empty, not errors.
    assert!(collect(&p, "vpc.publicips", None).await.unwrap().is_empty());
    // RMS also records ECS servers: they are hosts, never cloud products here.
    let all: Vec<_> = p.global_resources().try_collect().await.unwrap();
    assert!(all.iter().all(|r| r.service != "ecs"));
    // OBS buckets: 5 over 3 pages of 2, each with its location.
    let before = cloud.count("obs:ListBuckets");
    let buckets = collect(&p, "obs.buckets", None).await.unwrap();
    assert_eq!(buckets.len(), 5);
    assert_eq!(cloud.count("obs:ListBuckets") - before, 3);
    let sim_buckets = cloud.inventory().resources_of("obs", "buckets").to_vec();
    for b in &buckets {
        let r = b.as_resource().unwrap();
        let s = sim_buckets.iter().find(|s| s.name == r.id).unwrap();
        assert_eq!(r.region, s.region);
        assert!(r.unknown.is_empty());
    }
}

#[tokio::test]
async fn a_failing_kind_or_region_hides_no_other() {
    let cloud = sim(12, 3, 2).await;
    let p = provider(&cloud, "admin");
    cloud
        .faults()
        .on("rms:ListAllResources")
        .server_error(Trigger::every(1));
    cloud
        .faults()
        .on("ecs:ListServersDetails")
        .in_region("cn-east-3")
        .raw_body(
            Trigger::every(1),
            "application/json",
            r#"{"count": 3, "servers": null}"#,
        );
    let e = collect(&p, "vpc.vpcs", None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transient);
    let e = collect(&p, "host", Some("cn-east-3")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    let msg = e.to_string();
    assert!(
        msg.contains("ecs:ListServersDetails in cn-east-3") && msg.contains("servers"),
        "{msg}"
    );
    assert_eq!(
        collect(&p, "host", Some("cn-north-4")).await.unwrap().len(),
        4
    );
    assert_eq!(collect(&p, "obs.buckets", None).await.unwrap().len(), 2);
    // An HTML page instead of JSON is a decode error too, not an empty page.
    cloud
        .faults()
        .on("ecs:ListServersDetails")
        .in_region("cn-south-1")
        .raw_body(Trigger::every(1), "text/html", "<html>maintenance</html>");
    let e = collect(&p, "host", Some("cn-south-1")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn throttling_is_retried_and_loops_are_stopped() {
    let cloud = sim(30, 1, 3).await;
    let p = builder_with(&cloud, cloud.keys().by_label("admin").unwrap().access_key())
        .with_page_size(2)
        .build()
        .unwrap();
    cloud
        .faults()
        .on("ecs:ListServersDetails")
        .throttle_every(2);
    let hosts = collect(&p, "host", Some("cn-north-4")).await.unwrap();
    let expected = cloud
        .inventory()
        .hosts_in("cn-north-4")
        .iter()
        .filter(|h| h.state != SimHostState::Terminated)
        .count();
    assert_eq!(hosts.len(), expected);
    cloud.faults().clear();
    cloud
        .faults()
        .on("ecs:ListServersDetails")
        .pagination_loop();
    let e = collect(&p, "host", Some("cn-north-4")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PaginationLoop);
    cloud.faults().on("rms:ListAllResources").pagination_loop();
    let e = collect(&p, "rds.instances", None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PaginationLoop);
    cloud.faults().on("obs:ListBuckets").pagination_loop();
    let e = collect(&p, "obs.buckets", None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PaginationLoop);
}

#[tokio::test]
async fn kinds_without_inventory_list_nothing_and_say_so() {
    let cloud = sim(1, 1, 1).await;
    let p = provider(&cloud, "admin");
    let e = p
        .list(kind(&p, "cfw.block"), Some(&Region::enabled("cn-north-4")))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert_eq!(cloud.requests().len(), 0);
}

#[tokio::test]
async fn without_the_region_catalog_the_projects_still_name_every_region() {
    let cloud = sim(3, 1, 1).await;
    let sk = "secret-of-the-ecs-only-key-000000";
    cloud.keys().insert(
        multicloud_testkit::SimKey::new(
            "HPUATESTECSONLY00001",
            sk,
            multicloud_testkit::huawei::DEMO_DOMAIN_ID,
        )
        .with_permissions(multicloud_testkit::Permissions::only(["ecs:*"])),
    );
    let p = huawei_support::provider_with(
        &cloud,
        multicloud_core::AccessKey::new("HPUATESTECSONLY00001", sk),
        None,
    );
    let regions = p.regions().await.unwrap();
    assert_eq!(regions.len(), 9);
    assert!(regions.iter().all(|r| r.is_scannable() && r.name.is_none()));
    assert_eq!(
        collect(&p, "host", Some("cn-north-4")).await.unwrap().len(),
        3
    );
}

#[tokio::test]
async fn resources_rms_reports_as_deleted_are_left_out() {
    let cloud = sim(1, 1, 1).await;
    let p = provider(&cloud, "admin");
    let page = serde_json::json!({
        "resources": [
            {"id": "v-live", "name": "live", "provider": "vpc", "type": "vpcs",
             "region_id": "cn-north-4", "state": "normal", "tags": {}},
            {"id": "v-gone", "name": "gone", "provider": "vpc", "type": "vpcs",
             "region_id": "cn-north-4", "state": "deleted", "tags": {}},
        ],
        "page_info": {"current_count": 2, "next_marker": null},
    });
    cloud.faults().on("rms:ListAllResources").raw_body(
        Trigger::every(1),
        "application/json",
        page.to_string(),
    );
    let items = collect(&p, "vpc.vpcs", None).await.unwrap();
    assert_eq!(ids(&items), BTreeSet::from(["vpc/vpcs/v-live".to_owned()]));
}

#[tokio::test]
async fn each_service_is_reached_by_its_real_host_name() {
    use multicloud_core::transport::Transport;
    use multicloud_core::{
        BlockRequest, BlockTarget, Feature, FeatureStatus, ProviderKind, StandardFeature,
    };
    let cloud = sim(8, 2, 2).await;
    // Requests are built for the public hosts and signed for them; only the connection goes
    // to the simulator, which checks that each host's service matches the path and its
    // region matches the project in the path.
    let transport = Transport::builder()
        .with_endpoint_override(ProviderKind::Huawei, cloud.base_url())
        .with_retry(huawei_support::fast_retry(2))
        .build()
        .unwrap();
    let p = multicloud_huawei::HuaweiProviderBuilder::new("real-hosts")
        .with_access_key(cloud.keys().by_label("admin").unwrap().access_key())
        .with_transport(transport)
        .build()
        .unwrap();
    let report = p
        .verify(&[
            &StandardFeature::Host as &dyn Feature,
            &StandardFeature::Cspm,
        ])
        .await
        .unwrap();
    assert!(report.is_ready(), "{report:#?}");
    assert_eq!(
        report.feature(&StandardFeature::Host),
        Some(&FeatureStatus::Ok)
    );
    let hosts = collect(&p, "host", Some("cn-east-3")).await.unwrap();
    assert_eq!(hosts.len(), 4);
    assert!(!collect(&p, "rds.instances", None).await.unwrap().is_empty());
    assert_eq!(collect(&p, "obs.buckets", None).await.unwrap().len(), 2);
    let rule = p
        .ip_blocker()
        .unwrap()
        .block_ip(&BlockRequest::new(
            "203.0.113.5".parse().unwrap(),
            BlockTarget::Waf { scope: "*".into() },
            "cn-north-4",
        ))
        .await
        .unwrap();
    p.ip_blocker().unwrap().unblock_ip(&rule).await.unwrap();
    let hosts_seen: BTreeSet<String> = cloud
        .requests()
        .iter()
        .map(|r| r.request.host_name())
        .collect();
    for h in [
        "iam.myhuaweicloud.com",
        "rms.myhuaweicloud.com",
        "obs.ap-southeast-1.myhuaweicloud.com",
        "ecs.cn-east-3.myhuaweicloud.com",
        "waf.cn-north-4.myhuaweicloud.com",
    ] {
        assert!(hosts_seen.contains(h), "{h} not in {hosts_seen:?}");
    }
    assert!(cloud
        .requests()
        .iter()
        .all(|r| r.outcome.status() == Some(200)));
}

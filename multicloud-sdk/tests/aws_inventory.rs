//! End-to-end: regions, hosts and cloud products from the AWS simulator.

mod aws_support;

use std::collections::BTreeMap;
use std::net::IpAddr;

use aws_support::{drain, provider, provider_with, sim};
use futures::StreamExt;
use multicloud_sdk::{
    CloudProvider, CloudResource, HostState, Region, RegionStatus, StandardFeature,
};
use multicloud_testkit::SimHostState;

fn scannable(regions: &[Region]) -> Vec<Region> {
    regions
        .iter()
        .filter(|r| r.is_scannable())
        .cloned()
        .collect()
}

#[tokio::test]
async fn regions_report_opt_in_status_per_partition() {
    let cloud = sim(0, 1, 0).await;
    let regions = provider(&cloud, "admin").regions().await.unwrap();
    let status: BTreeMap<&str, RegionStatus> =
        regions.iter().map(|r| (r.id.as_str(), r.status)).collect();
    assert_eq!(status["us-east-1"], RegionStatus::Enabled);
    assert_eq!(status["ap-east-1"], RegionStatus::Enabled, "opted in");
    assert_eq!(status["me-south-1"], RegionStatus::NotOptedIn);
    assert_eq!(status["af-south-1"], RegionStatus::NotOptedIn);
    assert!(
        !status.contains_key("cn-north-1"),
        "China regions are another partition"
    );
    assert_eq!(cloud.count("ec2:DescribeRegions"), 1);

    let china = provider(&cloud, "china").regions().await.unwrap();
    let ids: Vec<&str> = china.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["cn-north-1", "cn-northwest-1"]);
}

#[tokio::test]
async fn not_opted_in_regions_are_reported_but_not_scanned() {
    let cloud = sim(6, 3, 0).await;
    let p = provider(&cloud, "admin");
    let regions = p.regions().await.unwrap();
    assert!(regions.iter().any(|r| r.status == RegionStatus::NotOptedIn));
    let mut listed = 0;
    for region in scannable(&regions) {
        let (hosts, errors) = drain(p.hosts(&region)).await;
        assert!(errors.is_empty(), "{}: {errors:?}", region.id);
        listed += hosts.len();
    }
    let intl_hosts = cloud
        .inventory()
        .hosts()
        .iter()
        .filter(|h| !h.region.starts_with("cn-"))
        .count();
    assert_eq!(listed, intl_hosts);
    // No request was ever signed for a region that is not opted in.
    let opted_out: Vec<String> = regions
        .iter()
        .filter(|r| !r.is_scannable())
        .map(|r| format!("/{}/ec2/", r.id))
        .collect();
    for req in cloud.requests() {
        let auth = req
            .request
            .header("authorization")
            .unwrap_or_default()
            .to_owned();
        assert!(
            !opted_out.iter().any(|scope| auth.contains(scope.as_str())),
            "{:?}",
            req.endpoint
        );
    }
}

#[tokio::test]
async fn hosts_stream_over_several_pages_and_regions_with_every_field_mapped() {
    let cloud = sim(23, 3, 0).await;
    let p = provider_with(&cloud, "admin", None, Some(5));
    let inventory_hosts = cloud.inventory().hosts().to_vec();
    let mut seen = 0;
    for region_id in ["us-east-1", "eu-west-1"] {
        let region = Region::enabled(region_id);
        let (hosts, errors) = drain(p.hosts(&region)).await;
        assert!(errors.is_empty(), "{errors:?}");
        let expected: Vec<_> = inventory_hosts
            .iter()
            .filter(|h| h.region == region_id)
            .collect();
        assert!(
            expected.len() > 5,
            "the fixture spreads enough hosts to need several pages"
        );
        assert_eq!(hosts.len(), expected.len(), "{region_id}");
        for sim_host in expected {
            let h = hosts
                .iter()
                .find(|h| h.id == sim_host.id)
                .expect("every host listed");
            assert_eq!(h.region, region_id);
            assert_eq!(h.zone.as_deref(), Some(sim_host.zone.as_str()));
            assert_eq!(
                h.instance_type.as_deref(),
                Some(sim_host.instance_type.as_str())
            );
            assert_eq!(h.name.as_deref(), sim_host.tag("Name"));
            let want_state = match sim_host.state {
                SimHostState::Pending => HostState::Pending,
                SimHostState::Running => HostState::Running,
                SimHostState::Stopping => HostState::Stopping,
                SimHostState::Stopped => HostState::Stopped,
                SimHostState::Terminated => HostState::Terminated,
            };
            assert_eq!(h.state, want_state);
            assert_eq!(h.created_at, Some(sim_host.created_at));
            let os = if sim_host.is_windows() {
                "Windows"
            } else {
                "Linux/UNIX"
            };
            assert_eq!(h.os.as_deref(), Some(os));
            for (k, v) in &sim_host.tags {
                assert_eq!(h.tags.get(k), Some(v));
            }
            assert_eq!(h.raw.to_value()["instanceId"], sim_host.id.as_str());
            assert_eq!(h.raw.to_value()["imageId"], sim_host.image_id.as_str());
            if sim_host.state != SimHostState::Terminated {
                assert_eq!(h.vpc_id.as_deref(), Some(sim_host.vpc_id.as_str()));
                let private: IpAddr = sim_host.private_ip.parse().unwrap();
                assert_eq!(h.private_ips, [private]);
                let public: Vec<IpAddr> = sim_host
                    .public_ip
                    .iter()
                    .map(|ip| ip.parse().unwrap())
                    .collect();
                assert_eq!(h.public_ips, public);
            }
        }
        seen += hosts.len();
    }
    // Several pages of at most 5 per region.
    assert!(cloud.count("ec2:DescribeInstances") >= seen.div_ceil(5));
    assert!(cloud.count("ec2:DescribeInstances") >= 4);
}

#[tokio::test]
async fn china_hosts_come_from_the_china_partition() {
    let cloud = sim(9, 3, 0).await;
    let p = provider(&cloud, "china");
    let regions = p.regions().await.unwrap();
    let mut ids = Vec::new();
    for region in scannable(&regions) {
        let (hosts, errors) = drain(p.hosts(&region)).await;
        assert!(errors.is_empty(), "{errors:?}");
        ids.extend(hosts.into_iter().map(|h| h.id));
    }
    let expected: Vec<String> = cloud
        .inventory()
        .hosts()
        .iter()
        .filter(|h| h.region.starts_with("cn-"))
        .map(|h| h.id.clone())
        .collect();
    assert!(!expected.is_empty());
    ids.sort();
    let mut expected = expected;
    expected.sort();
    assert_eq!(ids, expected);
}

fn count_by_type(resources: &[CloudResource]) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for r in resources {
        *out.entry((r.service.clone(), r.resource_type.clone()))
            .or_default() += 1;
    }
    out
}

#[tokio::test]
async fn every_regional_product_is_listed_with_ids_names_tags_and_raw() {
    let cloud = sim(3, 2, 7).await;
    let p = provider_with(&cloud, "admin", None, Some(5));
    let region = Region::enabled("us-east-1");
    let (resources, errors) = drain(p.cloud_resources(&region)).await;
    assert!(errors.is_empty(), "{errors:?}");
    let inv = cloud.inventory();
    let expect = |service: &str, ty: &str| inv.resources_in(service, ty, "us-east-1").to_vec();
    let counts = count_by_type(&resources);
    for (sim_service, sim_type, service, ty) in [
        ("ec2", "vpc", "ec2", "vpc"),
        ("ec2", "security-group", "ec2", "security_group"),
        ("ec2", "volume", "ec2", "volume"),
        ("ec2", "snapshot", "ec2", "snapshot"),
        ("rds", "db-instance", "rds", "db_instance"),
        (
            "elasticloadbalancing",
            "loadbalancer",
            "elasticloadbalancing",
            "load_balancer",
        ),
    ] {
        let want = expect(sim_service, sim_type);
        assert!(!want.is_empty(), "{sim_type}");
        assert_eq!(
            counts.get(&(service.into(), ty.into())),
            Some(&want.len()),
            "{ty}"
        );
        for sim_r in &want {
            let r = resources
                .iter()
                .find(|r| {
                    r.resource_type == ty
                        && (r.id == sim_r.id || r.id.ends_with(&format!("/{}", sim_r.id)))
                })
                .unwrap_or_else(|| panic!("{ty} {} listed", sim_r.id));
            assert_eq!(r.region, "us-east-1");
            for (k, v) in &sim_r.tags {
                assert_eq!(r.tags.get(k), Some(v), "{ty} {} tag {k}", r.id);
            }
            assert!(r.raw.to_value().is_object(), "{ty} keeps its raw item");
            if matches!(ty, "security_group" | "db_instance" | "load_balancer") {
                assert_eq!(r.name.as_deref(), Some(sim_r.name.as_str()), "{ty}");
            }
        }
    }
    // EC2 lists paged by 5 (7 of each over 2 regions: 4 in us-east-1, one page each) and RDS
    // by 20: the calls are per product, never per item.
    assert_eq!(cloud.count("ec2:DescribeVolumes"), 1);
    assert_eq!(cloud.count("rds:DescribeDBInstances"), 1);
}

#[tokio::test]
async fn global_products_are_buckets_with_their_region_and_iam_users() {
    let cloud = sim(0, 3, 6).await;
    let p = provider_with(&cloud, "admin", None, Some(4));
    let (resources, errors) = drain(p.global_resources()).await;
    assert!(errors.is_empty(), "{errors:?}");
    let inv = cloud.inventory();
    let buckets: Vec<_> = inv
        .resources_of("s3", "bucket")
        .iter()
        .filter(|b| !b.region.starts_with("cn-"))
        .cloned()
        .collect();
    let listed: Vec<&CloudResource> = resources.iter().filter(|r| r.service == "s3").collect();
    assert_eq!(listed.len(), buckets.len());
    for b in &buckets {
        let r = listed.iter().find(|r| r.id == b.id).expect("bucket listed");
        assert_eq!(r.resource_type, "bucket");
        assert_eq!(r.region, b.region, "bucket {} region", b.id);
        assert_eq!(r.raw.to_value()["Name"], b.id.as_str());
    }
    let users: Vec<&CloudResource> = resources.iter().filter(|r| r.service == "iam").collect();
    assert_eq!(users.len(), inv.resources_of("iam", "user").len());
    for u in inv.resources_of("iam", "user") {
        let r = users.iter().find(|r| r.id == u.id).expect("user listed");
        assert_eq!(
            (r.resource_type.as_str(), r.region.as_str()),
            ("user", "global")
        );
        assert_eq!(r.name.as_deref(), Some(u.name.as_str()));
        assert!(r.raw.to_value()["Arn"]
            .as_str()
            .unwrap()
            .ends_with(&format!(":user/{}", u.name)));
    }
    // Paged by 4: 6 users take two ListUsers calls.
    assert_eq!(cloud.count("iam:ListUsers"), 2);
}

#[tokio::test]
async fn agentless_inventory_is_volumes_and_own_snapshots() {
    let cloud = sim(0, 1, 3).await;
    let p = provider(&cloud, "admin");
    // The agentless feature's kinds, listed one after the other.
    let region = Region::enabled("us-east-1");
    let listings: Vec<_> = p
        .kinds_of(&[&StandardFeature::Agentless])
        .into_iter()
        .map(|kind| p.list(kind, Some(&region)))
        .collect();
    let resources = futures::stream::iter(listings)
        .flatten()
        .map(|item| item.map(|i| i.as_resource().cloned().expect("a resource")))
        .boxed();
    let (resources, errors) = drain(resources).await;
    assert!(errors.is_empty(), "{errors:?}");
    let types = count_by_type(&resources);
    assert_eq!(types.len(), 2, "{types:?}");
    assert_eq!(types[&("ec2".into(), "volume".into())], 3);
    assert_eq!(types[&("ec2".into(), "snapshot".into())], 3);
    // Only the account's own snapshots were asked for.
    let req = &cloud.recorder().requests_for("ec2:DescribeSnapshots")[0];
    let body = String::from_utf8_lossy(&req.request.body).into_owned();
    assert!(body.contains("Owner.1=self"), "{body}");
}

#[tokio::test]
async fn snapshots_of_other_accounts_are_dropped_even_if_the_server_ignores_owner_self() {
    let cloud = sim(0, 1, 0).await;
    // A server that ignores `Owner.1=self` and answers with a public snapshot of another
    // account beside the caller's own.
    let own = multicloud_testkit::aws::ACCOUNT_ID;
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeSnapshotsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r-1</requestId>
  <snapshotSet>
    <item><snapshotId>snap-own</snapshotId><ownerId>{own}</ownerId><volumeSize>8</volumeSize></item>
    <item><snapshotId>snap-public</snapshotId><ownerId>999999999999</ownerId><volumeSize>8</volumeSize></item>
  </snapshotSet>
</DescribeSnapshotsResponse>"#
    );
    cloud.faults().on("ec2:DescribeSnapshots").raw_body(
        multicloud_testkit::Trigger::Always,
        "text/xml",
        body,
    );
    let p = provider(&cloud, "admin");
    let kind = p
        .resource_kinds()
        .iter()
        .find(|k| k.id == "ec2.snapshot")
        .unwrap();
    let (items, errors) = drain(p.list(kind, Some(&Region::enabled("us-east-1")))).await;
    assert!(errors.is_empty(), "{errors:?}");
    let ids: Vec<String> = items
        .iter()
        .map(|i| i.as_resource().unwrap().id.clone())
        .collect();
    assert_eq!(ids, ["snap-own"]);
}

//! The AWS simulator over real HTTP, with requests signed by the SDK's SigV4 signer.

mod common;

use common::{assert_well_formed, now, request, send, sign_aws, xml_value, xml_values, Resp};
use multicloud_core::AccessKey;
use multicloud_testkit::aws::{AwsSim, ACCOUNT_ID, CHINA_ACCOUNT_ID};
use multicloud_testkit::{KeyStatus, Outcome, Permissions, SimCloud, SimHostState};
use time::{Duration, OffsetDateTime};

const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";

struct Aws {
    cloud: SimCloud,
}

impl Aws {
    async fn start(hosts: usize) -> Aws {
        let cloud = SimCloud::builder(AwsSim::new())
            .hosts(hosts)
            .regions(3)
            .resources_per_service(7)
            .clock(common::clock())
            .start()
            .await
            .expect("simulator starts");
        Aws { cloud }
    }

    fn key(&self, label: &str) -> AccessKey {
        self.cloud
            .keys()
            .by_label(label)
            .expect("demo key")
            .access_key()
    }

    /// A query/EC2 POST signed for `region`/`service`, sent to the loopback address.
    async fn call(&self, label: &str, region: &str, service: &str, form: &str) -> Resp {
        self.call_at(&self.key(label), None, region, service, form, now())
            .await
    }

    async fn call_at(
        &self,
        key: &AccessKey,
        host: Option<&str>,
        region: &str,
        service: &str,
        form: &str,
        time: OffsetDateTime,
    ) -> Resp {
        let mut req = request("POST", &self.cloud.base_url(), "/", host, Some(FORM), form);
        sign_aws(&mut req, key, region, service, time);
        let resp = send(req).await.expect("response");
        assert_well_formed(&resp.body);
        resp
    }

    async fn s3(&self, label: &str, region: &str, path: &str) -> Resp {
        let mut req = request("GET", &self.cloud.base_url(), path, None, None, "");
        sign_aws(&mut req, &self.key(label), region, "s3", now());
        let resp = send(req).await.expect("response");
        assert_well_formed(&resp.body);
        resp
    }

    fn region_host_ids(&self, region: &str) -> Vec<String> {
        self.cloud
            .inventory()
            .hosts_in(region)
            .iter()
            .map(|h| h.id.clone())
            .collect()
    }
}

#[tokio::test]
async fn sts_identity_by_credential_scope_and_by_real_host() {
    let aws = Aws::start(5).await;
    let r = aws
        .call(
            "admin",
            "us-east-1",
            "sts",
            "Action=GetCallerIdentity&Version=2011-06-15",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
    ));
    assert_eq!(xml_value(&r.body, "Account").as_deref(), Some(ACCOUNT_ID));
    assert_eq!(
        xml_value(&r.body, "Arn").as_deref(),
        Some("arn:aws:iam::123456789012:user/mc-admin")
    );
    assert!(xml_value(&r.body, "RequestId").is_some());

    // The same call addressed to the real global host name (signed for it).
    let r = aws
        .call_at(
            &aws.key("admin"),
            Some("sts.amazonaws.com"),
            "us-east-1",
            "sts",
            "Action=GetCallerIdentity&Version=2011-06-15",
            now(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // China partition: regional STS with the China key.
    let r = aws
        .call(
            "china",
            "cn-north-1",
            "sts",
            "Action=GetCallerIdentity&Version=2011-06-15",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        xml_value(&r.body, "Account").as_deref(),
        Some(CHINA_ACCOUNT_ID)
    );
    assert!(xml_value(&r.body, "Arn")
        .unwrap_or_default()
        .starts_with("arn:aws-cn:iam::"));
    assert_eq!(aws.cloud.count("sts:GetCallerIdentity"), 3);
}

#[tokio::test]
async fn describe_regions_reports_opt_in_status_per_partition() {
    let aws = Aws::start(1).await;
    let r = aws
        .call(
            "admin",
            "us-east-1",
            "ec2",
            "Action=DescribeRegions&Version=2016-11-15",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let names = xml_values(&r.body, "regionName");
    assert!(names.contains(&"us-east-1".to_string()));
    assert!(names.contains(&"ap-east-1".to_string()));
    assert!(
        !names.contains(&"me-south-1".to_string()),
        "not-opted-in hidden by default"
    );
    assert!(!names.iter().any(|n| n.starts_with("cn-")));

    let r = aws
        .call(
            "admin",
            "us-east-1",
            "ec2",
            "Action=DescribeRegions&Version=2016-11-15&AllRegions=true",
        )
        .await;
    let statuses = xml_values(&r.body, "optInStatus");
    assert!(statuses.contains(&"not-opted-in".to_string()));
    assert!(statuses.contains(&"opted-in".to_string()));
    assert!(statuses.contains(&"opt-in-not-required".to_string()));
    assert!(r
        .body
        .contains("<regionEndpoint>ec2.me-south-1.amazonaws.com</regionEndpoint>"));

    let r = aws
        .call(
            "china",
            "cn-north-1",
            "ec2",
            "Action=DescribeRegions&Version=2016-11-15",
        )
        .await;
    assert_eq!(
        xml_values(&r.body, "regionName"),
        vec!["cn-north-1", "cn-northwest-1"]
    );
    assert!(r.body.contains("ec2.cn-north-1.amazonaws.com.cn"));
}

#[tokio::test]
async fn describe_instances_pages_through_every_host_of_the_region() {
    let aws = Aws::start(90).await;
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut form = "Action=DescribeInstances&Version=2016-11-15&MaxResults=7".to_string();
        if let Some(t) = &token {
            form.push_str(&format!("&NextToken={t}"));
        }
        let r = aws.call("admin", "eu-west-1", "ec2", &form).await;
        assert_eq!(r.status, 200, "{}", r.body);
        pages += 1;
        let ids: Vec<String> = xml_values(&r.body, "instanceId");
        assert!(ids.len() <= 7);
        seen.extend(ids);
        token = xml_value(&r.body, "nextToken");
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, aws.region_host_ids("eu-west-1"));
    assert_eq!(seen.len(), 30);
    assert_eq!(pages, 5);

    // The fields a host sync reads are all there.
    let r = aws
        .call(
            "admin",
            "eu-west-1",
            "ec2",
            "Action=DescribeInstances&Version=2016-11-15",
        )
        .await;
    let first = &aws.cloud.inventory().hosts_in("eu-west-1")[0].clone();
    for tag in [
        "reservationSet",
        "instancesSet",
        "instanceState",
        "placement",
        "tagSet",
        "launchTime",
        "platformDetails",
    ] {
        assert!(r.body.contains(&format!("<{tag}>")), "missing {tag}");
    }
    assert!(r.body.contains(&format!(
        "<privateIpAddress>{}</privateIpAddress>",
        first.private_ip
    )));
    assert!(r.body.contains(&format!("<ownerId>{ACCOUNT_ID}</ownerId>")));
}

#[tokio::test]
async fn describe_instances_validates_max_results_ids_and_filters() {
    let aws = Aws::start(12).await;
    let r = aws
        .call(
            "admin",
            "us-east-1",
            "ec2",
            "Action=DescribeInstances&Version=2016-11-15&MaxResults=4",
        )
        .await;
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (400, Some("InvalidParameterValue"))
    );
    assert!(r.body.contains("<RequestID>"));
    let r = aws
        .call(
            "admin",
            "us-east-1",
            "ec2",
            "Action=DescribeInstances&Version=2016-11-15&MaxResults=1001",
        )
        .await;
    assert_eq!(r.status, 400);

    let id = aws.region_host_ids("us-east-1")[1].clone();
    let r = aws
        .call(
            "admin",
            "us-east-1",
            "ec2",
            &format!("Action=DescribeInstances&Version=2016-11-15&InstanceId.1={id}"),
        )
        .await;
    assert_eq!(xml_values(&r.body, "instanceId"), vec![id.clone()]);
    let r = aws
        .call(
            "admin",
            "us-east-1",
            "ec2",
            &format!("Action=DescribeInstances&Version=2016-11-15&InstanceId.1={id}&MaxResults=5"),
        )
        .await;
    assert_eq!(
        xml_value(&r.body, "Code").as_deref(),
        Some("InvalidParameterCombination")
    );
    let r = aws
        .call(
            "admin",
            "us-east-1",
            "ec2",
            "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-00000000000000000",
        )
        .await;
    assert_eq!(
        xml_value(&r.body, "Code").as_deref(),
        Some("InvalidInstanceID.NotFound")
    );

    let running = aws
        .cloud
        .inventory()
        .hosts_in("us-east-1")
        .iter()
        .filter(|h| h.state == SimHostState::Running)
        .count();
    let r = aws
        .call("admin", "us-east-1", "ec2", "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-state-name&Filter.1.Value.1=running")
        .await;
    assert_eq!(xml_values(&r.body, "instanceId").len(), running);
    let r = aws
        .call(
            "admin",
            "us-east-1",
            "ec2",
            "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=bogus&Filter.1.Value.1=x",
        )
        .await;
    assert_eq!(
        xml_value(&r.body, "Code").as_deref(),
        Some("InvalidParameterValue")
    );
}

#[tokio::test]
async fn dry_run_tells_allowed_from_denied() {
    let aws = Aws::start(3).await;
    let form = "Action=DescribeInstances&Version=2016-11-15&DryRun=true";
    let r = aws.call("admin", "us-east-1", "ec2", form).await;
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (412, Some("DryRunOperation"))
    );
    let admin = aws.key("admin");
    aws.cloud
        .keys()
        .set_permissions(admin.id(), Permissions::only(["sts:*"]));
    let r = aws.call("admin", "us-east-1", "ec2", form).await;
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (403, Some("UnauthorizedOperation"))
    );
    assert!(r.body.contains("ec2:DescribeInstances"));
}

#[tokio::test]
async fn ec2_product_listings_match_the_inventory() {
    let aws = Aws::start(6).await;
    let region = "us-east-1";
    let cases = [
        ("DescribeVpcs", "vpc", "vpcId", "vpcSet"),
        (
            "DescribeSecurityGroups",
            "security-group",
            "groupId",
            "securityGroupInfo",
        ),
        ("DescribeVolumes", "volume", "volumeId", "volumeSet"),
        ("DescribeSnapshots", "snapshot", "snapshotId", "snapshotSet"),
    ];
    for (action, ty, id_tag, set_tag) in cases {
        let extra = if action == "DescribeSnapshots" {
            "&Owner.1=self"
        } else {
            ""
        };
        let r = aws
            .call(
                "admin",
                region,
                "ec2",
                &format!("Action={action}&Version=2016-11-15{extra}"),
            )
            .await;
        assert_eq!(r.status, 200, "{action}: {}", r.body);
        assert!(r.body.contains(&format!("<{set_tag}>")), "{action}");
        let want: Vec<String> = aws
            .cloud
            .inventory()
            .resources_in("ec2", ty, region)
            .iter()
            .map(|v| v.id.clone())
            .collect();
        assert!(!want.is_empty(), "{action}");
        let got: Vec<String> = xml_values(&r.body, id_tag)
            .into_iter()
            .filter(|i| want.contains(i))
            .collect();
        assert_eq!(got, want, "{action}");
    }
    // Paging with MaxResults on DescribeVpcs (5..1000) and snapshots owned by Amazon.
    let r = aws
        .call(
            "admin",
            region,
            "ec2",
            "Action=DescribeVpcs&Version=2016-11-15&MaxResults=3",
        )
        .await;
    assert_eq!(
        xml_value(&r.body, "Code").as_deref(),
        Some("InvalidParameterValue")
    );
    let r = aws
        .call(
            "admin",
            region,
            "ec2",
            "Action=DescribeSnapshots&Version=2016-11-15&Owner.1=amazon",
        )
        .await;
    assert!(xml_values(&r.body, "snapshotId").is_empty());
}

#[tokio::test]
async fn s3_lists_buckets_and_their_locations() {
    let aws = Aws::start(1).await;
    let r = aws.s3("admin", "us-east-1", "/").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r
        .body
        .contains("<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"));
    let names = xml_values(&r.body, "Name");
    let buckets: Vec<(String, String)> = aws
        .cloud
        .inventory()
        .resources_of("s3", "bucket")
        .iter()
        .filter(|b| !b.region.starts_with("cn-"))
        .map(|b| (b.id.clone(), b.region.clone()))
        .collect();
    assert_eq!(names.len(), buckets.len());
    for (name, region) in &buckets {
        assert!(names.contains(name));
        let r = aws
            .s3("admin", "us-east-1", &format!("/{name}?location"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let loc = xml_value(&r.body, "LocationConstraint").unwrap_or_default();
        if region == "us-east-1" {
            assert_eq!(loc, "");
        } else {
            assert_eq!(&loc, region);
        }
    }
    // Paged listing.
    let r = aws.s3("admin", "us-east-1", "/?max-buckets=2").await;
    assert_eq!(xml_values(&r.body, "Name").len(), 2);
    let token = xml_value(&r.body, "ContinuationToken").expect("more pages");
    let r = aws
        .s3(
            "admin",
            "us-east-1",
            &format!("/?max-buckets=2&continuation-token={token}"),
        )
        .await;
    assert_eq!(xml_values(&r.body, "Name")[0], names[2]);
    let r = aws
        .s3("admin", "us-east-1", "/no-such-bucket?location")
        .await;
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (404, Some("NoSuchBucket"))
    );
}

#[tokio::test]
async fn rds_elb_and_iam_listings_page_with_markers() {
    let aws = Aws::start(1).await;
    let r = aws
        .call(
            "admin",
            "us-east-1",
            "rds",
            "Action=DescribeDBInstances&Version=2014-10-31",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let want = aws
        .cloud
        .inventory()
        .resources_in("rds", "db-instance", "us-east-1")
        .len();
    assert_eq!(xml_values(&r.body, "DBInstanceIdentifier").len(), want);
    assert!(r.body.contains("<DBInstances><DBInstance>"));
    let r = aws
        .call(
            "admin",
            "us-east-1",
            "rds",
            "Action=DescribeDBInstances&Version=2014-10-31&MaxRecords=10",
        )
        .await;
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (400, Some("InvalidParameterValue"))
    );
    assert!(r.body.contains("<ErrorResponse"));

    let r = aws
        .call(
            "admin",
            "eu-west-1",
            "elasticloadbalancing",
            "Action=DescribeLoadBalancers&Version=2015-12-01&PageSize=1",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(xml_values(&r.body, "LoadBalancerName").len(), 1);
    assert!(xml_value(&r.body, "NextMarker").is_some());

    let mut users = Vec::new();
    let mut marker = String::new();
    loop {
        let mut form = "Action=ListUsers&Version=2010-05-08&MaxItems=3".to_string();
        if !marker.is_empty() {
            form.push_str(&format!("&Marker={marker}"));
        }
        let r = aws
            .call_at(
                &aws.key("admin"),
                Some("iam.amazonaws.com"),
                "us-east-1",
                "iam",
                &form,
                now(),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        users.extend(xml_values(&r.body, "UserName"));
        if xml_value(&r.body, "IsTruncated").as_deref() == Some("false") {
            break;
        }
        marker = xml_value(&r.body, "Marker").expect("marker");
    }
    assert_eq!(users.len(), 7);
}

#[tokio::test]
async fn tagging_get_resources_lists_tagged_arns() {
    let aws = Aws::start(10).await;
    let body = r#"{"ResourcesPerPage": 100}"#;
    let mut req = request(
        "POST",
        &aws.cloud.base_url(),
        "/",
        None,
        Some("application/x-amz-json-1.1"),
        body,
    );
    req.headers_mut().insert(
        "x-amz-target",
        "ResourceGroupsTaggingAPI_20170126.GetResources"
            .parse()
            .unwrap(),
    );
    sign_aws(&mut req, &aws.key("admin"), "us-east-1", "tagging", now());
    let r = send(req).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["PaginationToken"], "");
    let arns: Vec<String> = v["ResourceTagMappingList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["ResourceARN"].as_str().unwrap().to_string())
        .collect();
    for id in aws.region_host_ids("us-east-1") {
        assert!(arns.contains(&format!("arn:aws:ec2:us-east-1:{ACCOUNT_ID}:instance/{id}")));
    }
    assert!(arns.iter().any(|a| a.starts_with("arn:aws:rds:us-east-1")));
}

#[tokio::test]
async fn bad_signatures_unknown_and_disabled_keys_are_refused_like_aws() {
    let aws = Aws::start(2).await;
    let admin = aws.key("admin");
    let wrong = AccessKey::new(admin.id(), "not-the-secret-0000000000000000000000000");
    let ec2 = "Action=DescribeInstances&Version=2016-11-15";
    let sts = "Action=GetCallerIdentity&Version=2011-06-15";

    let r = aws
        .call_at(&wrong, None, "us-east-1", "ec2", ec2, now())
        .await;
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (403, Some("SignatureDoesNotMatch"))
    );
    let r = aws
        .call_at(&wrong, None, "us-east-1", "sts", sts, now())
        .await;
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (403, Some("SignatureDoesNotMatch"))
    );
    assert_eq!(xml_value(&r.body, "Type").as_deref(), Some("Sender"));
    let mut req = request("GET", &aws.cloud.base_url(), "/", None, None, "");
    sign_aws(&mut req, &wrong, "us-east-1", "s3", now());
    let r = send(req).await.unwrap();
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (403, Some("SignatureDoesNotMatch"))
    );

    let unknown = AccessKey::new("AKIAUNKNOWNKEY000000", "x");
    let r = aws
        .call_at(&unknown, None, "us-east-1", "ec2", ec2, now())
        .await;
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (401, Some("AuthFailure"))
    );
    let r = aws
        .call_at(&unknown, None, "us-east-1", "sts", sts, now())
        .await;
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (403, Some("InvalidClientTokenId"))
    );

    let disabled = aws.key("disabled");
    let r = aws
        .call_at(&disabled, None, "us-east-1", "sts", sts, now())
        .await;
    assert_eq!(
        xml_value(&r.body, "Code").as_deref(),
        Some("InvalidClientTokenId")
    );
    // Re-enabling the key at runtime makes it work.
    aws.cloud
        .keys()
        .set_status(disabled.id(), KeyStatus::Active);
    let r = aws
        .call_at(&disabled, None, "us-east-1", "sts", sts, now())
        .await;
    assert_eq!(r.status, 200);

    assert_eq!(
        aws.cloud
            .recorder()
            .count_where(|r| matches!(r.outcome, Outcome::Refused { .. })),
        6
    );
}

#[tokio::test]
async fn partitions_regions_permissions_and_clock_are_enforced() {
    let aws = Aws::start(2).await;
    let sts = "Action=GetCallerIdentity&Version=2011-06-15";
    let ec2 = "Action=DescribeInstances&Version=2016-11-15";
    // International key in China, China key in the global partition.
    let r = aws.call("admin", "cn-north-1", "sts", sts).await;
    assert_eq!(
        xml_value(&r.body, "Code").as_deref(),
        Some("InvalidClientTokenId")
    );
    let r = aws.call("china", "us-east-1", "ec2", ec2).await;
    assert_eq!(xml_value(&r.body, "Code").as_deref(), Some("AuthFailure"));
    // A region the account has not opted in to.
    let r = aws.call("admin", "me-south-1", "ec2", ec2).await;
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (401, Some("AuthFailure"))
    );
    aws.cloud.mutate(|inv| inv.set_opted_in("me-south-1", true));
    let r = aws.call("admin", "me-south-1", "ec2", ec2).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Policy: the EC2-only key may not list databases, but may still ask who it is.
    let r = aws
        .call(
            "ec2-only",
            "us-east-1",
            "rds",
            "Action=DescribeDBInstances&Version=2014-10-31",
        )
        .await;
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (403, Some("AccessDenied"))
    );
    let r = aws.call("ec2-only", "us-east-1", "sts", sts).await;
    assert_eq!(r.status, 200);
    // 20 minutes of skew.
    let late = now() - Duration::minutes(20);
    let r = aws
        .call_at(&aws.key("admin"), None, "us-east-1", "ec2", ec2, late)
        .await;
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (400, Some("RequestExpired"))
    );
    let r = aws
        .call_at(&aws.key("admin"), None, "us-east-1", "sts", sts, late)
        .await;
    assert_eq!(
        xml_value(&r.body, "Code").as_deref(),
        Some("SignatureDoesNotMatch")
    );
    assert!(xml_value(&r.body, "Message")
        .unwrap_or_default()
        .starts_with("Signature expired: 20250301T074000Z is now earlier than"));
    // Within 15 minutes is fine.
    let r = aws
        .call_at(
            &aws.key("admin"),
            None,
            "us-east-1",
            "sts",
            sts,
            now() + Duration::minutes(10),
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn unknown_actions_and_unsigned_requests() {
    let aws = Aws::start(1).await;
    let r = aws
        .call(
            "admin",
            "us-east-1",
            "ec2",
            "Action=DescribeAddresses&Version=2016-11-15",
        )
        .await;
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (400, Some("InvalidAction"))
    );
    let req = request(
        "POST",
        &aws.cloud.base_url(),
        "/",
        Some("sts.amazonaws.com"),
        Some(FORM),
        "Action=GetCallerIdentity",
    );
    let r = send(req).await.unwrap();
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (403, Some("MissingAuthenticationToken"))
    );
}

#[tokio::test]
async fn live_inventory_changes_show_up_in_the_next_listing() {
    let aws = Aws::start(4).await;
    let list = || {
        aws.call(
            "admin",
            "us-east-1",
            "ec2",
            "Action=DescribeInstances&Version=2016-11-15",
        )
    };
    let before = xml_values(&list().await.body, "instanceId");
    let added = aws.cloud.add_generated_host("us-east-1");
    let removed = before[0].clone();
    assert!(aws.cloud.remove_host(&removed).is_some());
    assert!(aws
        .cloud
        .update_host(&before[1], |h| h.instance_type = "m5.24xlarge".into()));
    let after = list().await.body;
    let ids = xml_values(&after, "instanceId");
    assert!(ids.contains(&added.id));
    assert!(!ids.contains(&removed));
    assert!(after.contains("<instanceType>m5.24xlarge</instanceType>"));
}

#[tokio::test]
async fn thousands_of_hosts_page_through_in_full() {
    let cloud = SimCloud::builder(AwsSim::new())
        .hosts(6000)
        .regions(2)
        .clock(common::clock())
        .start()
        .await
        .unwrap();
    let aws = Aws { cloud };
    let mut seen = 0;
    let mut token: Option<String> = None;
    loop {
        let mut form = "Action=DescribeInstances&Version=2016-11-15&MaxResults=1000".to_string();
        if let Some(t) = &token {
            form.push_str(&format!("&NextToken={t}"));
        }
        let r = aws.call("admin", "us-east-1", "ec2", &form).await;
        seen += xml_values(&r.body, "instanceId").len();
        token = xml_value(&r.body, "nextToken");
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, 3000);
    assert_eq!(aws.cloud.count("ec2:DescribeInstances"), 3);
}

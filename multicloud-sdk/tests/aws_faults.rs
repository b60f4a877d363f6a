//! End-to-end: throttling, server errors, pagination loops, auth failures on listings, and
//! secrets kept out of every rendering — against the AWS simulator.

mod aws_support;

use aws_support::{builder, demo_key, drain, provider, provider_with, sim, ATTEMPTS};
use multicloud_sdk::{AccessKey, CloudProvider, Domain, ErrorKind, Region, StandardFeature};
use multicloud_testkit::aws::ACCOUNT_ID;
use multicloud_testkit::{SimKey, Trigger};

#[tokio::test]
async fn a_throttled_region_is_retried_to_success() {
    let cloud = sim(12, 3, 0).await;
    let p = provider_with(&cloud, "admin", None, Some(5));
    cloud
        .faults()
        .on("ec2:DescribeInstances")
        .throttle(Trigger::first(2));
    let region = Region::enabled("us-east-1");
    let (hosts, errors) = drain(p.hosts(&region)).await;
    assert!(errors.is_empty(), "{errors:?}");
    let expected = cloud.inventory().hosts_in("us-east-1").len();
    assert_eq!(hosts.len(), expected);
    let pages = expected.div_ceil(5);
    // Each throttled attempt was sent again: two extra requests, nothing lost.
    assert_eq!(cloud.count("ec2:DescribeInstances"), pages + 2);
}

#[tokio::test]
async fn a_region_failing_with_5xx_keeps_the_other_regions_results() {
    let cloud = sim(12, 3, 0).await;
    let p = provider(&cloud, "admin");
    let mut results = Vec::new();
    for (region, broken) in [
        ("us-east-1", false),
        ("eu-west-1", true),
        ("ap-southeast-1", false),
    ] {
        if broken {
            cloud
                .faults()
                .on("ec2:DescribeInstances")
                .server_error(Trigger::Always);
        }
        let before = cloud.count("ec2:DescribeInstances");
        results.push((region, drain(p.hosts(&Region::enabled(region))).await));
        if broken {
            assert_eq!(
                cloud.count("ec2:DescribeInstances") - before,
                ATTEMPTS as usize,
                "retried"
            );
            cloud.faults().on("ec2:DescribeInstances").clear();
        }
    }
    let inv = cloud.inventory();
    for (region, (hosts, errors)) in &results {
        if *region == "eu-west-1" {
            assert!(hosts.is_empty());
            assert_eq!(errors.len(), 1);
            let e = &errors[0];
            assert_eq!(e.kind(), ErrorKind::Transient);
            assert_eq!(e.code(), Some("InternalError"));
            assert_eq!(e.http_status(), Some(500));
            assert_eq!(e.attempts(), Some(ATTEMPTS));
            assert_eq!(e.action(), Some("ec2:DescribeInstances"));
            assert!(e.request_id().is_some());
        } else {
            assert!(errors.is_empty(), "{region}: {errors:?}");
            assert_eq!(hosts.len(), inv.hosts_in(region).len(), "{region}");
        }
    }
}

#[tokio::test]
async fn a_pagination_loop_ends_with_an_error_after_the_items() {
    let cloud = sim(15, 1, 0).await;
    let p = provider_with(&cloud, "admin", None, Some(5));
    cloud.faults().on("ec2:DescribeInstances").pagination_loop();
    let (hosts, errors) = drain(p.hosts(&Region::enabled("us-east-1"))).await;
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].kind(), ErrorKind::PaginationLoop);
    assert!(!hosts.is_empty(), "items before the loop are kept");
    assert!(
        cloud.count("ec2:DescribeInstances") <= 3,
        "stopped instead of spinning"
    );
}

#[tokio::test]
async fn a_denied_product_does_not_hide_the_others() {
    let cloud = sim(0, 1, 2).await;
    let p = provider(&cloud, "ec2-only");
    let (resources, errors) = drain(p.cloud_resources(&Region::enabled("us-east-1"))).await;
    // EC2 products list; RDS and ELBv2 are denied, each with its own error.
    assert!(resources.iter().all(|r| r.service == "ec2"));
    assert!(resources.iter().any(|r| r.resource_type == "snapshot"));
    let denied: Vec<_> = errors
        .iter()
        .map(|e| (e.kind(), e.action().unwrap_or_default().to_owned()))
        .collect();
    assert_eq!(
        denied,
        [
            (
                ErrorKind::PermissionDenied,
                "rds:DescribeDBInstances".to_owned()
            ),
            (
                ErrorKind::PermissionDenied,
                "elasticloadbalancing:DescribeLoadBalancers".to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn listing_with_a_disabled_key_fails_once_without_retry() {
    let cloud = sim(5, 1, 0).await;
    let p = provider(&cloud, "disabled");
    let (hosts, errors) = drain(p.hosts(&Region::enabled("us-east-1"))).await;
    assert!(hosts.is_empty());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].kind(), ErrorKind::InvalidCredential);
    assert_eq!(errors[0].code(), Some("AuthFailure"));
    assert_eq!(cloud.count("ec2:DescribeInstances"), 1);
}

#[tokio::test]
async fn planted_secrets_never_show_in_debug_or_errors() {
    const SECRET: &str = "PLANTED-SECRET-0c1d2e3f4a5b6c7d8e9f0a1b";
    const TOKEN: &str = "PLANTED-TOKEN-99aa88bb77cc";
    let cloud = sim(2, 1, 1).await;
    let key = AccessKey::new(demo_key(&cloud, "admin").id, SECRET).with_session_token(TOKEN);
    let b = builder(&cloud, key, Domain::International);
    let rendered_builder = format!("{b:?}");
    let p = b.build().unwrap();
    let mut rendered = vec![rendered_builder, format!("{p:?}"), format!("{p:#?}")];

    // A wrong secret for a real key id: every failure path renders its error.
    let report = p
        .verify(&[&StandardFeature::Host, &StandardFeature::Cspm])
        .await
        .unwrap();
    rendered.push(format!("{report:?}"));
    rendered.push(serde_json::to_string(&report).unwrap());
    let (_, errors) = drain(p.hosts(&Region::enabled("us-east-1"))).await;
    let (_, more) = drain(p.global_resources()).await;
    assert!(!errors.is_empty() && !more.is_empty());
    for e in errors.iter().chain(&more) {
        rendered.push(format!("{e}"));
        rendered.push(format!("{e:?}"));
        rendered.push(e.report());
    }
    for text in &rendered {
        assert!(!text.contains(SECRET), "secret leaked: {text}");
        assert!(!text.contains(TOKEN), "token leaked: {text}");
        assert!(
            !text.contains("AWS4-HMAC-SHA256 Credential"),
            "signature material leaked: {text}"
        );
    }
}

#[tokio::test]
async fn a_session_token_is_sent_and_accepted_with_its_key() {
    let cloud = sim(3, 1, 0).await;
    cloud.keys().insert(SimKey::new(
        "ASIAMCSESSIONKEY0001",
        "session-secret-00000000000000000000001",
        ACCOUNT_ID,
    ));
    let key = cloud
        .keys()
        .get("ASIAMCSESSIONKEY0001")
        .unwrap()
        .access_key()
        .with_session_token("session-token-value");
    let p = builder(&cloud, key, Domain::International).build().unwrap();
    let (hosts, errors) = drain(p.hosts(&Region::enabled("us-east-1"))).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(hosts.len(), 3);
    let req = &cloud.recorder().requests_for("ec2:DescribeInstances")[0];
    assert_eq!(
        req.request.header("x-amz-security-token"),
        Some("session-token-value")
    );
}

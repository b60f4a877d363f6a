//! Fault injection over real HTTP: throttling (every k-th and seeded probability), 5xx,
//! latency, dropped connections, truncated bodies, pagination loops and clock skew, with
//! each provider's real codes, for every region or one; the recorder sees every request.

mod common;

use multicloud_core::signing::RequestSigner;
use std::sync::Arc;
use std::time::Duration;

use common::{now, request, send, send_with, sign_aws, xml_value, xml_values, Resp};
use multicloud_core::{AccessKey, ManualClock};
use multicloud_testkit::aws::AwsSim;
use multicloud_testkit::ctyun::{region_id, CtyunSim};
use multicloud_testkit::huawei::{self, HuaweiSim};
use multicloud_testkit::tencent::TencentSim;
use multicloud_testkit::{FaultKind, Outcome, SimCloud, Trigger};
use serde_json::{json, Value};

const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";

async fn aws(clock: Arc<ManualClock>) -> SimCloud {
    SimCloud::builder(AwsSim::new())
        .hosts(30)
        .seed(5)
        .clock(clock)
        .start()
        .await
        .unwrap()
}

fn admin(cloud: &SimCloud) -> AccessKey {
    cloud.keys().by_label("admin").unwrap().access_key()
}

fn aws_req(cloud: &SimCloud, service: &str, form: &str) -> http::Request<bytes::Bytes> {
    let mut req = request("POST", &cloud.base_url(), "/", None, Some(FORM), form);
    sign_aws(&mut req, &admin(cloud), "us-east-1", service, now());
    req
}

async fn ec2(cloud: &SimCloud, form: &str) -> Resp {
    send(aws_req(cloud, "ec2", form)).await.expect("response")
}

const DESCRIBE: &str = "Action=DescribeInstances&Version=2016-11-15";

async fn tencent(
    cloud: &SimCloud,
    service: &str,
    action: &str,
    version: &str,
    body: Value,
) -> Result<Resp, reqwest::Error> {
    tencent_in(cloud, "ap-guangzhou", service, action, version, body).await
}

async fn tencent_in(
    cloud: &SimCloud,
    region: &str,
    service: &str,
    action: &str,
    version: &str,
    body: Value,
) -> Result<Resp, reqwest::Error> {
    let mut req = request(
        "POST",
        &cloud.base_url(),
        "/",
        None,
        Some("application/json"),
        &body.to_string(),
    );
    req.headers_mut()
        .insert("x-tc-action", action.parse().unwrap());
    req.headers_mut()
        .insert("x-tc-version", version.parse().unwrap());
    req.headers_mut()
        .insert("x-tc-region", region.parse().unwrap());
    multicloud_tencent::Tc3Signer::new(service)
        .sign(&mut req, &admin(cloud), now())
        .unwrap();
    send(req).await
}

#[tokio::test]
async fn throttle_every_third_call_with_each_protocols_code() {
    let cloud = aws(common::clock()).await;
    cloud.faults().on("ec2:DescribeInstances").throttle_every(3);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = ec2(&cloud, DESCRIBE).await;
        if r.status == 503 {
            assert_eq!(
                xml_value(&r.body, "Code").as_deref(),
                Some("RequestLimitExceeded")
            );
        }
        statuses.push(r.status);
    }
    assert_eq!(statuses, [200, 200, 503, 200, 200, 503]);
    assert_eq!(
        cloud
            .recorder()
            .count_where(|r| r.outcome == Outcome::Fault(FaultKind::Throttle)),
        2
    );

    cloud
        .faults()
        .on("sts:GetCallerIdentity")
        .throttle(Trigger::Always);
    let r = send(aws_req(
        &cloud,
        "sts",
        "Action=GetCallerIdentity&Version=2011-06-15",
    ))
    .await
    .unwrap();
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (400, Some("Throttling"))
    );
    cloud
        .faults()
        .on("s3:ListBuckets")
        .throttle(Trigger::Always);
    let mut req = request("GET", &cloud.base_url(), "/", None, None, "");
    sign_aws(&mut req, &admin(&cloud), "us-east-1", "s3", now());
    let r = send(req).await.unwrap();
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (503, Some("SlowDown"))
    );

    let tc = SimCloud::builder(TencentSim::new())
        .clock(common::clock())
        .start()
        .await
        .unwrap();
    tc.faults()
        .on("cvm:DescribeInstances")
        .throttle(Trigger::first(1));
    let r = tencent(&tc, "cvm", "DescribeInstances", "2017-03-12", json!({}))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["Response"]["Error"]["Code"],
        "RequestLimitExceeded"
    );
    let r = tencent(&tc, "cvm", "DescribeInstances", "2017-03-12", json!({}))
        .await
        .unwrap();
    assert!(r.json()["Response"]["InstanceSet"].is_array());
}

#[tokio::test]
async fn probabilistic_throttling_is_seeded() {
    async fn run() -> Vec<u16> {
        let cloud = aws(common::clock()).await;
        cloud.faults().on("*").throttle_with_probability(0.5);
        let mut out = Vec::new();
        for _ in 0..30 {
            out.push(ec2(&cloud, DESCRIBE).await.status);
        }
        out
    }
    let a = run().await;
    assert_eq!(a, run().await, "same seed, same sequence");
    let throttled = a.iter().filter(|s| **s == 503).count();
    assert!((3..=27).contains(&throttled), "{throttled}");
}

#[tokio::test]
async fn server_errors_use_the_providers_5xx_shapes() {
    let cloud = aws(common::clock()).await;
    cloud
        .faults()
        .on("ec2:DescribeInstances")
        .server_error(Trigger::every(2));
    assert_eq!(ec2(&cloud, DESCRIBE).await.status, 200);
    let r = ec2(&cloud, DESCRIBE).await;
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (500, Some("InternalError"))
    );
    cloud
        .faults()
        .on("sts:GetCallerIdentity")
        .server_error(Trigger::Always);
    let r = send(aws_req(
        &cloud,
        "sts",
        "Action=GetCallerIdentity&Version=2011-06-15",
    ))
    .await
    .unwrap();
    assert_eq!(
        (r.status, xml_value(&r.body, "Type").as_deref()),
        (500, Some("Receiver"))
    );

    let tc = SimCloud::builder(TencentSim::new())
        .clock(common::clock())
        .start()
        .await
        .unwrap();
    tc.faults().on("*").server_error(Trigger::Always);
    let r = tencent(&tc, "sts", "GetCallerIdentity", "2018-08-13", json!({}))
        .await
        .unwrap();
    assert_eq!(r.status, 500);
    assert_eq!(r.json()["Response"]["Error"]["Code"], "InternalError");
}

#[tokio::test]
async fn latency_delays_responses_past_a_client_timeout() {
    let cloud = aws(common::clock()).await;
    cloud
        .faults()
        .on("ec2:DescribeInstances")
        .latency(Duration::from_secs(30));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = send_with(&client, aws_req(&cloud, "ec2", DESCRIBE))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    // Other endpoints are not delayed.
    let r = send_with(
        &client,
        aws_req(&cloud, "sts", "Action=GetCallerIdentity&Version=2011-06-15"),
    )
    .await
    .unwrap();
    assert_eq!(r.status, 200);
    cloud.faults().on("ec2:DescribeInstances").clear();
    assert_eq!(
        send_with(&client, aws_req(&cloud, "ec2", DESCRIBE))
            .await
            .unwrap()
            .status,
        200
    );
}

#[tokio::test]
async fn dropped_connections_and_truncated_bodies() {
    let cloud = aws(common::clock()).await;
    cloud
        .faults()
        .on("ec2:DescribeInstances")
        .drop_connection(Trigger::first(1));
    let err = send(aws_req(&cloud, "ec2", DESCRIBE)).await.unwrap_err();
    assert!(err.is_request() || err.is_connect(), "{err}");
    assert_eq!(
        ec2(&cloud, DESCRIBE).await.status,
        200,
        "only the first call is dropped"
    );

    cloud
        .faults()
        .on("ec2:DescribeInstances")
        .truncate_body(Trigger::first(1));
    let err = send(aws_req(&cloud, "ec2", DESCRIBE)).await.unwrap_err();
    assert!(
        err.is_body() || err.is_decode() || err.is_request(),
        "{err}"
    );
    let r = ec2(&cloud, DESCRIBE).await;
    assert_eq!(r.status, 200);
    common::assert_well_formed(&r.body);
    let faults: Vec<Outcome> = cloud
        .requests()
        .into_iter()
        .map(|r| r.outcome)
        .filter(|o| matches!(o, Outcome::Fault(_)))
        .collect();
    assert_eq!(
        faults,
        [
            Outcome::Fault(FaultKind::DropConnection),
            Outcome::Fault(FaultKind::TruncateBody)
        ]
    );
}

#[tokio::test]
async fn pagination_loop_repeats_the_same_token_or_page() {
    let cloud = aws(common::clock()).await;
    cloud.faults().on("ec2:DescribeInstances").pagination_loop();
    let first = ec2(&cloud, &format!("{DESCRIBE}&MaxResults=5")).await;
    let token = xml_value(&first.body, "nextToken").expect("token");
    let second = ec2(
        &cloud,
        &format!("{DESCRIBE}&MaxResults=5&NextToken={token}"),
    )
    .await;
    let third = ec2(
        &cloud,
        &format!("{DESCRIBE}&MaxResults=5&NextToken={token}"),
    )
    .await;
    assert_eq!(
        xml_value(&second.body, "nextToken").as_deref(),
        Some(token.as_str())
    );
    assert_eq!(
        xml_values(&second.body, "instanceId"),
        xml_values(&third.body, "instanceId")
    );

    let tc = SimCloud::builder(TencentSim::new())
        .hosts(30)
        .clock(common::clock())
        .start()
        .await
        .unwrap();
    tc.faults().on("cvm:DescribeInstances").pagination_loop();
    let p1 = tencent(
        &tc,
        "cvm",
        "DescribeInstances",
        "2017-03-12",
        json!({"Offset": 0, "Limit": 3}),
    )
    .await
    .unwrap()
    .json();
    let p2 = tencent(
        &tc,
        "cvm",
        "DescribeInstances",
        "2017-03-12",
        json!({"Offset": 3, "Limit": 3}),
    )
    .await
    .unwrap()
    .json();
    assert_eq!(p1["Response"]["InstanceSet"], p2["Response"]["InstanceSet"]);
    assert_eq!(p1["Response"]["TotalCount"], 10);
}

#[tokio::test]
async fn clock_skew_by_fault_and_by_moving_the_server_clock() {
    let clock = common::clock();
    let cloud = aws(clock.clone()).await;
    cloud
        .faults()
        .on("sts:GetCallerIdentity")
        .clock_skew(Trigger::first(1));
    let r = send(aws_req(
        &cloud,
        "sts",
        "Action=GetCallerIdentity&Version=2011-06-15",
    ))
    .await
    .unwrap();
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (403, Some("SignatureDoesNotMatch"))
    );
    assert!(r.body.contains("Signature expired"));
    // The server clock moves 20 minutes ahead of the signer.
    clock.advance(time::Duration::minutes(20));
    let r = ec2(&cloud, DESCRIBE).await;
    assert_eq!(
        (r.status, xml_value(&r.body, "Code").as_deref()),
        (400, Some("RequestExpired"))
    );
    assert_eq!(
        cloud
            .recorder()
            .count_where(|r| r.outcome == Outcome::Fault(FaultKind::ClockSkew)),
        1
    );

    let tc = SimCloud::builder(TencentSim::new())
        .clock(common::clock())
        .start()
        .await
        .unwrap();
    tc.faults().on("*").clock_skew(Trigger::Always);
    let r = tencent(&tc, "sts", "GetCallerIdentity", "2018-08-13", json!({}))
        .await
        .unwrap();
    assert_eq!(
        r.json()["Response"]["Error"]["Code"],
        "AuthFailure.SignatureExpire"
    );
}

#[tokio::test]
async fn the_recorder_keeps_every_request_with_its_outcome() {
    let cloud = aws(common::clock()).await;
    ec2(&cloud, DESCRIBE).await;
    ec2(&cloud, "Action=DescribeVpcs&Version=2016-11-15").await;
    let r = send(request(
        "POST",
        &cloud.base_url(),
        "/",
        None,
        Some(FORM),
        DESCRIBE,
    ))
    .await
    .unwrap();
    assert_eq!(r.status, 403);
    assert_eq!(cloud.count("ec2:DescribeInstances"), 1);
    assert_eq!(cloud.count("*"), 3);
    let all = cloud.requests();
    assert_eq!(all[0].seq, 1);
    assert!(
        matches!(&all[0].outcome, Outcome::Handled { status: 200, key_id } if key_id == admin(&cloud).id())
    );
    assert_eq!(all[2].endpoint, None);
    assert!(all[0].request.header("authorization").is_some());
    assert!(
        !format!("{:?}", all[0]).contains("Signature="),
        "Debug hides the signature"
    );
}

/// How many requests the simulator answered with an injected 5xx.
fn server_errors(cloud: &SimCloud) -> usize {
    cloud
        .recorder()
        .count_where(|r| r.outcome == Outcome::Fault(FaultKind::ServerError))
}

async fn ec2_in(cloud: &SimCloud, region: &str, host: Option<&str>) -> Resp {
    let mut req = request("POST", &cloud.base_url(), "/", host, Some(FORM), DESCRIBE);
    sign_aws(&mut req, &admin(cloud), region, "ec2", now());
    send(req).await.expect("response")
}

#[tokio::test]
async fn aws_region_scoped_fault_fails_one_region_while_others_answer_concurrently() {
    let cloud = aws(common::clock()).await;
    cloud
        .faults()
        .on("ec2:DescribeInstances")
        .in_region("eu-west-1")
        .server_error(Trigger::Always);
    // Three regions at once, four calls each; eu-west-1 is named by the credential scope on
    // the loopback host and, once, by a real EC2 host name.
    let region_calls = |region: &'static str| {
        let cloud = &cloud;
        async move {
            let mut statuses = Vec::new();
            for _ in 0..4 {
                statuses.push(ec2_in(cloud, region, None).await.status);
            }
            statuses
        }
    };
    let (us, eu, ap, eu_host) = tokio::join!(
        region_calls("us-east-1"),
        region_calls("eu-west-1"),
        region_calls("ap-southeast-1"),
        ec2_in(&cloud, "eu-west-1", Some("ec2.eu-west-1.amazonaws.com")),
    );
    assert_eq!(us, [200; 4]);
    assert_eq!(ap, [200; 4]);
    assert_eq!(eu, [500; 4]);
    assert_eq!(eu_host.status, 500);
    assert_eq!(
        xml_value(&eu_host.body, "Code").as_deref(),
        Some("InternalError")
    );
    assert_eq!(server_errors(&cloud), 5);
    // Other endpoints of the region are untouched; clearing the scope heals the region.
    let sts = {
        let mut req = request(
            "POST",
            &cloud.base_url(),
            "/",
            None,
            Some(FORM),
            "Action=DescribeVpcs&Version=2016-11-15",
        );
        sign_aws(&mut req, &admin(&cloud), "eu-west-1", "ec2", now());
        send(req).await.unwrap()
    };
    assert_eq!(sts.status, 200);
    cloud.faults().on("ec2:DescribeInstances").clear();
    assert_eq!(
        ec2_in(&cloud, "eu-west-1", None).await.status,
        500,
        "unscoped clear keeps it"
    );
    cloud
        .faults()
        .on_region("ec2:DescribeInstances", "eu-west-1")
        .clear();
    assert_eq!(ec2_in(&cloud, "eu-west-1", None).await.status, 200);
}

#[tokio::test]
async fn tencent_region_scoped_faults_follow_the_region_header() {
    let tc = SimCloud::builder(TencentSim::new())
        .hosts(30)
        .clock(common::clock())
        .start()
        .await
        .unwrap();
    // Every endpoint of ap-shanghai fails; ap-guangzhou is throttled every 2nd call of its own.
    tc.faults()
        .on_region("*", "ap-shanghai")
        .server_error(Trigger::Always);
    tc.faults()
        .on("cvm:DescribeInstances")
        .in_region("ap-guangzhou")
        .throttle_every(2);
    let cvm = |region: &'static str| {
        let tc = &tc;
        async move {
            let mut codes = Vec::new();
            for _ in 0..4 {
                let r = tencent_in(
                    tc,
                    region,
                    "cvm",
                    "DescribeInstances",
                    "2017-03-12",
                    json!({}),
                )
                .await
                .unwrap();
                let v = r.json();
                codes.push(match v["Response"]["Error"]["Code"].as_str() {
                    Some(code) => format!("{}:{code}", r.status),
                    None => {
                        assert!(v["Response"]["InstanceSet"].is_array(), "{v}");
                        format!("{}", r.status)
                    }
                });
            }
            codes
        }
    };
    let (gz, sh, bj) = tokio::join!(cvm("ap-guangzhou"), cvm("ap-shanghai"), cvm("ap-beijing"));
    let ok = "200".to_string();
    let throttled = "200:RequestLimitExceeded".to_string();
    assert_eq!(gz, [ok.clone(), throttled.clone(), ok.clone(), throttled]);
    assert_eq!(sh, vec!["500:InternalError".to_string(); 4]);
    assert_eq!(bj, vec![ok; 4]);
    // The wildcard scope covers other endpoints of the region too.
    let disks = tencent_in(
        &tc,
        "ap-shanghai",
        "cbs",
        "DescribeDisks",
        "2017-03-12",
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(disks.status, 500);
    assert_eq!(server_errors(&tc), 5);
}

#[tokio::test]
async fn huawei_region_comes_from_the_project_in_the_path_or_the_host() {
    let cloud = SimCloud::builder(HuaweiSim::new())
        .hosts(20)
        .regions(2)
        .clock(common::clock())
        .start()
        .await
        .unwrap();
    let key = cloud.keys().by_label("admin").unwrap().access_key();
    cloud
        .faults()
        .on_region("ecs:ListServersDetails", "cn-north-4")
        .server_error(Trigger::Always);
    let list = |region: &'static str, host: Option<&'static str>| {
        let (cloud, key) = (&cloud, &key);
        async move {
            let project = huawei::project_id(huawei::DEMO_DOMAIN_ID, region);
            let path = format!("/v1/{project}/cloudservers/detail?offset=1&limit=5");
            let mut req = request(
                "GET",
                &cloud.base_url(),
                &path,
                host,
                Some("application/json"),
                "",
            );
            multicloud_huawei::HuaweiSigner::new()
                .sign(&mut req, key, now())
                .unwrap();
            send(req).await.unwrap().status
        }
    };
    let (north4, east3, north4_host) = tokio::join!(
        list("cn-north-4", None),
        list("cn-east-3", None),
        list("cn-north-4", Some("ecs.cn-north-4.myhuaweicloud.com")),
    );
    assert_eq!(
        (north4, east3, north4_host),
        (502, 200, 502),
        "backend failure is 502"
    );
    assert_eq!(server_errors(&cloud), 2);
}

#[tokio::test]
async fn ctyun_region_comes_from_the_body_or_the_region_header() {
    let cloud = SimCloud::builder(CtyunSim::new())
        .hosts(20)
        .regions(2)
        .clock(common::clock())
        .start()
        .await
        .unwrap();
    let key = cloud.keys().by_label("admin").unwrap().access_key();
    let (huadong1, huabei2) = (region_id("cn-huadong1"), region_id("cn-huabei2"));
    cloud
        .faults()
        .on_region("*", &huadong1)
        .throttle(Trigger::Always);
    let call = |path: &'static str, body: String, header: Option<String>| {
        let (cloud, key) = (&cloud, &key);
        async move {
            let method = if body.is_empty() { "GET" } else { "POST" };
            let host = if path.starts_with("/v4/ecs") {
                "ctecs-global.ctapi.ctyun.cn"
            } else {
                "ctgkafka-global.ctapi.ctyun.cn"
            };
            let mut req = request(
                method,
                &cloud.base_url(),
                path,
                Some(host),
                Some("application/json;charset=UTF-8"),
                &body,
            );
            if let Some(region) = header {
                req.headers_mut()
                    .insert("regionId", region.parse().unwrap());
            }
            req.headers_mut().insert(
                "ctyun-eop-request-id",
                "2c1a4a8e-7f3b-11ef-9c2a-0242ac120002".parse().unwrap(),
            );
            multicloud_ctyun::EopSigner::new()
                .sign(&mut req, key, now())
                .unwrap();
            let r = send(req).await.unwrap();
            (
                r.status,
                r.json()["statusCode"].clone(),
                r.json()["error"].clone(),
            )
        }
    };
    let body = |region: &str| json!({"regionID": region, "pageNo": 1, "pageSize": 5}).to_string();
    let (east, north, kafka_east, kafka_north) = tokio::join!(
        call("/v4/ecs/list-instances", body(&huadong1), None),
        call("/v4/ecs/list-instances", body(&huabei2), None),
        call("/v3/instances/query", String::new(), Some(huadong1.clone())),
        call("/v3/instances/query", String::new(), Some(huabei2.clone())),
    );
    let throttled = cloud
        .recorder()
        .count_where(|r| r.outcome == Outcome::Fault(FaultKind::Throttle));
    assert_eq!(throttled, 2);
    assert_eq!(
        (east.0, kafka_east.0),
        (429, 429),
        "{east:?} {kafka_east:?}"
    );
    assert_eq!((north.0, &north.1), (200, &json!(800)), "{north:?}");
    assert_eq!(kafka_north.0, 200, "{kafka_north:?}");
}

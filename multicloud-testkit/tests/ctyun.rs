//! The CTyun simulator over real HTTP, with requests signed by the SDK's EOP signer.

mod common;

use std::collections::BTreeSet;
use std::time::Duration as StdDuration;

use bytes::Bytes;
use common::{now, request, send, send_with, Resp};
use multicloud_core::signing::RequestSigner;
use multicloud_core::AccessKey;
use multicloud_ctyun::EopSigner;
use multicloud_testkit::ctyun::{self, region_id, CtyunSim};
use multicloud_testkit::{FaultKind, KeyStatus, Outcome, SimCloud, Trigger};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

const JSON: &str = "application/json;charset=UTF-8";

struct Ct {
    cloud: SimCloud,
}

impl Ct {
    async fn start(hosts: usize) -> Ct {
        let cloud = SimCloud::builder(CtyunSim::new())
            .hosts(hosts)
            .regions(2)
            .resources_per_service(6)
            .clock(common::clock())
            .start()
            .await
            .expect("simulator starts");
        Ct { cloud }
    }

    fn key(&self, label: &str) -> AccessKey {
        self.cloud
            .keys()
            .by_label(label)
            .expect("demo key")
            .access_key()
    }

    #[allow(clippy::too_many_arguments)]
    fn signed(
        &self,
        key: &AccessKey,
        method: &str,
        endpoint: &str,
        path: &str,
        body: &str,
        headers: &[(&str, &str)],
        at: OffsetDateTime,
    ) -> http::Request<Bytes> {
        let host = format!("{endpoint}-global.ctapi.ctyun.cn");
        let mut req = request(
            method,
            &self.cloud.base_url(),
            path,
            Some(&host),
            Some(JSON),
            body,
        );
        req.headers_mut()
            .insert("user-agent", "multicloud-test".parse().unwrap());
        for (k, v) in headers {
            req.headers_mut().insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        req.headers_mut().insert(
            "ctyun-eop-request-id",
            http::HeaderValue::from_static("2c1a4a8e-7f3b-11ef-9c2a-0242ac120002"),
        );
        EopSigner::new()
            .sign(&mut req, key, at)
            .expect("signing succeeds");
        req
    }

    async fn call(
        &self,
        label: &str,
        method: &str,
        endpoint: &str,
        path: &str,
        body: &str,
    ) -> Resp {
        let req = self.signed(&self.key(label), method, endpoint, path, body, &[], now());
        send(req).await.expect("response")
    }

    async fn list_instances(&self, body: Value) -> Value {
        let r = self
            .call(
                "readonly",
                "POST",
                "ctecs",
                "/v4/ecs/list-instances",
                &body.to_string(),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
    }
}

fn huadong1() -> String {
    region_id("cn-huadong1")
}

#[tokio::test]
async fn list_regions_marks_pools_without_openapi() {
    let ct = Ct::start(2).await;
    let r = ct
        .call("readonly", "GET", "ctecs", "/v4/region/list-regions", "")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["statusCode"], 800);
    let list = v["returnObj"]["regionList"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(list.len(), 7);
    let hd1 = list
        .iter()
        .find(|x| x["regionCode"] == "cn-huadong1")
        .unwrap();
    assert_eq!(hd1["regionID"].as_str(), Some(huadong1().as_str()));
    assert_eq!(hd1["regionName"], "华东1");
    assert_eq!(hd1["regionParent"], "江苏");
    assert_eq!(hd1["isMultiZones"], true);
    assert_eq!(hd1["zoneList"], json!(["az1", "az2", "az3"]));
    assert_eq!(hd1["openapiAvailable"], true);
    let closed: Vec<&str> = list
        .iter()
        .filter(|x| x["openapiAvailable"] == false)
        .map(|x| x["regionCode"].as_str().unwrap())
        .collect();
    assert_eq!(closed, vec!["cn-neimeng6", "cn-nanning23"]);
    let r = ct
        .call(
            "readonly",
            "GET",
            "ctecs",
            "/v4/region/list-regions?regionName=%E5%8D%8E%E5%8C%972",
            "",
        )
        .await;
    assert_eq!(
        r.json()["returnObj"]["regionList"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(ct.cloud.count("region:ListRegions"), 2);
}

#[tokio::test]
async fn ecs_list_instances_pages_up_to_fifty() {
    let ct = Ct::start(100).await;
    let expected: Vec<String> = ct
        .cloud
        .inventory()
        .hosts_in(&huadong1())
        .iter()
        .map(|h| h.id.clone())
        .collect();
    assert_eq!(expected.len(), 50);
    let mut seen = Vec::new();
    for page in 1..=3 {
        // Nulls are what the official Python SDK sends for unset fields.
        let v = ct.list_instances(json!({"regionID": huadong1(), "pageNo": page, "pageSize": 20, "azName": null, "state": null})).await;
        assert_eq!(v["statusCode"], 800);
        let ro = &v["returnObj"];
        assert_eq!(ro["totalCount"], 50);
        assert_eq!(ro["totalPage"], 3);
        let results = ro["results"].as_array().cloned().unwrap_or_default();
        assert_eq!(ro["currentCount"].as_u64(), Some(results.len() as u64));
        for i in &results {
            assert!(["az1", "az2", "az3"].contains(&i["azName"].as_str().unwrap()));
            assert!(i["flavor"]["flavorCPU"].is_number() && i["privateIP"].is_string());
            assert!([1, 2, 4, 5].contains(&i["osType"].as_u64().unwrap()));
        }
        seen.extend(
            results
                .iter()
                .map(|i| i["instanceID"].as_str().unwrap().to_string()),
        );
    }
    assert_eq!(seen, expected);

    let v = ct
        .list_instances(json!({"regionID": huadong1(), "pageSize": 50}))
        .await;
    assert_eq!(v["returnObj"]["results"].as_array().map(Vec::len), Some(50));
    let v = ct
        .list_instances(json!({"regionID": huadong1(), "pageSize": 51}))
        .await;
    assert_eq!(v["statusCode"], 900);
    assert_eq!(v["errorCode"], "Openapi.Parameter.Error");

    // Token paging (maxResults ≤ 200).
    let mut ids = BTreeSet::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"regionID": huadong1(), "maxResults": 15});
        if let Some(t) = &token {
            body["nextToken"] = json!(t);
        }
        let v = ct.list_instances(body).await;
        for i in v["returnObj"]["results"].as_array().unwrap() {
            ids.insert(i["instanceID"].as_str().unwrap().to_string());
        }
        match v["returnObj"]["nextToken"].as_str() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    assert_eq!(ids.len(), 50);

    // Filters: state, and a label (tag) filter.
    let v = ct
        .list_instances(json!({"regionID": huadong1(), "pageSize": 50, "state": "ACTIVE"}))
        .await;
    assert!(v["returnObj"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["instanceStatus"] == "running"));
    let tagged = ct
        .cloud
        .inventory()
        .hosts_in(&huadong1())
        .iter()
        .filter(|h| h.tag("env") == Some("prod"))
        .count();
    let v = ct.list_instances(json!({"regionID": huadong1(), "pageSize": 50, "labelList": [{"labelKey": "env", "labelValue": "prod"}]})).await;
    assert_eq!(v["returnObj"]["totalCount"].as_u64(), Some(tagged as u64));

    // Region errors: missing, unknown, or a pool without OpenAPI access.
    let v = ct.list_instances(json!({"pageNo": 1})).await;
    assert_eq!(v["errorCode"], "Openapi.Parameter.Error");
    for region in [
        "0123456789abcdef0123456789abcdef".to_string(),
        region_id("cn-neimeng6"),
    ] {
        let v = ct.list_instances(json!({"regionID": region})).await;
        assert_eq!(v["statusCode"], 900);
        assert_eq!(v["errorCode"], "Openapi.RegionInfo.AccessFailed");
    }
}

#[tokio::test]
async fn customer_resources_counts_a_pool() {
    let ct = Ct::start(40).await;
    let r = ct
        .call(
            "readonly",
            "GET",
            "ctecs",
            &format!("/v4/region/customer-resources?regionID={}", huadong1()),
            "",
        )
        .await;
    let res = &r.json()["returnObj"]["resources"];
    let hosts = ct.cloud.inventory().hosts_in(&huadong1()).len() as u64;
    let vm = &res["VM"];
    assert_eq!(
        vm["total_count"].as_u64().unwrap()
            + ct.cloud
                .inventory()
                .hosts_in(&huadong1())
                .iter()
                .filter(|h| h.state == multicloud_testkit::SimHostState::Pending)
                .count() as u64,
        hosts
    );
    assert_eq!(res["Volume"]["total_count"].as_u64(), Some(3));
    assert_eq!(res["VPC"]["total_count"].as_u64(), Some(2));
}

#[tokio::test]
async fn product_lists_page_their_own_way() {
    let ct = Ct::start(2).await;
    let admin = ct.key("admin");
    let region = huadong1();
    let hdr = [("regionId", region.as_str())];

    // Kafka: header regionId, pageNum/pageSize.
    let req = ct.signed(
        &admin,
        "GET",
        "ctgkafka",
        "/v3/instances/query?pageNum=2&pageSize=2",
        "",
        &hdr,
        now(),
    );
    let v = send(req).await.expect("response").json();
    assert_eq!(v["returnObj"]["total"], 3);
    assert_eq!(v["returnObj"]["data"].as_array().map(Vec::len), Some(1));
    assert!(v["returnObj"]["data"][0]["prodInstId"].is_string());
    let req = ct.signed(
        &admin,
        "GET",
        "ctgkafka",
        "/v3/instances/query",
        "",
        &[],
        now(),
    );
    assert_eq!(
        send(req).await.expect("response").json()["errorCode"],
        "Openapi.Parameter.Error"
    );

    // Redis (DCS2): v2 and v3 paths, pageIndex.
    for version in ["v2", "v3"] {
        let path = format!(
            "/{version}/instanceManageMgrServant/describeInstances?pageIndex=1&pageSize=10"
        );
        let req = ct.signed(&admin, "GET", "dcs2", &path, "", &hdr, now());
        let v = send(req).await.expect("response").json();
        assert_eq!(v["statusCode"], 800);
        assert_eq!(v["returnObj"]["rows"].as_array().map(Vec::len), Some(3));
    }

    // ZOS: regionID (or "public" for all pools), pageSize ≤ 50.
    let v = ct
        .call(
            "admin",
            "GET",
            "zos",
            "/v4/oss/list-buckets?regionID=public&pageNo=1&pageSize=50",
            "",
        )
        .await
        .json();
    assert_eq!(v["returnObj"]["totalCount"], 6);
    let b = &v["returnObj"]["bucketList"][0];
    assert!(b["bucket"].is_string() && b["regionName"].is_string());
    let v = ct
        .call(
            "admin",
            "GET",
            "zos",
            &format!("/v4/oss/list-buckets?regionID={region}"),
            "",
        )
        .await
        .json();
    assert_eq!(v["returnObj"]["totalCount"], 3);
    let v = ct
        .call(
            "admin",
            "GET",
            "zos",
            "/v4/oss/list-buckets?pageSize=51",
            "",
        )
        .await
        .json();
    assert_eq!(v["errorCode"], "Openapi.Parameter.Error");

    // ELB: no paging, returnObj is an array.
    let v = ct
        .call(
            "admin",
            "GET",
            "ctelb",
            &format!("/v4/elb/list-loadbalancer?regionID={region}"),
            "",
        )
        .await
        .json();
    let lbs = v["returnObj"].as_array().cloned().unwrap_or_default();
    assert_eq!(lbs.len(), 3);
    assert!(lbs[0]["ID"].as_str().unwrap().starts_with("lb-"));

    // EBS: pageSize ≤ 300, createTime in epoch ms.
    let v = ct
        .call(
            "admin",
            "GET",
            "ebs",
            &format!("/v4/ebs/list-ebs?regionID={region}&pageNo=1&pageSize=300"),
            "",
        )
        .await
        .json();
    let disks = v["returnObj"]["diskList"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(disks.len(), 3);
    assert!(disks[0]["createTime"].as_i64().unwrap() > 1_600_000_000_000);
    let v = ct
        .call(
            "admin",
            "GET",
            "ebs",
            &format!("/v4/ebs/list-ebs?regionID={region}&pageSize=301"),
            "",
        )
        .await
        .json();
    assert_eq!(v["errorCode"], "Openapi.Parameter.Error");

    // A product path on another product's host is unknown to the gateway.
    let r = ct
        .call("admin", "GET", "ebs", "/v4/region/list-regions", "")
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(ct.cloud.count("ebs:ListEbs"), 2);
}

#[tokio::test]
async fn refusals_use_eop_and_ctiam_codes() {
    let ct = Ct::start(1).await;
    let path = "/v4/region/list-regions";
    let call_key = |key: AccessKey, at: OffsetDateTime| {
        let req = ct.signed(&key, "GET", "ctecs", path, "", &[], at);
        async move { send(req).await.expect("response") }
    };

    let r = call_key(AccessKey::new(ctyun::READONLY_AK, "0".repeat(32)), now()).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["statusCode"], "CTAPI_10009");
    assert_eq!(
        r.json()["message"],
        "ctyun-EOP: signature verification failed"
    );

    let r = call_key(AccessKey::new("f".repeat(32), "0".repeat(32)), now()).await;
    assert_eq!(
        (r.status, r.json()["statusCode"].clone()),
        (401, json!("CTAPI_10002"))
    );
    let r = call_key(ct.key("disabled"), now()).await;
    assert_eq!(
        (r.status, r.json()["statusCode"].clone()),
        (401, json!("CTAPI_10002"))
    );

    // Eop-date an hour off is refused; the official SDK's host-local (UTC) date is accepted.
    let r = call_key(ct.key("admin"), now() - Duration::hours(1)).await;
    assert_eq!(r.json()["statusCode"], "CTAPI_10009");
    let r = call_key(ct.key("admin"), now() - Duration::hours(8)).await;
    assert_eq!(r.status, 200, "{}", r.body);

    let unsigned = request("GET", &ct.cloud.base_url(), path, None, None, "");
    assert_eq!(send(unsigned).await.expect("response").status, 401);

    // Permission denied is a business failure: HTTP 200, statusCode 900, CTIAM_0005.
    let r = ct
        .call(
            "readonly",
            "GET",
            "ebs",
            &format!("/v4/ebs/list-ebs?regionID={}", huadong1()),
            "",
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["statusCode"], 900);
    assert_eq!(r.json()["errorCode"], "CTIAM_0005");

    // A tampered body no longer matches the signature.
    let mut req = ct.signed(
        &ct.key("admin"),
        "POST",
        "ctecs",
        "/v4/ecs/list-instances",
        r#"{"regionID":"a"}"#,
        &[],
        now(),
    );
    *req.body_mut() = Bytes::from_static(br#"{"regionID":"b"}"#);
    assert_eq!(send(req).await.expect("response").status, 401);

    ct.cloud
        .keys()
        .set_status(ctyun::ADMIN_AK, KeyStatus::Disabled);
    assert_eq!(ct.call("admin", "GET", "ctecs", path, "").await.status, 401);
    assert_eq!(
        ct.cloud
            .recorder()
            .count_where(|r| matches!(r.outcome, Outcome::Refused { .. })),
        8
    );
}

#[tokio::test]
async fn injected_faults_use_ctyun_answers() {
    let ct = Ct::start(30).await;
    let ep = "ecs:ListInstances";
    let body = json!({"regionID": huadong1(), "pageNo": 1, "pageSize": 5}).to_string();
    let signed = || {
        ct.signed(
            &ct.key("readonly"),
            "POST",
            "ctecs",
            "/v4/ecs/list-instances",
            &body,
            &[],
            now(),
        )
    };

    ct.cloud.faults().on(ep).throttle(Trigger::first(1));
    let r = send(signed()).await.expect("response");
    assert_eq!(r.status, 429);
    assert!(r.json()["statusCode"]
        .as_str()
        .unwrap()
        .starts_with("CTAPI_"));
    assert_eq!(send(signed()).await.expect("response").status, 200);

    ct.cloud.faults().on(ep).server_error(Trigger::first(1));
    let r = send(signed()).await.expect("response");
    assert_eq!(
        (r.status, r.json()["statusCode"].clone()),
        (500, json!(900))
    );

    ct.cloud.faults().on(ep).clock_skew(Trigger::first(1));
    let r = send(signed()).await.expect("response");
    assert_eq!(
        (r.status, r.json()["statusCode"].clone()),
        (401, json!("CTAPI_10009"))
    );

    ct.cloud.faults().on(ep).drop_connection(Trigger::first(1));
    assert!(send(signed()).await.is_err());
    ct.cloud.faults().on(ep).truncate_body(Trigger::first(1));
    match send(signed()).await {
        Err(_) => {}
        Ok(r) => assert!(serde_json::from_str::<Value>(&r.body).is_err()),
    }
    ct.cloud.faults().on(ep).latency(StdDuration::from_secs(5));
    let client = reqwest::Client::builder()
        .timeout(StdDuration::from_secs(1))
        .build()
        .unwrap();
    assert!(send_with(&client, signed())
        .await
        .is_err_and(|e| e.is_timeout()));
    ct.cloud.faults().on(ep).clear();

    ct.cloud.faults().on(ep).pagination_loop();
    let page = |n: u32| {
        let b = json!({"regionID": huadong1(), "pageNo": n, "pageSize": 5}).to_string();
        let req = ct.signed(
            &ct.key("readonly"),
            "POST",
            "ctecs",
            "/v4/ecs/list-instances",
            &b,
            &[],
            now(),
        );
        async move { send(req).await.expect("response").json() }
    };
    let (p1, p7) = (page(1).await, page(7).await);
    assert_eq!(p1["returnObj"]["results"], p7["returnObj"]["results"]);
    // The loop claims more pages than there are, but few enough for a client's page cap.
    assert!(p1["returnObj"]["totalPage"].as_u64().unwrap() > 1);

    assert_eq!(
        ct.cloud
            .recorder()
            .count_where(|r| matches!(r.outcome, Outcome::Fault(_))),
        5
    );
    assert!(ct
        .cloud
        .requests()
        .iter()
        .any(|r| r.outcome == Outcome::Fault(FaultKind::ClockSkew)));
}

#[tokio::test]
async fn rocketmq_lists_a_pool_from_the_region_header() {
    let ct = Ct::start(2).await;
    let region = huadong1();
    let req = ct.signed(
        &ct.key("admin"),
        "GET",
        "rocketmq",
        "/v2/instance/list",
        "",
        &[("regionId", region.as_str())],
        now(),
    );
    let r = send(req).await.expect("response");
    assert_eq!(r.status, 200, "{}", r.body);
    let body = r.json();
    let listed = body["returnObj"]["prodInstList"].as_array().unwrap().len();
    let expected = ct
        .cloud
        .inventory()
        .resources_in("rocketmq", "instance", &region)
        .len();
    assert!(expected > 0);
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn a_key_of_the_international_edition_is_unknown_here() {
    let ct = Ct::start(1).await;
    let r = ct
        .call("intl", "GET", "ctecs", "/v4/region/list-regions", "")
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(r.json()["statusCode"], "CTAPI_10002");
}

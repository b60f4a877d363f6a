//! The Tencent Cloud simulator over real HTTP, with requests signed by the SDK's TC3 signer.

mod common;

use common::{now, request, send, Resp};
use multicloud_core::signing::RequestSigner;
use multicloud_core::AccessKey;
use multicloud_testkit::tencent::{TencentSim, APP_ID, OWNER_UIN};
use multicloud_testkit::{BlockAction, KeyStatus, SimCloud};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

fn version(service: &str) -> &'static str {
    match service {
        "sts" | "tag" => "2018-08-13",
        "cam" => "2019-01-16",
        "region" => "2022-06-27",
        "cvm" | "cbs" | "vpc" => "2017-03-12",
        "clb" => "2018-03-17",
        "cdb" => "2017-03-20",
        "redis" => "2018-04-12",
        "cfw" => "2019-09-04",
        "waf" => "2018-01-25",
        other => panic!("no version for {other}"),
    }
}

struct Tc {
    cloud: SimCloud,
}

struct Req<'a> {
    key: AccessKey,
    host: Option<&'a str>,
    service: &'a str,
    action: &'a str,
    region: Option<&'a str>,
    body: Value,
    time: OffsetDateTime,
}

impl Tc {
    async fn start(hosts: usize) -> Tc {
        let cloud = SimCloud::builder(TencentSim::new())
            .hosts(hosts)
            .regions(3)
            .resources_per_service(6)
            .clock(common::clock())
            .start()
            .await
            .expect("simulator starts");
        Tc { cloud }
    }

    fn key(&self, label: &str) -> AccessKey {
        self.cloud
            .keys()
            .by_label(label)
            .expect("demo key")
            .access_key()
    }

    fn req<'a>(
        &self,
        label: &str,
        service: &'a str,
        action: &'a str,
        region: Option<&'a str>,
        body: Value,
    ) -> Req<'a> {
        Req {
            key: self.key(label),
            host: None,
            service,
            action,
            region,
            body,
            time: now(),
        }
    }

    async fn send(&self, r: Req<'_>) -> Resp {
        let mut req = request(
            "POST",
            &self.cloud.base_url(),
            "/",
            r.host,
            Some("application/json"),
            &r.body.to_string(),
        );
        let h = req.headers_mut();
        h.insert("x-tc-action", r.action.parse().unwrap());
        h.insert("x-tc-version", version(r.service).parse().unwrap());
        if let Some(region) = r.region {
            h.insert("x-tc-region", region.parse().unwrap());
        }
        multicloud_tencent::Tc3Signer::new(r.service)
            .sign(&mut req, &r.key, r.time)
            .expect("signs");
        let resp = send(req).await.expect("response");
        assert_eq!(resp.status, 200, "{}", resp.body);
        resp
    }

    async fn call(&self, service: &str, action: &str, region: Option<&str>, body: Value) -> Value {
        let v = self
            .send(self.req("admin", service, action, region, body))
            .await
            .json();
        assert!(v["Response"]["RequestId"].is_string(), "{v}");
        v["Response"].clone()
    }

    fn host_ids(&self, region: &str) -> Vec<String> {
        self.cloud
            .inventory()
            .hosts_in(region)
            .iter()
            .map(|h| h.id.clone())
            .collect()
    }
}

fn code(v: &Value) -> &str {
    v["Error"]["Code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn identity_calls_return_owner_uin_and_appid() {
    let tc = Tc::start(2).await;
    let r = tc.call("sts", "GetCallerIdentity", None, json!({})).await;
    assert_eq!(r["AccountId"], OWNER_UIN);
    assert_eq!(r["Type"], "CAMUser");
    assert!(r["Arn"]
        .as_str()
        .unwrap()
        .starts_with(&format!("qcs::cam::uin/{OWNER_UIN}:uin/")));
    let r = tc.call("cam", "GetUserAppId", None, json!({})).await;
    assert_eq!(r["AppId"], APP_ID);
    assert_eq!(r["OwnerUin"], OWNER_UIN);
    let r = tc.call("cam", "ListUsers", None, json!({})).await;
    assert_eq!(r["Data"].as_array().unwrap().len(), 6);
    assert!(r["Data"][0]["Uin"].is_u64());

    // A real host name routes too (signed for that host).
    let mut req = tc.req("admin", "sts", "GetCallerIdentity", None, json!({}));
    req.host = Some("sts.tencentcloudapi.com");
    let v = tc.send(req).await.json();
    assert_eq!(v["Response"]["AccountId"], OWNER_UIN);
}

#[tokio::test]
async fn regions_list_needs_a_product() {
    let tc = Tc::start(1).await;
    let r = tc
        .call("region", "DescribeRegions", None, json!({"Product": "cvm"}))
        .await;
    let set = r["RegionSet"].as_array().unwrap();
    assert_eq!(r["TotalCount"].as_u64().unwrap() as usize, set.len());
    assert!(set
        .iter()
        .any(|x| x["Region"] == "ap-guangzhou" && x["RegionState"] == "AVAILABLE"));
    assert!(set
        .iter()
        .any(|x| x["Region"] == "ap-shenzhen-fsi" && x["RegionState"] == "UNAVAILABLE"));
    let r = tc.call("region", "DescribeRegions", None, json!({})).await;
    assert_eq!(code(&r), "MissingParameter");
}

#[tokio::test]
async fn cvm_describe_instances_pages_with_offset_and_limit() {
    let tc = Tc::start(75).await;
    let mut ids = Vec::new();
    let mut offset = 0;
    loop {
        let r = tc
            .call(
                "cvm",
                "DescribeInstances",
                Some("ap-shanghai"),
                json!({"Offset": offset, "Limit": 10}),
            )
            .await;
        assert_eq!(r["TotalCount"], 25);
        let set = r["InstanceSet"].as_array().unwrap();
        if set.is_empty() {
            break;
        }
        ids.extend(
            set.iter()
                .map(|i| i["InstanceId"].as_str().unwrap().to_string()),
        );
        offset += 10;
    }
    assert_eq!(ids, tc.host_ids("ap-shanghai"));
    let r = tc
        .call(
            "cvm",
            "DescribeInstances",
            Some("ap-shanghai"),
            json!({"Limit": 1}),
        )
        .await;
    let inst = &r["InstanceSet"][0];
    for field in [
        "InstanceName",
        "InstanceState",
        "InstanceType",
        "CPU",
        "Memory",
        "PrivateIpAddresses",
        "OsName",
        "VirtualPrivateCloud",
        "Placement",
        "CreatedTime",
        "Tags",
    ] {
        assert!(!inst[field].is_null(), "missing {field}");
    }
    assert!(inst["Placement"]["Zone"]
        .as_str()
        .unwrap()
        .starts_with("ap-shanghai-"));

    let r = tc
        .call(
            "cvm",
            "DescribeInstances",
            Some("ap-shanghai"),
            json!({"Limit": 101}),
        )
        .await;
    assert_eq!(code(&r), "InvalidParameterValue");
    let r = tc
        .call(
            "cvm",
            "DescribeInstances",
            Some("ap-shanghai"),
            json!({"InstanceIds": [ids[0]], "Filters": [{"Name": "zone", "Values": ["x"]}]}),
        )
        .await;
    assert_eq!(code(&r), "InvalidParameter");
    let r = tc
        .call(
            "cvm",
            "DescribeInstances",
            Some("ap-shanghai"),
            json!({"Filters": [{"Name": "instance-id", "Values": [ids[3]]}]}),
        )
        .await;
    assert_eq!(r["TotalCount"], 1);
    let r = tc.call("cvm", "DescribeInstances", None, json!({})).await;
    assert_eq!(code(&r), "MissingParameter");
    let r = tc
        .call(
            "cvm",
            "DescribeInstances",
            Some("ap-shenzhen-fsi"),
            json!({}),
        )
        .await;
    assert_eq!(code(&r), "UnsupportedRegion");
}

#[tokio::test]
async fn product_listings_match_the_inventory() {
    let tc = Tc::start(3).await;
    let region = "ap-guangzhou";
    let cases = [
        ("cbs", "DescribeDisks", "cbs", "disk", "DiskSet", "DiskId"),
        (
            "clb",
            "DescribeLoadBalancers",
            "clb",
            "loadbalancer",
            "LoadBalancerSet",
            "LoadBalancerId",
        ),
        ("vpc", "DescribeVpcs", "vpc", "vpc", "VpcSet", "VpcId"),
        (
            "vpc",
            "DescribeSecurityGroups",
            "vpc",
            "security-group",
            "SecurityGroupSet",
            "SecurityGroupId",
        ),
        (
            "cdb",
            "DescribeDBInstances",
            "cdb",
            "instance",
            "Items",
            "InstanceId",
        ),
        (
            "redis",
            "DescribeInstances",
            "redis",
            "instance",
            "InstanceSet",
            "InstanceId",
        ),
    ];
    for (service, action, svc, ty, set, id) in cases {
        let r = tc
            .call(
                service,
                action,
                Some(region),
                json!({"Offset": 0, "Limit": "100"}),
            )
            .await;
        let want: Vec<String> = tc
            .cloud
            .inventory()
            .resources_in(svc, ty, region)
            .iter()
            .map(|x| x.id.clone())
            .collect();
        let got: Vec<String> = r[set]
            .as_array()
            .unwrap_or_else(|| panic!("{action}: {r}"))
            .iter()
            .map(|x| x[id].as_str().unwrap().to_string())
            .collect();
        assert!(!want.is_empty(), "{action}");
        assert_eq!(got, want, "{action}");
        assert_eq!(
            r["TotalCount"].as_u64().unwrap() as usize,
            want.len(),
            "{action}"
        );
    }
    // Tag service: all tagged resources, paged by token.
    let mut names = Vec::new();
    let mut token = String::new();
    loop {
        let r = tc
            .call(
                "tag",
                "GetResources",
                None,
                json!({"MaxResults": 7, "PaginationToken": token}),
            )
            .await;
        let list = r["ResourceTagMappingList"].as_array().unwrap();
        assert!(list.len() <= 7);
        names.extend(
            list.iter()
                .map(|m| m["Resource"].as_str().unwrap().to_string()),
        );
        assert!(list.iter().all(|m| m["Tags"][0]["TagKey"].is_string()));
        token = r["PaginationToken"].as_str().unwrap().to_string();
        if token.is_empty() {
            break;
        }
    }
    let host = &tc.host_ids(region)[0];
    assert!(names.contains(&format!(
        "qcs::cvm:{region}:uin/{OWNER_UIN}:instance/{host}"
    )));
    let r = tc
        .call("tag", "GetResources", None, json!({"MaxResults": 201}))
        .await;
    assert_eq!(code(&r), "InvalidParameterValue");
}

#[tokio::test]
async fn cfw_block_list_round_trip_needs_the_full_direction_list() {
    let tc = Tc::start(1).await;
    let rule = json!({"Ioc": "203.0.113.7", "DirectionList": "1,0", "EndTime": "3000-01-01 00:00:00", "Comment": "scanner"});
    let r = tc
        .call(
            "cfw",
            "CreateBlockIgnoreRuleNew",
            None,
            json!({"RuleType": 1, "Rules": [rule]}),
        )
        .await;
    assert!(r.get("Error").is_none(), "{r}");
    let listed = tc
        .call("cfw", "DescribeBlockIgnoreList", None, json!({"Limit": 20, "Offset": 0, "Direction": "", "RuleType": 1, "ShowType": "blocklist", "SearchValue": "{}"}))
        .await;
    assert_eq!(listed["Total"], 1);
    assert_eq!(listed["Data"][0]["Ioc"], "203.0.113.7");
    assert_eq!(listed["Data"][0]["DirectionList"], "1,0");
    assert_eq!(listed["ReturnCode"], 0);
    let stored = tc.cloud.block_rules().all();
    assert_eq!((stored.len(), stored[0].action), (1, BlockAction::Block));

    // Partial direction list: refused; full list: removed.
    let partial = json!({"DeleteAll": 0, "ShowType": "blocklist", "Rules": [{"Ioc": "203.0.113.7", "RuleType": 1, "DirectionList": "1"}]});
    assert_eq!(
        code(
            &tc.call("cfw", "DeleteBlockIgnoreRuleNew", None, partial)
                .await
        ),
        "InvalidParameter"
    );
    let full = json!({"DeleteAll": 0, "ShowType": "blocklist", "Rules": [{"Ioc": "203.0.113.7", "RuleType": 1, "DirectionList": "1,0"}]});
    assert!(tc
        .call("cfw", "DeleteBlockIgnoreRuleNew", None, full)
        .await
        .get("Error")
        .is_none());
    assert!(tc.cloud.block_rules().is_empty());

    // Bad input.
    let bad_ip = json!({"RuleType": 1, "Rules": [{"Ioc": "not-an-ip", "DirectionList": "1", "EndTime": "3000-01-01 00:00:00"}]});
    assert_eq!(
        code(
            &tc.call("cfw", "CreateBlockIgnoreRuleNew", None, bad_ip)
                .await
        ),
        "InvalidParameter"
    );
    let past = json!({"RuleType": 1, "Rules": [{"Ioc": "198.51.100.1", "DirectionList": "1", "EndTime": "2020-01-01 00:00:00"}]});
    assert_eq!(
        code(&tc.call("cfw", "CreateBlockIgnoreRuleNew", None, past).await),
        "InvalidParameter"
    );
}

#[tokio::test]
async fn cfw_delete_all_wipes_the_list_and_is_recorded() {
    let tc = Tc::start(1).await;
    for ip in ["198.51.100.1", "198.51.100.2"] {
        let rule = json!({"Ioc": ip, "DirectionList": "1", "EndTime": "3000-01-01 00:00:00"});
        tc.call(
            "cfw",
            "CreateBlockIgnoreRuleNew",
            None,
            json!({"RuleType": 1, "Rules": [rule]}),
        )
        .await;
    }
    // The older API removes one direction at a time.
    let r = tc
        .call(
            "cfw",
            "DeleteBlockIgnoreRuleList",
            None,
            json!({"RuleType": 1, "Rules": [{"IP": "198.51.100.2", "Direction": 1}]}),
        )
        .await;
    assert!(r.get("Error").is_none(), "{r}");
    assert_eq!(tc.cloud.block_rules().len(), 1);
    tc.call(
        "cfw",
        "DeleteBlockIgnoreRuleNew",
        None,
        json!({"DeleteAll": 1, "ShowType": "blocklist"}),
    )
    .await;
    assert!(tc.cloud.block_rules().is_empty());
    let wipes = tc.cloud.requests_for_delete_all();
    assert_eq!(wipes, 1);
}

trait DeleteAllCount {
    fn requests_for_delete_all(&self) -> usize;
}

impl DeleteAllCount for SimCloud {
    fn requests_for_delete_all(&self) -> usize {
        self.recorder()
            .requests_for("cfw:DeleteBlockIgnoreRuleNew")
            .iter()
            .filter(|r| {
                serde_json::from_slice::<Value>(&r.request.body).is_ok_and(|b| b["DeleteAll"] == 1)
            })
            .count()
    }
}

#[tokio::test]
async fn waf_ip_access_control_round_trip() {
    let tc = Tc::start(1).await;
    let r = tc
        .call(
            "waf",
            "DescribeDomains",
            None,
            json!({"Offset": 0, "Limit": 20}),
        )
        .await;
    let domains = r["Domains"].as_array().unwrap();
    assert_eq!(r["Total"], 6);
    let domain = domains[0]["Domain"].as_str().unwrap().to_string();
    let instance = domains[0]["InstanceId"].as_str().unwrap().to_string();

    let r = tc
        .call("waf", "CreateIpAccessControl", None, json!({"Domain": domain, "IpList": ["203.0.113.9", "198.51.100.0/24"], "ActionType": 42, "InstanceId": instance, "Edition": "sparta-waf", "SourceType": "custom", "Note": "soc"}))
        .await;
    let rule_id = r["RuleId"].as_i64().expect("rule id");
    assert!(rule_id > 55_000_000);
    let r = tc
        .call(
            "waf",
            "DescribeIpAccessControl",
            None,
            json!({"Domain": domain, "ActionType": 42, "OffSet": 0, "Limit": 20}),
        )
        .await;
    assert_eq!(r["Data"]["TotalCount"], 1);
    assert_eq!(r["Data"]["Res"][0]["RuleId"], rule_id);
    assert_eq!(r["UsedTotal"], 2);
    let r = tc
        .call(
            "waf",
            "DeleteIpAccessControlV2",
            None,
            json!({"Domain": domain, "RuleIds": [rule_id, 1], "ActionType": 42}),
        )
        .await;
    assert_eq!(r["FailedCount"], 1);
    assert!(tc.cloud.block_rules().is_empty());

    // Older delete by IP, and an unknown domain.
    tc.call(
        "waf",
        "CreateIpAccessControl",
        None,
        json!({"Domain": "global", "IpList": ["192.0.2.1"], "ActionType": 40}),
    )
    .await;
    let r = tc
        .call(
            "waf",
            "DeleteIpAccessControl",
            None,
            json!({"Domain": "global", "Items": ["192.0.2.1"], "ActionType": 40}),
        )
        .await;
    assert_eq!(r["FailedCount"], 0);
    let r = tc
        .call(
            "waf",
            "CreateIpAccessControl",
            None,
            json!({"Domain": "nope.example", "IpList": ["192.0.2.1"], "ActionType": 42}),
        )
        .await;
    assert_eq!(code(&r), "ResourceNotFound");
}

#[tokio::test]
async fn auth_failures_use_tencent_codes() {
    let tc = Tc::start(1).await;
    let body = json!({});
    let mut r = tc.req(
        "admin",
        "cvm",
        "DescribeInstances",
        Some("ap-guangzhou"),
        body.clone(),
    );
    r.key = AccessKey::new(r.key.id(), "wrong-secret-wrong-secret-000000");
    assert_eq!(
        code(&tc.send(r).await.json()["Response"]),
        "AuthFailure.SignatureFailure"
    );

    let mut r = tc.req(
        "admin",
        "cvm",
        "DescribeInstances",
        Some("ap-guangzhou"),
        body.clone(),
    );
    r.key = AccessKey::new("AKIDunknown00000000000000000000000000", "x");
    assert_eq!(
        code(&tc.send(r).await.json()["Response"]),
        "AuthFailure.SecretIdNotFound"
    );

    // Disabled keys look exactly like unknown ones.
    let r = tc.req("disabled", "sts", "GetCallerIdentity", None, body.clone());
    assert_eq!(
        code(&tc.send(r).await.json()["Response"]),
        "AuthFailure.SecretIdNotFound"
    );
    let id = tc.key("disabled").id().to_string();
    tc.cloud.keys().set_status(&id, KeyStatus::Active);
    let r = tc.req("disabled", "sts", "GetCallerIdentity", None, body.clone());
    assert!(tc.send(r).await.json()["Response"]["Error"].is_null());

    // More than 5 minutes of skew.
    let mut r = tc.req("admin", "sts", "GetCallerIdentity", None, body.clone());
    r.time = now() - Duration::minutes(6);
    assert_eq!(
        code(&tc.send(r).await.json()["Response"]),
        "AuthFailure.SignatureExpire"
    );
    let mut r = tc.req("admin", "sts", "GetCallerIdentity", None, body.clone());
    r.time = now() + Duration::minutes(4);
    assert!(tc.send(r).await.json()["Response"]["Error"].is_null());

    // CAM: the read-only key may list but not block.
    let r = tc.req(
        "readonly",
        "cfw",
        "DescribeBlockIgnoreList",
        None,
        json!({"RuleType": 1}),
    );
    assert!(tc.send(r).await.json()["Response"]["Error"].is_null());
    let r = tc.req(
        "readonly",
        "cfw",
        "CreateBlockIgnoreRuleNew",
        None,
        json!({"RuleType": 1, "Rules": []}),
    );
    assert_eq!(
        code(&tc.send(r).await.json()["Response"]),
        "AuthFailure.UnauthorizedOperation"
    );

    // Site: the International key on the China host name, and the other way round.
    let mut r = tc.req("intl", "sts", "GetCallerIdentity", None, body.clone());
    r.host = Some("sts.tencentcloudapi.com");
    assert_eq!(
        code(&tc.send(r).await.json()["Response"]),
        "AuthFailure.SecretIdNotFound"
    );
    let mut r = tc.req("intl", "sts", "GetCallerIdentity", None, body.clone());
    r.host = Some("sts.intl.tencentcloudapi.com");
    assert!(tc.send(r).await.json()["Response"]["Error"].is_null());

    // Unknown action and wrong version.
    let r = tc.req(
        "admin",
        "cvm",
        "RunInstances",
        Some("ap-guangzhou"),
        body.clone(),
    );
    assert_eq!(code(&tc.send(r).await.json()["Response"]), "InvalidAction");
    let r = tc.req("admin", "sts", "GetCallerIdentity", None, body);
    let mut req = request(
        "POST",
        &tc.cloud.base_url(),
        "/",
        None,
        Some("application/json"),
        "{}",
    );
    req.headers_mut()
        .insert("x-tc-action", r.action.parse().unwrap());
    req.headers_mut()
        .insert("x-tc-version", "2017-01-01".parse().unwrap());
    multicloud_tencent::Tc3Signer::new("sts")
        .sign(&mut req, &r.key, now())
        .unwrap();
    assert_eq!(
        code(&send(req).await.unwrap().json()["Response"]),
        "NoSuchVersion"
    );
}

/// An Authorization header computed by the official COS Python SDK (`qcloud_cos`
/// 1.9.x `CosS3Auth`) for `GET http://127.0.0.1:8080/` with the demo admin key at
/// 2025-03-01T08:00:00Z (its clock), expiring 10000 s later.
const COS_SDK_AUTH: &str = "q-sign-algorithm=sha1&q-ak=AKIDmcDemoTencentAdmin00000000000001&q-sign-time=1740815940;1740826000&q-key-time=1740815940;1740826000&q-header-list=host&q-url-param-list=&q-signature=d693d73d257d905fe672b6e05646f4cb3cecf795";

#[tokio::test]
async fn cos_get_service_accepts_the_official_sdk_signature() {
    let tc = Tc::start(1).await;
    let get = |auth: &str| {
        let mut req = request("GET", &tc.cloud.base_url(), "/", None, None, "");
        req.headers_mut()
            .insert("authorization", auth.parse().unwrap());
        send(req)
    };
    let r = get(COS_SDK_AUTH).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let names = common::xml_values(&r.body, "Name");
    let want: Vec<String> = {
        let mut v: Vec<String> = tc
            .cloud
            .inventory()
            .resources_of("cos", "bucket")
            .iter()
            .map(|b| b.id.clone())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names, want);
    assert!(r
        .body
        .contains(&format!("<DisplayName>{OWNER_UIN}</DisplayName>")));
    assert_eq!(tc.cloud.count("cos:GetService"), 1);

    let tampered = COS_SDK_AUTH.replace("q-signature=d6", "q-signature=e6");
    let r = get(&tampered).await.unwrap();
    assert_eq!(
        (r.status, common::xml_value(&r.body, "Code").as_deref()),
        (403, Some("SignatureDoesNotMatch"))
    );
    let unknown = COS_SDK_AUTH.replace("AKIDmcDemoTencentAdmin", "AKIDmcDemoTencentNobody");
    let r = get(&unknown).await.unwrap();
    assert_eq!(
        common::xml_value(&r.body, "Code").as_deref(),
        Some("InvalidAccessKeyId")
    );
    tc.cloud
        .faults()
        .on("cos:GetService")
        .throttle(multicloud_testkit::Trigger::Always);
    let r = get(COS_SDK_AUTH).await.unwrap();
    assert_eq!(
        (r.status, common::xml_value(&r.body, "Code").as_deref()),
        (503, Some("SlowDown"))
    );
}

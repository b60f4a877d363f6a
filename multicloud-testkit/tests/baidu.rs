//! The Baidu AI Cloud simulator over real HTTP, with requests signed by the SDK's
//! `bce-auth-v1` signer and addressed with real BCE host names.

mod common;

use std::collections::BTreeSet;
use std::time::Duration as StdDuration;

use bytes::Bytes;
use common::{now, request, send, send_with, Resp};
use multicloud_baidu::BceSigner;
use multicloud_core::signing::RequestSigner;
use multicloud_core::AccessKey;
use multicloud_testkit::baidu::{self, BaiduSim};
use multicloud_testkit::{FaultKind, KeyStatus, Outcome, SimCloud, Trigger};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

struct Bce {
    cloud: SimCloud,
}

impl Bce {
    async fn start(hosts: usize) -> Bce {
        let cloud = SimCloud::builder(BaiduSim::new())
            .hosts(hosts)
            .regions(2)
            .resources_per_service(5)
            .clock(common::clock())
            .start()
            .await
            .expect("simulator starts");
        Bce { cloud }
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
        signer: &BceSigner,
        key: &AccessKey,
        method: &str,
        host: &str,
        path: &str,
        body: &str,
        at: OffsetDateTime,
    ) -> http::Request<Bytes> {
        let ct = (method == "POST").then_some("application/json");
        let mut req = request(method, &self.cloud.base_url(), path, Some(host), ct, body);
        signer.sign(&mut req, key, at).expect("signing succeeds");
        req
    }

    async fn call_as(
        &self,
        key: &AccessKey,
        method: &str,
        host: &str,
        path: &str,
        body: &str,
    ) -> Resp {
        let req = self.signed(&BceSigner::new(), key, method, host, path, body, now());
        send(req).await.expect("response")
    }

    /// BCC's `describeRegions` with `body`, signed with `key`.
    async fn describe_regions(&self, key: &AccessKey, body: &str) -> Resp {
        self.call_as(
            key,
            "POST",
            "bcc.baidubce.com",
            "/v2/region/describeRegions",
            body,
        )
        .await
    }

    async fn get(&self, label: &str, host: &str, path: &str) -> Resp {
        self.call_as(&self.key(label), "GET", host, path, "").await
    }

    /// Follows `nextMarker` to the end; returns every item's id (under `id_field`).
    async fn collect(
        &self,
        host: &str,
        path: &str,
        items: &str,
        id_field: &str,
        max_keys: usize,
    ) -> (Vec<String>, usize) {
        let mut ids = Vec::new();
        let mut marker = String::new();
        let mut pages = 0;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let r = self
                .get(
                    "admin",
                    host,
                    &format!("{path}{sep}maxKeys={max_keys}&marker={marker}"),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            let v = r.json();
            assert_eq!(v["maxKeys"], max_keys);
            assert_eq!(v["marker"].as_str(), Some(marker.as_str()));
            let page = v[items].as_array().cloned().unwrap_or_default();
            assert!(page.len() <= max_keys);
            ids.extend(
                page.iter()
                    .map(|i| i[id_field].as_str().unwrap_or_default().to_string()),
            );
            pages += 1;
            if v["isTruncated"] != true {
                assert_eq!(v["nextMarker"], "");
                return (ids, pages);
            }
            marker = v["nextMarker"].as_str().unwrap().to_string();
        }
    }
}

fn code(r: &Resp) -> String {
    r.json()["code"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn describe_regions_and_iam_users() {
    let bce = Bce::start(2).await;
    let admin = bce.key("admin");
    let r = bce.describe_regions(&admin, "{}").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.headers.contains_key("x-bce-request-id"));
    let regions = r.json()["regions"].as_array().cloned().unwrap_or_default();
    let ids: Vec<&str> = regions
        .iter()
        .map(|x| x["regionId"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"bj") && ids.contains(&"gz") && ids.contains(&"hkg"));
    assert!(
        !ids.contains(&"yq"),
        "a region the account cannot use is not listed"
    );
    let gz = regions.iter().find(|x| x["regionId"] == "gz").unwrap();
    assert_eq!(gz["regionName"], "华南-广州");
    assert_eq!(gz["regionEndpoint"], "bcc.gz.baidubce.com");
    let r = bce.describe_regions(&admin, r#"{"region":"su"}"#).await;
    assert_eq!(r.json()["regions"].as_array().map(Vec::len), Some(1));
    let r = bce.describe_regions(&admin, "{not json").await;
    assert_eq!((r.status, code(&r)), (400, "MalformedJSON".to_string()));

    let r = bce.get("admin", "iam.bj.baidubce.com", "/v1/user").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let users = r.json()["users"].as_array().cloned().unwrap_or_default();
    assert_eq!(users.len(), 5);
    assert!(users
        .iter()
        .all(|u| u["id"].is_string() && u["createTime"].is_string()));
    // The read-only key is not granted IAM.
    let r = bce.get("readonly", "iam.bj.baidubce.com", "/v1/user").await;
    assert_eq!(r.status, 403);
    assert_eq!(code(&r), "AccessDenied");
    assert_eq!(r.json()["requestId"].as_str().map(str::len), Some(36));
}

#[tokio::test]
async fn bcc_instances_page_with_markers_per_region() {
    let bce = Bce::start(90).await;
    let expected: Vec<String> = bce
        .cloud
        .inventory()
        .hosts_in("gz")
        .iter()
        .map(|h| h.id.clone())
        .collect();
    assert_eq!(expected.len(), 45);
    let (ids, pages) = bce
        .collect("bcc.gz.baidubce.com", "/v2/instance", "instances", "id", 10)
        .await;
    assert_eq!(ids, expected);
    assert_eq!(pages, 5);

    let r = bce
        .get("readonly", "bcc.gz.baidubce.com", "/v2/instance")
        .await;
    let v = r.json();
    assert_eq!(v["maxKeys"], 1000);
    let first = &v["instances"][0];
    assert!(first["id"].as_str().unwrap().starts_with("i-"));
    assert!(first["zoneName"].as_str().unwrap().starts_with("cn-gz-"));
    assert!(
        first["tags"].is_array()
            && first["internalIp"].is_string()
            && first["cpuCount"].is_number()
    );

    let r = bce
        .get(
            "readonly",
            "bcc.gz.baidubce.com",
            "/v2/instance?maxKeys=1001",
        )
        .await;
    assert_eq!((r.status, code(&r)), (400, "InvalidParameter".to_string()));
    let r = bce
        .get(
            "readonly",
            "bcc.gz.baidubce.com",
            "/v2/instance?maxKeys=1000",
        )
        .await;
    assert_eq!(r.status, 200);

    let running = bce
        .get(
            "readonly",
            "bcc.gz.baidubce.com",
            "/v2/instance?status=Running",
        )
        .await
        .json();
    assert!(running["instances"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["status"] == "Running"));
    // The loopback host stands for region bj.
    let r = bce.get("readonly", "127.0.0.1", "/v2/instance").await;
    assert_eq!(
        r.json()["instances"].as_array().map(Vec::len),
        Some(bce.cloud.inventory().hosts_in("bj").len())
    );
    assert_eq!(bce.cloud.count("bcc:ListInstances"), 10);
}

#[tokio::test]
async fn product_lists_use_each_products_host_and_items_key() {
    let bce = Bce::start(2).await;
    let cases = [
        (
            "redis.bj.baidubce.com",
            "/v1/instance",
            "instances",
            "instanceId",
            "scs",
            "instance",
        ),
        (
            "redis.bj.baidubce.com",
            "/v2/instance",
            "instances",
            "instanceId",
            "scs",
            "instance",
        ),
        (
            "rds.bj.baidubce.com",
            "/v1/instance",
            "instances",
            "instanceId",
            "rds",
            "instance",
        ),
        (
            "mongodb.bj.baidubce.com",
            "/v1/instance?manner=marker",
            "dbInstances",
            "dbInstanceId",
            "mongodb",
            "instance",
        ),
        (
            "kafka.bj.baidubce.com",
            "/v2/clusters",
            "clusters",
            "clusterId",
            "kafka",
            "cluster",
        ),
        (
            "blb.bj.baidubce.com",
            "/v1/blb",
            "blbList",
            "blbId",
            "blb",
            "blb",
        ),
        (
            "blb.bj.baidubce.com",
            "/v1/appblb",
            "blbList",
            "blbId",
            "blb",
            "appblb",
        ),
        (
            "bcc.bj.baidubce.com",
            "/v1/vpc",
            "vpcs",
            "vpcId",
            "vpc",
            "vpc",
        ),
    ];
    for (host, path, items, id, svc, ty) in cases {
        let expected: BTreeSet<String> = bce
            .cloud
            .inventory()
            .resources_in(svc, ty, "bj")
            .iter()
            .map(|r| r.id.clone())
            .collect();
        assert!(!expected.is_empty(), "{svc}/{ty} seeded");
        let (ids, pages) = bce.collect(host, path, items, id, 1).await;
        assert_eq!(
            ids.into_iter().collect::<BTreeSet<_>>(),
            expected,
            "{host}{path}"
        );
        assert_eq!(pages, expected.len());
    }
    let r = bce
        .get("admin", "rds.bj.baidubce.com", "/v1/instance")
        .await;
    let rds = &r.json()["instances"][0];
    assert_eq!(rds["engine"], "MySQL");
    assert!(rds["endpoint"]["port"].is_number());
    // A product path on another product's host does not exist.
    let r = bce.get("admin", "rds.bj.baidubce.com", "/v1/blb").await;
    assert_eq!((r.status, code(&r)), (400, "InvalidURI".to_string()));
}

#[tokio::test]
async fn bos_lists_every_bucket_as_json() {
    let bce = Bce::start(2).await;
    let r = bce.get("readonly", "gz.bcebos.com", "/").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["owner"]["id"], baidu::DEMO_ACCOUNT_ID);
    let buckets = v["buckets"].as_array().cloned().unwrap_or_default();
    assert_eq!(buckets.len(), 5);
    let locations: BTreeSet<&str> = buckets
        .iter()
        .map(|b| b["location"].as_str().unwrap())
        .collect();
    assert_eq!(
        locations,
        BTreeSet::from(["bj", "gz"]),
        "buckets of every region from any endpoint"
    );
    assert!(buckets
        .iter()
        .all(|b| b["creationDate"].as_str().is_some_and(|d| d.ends_with('Z'))));
}

#[tokio::test]
async fn refusals_use_bce_codes_and_statuses() {
    let bce = Bce::start(1).await;
    let host = "bcc.bj.baidubce.com";
    let path = "/v2/instance";

    let wrong = AccessKey::new(baidu::READONLY_AK, "00000000000000000000000000000000");
    let r = bce.call_as(&wrong, "GET", host, path, "").await;
    assert_eq!(
        (r.status, code(&r)),
        (400, "SignatureDoesNotMatch".to_string())
    );

    let unknown = AccessKey::new(
        "ffffffffffffffffffffffffffffffff",
        "00000000000000000000000000000000",
    );
    let r = bce.call_as(&unknown, "GET", host, path, "").await;
    assert_eq!(
        (r.status, code(&r)),
        (403, "InvalidAccessKeyId".to_string())
    );
    assert_eq!(
        r.json()["message"],
        "The Access Key ID you provided does not exist in our records."
    );

    let r = bce
        .call_as(&bce.key("disabled"), "GET", host, path, "")
        .await;
    assert_eq!(
        (r.status, code(&r)),
        (403, "InvalidAccessKeyId".to_string())
    );

    let r = send(request(
        "GET",
        &bce.cloud.base_url(),
        path,
        Some(host),
        None,
        "",
    ))
    .await
    .expect("response");
    assert_eq!(
        (r.status, code(&r)),
        (400, "InvalidHTTPAuthHeader".to_string())
    );

    // Signed 31 minutes ago with the default 1800 s validity: expired; with 3600 s: fine.
    let admin = bce.key("admin");
    let old = now() - Duration::minutes(31);
    let r = send(bce.signed(&BceSigner::new(), &admin, "GET", host, path, "", old))
        .await
        .expect("response");
    assert_eq!((r.status, code(&r)), (400, "RequestExpired".to_string()));
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .starts_with("Request has expired. Timestamp date is 2025-03-01T07:29:00Z"));
    let long = BceSigner::new().with_expiration_seconds(3600);
    let r = send(bce.signed(&long, &admin, "GET", host, path, "", old))
        .await
        .expect("response");
    assert_eq!(r.status, 200, "{}", r.body);
    let r = send(bce.signed(
        &BceSigner::new(),
        &admin,
        "GET",
        host,
        path,
        "",
        now() + Duration::minutes(20),
    ))
    .await
    .expect("response");
    assert_eq!(code(&r), "RequestExpired");

    // A client-chosen signed-header list (as the SCS client sends) verifies too.
    let chosen = BceSigner::new().with_headers_to_sign(vec!["host".into(), "content-type".into()]);
    let r = send(bce.signed(&chosen, &admin, "GET", host, path, "", now()))
        .await
        .expect("response");
    assert_eq!(r.status, 200, "{}", r.body);

    // Permission denied, and changes made while running.
    let r = bce
        .get("readonly", "rds.bj.baidubce.com", "/v1/instance")
        .await;
    assert_eq!((r.status, code(&r)), (403, "AccessDenied".to_string()));
    bce.cloud
        .keys()
        .set_status(baidu::ADMIN_AK, KeyStatus::Disabled);
    assert_eq!(bce.get("admin", host, path).await.status, 403);
    let refused = bce
        .cloud
        .recorder()
        .count_where(|r| matches!(r.outcome, Outcome::Refused { .. }));
    assert_eq!(refused, 8);
}

#[tokio::test]
async fn unknown_and_unavailable_regions() {
    let bce = Bce::start(1).await;
    let r = bce
        .get("admin", "bcc.nowhere.baidubce.com", "/v2/instance")
        .await;
    assert_eq!((r.status, code(&r)), (400, "InvalidURI".to_string()));
    let r = bce
        .get("admin", "bcc.yq.baidubce.com", "/v2/instance")
        .await;
    assert_eq!((r.status, code(&r)), (400, "InvalidURI".to_string()));
    let r = bce.get("admin", "bcc.bj.baidubce.com", "/v9/unknown").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        bce.cloud
            .recorder()
            .count_where(|r| matches!(r.outcome, Outcome::UnknownRoute { .. })),
        2
    );
}

#[tokio::test]
async fn injected_faults_use_bce_codes() {
    let bce = Bce::start(30).await;
    let host = "bcc.bj.baidubce.com";
    let ep = "bcc:ListInstances";
    let get = || bce.get("readonly", host, "/v2/instance?maxKeys=3");

    bce.cloud.faults().on(ep).throttle(Trigger::first(1));
    let r = get().await;
    assert_eq!(
        (r.status, code(&r)),
        (429, "RequestRateLimitExceeded".to_string())
    );
    assert_eq!(get().await.status, 200);

    bce.cloud.faults().on(ep).server_error(Trigger::first(1));
    let r = get().await;
    assert_eq!((r.status, code(&r)), (500, "InternalError".to_string()));

    bce.cloud.faults().on(ep).clock_skew(Trigger::first(1));
    let r = get().await;
    assert_eq!((r.status, code(&r)), (400, "RequestExpired".to_string()));

    let signed = || {
        bce.signed(
            &BceSigner::new(),
            &bce.key("readonly"),
            "GET",
            host,
            "/v2/instance",
            "",
            now(),
        )
    };
    bce.cloud.faults().on(ep).drop_connection(Trigger::first(1));
    assert!(send(signed()).await.is_err());
    bce.cloud.faults().on(ep).truncate_body(Trigger::first(1));
    match send(signed()).await {
        Err(_) => {}
        Ok(r) => assert!(serde_json::from_str::<Value>(&r.body).is_err()),
    }
    bce.cloud.faults().on(ep).latency(StdDuration::from_secs(5));
    let client = reqwest::Client::builder()
        .timeout(StdDuration::from_secs(1))
        .build()
        .unwrap();
    assert!(send_with(&client, signed())
        .await
        .is_err_and(|e| e.is_timeout()));
    bce.cloud.faults().on(ep).clear();

    bce.cloud.faults().on(ep).pagination_loop();
    let first = get().await.json();
    assert_eq!(first["isTruncated"], true);
    let m = first["nextMarker"].as_str().unwrap().to_string();
    let again = bce
        .get(
            "readonly",
            host,
            &format!("/v2/instance?maxKeys=3&marker={m}"),
        )
        .await
        .json();
    assert_eq!(again["nextMarker"].as_str(), Some(m.as_str()));
    assert_eq!(again["isTruncated"], true);
    assert_eq!(first["instances"], again["instances"]);

    assert_eq!(
        bce.cloud
            .recorder()
            .count_where(|r| matches!(r.outcome, Outcome::Fault(_))),
        5
    );
    assert!(bce
        .cloud
        .requests()
        .iter()
        .any(|r| r.outcome == Outcome::Fault(FaultKind::DropConnection)));
}

#[tokio::test]
async fn a_product_not_activated_answers_opt_in_required_after_the_permission_check() {
    let cloud = SimCloud::builder(BaiduSim::new().with_inactive_products(&["kafka"]))
        .hosts(1)
        .regions(2)
        .resources_per_service(2)
        .clock(common::clock())
        .start()
        .await
        .expect("simulator starts");
    let bce = Bce { cloud };
    let r = bce
        .get("admin", "kafka.bj.baidubce.com", "/v2/clusters")
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(code(&r), "OptInRequired");
    let r = bce
        .get("admin", "rds.bj.baidubce.com", "/v1/instance")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = bce
        .get("readonly", "kafka.bj.baidubce.com", "/v2/clusters")
        .await;
    assert_eq!(code(&r), "AccessDenied");
}

/// Every one of BCE's eleven BCC regions can be enabled and served (the scale bench uses
/// them all): describeRegions lists each, and `bcc.fsh.baidubce.com` lists Shanghai's hosts.
#[tokio::test]
async fn all_eleven_bcc_regions_can_be_enabled_and_served() {
    let mut profile = baidu::profile();
    for r in &mut profile.regions {
        r.opted_in = true;
    }
    let ids: Vec<String> = profile.regions.iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids.len(), 11);
    let mut gen = multicloud_testkit::HostGen::new(profile.clone(), 7);
    let mut inventory = multicloud_testkit::Inventory::new(profile.regions.clone());
    inventory.extend_hosts((0..3).map(|_| gen.next_host("fsh")));
    let expected: Vec<String> = inventory
        .hosts_in("fsh")
        .iter()
        .map(|h| h.id.clone())
        .collect();
    let cloud = SimCloud::builder(BaiduSim::new())
        .inventory(inventory)
        .clock(common::clock())
        .start()
        .await
        .expect("simulator starts");
    let bce = Bce { cloud };
    let admin = bce.key("admin");
    let r = bce.describe_regions(&admin, "{}").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let listed: BTreeSet<String> = r.json()["regions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|x| x["regionId"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(listed, ids.into_iter().collect::<BTreeSet<_>>());
    let (hosts, pages) = bce
        .collect(
            "bcc.fsh.baidubce.com",
            "/v2/instance",
            "instances",
            "id",
            1000,
        )
        .await;
    assert_eq!((hosts, pages), (expected, 1));
}

//! The Huawei Cloud simulator over real HTTP, with requests signed by the SDK's
//! `SDK-HMAC-SHA256` signer (and, for OBS, the OBS V2 signature computed here).

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use base64::Engine;
use bytes::Bytes;
use common::{now, request, send, send_with, Resp};
use hmac::{Hmac, Mac};
use multicloud_core::signing::RequestSigner;
use multicloud_core::{AccessKey, ManualClock};
use multicloud_huawei::HuaweiSigner;
use multicloud_testkit::huawei::{self, HuaweiSim, DEMO_DOMAIN_ID};
use multicloud_testkit::{FaultKind, KeyStatus, Outcome, Permissions, SimCloud, Trigger};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

struct Hw {
    cloud: SimCloud,
    clock: Arc<ManualClock>,
}

impl Hw {
    async fn start(hosts: usize) -> Hw {
        let clock = common::clock();
        let cloud = SimCloud::builder(HuaweiSim::new())
            .hosts(hosts)
            .regions(2)
            .resources_per_service(4)
            .clock(clock.clone())
            .start()
            .await
            .expect("simulator starts");
        Hw { cloud, clock }
    }

    fn key(&self, label: &str) -> AccessKey {
        self.cloud
            .keys()
            .by_label(label)
            .expect("demo key")
            .access_key()
    }

    fn project(region: &str) -> String {
        huawei::project_id(DEMO_DOMAIN_ID, region)
    }

    fn signed(
        &self,
        key: &AccessKey,
        method: &str,
        host: Option<&str>,
        path: &str,
        body: &str,
        at: OffsetDateTime,
    ) -> http::Request<Bytes> {
        let ct = (!body.is_empty() || method == "GET").then_some("application/json");
        let mut req = request(method, &self.cloud.base_url(), path, host, ct, body);
        HuaweiSigner::new()
            .sign(&mut req, key, at)
            .expect("signing succeeds");
        req
    }

    async fn call_as(
        &self,
        key: &AccessKey,
        method: &str,
        host: Option<&str>,
        path: &str,
        body: &str,
    ) -> Resp {
        send(self.signed(key, method, host, path, body, now()))
            .await
            .expect("response")
    }

    async fn get(&self, label: &str, path: &str) -> Resp {
        self.call_as(&self.key(label), "GET", None, path, "").await
    }

    fn region_hosts(&self, region: &str) -> Vec<String> {
        self.cloud
            .inventory()
            .hosts_in(region)
            .iter()
            .map(|h| h.id.clone())
            .collect()
    }
}

fn error_code(r: &Resp) -> String {
    let v = r.json();
    v["error_code"]
        .as_str()
        .or_else(|| v["error"]["code"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| v["error"]["code"].to_string())
}

#[tokio::test]
async fn identity_projects_domains_and_regions() {
    let hw = Hw::start(4).await;
    let r = hw.get("readonly", "/v3/auth/projects").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.headers.contains_key("x-request-id"));
    let projects = r.json()["projects"].as_array().cloned().unwrap_or_default();
    let names: BTreeSet<String> = projects
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        names.contains("cn-north-4") && names.contains("ap-southeast-1") && names.contains("MOS")
    );
    assert!(
        !names.contains("af-south-1"),
        "no project in a region the account does not use"
    );
    let north4 = projects.iter().find(|p| p["name"] == "cn-north-4").unwrap();
    assert_eq!(north4["id"], Hw::project("cn-north-4"));
    assert_eq!(north4["domain_id"], DEMO_DOMAIN_ID);
    assert_eq!(north4["enabled"], true);

    let r = hw.get("readonly", "/v3/regions").await;
    let regions = r.json()["regions"].as_array().cloned().unwrap_or_default();
    let af = regions
        .iter()
        .find(|x| x["id"] == "af-south-1")
        .expect("every region of the site");
    assert_eq!(af["locales"]["en-us"], "AF-Johannesburg");
    assert_eq!(af["locales"]["zh-cn"], "非洲-约翰内斯堡");

    let r = hw.get("readonly", "/v3/auth/domains").await;
    assert_eq!(r.json()["domains"][0]["id"], DEMO_DOMAIN_ID);

    // What the official SDK asks to resolve a region's project id.
    let r = hw.get("readonly", "/v3/projects?name=cn-east-3").await;
    let ps = r.json()["projects"].as_array().cloned().unwrap_or_default();
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0]["id"], Hw::project("cn-east-3"));
    let r = hw.get("readonly", "/v3/projects?name=af-south-1").await;
    assert_eq!(r.json()["projects"], json!([]));
    assert_eq!(hw.cloud.count("iam:KeystoneListAuthProjects"), 1);
    assert_eq!(hw.cloud.count("iam:KeystoneListProjects"), 2);
}

#[tokio::test]
async fn key_status_lookup_and_iam_permission_denied() {
    let hw = Hw::start(1).await;
    let r = hw
        .get(
            "admin",
            &format!("/v3.0/OS-CREDENTIAL/credentials/{}", huawei::DISABLED_AK),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let c = &r.json()["credential"];
    assert_eq!(c["access"], huawei::DISABLED_AK);
    assert_eq!(c["status"], "inactive");
    let r = hw
        .get(
            "admin",
            &format!("/v3.0/OS-CREDENTIAL/credentials/{}", huawei::ADMIN_AK),
        )
        .await;
    assert_eq!(r.json()["credential"]["status"], "active");
    let r = hw
        .get(
            "admin",
            "/v3.0/OS-CREDENTIAL/credentials/HPUANOSUCHKEY0000000",
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], 404);

    // The read-only key's policy does not include iam:credentials:getCredential.
    let r = hw
        .get(
            "readonly",
            &format!("/v3.0/OS-CREDENTIAL/credentials/{}", huawei::ADMIN_AK),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let e = &r.json()["error"];
    assert_eq!(e["code"], 403);
    assert_eq!(e["title"], "Forbidden");
    assert_eq!(
        e["message"],
        "Policy doesn't allow iam:credentials:getCredential to be performed."
    );
}

#[tokio::test]
async fn ecs_pages_by_page_number_and_enforces_the_limit() {
    let hw = Hw::start(120).await;
    let region = "cn-north-4";
    let project = Hw::project(region);
    let visible: Vec<String> = hw
        .cloud
        .inventory()
        .hosts_in(region)
        .iter()
        .filter(|h| h.state != multicloud_testkit::SimHostState::Terminated)
        .map(|h| h.id.clone())
        .collect();
    assert_eq!(visible.len(), 60);

    let mut seen = Vec::new();
    for page in 1..=3 {
        let r = hw
            .get(
                "readonly",
                &format!("/v1/{project}/cloudservers/detail?offset={page}&limit=25"),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        assert_eq!(v["count"], 60);
        let servers = v["servers"].as_array().cloned().unwrap_or_default();
        assert_eq!(servers.len(), if page < 3 { 25 } else { 10 });
        for s in &servers {
            assert!(s["addresses"].as_object().is_some_and(|m| !m.is_empty()));
            assert_eq!(
                s["OS-EXT-AZ:availability_zone"]
                    .as_str()
                    .map(|z| z.starts_with(region)),
                Some(true)
            );
            assert!(
                s["flavor"]["vcpus"].is_string(),
                "flavor numbers are strings"
            );
            assert_eq!(s["tenant_id"], project);
        }
        seen.extend(
            servers
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_string()),
        );
    }
    assert_eq!(
        seen, visible,
        "three pages cover the region exactly once, in order"
    );

    // offset 0 is page 1; marker paging continues after a given id.
    let r = hw
        .get(
            "readonly",
            &format!("/v1/{project}/cloudservers/detail?offset=0&limit=5"),
        )
        .await;
    assert_eq!(
        r.json()["servers"][0]["id"].as_str(),
        Some(visible[0].as_str())
    );
    let r = hw
        .get(
            "readonly",
            &format!(
                "/v1/{project}/cloudservers/detail?marker={}&limit=2",
                visible[4]
            ),
        )
        .await;
    assert_eq!(
        r.json()["servers"][0]["id"].as_str(),
        Some(visible[5].as_str())
    );

    // limit 1000 is the maximum.
    let r = hw
        .get(
            "readonly",
            &format!("/v1/{project}/cloudservers/detail?limit=1000"),
        )
        .await;
    assert_eq!(r.json()["servers"].as_array().map(Vec::len), Some(60));
    let r = hw
        .get(
            "readonly",
            &format!("/v1/{project}/cloudservers/detail?limit=1001"),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "Ecs.0005");
    assert_eq!(hw.cloud.count("ecs:ListServersDetails"), 7);
}

#[tokio::test]
async fn ecs_routes_by_real_host_and_checks_project_region() {
    let hw = Hw::start(20).await;
    let key = hw.key("admin");
    let project = Hw::project("cn-east-3");
    let path = format!("/v1/{project}/cloudservers/detail");
    let r = hw
        .call_as(
            &key,
            "GET",
            Some("ecs.cn-east-3.myhuaweicloud.com"),
            &path,
            "",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json()["count"].as_u64().map(|c| c as usize),
        Some(hw.region_hosts("cn-east-3").len())
    );

    // The project of cn-east-3 on the cn-north-4 endpoint, or a project that is not the key's.
    let r = hw
        .call_as(
            &key,
            "GET",
            Some("ecs.cn-north-4.myhuaweicloud.com"),
            &path,
            "",
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json()["error_msg"],
        "Incorrect IAM authentication information: Unauthorized"
    );
    let r = hw
        .get(
            "admin",
            "/v1/0123456789abcdef0123456789abcdef/cloudservers/detail",
        )
        .await;
    assert_eq!(r.status, 401);

    // A WAF path on the ECS host, an unknown region and an unknown path: APIGW.0101.
    for (host, p) in [
        (
            Some("ecs.cn-east-3.myhuaweicloud.com"),
            format!("/v1/{project}/waf/policy"),
        ),
        (Some("ecs.xx-nowhere-1.myhuaweicloud.com"), path.clone()),
        (None, "/v2/does/not/exist".to_string()),
    ] {
        let r = hw.call_as(&key, "GET", host, &p, "").await;
        assert_eq!(r.status, 404, "{host:?} {p}");
        assert_eq!(r.json()["error_code"], "APIGW.0101");
    }
    assert!(hw
        .cloud
        .requests()
        .iter()
        .any(|r| matches!(r.outcome, Outcome::UnknownRoute { status: 404 })));
}

#[tokio::test]
async fn rms_lists_every_resource_with_marker_paging() {
    let hw = Hw::start(30).await;
    let path = format!("/v1/resource-manager/domains/{DEMO_DOMAIN_ID}/all-resources");
    let expected = hw.cloud.inventory().hosts().len() + hw.cloud.inventory().resources().len();
    let mut ids = BTreeSet::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let q = match &marker {
            Some(m) => format!("{path}?limit=20&marker={m}"),
            None => format!("{path}?limit=20"),
        };
        let r = hw.get("readonly", &q).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        let page = v["resources"].as_array().cloned().unwrap_or_default();
        assert_eq!(
            v["page_info"]["current_count"].as_u64(),
            Some(page.len() as u64)
        );
        for res in &page {
            assert!(
                res["provider"].is_string() && res["type"].is_string() && res["tags"].is_object()
            );
            ids.insert(res["id"].as_str().unwrap().to_string());
        }
        pages += 1;
        match v["page_info"]["next_marker"].as_str() {
            Some(m) => marker = Some(m.to_string()),
            None => break,
        }
    }
    assert_eq!(ids.len(), expected);
    assert_eq!(pages, expected.div_ceil(20));

    let r = hw
        .get(
            "readonly",
            &format!("{path}?type=ecs.cloudservers&region_id=cn-north-4&limit=200"),
        )
        .await;
    assert_eq!(
        r.json()["resources"].as_array().map(Vec::len),
        Some(hw.region_hosts("cn-north-4").len())
    );
    let r = hw.get("readonly", &format!("{path}?limit=201")).await;
    assert_eq!(r.status, 400);
    let r = hw
        .get(
            "readonly",
            "/v1/resource-manager/domains/ffffffffffffffffffffffffffffffff/all-resources",
        )
        .await;
    assert_eq!(r.status, 403);
}

fn obs_sign(req: &mut http::Request<Bytes>, key: &AccessKey, scheme: &str, at: OffsetDateTime) {
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let date = at.format(fmt).expect("date formats");
    req.headers_mut()
        .insert("date", date.parse().expect("header"));
    let mut sts = format!("{}\n\n\n{date}\n", req.method());
    let prefix = if scheme == "OBS" { "x-obs-" } else { "x-amz-" };
    let mut extra: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter(|(k, _)| k.as_str().starts_with(prefix))
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                v.to_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    extra.sort();
    for (k, v) in extra {
        sts.push_str(&format!("{k}:{v}\n"));
    }
    sts.push('/');
    let mut mac =
        Hmac::<sha1::Sha1>::new_from_slice(key.secret().expose().as_bytes()).expect("key");
    mac.update(sts.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let auth = format!("{scheme} {}:{sig}", key.id());
    req.headers_mut()
        .insert("authorization", auth.parse().expect("header"));
}

#[tokio::test]
async fn obs_lists_buckets_in_xml_with_its_own_signature() {
    let hw = Hw::start(2).await;
    let base = hw.cloud.base_url();
    // Signature negotiation: anonymous HEAD /?apiversion reports API 3.0.
    let r = send(request("HEAD", &base, "/?apiversion", None, None, ""))
        .await
        .expect("response");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers.get("x-obs-api").and_then(|v| v.to_str().ok()),
        Some("3.0")
    );

    let buckets = hw.cloud.inventory().resources_of("obs", "buckets").len();
    for scheme in ["OBS", "AWS"] {
        let mut req = request(
            "GET",
            &base,
            "/",
            Some("obs.cn-north-4.myhuaweicloud.com"),
            None,
            "",
        );
        req.headers_mut()
            .insert("x-obs-location", "true".parse().unwrap());
        obs_sign(&mut req, &hw.key("readonly"), scheme, now());
        let r = send(req).await.expect("response");
        assert_eq!(r.status, 200, "{scheme}: {}", r.body);
        common::assert_well_formed(&r.body);
        assert_eq!(
            common::xml_value(&r.body, "ID").as_deref(),
            Some(DEMO_DOMAIN_ID)
        );
        assert_eq!(common::xml_values(&r.body, "Name").len(), buckets);
        assert!(common::xml_values(&r.body, "Location")
            .iter()
            .all(|l| l.starts_with("cn-") || l.starts_with("ap-")));
    }

    // Paging with max-keys/marker.
    let mut req = request("GET", &base, "/?max-keys=3", None, None, "");
    obs_sign(&mut req, &hw.key("admin"), "OBS", now());
    let r = send(req).await.expect("response");
    assert_eq!(
        common::xml_value(&r.body, "IsTruncated").as_deref(),
        Some("true")
    );
    assert_eq!(common::xml_values(&r.body, "Name").len(), 3);

    // Wrong secret, unknown AK, clock skew: XML errors with OBS codes.
    let wrong = AccessKey::new(huawei::ADMIN_AK, "not-the-secret");
    let cases = [
        (wrong, now(), 403, "SignatureDoesNotMatch"),
        (
            AccessKey::new("HPUANOSUCHKEY0000000", "x"),
            now(),
            403,
            "InvalidAccessKeyId",
        ),
        (
            hw.key("admin"),
            now() - Duration::minutes(20),
            403,
            "RequestTimeTooSkewed",
        ),
    ];
    for (key, at, status, code) in cases {
        let mut req = request("GET", &base, "/", None, None, "");
        obs_sign(&mut req, &key, "OBS", at);
        let r = send(req).await.expect("response");
        assert_eq!(r.status, status, "{}", r.body);
        assert_eq!(common::xml_value(&r.body, "Code").as_deref(), Some(code));
    }
    assert_eq!(hw.cloud.count("obs:ListBuckets"), 6);
}

#[tokio::test]
async fn cfw_black_list_add_list_delete() {
    let hw = Hw::start(2).await;
    let project = Hw::project("cn-north-4");
    let r = hw
        .get(
            "admin",
            &format!("/v1/{project}/firewall/exist?offset=0&limit=10&service_type=0"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let fw = &r.json()["data"]["records"][0];
    let object_id = fw["protect_objects"]
        .as_array()
        .and_then(|o| o.iter().find(|x| x["type"] == 0))
        .and_then(|x| x["object_id"].as_str())
        .expect("internet-border object")
        .to_string();
    assert_eq!(object_id, huawei::protect_object_id(&project, 0));

    let add = json!({"object_id": object_id, "list_type": 4, "direction": 0, "address_type": 0,
        "address": "203.0.113.7", "protocol": -1, "port": "", "description": "incident-42"});
    let admin = hw.key("admin");
    let r = hw
        .call_as(
            &admin,
            "POST",
            None,
            &format!("/v1/{project}/black-white-list"),
            &add.to_string(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list_id = r.json()["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(r.json()["data"]["name"], "203.0.113.7");
    let dup = hw
        .call_as(
            &admin,
            "POST",
            None,
            &format!("/v1/{project}/black-white-list"),
            &add.to_string(),
        )
        .await;
    assert_eq!(dup.status, 400);

    let list = format!(
        "/v1/{project}/black-white-lists?object_id={object_id}&list_type=4&limit=10&offset=0"
    );
    let r = hw.get("readonly", &list).await;
    let rec = &r.json()["data"]["records"][0];
    assert_eq!(r.json()["data"]["total"], 1);
    assert_eq!(rec["list_id"].as_str(), Some(list_id.as_str()));
    assert_eq!(rec["address"], "203.0.113.7");
    assert_eq!(rec["description"], "incident-42");
    assert_eq!(hw.cloud.block_rules().len(), 1);

    // The read-only key may list but not add.
    let ro = hw.key("readonly");
    let r = hw
        .call_as(
            &ro,
            "POST",
            None,
            &format!("/v1/{project}/black-white-list"),
            &add.to_string(),
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(error_code(&r).starts_with("CFW."));
    let r = hw
        .get(
            "readonly",
            &format!(
                "/v1/{project}/black-white-lists?object_id={object_id}&list_type=4&limit=1025"
            ),
        )
        .await;
    assert_eq!(r.status, 400);

    let r = hw
        .call_as(
            &admin,
            "DELETE",
            None,
            &format!("/v1/{project}/black-white-list/{list_id}"),
            "",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["data"]["id"].as_str(), Some(list_id.as_str()));
    assert!(hw.cloud.block_rules().is_empty());
    let r = hw.get("readonly", &list).await;
    assert_eq!(r.json()["data"]["total"], 0);
    let r = hw
        .call_as(
            &admin,
            "DELETE",
            None,
            &format!("/v1/{project}/black-white-list/{list_id}"),
            "",
        )
        .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn waf_white_black_ip_create_list_delete() {
    let hw = Hw::start(2).await;
    let project = Hw::project("cn-east-3");
    let r = hw
        .get(
            "admin",
            &format!("/v1/{project}/waf/policy?page=1&pagesize=10"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["total"], 2);
    let policy = r.json()["items"][0]["id"].as_str().unwrap().to_string();
    assert!(r.json()["items"][0]["hosts"]
        .as_array()
        .is_some_and(|h| !h.is_empty()));
    let r = hw
        .get("admin", &format!("/v1/{project}/waf/policy?pagesize=101"))
        .await;
    assert_eq!(r.status, 400);

    let admin = hw.key("admin");
    let base = format!("/v1/{project}/waf/policy/{policy}/whiteblackip");
    for (i, addr) in ["42.123.120.66", "198.51.100.0/24", "192.0.2.9"]
        .iter()
        .enumerate()
    {
        let body =
            json!({"name": format!("block_{i}"), "addr": addr, "white": 0, "description": "soc"});
        let r = hw
            .call_as(&admin, "POST", None, &base, &body.to_string())
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["policyid"].as_str(), Some(policy.as_str()));
        assert_eq!(r.json()["white"], 0);
    }
    let bad = json!({"name": "bad name!", "addr": "1.2.3.4", "white": 0});
    assert_eq!(
        hw.call_as(&admin, "POST", None, &base, &bad.to_string())
            .await
            .status,
        400
    );

    let r = hw
        .get("readonly", &format!("{base}?page=1&pagesize=2"))
        .await;
    assert_eq!(r.json()["total"], 3);
    assert_eq!(r.json()["items"].as_array().map(Vec::len), Some(2));
    let r = hw
        .get("readonly", &format!("{base}?page=2&pagesize=2"))
        .await;
    let last = r.json()["items"][0].clone();
    assert_eq!(last["addr"], "192.0.2.9");

    let rule = last["id"].as_str().unwrap();
    let ro = hw.key("readonly");
    assert_eq!(
        hw.call_as(&ro, "DELETE", None, &format!("{base}/{rule}"), "")
            .await
            .status,
        403
    );
    let r = hw
        .call_as(&admin, "DELETE", None, &format!("{base}/{rule}"), "")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["id"].as_str(), Some(rule));
    assert_eq!(hw.get("readonly", &base).await.json()["total"], 2);
    assert_eq!(hw.cloud.count("waf:CreateWhiteblackipRule"), 4);
}

#[tokio::test]
async fn refusals_use_apigw_codes() {
    let hw = Hw::start(1).await;
    let path = "/v3/auth/projects";

    let wrong = AccessKey::new(huawei::READONLY_AK, "wrong-secret");
    let r = hw.call_as(&wrong, "GET", None, path, "").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error_code"], "APIGW.0301");
    assert_eq!(
        r.json()["error_msg"],
        "Incorrect IAM authentication information: verify aksk signature fail"
    );

    let unknown = AccessKey::new("HPUANOSUCHKEY0000000", "whatever");
    let r = hw.call_as(&unknown, "GET", None, path, "").await;
    assert_eq!(r.status, 401);
    assert!(r.json()["error_msg"]
        .as_str()
        .unwrap()
        .ends_with("ak:HPUANOSUCHKEY0000000,err:ak not exist"));

    let r = hw.call_as(&hw.key("disabled"), "GET", None, path, "").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error_code"], "APIGW.0301");

    let r = send(request("GET", &hw.cloud.base_url(), path, None, None, ""))
        .await
        .expect("response");
    assert_eq!(r.status, 401);
    assert!(r.json()["error_msg"]
        .as_str()
        .unwrap()
        .contains("x-auth-token not found"));

    // A tampered request: the signature no longer matches the received query.
    let mut req = hw.signed(
        &hw.key("admin"),
        "GET",
        None,
        "/v3/projects?name=cn-north-4",
        "",
        now(),
    );
    *req.uri_mut() = format!("{}/v3/projects?name=cn-east-3", hw.cloud.base_url())
        .parse()
        .unwrap();
    assert_eq!(send(req).await.expect("response").status, 401);

    // X-Sdk-Date 20 minutes off.
    let req = hw.signed(
        &hw.key("admin"),
        "GET",
        None,
        path,
        "",
        now() - Duration::minutes(20),
    );
    let r = send(req).await.expect("response");
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error_code"], "APIGW.0301");

    // A key disabled while running, and a policy changed while running.
    hw.cloud
        .keys()
        .set_status(huawei::ADMIN_AK, KeyStatus::Disabled);
    assert_eq!(
        hw.call_as(&hw.key("admin"), "GET", None, path, "")
            .await
            .status,
        401
    );
    hw.cloud
        .keys()
        .set_status(huawei::ADMIN_AK, KeyStatus::Active);
    hw.cloud
        .keys()
        .set_permissions(huawei::ADMIN_AK, Permissions::only(["iam:*"]));
    let r = hw
        .get(
            "admin",
            &format!("/v1/{}/cloudservers/detail", Hw::project("cn-north-4")),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["error"]["code"], "Ecs.0319");
    let refused = hw
        .cloud
        .recorder()
        .count_where(|r| matches!(r.outcome, Outcome::Refused { .. }));
    assert_eq!(refused, 8);
}

#[tokio::test]
async fn six_consecutive_failures_lock_the_ak_for_five_minutes() {
    let hw = Hw::start(1).await;
    let wrong = AccessKey::new(huawei::ADMIN_AK, "mistyped-secret");
    for _ in 0..6 {
        let r = hw
            .call_as(&wrong, "GET", None, "/v3/auth/projects", "")
            .await;
        assert!(r.json()["error_msg"]
            .as_str()
            .unwrap()
            .contains("verify aksk signature fail"));
    }
    // Now even the right secret is refused with the lockout message.
    let r = hw.get("admin", "/v3/auth/projects").await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json()["error_msg"],
        "Incorrect IAM authentication information: AK access failed to reach the limit,forbidden."
    );
    // Other AKs are unaffected.
    assert_eq!(hw.get("readonly", "/v3/auth/projects").await.status, 200);
    hw.clock.advance(Duration::minutes(5));
    let at = now() + Duration::minutes(5);
    let r = send(hw.signed(&hw.key("admin"), "GET", None, "/v3/auth/projects", "", at))
        .await
        .expect("response");
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn injected_faults_use_huawei_codes() {
    let hw = Hw::start(40).await;
    let project = Hw::project("cn-north-4");
    let ecs = format!("/v1/{project}/cloudservers/detail?limit=5");
    let ep = "ecs:ListServersDetails";

    hw.cloud.faults().on(ep).throttle(Trigger::first(1));
    let r = hw.get("readonly", &ecs).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["error_code"], "APIGW.0308");
    assert_eq!(hw.get("readonly", &ecs).await.status, 200);

    hw.cloud.faults().on(ep).server_error(Trigger::first(1));
    let r = hw.get("readonly", &ecs).await;
    assert_eq!(r.status, 502);
    assert_eq!(r.json()["error_code"], "APIGW.0201");

    hw.cloud.faults().on(ep).clock_skew(Trigger::first(1));
    let r = hw.get("readonly", &ecs).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error_code"], "APIGW.0301");

    hw.cloud.faults().on(ep).drop_connection(Trigger::first(1));
    assert!(
        send(hw.signed(&hw.key("readonly"), "GET", None, &ecs, "", now()))
            .await
            .is_err()
    );

    hw.cloud.faults().on(ep).truncate_body(Trigger::first(1));
    match send(hw.signed(&hw.key("readonly"), "GET", None, &ecs, "", now())).await {
        Err(_) => {}
        Ok(r) => assert!(
            serde_json::from_str::<Value>(&r.body).is_err(),
            "truncated body parsed"
        ),
    }

    hw.cloud.faults().on(ep).latency(StdDuration::from_secs(5));
    let client = reqwest::Client::builder()
        .timeout(StdDuration::from_secs(1))
        .build()
        .unwrap();
    let err = send_with(
        &client,
        hw.signed(&hw.key("readonly"), "GET", None, &ecs, "", now()),
    )
    .await;
    assert!(err.is_err_and(|e| e.is_timeout()));
    hw.cloud.faults().on(ep).clear();

    // Pagination loop: ECS repeats page one with a count two pages beyond it (within any
    // page cap, so the client sees the loop); RMS repeats its marker.
    hw.cloud.faults().on(ep).pagination_loop();
    let p1 = hw.get("readonly", &format!("{ecs}&offset=1")).await.json();
    let p9 = hw.get("readonly", &format!("{ecs}&offset=9")).await.json();
    assert_eq!(p1["servers"], p9["servers"]);
    let listed = p1["servers"].as_array().unwrap().len() as u64;
    assert!(p1["count"].as_u64().unwrap() > listed);
    hw.cloud.faults().on(ep).clear();
    // Endless: the real pages, with a count no client reaches.
    hw.cloud.faults().on(ep).endless_pagination();
    let p1 = hw.get("readonly", &format!("{ecs}&offset=1")).await.json();
    assert_eq!(p1["count"].as_u64(), Some(1_000_000_000));
    hw.cloud.faults().on(ep).clear();
    hw.cloud.faults().on(ep).pagination_loop();
    let rms = format!("/v1/resource-manager/domains/{DEMO_DOMAIN_ID}/all-resources?limit=5");
    hw.cloud
        .faults()
        .on("rms:ListAllResources")
        .pagination_loop();
    let first = hw.get("readonly", &rms).await.json();
    let m = first["page_info"]["next_marker"]
        .as_str()
        .unwrap()
        .to_string();
    let again = hw
        .get("readonly", &format!("{rms}&marker={m}"))
        .await
        .json();
    assert_eq!(again["page_info"]["next_marker"].as_str(), Some(m.as_str()));

    let faults = hw
        .cloud
        .recorder()
        .count_where(|r| matches!(r.outcome, Outcome::Fault(_)));
    assert_eq!(faults, 5);
    assert!(hw
        .cloud
        .requests()
        .iter()
        .any(|r| r.outcome == Outcome::Fault(FaultKind::TruncateBody)));
}

#[tokio::test]
async fn live_inventory_changes_show_up() {
    let hw = Hw::start(3).await;
    let project = Hw::project("cn-north-4");
    let path = format!("/v1/{project}/cloudservers/detail");
    let before = hw.get("admin", &path).await.json()["count"]
        .as_u64()
        .unwrap();
    let added = hw.cloud.add_generated_host("cn-north-4");
    let v = hw.get("admin", &path).await.json();
    assert_eq!(v["count"].as_u64().unwrap(), before + 1);
    assert!(v["servers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["id"] == added.id.as_str()));
    hw.cloud.remove_host(&added.id);
    assert_eq!(
        hw.get("admin", &path).await.json()["count"]
            .as_u64()
            .unwrap(),
        before
    );
}

#[tokio::test]
async fn cfw_address_group_members_add_list_delete() {
    let hw = Hw::start(2).await;
    let project = Hw::project("cn-north-4");
    let object_id = huawei::protect_object_id(&project, 0);
    let r = hw
        .get(
            "admin",
            &format!(
                "/v1/{project}/address-sets?object_id={object_id}&key_word=siem&offset=0&limit=10"
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let sets = r.json()["data"]["records"].as_array().unwrap().clone();
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0]["name"], huawei::BLOCK_GROUP);
    assert_eq!(sets[0]["ref_count"], 1);
    let set_id = huawei::address_set_id(&project, huawei::BLOCK_GROUP);
    assert_eq!(sets[0]["set_id"], set_id.as_str());
    let r = hw
        .get(
            "admin",
            &format!("/v1/{project}/address-sets?offset=0&limit=10"),
        )
        .await;
    assert_eq!(r.status, 400, "object_id is required");

    let admin = hw.key("admin");
    let add = json!({"set_id": set_id, "address_items": [
        {"address_type": 0, "address": "203.0.113.7", "description": "incident-42"}]});
    let path = format!("/v1/{project}/address-items");
    let r = hw
        .call_as(&admin, "POST", None, &path, &add.to_string())
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let item_id = r.json()["data"]["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let again = hw
        .call_as(&admin, "POST", None, &path, &add.to_string())
        .await;
    assert_eq!(again.status, 400, "a duplicate member is refused");
    let r = hw
        .get(
            "admin",
            &format!("{path}?set_id={set_id}&address=203.0.113&offset=0&limit=10"),
        )
        .await;
    let records = r.json()["data"]["records"].as_array().unwrap().clone();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["item_id"], item_id.as_str());
    assert_eq!(records[0]["description"], "incident-42");
    // The read-only key may list but not add or delete.
    let ro = hw.key("readonly");
    let denied = hw.call_as(&ro, "POST", None, &path, &add.to_string()).await;
    assert_eq!(denied.status, 403);
    let r = hw
        .call_as(&admin, "DELETE", None, &format!("{path}/{item_id}"), "")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let gone = hw
        .call_as(&admin, "DELETE", None, &format!("{path}/{item_id}"), "")
        .await;
    assert_eq!(gone.status, 400);
    assert_eq!(error_code(&gone), "CFW.00200005");
    assert_eq!(hw.cloud.count("cfw:AddAddressItem"), 3);
}

#[tokio::test]
async fn grants_can_be_limited_to_region_projects() {
    let hw = Hw::start(4).await;
    let sk = "secret-of-a-regional-key-0000000";
    hw.cloud.keys().insert(
        multicloud_testkit::SimKey::new("HPUAREGIONAL00000001", sk, DEMO_DOMAIN_ID)
            .with_permissions(Permissions::only(["ecs:ListServersDetails@cn-north-4"])),
    );
    let key = AccessKey::new("HPUAREGIONAL00000001", sk);
    let path = |r: &str| format!("/v1/{}/cloudservers/detail", Hw::project(r));
    let ok = hw.call_as(&key, "GET", None, &path("cn-north-4"), "").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let denied = hw.call_as(&key, "GET", None, &path("cn-east-3"), "").await;
    assert_eq!(denied.status, 403);
    assert_eq!(error_code(&denied), "Ecs.0319");
    // The other way round: everything but one region.
    hw.cloud.keys().set_permissions(
        "HPUAREGIONAL00000001",
        Permissions::all_except(["ecs:ListServersDetails@cn-east-3"]),
    );
    assert_eq!(
        hw.call_as(&key, "GET", None, &path("cn-north-4"), "")
            .await
            .status,
        200
    );
    assert_eq!(
        hw.call_as(&key, "GET", None, &path("cn-east-3"), "")
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn iam_writes_are_root_only_and_answer_iams_errors() {
    let hw = Hw::start(2).await;
    let root = AccessKey::new(
        "HPUAMCROOTKEY0000001",
        "rootSecretOfTheDemoAccount000000000001",
    );
    hw.cloud
        .keys()
        .insert(huawei::root_key(root.id(), root.secret().expose()));
    let user_body = json!({"user": {"name": "ops", "domain_id": DEMO_DOMAIN_ID}}).to_string();
    // An IAM user's key, even one with every permission, changes nothing here.
    let admin = hw.key("admin");
    let r = hw
        .call_as(&admin, "POST", None, "/v3.0/OS-USER/users", &user_body)
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(
        r.json()["error"]["message"],
        "Policy doesn't allow iam:users:createUser to be performed."
    );
    let r = hw
        .call_as(&root, "POST", None, "/v3.0/OS-USER/users", &user_body)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let user_id = r.json()["user"]["id"].as_str().unwrap().to_owned();
    let again = hw
        .call_as(&root, "POST", None, "/v3.0/OS-USER/users", &user_body)
        .await;
    assert_eq!((again.status, error_code(&again)), (400, "1109".to_owned()));
    // Two keys per user, then IAM's documented quota answer.
    let key_body = json!({"credential": {"user_id": user_id}}).to_string();
    for _ in 0..2 {
        let r = hw
            .call_as(
                &root,
                "POST",
                None,
                "/v3.0/OS-CREDENTIAL/credentials",
                &key_body,
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert!(r.json()["credential"]["secret"].is_string());
    }
    let r = hw
        .call_as(
            &root,
            "POST",
            None,
            "/v3.0/OS-CREDENTIAL/credentials",
            &key_body,
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["message"], "akSkNumExceed");
    // A project-level permission cannot be granted on the account; an unknown one is 404.
    let group = json!({"group": {"name": "ops-group", "domain_id": DEMO_DOMAIN_ID}});
    let r = hw
        .call_as(&root, "POST", None, "/v3/groups", &group.to_string())
        .await;
    let group_id = r.json()["group"]["id"].as_str().unwrap().to_owned();
    let roles = hw
        .call_as(
            &root,
            "GET",
            None,
            "/v3/roles?display_name=ECS%20ReadOnlyAccess",
            "",
        )
        .await;
    let ecs = roles.json()["roles"][0]["id"].as_str().unwrap().to_owned();
    let on_domain = format!("/v3/domains/{DEMO_DOMAIN_ID}/groups/{group_id}/roles/{ecs}");
    let r = hw.call_as(&root, "PUT", None, &on_domain, "").await;
    assert_eq!(r.status, 400, "{}", r.body);
    let everywhere = format!(
        "/v3/OS-INHERIT/domains/{DEMO_DOMAIN_ID}/groups/{group_id}/roles/{ecs}/inherited_to_projects"
    );
    assert_eq!(
        hw.call_as(&root, "PUT", None, &everywhere, "").await.status,
        204
    );
    let unknown = format!("/v3/domains/{DEMO_DOMAIN_ID}/groups/{group_id}/roles/nope");
    assert_eq!(
        hw.call_as(&root, "PUT", None, &unknown, "").await.status,
        404
    );
    assert_eq!(
        hw.cloud.iam().group("ops-group").unwrap().grants[0].scope,
        "projects"
    );
    // The account's own user cannot be deleted.
    let root_user = hw.cloud.keys().by_label("root").unwrap().user_id;
    let r = hw
        .call_as(&root, "DELETE", None, &format!("/v3/users/{root_user}"), "")
        .await;
    assert_eq!((r.status, error_code(&r)), (400, "1107".to_owned()));
}

//! Huawei, Baidu and CTyun check the key text and the region names locally: a blank or
//! garbled key, or a region like `../x`, is a `Config` error and nothing reaches the cloud
//! (AWS and Tencent: `tests/bounds.rs`).

#![cfg(all(feature = "huawei", feature = "baidu", feature = "ctyun"))]

mod baidu_support;
mod ctyun_support;
mod huawei_support;

use std::sync::Arc;

use futures::StreamExt;
use multicloud_sdk::{AccessKey, CloudProvider, Domain, ErrorKind, Region, StandardFeature};
use multicloud_testkit::SimCloud;

const PLANTED: &str = "PLANTED-SECRET-1b7c";

fn bad_keys(real_id: &str) -> Vec<AccessKey> {
    vec![
        AccessKey::new("", PLANTED),
        AccessKey::new("  ", PLANTED),
        AccessKey::new(format!("{real_id} {PLANTED}"), "secret"),
        AccessKey::new(format!("{real_id}\n"), PLANTED),
        AccessKey::new(real_id, ""),
        AccessKey::new(real_id, " \t"),
        AccessKey::new(real_id, format!("{PLANTED}\r\n")),
    ]
}

async fn first_error(provider: &dyn CloudProvider, region: &Region) -> multicloud_sdk::Error {
    let mut hosts = provider.hosts(region);
    while let Some(next) = hosts.next().await {
        if let Err(e) = next {
            return e;
        }
    }
    panic!("the listing ended without an error");
}

async fn nothing_is_sent(
    sim: &SimCloud,
    build: impl Fn(AccessKey) -> Arc<dyn CloudProvider>,
    region: &str,
) {
    let real_id = sim.keys().by_label("admin").expect("demo key").id;
    for key in bad_keys(&real_id) {
        let p = build(key);
        let verify = p.verify(&[&StandardFeature::Host]).await;
        let regions = p.regions().await.unwrap_err();
        let hosts = first_error(p.as_ref(), &Region::enabled(region)).await;
        let mut errors = vec![regions, hosts];
        // Verify either fails to run or reports the key unusable; never with a request.
        if let Err(e) = verify {
            errors.push(e);
        }
        for err in errors {
            assert_eq!(err.kind(), ErrorKind::Config, "{err}");
            for shown in [err.to_string(), err.report(), format!("{err:?}")] {
                assert!(!shown.contains(PLANTED), "{shown}");
            }
        }
    }
    // With the admin key, region names that are not ids are refused locally too.
    let admin = sim.keys().by_label("admin").unwrap().access_key();
    let p = build(admin);
    for name in ["", "../x", "r 1", "x\r\ny"] {
        let err = first_error(p.as_ref(), &Region::enabled(name)).await;
        assert_eq!(err.kind(), ErrorKind::Config, "{name:?}: {err}");
    }
    assert_eq!(sim.requests().len(), 0, "nothing reaches the simulator");
}

#[tokio::test]
async fn huawei_refuses_bad_keys_and_regions_locally() {
    let sim = huawei_support::sim(2, 1, 0).await;
    nothing_is_sent(
        &sim,
        |key| Arc::new(huawei_support::provider_with(&sim, key, None)),
        "cn-north-4",
    )
    .await;
}

#[tokio::test]
async fn baidu_refuses_bad_keys_and_regions_locally() {
    let sim = baidu_support::sim(2, 1, 0).await;
    nothing_is_sent(
        &sim,
        |key| Arc::new(baidu_support::provider_with(&sim, key, None)),
        "bj",
    )
    .await;
}

#[tokio::test]
async fn ctyun_refuses_bad_keys_and_regions_locally() {
    let sim = ctyun_support::sim(2, 1, 0).await;
    nothing_is_sent(
        &sim,
        |key| {
            Arc::new(
                ctyun_support::builder(&sim, key, Domain::China)
                    .build()
                    .unwrap(),
            )
        },
        "bb9fdb42056f11eda1610242ac110002",
    )
    .await;
}

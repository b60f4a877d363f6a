//! Shared setup of the Baidu AI Cloud end-to-end tests: a simulator and providers pointed at
//! it through `with_endpoint_url` (requests keep their real BCE `Host`, which tells the
//! simulator the service and the region).

#![allow(dead_code)] // each test binary uses its own subset

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use multicloud_sdk::baidu::{BaiduProvider, BaiduProviderBuilder};
use multicloud_sdk::transport::RetryConfig;
use multicloud_sdk::{AccessKey, Clock, CloudProvider, Error, Region, StaticCredential};
use multicloud_sdk::{Item, ResourceKind};
use multicloud_testkit::baidu::BaiduSim;
use multicloud_testkit::SimCloud;

/// A simulator with `hosts` hosts over `regions` regions and `per_service` resources of each
/// product (seed 7).
pub(crate) async fn sim_with(
    sim: BaiduSim,
    hosts: usize,
    regions: usize,
    per_service: usize,
) -> SimCloud {
    SimCloud::builder(sim)
        .seed(7)
        .hosts(hosts)
        .regions(regions)
        .resources_per_service(per_service)
        .start()
        .await
        .expect("the simulator starts")
}

/// [`sim_with`] on a simulator where every product is activated.
pub(crate) async fn sim(hosts: usize, regions: usize, per_service: usize) -> SimCloud {
    sim_with(BaiduSim::new(), hosts, regions, per_service).await
}

/// Retries like the default but with millisecond backoff (tests stay fast).
pub(crate) fn fast_retry(max_attempts: u32) -> RetryConfig {
    RetryConfig::default()
        .with_max_attempts(max_attempts)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
        .with_seed(7)
}

/// A builder signing with `key`, pointed at the simulator, with `page_size` items per page.
pub(crate) fn builder(cloud: &SimCloud, key: AccessKey, page_size: u32) -> BaiduProviderBuilder {
    BaiduProviderBuilder::new("e2e")
        .with_credential(StaticCredential::new(key))
        .with_endpoint_url(cloud.base_url())
        .with_retry(fast_retry(3))
        .with_page_size(page_size)
}

/// A provider signing with `key` (and `clock`, when given).
pub(crate) fn provider_with(
    cloud: &SimCloud,
    key: AccessKey,
    clock: Option<Arc<dyn Clock>>,
) -> BaiduProvider {
    let mut b = builder(cloud, key, 1000);
    if let Some(clock) = clock {
        b = b.with_clock(clock);
    }
    b.build().expect("provider builds")
}

/// The demo key labelled `label` (`admin`, `readonly`, `disabled`).
pub(crate) fn key(cloud: &SimCloud, label: &str) -> AccessKey {
    cloud.keys().by_label(label).expect("demo key").access_key()
}

/// A provider using the demo key `label`, with `page_size` items per page.
pub(crate) fn provider(cloud: &SimCloud, label: &str, page_size: u32) -> BaiduProvider {
    builder(cloud, key(cloud, label), page_size)
        .build()
        .expect("provider builds")
}

/// The declared kind `id`.
pub(crate) fn kind(p: &BaiduProvider, id: &str) -> &'static ResourceKind {
    p.resource_kinds()
        .iter()
        .find(|k| k.id == id)
        .unwrap_or_else(|| panic!("kind {id} is declared"))
}

/// Everything a listing yields until its end or its first error.
pub(crate) async fn drain(
    p: &BaiduProvider,
    kind_id: &str,
    region: Option<&str>,
) -> (Vec<Item>, Option<Error>) {
    let region = region.map(Region::enabled);
    let mut stream = p.list(kind(p, kind_id), region.as_ref());
    let mut items = Vec::new();
    while let Some(next) = stream.next().await {
        match next {
            Ok(item) => items.push(item),
            Err(e) => return (items, Some(e)),
        }
    }
    (items, None)
}

/// The recorded requests to `endpoint` with their `Host` header.
pub(crate) fn hosts_of(cloud: &SimCloud, endpoint: &str) -> Vec<String> {
    cloud
        .requests()
        .iter()
        .filter(|r| r.endpoint.as_deref() == Some(endpoint))
        .map(|r| r.request.host.clone())
        .collect()
}

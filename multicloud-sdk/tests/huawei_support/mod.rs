//! Shared setup of the Huawei Cloud end-to-end tests: a simulator and providers pointed at it.

#![allow(dead_code)] // each test binary uses its own subset

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use multicloud_core::transport::RetryConfig;
use multicloud_core::{AccessKey, Clock, CloudProvider, Item, Region, ResourceKind};
use multicloud_huawei::{HuaweiProvider, HuaweiProviderBuilder};
use multicloud_testkit::huawei::HuaweiSim;
use multicloud_testkit::SimCloud;

/// A simulator with `hosts` hosts over `regions` regions and `per_service` resources of each
/// product (seed 7).
pub(crate) async fn sim(hosts: usize, regions: usize, per_service: usize) -> SimCloud {
    SimCloud::builder(HuaweiSim::new())
        .seed(7)
        .hosts(hosts)
        .regions(regions)
        .resources_per_service(per_service)
        .start()
        .await
        .expect("the simulator starts")
}

/// Retries like the default but with millisecond backoff (tests stay fast).
pub(crate) fn fast_retry(max_attempts: u32) -> RetryConfig {
    RetryConfig::default()
        .with_max_attempts(max_attempts)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
        .with_seed(7)
}

/// A builder signing with `key`, pointed at the simulator.
pub(crate) fn builder_with(cloud: &SimCloud, key: AccessKey) -> HuaweiProviderBuilder {
    HuaweiProviderBuilder::new("e2e")
        .with_access_key(key)
        .with_endpoint_url(cloud.base_url())
        .with_retry(fast_retry(4))
}

/// A provider signing with `key`, pointed at the simulator, with `clock` if given.
pub(crate) fn provider_with(
    cloud: &SimCloud,
    key: AccessKey,
    clock: Option<Arc<dyn Clock>>,
) -> HuaweiProvider {
    let mut b = builder_with(cloud, key);
    if let Some(clock) = clock {
        b = b.with_clock(clock);
    }
    b.build().expect("provider builds")
}

/// A provider using the simulator's demo key with `label` (`admin`, `readonly`, `disabled`).
pub(crate) fn provider(cloud: &SimCloud, label: &str) -> HuaweiProvider {
    let key = cloud.keys().by_label(label).expect("demo key").access_key();
    provider_with(cloud, key, None)
}

/// The declared kind `id`.
pub(crate) fn kind(p: &HuaweiProvider, id: &str) -> &'static ResourceKind {
    p.resource_kinds()
        .iter()
        .find(|k| k.id == id)
        .expect("declared kind")
}

/// Every item of `kind` (in `region` when given).
pub(crate) async fn collect(
    p: &HuaweiProvider,
    id: &str,
    region: Option<&str>,
) -> multicloud_core::Result<Vec<Item>> {
    let region = region.map(Region::enabled);
    p.list(kind(p, id), region.as_ref()).try_collect().await
}

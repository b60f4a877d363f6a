//! Shared setup of the Tencent Cloud end-to-end tests: a simulator and providers pointed at it.

#![allow(dead_code)] // each test binary uses its own subset

use std::sync::Arc;
use std::time::Duration;

use multicloud_sdk::tencent::{TencentProvider, TencentProviderBuilder};
use multicloud_sdk::transport::RetryConfig;
use multicloud_sdk::{AccessKey, Clock, Domain, StaticCredential};
use multicloud_testkit::tencent::TencentSim;
use multicloud_testkit::SimCloud;

/// A simulator with `hosts` hosts over `regions` regions (seed 7).
pub(crate) async fn sim(hosts: usize, regions: usize) -> SimCloud {
    SimCloud::builder(TencentSim::new())
        .seed(7)
        .hosts(hosts)
        .regions(regions)
        .resources_per_service(3)
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

/// A provider signing with `key`, pointed at the simulator.
pub(crate) fn provider_with(
    cloud: &SimCloud,
    key: AccessKey,
    clock: Option<Arc<dyn Clock>>,
) -> TencentProvider {
    let mut builder = TencentProviderBuilder::new("e2e")
        .with_credential(StaticCredential::new(key))
        .with_domain(Domain::China)
        .with_endpoint_url(cloud.base_url())
        .with_retry(fast_retry(4));
    if let Some(clock) = clock {
        builder = builder.with_clock(clock);
    }
    builder.build().expect("provider builds")
}

/// A provider using the simulator's demo key with `label` (`admin`, `readonly`, `disabled`).
pub(crate) fn provider(cloud: &SimCloud, label: &str) -> TencentProvider {
    let key = cloud.keys().by_label(label).expect("demo key").access_key();
    provider_with(cloud, key, None)
}

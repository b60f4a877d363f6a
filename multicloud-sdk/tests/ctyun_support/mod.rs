//! Shared setup of the CTyun end-to-end tests: a simulator and providers pointed at it.

#![allow(dead_code)] // each test binary uses its own subset

use std::time::Duration;

use multicloud_sdk::ctyun::{CtyunProvider, CtyunProviderBuilder};
use multicloud_sdk::transport::RetryConfig;
use multicloud_sdk::{AccessKey, Domain};
use multicloud_testkit::ctyun::CtyunSim;
use multicloud_testkit::SimCloud;

/// A simulator with `hosts` hosts over `regions` pools and `per_service` resources of each
/// product (seed 7).
pub(crate) async fn sim(hosts: usize, regions: usize, per_service: usize) -> SimCloud {
    SimCloud::builder(CtyunSim::new())
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

/// A builder signing with `key` in `domain`, pointed at the simulator.
pub(crate) fn builder(cloud: &SimCloud, key: AccessKey, domain: Domain) -> CtyunProviderBuilder {
    CtyunProviderBuilder::new("e2e")
        .with_access_key(key)
        .with_domain(domain)
        .with_endpoint_url(cloud.base_url())
        .with_retry(fast_retry(3))
}

/// The simulator's demo key with `label` (`admin`, `readonly`, `disabled`, `intl`).
pub(crate) fn key(cloud: &SimCloud, label: &str) -> AccessKey {
    cloud.keys().by_label(label).expect("demo key").access_key()
}

/// A provider using the demo key with `label`, in the Chinese edition.
pub(crate) fn provider(cloud: &SimCloud, label: &str) -> CtyunProvider {
    builder(cloud, key(cloud, label), Domain::China)
        .build()
        .expect("provider builds")
}

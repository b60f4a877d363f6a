//! Shared setup of the AWS end-to-end tests: a simulator and a provider pointed at it.

#![allow(dead_code, unreachable_pub)] // each test file uses a different subset

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use multicloud_sdk::aws::{AwsProvider, AwsProviderBuilder};
use multicloud_sdk::transport::{LimitConfig, RetryConfig};
use multicloud_sdk::{AccessKey, Clock, Domain, Result};
use multicloud_testkit::aws::AwsSim;
use multicloud_testkit::{SimCloud, SimKey};

/// Attempts the test transport makes per call (the default, with tiny delays).
pub const ATTEMPTS: u32 = 4;

/// A simulator with `hosts` hosts over `regions` regions and `per_service` of each product.
pub async fn sim(hosts: usize, regions: usize, per_service: usize) -> SimCloud {
    SimCloud::builder(AwsSim::new())
        .seed(11)
        .hosts(hosts)
        .regions(regions)
        .resources_per_service(per_service)
        .start()
        .await
        .expect("simulator starts")
}

/// Retries like the default but with millisecond backoff.
pub fn retry() -> RetryConfig {
    RetryConfig::default()
        .with_max_attempts(ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(4))
        .with_seed(5)
}

/// A builder for `key` against `cloud`, in `domain`.
pub fn builder(cloud: &SimCloud, key: AccessKey, domain: Domain) -> AwsProviderBuilder {
    AwsProviderBuilder::new("e2e")
        .with_access_key(key)
        .with_domain(domain)
        .with_endpoint_url(cloud.base_url())
        .with_retry(retry())
        .with_limits(LimitConfig::unlimited())
}

/// The seeded demo key labelled `label`.
pub fn demo_key(cloud: &SimCloud, label: &str) -> SimKey {
    cloud.keys().by_label(label).expect("seeded demo key")
}

/// A provider for the demo key `label`, in the key's own domain.
pub fn provider(cloud: &SimCloud, label: &str) -> AwsProvider {
    let key = demo_key(cloud, label);
    builder(cloud, key.access_key(), key.domain)
        .build()
        .expect("provider builds")
}

/// Same, with a clock and page size.
pub fn provider_with(
    cloud: &SimCloud,
    label: &str,
    clock: Option<Arc<dyn Clock>>,
    page_size: Option<u32>,
) -> AwsProvider {
    let key = demo_key(cloud, label);
    let mut b = builder(cloud, key.access_key(), key.domain);
    if let Some(c) = clock {
        b = b.with_clock(c);
    }
    if let Some(n) = page_size {
        b = b.with_page_size(n);
    }
    b.build().expect("provider builds")
}

/// Every item and error of a stream, in order.
pub async fn drain<T>(
    mut stream: futures::stream::BoxStream<'static, Result<T>>,
) -> (Vec<T>, Vec<multicloud_sdk::Error>) {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    while let Some(next) = stream.next().await {
        match next {
            Ok(item) => items.push(item),
            Err(e) => errors.push(e),
        }
    }
    (items, errors)
}

//! The rate-bound phase: Tencent with the provider's documented request rates (its default
//! transport), where `DescribeInstances` at 40 requests/s, not latency, bounds the wall time.

use std::sync::Arc;

use multicloud_core::CloudProvider;
use multicloud_sync::SnapshotStore;
use multicloud_tencent::TencentProviderBuilder;

use crate::run::{check, measured, pages, Target, HOST};
use crate::world::Cloud;

/// Tencent `DescribeInstances`: 40 requests per second (the API's doc page, as
/// `providers/tencent/src/limits.rs` enforces it), bursts of 40.
const RATE: f64 = 40.0;
const BURST: f64 = 40.0;

/// Runs a first sync of the Tencent target under its documented limits (a new account in
/// the same store) and prints its wall time against the rate bound.
pub(crate) fn run(
    rt: &tokio::runtime::Runtime,
    targets: &[Target],
    server: &str,
    store: &Arc<dyn SnapshotStore>,
) {
    let Some(t) = targets.iter().find(|t| t.cloud == Cloud::Tencent) else {
        return;
    };
    let key = t.cloud.admin_key();
    let provider: Arc<dyn CloudProvider> = Arc::new(
        TencentProviderBuilder::new("scale-tencent-limited")
            .with_access_key(key.access_key())
            .with_domain(key.domain)
            .with_endpoint_url(format!("http://127.0.0.1:{}", t.port))
            .build()
            .unwrap_or_else(|e| panic!("tencent provider: {e}")),
    );
    let engine = crate::run::engine(provider, store);
    let phase = measured("tencent, documented rates", rt, targets, server, async {
        check(&engine.sync_now(HOST).await, t.hosts, true);
    });
    let requests: usize = t.per_region.iter().map(|n| pages(*n, 100)).sum();
    let bound = ((requests as f64 - BURST).max(0.0) / RATE).max(t.chain() as f64 * 0.02);
    let listed: u64 = phase
        .requests
        .iter()
        .filter(|((_, k), _)| k.starts_with("DescribeInstances "))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(listed as usize, requests, "DescribeInstances requests");
    println!(
        "  tencent {} hosts under its documented DescribeInstances rate (40/s, burst 40): \
         {requests} requests, wall {:.2} s against the rate bound {:.2} s: {:.2}x; peak {:.1} MB",
        t.hosts,
        phase.wall.as_secs_f64(),
        bound,
        phase.wall.as_secs_f64() / bound,
        crate::measure::mb(phase.peak),
    );
}

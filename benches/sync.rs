//! A full host sync of one AWS account against the simulated AWS on 127.0.0.1, reported as
//! hosts per second, next to its baseline in the same run: the same listings (regions, then
//! every scannable region's `DescribeInstances` pages with the engine's concurrency) drained
//! without the engine. The ratio is the engine's own cost: building snapshots, diffing,
//! storing, events.
//!
//! `cargo bench -p multicloud-benches --bench sync -- --warm-up-time 1 --measurement-time 3`
//!
//! The world: 2,500 seeded hosts over 5 regions, of which 2,000 are in the 4 regions of the
//! International partition the key sees (the 5th is a China-partition region); 8 regions are
//! scannable. Providers use the default page size (1,000) and a transport without rate
//! limits, so the numbers measure the SDK rather than AWS's documented request quotas.

mod estimates;

use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput};
use futures::{StreamExt, TryStreamExt};
use multicloud_aws::AwsProviderBuilder;
use multicloud_core::transport::{LimitConfig, Transport};
use multicloud_core::{CloudProvider, Feature, Result, StandardFeature};
use multicloud_sync::{
    DefaultSyncPolicy, MemoryStore, SyncEngine, SyncReport, DEFAULT_CONCURRENCY,
};
use multicloud_testkit::aws::AwsSim;
use multicloud_testkit::SimCloud;
use tokio::runtime::Runtime;

/// Hosts the simulator is seeded with.
const SEEDED_HOSTS: usize = 2_500;
/// The criterion group of this bench.
const GROUP: &str = "sync-aws";
const HOST: &[&dyn Feature] = &[&StandardFeature::Host];

fn runtime() -> Runtime {
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => panic!("no tokio runtime: {e}"),
    }
}

fn or_panic<T, E: std::fmt::Display>(what: &str, result: std::result::Result<T, E>) -> T {
    result.unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// A provider for the simulator's admin key, with default retries and no rate limits.
fn provider(cloud: &SimCloud) -> Arc<dyn CloudProvider> {
    let key = cloud.keys().by_label("admin").expect("seeded demo key");
    let transport = Transport::builder()
        .with_limits(LimitConfig::unlimited())
        .build();
    let provider = AwsProviderBuilder::new("bench")
        .with_access_key(key.access_key())
        .with_domain(key.domain)
        .with_endpoint_url(cloud.base_url())
        .with_transport(or_panic("transport", transport))
        .build();
    Arc::new(or_panic("provider", provider))
}

fn engine(provider: &Arc<dyn CloudProvider>) -> SyncEngine {
    let built = SyncEngine::builder(provider.clone(), Arc::new(DefaultSyncPolicy::default()))
        .with_store(Arc::new(MemoryStore::new()))
        .with_concurrency(DEFAULT_CONCURRENCY)
        .build();
    or_panic("engine", built)
}

/// The baseline: list the regions, then drain every scannable region's hosts with the
/// engine's concurrency, keeping nothing. Returns how many hosts went by.
async fn raw_listing(provider: &dyn CloudProvider) -> Result<usize> {
    let regions = provider.regions().await?;
    futures::stream::iter(regions.into_iter().filter(|r| r.is_scannable()))
        .map(|region| {
            provider
                .hosts(&region)
                .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        })
        .buffer_unordered(DEFAULT_CONCURRENCY)
        .try_fold(0usize, |total, n| async move { Ok(total + n) })
        .await
}

fn check(report: &SyncReport) {
    assert!(
        report.is_complete(),
        "the benched sync failed: {:?}",
        report
            .failures()
            .map(|(r, _, e)| (r, e.report()))
            .collect::<Vec<_>>()
    );
}

fn main() {
    let rt = runtime();
    let cloud = rt.block_on(async {
        let started = SimCloud::builder(AwsSim::new())
            .seed(2026)
            .hosts(SEEDED_HOSTS)
            .regions(5)
            .start()
            .await;
        or_panic("simulator", started)
    });
    let visible = cloud
        .inventory()
        .hosts()
        .iter()
        .filter(|h| !h.region.starts_with("cn-"))
        .count();
    let provider = provider(&cloud);

    // Both sides must see every host, or the comparison means nothing.
    assert_eq!(
        or_panic("listing", rt.block_on(raw_listing(provider.as_ref()))),
        visible
    );
    let once = engine(&provider);
    let report = rt.block_on(once.sync_now(HOST));
    check(&report);
    assert_eq!(report.totals().added, visible);
    let requests_per_sync = {
        let before = cloud.count("*");
        check(&rt.block_on(once.sync_now(HOST)));
        cloud.count("*") - before
    };

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group(GROUP);
    group.sample_size(10);
    group.throughput(Throughput::Elements(visible as u64));
    group.bench_function("raw-listing", |b| {
        b.iter(|| or_panic("listing", rt.block_on(raw_listing(provider.as_ref()))))
    });
    group.bench_function("engine-first-sync", |b| {
        b.iter_batched(
            || engine(&provider),
            |engine| {
                let report = rt.block_on(engine.sync_now(HOST));
                // Returned, so dropping the engine and its store is not timed.
                (engine, report)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("engine-resync", |b| {
        b.iter(|| rt.block_on(once.sync_now(HOST)))
    });
    group.finish();
    c.final_summary();
    print_report(visible, requests_per_sync);
}

fn print_report(hosts: usize, requests: usize) {
    let m = estimates::means(&[GROUP]);
    let get = |name: &str| m.get(&format!("{GROUP}/{name}")).copied();
    println!(
        "\nfull host sync of one AWS account: {hosts} hosts, {requests} requests per sync \
         (means from the latest criterion estimates)"
    );
    let Some(raw) = get("raw-listing") else {
        println!("  raw-listing was not measured in this run");
        return;
    };
    for name in ["raw-listing", "engine-first-sync", "engine-resync"] {
        match get(name) {
            Some(ns) => println!(
                "  {name:<18} {:>9.2} ms  {:>10.0} hosts/s  {:>5.2}x raw listing",
                ns / 1e6,
                hosts as f64 / (ns / 1e9),
                ns / raw
            ),
            None => println!("  {name:<18} not measured in this run"),
        }
    }
}

//! The parent side of the scale bench: providers against the canned server, the phases, the
//! checks and the printed table.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use multicloud_aws::AwsProviderBuilder;
use multicloud_baidu::BaiduProviderBuilder;
use multicloud_core::transport::{LimitConfig, Transport};
use multicloud_core::{CloudProvider, Feature, StandardFeature};
use multicloud_ctyun::CtyunProviderBuilder;
use multicloud_huawei::HuaweiProviderBuilder;
use multicloud_sync::{
    DefaultSyncPolicy, DiffDetail, MemoryStore, SnapshotStore, SqliteStore, SyncEngine, SyncReport,
};
use multicloud_tencent::TencentProviderBuilder;

use crate::measure;
use crate::world::{self, Cloud};
use crate::Settings;

pub(crate) const HOST: &[&dyn Feature] = &[&StandardFeature::Host];

/// One cloud of the run: its provider and what the server holds.
pub(crate) struct Target {
    pub(crate) cloud: Cloud,
    pub(crate) port: u16,
    pub(crate) hosts: usize,
    pub(crate) per_region: Vec<usize>,
    provider: Arc<dyn CloudProvider>,
}

impl Target {
    /// The sequential requests of this cloud's longest chain: the region listing's calls
    /// (each waits for the one before), then the most pages any one region needs.
    pub(crate) fn chain(&self) -> usize {
        let pages = self
            .per_region
            .iter()
            .map(|n| pages(*n, self.cloud.page_size()))
            .max()
            .unwrap_or(0);
        self.cloud.region_calls().len() + pages
    }
}

pub(crate) fn pages(n: usize, page: usize) -> usize {
    n.div_ceil(page).max(1)
}

fn provider(cloud: Cloud, port: u16) -> Arc<dyn CloudProvider> {
    let key = cloud.admin_key();
    let url = format!("http://127.0.0.1:{port}");
    let transport = Transport::builder()
        .with_limits(LimitConfig::unlimited())
        .build()
        .unwrap_or_else(|e| panic!("transport: {e}"));
    // Every builder has the same setters; each is its own type.
    macro_rules! built {
        ($builder:ty, $account:literal) => {
            <$builder>::new($account)
                .with_access_key(key.access_key())
                .with_domain(key.domain)
                .with_endpoint_url(url)
                .with_transport(transport)
                .build()
                .map(|p| Arc::new(p) as Arc<dyn CloudProvider>)
        };
    }
    let built: multicloud_core::Result<Arc<dyn CloudProvider>> = match cloud {
        Cloud::Aws => built!(AwsProviderBuilder, "scale-aws"),
        Cloud::Tencent => built!(TencentProviderBuilder, "scale-tencent"),
        Cloud::Huawei => built!(HuaweiProviderBuilder, "scale-huawei"),
        Cloud::Baidu => built!(BaiduProviderBuilder, "scale-baidu"),
        Cloud::Ctyun => built!(CtyunProviderBuilder, "scale-ctyun"),
    };
    built.unwrap_or_else(|e| panic!("{} provider: {e}", cloud.name()))
}

/// The sync engine of one provider over the shared store: every engine of the bench is built
/// here, so a builder option reaches them all.
pub(crate) fn engine(
    provider: Arc<dyn CloudProvider>,
    store: &Arc<dyn SnapshotStore>,
) -> SyncEngine {
    SyncEngine::builder(provider, Arc::new(DefaultSyncPolicy::default()))
        .with_store(Arc::clone(store))
        // Counts only: the report would otherwise hold every added host (issue 28's
        // memory goal is for a round that keeps its diffs in the store's history).
        .with_diff_detail(DiffDetail::Counts)
        .build()
        .unwrap_or_else(|e| panic!("engine: {e}"))
}

/// Lists every region's hosts of one provider at once, in this one task, keeping nothing;
/// the host count.
async fn raw_listing(provider: &dyn CloudProvider) -> usize {
    let regions = provider
        .regions()
        .await
        .unwrap_or_else(|e| panic!("regions: {e}"));
    let scannable: Vec<_> = regions.into_iter().filter(|r| r.is_scannable()).collect();
    let width = scannable.len().max(1);
    futures::stream::iter(scannable)
        .map(|region| {
            provider
                .hosts(&region)
                .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        })
        .buffer_unordered(width)
        .try_fold(0usize, |total, n| async move { Ok(total + n) })
        .await
        .unwrap_or_else(|e| panic!("listing: {e}"))
}

/// Lists every region's hosts of one provider, each region in a task of its own (spread
/// over the runtime's workers, as the engine's jobs are), keeping nothing; the host count.
async fn raw_listing_spread(provider: Arc<dyn CloudProvider>) -> usize {
    let regions = provider
        .regions()
        .await
        .unwrap_or_else(|e| panic!("regions: {e}"));
    let tasks: Vec<_> = regions
        .into_iter()
        .filter(|r| r.is_scannable())
        .map(|region| {
            let provider = Arc::clone(&provider);
            tokio::spawn(async move {
                provider
                    .hosts(&region)
                    .try_fold(0usize, |n, _| async move { Ok(n + 1) })
                    .await
                    .unwrap_or_else(|e| panic!("listing: {e}"))
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap_or_else(|e| panic!("listing task: {e}"));
    }
    total
}

/// What one phase measured.
pub(crate) struct Phase {
    pub(crate) name: &'static str,
    /// The injected latency per request during the phase.
    pub(crate) latency: Duration,
    pub(crate) wall: Duration,
    pub(crate) peak: u64,
    pub(crate) cpu: Duration,
    pub(crate) server_cpu: Duration,
    pub(crate) requests: BTreeMap<(usize, String), u64>,
    pub(crate) misses: u64,
}

impl Phase {
    /// The phase, run at `latency` per request.
    pub(crate) fn at(mut self, latency: Duration) -> Phase {
        self.latency = latency;
        self
    }
}

/// A control request to a front; its text answer.
pub(crate) fn control(port: u16, what: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| panic!("front: {e}"));
    let _ = write!(
        s,
        "GET /__scale/{what} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 0\r\n\r\n"
    );
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).unwrap_or(0) == 0 {
            break;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    let _ = s.read_exact(&mut body);
    String::from_utf8_lossy(&body).into_owned()
}

pub(crate) fn measured<F: std::future::Future<Output = ()>>(
    name: &'static str,
    rt: &tokio::runtime::Runtime,
    targets: &[Target],
    server: &str,
    work: F,
) -> Phase {
    for t in targets {
        control(t.port, "reset");
    }
    let reset = measure::reset_peak();
    if !reset {
        eprintln!("scale: cannot reset VmHWM; the peak counts from the process start");
    }
    let (cpu0, server0) = (measure::cpu("self"), measure::cpu(server));
    let started = Instant::now();
    rt.block_on(work);
    let wall = started.elapsed();
    let (cpu, server_cpu) = (measure::cpu("self") - cpu0, measure::cpu(server) - server0);
    let peak = measure::peak_rss();
    let mut requests = BTreeMap::new();
    let mut misses = 0;
    for (i, t) in targets.iter().enumerate() {
        for line in control(t.port, "stats").lines() {
            let parts: Vec<&str> = line.split(' ').collect();
            match parts.as_slice() {
                ["misses", n] => misses += n.parse::<u64>().unwrap_or(0),
                [action, region, n] => {
                    requests.insert(
                        (i, format!("{action} {region}")),
                        n.parse::<u64>().unwrap_or(0),
                    );
                }
                [action, n] if !action.is_empty() => {
                    requests.insert((i, (*action).to_owned()), n.parse::<u64>().unwrap_or(0));
                }
                _ => {}
            }
        }
    }
    Phase {
        name,
        latency: Duration::ZERO,
        wall,
        peak,
        cpu,
        server_cpu,
        requests,
        misses,
    }
}

pub(crate) fn check(report: &SyncReport, hosts: usize, first: bool) {
    assert!(
        report.is_complete(),
        "the benched sync failed: {:?}",
        report
            .failures()
            .map(|(r, _, e)| (r.to_owned(), e.report()))
            .collect::<Vec<_>>()
    );
    assert_eq!(report.totals().items, hosts, "hosts synced");
    assert_eq!(report.totals().added, if first { hosts } else { 0 });
}

/// Runs the phases and prints the table.
pub(crate) fn run(settings: &Settings, ports: &[u16], server_pid: u32) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let server = server_pid.to_string();
    let targets: Vec<Target> = settings
        .clouds
        .iter()
        .zip(ports)
        .enumerate()
        .map(|(i, (cloud, port))| {
            let hosts = settings.hosts_of(i);
            Target {
                cloud: *cloud,
                port: *port,
                hosts,
                per_region: world::hosts_per_region(hosts, cloud.regions(settings.regions).len()),
                provider: provider(*cloud, *port),
            }
        })
        .collect();
    let total: usize = targets.iter().map(|t| t.hosts).sum();

    // Cold: the simulators render every page once (and check every signature); the front
    // keeps the answers. Not reported.
    let cold = Instant::now();
    let listed = rt.block_on(futures::future::join_all(
        targets.iter().map(|t| raw_listing(t.provider.as_ref())),
    ));
    for (t, n) in targets.iter().zip(&listed) {
        assert_eq!(*n, t.hosts, "{}: hosts listed", t.cloud.name());
    }
    eprintln!(
        "scale: cold listing (simulators rendering) {:?}",
        cold.elapsed()
    );

    // `SCALE_ROUNDS` rounds of the raw listings, a first sync into a new store and the
    // resync; each phase keeps its round of least CPU (another tenant only ever adds
    // time) and the highest peak of any round. The last round's store goes on.
    let rounds = crate::env_or::<usize>("SCALE_ROUNDS", 5).max(1);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let mut phases: Vec<Phase> = Vec::new();
    let mut spread: Vec<(Duration, Duration)> = Vec::new();
    let mut last = None;
    for round in 0..rounds {
        // The previous round's store and engines go first: they never count in this one.
        if let Some((store, engines, previous)) = last.take() {
            drop((engines, store));
            let _ = std::fs::remove_file(previous);
        }
        let db = dir.path().join(format!("scale-{round}.sqlite"));
        let (measured, store, engines) = round_of(settings, &rt, (&targets, &server), &db);
        crate::report::keep_least_cpu(&mut phases, &mut spread, measured);
        last = Some((store, engines, db));
    }
    let (store, engines, db) = last.unwrap_or_else(|| panic!("at least one round runs"));
    for (engine, t) in engines.iter().zip(&targets) {
        raw_text_per_host(engine, t.cloud.name(), &rt);
    }
    let db_size = database_size(&db);
    if !settings.all_phases {
        // `SCALE_PHASES=engine`: the raw listings, the first sync and the resync only.
        crate::report::print(settings, &targets, (&phases, &spread), total, db_size);
        return;
    }
    // The latency-bound resync follows the resync.
    let resync = phases
        .iter()
        .find(|p| p.name == "engine resync")
        .unwrap_or_else(|| panic!("the resync phase ran"));
    let bound = crate::latency::run(&rt, &targets, &server, &engines, resync, settings.latency);
    spread.push((bound.cpu, bound.cpu));
    phases.push(bound);
    crate::report::print(settings, &targets, (&phases, &spread), total, db_size);
    crate::rate::run(&rt, &targets, &server, &store);
}

/// The size of the SQLite database at `db`, as its pages count (read through its WAL): the
/// file alone lags by whatever the WAL holds that no checkpoint has copied yet (about 35 MB
/// after a run). 0 for the memory store.
fn database_size(db: &std::path::Path) -> u64 {
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return 0;
    };
    conn.query_row(
        "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map_or(0, |size| u64::try_from(size).unwrap_or(0))
}

/// One round: the raw listings, then the engine's first sync into a new store at `db`
/// and its resync(s); the phases, the store and the engines.
fn round_of(
    settings: &Settings,
    rt: &tokio::runtime::Runtime,
    (targets, server): (&[Target], &str),
    db: &std::path::Path,
) -> (Vec<Phase>, Arc<dyn SnapshotStore>, Vec<SyncEngine>) {
    let total: usize = targets.iter().map(|t| t.hosts).sum();
    let mut phases = vec![
        measured("raw listing, one task", rt, targets, server, async {
            let listed =
                futures::future::join_all(targets.iter().map(|t| raw_listing(t.provider.as_ref())))
                    .await;
            assert_eq!(listed.iter().sum::<usize>(), total);
        })
        .at(settings.latency),
    ];
    // The same listing spread over the workers, as the engine's jobs are: the baseline that
    // pays what running on several threads costs (an allocator's cross-thread frees).
    phases.push(
        measured("raw listing, spread", rt, targets, server, async {
            let listed = futures::future::join_all(
                targets
                    .iter()
                    .map(|t| raw_listing_spread(Arc::clone(&t.provider))),
            )
            .await;
            assert_eq!(listed.iter().sum::<usize>(), total);
        })
        .at(settings.latency),
    );
    let store: Arc<dyn SnapshotStore> = if settings.sqlite {
        Arc::new(
            rt.block_on(SqliteStore::open(db))
                .unwrap_or_else(|e| panic!("sqlite: {e}")),
        )
    } else {
        Arc::new(MemoryStore::new())
    };
    let engines: Vec<SyncEngine> = targets
        .iter()
        .map(|t| engine(Arc::clone(&t.provider), &store))
        .collect();
    // `SCALE_PHASES=engine` with `SCALE_RESYNCS=n`: n - 1 more resyncs (a store that frees
    // the previous listing only from the second resync on, an allocator over rounds).
    let more_resyncs = match settings.all_phases {
        true => 0,
        false => crate::env_or::<usize>("SCALE_RESYNCS", 1).saturating_sub(1),
    };
    let syncs = [("engine first sync", true), ("engine resync", false)]
        .into_iter()
        .chain(std::iter::repeat_n(
            ("engine resync again", false),
            more_resyncs,
        ));
    for (name, first) in syncs {
        let phase = measured(name, rt, targets, server, async {
            let reports = futures::future::join_all(engines.iter().map(|e| e.sync_now(HOST))).await;
            for (report, t) in reports.iter().zip(targets) {
                check(report, t.hosts, first);
            }
        });
        phases.push(phase.at(settings.latency));
    }
    (phases, store, engines)
}

/// Prints the raw JSON text per host of one stored region (outside the measured phases).
fn raw_text_per_host(engine: &SyncEngine, cloud: &str, rt: &tokio::runtime::Runtime) {
    let Some(region) = rt
        .block_on(engine.store().known_regions(engine.account()))
        .ok()
        .and_then(|r| r.into_iter().next())
    else {
        return;
    };
    let snapshot = rt.block_on(
        engine
            .store()
            .snapshot(engine.account(), &region.id, "host"),
    );
    if let Ok(Some(snapshot)) = snapshot {
        let hosts: Vec<_> = snapshot
            .items
            .values()
            .filter_map(|i| i.as_host())
            .collect();
        let raw: usize = hosts.iter().map(|h| h.raw.len()).sum();
        eprintln!(
            "scale: {cloud} raw JSON text {} bytes per host",
            raw / hosts.len().max(1)
        );
    }
}

//! Issue 21's fault matrix: the same faults, injected into one region's host listing, run
//! through [`SyncEngine`] over every provider's simulator. Every cell asserts
//! - a typed error (or recovery, once the fault clears);
//! - every healthy (region, kind) exact: each region's diff is exactly the host added;
//! - the failed (region, kind) keeps its previous snapshot, and **no removal** is reported;
//! - how many requests the faulted region received (retries, pages, refusals).
//!
//! The auth cells add: a key disabled or deleted mid-sync costs at most the requests in
//! flight (the engine's concurrency), then none until the next round, whose region call is
//! refused once (or not sent, where the client remembers the refusal) and stops it; verify
//! stops at the first refusal, mid-probes too; a skewed clock stops the round at its first
//! request.
//!
//! Time: real, with millisecond backoff and a short per-attempt deadline (the simulators
//! answer over real sockets, which paused tokio time would race).
//!
//! A provider joins with one [`ProviderCase`] in `fault_matrix_support` and one line in the
//! `fault_matrix!` invocation at the bottom.

#![cfg(all(
    feature = "aws",
    feature = "tencent",
    feature = "huawei",
    feature = "baidu",
    feature = "ctyun"
))]

mod fault_matrix_support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use fault_matrix_support::{
    big_document, deep_document, Paging, ProviderCase, ATTEMPTS, MAX_PAGES, MAX_RESPONSE_BYTES,
    SLOW,
};
use multicloud_core::probe::PROBE_CONCURRENCY;
use multicloud_sdk::sync::{
    DefaultSyncPolicy, Item, MemoryStore, Snapshot, SnapshotStore, SyncEngine, SyncReport,
};
use multicloud_sdk::{
    Access, Clock, CloudProvider, CredentialStatus, ErrorKind, Feature, ManualClock,
    StandardFeature, SystemClock,
};
use multicloud_testkit::{
    KeyStatus, Outcome, Permissions, SimCloud, SimHostState, SimKey, Trigger,
};

const HOST: &[&dyn Feature] = &[&StandardFeature::Host];
/// Jobs the engine runs at once: the most requests a refused key can have in flight.
const CONCURRENCY: usize = 4;

/// One provider's simulator, an engine over it, and the region whose host listing is
/// faulted; the store holds a complete first round.
struct Cell {
    case: &'static ProviderCase,
    sim: SimCloud,
    key: SimKey,
    store: Arc<dyn SnapshotStore>,
    engine: SyncEngine,
    /// Every region the host listing covers.
    regions: Vec<String>,
    /// The faulted region: the one with the most hosts (two pages at least).
    faulted: String,
    /// Hosts added to the faulted region since its last stored snapshot.
    unseen: BTreeSet<String>,
}

fn id_of(item: &Item) -> String {
    match item {
        Item::Host(h) => h.id.clone(),
        Item::Resource(r) => r.id.clone(),
    }
}

fn describe(report: &SyncReport) -> Vec<String> {
    let mut out: Vec<String> = report
        .failures()
        .map(|(r, k, e)| format!("{r}/{k}: {}", e.report()))
        .collect();
    if let Some(e) = &report.regions_error {
        out.push(format!("regions: {}", e.report()));
    }
    out
}

impl Cell {
    async fn start(case: &'static ProviderCase) -> Cell {
        let sim = (case.start)().await;
        let key = sim.keys().by_label("admin").expect("admin key");
        let store: Arc<dyn SnapshotStore> = Arc::new(MemoryStore::new());
        let engine = Cell::engine_for(case, &sim, &key, None, &store);
        let first = engine.sync_now(HOST).await;
        assert!(first.is_complete(), "{}: {:?}", case.name, describe(&first));
        let regions: Vec<String> = first
            .jobs
            .iter()
            .filter(|j| j.kind == "host")
            .map(|j| j.region.clone())
            .collect();
        let faulted = regions
            .iter()
            .max_by_key(|r| {
                first
                    .job(r, "host")
                    .map_or(0, |j| j.result.as_ref().map_or(0, |s| s.stats.items))
            })
            .cloned()
            .expect("a host region");
        let listed = first
            .job(&faulted, "host")
            .and_then(|j| j.result.as_ref().ok());
        assert!(
            listed.is_some_and(|s| s.stats.items > case.page_size),
            "{}: the faulted region spans two pages",
            case.name
        );
        Cell {
            case,
            sim,
            key,
            store,
            engine,
            regions,
            faulted,
            unseen: BTreeSet::new(),
        }
    }

    fn engine_for(
        case: &ProviderCase,
        sim: &SimCloud,
        key: &SimKey,
        clock: Option<Arc<dyn Clock>>,
        store: &Arc<dyn SnapshotStore>,
    ) -> SyncEngine {
        let provider: Arc<dyn CloudProvider> = (case.build)(sim, key, clock);
        SyncEngine::builder(provider, Arc::new(DefaultSyncPolicy::default()))
            .with_store(Arc::clone(store))
            .with_concurrency(CONCURRENCY)
            .build()
            .expect("engine builds")
    }

    fn hosts(&self) -> &'static str {
        self.case.hosts_endpoint
    }

    /// Requests to the host listing of the faulted region so far.
    fn faulted_requests(&self) -> usize {
        self.sim.count_in(self.hosts(), &self.faulted)
    }

    fn refused(&self) -> usize {
        self.sim
            .recorder()
            .count_where(|r| matches!(r.outcome, Outcome::Refused { .. }))
    }

    async fn stored(&self, region: &str, kind: &str) -> Option<Snapshot> {
        let inventory = self.engine.inventory().await.expect("inventory");
        inventory.snapshot(region, kind).cloned()
    }

    async fn all_stored(&self) -> BTreeMap<(String, String), Snapshot> {
        let inventory = self.engine.inventory().await.expect("inventory");
        inventory
            .snapshots()
            .map(|(r, k, s)| ((r.to_owned(), k.to_owned()), s.clone()))
            .collect()
    }

    /// Adds one running host to every region; returns the new id per region.
    fn grow(&mut self) -> BTreeMap<String, String> {
        let mut added = BTreeMap::new();
        for region in &self.regions {
            let id = self.sim.add_generated_host(region).id;
            self.sim
                .update_host(&id, |h| h.state = SimHostState::Running);
            if *region == self.faulted {
                self.unseen.insert(id.clone());
            }
            added.insert(region.clone(), id);
        }
        added
    }

    /// Checks a round where only (faulted, host) failed, with `kind`: every other job
    /// succeeded with exactly its new host, the failed one kept `before`, nothing removed.
    async fn assert_only_faulted_failed(
        &self,
        report: &SyncReport,
        kind: ErrorKind,
        added: &BTreeMap<String, String>,
        before: &Snapshot,
        cell: &str,
    ) {
        let name = format!("{} {cell}", self.case.name);
        let failures: Vec<(&str, &str, ErrorKind)> = report
            .failures()
            .map(|(r, k, e)| (r, k, e.kind()))
            .collect();
        assert_eq!(
            failures,
            [(self.faulted.as_str(), "host", kind)],
            "{name}: {:?}",
            describe(report)
        );
        assert!(report.regions_error.is_none(), "{name}");
        assert_eq!(report.totals().removed, 0, "{name}: zero removals");
        for job in report.jobs.iter().filter(|j| j.result.is_ok()) {
            let diff = report.diff(&job.region, &job.kind).expect("succeeded");
            let got: BTreeSet<String> = diff.added.iter().map(id_of).collect();
            let want: BTreeSet<String> = match job.kind.as_str() {
                "host" => added.get(&job.region).cloned().into_iter().collect(),
                _ => BTreeSet::new(),
            };
            assert_eq!(got, want, "{name}: {}/{} added", job.region, job.kind);
            assert!(diff.removed.is_empty() && diff.changed.is_empty(), "{name}");
        }
        let kept = self.stored(&self.faulted, "host").await.expect("stored");
        assert_eq!(&kept, before, "{name}: the previous snapshot is kept");
        assert!(
            self.unseen
                .iter()
                .all(|id| !kept.items.values().any(|i| id_of(i) == *id)),
            "{name}"
        );
    }

    /// Runs a round with the fault set: exactly (faulted, host) fails with `kind` and
    /// keeps its snapshot. Returns the faulted region's host requests in that round.
    async fn failing_round(&mut self, kind: ErrorKind, cell: &str) -> usize {
        let before = self.stored(&self.faulted, "host").await.expect("stored");
        let added = self.grow();
        let sent = self.faulted_requests();
        let report = self.engine.sync_now(HOST).await;
        let sent = self.faulted_requests() - sent;
        self.assert_only_faulted_failed(&report, kind, &added, &before, cell)
            .await;
        sent
    }

    /// Clears every fault and runs a round: complete, the faulted region catches up with
    /// every host added while it failed (and nothing is removed), the others are exact.
    async fn recovering_round(&mut self, cell: &str) {
        self.sim.faults().clear();
        self.round_catches_up(cell).await;
    }

    /// A round with whatever faults are set that must complete and catch up.
    async fn round_catches_up(&mut self, cell: &str) {
        let name = format!("{} {cell}", self.case.name);
        let added = self.grow();
        let report = self.engine.sync_now(HOST).await;
        assert!(report.is_complete(), "{name}: {:?}", describe(&report));
        assert_eq!(report.totals().removed, 0, "{name}");
        for region in &self.regions {
            let diff = report.diff(region, "host").expect("synced");
            let got: BTreeSet<String> = diff.added.iter().map(id_of).collect();
            let want: BTreeSet<String> = if *region == self.faulted {
                std::mem::take(&mut self.unseen)
            } else {
                added.get(region).cloned().into_iter().collect()
            };
            assert_eq!(got, want, "{name}: {region} catches up");
        }
    }

    fn fault(&self) -> multicloud_testkit::EndpointFaults<'_> {
        self.sim
            .faults()
            .on(self.hosts())
            .in_region(self.faulted.as_str())
    }
}

// ---------------------------------------------------------------------------------------
// Retried faults: a typed error after every attempt, recovery when they stop in time
// ---------------------------------------------------------------------------------------

/// A fault on every attempt fails the job with `kind` after exactly [`ATTEMPTS`] requests;
/// the same fault on all but the last attempt is absorbed by the retries.
async fn retried(
    case: &'static ProviderCase,
    cell: &str,
    kind: ErrorKind,
    set: fn(&Cell, Trigger),
) {
    let mut c = Cell::start(case).await;
    set(&c, Trigger::Always);
    let sent = c.failing_round(kind, cell).await;
    assert_eq!(
        sent, ATTEMPTS as usize,
        "{} {cell}: one call, every attempt",
        case.name
    );
    c.sim.faults().clear();
    set(&c, Trigger::first(u64::from(ATTEMPTS) - 1));
    let sent = c.faulted_requests();
    c.round_catches_up(cell).await;
    let pages = c.faulted_requests() - sent;
    assert!(
        pages > ATTEMPTS as usize,
        "{} {cell}: retried, then paged on",
        case.name
    );
}

async fn throttle_storm(case: &'static ProviderCase) {
    retried(case, "throttle storm", ErrorKind::Throttled, |c, t| {
        c.fault().throttle(t);
    })
    .await;
}

async fn server_errors(case: &'static ProviderCase) {
    retried(case, "5xx", ErrorKind::Transient, |c, t| {
        c.fault().server_error(t);
    })
    .await;
}

async fn connection_reset(case: &'static ProviderCase) {
    retried(case, "connection reset", ErrorKind::Transient, |c, t| {
        c.fault().drop_connection(t);
    })
    .await;
}

async fn truncated_body(case: &'static ProviderCase) {
    retried(case, "truncated body", ErrorKind::Transient, |c, t| {
        c.fault().truncate_body(t);
    })
    .await;
}

async fn slow_beyond_the_deadline(case: &'static ProviderCase) {
    let mut c = Cell::start(case).await;
    c.fault().latency(SLOW);
    let sent = c.failing_round(ErrorKind::Transient, "slow").await;
    assert_eq!(
        sent, ATTEMPTS as usize,
        "{}: every attempt timed out",
        case.name
    );
    c.recovering_round("slow").await;
}

// ---------------------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------------------

async fn pagination_loop(case: &'static ProviderCase) {
    let mut c = Cell::start(case).await;
    c.fault().pagination_loop();
    let sent = c.failing_round(ErrorKind::PaginationLoop, "loop").await;
    assert_eq!(sent, 2, "{}: the second page shows the loop", case.name);
    c.recovering_round("loop").await;
}

async fn endless_pagination(case: &'static ProviderCase) {
    let mut c = Cell::start(case).await;
    c.fault().endless_pagination();
    let before = c.faulted_requests();
    let sent = c.failing_round(ErrorKind::PageLimit, "endless").await;
    let want = match case.paging {
        Paging::Token => MAX_PAGES as usize,
        Paging::Total => 1,
    };
    assert_eq!(sent, want, "{}: stopped at the cap", case.name);
    assert!(c.faulted_requests() - before == want);
    c.recovering_round("endless").await;
}

// ---------------------------------------------------------------------------------------
// Wrong documents
// ---------------------------------------------------------------------------------------

async fn wrong_shaped_200(case: &'static ProviderCase) {
    let mut c = Cell::start(case).await;
    for shape in (case.wrong_shapes)() {
        c.fault()
            .raw_body(Trigger::Always, shape.content_type, shape.body.clone());
        let sent = c.failing_round(shape.kind, shape.name).await;
        assert_eq!(sent, 1, "{} {}: never retried", case.name, shape.name);
        c.sim.faults().clear();
    }
    c.recovering_round("wrong shape").await;
}

async fn oversized_body(case: &'static ProviderCase) {
    let mut c = Cell::start(case).await;
    let (content_type, body) = big_document(case.format, MAX_RESPONSE_BYTES as usize + 1);
    c.fault().raw_body(Trigger::Always, content_type, body);
    let sent = c.failing_round(ErrorKind::Decode, "oversized").await;
    assert_eq!(sent, 1, "{}: not retried", case.name);
    c.recovering_round("oversized").await;
}

async fn deep_nesting(case: &'static ProviderCase) {
    let mut c = Cell::start(case).await;
    let (content_type, body) = deep_document(case.format, 4_000);
    c.fault().raw_body(Trigger::Always, content_type, body);
    let sent = c.failing_round(ErrorKind::Decode, "deep").await;
    assert_eq!(sent, 1, "{}: not retried", case.name);
    c.recovering_round("deep").await;
}

// ---------------------------------------------------------------------------------------
// Authentication: the first refusal stops the account's round
// ---------------------------------------------------------------------------------------

/// Checks a round stopped by an authentication refusal: every failure is one, nothing
/// is removed, every failed (region, kind) kept its snapshot, every success is exact.
async fn assert_stopped(
    c: &Cell,
    report: &SyncReport,
    before: &BTreeMap<(String, String), Snapshot>,
    added: &BTreeMap<String, String>,
    cell: &str,
) {
    let name = format!("{} {cell}", c.case.name);
    assert!(report.failures().count() > 0, "{name}");
    assert!(
        report.failures().all(|(_, _, e)| e.is_auth_failure()),
        "{name}: {:?}",
        describe(report)
    );
    assert_eq!(report.totals().removed, 0, "{name}: zero removals");
    let after = c.all_stored().await;
    for job in &report.jobs {
        let key = (job.region.clone(), job.kind.clone());
        match &job.result {
            Err(_) => assert_eq!(after.get(&key), before.get(&key), "{name}: {key:?} kept"),
            Ok(success) => {
                let got: BTreeSet<String> = success.diff.added.iter().map(id_of).collect();
                let want: BTreeSet<String> = match job.kind.as_str() {
                    "host" => added.get(&job.region).cloned().into_iter().collect(),
                    _ => BTreeSet::new(),
                };
                // The faulted region may have succeeded before the refusal: its unseen
                // hosts then arrived too.
                if job.region == c.faulted && job.kind == "host" {
                    assert!(got.is_superset(&want), "{name}");
                } else {
                    assert_eq!(got, want, "{name}: {key:?}");
                }
            }
        }
    }
}

/// Runs `engine.sync_now` and, once the first host request of the round has been received
/// (it is in flight: every host answer is delayed), applies `change`.
async fn round_changed_midway(c: &Cell, change: impl FnOnce(&Cell)) -> SyncReport {
    c.sim
        .faults()
        .on(c.hosts())
        .latency(Duration::from_millis(150));
    let start = c.sim.count(c.hosts());
    let engine = c.engine.clone();
    let round = tokio::spawn(async move { engine.sync_now(HOST).await });
    while c.sim.count(c.hosts()) == start {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    change(c);
    let report = round.await.expect("the round completes");
    c.sim.faults().clear();
    report
}

async fn key_disabled_mid_sync(case: &'static ProviderCase) {
    key_refused_mid_sync(
        case,
        "disabled",
        |c| assert!(c.sim.keys().set_status(&c.key.id, KeyStatus::Disabled)),
        |c| assert!(c.sim.keys().set_status(&c.key.id, KeyStatus::Active)),
        None,
    )
    .await;
}

async fn key_deleted_mid_sync(case: &'static ProviderCase) {
    key_refused_mid_sync(
        case,
        "deleted",
        |c| assert!(c.sim.keys().remove(&c.key.id).is_some()),
        |c| c.sim.keys().insert(c.key.clone()),
        Some(ErrorKind::InvalidCredential),
    )
    .await;
}

/// The key refused (`refuse`) once the round's first host request is in flight: at most the
/// requests in flight are refused, then nothing is sent until the next round, whose region
/// call is refused (`kind`, when given) and stops it; verify stops at the refusal; after
/// `restore`, a new engine catches everything up.
async fn key_refused_mid_sync(
    case: &'static ProviderCase,
    what: &str,
    refuse: fn(&Cell),
    restore: fn(&Cell),
    kind: Option<ErrorKind>,
) {
    let mut c = Cell::start(case).await;
    let before = c.all_stored().await;
    let added = c.grow();
    let refused = c.refused();
    let report = round_changed_midway(&c, refuse).await;
    // A request already handed to the connection when the round stopped cannot be recalled:
    // it may land just after the round returns. Let those land, then count.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let refused_in_round = c.refused() - refused;
    eprintln!(
        "{}: sync with the key {what} midway: {refused_in_round} refused, {} jobs failed",
        case.name,
        report.failures().count()
    );
    assert!(
        (1..=CONCURRENCY).contains(&refused_in_round),
        "{}: at most the {CONCURRENCY} requests in flight are refused, got {refused_in_round}",
        case.name
    );
    assert_stopped(&c, &report, &before, &added, what).await;
    // Nothing more is sent with the key after the round.
    let total = c.sim.count("*");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        c.sim.count("*"),
        total,
        "{}: silent after the round",
        case.name
    );

    // The next round: its region call is refused once and stops it.
    let before = c.all_stored().await;
    let report = c.engine.sync_now(HOST).await;
    assert_eq!(
        c.sim.count("*") - total,
        case.dead_round_requests,
        "{}: requests of a dead round",
        case.name
    );
    let regions_error = report
        .regions_error
        .as_ref()
        .expect("the region call was refused");
    assert!(regions_error.is_auth_failure(), "{}", case.name);
    if let Some(kind) = kind {
        assert_eq!(regions_error.kind(), kind, "{}", case.name);
    }
    assert!(
        report.jobs.iter().all(|j| j.kind != "host"),
        "no regional job"
    );
    assert!(report.failures().all(|(_, _, e)| e.is_auth_failure()));
    assert_eq!(
        c.all_stored().await,
        before,
        "{}: nothing stored",
        case.name
    );

    // Verify stops at the first refusal too.
    let total = c.sim.count("*");
    let status = c.engine.check_credentials().await.expect("verify runs");
    assert!(
        matches!(status.credential, CredentialStatus::Invalid { .. }),
        "{}: {:?}",
        case.name,
        status.credential
    );
    assert_eq!(
        c.sim.count("*") - total,
        case.dead_verify_requests,
        "{}: verify stops at the refusal",
        case.name
    );

    // Usable again: the next engine (a restart, or the next credential check) catches
    // everything up.
    restore(&c);
    c.unseen.clear();
    c.engine = Cell::engine_for(case, &c.sim, &c.key, None, &c.store);
    let report = c.engine.sync_now(HOST).await;
    assert!(
        report.is_complete(),
        "{}: {:?}",
        case.name,
        describe(&report)
    );
    assert_eq!(report.totals().removed, 0);
    let inventory = c.engine.inventory().await.expect("inventory");
    for region in &c.regions {
        let held: BTreeSet<String> = inventory
            .snapshot(region, "host")
            .expect("stored")
            .items
            .values()
            .map(id_of)
            .collect();
        assert!(
            held.contains(&added[region]),
            "{}: {region} caught up",
            case.name
        );
    }
}

async fn permission_removed_mid_sync(case: &'static ProviderCase) {
    let mut c = Cell::start(case).await;
    let before = c.all_stored().await;
    let added = c.grow();
    let refused = c.refused();
    let hosts = case.hosts_endpoint;
    let report = round_changed_midway(&c, |c| {
        assert!(c
            .sim
            .keys()
            .set_permissions(&c.key.id, Permissions::all_except([hosts])));
    })
    .await;
    let name = format!("{} permission removed", case.name);
    // A denial is not an authentication refusal: the round goes on, and each host job
    // that had not finished fails on its own, once.
    let failed: Vec<(&str, &str, ErrorKind)> = report
        .failures()
        .map(|(r, k, e)| (r, k, e.kind()))
        .collect();
    assert!(!failed.is_empty(), "{name}");
    assert!(
        failed
            .iter()
            .all(|(_, k, e)| *k == "host" && *e == ErrorKind::PermissionDenied),
        "{name}: {:?}",
        describe(&report)
    );
    assert_eq!(
        c.refused() - refused,
        failed.len(),
        "{name}: one refusal per job"
    );
    assert_eq!(report.totals().removed, 0, "{name}");
    let after = c.all_stored().await;
    for (region, kind, _) in &failed {
        let key = (region.to_string(), kind.to_string());
        assert_eq!(after.get(&key), before.get(&key), "{name}: {key:?} kept");
    }
    for job in report
        .jobs
        .iter()
        .filter(|j| j.result.is_ok() && j.kind == "host")
    {
        let diff = report.diff(&job.region, "host").expect("ok");
        let got: BTreeSet<String> = diff.added.iter().map(id_of).collect();
        assert_eq!(got, BTreeSet::from([added[&job.region].clone()]), "{name}");
    }
    // Granted again: every region catches up.
    assert!(c.sim.keys().set_permissions(&c.key.id, Permissions::All));
    let report = c.engine.sync_now(HOST).await;
    assert!(report.is_complete(), "{name}: {:?}", describe(&report));
    assert_eq!(report.totals().removed, 0, "{name}");
    let inventory = c.engine.inventory().await.expect("inventory");
    for region in &c.regions {
        let held = inventory.snapshot(region, "host").expect("stored");
        assert!(
            held.items.values().any(|i| id_of(i) == added[region]),
            "{name}: {region} caught up"
        );
    }
    c.unseen.clear();
}

async fn clock_skew(case: &'static ProviderCase) {
    let mut c = Cell::start(case).await;
    // A client clock an hour ahead: the first request of the round is refused and stops it.
    let skewed_clock = ManualClock::new(SystemClock.now() + Duration::from_secs(3600));
    let skewed = Cell::engine_for(case, &c.sim, &c.key, Some(Arc::new(skewed_clock)), &c.store);
    let before = c.all_stored().await;
    let total = c.sim.count("*");
    let report = skewed.sync_now(HOST).await;
    assert_eq!(
        c.sim.count("*") - total,
        1,
        "{}: one refused request",
        case.name
    );
    let e = report
        .regions_error
        .as_ref()
        .expect("the region call is refused");
    assert_eq!(e.kind(), case.skew_kind, "{}: {}", case.name, e.report());
    assert!(report
        .failures()
        .all(|(_, _, e)| e.kind() == case.skew_kind));
    assert_eq!(
        c.all_stored().await,
        before,
        "{}: nothing stored",
        case.name
    );

    // The server's clock-skew answer in one region mid-round stops the round there.
    let before = c.all_stored().await;
    let added = c.grow();
    c.fault().clock_skew(Trigger::Always);
    let sent = c.faulted_requests();
    let report = c.engine.sync_now(HOST).await;
    assert_eq!(
        c.faulted_requests() - sent,
        1,
        "{}: refused once",
        case.name
    );
    assert!(report
        .failures()
        .any(|(r, k, e)| r == c.faulted && k == "host" && e.kind() == case.skew_kind));
    assert_stopped(&c, &report, &before, &added, "clock skew").await;
    c.sim.faults().clear();
    c.unseen.clear();
    // Clocks agree again: a new engine (Huawei's client remembers a refused key) catches up.
    c.engine = Cell::engine_for(case, &c.sim, &c.key, None, &c.store);
    let report = c.engine.sync_now(HOST).await;
    assert!(
        report.is_complete(),
        "{}: {:?}",
        case.name,
        describe(&report)
    );
    let inventory = c.engine.inventory().await.expect("inventory");
    for region in &c.regions {
        let held = inventory.snapshot(region, "host").expect("stored");
        assert!(
            held.items.values().any(|i| id_of(i) == added[region]),
            "{}",
            case.name
        );
    }
}

/// A key disabled while verify probes its kinds: the probes in flight are refused, the
/// others are never sent and are reported as not checked.
async fn verify_stops_at_the_first_refusal(case: &'static ProviderCase) {
    let c = Cell::start(case).await;
    let features: &[&dyn Feature] = &[&StandardFeature::Host, &StandardFeature::Cspm];
    let provider = c.engine.provider().clone();
    let kinds = provider.kinds_of(features).len();
    assert!(
        kinds > PROBE_CONCURRENCY + 2,
        "{}: {kinds} kinds",
        case.name
    );
    // Healthy: the identity call and one probe per kind with a listing action.
    let healthy = provider.verify(features).await.expect("verify runs");
    assert!(healthy
        .kinds
        .iter()
        .all(|k| !matches!(k.read, Access::NotChecked { .. })));

    c.sim.faults().on("*").latency(Duration::from_millis(60));
    let start = c.sim.count("*");
    let refused = c.refused();
    let verify = tokio::spawn(async move { provider.verify(features).await });
    // Disabled once the identity call and the first probes are on their way.
    while c.sim.count("*") < start + 3 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert!(c.sim.keys().set_status(&c.key.id, KeyStatus::Disabled));
    let at_disable = c.sim.count("*");
    let report = verify.await.expect("joins").expect("verify runs");
    let sent_after = c.sim.count("*") - at_disable;
    let refused = c.refused() - refused;
    eprintln!(
        "{}: verify with the key disabled midway: {refused} refused, {sent_after} sent after \
         the disable, {kinds} kinds",
        case.name
    );
    assert!(refused >= 1, "{}: the disable was seen", case.name);
    // One request per probe in flight: never more refusals than probes run at once (Huawei
    // locks a key after more than five in a row).
    assert!(
        refused <= PROBE_CONCURRENCY,
        "{}: at most the {PROBE_CONCURRENCY} probes in flight are refused, got {refused}",
        case.name
    );
    assert!(
        sent_after <= PROBE_CONCURRENCY + 1,
        "{}: {sent_after}",
        case.name
    );
    // Probes not sent after the refusal are "not checked"; those the provider refused
    // locally (Huawei remembers a refused key) fail with the refusal. Neither reads as a grant
    // or a denial. (Kinds sharing one action are probed once, so with few distinct probes all
    // of them may already be in flight when the key is disabled.)
    let refusal_seen = report
        .kinds
        .iter()
        .filter(|k| match &k.read {
            Access::NotChecked { .. } => true,
            Access::Failed { kind, .. } => matches!(
                kind,
                ErrorKind::InvalidCredential | ErrorKind::CredentialDisabled
            ),
            _ => false,
        })
        .count();
    assert!(
        refusal_seen > 0,
        "{}: the refusal shows in the kinds not probed to the end",
        case.name
    );
    c.sim.faults().clear();
}

/// One test per (provider, scenario): `provider_name => CASE;` adds a provider.
macro_rules! fault_matrix {
    ($($provider:ident => $case:path;)*) => {$(
        mod $provider {
            use super::*;

            #[tokio::test]
            async fn throttle_storm() { super::throttle_storm(&$case).await }
            #[tokio::test]
            async fn server_errors() { super::server_errors(&$case).await }
            #[tokio::test]
            async fn connection_reset() { super::connection_reset(&$case).await }
            #[tokio::test]
            async fn truncated_body() { super::truncated_body(&$case).await }
            #[tokio::test]
            async fn slow_beyond_the_deadline() { super::slow_beyond_the_deadline(&$case).await }
            #[tokio::test]
            async fn pagination_loop() { super::pagination_loop(&$case).await }
            #[tokio::test]
            async fn endless_pagination() { super::endless_pagination(&$case).await }
            #[tokio::test]
            async fn wrong_shaped_200() { super::wrong_shaped_200(&$case).await }
            #[tokio::test]
            async fn oversized_body() { super::oversized_body(&$case).await }
            #[tokio::test]
            async fn deep_nesting() { super::deep_nesting(&$case).await }
            #[tokio::test]
            async fn key_disabled_mid_sync() { super::key_disabled_mid_sync(&$case).await }
            #[tokio::test]
            async fn key_deleted_mid_sync() { super::key_deleted_mid_sync(&$case).await }
            #[tokio::test]
            async fn permission_removed_mid_sync() {
                super::permission_removed_mid_sync(&$case).await
            }
            #[tokio::test]
            async fn clock_skew() { super::clock_skew(&$case).await }
            #[tokio::test]
            async fn verify_stops_at_the_first_refusal() {
                super::verify_stops_at_the_first_refusal(&$case).await
            }
        }
    )*};
}

fault_matrix! {
    aws => fault_matrix_support::AWS;
    tencent => fault_matrix_support::TENCENT;
    huawei => fault_matrix_support::HUAWEI;
    baidu => fault_matrix_support::BAIDU;
    ctyun => fault_matrix_support::CTYUN;
}

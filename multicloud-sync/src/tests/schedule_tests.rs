//! run(): schedules under paused tokio time.

use std::sync::Arc;
use std::time::Duration;

use multicloud_core::{CredentialStatus, StandardFeature};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::{sleep, Instant};

use super::engine_tests::{drain, engine_with};
use super::fake::{Counters, FakeCloud};
use crate::{DefaultSyncPolicy, Interval, MemoryStore, SyncEngine, SyncEvent};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

fn start(engine: &SyncEngine) -> (oneshot::Sender<()>, JoinHandle<()>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let runner = engine.clone();
    let handle = tokio::spawn(async move {
        runner
            // A dropped sender also means stop.
            .run(async { stopped.await.unwrap_or(()) })
            .await;
    });
    (stop, handle)
}

fn policy(host: Interval, cspm: Interval, credentials: Interval) -> DefaultSyncPolicy {
    DefaultSyncPolicy::default()
        .with_host_interval(host)
        .with_cspm_interval(cspm)
        .with_credential_check_interval(credentials)
}

#[tokio::test(start_paused = true)]
async fn hourly_hosts_run_three_more_times_in_three_hours_and_off_never_runs() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1"], 1);
    let engine = engine_with(
        &cloud,
        policy(Interval::Hours1, Interval::Off, Interval::Off),
        Arc::new(MemoryStore::new()),
    );
    let (stop, handle) = start(&engine);
    sleep(MINUTE).await;
    assert_eq!(
        Counters::get(&cloud.counters.host_listings),
        1,
        "runs at start"
    );
    sleep(3 * HOUR).await;
    assert_eq!(
        Counters::get(&cloud.counters.host_listings),
        4,
        "then once per hour"
    );
    assert_eq!(Counters::get(&cloud.counters.resource_listings), 0);
    assert_eq!(Counters::get(&cloud.counters.global_listings), 0);
    assert_eq!(Counters::get(&cloud.counters.verify_calls), 0);
    stop.send(()).unwrap();
    handle.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn each_feature_and_the_key_check_follow_their_own_interval() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1", "r2"], 1);
    cloud.world().credential = Some(CredentialStatus::Valid);
    let engine = engine_with(
        &cloud,
        policy(Interval::Hours3, "90m".parse().unwrap(), Interval::Hours6),
        Arc::new(MemoryStore::new()),
    );
    let mut rx = engine.subscribe();
    let (stop, handle) = start(&engine);
    sleep(12 * HOUR + MINUTE).await;
    stop.send(()).unwrap();
    handle.await.unwrap();
    // Hosts at 0,3,6,9,12h (x2 regions); CSPM at 0,1.5,...,12h (9 rounds, x2 regions x 2
    // regional kinds); key checks at 0,6,12h.
    assert_eq!(Counters::get(&cloud.counters.host_listings), 5 * 2);
    assert_eq!(Counters::get(&cloud.counters.resource_listings), 9 * 2 * 2);
    assert_eq!(Counters::get(&cloud.counters.global_listings), 9);
    assert_eq!(Counters::get(&cloud.counters.verify_calls), 3);
    let events = drain(&mut rx);
    // Features due together share a round: 0,3,6,9,12h have both, plus 4 CSPM-only rounds.
    let rounds = events
        .iter()
        .filter(|e| matches!(e, SyncEvent::RoundStarted { .. }))
        .count();
    assert_eq!(rounds, 9);
    let changes = events
        .iter()
        .filter(|e| matches!(e, SyncEvent::CredentialStatusChanged { .. }))
        .count();
    assert_eq!(changes, 1, "only the first check changes the status");
}

#[tokio::test(start_paused = true)]
async fn a_round_longer_than_the_interval_skips_missed_ticks() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1"], 1);
    cloud.world().listing_delay = 90 * MINUTE;
    let engine = engine_with(
        &cloud,
        policy(Interval::Hours1, Interval::Off, Interval::Off),
        Arc::new(MemoryStore::new()),
    );
    let (stop, handle) = start(&engine);
    // Rounds start at 0h (ends 1.5h), 2h (ends 3.5h), 4h: the 1h and 3h ticks are skipped.
    sleep(5 * HOUR).await;
    assert_eq!(Counters::get(&cloud.counters.host_listings), 3);
    stop.send(()).unwrap();
    handle.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn shutdown_interrupts_a_long_round_promptly() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1"], 1);
    cloud.world().listing_delay = 10 * HOUR;
    let engine = engine_with(
        &cloud,
        policy(Interval::Hours1, Interval::Off, Interval::Off),
        Arc::new(MemoryStore::new()),
    );
    let (stop, handle) = start(&engine);
    sleep(MINUTE).await;
    let asked = Instant::now();
    stop.send(()).unwrap();
    handle.await.unwrap();
    assert_eq!(
        Instant::now(),
        asked,
        "no time passes between the request and the stop"
    );
    assert!(
        engine.inventory().await.unwrap().is_empty(),
        "the cancelled job stored nothing"
    );
}

#[tokio::test(start_paused = true)]
async fn with_everything_off_run_just_waits_for_shutdown() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1"], 1);
    let engine = engine_with(
        &cloud,
        policy(Interval::Off, Interval::Off, Interval::Off),
        Arc::new(MemoryStore::new()),
    );
    let (stop, handle) = start(&engine);
    sleep(30 * 24 * HOUR).await;
    assert_eq!(Counters::get(&cloud.counters.host_listings), 0);
    assert!(!handle.is_finished());
    stop.send(()).unwrap();
    handle.await.unwrap();
    // sync_now still works on demand.
    let report = engine.sync_now(&[&StandardFeature::Host]).await;
    assert!(report.is_complete());
}

//! sync_now: diffs, failure retention, regions, credentials, accounts, concurrency.

use std::sync::Arc;
use std::time::Duration;

use multicloud_core::{
    CredentialStatus, ErrorKind, Feature, HostState, ManualClock, RegionSelection, RegionStatus,
    StandardFeature, SyncPolicy,
};
use tokio::sync::broadcast;

use super::fake::{host, resource, Counters, FakeCloud, T0};
use crate::{
    DefaultSyncPolicy, Interval, ItemKey, MemoryStore, SnapshotStore, SyncEngine, SyncEvent,
    GLOBAL_REGION,
};

const HOST: &dyn Feature = &StandardFeature::Host;
const CSPM: &dyn Feature = &StandardFeature::Cspm;
const HOSTS: &str = "host";

pub(crate) fn engine_with(
    cloud: &FakeCloud,
    policy: DefaultSyncPolicy,
    store: Arc<dyn SnapshotStore>,
) -> SyncEngine {
    SyncEngine::builder(cloud.arc(), Arc::new(policy))
        .with_store(store)
        .with_clock(Arc::new(ManualClock::new(T0)))
        .build()
        .unwrap()
}

fn engine(cloud: &FakeCloud) -> SyncEngine {
    engine_with(
        cloud,
        DefaultSyncPolicy::default(),
        Arc::new(MemoryStore::new()),
    )
}

pub(crate) fn drain(rx: &mut broadcast::Receiver<SyncEvent>) -> Vec<SyncEvent> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

fn host_key(id: &str) -> ItemKey {
    ItemKey::Host { id: id.into() }
}

#[tokio::test]
async fn the_first_sync_reports_everything_as_added() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["us-east-1", "eu-west-1"], 2);
    let engine = engine(&cloud);
    let report = engine.sync_now(&[HOST]).await;
    assert!(report.is_complete());
    assert_eq!(report.jobs.len(), 2);
    // Jobs come back sorted by region.
    assert_eq!(report.jobs[0].region, "eu-west-1");
    let d = report.diff("us-east-1", HOSTS).unwrap();
    assert_eq!(
        d.added_keys(),
        [host_key("us-east-1-h1"), host_key("us-east-1-h2")]
    );
    assert!(d.removed.is_empty() && d.changed.is_empty());
    assert_eq!(report.totals().added, 4);
    let inv = engine.inventory().await.unwrap();
    assert_eq!(inv.hosts().count(), 4);
    assert_eq!(inv.regions(), ["eu-west-1", "us-east-1"]);
    assert_eq!(inv.snapshot("us-east-1", HOSTS).unwrap().synced_at, T0);
}

#[tokio::test]
async fn a_second_sync_reports_the_exact_diff() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1", "r2"], 3);
    let engine = engine(&cloud);
    engine.sync_now(&[HOST]).await;
    {
        let mut w = cloud.world();
        let hosts = w.hosts.get_mut("r1").unwrap();
        hosts.retain(|h| h.id != "r1-h1");
        hosts[0].state = HostState::Stopped;
        hosts[0].tags.insert("env".into(), "prod".into());
        hosts.push(host("r1", "r1-h9"));
    }
    let mut rx = engine.subscribe();
    let report = engine.sync_now(&[HOST]).await;
    let d = report.diff("r1", HOSTS).unwrap();
    assert_eq!(d.added_keys(), [host_key("r1-h9")]);
    assert_eq!(d.removed_keys(), [host_key("r1-h1")]);
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.changed[0].key, host_key("r1-h2"));
    assert_eq!(d.changed[0].fields, ["state", "tags"]);
    assert!(report.diff("r2", HOSTS).unwrap().is_empty());

    let synced: Vec<_> = drain(&mut rx)
        .into_iter()
        .filter_map(|e| match e {
            SyncEvent::Synced { region, stats, .. } => Some((
                region,
                stats.added,
                stats.removed,
                stats.changed,
                stats.items,
            )),
            _ => None,
        })
        .collect();
    assert!(synced.contains(&("r1".into(), 1, 1, 1, 3)), "{synced:?}");
    assert!(synced.contains(&("r2".into(), 0, 0, 0, 3)), "{synced:?}");

    // History holds the non-empty diffs, newest first.
    let history = engine.diffs(10).await.unwrap();
    assert_eq!(history.len(), 3, "two first-sync diffs and one change diff");
    assert_eq!(history[0].region, "r1");
    assert_eq!(history[0].diff, *d);
}

#[tokio::test]
async fn a_failed_region_keeps_its_snapshot_and_reports_no_removals() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1", "r2"], 3);
    let engine = engine(&cloud);
    engine.sync_now(&[HOST]).await;
    let before = engine.inventory().await.unwrap();
    {
        let mut w = cloud.world();
        // r1 loses two hosts, but its listing breaks after the first page.
        w.hosts.get_mut("r1").unwrap().truncate(1);
        w.failing.insert(("r1".into(), HOSTS.into()));
        w.hosts.get_mut("r2").unwrap().push(host("r2", "r2-new"));
    }
    let mut rx = engine.subscribe();
    let report = engine.sync_now(&[HOST]).await;
    assert!(!report.is_complete());
    let failures: Vec<_> = report
        .failures()
        .map(|(r, f, e)| (r.to_owned(), f, e.kind()))
        .collect();
    assert_eq!(failures, [("r1".to_owned(), HOSTS, ErrorKind::Transient)]);
    assert!(report.diff("r1", HOSTS).is_none());
    // The other region's result is not discarded.
    assert_eq!(
        report.diff("r2", HOSTS).unwrap().added_keys(),
        [host_key("r2-new")]
    );

    let after = engine.inventory().await.unwrap();
    assert_eq!(after.snapshot("r1", HOSTS), before.snapshot("r1", HOSTS));
    let events = drain(&mut rx);
    assert!(events.iter().any(|e| matches!(e,
        SyncEvent::SyncFailed { region: Some(r), kind: Some(k), error, .. }
            if k == HOSTS && r == "r1" && error.kind() == ErrorKind::Transient)));
    assert!(!events.iter().any(|e| matches!(e,
        SyncEvent::Synced { region, diff, .. } if region == "r1" || !diff.removed.is_empty())));

    // Once the listing completes again, the removals are reported.
    cloud.world().failing.clear();
    let report = engine.sync_now(&[HOST]).await;
    assert_eq!(
        report.diff("r1", HOSTS).unwrap().removed_keys(),
        [host_key("r1-h2"), host_key("r1-h3")]
    );
}

#[tokio::test]
async fn a_failed_region_listing_keeps_every_snapshot_and_still_syncs_global() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1"], 2);
    cloud.world().resources.insert(
        GLOBAL_REGION.into(),
        vec![resource(GLOBAL_REGION, "iam", "user", "alice")],
    );
    let engine = engine(&cloud);
    engine.sync_now(&[HOST, CSPM]).await;
    let before = engine.inventory().await.unwrap();
    cloud.world().regions_fail = true;
    let mut rx = engine.subscribe();
    let report = engine.sync_now(&[HOST, CSPM]).await;
    assert_eq!(
        report.regions_error.as_ref().unwrap().kind(),
        ErrorKind::Throttled
    );
    assert_eq!(report.jobs.len(), 1);
    assert_eq!(report.jobs[0].region, GLOBAL_REGION);
    assert!(report.jobs[0].result.is_ok());
    assert_eq!(engine.inventory().await.unwrap(), before);
    let events = drain(&mut rx);
    assert!(events.iter().any(|e| matches!(
        e,
        SyncEvent::SyncFailed {
            region: None,
            kind: None,
            ..
        }
    )));
    assert!(events.iter().any(|e| matches!(
        e,
        SyncEvent::RoundFinished {
            succeeded: 1,
            failed: 1,
            ..
        }
    )));
}

#[tokio::test]
async fn cspm_syncs_regional_and_global_resources() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1"], 1);
    {
        let mut w = cloud.world();
        w.resources.insert(
            "r1".into(),
            vec![
                resource("r1", "s3", "bucket", "b1"),
                resource("r1", "rds", "db_instance", "b1"),
            ],
        );
        w.resources.insert(
            GLOBAL_REGION.into(),
            vec![resource(GLOBAL_REGION, "iam", "user", "alice")],
        );
    }
    let engine = engine(&cloud);
    let report = engine.sync_now(&[CSPM]).await;
    assert!(report.is_complete());
    // Same id, different service: two kinds, one item each.
    assert_eq!(report.diff("r1", "s3.bucket").unwrap().added.len(), 1);
    assert_eq!(report.diff("r1", "rds.db_instance").unwrap().added.len(), 1);
    assert_eq!(
        report.diff(GLOBAL_REGION, "iam.user").unwrap().added.len(),
        1
    );
    assert_eq!(Counters::get(&cloud.counters.host_listings), 0);
    let inv = engine.inventory().await.unwrap();
    assert_eq!(inv.resources().count(), 3);
    assert_eq!(inv.regions(), [GLOBAL_REGION, "r1"]);
}

#[tokio::test]
async fn unsupported_and_non_inventory_features_are_skipped() {
    let cloud = FakeCloud::new("cspm-only").with_features(&[StandardFeature::Cspm]);
    cloud.seed(&["r1"], 1);
    let engine = engine(&cloud);
    let report = engine
        .sync_now(&[&StandardFeature::Response, HOST, CSPM])
        .await;
    assert_eq!(report.features, ["cspm"]);
    assert_eq!(report.skipped, ["response", "host"]);
    assert_eq!(Counters::get(&cloud.counters.host_listings), 0);
    // One listing per regional resource kind.
    assert_eq!(Counters::get(&cloud.counters.resource_listings), 2);
}

#[tokio::test]
async fn a_new_region_is_announced_and_synced_with_region_management() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1"], 1);
    let engine = engine(&cloud);
    let mut rx = engine.subscribe();
    engine.sync_now(&[HOST]).await;
    assert!(
        !drain(&mut rx)
            .iter()
            .any(|e| matches!(e, SyncEvent::RegionDiscovered { .. })),
        "baseline"
    );
    cloud.seed(&["r2"], 2);
    let report = engine.sync_now(&[HOST]).await;
    assert_eq!(report.discovered.len(), 1);
    assert_eq!(report.diff("r2", HOSTS).unwrap().added.len(), 2);
    let events = drain(&mut rx);
    let found: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            SyncEvent::RegionDiscovered {
                region, included, ..
            } => Some((region.id.clone(), *included)),
            _ => None,
        })
        .collect();
    assert_eq!(found, [("r2".to_owned(), true)]);
    // Announced once only.
    engine.sync_now(&[HOST]).await;
    assert!(!drain(&mut rx)
        .iter()
        .any(|e| matches!(e, SyncEvent::RegionDiscovered { .. })));
}

#[tokio::test]
async fn without_region_management_a_new_region_is_reported_but_not_synced() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1"], 1);
    let policy = DefaultSyncPolicy::default().with_include_new_regions(false);
    let engine = engine_with(&cloud, policy, Arc::new(MemoryStore::new()));
    engine.sync_now(&[HOST]).await;
    cloud.seed(&["r2"], 1);
    let mut rx = engine.subscribe();
    let report = engine.sync_now(&[HOST]).await;
    assert_eq!(report.discovered.len(), 1);
    assert!(report.job("r2", HOSTS).is_none());
    assert!(drain(&mut rx).iter().any(|e| matches!(e,
        SyncEvent::RegionDiscovered { region, included: false, .. } if region.id == "r2")));
    // Still not synced next time, and not announced again.
    let report = engine.sync_now(&[HOST]).await;
    assert!(report.job("r2", HOSTS).is_none());
    assert!(report.discovered.is_empty());
}

#[tokio::test]
async fn only_selected_scannable_regions_are_synced() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["a", "b", "c"], 1);
    cloud.world().regions[2].status = RegionStatus::NotOptedIn;
    let policy = DefaultSyncPolicy::default()
        .with_regions(RegionSelection::Only(vec!["b".into(), "c".into()]));
    let engine = engine_with(&cloud, policy, Arc::new(MemoryStore::new()));
    let report = engine.sync_now(&[HOST]).await;
    let regions: Vec<_> = report.jobs.iter().map(|j| j.region.as_str()).collect();
    assert_eq!(regions, ["b"]);
}

#[tokio::test]
async fn credential_status_changes_are_announced_once_each() {
    let cloud = FakeCloud::new("prod");
    let engine = engine(&cloud);
    let mut rx = engine.subscribe();
    cloud.world().credential = Some(CredentialStatus::Valid);
    engine.check_credentials().await.unwrap();
    engine.check_credentials().await.unwrap();
    let invalid = CredentialStatus::Invalid {
        kind: ErrorKind::CredentialDisabled,
        code: Some("InvalidClientTokenId".into()),
        diagnosis: "the key is disabled".into(),
    };
    cloud.world().credential = Some(invalid.clone());
    engine.check_credentials().await.unwrap();
    cloud.world().credential = None; // the check itself cannot run
    assert_eq!(
        engine.check_credentials().await.unwrap_err().kind(),
        ErrorKind::Transient
    );

    let changes: Vec<_> = drain(&mut rx)
        .into_iter()
        .filter_map(|e| match e {
            SyncEvent::CredentialStatusChanged { from, to, .. } => Some((from, to)),
            _ => None,
        })
        .collect();
    assert_eq!(changes.len(), 3);
    assert_eq!(changes[0], (None, CredentialStatus::Valid));
    assert_eq!(changes[1], (Some(CredentialStatus::Valid), invalid.clone()));
    assert_eq!(changes[2].0, Some(invalid));
    assert!(matches!(
        changes[2].1,
        CredentialStatus::Unknown {
            kind: ErrorKind::Transient,
            ..
        }
    ));
    assert_eq!(Counters::get(&cloud.counters.verify_calls), 4);
    assert!(matches!(
        engine.credential_status(),
        Some(CredentialStatus::Unknown { .. })
    ));
}

#[tokio::test]
async fn two_accounts_of_one_provider_are_kept_apart() {
    let store: Arc<dyn SnapshotStore> = Arc::new(MemoryStore::new());
    let prod = FakeCloud::new("prod");
    prod.seed(&["r1"], 3);
    let dev = FakeCloud::new("dev");
    dev.seed(&["r1"], 1);
    let e_prod = engine_with(&prod, DefaultSyncPolicy::default(), Arc::clone(&store));
    let e_dev = engine_with(&dev, DefaultSyncPolicy::default(), Arc::clone(&store));
    e_prod.sync_now(&[HOST]).await;
    e_dev.sync_now(&[HOST]).await;
    assert_eq!(e_prod.inventory().await.unwrap().hosts().count(), 3);
    assert_eq!(e_dev.inventory().await.unwrap().hosts().count(), 1);
    // dev's sync must not have read prod's snapshot of the same region as its previous one.
    assert_eq!(e_dev.diffs(10).await.unwrap()[0].diff.added.len(), 1);
    let accounts: Vec<_> = store
        .accounts()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.account.to_string())
        .collect();
    assert_eq!(accounts, ["dev", "prod"]);
    store.delete_account(e_dev.account()).await.unwrap();
    assert!(e_dev.inventory().await.unwrap().is_empty());
    assert_eq!(e_prod.inventory().await.unwrap().hosts().count(), 3);
}

#[tokio::test(start_paused = true)]
async fn concurrency_is_bounded() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["a", "b", "c", "d", "e", "f"], 1);
    cloud.world().listing_delay = Duration::from_secs(1);
    let engine = SyncEngine::builder(cloud.arc(), Arc::new(DefaultSyncPolicy::default()))
        .with_concurrency(3)
        .build()
        .unwrap();
    let report = engine.sync_now(&[HOST, CSPM]).await;
    assert_eq!(
        report.jobs.len(),
        19,
        "6 regions x (hosts + 2 regional kinds) + 1 global kind"
    );
    assert!(report.is_complete());
    assert_eq!(Counters::get(&cloud.counters.max_in_flight), 3);
    // 19 one-second jobs, three at a time: seven waves.
    assert_eq!(report.elapsed, Duration::from_secs(7));
}

#[tokio::test(start_paused = true)]
async fn by_default_every_job_runs_at_once_as_its_own_task() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["a", "b", "c", "d", "e", "f"], 1);
    cloud.world().listing_delay = Duration::from_secs(1);
    let engine = SyncEngine::builder(cloud.arc(), Arc::new(DefaultSyncPolicy::default()))
        .build()
        .unwrap();
    let report = engine.sync_now(&[HOST, CSPM]).await;
    assert!(report.is_complete());
    assert_eq!(report.jobs.len(), 19);
    assert_eq!(Counters::get(&cloud.counters.max_in_flight), 19);
    // 19 one-second jobs at once: one wave.
    assert_eq!(report.elapsed, Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn a_dropped_round_stops_its_jobs() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["a", "b"], 1);
    cloud.world().listing_delay = Duration::from_secs(10);
    let engine = engine(&cloud);
    let round = tokio::time::timeout(Duration::from_secs(1), engine.sync_now(&[HOST])).await;
    assert!(round.is_err(), "the round was cut short");
    // The spawned jobs were aborted with it: nothing is stored even after they would have
    // finished.
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert!(engine.inventory().await.unwrap().is_empty());
    assert_eq!(Counters::get(&cloud.counters.in_flight), 0);
}

#[tokio::test]
async fn progress_events_bracket_every_job() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1", "r2"], 1);
    cloud.world().failing.insert(("r2".into(), HOSTS.into()));
    let engine = engine(&cloud);
    let mut rx = engine.subscribe();
    engine.sync_now(&[HOST]).await;
    let events = drain(&mut rx);
    assert!(matches!(
        &events[0],
        SyncEvent::RoundStarted { jobs: 2, .. }
    ));
    assert!(matches!(
        events.last().unwrap(),
        SyncEvent::RoundFinished {
            succeeded: 1,
            failed: 1,
            ..
        }
    ));
    let started = events
        .iter()
        .filter(|e| matches!(e, SyncEvent::JobStarted { .. }))
        .count();
    let finished = events
        .iter()
        .filter(|e| matches!(e, SyncEvent::Synced { .. } | SyncEvent::SyncFailed { .. }))
        .count();
    assert_eq!((started, finished), (2, 2));
    assert!(events.iter().all(|e| e.account() == engine.account()));
}

#[derive(Debug)]
struct ZeroPolicy;

impl SyncPolicy for ZeroPolicy {
    fn regions(&self) -> RegionSelection {
        RegionSelection::All
    }
    fn include_new_regions(&self) -> bool {
        true
    }
    fn interval(&self, feature: &str) -> Option<Duration> {
        (feature == "host").then_some(Duration::ZERO)
    }
    fn credential_check_interval(&self) -> Option<Duration> {
        None
    }
}

#[test]
fn the_builder_rejects_unusable_settings() {
    let cloud = FakeCloud::new("prod");
    let err = SyncEngine::builder(cloud.arc(), Arc::new(ZeroPolicy))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.message().contains("host interval is zero"), "{err}");
    let policy = Arc::new(DefaultSyncPolicy::default().with_cspm_interval(Interval::Off));
    let err = SyncEngine::builder(cloud.arc(), policy.clone())
        .with_concurrency(0)
        .build()
        .unwrap_err();
    assert!(err.message().contains("concurrency"), "{err}");
    let engine = SyncEngine::builder(cloud.arc(), policy).build().unwrap();
    assert_eq!(engine.scheduled_features(), ["host"]);
}

#[tokio::test]
async fn a_denied_kind_keeps_its_snapshot_and_hides_no_other_kind() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1"], 1);
    cloud.world().resources.insert(
        "r1".into(),
        vec![
            resource("r1", "s3", "bucket", "b1"),
            resource("r1", "rds", "db_instance", "db1"),
        ],
    );
    let engine = engine(&cloud);
    engine.sync_now(&[CSPM]).await;
    {
        let mut w = cloud.world();
        w.refusing.insert(
            ("r1".into(), "rds.db_instance".into()),
            ErrorKind::PermissionDenied,
        );
        w.resources
            .get_mut("r1")
            .unwrap()
            .push(resource("r1", "s3", "bucket", "b2"));
    }
    let report = engine.sync_now(&[CSPM]).await;
    let failures: Vec<_> = report
        .failures()
        .map(|(r, k, e)| (r, k, e.kind()))
        .collect();
    assert_eq!(
        failures,
        [("r1", "rds.db_instance", ErrorKind::PermissionDenied)]
    );
    assert_eq!(report.diff("r1", "s3.bucket").unwrap().added.len(), 1);
    assert_eq!(report.totals().removed, 0);
    let inv = engine.inventory().await.unwrap();
    assert_eq!(inv.snapshot("r1", "rds.db_instance").unwrap().len(), 1);
    assert_eq!(inv.items_of("s3.bucket").count(), 2);
}

#[tokio::test]
async fn the_first_authentication_refusal_stops_the_round() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1", "r2", "r3"], 1);
    let engine = SyncEngine::builder(cloud.arc(), Arc::new(DefaultSyncPolicy::default()))
        .with_concurrency(1)
        .build()
        .unwrap();
    cloud
        .world()
        .refusing
        .insert(("r1".into(), HOSTS.into()), ErrorKind::CredentialDisabled);
    let report = engine.sync_now(&[HOST, CSPM]).await;
    // One listing met the refusal; nothing else was sent with the key.
    let listings = Counters::get(&cloud.counters.host_listings)
        + Counters::get(&cloud.counters.resource_listings)
        + Counters::get(&cloud.counters.global_listings);
    assert_eq!(listings, 1);
    assert_eq!(report.jobs.len(), 3 * 3 + 1);
    assert!(report
        .jobs
        .iter()
        .all(|j| j.result.as_ref().unwrap_err().kind() == ErrorKind::CredentialDisabled));
    let skipped = report
        .job("r2", HOSTS)
        .unwrap()
        .result
        .as_ref()
        .unwrap_err();
    assert!(
        skipped
            .to_string()
            .contains("refused earlier in this round"),
        "{skipped}"
    );
    // A later round tries again (the key may have been re-enabled).
    cloud.world().refusing.clear();
    assert!(engine.sync_now(&[HOST]).await.is_complete());
}

#[tokio::test]
async fn a_listing_that_yields_another_kind_is_a_decode_error() {
    let cloud = FakeCloud::new("prod");
    cloud.seed(&["r1"], 0);
    {
        let mut w = cloud.world();
        w.resources.insert(
            "r1".into(),
            vec![
                resource("r1", "s3", "bucket", "b1"),
                resource("r1", "rds", "db_instance", "db1"),
            ],
        );
        // Every resource listing yields every resource of the region.
        w.mislabel = true;
    }
    let engine = engine(&cloud);
    let report = engine.sync_now(&[CSPM]).await;
    let failed: Vec<_> = report
        .failures()
        .map(|(r, k, e)| (r, k, e.kind()))
        .collect();
    assert_eq!(
        failed,
        [
            ("r1", "rds.db_instance", ErrorKind::Decode),
            ("r1", "s3.bucket", ErrorKind::Decode)
        ]
    );
    assert!(engine
        .inventory()
        .await
        .unwrap()
        .snapshot("r1", "s3.bucket")
        .is_none());
}

//! End to end: the sync engine over the real AWS and Tencent Cloud providers, pointed at the
//! simulated clouds on 127.0.0.1 (several regions, hundreds of hosts, several pages each).
//!
//! Every test drives [`SyncEngine::sync_now`] directly and compares what the engine stored
//! and reported with the simulator's own inventory: id sets, per-region diffs, failures,
//! restarts and credential checks. No test waits on the clock.

#![cfg(all(feature = "aws", feature = "tencent"))]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use multicloud_sdk::aws::AwsProviderBuilder;
use multicloud_sdk::sync::{
    DefaultSyncPolicy, Diff, Inventory, Item, MemoryStore, SnapshotStore, SqliteStore, SyncEngine,
    SyncEvent, SyncReport, GLOBAL_REGION,
};
use multicloud_sdk::tencent::TencentProviderBuilder;
use multicloud_sdk::transport::{LimitConfig, RetryConfig, Transport};
use multicloud_sdk::{
    CloudProvider, CredentialStatus, ErrorKind, Feature, ProviderKind, RegionStatus,
    StandardFeature, StaticCredential,
};
use multicloud_testkit::aws::AwsSim;
use multicloud_testkit::tencent::TencentSim;
use multicloud_testkit::{KeyStatus, SimCloud, SimHost, SimHostState, Trigger};
use tokio::sync::broadcast;

const HOST: &[&dyn Feature] = &[&StandardFeature::Host];
const BOTH: &[&dyn Feature] = &[&StandardFeature::Host, &StandardFeature::Cspm];

/// The two clouds these tests run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cloud {
    Aws,
    Tencent,
}

impl Cloud {
    /// The endpoint that lists hosts, for fault rules and request counts.
    fn hosts_endpoint(self) -> &'static str {
        match self {
            Cloud::Aws => "ec2:DescribeInstances",
            Cloud::Tencent => "cvm:DescribeInstances",
        }
    }

    /// Hosts listed per page: AWS is asked for small pages, Tencent's maximum is 100.
    fn page_size(self) -> usize {
        match self {
            Cloud::Aws => 20,
            Cloud::Tencent => 100,
        }
    }

    /// A region the account cannot scan (not opted in / not allowed).
    fn blocked_region(self) -> &'static str {
        match self {
            Cloud::Aws => "me-south-1",
            Cloud::Tencent => "ap-shenzhen-fsi",
        }
    }
}

/// A simulated cloud and the key the tests sync with.
struct World {
    cloud: Cloud,
    sim: SimCloud,
    label: &'static str,
}

impl World {
    /// AWS: 400 hosts over 5 regions (one of them in the China partition, invisible to the
    /// International key), 80 per region = 4 pages of 20. Tencent: 600 hosts over 3 regions,
    /// 200 per region = 2 pages of 100.
    async fn start(cloud: Cloud, seed: u64) -> World {
        let sim = match cloud {
            Cloud::Aws => SimCloud::builder(AwsSim::new()).hosts(400).regions(5),
            Cloud::Tencent => SimCloud::builder(TencentSim::new()).hosts(600).regions(3),
        };
        let sim = sim
            .seed(seed)
            .resources_per_service(4)
            .start()
            .await
            .expect("the simulator starts");
        // A host in a region the account cannot scan: it must never reach the inventory.
        let stray = sim.add_generated_host(cloud.blocked_region());
        assert_eq!(stray.region, cloud.blocked_region());
        World {
            cloud,
            sim,
            label: "admin",
        }
    }

    /// A provider for the demo key `label`, named `account`, pointed at the simulator.
    fn provider_for(&self, account: &str, label: &str) -> Arc<dyn CloudProvider> {
        let key = self.sim.keys().by_label(label).expect("demo key");
        let credential = StaticCredential::new(key.access_key());
        let url = self.sim.base_url();
        match self.cloud {
            Cloud::Aws => Arc::new(
                AwsProviderBuilder::new(account)
                    .with_credential(credential)
                    .with_domain(key.domain)
                    .with_endpoint_url(url)
                    .with_transport(transport())
                    .with_page_size(self.cloud.page_size() as u32)
                    .build()
                    .expect("provider builds"),
            ),
            Cloud::Tencent => Arc::new(
                TencentProviderBuilder::new(account)
                    .with_credential(credential)
                    .with_domain(key.domain)
                    .with_endpoint_url(url)
                    .with_transport(transport())
                    .build()
                    .expect("provider builds"),
            ),
        }
    }

    fn provider(&self) -> Arc<dyn CloudProvider> {
        self.provider_for("e2e", self.label)
    }

    fn engine(&self, store: Arc<dyn SnapshotStore>) -> SyncEngine {
        engine(self.provider(), store)
    }

    /// The regions the key can scan, from the simulator's own catalog: opted in and, for
    /// AWS, in the key's partition (Tencent's China site reaches every region).
    fn scannable(&self) -> BTreeSet<String> {
        let key = self.sim.keys().by_label(self.label).expect("demo key");
        self.sim
            .inventory()
            .regions
            .iter()
            .filter(|r| r.opted_in)
            .filter(|r| self.cloud == Cloud::Tencent || r.domain == key.domain)
            .map(|r| r.id.clone())
            .collect()
    }

    /// The simulator's host ids per scannable region (every scannable region present).
    fn expected_hosts(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = self
            .scannable()
            .into_iter()
            .map(|r| (r, BTreeSet::new()))
            .collect();
        for h in self.sim.inventory().hosts() {
            if let Some(ids) = out.get_mut(&h.region) {
                ids.insert(h.id.clone());
            }
        }
        out
    }

    /// The scannable regions that have hosts, sorted.
    fn host_regions(&self) -> Vec<String> {
        self.expected_hosts()
            .into_iter()
            .filter(|(_, ids)| !ids.is_empty())
            .map(|(r, _)| r)
            .collect()
    }

    /// How many host pages a complete listing takes (an empty region is one empty page).
    fn host_pages(&self) -> usize {
        self.expected_hosts()
            .values()
            .map(|ids| ids.len().div_ceil(self.cloud.page_size()).max(1))
            .sum()
    }

    /// The simulator's hosts of `region`.
    fn hosts_in(&self, region: &str) -> Vec<SimHost> {
        self.sim.inventory().hosts_in(region).to_vec()
    }
}

/// Retries like the default transport but with millisecond backoff, no rate limits (the
/// simulator does not need protecting) and its own connection pool.
fn transport() -> Transport {
    Transport::builder()
        .with_retry(
            RetryConfig::default()
                .with_max_attempts(4)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(4))
                .with_seed(3),
        )
        .with_limits(LimitConfig::unlimited())
        .with_dedicated_client(true)
        .build()
        .expect("transport builds")
}

fn engine(provider: Arc<dyn CloudProvider>, store: Arc<dyn SnapshotStore>) -> SyncEngine {
    SyncEngine::builder(provider, Arc::new(DefaultSyncPolicy::default()))
        .with_store(store)
        .build()
        .expect("engine builds")
}

fn memory() -> Arc<dyn SnapshotStore> {
    Arc::new(MemoryStore::new())
}

/// The host ids the inventory holds, per region (regions with a host snapshot only).
fn inventory_hosts(inv: &Inventory) -> BTreeMap<String, BTreeSet<String>> {
    inv.snapshots()
        .filter(|(_, f, _)| *f == "host")
        .map(|(region, _, snap)| {
            let ids = snap
                .items
                .values()
                .filter_map(Item::as_host)
                .map(|h| h.id.clone())
                .collect();
            (region.to_owned(), ids)
        })
        .collect()
}

/// A diff as (added ids, removed ids, changed id → field names).
#[derive(Debug, Default, PartialEq, Eq)]
struct Summary {
    added: BTreeSet<String>,
    removed: BTreeSet<String>,
    changed: BTreeMap<String, Vec<String>>,
}

fn item_id(item: &Item) -> String {
    match item {
        Item::Host(h) => h.id.clone(),
        Item::Resource(r) => r.id.clone(),
    }
}

fn summary(diff: &Diff) -> Summary {
    Summary {
        added: diff.added.iter().map(item_id).collect(),
        removed: diff.removed.iter().map(item_id).collect(),
        changed: diff
            .changed
            .iter()
            .map(|c| (item_id(&c.after), c.fields.clone()))
            .collect(),
    }
}

/// The host diff of every region of a report that ran a host job.
fn host_diffs(report: &SyncReport) -> BTreeMap<String, Summary> {
    report
        .jobs
        .iter()
        .filter(|j| j.kind == "host")
        .map(|j| {
            let diff = report
                .diff(&j.region, "host")
                .unwrap_or_else(|| panic!("{} failed: {:?}", j.region, j.result));
            (j.region.clone(), summary(diff))
        })
        .collect()
}

fn assert_complete(report: &SyncReport) {
    let failures: Vec<String> = report
        .failures()
        .map(|(r, f, e)| format!("{r}/{f}: {}", e.report()))
        .collect();
    assert!(report.regions_error.is_none(), "{:?}", report.regions_error);
    assert!(failures.is_empty(), "{failures:?}");
}

/// Every event received so far.
fn received(rx: &mut broadcast::Receiver<SyncEvent>) -> Vec<SyncEvent> {
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    events
}

fn ids(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------------------
// First sync
// ---------------------------------------------------------------------------------------

async fn first_sync_lists_exactly_the_scannable_regions(cloud: Cloud) {
    let world = World::start(cloud, 21).await;
    let engine = world.engine(memory());
    let report = engine.sync_now(BOTH).await;
    assert_complete(&report);

    // Every scannable region got a host job, and nothing else did.
    let scannable = world.scannable();
    let host_jobs: BTreeSet<String> = report
        .jobs
        .iter()
        .filter(|j| j.kind == "host")
        .map(|j| j.region.clone())
        .collect();
    assert_eq!(host_jobs, scannable);
    assert!(!scannable.contains(cloud.blocked_region()));
    let listed = engine.provider().regions().await.expect("regions");
    let blocked = listed
        .iter()
        .find(|r| r.id == cloud.blocked_region())
        .expect("the blocked region is listed");
    assert_ne!(blocked.status, RegionStatus::Enabled);

    // The inventory holds exactly the simulator's hosts, region by region.
    let inventory = engine.inventory().await.expect("inventory");
    let expected = world.expected_hosts();
    assert_eq!(inventory_hosts(&inventory), expected);
    let total: usize = expected.values().map(BTreeSet::len).sum();
    assert!(total >= 300, "a few hundred hosts: {total}");
    assert_eq!(inventory.hosts().count(), total);
    assert_eq!(report.totals().added, inventory.len());
    for region in world.host_regions() {
        let diff = report.diff(&region, "host").expect("ran");
        assert_eq!(summary(diff).added, expected[&region], "{region}");
    }
    // Several pages per region were needed, and no request went to the blocked region.
    let regions_with_hosts = world.host_regions().len();
    let pages = world.host_pages();
    assert!(pages >= 2 * regions_with_hosts, "{pages} pages");
    assert_eq!(world.sim.count(cloud.hosts_endpoint()), pages);
    for req in world.sim.recorder().requests_for(cloud.hosts_endpoint()) {
        let signed = req.request.header("authorization").unwrap_or_default();
        let region = req.request.header("x-tc-region").unwrap_or_default();
        let blocked = cloud.blocked_region();
        assert!(!signed.contains(&format!("/{blocked}/")) && region != blocked);
    }

    // Products: every scannable region has a product snapshot holding the simulator's VPCs
    // and security groups of that region, and the global pseudo-region was listed.
    let mut matched = 0;
    for region in &scannable {
        let listed: BTreeSet<String> = inventory
            .snapshots()
            .filter(|(r, kind, _)| r == region && *kind != "host")
            .flat_map(|(_, _, snap)| snap.items.values())
            .filter_map(Item::as_resource)
            .filter(|r| r.resource_type == "vpc" || r.resource_type == "security_group")
            .map(|r| r.id.clone())
            .collect();
        let sim: BTreeSet<String> = world
            .sim
            .inventory()
            .resources()
            .iter()
            .filter(|r| &r.region == region)
            .filter(|r| r.resource_type == "vpc" || r.resource_type == "security-group")
            .map(|r| r.id.clone())
            .collect();
        assert_eq!(listed, sim, "{region}");
        matched += listed.len();
    }
    assert!(matched >= 4, "{matched} VPCs and security groups");
    let global = inventory
        .snapshots()
        .filter(|(r, _, _)| *r == GLOBAL_REGION)
        .map(|(_, _, snap)| snap.len())
        .sum::<usize>();
    assert!(global > 0, "global products");
    let products: BTreeSet<(String, String)> = inventory
        .resources()
        .map(|r| (r.service.clone(), r.resource_type.clone()))
        .collect();
    assert!(products.len() >= 5, "{products:?}");
}

#[tokio::test]
async fn aws_first_sync_lists_exactly_the_scannable_regions() {
    first_sync_lists_exactly_the_scannable_regions(Cloud::Aws).await;
}

#[tokio::test]
async fn tencent_first_sync_lists_exactly_the_scannable_regions() {
    first_sync_lists_exactly_the_scannable_regions(Cloud::Tencent).await;
}

// ---------------------------------------------------------------------------------------
// Diffs after the world changes
// ---------------------------------------------------------------------------------------

/// Changes the world: a host added in two regions, one removed, one stopped, one re-tagged.
/// Returns the expected host diff per region.
fn change_the_world(world: &World) -> BTreeMap<String, Summary> {
    let regions = world.host_regions();
    let (r1, r2) = (&regions[0], &regions[1]);
    let mut expected: BTreeMap<String, Summary> = world
        .scannable()
        .into_iter()
        .map(|r| (r, Summary::default()))
        .collect();

    let added1 = world.sim.add_generated_host(r1);
    let added2 = world.sim.add_generated_host(r2);
    let in_r1 = world.hosts_in(r1);
    let in_r2 = world.hosts_in(r2);
    let removed = in_r1.iter().find(|h| h.id != added1.id).expect("a host");
    let retagged = in_r1
        .iter()
        .find(|h| h.id != added1.id && h.id != removed.id)
        .expect("another host");
    let stopped = in_r2
        .iter()
        .find(|h| h.id != added2.id && h.state == SimHostState::Running)
        .expect("a running host");
    assert!(world.sim.remove_host(&removed.id).is_some());
    assert!(world
        .sim
        .update_host(&stopped.id, |h| h.state = SimHostState::Stopped));
    assert!(world.sim.update_host(&retagged.id, |h| h
        .tags
        .push(("owner".into(), "secops".into()))));

    let e1 = expected.get_mut(r1).expect("scannable");
    e1.added.insert(added1.id);
    e1.removed.insert(removed.id.clone());
    e1.changed.insert(retagged.id.clone(), vec!["tags".into()]);
    let e2 = expected.get_mut(r2).expect("scannable");
    e2.added.insert(added2.id);
    e2.changed.insert(stopped.id.clone(), vec!["state".into()]);
    expected
}

async fn second_sync_reports_exactly_the_changes(cloud: Cloud) {
    let world = World::start(cloud, 22).await;
    let engine = world.engine(memory());
    assert_complete(&engine.sync_now(HOST).await);

    let expected = change_the_world(&world);
    let report = engine.sync_now(HOST).await;
    assert_complete(&report);
    assert_eq!(host_diffs(&report), expected);
    let totals = report.totals();
    assert_eq!((totals.added, totals.removed, totals.changed), (2, 1, 2));
    // The stored inventory follows the world, and the stored diff records match.
    let inventory = engine.inventory().await.expect("inventory");
    assert_eq!(inventory_hosts(&inventory), world.expected_hosts());
    let stopped = expected
        .values()
        .flat_map(|s| s.changed.iter())
        .find(|(_, fields)| *fields == &["state".to_string()])
        .map(|(id, _)| id.clone())
        .expect("a stopped host");
    let host = inventory.hosts().find(|h| h.id == stopped).expect("kept");
    assert_eq!(host.state, multicloud_sdk::HostState::Stopped);

    // Nothing changed since: the next diff is empty everywhere.
    let again = engine.sync_now(HOST).await;
    assert_complete(&again);
    assert!(host_diffs(&again)
        .values()
        .all(|s| *s == Summary::default()));
}

#[tokio::test]
async fn aws_second_sync_reports_exactly_the_changes() {
    second_sync_reports_exactly_the_changes(Cloud::Aws).await;
}

#[tokio::test]
async fn tencent_second_sync_reports_exactly_the_changes() {
    second_sync_reports_exactly_the_changes(Cloud::Tencent).await;
}

// ---------------------------------------------------------------------------------------
// One region failing while the others sync
// ---------------------------------------------------------------------------------------

async fn a_failing_region_keeps_its_snapshot_and_catches_up(cloud: Cloud) {
    let world = World::start(cloud, 23).await;
    let engine = world.engine(memory());
    assert_complete(&engine.sync_now(BOTH).await);
    let regions = world.host_regions();
    let (failing, healthy) = (regions[0].clone(), regions[1].clone());
    let before = engine
        .inventory()
        .await
        .expect("inventory")
        .snapshot(&failing, "host")
        .cloned()
        .expect("stored");

    // The failing region loses a host and gains one; the healthy region gains one.
    let gone = world.hosts_in(&failing)[0].id.clone();
    world.sim.remove_host(&gone).expect("removed");
    let new_in_failing = world.sim.add_generated_host(&failing).id;
    let new_in_healthy = world.sim.add_generated_host(&healthy).id;
    world
        .sim
        .faults()
        .on(cloud.hosts_endpoint())
        .in_region(failing.as_str())
        .server_error(Trigger::Always);

    let mut events = engine.subscribe();
    let report = engine.sync_now(BOTH).await;
    let failures: Vec<(&str, &str)> = report.failures().map(|(r, f, _)| (r, f)).collect();
    assert_eq!(failures, [(failing.as_str(), "host")]);
    assert!(report.diff(&failing, "host").is_none());
    // The region's other endpoints still answered: its products synced.
    assert!(report
        .jobs
        .iter()
        .any(|j| j.region == failing && j.kind != "host" && j.result.is_ok()));
    let failed_events: Vec<(Option<String>, Option<String>)> = received(&mut events)
        .into_iter()
        .filter_map(|e| match e {
            SyncEvent::SyncFailed { region, kind, .. } => Some((region, kind)),
            _ => None,
        })
        .collect();
    assert_eq!(
        failed_events,
        [(Some(failing.clone()), Some("host".to_owned()))]
    );
    // No removal anywhere, the healthy region's diff is exact, the rest is unchanged.
    assert_eq!(report.totals().removed, 0);
    for (region, diff) in report
        .jobs
        .iter()
        .filter(|j| j.kind == "host" && j.region != failing)
        .map(|j| (j.region.as_str(), report.diff(&j.region, "host")))
    {
        let want = if region == healthy {
            Summary {
                added: ids(&[&new_in_healthy]),
                ..Summary::default()
            }
        } else {
            Summary::default()
        };
        assert_eq!(summary(diff.expect("synced")), want, "{region}");
    }
    // The failed region's snapshot is the previous one, untouched.
    let kept = engine
        .inventory()
        .await
        .expect("inventory")
        .snapshot(&failing, "host")
        .cloned()
        .expect("kept");
    assert_eq!(kept, before);
    assert!(kept.items.values().any(|i| item_id(i) == gone));

    // Fault cleared: the next sync catches the region up, and only that region.
    world
        .sim
        .faults()
        .on_region(cloud.hosts_endpoint(), failing.as_str())
        .clear();
    let report = engine.sync_now(HOST).await;
    assert_complete(&report);
    let mut want: BTreeMap<String, Summary> = world
        .scannable()
        .into_iter()
        .map(|r| (r, Summary::default()))
        .collect();
    want.insert(
        failing.clone(),
        Summary {
            added: ids(&[&new_in_failing]),
            removed: ids(&[&gone]),
            ..Summary::default()
        },
    );
    assert_eq!(host_diffs(&report), want);
    let inventory = engine.inventory().await.expect("inventory");
    assert_eq!(inventory_hosts(&inventory), world.expected_hosts());
}

#[tokio::test]
async fn aws_a_failing_region_keeps_its_snapshot_and_catches_up() {
    a_failing_region_keeps_its_snapshot_and_catches_up(Cloud::Aws).await;
}

#[tokio::test]
async fn tencent_a_failing_region_keeps_its_snapshot_and_catches_up() {
    a_failing_region_keeps_its_snapshot_and_catches_up(Cloud::Tencent).await;
}

// ---------------------------------------------------------------------------------------
// Throttling
// ---------------------------------------------------------------------------------------
// Wrong-shaped 200s (issue 21: never a false removal)
// ---------------------------------------------------------------------------------------

/// A wrong-shaped HTTP 200 answer to the host listing and the error kind it must become.
struct WrongShape {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
    kind: ErrorKind,
}

/// What a region might answer with 200 instead of the page asked for.
fn wrong_shapes(cloud: Cloud) -> Vec<WrongShape> {
    let shape = |name, content_type, body, kind| WrongShape {
        name,
        content_type,
        body,
        kind,
    };
    let html = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><p>captive portal<br></body></html>";
    match cloud {
        Cloud::Aws => vec![
            shape("html page", "text/html", html, ErrorKind::Decode),
            shape(
                "other action",
                "text/xml",
                "<DescribeVolumesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\
                 <requestId>v-1</requestId><volumeSet/></DescribeVolumesResponse>",
                ErrorKind::Decode,
            ),
            shape(
                "error envelope",
                "text/xml",
                "<Response><Errors><Error><Code>UnauthorizedOperation</Code>\
                 <Message>not authorized</Message></Error></Errors>\
                 <RequestID>e-1</RequestID></Response>",
                ErrorKind::PermissionDenied,
            ),
            shape(
                "missing list",
                "text/xml",
                "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\
                 <requestId>m-1</requestId></DescribeInstancesResponse>",
                ErrorKind::Decode,
            ),
        ],
        Cloud::Tencent => vec![
            shape("html page", "text/html", html, ErrorKind::Decode),
            shape(
                "other action",
                "application/json",
                r#"{"Response":{"TotalCount":0,"DiskSet":[],"RequestId":"o-1"}}"#,
                ErrorKind::Decode,
            ),
            shape(
                "error envelope",
                "application/json",
                r#"{"Response":{"Error":{"Code":"UnauthorizedOperation","Message":"no"},"RequestId":"e-1"}}"#,
                ErrorKind::PermissionDenied,
            ),
            shape(
                "missing list",
                "application/json",
                r#"{"Response":{"TotalCount":200,"RequestId":"m-1"}}"#,
                ErrorKind::Decode,
            ),
            shape(
                "null list",
                "application/json",
                r#"{"Response":{"TotalCount":0,"InstanceSet":null,"RequestId":"n-1"}}"#,
                ErrorKind::Decode,
            ),
        ],
    }
}

/// Sync once healthy, then once per wrong shape with one region's host listing answering
/// it: that (region, Host) fails with the expected kind and keeps its snapshot, no removal
/// is reported anywhere, and every other region's diff is exactly its one new host.
async fn a_wrong_shaped_200_is_a_typed_failure_never_a_removal(cloud: Cloud) {
    let world = World::start(cloud, 29).await;
    let engine = world.engine(memory());
    assert_complete(&engine.sync_now(HOST).await);
    let failing = world.host_regions()[0].clone();
    let before = engine
        .inventory()
        .await
        .expect("inventory")
        .snapshot(&failing, "host")
        .cloned()
        .expect("stored");
    assert!(!before.items.is_empty());

    for shape in wrong_shapes(cloud) {
        // Every other region changes (one new host each), the failing one too (unseen).
        world.sim.add_generated_host(&failing);
        let mut want: BTreeMap<String, Summary> = BTreeMap::new();
        for region in world.scannable().into_iter().filter(|r| *r != failing) {
            let added = world.sim.add_generated_host(&region).id;
            want.insert(
                region,
                Summary {
                    added: ids(&[&added]),
                    ..Summary::default()
                },
            );
        }
        world
            .sim
            .faults()
            .on_region(cloud.hosts_endpoint(), failing.as_str())
            .raw_body(Trigger::Always, shape.content_type, shape.body);

        let report = engine.sync_now(HOST).await;
        let name = shape.name;
        let failures: Vec<(&str, &str, ErrorKind)> = report
            .failures()
            .map(|(r, f, e)| (r, f, e.kind()))
            .collect();
        assert_eq!(failures, [(failing.as_str(), "host", shape.kind)], "{name}");
        let (_, _, err) = report.failures().next().expect("one failure");
        assert!(!err.to_string().contains("captive portal"), "{name}: {err}");
        assert_eq!(report.totals().removed, 0, "{name}: zero removals");
        assert!(report.diff(&failing, "host").is_none(), "{name}");
        let healthy: BTreeMap<String, Summary> = report
            .jobs
            .iter()
            .filter(|j| j.kind == "host" && j.region != failing)
            .map(|j| {
                let diff = report.diff(&j.region, "host").expect("synced");
                (j.region.clone(), summary(diff))
            })
            .collect();
        assert_eq!(healthy, want, "{name}");
        let kept = engine
            .inventory()
            .await
            .expect("inventory")
            .snapshot(&failing, "host")
            .cloned()
            .expect("kept");
        assert_eq!(kept, before, "{name}: the previous snapshot is kept");
        world
            .sim
            .faults()
            .on_region(cloud.hosts_endpoint(), failing.as_str())
            .clear();
    }

    // Healthy again: the region catches up with every host added meanwhile, none removed.
    let report = engine.sync_now(HOST).await;
    assert_complete(&report);
    assert_eq!(report.totals().removed, 0);
    let inventory = engine.inventory().await.expect("inventory");
    assert_eq!(inventory_hosts(&inventory), world.expected_hosts());
}

#[tokio::test]
async fn aws_a_wrong_shaped_200_is_a_typed_failure_never_a_removal() {
    a_wrong_shaped_200_is_a_typed_failure_never_a_removal(Cloud::Aws).await;
}

#[tokio::test]
async fn tencent_a_wrong_shaped_200_is_a_typed_failure_never_a_removal() {
    a_wrong_shaped_200_is_a_typed_failure_never_a_removal(Cloud::Tencent).await;
}

// ---------------------------------------------------------------------------------------

async fn throttling_still_ends_in_a_complete_sync(cloud: Cloud) {
    let world = World::start(cloud, 24).await;
    // One job at a time, so every call alternates with its retry and none can be unlucky
    // enough to be throttled on every attempt: the outcome does not depend on scheduling.
    let engine = SyncEngine::builder(world.provider(), Arc::new(DefaultSyncPolicy::default()))
        .with_concurrency(1)
        .build()
        .expect("engine builds");
    world
        .sim
        .faults()
        .on(cloud.hosts_endpoint())
        .throttle_every(2);
    let report = engine.sync_now(HOST).await;
    assert_complete(&report);
    let inventory = engine.inventory().await.expect("inventory");
    assert_eq!(inventory_hosts(&inventory), world.expected_hosts());
    let throttled = world.sim.recorder().count_where(|r| {
        r.outcome == multicloud_testkit::Outcome::Fault(multicloud_testkit::FaultKind::Throttle)
    });
    // The first page passed; every later page was refused once and passed on its retry.
    let pages = world.host_pages();
    assert!(pages > 10, "{pages} pages");
    assert_eq!(throttled, pages - 1);
    assert_eq!(world.sim.count(cloud.hosts_endpoint()), 2 * pages - 1);
}

#[tokio::test]
async fn aws_throttling_still_ends_in_a_complete_sync() {
    throttling_still_ends_in_a_complete_sync(Cloud::Aws).await;
}

#[tokio::test]
async fn tencent_throttling_still_ends_in_a_complete_sync() {
    throttling_still_ends_in_a_complete_sync(Cloud::Tencent).await;
}

// ---------------------------------------------------------------------------------------
// Two accounts, one store; restarts with SQLite
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn two_accounts_of_one_provider_are_kept_apart() {
    let world = World::start(Cloud::Aws, 25).await;
    let store = memory();
    // The International account and the China-partition account of the same simulator.
    let intl = engine(world.provider_for("aws-intl", "admin"), store.clone());
    let china = engine(world.provider_for("aws-china", "china"), store.clone());
    let (a, b) = tokio::join!(intl.sync_now(HOST), china.sync_now(HOST));
    assert_complete(&a);
    assert_complete(&b);

    let by_partition = |china: bool| -> BTreeSet<String> {
        world
            .sim
            .inventory()
            .hosts()
            .iter()
            .filter(|h| h.region.starts_with("cn-") == china)
            .filter(|h| h.region != Cloud::Aws.blocked_region())
            .map(|h| h.id.clone())
            .collect()
    };
    let held =
        |inv: &Inventory| -> BTreeSet<String> { inv.hosts().map(|h| h.id.clone()).collect() };
    let intl_inv = intl.inventory().await.expect("inventory");
    let china_inv = china.inventory().await.expect("inventory");
    assert_eq!(held(&intl_inv), by_partition(false));
    assert_eq!(held(&china_inv), by_partition(true));
    assert!(!held(&china_inv).is_empty());
    assert!(held(&intl_inv).is_disjoint(&held(&china_inv)));
    assert_eq!(intl_inv.account().account.as_str(), "aws-intl");
    assert_eq!(china_inv.account().provider, ProviderKind::Aws);

    // A host terminated in the China partition shows up in that account's diff only.
    let gone = world.hosts_in("cn-north-1")[0].id.clone();
    world.sim.remove_host(&gone).expect("removed");
    let (a, b) = tokio::join!(intl.sync_now(HOST), china.sync_now(HOST));
    assert_eq!(
        a.totals().removed + a.totals().added + a.totals().changed,
        0
    );
    let diff = b.diff("cn-north-1", "host").expect("synced");
    assert_eq!(summary(diff).removed, ids(&[&gone]));
    assert_eq!(b.totals().removed, 1);
    let stored = store.diffs(china.account(), 10).await.expect("diffs");
    assert!(stored.iter().any(|d| d.diff.removed_keys().len() == 1));
    assert!(store
        .diffs(intl.account(), 10)
        .await
        .expect("diffs")
        .iter()
        .all(|d| d.diff.removed.is_empty()));
}

#[tokio::test]
async fn sqlite_store_survives_a_restart_with_the_same_inventory() {
    let world = World::start(Cloud::Tencent, 26).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("inventory.sqlite");

    let first_inventory = {
        let store: Arc<dyn SnapshotStore> =
            Arc::new(SqliteStore::open(&path).await.expect("store opens"));
        let engine = world.engine(store);
        let report = engine.sync_now(BOTH).await;
        assert_complete(&report);
        assert!(report.totals().added > 0);
        engine.inventory().await.expect("inventory")
        // Engine and store dropped here: the "process" stops.
    };
    assert_eq!(inventory_hosts(&first_inventory), world.expected_hosts());

    let store: Arc<dyn SnapshotStore> =
        Arc::new(SqliteStore::open(&path).await.expect("store reopens"));
    let engine = world.engine(store);
    assert_eq!(
        engine.inventory().await.expect("inventory"),
        first_inventory
    );
    let mut events = engine.subscribe();
    let report = engine.sync_now(BOTH).await;
    assert_complete(&report);
    assert!(report
        .jobs
        .iter()
        .all(|j| j.result.as_ref().is_ok_and(|s| s.diff.is_empty())));
    assert!(report.discovered.is_empty(), "regions were remembered");
    assert!(!received(&mut events)
        .iter()
        .any(|e| matches!(e, SyncEvent::RegionDiscovered { .. })));
}

// ---------------------------------------------------------------------------------------
// Credential checks
// ---------------------------------------------------------------------------------------

async fn a_key_disabled_while_running_turns_invalid(cloud: Cloud) {
    let world = World::start(cloud, 27).await;
    let engine = world.engine(memory());
    let mut events = engine.subscribe();
    let report = engine.check_credentials().await.expect("check runs");
    assert_eq!(report.credential, CredentialStatus::Valid);
    assert_complete(&engine.sync_now(HOST).await);

    let key = world.sim.keys().by_label("admin").expect("demo key");
    assert!(world.sim.keys().set_status(&key.id, KeyStatus::Disabled));
    let report = engine.check_credentials().await.expect("check runs");
    assert!(
        matches!(report.credential, CredentialStatus::Invalid { .. }),
        "{:?}",
        report.credential
    );
    let changes: Vec<(Option<CredentialStatus>, CredentialStatus)> = received(&mut events)
        .into_iter()
        .filter_map(|e| match e {
            SyncEvent::CredentialStatusChanged { from, to, .. } => Some((from, to)),
            _ => None,
        })
        .collect();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(changes[0], (None, CredentialStatus::Valid));
    assert_eq!(changes[1].0, Some(CredentialStatus::Valid));
    assert!(
        matches!(changes[1].1, CredentialStatus::Invalid { .. }),
        "{:?}",
        changes[1].1
    );
    assert_eq!(engine.credential_status(), Some(changes[1].1.clone()));
    // The same answer again is not announced twice.
    let again = engine.check_credentials().await.expect("check runs");
    assert_eq!(again.credential, changes[1].1);
    assert!(received(&mut events).is_empty());
}

#[tokio::test]
async fn aws_a_key_disabled_while_running_turns_invalid() {
    a_key_disabled_while_running_turns_invalid(Cloud::Aws).await;
}

#[tokio::test]
async fn tencent_a_key_disabled_while_running_turns_invalid() {
    a_key_disabled_while_running_turns_invalid(Cloud::Tencent).await;
}

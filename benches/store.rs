//! What storing a snapshot costs per host, without any network: the engine's own share of a
//! sync once the listing is done. One plain binary run, all sides measured in it:
//!
//! - `encode`: each host's key and item as JSON, once (the least any persistent store does);
//! - the SQLite store (a WAL file in a temporary directory), first sync and unchanged
//!   resync: one job alone (pages of 1,000, then commit), and `REGIONS` jobs staged at
//!   once and then committed, as a round of many regions does;
//! - the memory store, first sync and resync, for comparison.
//!
//! Hosts are shaped like the AWS simulator's (about 1.4 KB of raw JSON each).
//!
//! Each side prints its wall time per host (and its ratio to `encode`) and its CPU time per
//! host over all threads (the SQLite connection's thread included), each the least over the
//! rounds; the CPU time is the steadier reading on a loaded machine (10 ms ticks).
//!
//! `cargo bench -p multicloud-benches --bench store` (settings: `STORE_HOSTS` per region,
//! default 2,500; `STORE_REGIONS`, default 20; `STORE_PAGE`, items per written page, default
//! 1,000 (Tencent's pages hold 100, CTyun's 50); `STORE_ROUNDS`, default 3: the fastest round
//! of each side is reported, since other tenants only ever add time).

use std::time::{Duration, Instant};

#[path = "scale/measure.rs"]
#[allow(dead_code)]
mod measure;

use multicloud_core::{AccountName, Host, HostState, Item, ProviderKind, RawRecord};
use multicloud_sync::{AccountRef, DiffDetail, MemoryStore, Snapshot, SnapshotStore, SqliteStore};
use time::OffsetDateTime;
use tokio::runtime::Runtime;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One host of `region`, numbered `n`, with a realistic raw record.
fn host(region: &str, n: usize) -> Item {
    let id = format!("i-{n:017x}");
    let raw = format!(
        concat!(
            "{{\"InstanceId\":\"{id}\",\"ImageId\":\"ami-0abcdef1234567890\",\"State\":{{\"Code\":16,",
            "\"Name\":\"running\"}},\"PrivateDnsName\":\"ip-10-0-{a}-{b}.{r}.compute.internal\",",
            "\"PublicDnsName\":\"ec2-54-1-{a}-{b}.{r}.compute.amazonaws.com\",\"StateTransitionReason\":\"\",",
            "\"KeyName\":\"ops-key\",\"AmiLaunchIndex\":0,\"ProductCodes\":[],\"InstanceType\":\"t3.medium\",",
            "\"LaunchTime\":\"2026-11-02T08:00:00.000Z\",\"Placement\":{{\"AvailabilityZone\":\"{r}a\",",
            "\"GroupName\":\"\",\"Tenancy\":\"default\"}},\"Monitoring\":{{\"State\":\"disabled\"}},",
            "\"SubnetId\":\"subnet-0123456789abcdef0\",\"VpcId\":\"vpc-0123456789abcdef0\",",
            "\"PrivateIpAddress\":\"10.0.{a}.{b}\",\"PublicIpAddress\":\"54.1.{a}.{b}\",",
            "\"Architecture\":\"x86_64\",\"RootDeviceType\":\"ebs\",\"RootDeviceName\":\"/dev/xvda\",",
            "\"BlockDeviceMappings\":[{{\"DeviceName\":\"/dev/xvda\",\"Ebs\":{{\"AttachTime\":",
            "\"2026-11-02T08:00:01.000Z\",\"DeleteOnTermination\":true,\"Status\":\"attached\",",
            "\"VolumeId\":\"vol-0123456789abcdef0\"}}}}],\"VirtualizationType\":\"hvm\",",
            "\"ClientToken\":\"\",\"Tags\":[{{\"Key\":\"Name\",\"Value\":\"web-{n}\"}},{{\"Key\":\"env\",",
            "\"Value\":\"prod\"}}],\"SecurityGroups\":[{{\"GroupName\":\"web\",\"GroupId\":",
            "\"sg-0123456789abcdef0\"}}],\"SourceDestCheck\":true,\"Hypervisor\":\"xen\",",
            "\"NetworkInterfaces\":[{{\"NetworkInterfaceId\":\"eni-0123456789abcdef0\",",
            "\"PrivateIpAddress\":\"10.0.{a}.{b}\",\"MacAddress\":\"0a:1b:2c:3d:4e:5f\"}}],",
            "\"EbsOptimized\":false,\"EnaSupport\":true,\"PlatformDetails\":\"Linux/UNIX\"}}"
        ),
        id = id,
        r = region,
        n = n,
        a = (n / 250) % 250,
        b = n % 250,
    );
    let ip = format!("10.0.{}.{}", (n / 250) % 250, n % 250);
    let host = Host::new(id, region, HostState::Running)
        .with_name(Some(format!("web-{n}")))
        .with_instance_type(Some("t3.medium".into()))
        .with_zone(Some(format!("{region}a")))
        .with_private_ips(vec![ip.parse().unwrap_or_else(|e| panic!("ip: {e}"))])
        .with_os(Some("Linux/UNIX".into()))
        .with_vpc_id(Some("vpc-0123456789abcdef0".into()))
        .with_raw(RawRecord::from_json(raw).unwrap_or_else(|e| panic!("raw: {e}")));
    Item::Host(host)
}

fn region(i: usize) -> String {
    format!("region-{i:02}")
}

/// The fastest of `rounds` runs of `f`, which is given the round number.
fn fastest(rounds: usize, mut f: impl FnMut(usize) -> Duration) -> Duration {
    (0..rounds).map(&mut f).min().unwrap_or_default()
}

/// Wall and CPU time (all threads) of one side, keeping the least of each over its rounds:
/// under load the CPU time moves far less than the wall time.
#[derive(Clone, Copy)]
struct Spent {
    wall: Duration,
    cpu: Duration,
}

impl Spent {
    const NONE: Spent = Spent {
        wall: Duration::MAX,
        cpu: Duration::MAX,
    };

    /// Times `f`, keeping the least wall and CPU time seen so far.
    fn keep_least<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let (started, cpu) = (Instant::now(), measure::cpu("self"));
        let out = f();
        self.wall = self.wall.min(started.elapsed());
        self.cpu = self.cpu.min(measure::cpu("self").saturating_sub(cpu));
        out
    }
}

/// Stages `regions` (each a list of pages) at once, then commits them all.
async fn sqlite_round(store: &SqliteStore, account: &AccountRef, regions: &[Vec<Item>]) {
    let mut writers = Vec::new();
    for (i, hosts) in regions.iter().enumerate() {
        let writer = store
            .begin_snapshot(account, &region(i), "host")
            .await
            .unwrap_or_else(|e| panic!("begin: {e}"))
            .unwrap_or_else(|| panic!("SQLite writes page by page"));
        writers.push((writer, hosts));
    }
    let staged = writers.into_iter().map(|(mut writer, hosts)| async move {
        for page in hosts.chunks(setting("STORE_PAGE", 1_000).max(1)) {
            writer
                .write(page.to_vec())
                .await
                .unwrap_or_else(|e| panic!("write: {e}"));
        }
        writer
            .commit(OffsetDateTime::UNIX_EPOCH, DiffDetail::Counts)
            .await
            .unwrap_or_else(|e| panic!("commit: {e}"))
    });
    futures::future::join_all(staged).await;
}

async fn memory_round(store: &MemoryStore, account: &AccountRef, regions: &[Vec<Item>]) {
    let jobs = regions.iter().enumerate().map(|(i, hosts)| async move {
        let snapshot = Snapshot::new(OffsetDateTime::UNIX_EPOCH, hosts.clone());
        store
            .replace_snapshot_owned(account, &region(i), "host", snapshot)
            .await
            .unwrap_or_else(|e| panic!("memory: {e}"))
    });
    futures::future::join_all(jobs).await;
}

fn main() {
    let per_region = setting("STORE_HOSTS", 2_500);
    let regions = setting("STORE_REGIONS", 20);
    let rounds = setting("STORE_ROUNDS", 3).max(1);
    let rt = Runtime::new().unwrap_or_else(|e| panic!("runtime: {e}"));
    let world: Vec<Vec<Item>> = (0..regions)
        .map(|r| {
            (0..per_region)
                .map(|n| host(&region(r), r * per_region + n))
                .collect()
        })
        .collect();
    let total = (per_region * regions) as f64;
    let one = &world[..1];
    let per_host = |d: Duration, hosts: f64| d.as_secs_f64() * 1e6 / hosts;

    let encode = fastest(rounds, |_| {
        let started = Instant::now();
        let mut bytes = 0;
        for item in world.iter().flatten() {
            let key = serde_json::to_string(&item.key()).unwrap_or_default();
            let text = serde_json::to_string(item).unwrap_or_default();
            bytes += key.len() + text.len();
        }
        assert!(bytes > 0);
        started.elapsed()
    });
    let mut rows: Vec<(String, f64, Option<f64>)> = vec![(
        "encode key + item JSON".into(),
        per_host(encode, total),
        None,
    )];

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    for (label, set, hosts) in [
        ("one job", one, per_region as f64),
        ("all regions at once", &world[..], total),
    ] {
        let (mut first, mut resync) = (Spent::NONE, Spent::NONE);
        for round in 0..rounds {
            let path = dir
                .path()
                .join(format!("{}-{round}.db", label.replace(' ', "-")));
            let store = rt
                .block_on(SqliteStore::open(&path))
                .unwrap_or_else(|e| panic!("sqlite: {e}"));
            let account = AccountRef::new(
                ProviderKind::Aws,
                AccountName::new("bench").unwrap_or_else(|e| panic!("{e}")),
            );
            first.keep_least(|| rt.block_on(sqlite_round(&store, &account, set)));
            resync.keep_least(|| rt.block_on(sqlite_round(&store, &account, set)));
        }
        for (side, spent) in [("first sync", first), ("unchanged resync", resync)] {
            rows.push((
                format!("SQLite {side}, {label}"),
                per_host(spent.wall, hosts),
                Some(per_host(spent.cpu, hosts)),
            ));
        }
    }
    let (mut first, mut resync) = (Spent::NONE, Spent::NONE);
    for _ in 0..rounds {
        let store = MemoryStore::new();
        let account = AccountRef::new(
            ProviderKind::Aws,
            AccountName::new("bench").unwrap_or_else(|e| panic!("{e}")),
        );
        first.keep_least(|| rt.block_on(memory_round(&store, &account, &world)));
        resync.keep_least(|| rt.block_on(memory_round(&store, &account, &world)));
    }
    for (side, spent) in [("first sync", first), ("unchanged resync", resync)] {
        rows.push((
            format!("memory {side}, all regions"),
            per_host(spent.wall, total),
            Some(per_host(spent.cpu, total)),
        ));
    }

    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "store: {regions} regions × {per_region} hosts, fastest of {rounds} rounds (load {})",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let base = rows[0].1;
    println!(
        "  {:<44} {:>10} {:>10} {:>14}",
        "side", "µs/host", "/encode", "CPU µs/host"
    );
    for (label, us, cpu) in rows {
        let cpu = cpu.map_or_else(|| "-".to_owned(), |c| format!("{c:.2}"));
        println!("  {label:<44} {us:>10.2} {:>9.2}x {cpu:>14}", us / base);
    }
}

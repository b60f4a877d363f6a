//! Worker mode's throughput: the same number of fresh AWS accounts synced by 1, 2 and 3 sync
//! workers sharing one PostgreSQL database, as accounts per second and the ratio to one
//! worker, measured in one run (rounds alternate the order; the best round of each count).
//!
//! ```sh
//! source .ci/postgres.sh   # a throwaway server; sets MULTICLOUD_TEST_POSTGRES_URL
//! cargo bench -p multicloud-benches --features postgres --bench workers
//! ```
//!
//! The world: the simulated AWS with 120 hosts over 3 regions and 100 ms of latency on every
//! `DescribeInstances` (a cloud's round trip: what several workers overlap). Each worker syncs
//! 2 accounts at once, as a task with its own connections (as a `multicloud-worker` process
//! would), and picks up due jobs every 200 ms.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use multicloud_aws::AwsProviderBuilder;
use multicloud_core::{AccessKey, AccountName, CloudProvider, ProviderKind, Result};
use multicloud_sync::worker::SyncWorker;
use multicloud_sync::{AccountRef, PostgresSnapshotStore, ProviderFactory, WorkerAccount};
use multicloud_testkit::aws::AwsSim;
use multicloud_testkit::SimCloud;

const ACCOUNTS: usize = 24;
const ROUNDS: usize = 2;
const POLICY: &str =
    "host_interval = \"30d\"\ncspm_interval = \"off\"\ncredential_check_interval = \"off\"";

#[derive(Debug)]
struct SimFactory {
    endpoint: String,
    key: AccessKey,
}

#[async_trait]
impl ProviderFactory for SimFactory {
    async fn provider(&self, account: &WorkerAccount) -> Result<Arc<dyn CloudProvider>> {
        let provider = AwsProviderBuilder::new(account.account.account.as_str())
            .with_access_key(self.key.clone())
            .with_endpoint_url(&self.endpoint)
            .build()?;
        Ok(Arc::new(provider))
    }
}

/// Seconds for `workers` workers to sync `ACCOUNTS` new accounts named `prefix-NN`.
async fn round(
    url: &str,
    store: &PostgresSnapshotStore,
    factory: &Arc<SimFactory>,
    workers: usize,
    prefix: &str,
) -> Result<f64> {
    for old in store.worker_accounts().await? {
        store.remove_worker_account(&old.account).await?;
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    for n in 1..=workers {
        let factory: Arc<dyn ProviderFactory> = factory.clone();
        let worker = SyncWorker::builder(url, format!("{prefix}-w{n}"), factory)
            .with_concurrency(2)
            .with_schedule_every(Duration::from_millis(200))
            .build();
        let mut stopped = stopped.clone();
        tasks.push(tokio::spawn(worker.run(async move {
            let _ = stopped.wait_for(|s| *s).await;
        })));
    }
    // Connected and polling before the clock starts.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut accounts = Vec::new();
    for i in 0..ACCOUNTS {
        let name = AccountName::new(format!("{prefix}-{i:02}"))?;
        accounts.push(AccountRef::new(ProviderKind::Aws, name));
    }
    let started = Instant::now();
    for account in &accounts {
        let row = WorkerAccount::new(account.clone(), POLICY, serde_json::json!({}))?;
        store.put_worker_account(&row).await?;
    }
    loop {
        let done = store
            .worker_runs()
            .await?
            .iter()
            .filter(|r| accounts.contains(&r.account) && r.finished_at.is_some())
            .count();
        if done >= ACCOUNTS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let _ = stop.send(true);
    for task in tasks {
        let _ = task.await;
    }
    Ok(seconds)
}

fn main() {
    let Ok(url) = std::env::var("MULTICLOUD_TEST_POSTGRES_URL") else {
        eprintln!(
            "workers bench not run: set MULTICLOUD_TEST_POSTGRES_URL (`source .ci/postgres.sh`)"
        );
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let result: Result<()> = runtime.block_on(async {
        let sim = SimCloud::builder(AwsSim::new())
            .hosts(120)
            .regions(3)
            .start()
            .await
            .map_err(|e| multicloud_core::Error::config("simulator").with_source(e))?;
        sim.faults()
            .on("ec2:DescribeInstances")
            .latency(Duration::from_millis(100));
        let admin = sim.keys().by_label("admin").expect("seeded key");
        let factory = Arc::new(SimFactory {
            endpoint: sim.base_url(),
            key: AccessKey::new(admin.id.clone(), admin.secret.expose()),
        });
        let store = PostgresSnapshotStore::connect(&url).await?;
        // A fresh tag per run, so that accounts of an earlier run are never synced again.
        let run = store.worker_runs().await?.len();
        let mut best = [f64::MAX; 3];
        for r in 0..ROUNDS {
            let order: Vec<usize> = if r % 2 == 0 {
                vec![1, 2, 3]
            } else {
                vec![3, 2, 1]
            };
            for workers in order {
                let seconds = round(
                    &url,
                    &store,
                    &factory,
                    workers,
                    &format!("b{run}r{r}n{workers}"),
                )
                .await?;
                println!("round {r}: {workers} worker(s): {ACCOUNTS} accounts in {seconds:.2} s");
                best[workers - 1] = best[workers - 1].min(seconds);
            }
        }
        for (i, seconds) in best.iter().enumerate() {
            println!(
                "{} worker(s): {:.1} accounts/s, {:.2}x one worker",
                i + 1,
                ACCOUNTS as f64 / seconds,
                best[0] / seconds
            );
        }
        Ok(())
    });
    if let Err(e) = result {
        eprintln!("workers bench failed: {}", e.report());
        std::process::exit(1);
    }
}

//! Worker mode against the simulated AWS cloud: N sync workers share M accounts through one
//! PostgreSQL database, then the example prints who synced what.
//!
//! ```sh
//! source .ci/postgres.sh        # a throwaway server; sets MULTICLOUD_TEST_POSTGRES_URL
//! cargo run -p multicloud-sdk --features postgres --example workers -- 3 40
//! ```
//!
//! Arguments: workers (default 3) and accounts (default 30). The database comes from
//! `MULTICLOUD_DATABASE_URL`, else `MULTICLOUD_TEST_POSTGRES_URL`; the example's accounts are
//! named `demo-NN` and replaced on every run. Each worker here is a task with its own
//! connections, exactly as a `multicloud-worker` process would run it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use multicloud_sdk::aws::AwsProviderBuilder;
use multicloud_sdk::sync::{AccountRef, SnapshotStore};
use multicloud_sdk::worker::{
    PostgresSnapshotStore, ProviderFactory, SyncWorker, WorkerAccount, WorkerRun,
};
use multicloud_sdk::{AccessKey, AccountName, CloudProvider, ProviderKind, Result};
use multicloud_testkit::aws::AwsSim;
use multicloud_testkit::SimCloud;

/// Every account uses the simulator's admin key (a real factory reads each account's key
/// from a secret store).
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

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let workers: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(3);
    let accounts: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(30);
    let Some(url) = ["MULTICLOUD_DATABASE_URL", "MULTICLOUD_TEST_POSTGRES_URL"]
        .iter()
        .find_map(|v| std::env::var(v).ok())
    else {
        eprintln!("set MULTICLOUD_DATABASE_URL (or `source .ci/postgres.sh`)");
        std::process::exit(2);
    };

    let sim = SimCloud::builder(AwsSim::new())
        .hosts(120)
        .regions(3)
        .start()
        .await?;
    // A round trip of a real cloud, roughly: what several workers overlap.
    sim.faults()
        .on("ec2:DescribeInstances")
        .latency(Duration::from_millis(100));
    let admin = sim.keys().by_label("admin").expect("seeded key");
    let factory = Arc::new(SimFactory {
        endpoint: sim.base_url(),
        key: AccessKey::new(admin.id.clone(), admin.secret.expose()),
    });

    let store = PostgresSnapshotStore::connect(&url).await?;
    for old in store.worker_accounts().await? {
        if old.account.account.as_str().starts_with("demo-") {
            store.remove_worker_account(&old.account).await?;
            store.delete_account(&old.account).await?;
        }
    }
    let policy =
        "host_interval = \"30d\"\ncspm_interval = \"off\"\ncredential_check_interval = \"off\"";
    let mut names = Vec::new();
    for i in 0..accounts {
        let account = AccountRef::new(ProviderKind::Aws, AccountName::new(format!("demo-{i:02}"))?);
        names.push(account.clone());
        store
            .put_worker_account(&WorkerAccount::new(account, policy, serde_json::json!({}))?)
            .await?;
    }

    let started = Instant::now();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    for n in 1..=workers {
        let worker = SyncWorker::builder(url.clone(), format!("w{n}"), factory.clone())
            .with_concurrency(2)
            .with_schedule_every(Duration::from_millis(300))
            .build();
        let mut stopped = stopped.clone();
        tasks.push(tokio::spawn(worker.run(async move {
            let _ = stopped.wait_for(|s| *s).await;
        })));
    }
    let runs: Vec<WorkerRun> = loop {
        let runs: Vec<WorkerRun> = store
            .worker_runs()
            .await?
            .into_iter()
            .filter(|r| names.contains(&r.account) && r.finished_at.is_some())
            .collect();
        if runs.len() >= names.len() {
            break runs;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let elapsed = started.elapsed();
    let _ = stop.send(true);
    for task in tasks {
        task.await?;
    }

    let mut by_worker: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for run in &runs {
        by_worker
            .entry(&run.worker)
            .or_default()
            .push(run.account.account.as_str());
    }
    for (worker, synced) in &by_worker {
        println!(
            "{worker} synced {} accounts: {}",
            synced.len(),
            synced.join(", ")
        );
    }
    let hosts: usize = {
        let mut total = 0;
        for account in &names {
            total += store.inventory(account).await?.hosts().count();
        }
        total
    };
    println!(
        "{} accounts, {hosts} hosts, {workers} workers: {:.1} s",
        names.len(),
        elapsed.as_secs_f64()
    );
    Ok(())
}

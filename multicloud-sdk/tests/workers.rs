//! Worker mode end to end: `multicloud-worker` processes over one PostgreSQL database and the
//! simulated AWS cloud. Needs the server `.ci/postgres.sh` starts (MULTICLOUD_TEST_POSTGRES_URL)
//! and its `psql` for creating and dropping databases.

#![cfg(all(feature = "postgres", feature = "aws"))]

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::sync::Arc;

use multicloud_sdk::aws::AwsProviderBuilder;
use multicloud_sdk::sync::{AccountRef, DefaultSyncPolicy, SnapshotStore, SyncEngine};
use multicloud_sdk::worker::{PostgresSnapshotStore, WorkerAccount, WorkerRun};
use multicloud_sdk::{AccessKey, AccountName, ProviderKind, StandardFeature};
use multicloud_testkit::aws::AwsSim;
use multicloud_testkit::{SimCloud, SimKey};

const POLICY: &str = r#"
regions = "all"
host_interval = "30d"
cspm_interval = "off"
credential_check_interval = "off"
"#;

/// The test server's URL, or `None` outside CI when none is configured (reason printed).
fn server_url() -> Option<String> {
    match std::env::var("MULTICLOUD_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!(
            "MULTICLOUD_TEST_POSTGRES_URL is not set although CI is: .ci/run sources \
             .ci/postgres.sh, which starts PostgreSQL and sets it"
        ),
        _ => {
            eprintln!(
                "worker test not run: MULTICLOUD_TEST_POSTGRES_URL is not set \
                 (`source .ci/postgres.sh` starts a throwaway server and sets it)"
            );
            None
        }
    }
}

fn psql(url: &str, sql: &str) {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-qc", sql])
        .output()
        .expect("psql runs (it comes with PostgreSQL)");
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A new, empty database named after `case`: (its URL, its name).
fn fresh_database(case: &str) -> Option<(String, String)> {
    let url = server_url()?;
    let name = format!("mc_workers_{case}_{}", std::process::id());
    psql(
        &url,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    );
    psql(&url, &format!("CREATE DATABASE {name}"));
    let (server, _) = url.rsplit_once('/').unwrap();
    Some((format!("{server}/{name}"), name))
}

/// A `multicloud-worker` process; killed (SIGKILL) when dropped.
struct Worker {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Worker {
    fn spawn(name: &str, url: &str, key: &SimKey, dir: &Path, env: &[(&str, &str)]) -> Worker {
        let log = dir.join(format!("{name}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_multicloud-worker"))
            .env("MULTICLOUD_DATABASE_URL", url)
            .env("MULTICLOUD_WORKER_NAME", name)
            .env("AWS_ACCESS_KEY_ID", &key.id)
            .env("AWS_SECRET_ACCESS_KEY", key.secret.expose())
            .env_remove("AWS_SESSION_TOKEN")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .expect("the worker binary starts");
        Worker {
            name: name.to_owned(),
            child,
            log,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `done` every 100 ms for at most `limit`.
async fn wait_for<F: FnMut() -> Fut, Fut: std::future::Future<Output = bool>>(
    limit: Duration,
    what: &str,
    mut done: F,
) {
    let deadline = Instant::now() + limit;
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn fast(concurrency: &str) -> Vec<(&'static str, String)> {
    vec![
        ("MULTICLOUD_WORKER_CONCURRENCY", concurrency.to_owned()),
        ("MULTICLOUD_WORKER_HEARTBEAT_MS", "500".to_owned()),
        ("MULTICLOUD_WORKER_MISSED_HEARTBEATS", "4".to_owned()),
        ("MULTICLOUD_WORKER_SCHEDULE_MS", "300".to_owned()),
        ("MULTICLOUD_WORKER_BACKOFF_MS", "200".to_owned()),
        ("MULTICLOUD_WORKER_MAX_BACKOFF_MS", "800".to_owned()),
    ]
}

fn as_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_worker_processes_sync_50_accounts_once_each_though_one_is_killed_mid_sync() {
    let Some((url, _)) = fresh_database("three") else {
        return;
    };
    let sim = SimCloud::builder(AwsSim::new())
        .hosts(60)
        .regions(3)
        .seed(31)
        .start()
        .await
        .unwrap();
    // Slow listings, so that a sync is under way when a worker is killed.
    sim.faults()
        .on("ec2:DescribeInstances")
        .latency(Duration::from_millis(300));
    let key = sim.keys().by_label("admin").unwrap().clone();
    // What one engine in this process stores for the same cloud: what every account must hold.
    let expected = {
        let provider = AwsProviderBuilder::new("reference")
            .with_access_key(AccessKey::new(key.id.clone(), key.secret.expose()))
            .with_endpoint_url(sim.base_url())
            .build()
            .unwrap();
        let policy = DefaultSyncPolicy::from_toml_str(POLICY).unwrap();
        let engine = SyncEngine::builder(Arc::new(provider), Arc::new(policy))
            .build()
            .unwrap();
        assert!(engine
            .sync_now(&[&StandardFeature::Host])
            .await
            .is_complete());
        engine.inventory().await.unwrap()
    };
    assert!(expected.hosts().count() > 0);
    let store = PostgresSnapshotStore::connect(&url).await.unwrap();
    let settings = serde_json::json!({ "endpoint_url": sim.base_url() });
    let accounts: Vec<AccountRef> = (0..50)
        .map(|i| {
            AccountRef::new(
                ProviderKind::Aws,
                AccountName::new(format!("acct-{i:02}")).unwrap(),
            )
        })
        .collect();
    for account in &accounts {
        let row = WorkerAccount::new(account.clone(), POLICY, settings.clone()).unwrap();
        store.put_worker_account(&row).await.unwrap();
    }

    // A run finished 30 days ago: the workers delete it (retention 7 days by default).
    psql(
        &url,
        "INSERT INTO multicloud.worker_runs (provider, account, feature, slot, worker, attempts, \
         started_at, finished_at) VALUES ('aws', 'acct-ancient', 'host', 0, 'w0', 1, \
         now() - interval '30 days', now() - interval '30 days')",
    );

    let dir = tempfile::tempdir().unwrap();
    let env = fast("3");
    let mut workers: Vec<Worker> = ["w1", "w2", "w3"]
        .iter()
        .map(|name| Worker::spawn(name, &url, &key, dir.path(), &as_refs(&env)))
        .collect();

    // Kill w2 while it is in the middle of a sync.
    wait_for(Duration::from_secs(60), "w2 to be mid-sync", || async {
        store
            .worker_runs()
            .await
            .unwrap()
            .iter()
            .any(|r| r.worker == "w2" && r.finished_at.is_none())
    })
    .await;
    let killed = &mut workers[1];
    killed.child.kill().unwrap(); // SIGKILL
    let status = killed.child.wait().unwrap();
    assert!(!status.success());
    let interrupted: BTreeSet<(AccountRef, i64)> = store
        .worker_runs()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.worker == "w2" && r.finished_at.is_none())
        .map(|r| (r.account, r.slot))
        .collect();
    assert!(!interrupted.is_empty());

    // Every account's due sync finishes, the interrupted ones on another worker.
    wait_for(
        Duration::from_secs(120),
        "every account to be synced",
        || async {
            let runs = store.worker_runs().await.unwrap();
            let done: BTreeSet<&AccountRef> = runs
                .iter()
                .filter(|r| r.finished_at.is_some())
                .map(|r| &r.account)
                .collect();
            done.len() == accounts.len() && runs.iter().all(|r| r.finished_at.is_some())
        },
    )
    .await;
    for worker in workers.iter_mut().filter(|w| w.name != "w2") {
        assert!(
            worker.is_running(),
            "{} died:\n{}",
            worker.name,
            worker.log()
        );
    }
    drop(workers);

    let runs = store.worker_runs().await.unwrap();
    assert!(
        runs.iter()
            .all(|r| r.account.account.as_str() != "acct-ancient"),
        "the month-old run was deleted"
    );
    let by_account: BTreeMap<&AccountRef, Vec<&WorkerRun>> =
        runs.iter().fold(BTreeMap::new(), |mut map, r| {
            map.entry(&r.account).or_default().push(r);
            map
        });
    let jobs = runs[0].jobs;
    assert!(
        jobs.is_some_and(|(ok, failed)| ok >= 3 && failed == 0),
        "{jobs:?}"
    );
    for account in &accounts {
        let runs = &by_account[account];
        // One interval elapsed (30 days): one run, unless a slot boundary fell in the test.
        assert!(!runs.is_empty() && runs.len() <= 2, "{account}: {runs:?}");
        for run in runs {
            assert_eq!(run.feature, "host");
            assert_eq!(
                run.jobs, jobs,
                "{account}: every (region, kind) synced: {run:?}"
            );
            // A run the killed worker had finished is not run again, even when the queue
            // delivers its job again; one it had not finished ran again elsewhere.
            if interrupted.contains(&(account.clone(), run.slot)) {
                assert_eq!(run.attempts, 2, "an interrupted run ran again: {run:?}");
                assert_ne!(run.worker, "w2");
            } else {
                assert_eq!(run.attempts, 1, "no other run repeats: {run:?}");
            }
        }
    }

    // No missed host, no duplicate snapshot, each diff once (the first sync adds all).
    let hosts_per_region: BTreeMap<String, usize> =
        expected.hosts().fold(BTreeMap::new(), |mut map, h| {
            *map.entry(h.region.clone()).or_default() += 1;
            map
        });
    let mut synced_events = 0;
    let mut total_diffs = 0;
    for event in store.outbox(0, 10_000).await.unwrap() {
        assert_eq!(event.event, "synced", "{event:?}");
        synced_events += 1;
    }
    for account in &accounts {
        let inventory = store.inventory(account).await.unwrap();
        let ids: BTreeSet<&str> = inventory.hosts().map(|h| h.id.as_str()).collect();
        assert_eq!(
            ids,
            expected.hosts().map(|h| h.id.as_str()).collect(),
            "{account}"
        );
        let diffs = store.diffs(account, 1000).await.unwrap();
        let mut added: BTreeMap<(String, String), usize> = BTreeMap::new();
        for record in &diffs {
            assert!(record.diff.removed.is_empty() && record.diff.changed.is_empty());
            let scope = (record.region.clone(), record.kind.clone());
            assert!(
                added.insert(scope, record.diff.added.len()).is_none(),
                "{account}: a diff twice"
            );
        }
        let hosts_added: BTreeMap<String, usize> = added
            .iter()
            .filter(|((_, kind), _)| kind == "host")
            .map(|((region, _), n)| (region.clone(), *n))
            .collect();
        assert_eq!(hosts_added, hosts_per_region, "{account}");
        // Every non-empty snapshot came with exactly one diff.
        let stored = inventory
            .snapshots()
            .filter(|(_, _, s)| !s.is_empty())
            .count();
        assert_eq!(diffs.len(), stored, "{account}");
        total_diffs += diffs.len();
    }
    assert_eq!(synced_events, total_diffs, "each diff once in the outbox");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_with_a_wrong_database_url_says_so_and_retries_with_backoff() {
    if server_url().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = SimKey::new("AKIAWRONGURL000000", "secret-never-printed", "123456789012");
    let env = fast("1");
    // Nothing listens on port 1; the password must never be printed.
    let url = "postgres://u:pw-marker-51d2@127.0.0.1:1/nowhere";
    let mut worker = Worker::spawn("lost", url, &key, dir.path(), &as_refs(&env));
    wait_for(Duration::from_secs(20), "three failed attempts", || {
        let log = worker.log();
        async move { log.matches("retrying").count() >= 3 }
    })
    .await;
    assert!(worker.is_running(), "it keeps trying:\n{}", worker.log());
    let log = worker.log();
    assert!(
        log.contains("127.0.0.1:1/nowhere") && log.contains("unreachable"),
        "{log}"
    );
    assert!(
        log.contains("retry_in=200ms") && log.contains("retry_in=400ms"),
        "{log}"
    );
    assert!(
        !log.contains("pw-marker-51d2") && !log.contains("panicked"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_whose_database_goes_away_retries_and_comes_back_when_it_returns() {
    let Some((url, name)) = fresh_database("gone") else {
        return;
    };
    let admin = server_url().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = SimKey::new("AKIADBGONE00000000", "secret-never-printed", "123456789012");
    let env = fast("1");
    let mut worker = Worker::spawn("orphan", &url, &key, dir.path(), &as_refs(&env));
    wait_for(Duration::from_secs(30), "the worker to connect", || {
        let log = worker.log();
        async move { log.contains("sync worker connected") }
    })
    .await;

    psql(&admin, &format!("DROP DATABASE {name} WITH (FORCE)"));
    wait_for(Duration::from_secs(30), "failed reconnections", || {
        let log = worker.log();
        async move { log.matches("does not exist").count() >= 2 }
    })
    .await;
    assert!(worker.is_running(), "{}", worker.log());

    psql(&admin, &format!("CREATE DATABASE {name}"));
    wait_for(Duration::from_secs(30), "the worker to reconnect", || {
        let log = worker.log();
        async move { log.matches("sync worker connected").count() >= 2 }
    })
    .await;
    let log = worker.log();
    assert!(
        log.contains("retrying") && !log.contains("panicked"),
        "{log}"
    );
}

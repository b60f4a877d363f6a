//! What a sync worker schedules and runs: one job per (account, feature, interval).

use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{BoxDynError, Data, TaskBuilder, TaskSink, TaskSinkError};
use apalis_postgres::PostgresStorage;
use multicloud_core::{Clock, Error, Feature, Result, StandardFeature, SyncPolicy};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::builder::DEFAULT_CONCURRENCY;
use crate::engine::SyncEngine;
use crate::events::SyncEvent;
use crate::item::AccountRef;
use crate::postgres::{parse_account, PostgresSnapshotStore};
use crate::worker_accounts::{ProviderFactory, WorkerAccount};

/// The queue's name in `apalis.jobs`.
pub(crate) const QUEUE: &str = "multicloud-sync";

/// The pseudo-feature of the AccessKey check.
pub(crate) const CREDENTIAL: &str = "credential";

/// How often a job is tried before the queue gives up on it (a dead worker's attempt counts).
const MAX_ATTEMPTS: usize = 10;

/// What every job of one worker process shares.
#[derive(Clone)]
pub(crate) struct Shared {
    pub(crate) name: String,
    pub(crate) factory: Arc<dyn ProviderFactory>,
    pub(crate) features: Vec<StandardFeature>,
    pub(crate) clock: Arc<dyn Clock>,
    /// Set for each session, once connected.
    pub(crate) store: Option<PostgresSnapshotStore>,
}

/// A queued sync: the interval `slot` of (account, feature).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SyncJob {
    provider: String,
    account: String,
    feature: String,
    slot: i64,
}

/// The interval that `now` falls in, for syncs every `every` of (account, feature). Each
/// (account, feature) is shifted by a stable offset within the interval, so that accounts
/// added together do not all fall due at the same second.
pub(crate) fn slot_of(now_secs: i64, every: Duration, account: &AccountRef, feature: &str) -> i64 {
    let every = i64::try_from(every.as_secs().max(1)).unwrap_or(i64::MAX);
    // FNV-1a: stable across builds and processes (std's hasher is not).
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in format!("{account}/{feature}").bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let offset = i64::try_from(hash % every.unsigned_abs()).unwrap_or(0);
    (now_secs - offset).div_euclid(every)
}

fn store(shared: &Shared) -> Result<&PostgresSnapshotStore> {
    shared
        .store
        .as_ref()
        .ok_or_else(|| Error::config("sync worker: not connected"))
}

/// Pushes every job that is due now and not queued yet.
pub(crate) async fn schedule_due(
    shared: &Shared,
    sink: &mut PostgresStorage<SyncJob>,
) -> Result<()> {
    let store = store(shared)?;
    let now = shared.clock.now().unix_timestamp();
    let mut due: Vec<(String, SyncJob)> = Vec::new();
    for account in store.worker_accounts().await? {
        let policy = match account.sync_policy() {
            Ok(policy) => policy,
            Err(e) => {
                tracing::warn!(account = %account.account, error = %e, "worker account skipped: its policy does not load");
                continue;
            }
        };
        let mut features: Vec<(String, Duration)> = shared
            .features
            .iter()
            .filter_map(|f| policy.interval(f.name()).map(|d| (f.name().to_owned(), d)))
            .collect();
        if let Some(every) = policy.credential_check_interval() {
            features.push((CREDENTIAL.to_owned(), every));
        }
        for (feature, every) in features {
            let slot = slot_of(now, every, &account.account, &feature);
            let key = format!("{}/{feature}/{}s/{slot}", account.account, every.as_secs());
            due.push((
                key,
                SyncJob {
                    provider: account.account.provider.as_str().to_owned(),
                    account: account.account.account.as_str().to_owned(),
                    feature,
                    slot,
                },
            ));
        }
    }
    let keys: Vec<&str> = due.iter().map(|(k, _)| k.as_str()).collect();
    let queued: Vec<String> = sqlx::query_scalar(
        "SELECT idempotency_key FROM apalis.jobs WHERE job_type = $1 AND idempotency_key = ANY($2)",
    )
    .bind(QUEUE)
    .bind(&keys)
    .fetch_all(&store.pool)
    .await
    .map_err(store.err("read the job queue"))?;
    for (key, job) in due {
        if queued.contains(&key) {
            continue;
        }
        let task = TaskBuilder::new(job)
            .idempotency_key(&key)
            .max_attempts(MAX_ATTEMPTS)
            .build();
        match sink.push_task(task).await {
            Ok(()) => tracing::debug!(worker = %shared.name, %key, "queued"),
            // Another worker queued it in between: the key is unique.
            Err(TaskSinkError::PushError(apalis_postgres::Error::Database(
                sqlx::Error::Database(db),
            ))) if db.is_unique_violation() => {}
            Err(e) => {
                return Err(Error::new(
                    multicloud_core::ErrorKind::Transient,
                    format!("job queue {}: queueing {key} failed", store.database()),
                )
                .with_source(e))
            }
        }
    }
    Ok(())
}

/// Runs one job: locks the account across workers, syncs, records the run and the events.
///
/// A sync that fails at the cloud is a finished run (its failures are in the outbox); only
/// a database failure fails the job, so that the queue tries it again.
pub(crate) async fn handle(
    job: SyncJob,
    shared: Data<Arc<Shared>>,
) -> std::result::Result<(), BoxDynError> {
    let store = store(&shared)?.clone();
    let account = parse_account(&job.provider, job.account.clone())?;
    let mut lock = store.pool.acquire().await.map_err(store.err("connect"))?;
    let lock_key = format!("worker\u{1f}{account}");
    // Waits while another worker syncs this account; freed when that worker's connection
    // ends, so a killed worker never holds it.
    sqlx::query("SELECT pg_advisory_lock(hashtextextended($1, 0))")
        .bind(&lock_key)
        .execute(&mut *lock)
        .await
        .map_err(store.err("lock an account"))?;
    let result = run_locked(&job, &account, &shared, &store).await;
    let unlocked = sqlx::query("SELECT pg_advisory_unlock(hashtextextended($1, 0))")
        .bind(&lock_key)
        .execute(&mut *lock)
        .await;
    if unlocked.is_err() {
        // Closing the connection frees the lock for sure.
        drop(lock.detach());
    }
    result.map_err(Into::into)
}

async fn run_locked(
    job: &SyncJob,
    account: &AccountRef,
    shared: &Shared,
    store: &PostgresSnapshotStore,
) -> Result<()> {
    let mut conn = store.pool.acquire().await.map_err(store.err("connect"))?;
    // The queue delivers at least once (a worker that misses heartbeats while busy loses its
    // jobs to others). Holding the account's lock, a finished run of this slot means the
    // job is done: it is not run twice. An unfinished one means its worker died mid-sync.
    let finished: Option<bool> = sqlx::query_scalar(
        "SELECT finished_at IS NOT NULL FROM multicloud.worker_runs \
         WHERE provider = $1 AND account = $2 AND feature = $3 AND slot = $4",
    )
    .bind(&job.provider)
    .bind(&job.account)
    .bind(&job.feature)
    .bind(job.slot)
    .fetch_optional(&mut *conn)
    .await
    .map_err(store.err("read a run"))?;
    if finished == Some(true) {
        tracing::debug!(%account, feature = %job.feature, slot = job.slot, "already synced; delivered again");
        return Ok(());
    }
    start_run(&mut conn, job, &shared.name)
        .await
        .map_err(store.err("record a run"))?;
    let accounts = store.worker_accounts().await?;
    let Some(row) = accounts.into_iter().find(|a| &a.account == account) else {
        tracing::info!(%account, "worker account removed; job dropped");
        return finish_run(&mut conn, job, 0, 0)
            .await
            .map_err(store.err("record a run"));
    };
    let (ok, failed) = match sync(job, &row, shared, store).await? {
        Ok(counts) => counts,
        Err(e) => {
            store
                .record_event(&SyncEvent::SyncFailed {
                    account: account.clone(),
                    region: None,
                    kind: None,
                    error: Arc::new(e),
                })
                .await?;
            (0, 1)
        }
    };
    finish_run(&mut conn, job, ok, failed)
        .await
        .map_err(store.err("record a run"))?;
    tracing::info!(worker = %shared.name, %account, feature = %job.feature, slot = job.slot, ok, failed, "synced");
    Ok(())
}

/// Syncs the feature (or checks the key) and writes failures and status changes to the
/// outbox; returns the (region, kind) jobs that stored a snapshot and those that failed.
/// The outer error is the database's (the job is tried again), the inner one the account's
/// (its policy, provider or key: the run is over and the outbox says why).
async fn sync(
    job: &SyncJob,
    row: &WorkerAccount,
    shared: &Shared,
    store: &PostgresSnapshotStore,
) -> Result<Result<(i32, i32)>> {
    let engine = match engine(job, row, shared, store).await {
        Ok(engine) => engine,
        Err(e) => return Ok(Err(e)),
    };
    if job.feature == CREDENTIAL {
        let status = match engine.check_credentials().await {
            Ok(report) => report.credential,
            Err(e) => multicloud_core::CredentialStatus::Unknown {
                kind: e.kind(),
                diagnosis: format!("the AccessKey check could not run: {}", e.message()),
            },
        };
        store
            .record_credential_status(&row.account, &status)
            .await?;
        return Ok(Ok((1, 0)));
    }
    let features = engine.features().to_vec();
    let refs: Vec<&dyn Feature> = features.iter().map(|f| f.as_ref()).collect();
    let mut events = engine.subscribe();
    let report = engine.sync_now(&refs).await;
    while let Ok(event) = events.try_recv() {
        store.record_event(&event).await?;
    }
    let ok = report.jobs.iter().filter(|j| j.result.is_ok()).count();
    let failed = report.jobs.len() - ok + usize::from(report.regions_error.is_some());
    Ok(Ok((
        i32::try_from(ok).unwrap_or(i32::MAX),
        i32::try_from(failed).unwrap_or(i32::MAX),
    )))
}

/// The account's engine, syncing the job's feature into the shared store.
async fn engine(
    job: &SyncJob,
    row: &WorkerAccount,
    shared: &Shared,
    store: &PostgresSnapshotStore,
) -> Result<SyncEngine> {
    let policy = Arc::new(row.sync_policy()?);
    let provider = shared.factory.provider(row).await?;
    let feature: Vec<Arc<dyn Feature>> = shared
        .features
        .iter()
        .filter(|f| f.name() == job.feature)
        .map(|f| Arc::new(*f) as Arc<dyn Feature>)
        .collect();
    SyncEngine::builder(provider, policy)
        .with_store(Arc::new(store.clone()))
        .with_features(feature)
        .with_concurrency(DEFAULT_CONCURRENCY)
        .with_clock(Arc::clone(&shared.clock))
        .build()
}

async fn start_run(
    conn: &mut PgConnection,
    job: &SyncJob,
    worker: &str,
) -> std::result::Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO multicloud.worker_runs \
         (provider, account, feature, slot, worker, attempts, started_at) \
         VALUES ($1, $2, $3, $4, $5, 1, now()) \
         ON CONFLICT (provider, account, feature, slot) DO UPDATE SET \
         worker = EXCLUDED.worker, attempts = multicloud.worker_runs.attempts + 1, \
         started_at = now(), finished_at = NULL, jobs_ok = NULL, jobs_failed = NULL",
    )
    .bind(&job.provider)
    .bind(&job.account)
    .bind(&job.feature)
    .bind(job.slot)
    .bind(worker)
    .execute(conn)
    .await?;
    Ok(())
}

async fn finish_run(
    conn: &mut PgConnection,
    job: &SyncJob,
    ok: i32,
    failed: i32,
) -> std::result::Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE multicloud.worker_runs SET finished_at = now(), jobs_ok = $5, jobs_failed = $6 \
         WHERE provider = $1 AND account = $2 AND feature = $3 AND slot = $4",
    )
    .bind(&job.provider)
    .bind(&job.account)
    .bind(&job.feature)
    .bind(job.slot)
    .bind(ok)
    .bind(failed)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use multicloud_core::{AccountName, ProviderKind};

    use super::*;

    fn account(name: &str) -> AccountRef {
        AccountRef::new(ProviderKind::Aws, AccountName::new(name).unwrap())
    }

    /// The seconds in `[from, from + span)` at which (account, feature) enters a new slot.
    fn boundaries(from: i64, span: i64, every: Duration, account: &AccountRef) -> Vec<i64> {
        (from..from + span)
            .filter(|t| {
                slot_of(*t, every, account, "host") != slot_of(t - 1, every, account, "host")
            })
            .collect()
    }

    #[test]
    fn each_interval_is_one_slot_and_accounts_fall_due_at_different_seconds() {
        let every = Duration::from_secs(3600);
        let t0 = 1_800_000_000;
        let mut offsets = BTreeSet::new();
        for i in 0..20 {
            let a = account(&format!("acct-{i}"));
            // Exactly one new slot per interval, one interval apart, one slot each.
            let first = boundaries(t0, 3600, every, &a);
            assert_eq!(first.len(), 1, "{a}");
            assert_eq!(boundaries(first[0] + 1, 3600, every, &a), [first[0] + 3600]);
            assert_eq!(
                slot_of(first[0] + 3600, every, &a, "host"),
                slot_of(first[0], every, &a, "host") + 1
            );
            offsets.insert(first[0] % 3600);
        }
        assert!(offsets.len() > 10, "spread over the hour: {offsets:?}");
        // Stable across calls (and processes: no random hasher).
        assert_eq!(
            slot_of(t0, every, &account("x"), "cspm"),
            slot_of(t0, every, &account("x"), "cspm")
        );
    }
}

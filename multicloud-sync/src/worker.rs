//! Worker mode: several processes share the accounts of one PostgreSQL database.
//!
//! Each [`SyncWorker`] connects, applies the schema, and runs two loops until shut down:
//!
//! - the **scheduler** (every [`with_schedule_every`](SyncWorkerBuilder::with_schedule_every)):
//!   for each worker account and each feature its policy schedules, the current interval's
//!   job is pushed on the queue with an idempotency key naming (account, feature, interval),
//!   so however many workers schedule, each interval's sync is queued once;
//! - the **apalis worker**: takes jobs (a few at a time), heartbeats, and re-enqueues the jobs
//!   of workers that missed their heartbeats (a dead worker's job runs again elsewhere after
//!   `heartbeat × missed heartbeats`).
//!
//! A job first takes a session advisory lock on its account: one worker at a time syncs an
//! account, so the same (account, feature) never runs twice at once and the account's cloud
//! rate limits (enforced by the provider's transport in the process that holds the lock)
//! hold across workers. The lock dies with its connection, so a killed worker frees it.
//!
//! Failures of the database (a wrong URL, a database that went away) end the session with
//! an error naming the database (never its password); the worker logs it and starts again
//! after an exponential backoff. It never panics on them.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{WorkerBuilder, WorkerBuilderExt};
use apalis_postgres::{Config, PostgresStorage};
use futures::FutureExt;
use multicloud_core::{Clock, Error, ErrorKind, Result, StandardFeature, SystemClock};

use crate::engine::INVENTORY_FEATURES;
use crate::postgres::PostgresSnapshotStore;
use crate::worker_accounts::ProviderFactory;
use crate::worker_job::{handle, schedule_due, Shared, SyncJob, QUEUE};

/// Defaults of [`SyncWorkerBuilder`]: how many accounts one worker syncs at once.
pub const DEFAULT_WORKER_CONCURRENCY: usize = 4;

/// Defaults of [`SyncWorkerBuilder`]: how long finished runs and ended jobs are kept.
pub const DEFAULT_HISTORY_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// How often a worker deletes the runs and jobs older than its retention.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// A sync worker process's loop; see the [module docs](self) for what it guarantees.
pub struct SyncWorker {
    url: String,
    shared: Arc<Shared>,
    concurrency: usize,
    heartbeat: Duration,
    missed_heartbeats: usize,
    schedule_every: Duration,
    backoff: (Duration, Duration),
    history_retention: Duration,
}

impl fmt::Debug for SyncWorker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may hold a password: never shown.
        f.debug_struct("SyncWorker")
            .field("name", &self.shared.name)
            .field("concurrency", &self.concurrency)
            .field("heartbeat", &self.heartbeat)
            .field("missed_heartbeats", &self.missed_heartbeats)
            .finish_non_exhaustive()
    }
}

/// Configures a [`SyncWorker`]; made by [`SyncWorker::builder`].
pub struct SyncWorkerBuilder {
    worker: SyncWorker,
    features: Vec<StandardFeature>,
}

impl fmt::Debug for SyncWorkerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncWorkerBuilder")
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

impl SyncWorker {
    /// A worker named `name` (shown in runs and logs) on the database at `url`, building
    /// providers with `factory`.
    pub fn builder(
        url: impl Into<String>,
        name: impl Into<String>,
        factory: Arc<dyn ProviderFactory>,
    ) -> SyncWorkerBuilder {
        SyncWorkerBuilder {
            worker: SyncWorker {
                url: url.into(),
                shared: Arc::new(Shared {
                    name: name.into(),
                    factory,
                    features: Vec::new(),
                    clock: Arc::new(SystemClock),
                    store: None,
                }),
                concurrency: DEFAULT_WORKER_CONCURRENCY,
                heartbeat: Duration::from_secs(10),
                missed_heartbeats: 3,
                schedule_every: Duration::from_secs(10),
                backoff: (Duration::from_secs(1), Duration::from_secs(60)),
                history_retention: DEFAULT_HISTORY_RETENTION,
            },
            features: INVENTORY_FEATURES.to_vec(),
        }
    }

    /// Runs until `shutdown` completes: connects (retrying with backoff), schedules, and
    /// syncs. Database failures are logged and retried, never returned.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        let shutdown = shutdown.boxed().shared();
        let mut delay = self.backoff.0;
        let mut session = 0u64;
        loop {
            session += 1;
            let started = tokio::time::Instant::now();
            let result = tokio::select! {
                biased;
                () = shutdown.clone() => return,
                result = self.session(session, shutdown.clone()) => result,
            };
            let error = match result {
                Ok(()) => return,
                Err(error) => error,
            };
            // A session that ran a while was healthy: start the backoff over.
            if started.elapsed() > self.backoff.1 {
                delay = self.backoff.0;
            }
            tracing::error!(
                worker = %self.shared.name,
                retry_in = ?delay,
                error = %error.report(),
                "sync worker stopped on a database error; retrying"
            );
            tokio::select! {
                () = shutdown.clone() => return,
                () = tokio::time::sleep(delay) => {}
            }
            delay = (delay * 2).min(self.backoff.1);
        }
    }

    async fn session(
        &self,
        session: u64,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        let pool_size = u32::try_from(self.concurrency * 2 + 4).unwrap_or(u32::MAX);
        let store = PostgresSnapshotStore::connect_with(&self.url, pool_size).await?;
        PostgresStorage::setup(&store.pool).await.map_err(|e| {
            Error::new(
                ErrorKind::Transient,
                format!(
                    "job queue {}: setting up the queue tables failed",
                    store.database()
                ),
            )
            .with_source(e)
        })?;
        tracing::info!(worker = %self.shared.name, database = %store.database(), "sync worker connected");
        let shared = Arc::new(Shared {
            store: Some(store.clone()),
            ..Shared::clone(&self.shared)
        });
        let config = Config::default()
            .queue(QUEUE)
            .batch_size(self.concurrency)
            .heartbeat_interval(self.heartbeat)
            .missed_heartbeats(self.missed_heartbeats);
        let backend = PostgresStorage::<SyncJob>::new(&store.pool).with_config(config.clone());
        let id = format!("{}-{}-{session}", self.shared.name, std::process::id());
        let worker = WorkerBuilder::new(id)
            .backend(backend)
            .data(Arc::clone(&shared))
            .concurrency(self.concurrency)
            .build(handle);
        let database = store.database();
        let run = worker.run_until(shutdown.map(Ok::<(), std::io::Error>));
        let schedule = async {
            let mut sink = PostgresStorage::<SyncJob>::new(&store.pool).with_config(config);
            let mut pruned_at: Option<tokio::time::Instant> = None;
            loop {
                schedule_due(&shared, &mut sink).await?;
                if pruned_at.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
                    pruned_at = Some(tokio::time::Instant::now());
                    self.prune(&store).await;
                }
                tokio::time::sleep(self.schedule_every).await;
            }
        };
        tokio::select! {
            result = run => result.map_err(|e| {
                Error::new(ErrorKind::Transient, format!("job queue {database}: the worker stopped: {e}"))
            }),
            result = schedule => result,
        }
    }
}

impl SyncWorker {
    /// Deletes the runs and jobs older than the retention. Housekeeping: a failure is
    /// logged and tried again next time, never ending the session.
    async fn prune(&self, store: &PostgresSnapshotStore) {
        match store.prune_worker_history(self.history_retention).await {
            Ok(pruned) => tracing::debug!(
                worker = %self.shared.name,
                runs = pruned.runs,
                jobs = pruned.jobs,
                "old runs and jobs deleted"
            ),
            Err(error) => tracing::warn!(
                worker = %self.shared.name,
                error = %error.report(),
                "deleting old runs and jobs failed; trying again later"
            ),
        }
    }
}

impl SyncWorkerBuilder {
    /// How many accounts this worker syncs at once (at least 1).
    pub fn with_concurrency(mut self, accounts: usize) -> Self {
        self.worker.concurrency = accounts.max(1);
        self
    }

    /// How often the worker reports itself alive; a worker silent for `heartbeat ×
    /// missed` is taken for dead and its jobs are run by others (10 s × 3 by default).
    pub fn with_heartbeat(mut self, heartbeat: Duration, missed: usize) -> Self {
        self.worker.heartbeat = heartbeat;
        self.worker.missed_heartbeats = missed.max(1);
        self
    }

    /// How often the worker pushes the jobs that became due (10 s by default).
    pub fn with_schedule_every(mut self, every: Duration) -> Self {
        self.worker.schedule_every = every;
        self
    }

    /// The first and the longest wait before reconnecting after a database failure
    /// (1 s, doubling up to 60 s, by default).
    pub fn with_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.worker.backoff = (first, max.max(first));
        self
    }

    /// How long finished runs and the queue's ended jobs are kept
    /// ([`DEFAULT_HISTORY_RETENTION`], 7 days, by default); the worker deletes older ones
    /// about hourly ([`PostgresSnapshotStore::prune_worker_history`]). Keep it at least the
    /// longest interval a policy sets.
    pub fn with_history_retention(mut self, retention: Duration) -> Self {
        self.worker.history_retention = retention;
        self
    }

    /// The features synced ([`INVENTORY_FEATURES`] by default); the AccessKey check runs
    /// as its own job when the policy schedules it.
    pub fn with_features(mut self, features: impl IntoIterator<Item = StandardFeature>) -> Self {
        self.features = features.into_iter().collect();
        self
    }

    /// The clock that decides which interval is due ([`SystemClock`] by default).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        let shared = Arc::make_mut(&mut self.worker.shared);
        shared.clock = clock;
        self
    }

    /// The worker.
    pub fn build(mut self) -> SyncWorker {
        Arc::make_mut(&mut self.worker.shared).features = self.features;
        self.worker
    }
}

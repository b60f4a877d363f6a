//! [`SyncEngineBuilder`]: store, concurrency, clock and event capacity, all optional.

use std::fmt;
use std::sync::{Arc, Mutex};

use multicloud_core::{Clock, CloudProvider, Error, Feature, Result, SyncPolicy, SystemClock};
use tokio::sync::broadcast;

use crate::engine::{zero_interval, Inner, SyncEngine, INVENTORY_FEATURES};
use crate::item::AccountRef;
use crate::memory::MemoryStore;
use crate::snapshot::SnapshotStore;
use crate::writer::DiffDetail;

/// The most (region, kind) jobs that run at once unless
/// [`SyncEngineBuilder::with_concurrency`] says otherwise. A round runs as many jobs at once
/// as it has, up to this bound, each as its own task on the runtime's workers; the
/// transport's per-API limits (concurrency and the clouds' documented request rates) bound
/// the requests themselves, so the jobs' width follows the work.
pub const DEFAULT_CONCURRENCY: usize = 256;

/// How many events a slow subscriber may fall behind before it skips some.
pub const DEFAULT_EVENT_CAPACITY: usize = 1024;

impl SyncEngine {
    /// Starts building an engine for `provider`'s account, scheduled by `policy`.
    pub fn builder(
        provider: Arc<dyn CloudProvider>,
        policy: Arc<dyn SyncPolicy>,
    ) -> SyncEngineBuilder {
        SyncEngineBuilder::new(provider, policy)
    }
}

/// Configures a [`SyncEngine`]; made by [`SyncEngine::builder`].
pub struct SyncEngineBuilder {
    provider: Arc<dyn CloudProvider>,
    policy: Arc<dyn SyncPolicy>,
    store: Option<Arc<dyn SnapshotStore>>,
    features: Vec<Arc<dyn Feature>>,
    concurrency: usize,
    clock: Arc<dyn Clock>,
    event_capacity: usize,
    diff_detail: DiffDetail,
}

impl SyncEngineBuilder {
    fn new(provider: Arc<dyn CloudProvider>, policy: Arc<dyn SyncPolicy>) -> Self {
        SyncEngineBuilder {
            provider,
            policy,
            store: None,
            features: INVENTORY_FEATURES
                .into_iter()
                .map(|f| Arc::new(f) as Arc<dyn Feature>)
                .collect(),
            concurrency: DEFAULT_CONCURRENCY,
            clock: Arc::new(SystemClock),
            event_capacity: DEFAULT_EVENT_CAPACITY,
            diff_detail: DiffDetail::default(),
        }
    }

    /// Where snapshots live; a fresh [`MemoryStore`] when not set. Several engines (one per
    /// account) may share one store.
    pub fn with_store(mut self, store: Arc<dyn SnapshotStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// The features the engine syncs and checks ([`INVENTORY_FEATURES`] by default): standard
    /// ones, or your own sets of kinds ([`KindFeature`](multicloud_core::KindFeature)).
    pub fn with_features(mut self, features: impl IntoIterator<Item = Arc<dyn Feature>>) -> Self {
        self.features = features.into_iter().collect();
        self
    }

    /// How many (region, kind) jobs may run at once (at least 1).
    pub fn with_concurrency(mut self, jobs: usize) -> Self {
        self.concurrency = jobs;
        self
    }

    /// The clock that timestamps snapshots and reports ([`SystemClock`] by default).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The event channel's capacity (at least 1).
    pub fn with_event_capacity(mut self, capacity: usize) -> Self {
        self.event_capacity = capacity;
        self
    }

    /// How much of each diff reports and events carry ([`DiffDetail::Items`] by default).
    ///
    /// [`DiffDetail::Counts`] is for large accounts: the report keeps counts, the store
    /// keeps the whole diff in its history, and with a store that writes page by page
    /// ([`SqliteStore`](crate::SqliteStore)) a round holds about one page per running job
    /// instead of the inventory.
    pub fn with_diff_detail(mut self, detail: DiffDetail) -> Self {
        self.diff_detail = detail;
        self
    }

    /// Checks the settings and the policy's intervals and builds the engine.
    ///
    /// Fails with [`ErrorKind::Config`](multicloud_core::ErrorKind::Config) when the
    /// concurrency or event capacity is 0, or the policy returns a zero interval.
    pub fn build(self) -> Result<SyncEngine> {
        if self.concurrency == 0 {
            return Err(Error::config("sync engine: concurrency must be at least 1"));
        }
        if self.event_capacity == 0 {
            return Err(Error::config(
                "sync engine: event capacity must be at least 1",
            ));
        }
        for feature in &self.features {
            if self
                .policy
                .interval(feature.name())
                .is_some_and(|d| d.is_zero())
            {
                return Err(zero_interval(feature.name()));
            }
        }
        if self
            .policy
            .credential_check_interval()
            .is_some_and(|d| d.is_zero())
        {
            return Err(zero_interval("credential check"));
        }
        let (events, _) = broadcast::channel(self.event_capacity);
        Ok(SyncEngine {
            inner: Arc::new(Inner {
                account: AccountRef::of(self.provider.as_ref()),
                provider: self.provider,
                policy: self.policy,
                store: self.store.unwrap_or_else(|| Arc::new(MemoryStore::new())),
                features: self.features,
                concurrency: self.concurrency,
                diff_detail: self.diff_detail,
                clock: self.clock,
                events,
                round: tokio::sync::Mutex::new(()),
                credential: Mutex::new(None),
            }),
        })
    }
}

impl fmt::Debug for SyncEngineBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncEngineBuilder")
            .field("provider", &self.provider)
            .field("policy", &self.policy)
            .field("store", &self.store)
            .field("concurrency", &self.concurrency)
            .field("event_capacity", &self.event_capacity)
            .field("diff_detail", &self.diff_detail)
            .finish_non_exhaustive()
    }
}

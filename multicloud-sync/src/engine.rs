//! The per-account sync engine: fan out over regions × resource kinds, diff, store, announce.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures::stream::{self, StreamExt};
use multicloud_core::{
    Clock, CloudProvider, CredentialStatus, Error, Feature, Region, ResourceKind, Result,
    StandardFeature, SyncPolicy, VerifyReport,
};
use tokio::sync::broadcast;
use tokio::time::Instant;
use tracing::Instrument;

use crate::events::{EventStream, SyncEvent};
use crate::inventory::Inventory;
use crate::item::AccountRef;
use crate::job::{Job, Stop};
use crate::regions;
use crate::report::{JobOutcome, SyncReport};
use crate::snapshot::{DiffRecord, SnapshotStore};
use crate::writer::DiffDetail;

/// The features an engine syncs unless [`with_features`](crate::SyncEngineBuilder::with_features)
/// says otherwise.
pub const INVENTORY_FEATURES: [StandardFeature; 2] = [StandardFeature::Host, StandardFeature::Cspm];

/// Keeps one account's inventory up to date.
///
/// [`sync_now`](Self::sync_now) runs one round: it lists the regions, then lists every
/// selected region × [resource kind](multicloud_core::ResourceKind) of the requested
/// features with bounded concurrency. A job stores its new snapshot only when its listing
/// completed without error; a failed job keeps the previous snapshot whole and reports no
/// removals (a partial listing is treated as *no information*, not as "everything else was
/// deleted"), and one denied kind never hides another. The first authentication refusal
/// (invalid, disabled or skewed key) stops the round: jobs in flight are cancelled and
/// queued ones are not started, so a dead key is not sent again until the next credential
/// check. [`run`](Self::run) repeats rounds on the policy's intervals. Rounds of one
/// engine never overlap.
///
/// Cloning is cheap and clones share everything (store, events, state).
#[derive(Clone)]
pub struct SyncEngine {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) provider: Arc<dyn CloudProvider>,
    pub(crate) policy: Arc<dyn SyncPolicy>,
    pub(crate) store: Arc<dyn SnapshotStore>,
    pub(crate) account: AccountRef,
    pub(crate) features: Vec<Arc<dyn Feature>>,
    pub(crate) concurrency: usize,
    pub(crate) diff_detail: DiffDetail,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) events: broadcast::Sender<SyncEvent>,
    pub(crate) round: tokio::sync::Mutex<()>,
    pub(crate) credential: Mutex<Option<CredentialStatus>>,
}

// `SyncEngine::builder` is defined in `builder.rs`, beside the builder it returns.
impl SyncEngine {
    /// The account this engine syncs.
    pub fn account(&self) -> &AccountRef {
        &self.inner.account
    }

    /// The provider.
    pub fn provider(&self) -> &Arc<dyn CloudProvider> {
        &self.inner.provider
    }

    /// The policy.
    pub fn policy(&self) -> &Arc<dyn SyncPolicy> {
        &self.inner.policy
    }

    /// The snapshot store.
    pub fn store(&self) -> &Arc<dyn SnapshotStore> {
        &self.inner.store
    }

    /// The events sent from now on, as a stream.
    pub fn events(&self) -> EventStream {
        EventStream::new(self.inner.events.subscribe())
    }

    /// The events sent from now on, as a raw broadcast receiver.
    pub fn subscribe(&self) -> broadcast::Receiver<SyncEvent> {
        self.inner.events.subscribe()
    }

    /// The account's stored inventory.
    pub async fn inventory(&self) -> Result<Inventory> {
        self.inner.store.inventory(&self.inner.account).await
    }

    /// The account's most recent stored diffs, newest first.
    pub async fn diffs(&self, limit: usize) -> Result<Vec<DiffRecord>> {
        self.inner.store.diffs(&self.inner.account, limit).await
    }

    /// The result of the last AccessKey check, if one ran.
    pub fn credential_status(&self) -> Option<CredentialStatus> {
        self.inner
            .credential
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The engine's features (see [`with_features`](crate::SyncEngineBuilder::with_features)).
    pub fn features(&self) -> &[Arc<dyn Feature>] {
        &self.inner.features
    }

    /// The names of the engine's features that have an inventory on this provider.
    pub fn supported_features(&self) -> Vec<String> {
        self.inner
            .features
            .iter()
            .filter(|f| self.offers(f.as_ref()))
            .map(|f| f.name().to_owned())
            .collect()
    }

    /// The supported features the policy schedules (interval not off).
    pub fn scheduled_features(&self) -> Vec<String> {
        self.supported_features()
            .into_iter()
            .filter(|f| self.inner.policy.interval(f).is_some())
            .collect()
    }

    /// Whether the provider has a kind with an inventory in `feature`.
    pub(crate) fn offers(&self, feature: &dyn Feature) -> bool {
        self.inner
            .provider
            .kinds_of(&[feature])
            .iter()
            .any(|k| k.has_inventory())
    }

    fn feature_refs(&self) -> Vec<&dyn Feature> {
        self.inner.features.iter().map(|f| f.as_ref()).collect()
    }

    /// Checks the AccessKey now and announces a [`SyncEvent::CredentialStatusChanged`] when
    /// the status differs from the previous check (the first check always announces).
    ///
    /// When the check itself cannot run, the status becomes
    /// [`CredentialStatus::Unknown`] and the error is returned.
    pub async fn check_credentials(&self) -> Result<VerifyReport> {
        let result = self.inner.provider.verify(&self.feature_refs()).await;
        let status = match &result {
            Ok(report) => report.credential.clone(),
            Err(e) => CredentialStatus::Unknown {
                kind: e.kind(),
                diagnosis: format!("the AccessKey check could not run: {}", e.message()),
            },
        };
        let from = {
            let mut last = self
                .inner
                .credential
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if last.as_ref() == Some(&status) {
                return result;
            }
            last.replace(status.clone())
        };
        self.emit(SyncEvent::CredentialStatusChanged {
            account: self.inner.account.clone(),
            from,
            to: status,
        });
        result
    }

    /// Runs one round of every feature of the engine now.
    pub async fn sync_all(&self) -> SyncReport {
        self.sync_now(&self.feature_refs()).await
    }

    /// Runs one sync round of `features` now and returns what it did.
    ///
    /// Features with no inventory kind on this provider are listed in
    /// [`SyncReport::skipped`]. Errors never abort the round: each is reported per region
    /// and kind (and announced as [`SyncEvent::SyncFailed`]), while other jobs go on; only an
    /// authentication refusal stops the round (see the type's docs). Cancelling the returned
    /// future leaves each (region, kind) at either its previous or its new snapshot.
    pub async fn sync_now(&self, features: &[&dyn Feature]) -> SyncReport {
        let _round = self.inner.round.lock().await;
        let span = tracing::info_span!("sync_round", account = %self.inner.account);
        self.round(features).instrument(span).await
    }

    async fn round(&self, requested: &[&dyn Feature]) -> SyncReport {
        let started = Instant::now();
        let mut names: Vec<String> = Vec::new();
        let mut skipped: Vec<String> = Vec::new();
        for feature in requested {
            let name = feature.name().to_owned();
            let list = if self.offers(*feature) {
                &mut names
            } else {
                &mut skipped
            };
            if !list.contains(&name) {
                list.push(name);
            }
        }
        let kinds: Vec<&'static ResourceKind> = self
            .inner
            .provider
            .kinds_of(requested)
            .into_iter()
            .filter(|k| k.has_inventory())
            .collect();
        let mut report = SyncReport {
            account: self.inner.account.clone(),
            started_at: self.inner.clock.now(),
            finished_at: self.inner.clock.now(),
            elapsed: Default::default(),
            features: names.clone(),
            skipped,
            regions_error: None,
            discovered: Vec::new(),
            jobs: Vec::new(),
        };

        let stop = Stop::new();
        let mut jobs = Vec::new();
        let regional: Vec<&'static ResourceKind> = kinds
            .iter()
            .copied()
            .filter(|k| k.scope == multicloud_core::KindScope::Regional)
            .collect();
        if !regional.is_empty() {
            match self.select_regions(&mut report).await {
                Ok(selected) => {
                    for region in selected {
                        jobs.extend(regional.iter().map(|&kind| Job {
                            region: Some(region.clone()),
                            kind,
                        }));
                    }
                }
                Err(error) => {
                    let error = Arc::new(error);
                    if error.is_auth_failure() {
                        stop.trip(&error);
                    }
                    report.regions_error = Some(Arc::clone(&error));
                    self.emit(SyncEvent::SyncFailed {
                        account: self.inner.account.clone(),
                        region: None,
                        kind: None,
                        error,
                    });
                }
            }
        }
        jobs.extend(
            kinds
                .iter()
                .filter(|k| k.scope == multicloud_core::KindScope::Global)
                .map(|&kind| Job { region: None, kind }),
        );

        self.emit(SyncEvent::RoundStarted {
            account: self.inner.account.clone(),
            features: names,
            jobs: jobs.len(),
        });
        // Every job is its own task, so listings parse on all of the runtime's workers; as
        // many run at once as there are jobs, up to the engine's bound (the transport's
        // per-API limits bound the requests themselves).
        let width = self.inner.concurrency.min(jobs.len()).max(1);
        let stop = Arc::new(stop);
        let mut outcomes: Vec<JobOutcome> = stream::iter(jobs)
            .map(|job| self.spawn_job(job, &stop))
            .buffer_unordered(width)
            .collect()
            .await;
        outcomes.sort_by(|a, b| (&a.region, &a.kind).cmp(&(&b.region, &b.kind)));
        report.jobs = outcomes;

        let succeeded = report.jobs.iter().filter(|j| j.result.is_ok()).count();
        let failed = report.jobs.len() - succeeded + usize::from(report.regions_error.is_some());
        self.emit(SyncEvent::RoundFinished {
            account: self.inner.account.clone(),
            succeeded,
            failed,
        });
        report.finished_at = self.inner.clock.now();
        report.elapsed = started.elapsed();
        report
    }

    /// Lists regions, records new ones, announces discoveries, returns those to sync.
    async fn select_regions(&self, report: &mut SyncReport) -> Result<Vec<Region>> {
        let inner = &self.inner;
        let listed = inner.provider.regions().await?;
        let known = inner.store.known_regions(&inner.account).await?;
        let plan = regions::plan(&listed, &known, inner.policy.as_ref(), inner.clock.now());
        // Recorded before announcing, so a discovery is announced once even across restarts.
        inner
            .store
            .add_known_regions(&inner.account, &plan.new_known)
            .await?;
        for (region, included) in plan.discovered {
            tracing::info!(region = %region.id, included, "region discovered");
            report.discovered.push(region.clone());
            self.emit(SyncEvent::RegionDiscovered {
                account: inner.account.clone(),
                region,
                included,
            });
        }
        Ok(plan.selected)
    }

    /// Runs `job` as its own task; the task is aborted if the round is dropped.
    fn spawn_job(&self, job: Job, stop: &Arc<Stop>) -> JobTask {
        let engine = self.clone();
        let stop = Arc::clone(stop);
        let region = job.region_id().to_owned();
        let kind = job.kind.id.to_owned();
        let task = async move { engine.run_job(job, &stop).await }.in_current_span();
        JobTask {
            handle: tokio::spawn(task),
            region,
            kind,
        }
    }

    async fn run_job(&self, job: Job, stop: &Stop) -> JobOutcome {
        let region = job.region_id().to_owned();
        let kind = job.kind.id.to_owned();
        let account = self.inner.account.clone();
        if let Some(refusal) = stop.refusal() {
            return JobOutcome {
                region,
                kind,
                result: Err(refusal),
            };
        }
        self.emit(SyncEvent::JobStarted {
            account: account.clone(),
            region: region.clone(),
            kind: kind.clone(),
        });
        let span = tracing::debug_span!("sync_job", region = %region, kind = %kind);
        let result = tokio::select! {
            biased;
            refusal = stop.tripped() => Err(refusal),
            result = job.list_and_store(&self.inner, &region).instrument(span) => {
                result.map_err(|e| {
                    let e = Arc::new(e);
                    if e.is_auth_failure() {
                        stop.trip(&e);
                    }
                    e
                })
            }
        };
        match &result {
            Ok(success) => self.emit(SyncEvent::Synced {
                account,
                region: region.clone(),
                kind: kind.clone(),
                diff: Arc::clone(&success.diff),
                stats: success.stats,
            }),
            Err(error) => {
                tracing::warn!(region = %region, kind = %kind, error = %error.report(), "sync job failed; previous snapshot kept");
                self.emit(SyncEvent::SyncFailed {
                    account,
                    region: Some(region.clone()),
                    kind: Some(kind.clone()),
                    error: Arc::clone(error),
                });
            }
        }
        JobOutcome {
            region,
            kind,
            result,
        }
    }

    pub(crate) fn emit(&self, event: SyncEvent) {
        // No subscriber is fine: events are optional.
        let _ = self.inner.events.send(event);
    }
}

/// A spawned job: aborted when dropped (a dropped round stops its listings); a panic in
/// the job is resumed in the round, as if it had run inline.
struct JobTask {
    handle: tokio::task::JoinHandle<JobOutcome>,
    region: String,
    kind: String,
}

impl Future for JobTask {
    type Output = JobOutcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<JobOutcome> {
        match Pin::new(&mut self.handle).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(outcome)) => Poll::Ready(outcome),
            Poll::Ready(Err(e)) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Poll::Ready(Err(_)) => Poll::Ready(JobOutcome {
                region: std::mem::take(&mut self.region),
                kind: std::mem::take(&mut self.kind),
                result: Err(Arc::new(Error::new(
                    multicloud_core::ErrorKind::Transient,
                    "the sync job was cancelled (the runtime is shutting down)",
                ))),
            }),
        }
    }
}

impl Drop for JobTask {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

impl fmt::Debug for SyncEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncEngine")
            .field("account", &self.inner.account)
            .field("concurrency", &self.inner.concurrency)
            .field("policy", &self.inner.policy)
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

/// Builds the error for a policy interval the engine cannot schedule.
pub(crate) fn zero_interval(what: &str) -> Error {
    Error::config(format!(
        "sync policy: the {what} interval is zero; use None (off) to disable it"
    ))
}

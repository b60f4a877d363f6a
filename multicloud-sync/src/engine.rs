//! The per-account sync engine: fan out over regions × features, diff, store, announce.

use std::fmt;
use std::sync::{Arc, Mutex};

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use multicloud_core::{
    Clock, CloudProvider, CredentialStatus, Error, Region, Result, StandardFeature, SyncPolicy,
    VerifyReport,
};
use tokio::sync::broadcast;
use tokio::time::Instant;
use tracing::Instrument;

use crate::diff::Diff;
use crate::events::{EventStream, SyncEvent};
use crate::inventory::{Inventory, Snapshot, GLOBAL_REGION};
use crate::item::{AccountRef, Item};
use crate::regions;
use crate::report::{JobOutcome, JobSuccess, SyncReport, SyncStats};
use crate::snapshot::{DiffRecord, SnapshotStore};

/// The features that have an inventory to sync, in sync order.
pub const INVENTORY_FEATURES: [StandardFeature; 2] = [StandardFeature::Host, StandardFeature::Cspm];

/// Keeps one account's inventory up to date.
///
/// [`sync_now`](Self::sync_now) runs one round: it lists the regions, then lists every
/// selected region × feature with bounded concurrency. A job stores its new snapshot only
/// when its listing completed without error; a failed job keeps the previous snapshot whole
/// and reports no removals (a partial listing is treated as *no information*, not as
/// "everything else was deleted"). [`run`](Self::run) repeats rounds on the policy's
/// intervals. Rounds of one engine never overlap.
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
    pub(crate) concurrency: usize,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) events: broadcast::Sender<SyncEvent>,
    pub(crate) round: tokio::sync::Mutex<()>,
    pub(crate) credential: Mutex<Option<CredentialStatus>>,
}

/// One (region, feature) listing; `region: None` is the global pseudo-region.
struct Job {
    region: Option<Region>,
    feature: StandardFeature,
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

    /// The inventory features the provider offers (of [`INVENTORY_FEATURES`]).
    pub fn supported_features(&self) -> Vec<StandardFeature> {
        let offered = self.inner.provider.features();
        INVENTORY_FEATURES
            .into_iter()
            .filter(|f| offered.contains(f))
            .collect()
    }

    /// The supported features the policy schedules (interval not off).
    pub fn scheduled_features(&self) -> Vec<StandardFeature> {
        self.supported_features()
            .into_iter()
            .filter(|f| self.inner.policy.interval(*f).is_some())
            .collect()
    }

    /// Checks the AccessKey now and announces a [`SyncEvent::CredentialStatusChanged`] when
    /// the status differs from the previous check (the first check always announces).
    ///
    /// When the check itself cannot run, the status becomes
    /// [`CredentialStatus::Unknown`] and the error is returned.
    pub async fn check_credentials(&self) -> Result<VerifyReport> {
        let result = self.inner.provider.verify(&self.supported_features()).await;
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

    /// Runs one sync round of `features` now and returns what it did.
    ///
    /// Features without an inventory, or that the provider does not offer, are listed in
    /// [`SyncReport::skipped`]. Errors never abort the round: each is reported per region
    /// and feature (and announced as [`SyncEvent::SyncFailed`]), while other jobs go on.
    /// Cancelling the returned future leaves each (region, feature) at either its previous
    /// or its new snapshot.
    pub async fn sync_now(&self, features: &[StandardFeature]) -> SyncReport {
        let _round = self.inner.round.lock().await;
        let span = tracing::info_span!("sync_round", account = %self.inner.account);
        self.round(features).instrument(span).await
    }

    async fn round(&self, requested: &[StandardFeature]) -> SyncReport {
        let started = Instant::now();
        let supported = self.supported_features();
        let features: Vec<StandardFeature> = INVENTORY_FEATURES
            .into_iter()
            .filter(|f| requested.contains(f) && supported.contains(f))
            .collect();
        let mut skipped: Vec<StandardFeature> = requested
            .iter()
            .copied()
            .filter(|f| !features.contains(f))
            .collect();
        skipped.sort();
        skipped.dedup();
        let mut report = SyncReport {
            account: self.inner.account.clone(),
            started_at: self.inner.clock.now(),
            finished_at: self.inner.clock.now(),
            elapsed: Default::default(),
            features: features.clone(),
            skipped,
            regions_error: None,
            discovered: Vec::new(),
            jobs: Vec::new(),
        };

        let mut jobs = Vec::new();
        if !features.is_empty() {
            match self.select_regions(&mut report).await {
                Ok(selected) => {
                    for region in selected {
                        jobs.extend(features.iter().map(|&feature| Job {
                            region: Some(region.clone()),
                            feature,
                        }));
                    }
                }
                Err(error) => {
                    let error = Arc::new(error);
                    report.regions_error = Some(Arc::clone(&error));
                    self.emit(SyncEvent::SyncFailed {
                        account: self.inner.account.clone(),
                        region: None,
                        feature: None,
                        error,
                    });
                }
            }
            if features.contains(&StandardFeature::Cspm) {
                jobs.push(Job {
                    region: None,
                    feature: StandardFeature::Cspm,
                });
            }
        }

        self.emit(SyncEvent::RoundStarted {
            account: self.inner.account.clone(),
            features,
            jobs: jobs.len(),
        });
        let mut outcomes: Vec<JobOutcome> = stream::iter(jobs)
            .map(|job| self.run_job(job))
            .buffer_unordered(self.inner.concurrency)
            .collect()
            .await;
        outcomes.sort_by(|a, b| (&a.region, a.feature).cmp(&(&b.region, b.feature)));
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

    async fn run_job(&self, job: Job) -> JobOutcome {
        let region = job
            .region
            .as_ref()
            .map_or(GLOBAL_REGION, |r| r.id.as_str())
            .to_owned();
        let feature = job.feature;
        let account = self.inner.account.clone();
        self.emit(SyncEvent::JobStarted {
            account: account.clone(),
            region: region.clone(),
            feature,
        });
        let started = Instant::now();
        let span = tracing::debug_span!("sync_job", region = %region, feature = %feature);
        let result = self.list_and_store(&job, &region).instrument(span).await;
        let result = match result {
            Ok((diff, items)) => {
                let diff = Arc::new(diff);
                let stats = SyncStats::of(items, &diff, started.elapsed());
                self.emit(SyncEvent::Synced {
                    account,
                    region: region.clone(),
                    feature,
                    diff: Arc::clone(&diff),
                    stats,
                });
                Ok(JobSuccess { diff, stats })
            }
            Err(error) => {
                tracing::warn!(region = %region, feature = %feature, error = %error.report(), "sync job failed; previous snapshot kept");
                let error = Arc::new(error);
                self.emit(SyncEvent::SyncFailed {
                    account,
                    region: Some(region.clone()),
                    feature: Some(feature),
                    error: Arc::clone(&error),
                });
                Err(error)
            }
        };
        JobOutcome {
            region,
            feature,
            result,
        }
    }

    /// Lists everything; only a listing that completed is diffed and stored.
    async fn list_and_store(&self, job: &Job, region: &str) -> Result<(Diff, usize)> {
        let inner = &self.inner;
        let listing: BoxStream<'static, Result<Item>> = match (&job.region, job.feature) {
            (Some(r), StandardFeature::Host) => inner.provider.hosts(r).map_ok(Item::Host).boxed(),
            (Some(r), _) => inner
                .provider
                .cloud_resources(r)
                .map_ok(Item::Resource)
                .boxed(),
            (None, _) => inner
                .provider
                .global_resources()
                .map_ok(Item::Resource)
                .boxed(),
        };
        // The first error abandons the listing: items already received are dropped.
        let items: Vec<Item> = listing.try_collect().await?;
        let snapshot = Snapshot::new(inner.clock.now(), items);
        let previous = inner
            .store
            .snapshot(&inner.account, region, job.feature)
            .await?
            .map(|s| s.items)
            .unwrap_or_default();
        let diff = Diff::between(&previous, &snapshot.items);
        inner
            .store
            .save_snapshot(&inner.account, region, job.feature, &snapshot, &diff)
            .await?;
        Ok((diff, snapshot.len()))
    }

    pub(crate) fn emit(&self, event: SyncEvent) {
        // No subscriber is fine: events are optional.
        let _ = self.inner.events.send(event);
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

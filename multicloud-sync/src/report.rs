//! The outcome of one sync round: per (region, kind) diffs, counts and errors.

use std::sync::Arc;
use std::time::Duration;

use multicloud_core::{Error, ErrorKind, Region};
use serde::Serialize;
use time::OffsetDateTime;

use crate::diff::Diff;
use crate::item::AccountRef;
use crate::writer::DiffCounts;

/// Counts for one successful job.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SyncStats {
    /// Items in the new snapshot.
    pub items: usize,
    /// Items added since the previous snapshot.
    pub added: usize,
    /// Items removed since the previous snapshot.
    pub removed: usize,
    /// Items whose compared fields changed.
    pub changed: usize,
    /// How long the listing and store took.
    pub elapsed: Duration,
}

impl SyncStats {
    pub(crate) fn of(items: usize, counts: DiffCounts, elapsed: Duration) -> Self {
        SyncStats {
            items,
            added: counts.added,
            removed: counts.removed,
            changed: counts.changed,
            elapsed,
        }
    }
}

/// Items of one job stored with a field unknown, because one per-item call failed: the
/// denial is reported once here, not once per item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Degraded {
    /// The field left unknown (`region`, `tags`, …).
    pub field: String,
    /// The action that was refused or failed.
    pub action: String,
    /// Why.
    pub reason: ErrorKind,
    /// How many items lack the field.
    pub items: usize,
}

/// A job that completed: its diff and counts. With
/// [`DiffDetail::Counts`](crate::DiffDetail::Counts) the diff is empty and the counts are in
/// `stats`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct JobSuccess {
    /// What changed.
    pub diff: Arc<Diff>,
    /// Counts.
    pub stats: SyncStats,
    /// Fields some items lack, and why (empty when every item is complete).
    pub degraded: Vec<Degraded>,
}

/// The outcome of one (region, kind) job.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct JobOutcome {
    /// The region (or [`GLOBAL_REGION`](crate::GLOBAL_REGION)).
    pub region: String,
    /// The resource kind's id.
    pub kind: String,
    /// The diff, or why the previous snapshot was kept.
    pub result: Result<JobSuccess, Arc<Error>>,
}

/// Everything one call of [`SyncEngine::sync_now`](crate::SyncEngine::sync_now) did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SyncReport {
    /// The account.
    pub account: AccountRef,
    /// When the round started.
    pub started_at: OffsetDateTime,
    /// When it finished.
    pub finished_at: OffsetDateTime,
    /// How long it took (tokio's clock, so paused time in tests gives exact values).
    pub elapsed: Duration,
    /// The names of the features synced.
    pub features: Vec<String>,
    /// Requested features that were not synced: they have no inventory, or the provider
    /// does not offer them.
    pub skipped: Vec<String>,
    /// Why the region listing failed; regional jobs did not run then.
    pub regions_error: Option<Arc<Error>>,
    /// Regions seen for the first time in this round.
    pub discovered: Vec<Region>,
    /// One outcome per job, sorted by region then kind.
    pub jobs: Vec<JobOutcome>,
}

impl SyncReport {
    /// Whether every job, and the region listing, succeeded.
    pub fn is_complete(&self) -> bool {
        self.regions_error.is_none() && self.jobs.iter().all(|j| j.result.is_ok())
    }

    /// The failed jobs as (region, kind, error).
    pub fn failures(&self) -> impl Iterator<Item = (&str, &str, &Error)> {
        self.jobs.iter().filter_map(|j| match &j.result {
            Err(e) => Some((j.region.as_str(), j.kind.as_str(), e.as_ref())),
            Ok(_) => None,
        })
    }

    /// The outcome of (`region`, `kind`), if that job ran.
    pub fn job(&self, region: &str, kind: &str) -> Option<&JobOutcome> {
        self.jobs
            .iter()
            .find(|j| j.region == region && j.kind == kind)
    }

    /// The diff of (`region`, `kind`), if that job ran and succeeded.
    pub fn diff(&self, region: &str, kind: &str) -> Option<&Diff> {
        match &self.job(region, kind)?.result {
            Ok(success) => Some(&success.diff),
            Err(_) => None,
        }
    }

    /// The counts of all successful jobs added up (`elapsed` is the round's wall time).
    pub fn totals(&self) -> SyncStats {
        let mut total = SyncStats::default();
        for job in &self.jobs {
            if let Ok(s) = &job.result {
                total.items += s.stats.items;
                total.added += s.stats.added;
                total.removed += s.stats.removed;
                total.changed += s.stats.changed;
            }
        }
        total.elapsed = self.elapsed;
        total
    }
}

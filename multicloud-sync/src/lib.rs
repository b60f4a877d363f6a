//! # multicloud-sync
//!
//! The sync engine of the multicloud SDK: keeps each onboarded account's inventory up to
//! date on a policy, and says what changed.
//!
//! - [`DefaultSyncPolicy`]: the serde-loadable (TOML/JSON) [`SyncPolicy`]: regions, region
//!   management, and an [`Interval`] (console preset, free duration, or off) for hosts,
//!   cloud products and the AccessKey check; invalid values are rejected with a
//!   [`PolicyError`] naming the key.
//! - [`SyncEngine`], one per account: [`sync_now`](SyncEngine::sync_now) fans out over
//!   regions × [resource kinds](multicloud_core::ResourceKind) of the requested features
//!   with bounded concurrency and returns a [`SyncReport`];
//!   [`run`](SyncEngine::run) follows the policy's schedule until shut down;
//!   [`events`](SyncEngine::events) streams [`SyncEvent`]s (synced with [`Diff`], failed,
//!   region discovered, credential status changed, and progress).
//! - A failed (region, kind) keeps its previous snapshot: only a complete listing can
//!   report a removal, and one denied kind never hides another. The first authentication
//!   refusal stops the round, so a dead key is not hammered.
//! - [`SnapshotStore`]: [`MemoryStore`] by default, [`SqliteStore`] to survive restarts.
//!   Data is keyed by provider and account name, so rotating a key keeps the inventory.
//!   SQLite takes each listing page by page ([`SnapshotWriter`]) and diffs in SQL; with
//!   [`DiffDetail::Counts`] reports keep counts only, so a large account's round holds
//!   about one page per running job instead of its inventory.
//!
//! ```
//! use std::sync::Arc;
//! use multicloud_core::{CloudProvider, StandardFeature};
//! use multicloud_sync::{DefaultSyncPolicy, MemoryStore, SyncEngine};
//! # use async_trait::async_trait;
//! # use futures::stream::{self, BoxStream, StreamExt};
//! # use multicloud_core::*;
//! # #[derive(Debug)]
//! # struct OneHost(AccountName);
//! # #[async_trait]
//! # impl CloudProvider for OneHost {
//! #     fn kind(&self) -> ProviderKind { ProviderKind::Aws }
//! #     fn account(&self) -> &AccountName { &self.0 }
//! #     fn domain(&self) -> Domain { Domain::International }
//! #     fn features(&self) -> &[StandardFeature] { &[StandardFeature::Host] }
//! #     fn resource_kinds(&self) -> &'static [ResourceKind] { &KINDS }
//! #     async fn check_key(&self) -> Result<KeyCheck> {
//! #         Ok(KeyCheck::new(CredentialStatus::Valid, None))
//! #     }
//! #     async fn probe_read(&self, _: &ResourceKind) -> Result<()> { Ok(()) }
//! #     async fn regions(&self) -> Result<Vec<Region>> { Ok(vec![Region::enabled("us-east-1")]) }
//! #     fn list(&self, _: &ResourceKind, region: Option<&Region>) -> BoxStream<'static, Result<Item>> {
//! #         let region = region.map_or("global".to_owned(), |r| r.id.clone());
//! #         let host = Host::new("i-1", region, HostState::Running)
//! #             .with_name(Some("web".into()));
//! #         stream::iter(vec![Ok(Item::Host(host))]).boxed()
//! #     }
//! # }
//! # static KINDS: [ResourceKind; 1] = [ResourceKind::hosts("ec2")
//! #     .with_features(&[StandardFeature::Host])
//! #     .with_list_actions(&["ec2:DescribeInstances"])
//! #     .with_grant("AmazonEC2ReadOnlyAccess")];
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let policy = DefaultSyncPolicy::from_toml_str(r#"
//!     regions = "all"
//!     host_interval = "1h"
//!     cspm_interval = "off"
//! "#)?;
//! let provider: Arc<dyn CloudProvider> = Arc::new(OneHost(AccountName::new("prod")?));
//! let engine = SyncEngine::builder(provider, Arc::new(policy))
//!     .with_store(Arc::new(MemoryStore::new()))
//!     .with_concurrency(4)
//!     .build()?;
//!
//! let report = engine.sync_now(&[&StandardFeature::Host]).await;
//! assert!(report.is_complete());
//! let diff = report.diff("us-east-1", "host").expect("job ran");
//! assert_eq!(diff.added.len(), 1); // the first sync adds everything
//!
//! let again = engine.sync_now(&[&StandardFeature::Host]).await;
//! assert!(again.diff("us-east-1", "host").expect("job ran").is_empty());
//! assert_eq!(engine.inventory().await?.hosts().count(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod builder;
mod diff;
mod engine;
mod events;
mod interval;
mod inventory;
mod item;
mod job;
mod memory;
#[cfg(feature = "postgres")]
mod outbox;
mod policy;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "postgres")]
mod postgres_history;
#[cfg(feature = "postgres")]
mod postgres_schema;
mod regions;
mod report;
mod schedule;
mod snapshot;
mod sqlite;
mod sqlite_audit;
mod sqlite_commit;
mod sqlite_diff;
mod sqlite_migrate;
mod sqlite_pending;
mod sqlite_stream;
mod sqlite_texts;
mod sqlite_thread;
mod sqlite_util;
#[cfg(feature = "postgres")]
pub mod worker;
#[cfg(feature = "postgres")]
mod worker_accounts;
#[cfg(feature = "postgres")]
mod worker_job;
mod writer;

#[cfg(test)]
mod tests;

pub use builder::{SyncEngineBuilder, DEFAULT_CONCURRENCY, DEFAULT_EVENT_CAPACITY};
pub use diff::{changed_fields, Change, Diff};
pub use engine::{SyncEngine, INVENTORY_FEATURES};
pub use events::{EventStream, SyncEvent};
pub use interval::{CustomInterval, Interval, IntervalError, MAX_INTERVAL, MIN_INTERVAL};
pub use inventory::{Inventory, Snapshot, GLOBAL_REGION};
pub use item::{AccountRef, Item, ItemKey};
pub use memory::{MemoryStore, DEFAULT_HISTORY_LIMIT};
pub use multicloud_core::{RegionSelection, SyncPolicy};
pub use policy::{DefaultSyncPolicy, PolicyError};
pub use report::{Degraded, JobOutcome, JobSuccess, SyncReport, SyncStats};
pub use snapshot::{DiffRecord, KnownRegion, RegionOrigin, SnapshotStore};
pub use sqlite::{SqliteStore, SQLITE_BUSY_TIMEOUT, SQLITE_PAGE_SIZE};
pub use sqlite_pending::PENDING_TEXT_TTL;
pub use writer::{CommittedSnapshot, DiffCounts, DiffDetail, SnapshotWriter};

#[cfg(feature = "postgres")]
pub use outbox::OutboxEvent;
#[cfg(feature = "postgres")]
pub use postgres::{PostgresSnapshotStore, DEFAULT_POOL_SIZE};
#[cfg(feature = "postgres")]
pub use worker::{
    SyncWorker, SyncWorkerBuilder, DEFAULT_HISTORY_RETENTION, DEFAULT_WORKER_CONCURRENCY,
};
#[cfg(feature = "postgres")]
pub use worker_accounts::{ProviderFactory, PrunedWorkerHistory, WorkerAccount, WorkerRun};

//! Audit-log intake: the normalized [`AuditEvent`], the [`AuditLogSource`] a provider
//! implements, and the [`AuditConsumer`] that drives a source for a caller's handler.
//!
//! Delivery is **at least once** at the source (an event received and not acknowledged comes
//! back after a crash or restart) and **once to the handler** within a consumer's run: the
//! consumer drops an event whose id it already handed over ([`RecentIds`]). Sources keep what
//! must survive a restart themselves (committed Kafka offsets, consumed log objects).

mod check;
mod checkpoint;
mod consume;
mod recent;

use std::fmt;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::Result;

pub use check::{AuditCheck, AuditStep, StepStatus};
pub use checkpoint::{AuditCheckpoint, CheckpointScope, MemoryCheckpoint};
pub use consume::{AuditConsumer, ConsumeError, ConsumeSummary};
pub use recent::RecentIds;

/// One audit-log event (a CloudTrail record, a Tencent Cloud Audit event), normalized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuditEvent {
    /// The provider's event id; the key duplicates are dropped by.
    pub id: String,
    /// When the call happened.
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    /// The API called (`ConsoleLogin`, `RunInstances`, …).
    pub event_name: String,
    /// The service the call went to (`ec2.amazonaws.com`, `cvm.tencentcloudapi.com`, …).
    pub event_source: Option<String>,
    /// Who made the call (an ARN, a sub-account uin, …).
    pub principal: Option<String>,
    /// Where the call came from.
    pub source_ip: Option<String>,
    /// The region of the call.
    pub region: Option<String>,
    /// Whether the call only read state; `None` when the record does not say.
    pub read_only: Option<bool>,
    /// The provider's record exactly as received.
    pub raw: serde_json::Value,
}

impl AuditEvent {
    /// The event `id`, a call of `event_name` at `time`; nothing else known yet.
    pub fn new(id: impl Into<String>, time: OffsetDateTime, event_name: impl Into<String>) -> Self {
        AuditEvent {
            id: id.into(),
            time,
            event_name: event_name.into(),
            event_source: None,
            principal: None,
            source_ip: None,
            region: None,
            read_only: None,
            raw: serde_json::Value::Null,
        }
    }

    /// Sets the service the call went to.
    pub fn with_event_source(mut self, event_source: Option<String>) -> Self {
        self.event_source = event_source;
        self
    }

    /// Sets who made the call.
    pub fn with_principal(mut self, principal: Option<String>) -> Self {
        self.principal = principal;
        self
    }

    /// Sets where the call came from.
    pub fn with_source_ip(mut self, source_ip: Option<String>) -> Self {
        self.source_ip = source_ip;
        self
    }

    /// Sets the region of the call.
    pub fn with_region(mut self, region: Option<String>) -> Self {
        self.region = region;
        self
    }

    /// Sets whether the call only read state.
    pub fn with_read_only(mut self, read_only: Option<bool>) -> Self {
        self.read_only = read_only;
        self
    }

    /// Sets the provider's raw record.
    pub fn with_raw(mut self, raw: serde_json::Value) -> Self {
        self.raw = raw;
        self
    }
}

/// A provider's audit-log intake (an SQS queue of CloudTrail objects, a CLS topic over Kafka).
///
/// The contract every implementation keeps:
/// - [`receive`](Self::receive) waits a bounded time (a long poll) and returns what arrived,
///   possibly nothing; it never returns an event it already returned and that was
///   acknowledged, and returns again (after a restart, or once a visibility timeout ends) any
///   event that was not acknowledged.
/// - [`acknowledge`](Self::acknowledge) commits exactly the given events (and, for sources
///   that commit positions, nothing past the first unacknowledged event). Acknowledging twice
///   is harmless.
/// - Errors are typed: a missing queue or topic is `NotFound`, a refused key
///   `InvalidCredential`/`PermissionDenied`, a wrong region `WrongDomainOrRegion`; only
///   `Throttled`/`Transient` are worth retrying, and [`AuditConsumer`] retries them with
///   backoff, never in a tight loop.
#[async_trait]
pub trait AuditLogSource: Send + Sync + fmt::Debug {
    /// Receives the next batch of events; an empty batch means none arrived in the wait.
    async fn receive(&self) -> Result<Vec<AuditEvent>>;

    /// Acknowledges events so they are not delivered again.
    async fn acknowledge(&self, events: &[AuditEvent]) -> Result<()>;

    /// Checks, without consuming anything, whether intake can run: each thing that must work
    /// as a named step, each failure with its fix. The default says nothing was checked.
    async fn check(&self) -> Result<AuditCheck> {
        let mut check = AuditCheck::new("audit-log source");
        check.push(AuditStep::new(
            "source",
            StepStatus::NotChecked {
                reason: "this source has no readiness check".into(),
            },
        ));
        Ok(check)
    }
}

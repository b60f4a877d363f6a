//! Audit-log intake: CloudTrail → S3 bucket → event notification → SQS queue
//! (providers.md §1.f). [`AwsAuditSource`] long-polls the queue, reads each log object the
//! notifications name, and hands over its records as [`AuditEvent`]s.
//!
//! Nothing is lost and nothing is handed over twice across restarts:
//! - a message is finished only when every event of every object it names was
//!   acknowledged: its objects are marked in the [`AuditCheckpoint`] (keyed by account and
//!   queue) and the message is deleted when the key may (`sqs:DeleteMessage`);
//! - the onboarding guide grants only `GetQueueUrl` and `ReceiveMessage`: then messages stay
//!   in the queue until its retention ends and come back after every visibility timeout, and
//!   the checkpoint is what keeps their objects from being handed over again;
//! - a crash between receive and acknowledge leaves the message unfinished: it comes back
//!   (at least once), and the consumer drops the repeats by event id.

mod check;
mod cloudtrail;
mod notification;
mod object;
mod queue;
mod sqs;

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use time::OffsetDateTime;

use multicloud_core::audit::{AuditCheck, AuditCheckpoint, CheckpointScope, MemoryCheckpoint};
use multicloud_core::{AuditEvent, AuditLogSource, ErrorKind, ProviderKind, Result};

use crate::client::AwsClient;
use crate::endpoints::Endpoint;

use notification::{Notification, ObjectRef};

/// The longest an SQS queue keeps a message (14 days): checkpoint entries older than the
/// retention can no longer be redelivered and are forgotten.
pub const MAX_RETENTION: Duration = Duration::from_secs(14 * 24 * 3600);

/// How often old checkpoint entries are forgotten.
const FORGET_EVERY: time::Duration = time::Duration::hours(1);

/// Builds an [`AwsAuditSource`]; from [`AwsProvider::audit_source`](crate::AwsProvider::audit_source).
pub struct AwsAuditSourceBuilder {
    client: AwsClient,
    scope: CheckpointScope,
    region: String,
    queue: String,
    checkpoint: Option<Arc<dyn AuditCheckpoint>>,
    wait: Duration,
    max_messages: u32,
    retention: Duration,
}

impl fmt::Debug for AwsAuditSourceBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsAuditSourceBuilder")
            .field("region", &self.region)
            .field("queue", &self.queue)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl AwsAuditSourceBuilder {
    pub(crate) fn new(
        client: AwsClient,
        account: multicloud_core::AccountName,
        region: &str,
        queue: &str,
    ) -> Self {
        AwsAuditSourceBuilder {
            client,
            scope: CheckpointScope::new(ProviderKind::Aws, account, format!("{region}/{queue}")),
            region: region.to_owned(),
            queue: queue.to_owned(),
            checkpoint: None,
            wait: Duration::from_secs(sqs::MAX_WAIT_SECONDS),
            max_messages: 10,
            retention: MAX_RETENTION,
        }
    }

    /// Where consumed log objects are kept (default: in memory, for this process only). Give
    /// the sync engine's `SqliteStore` so a restart does not hand over what was handled.
    pub fn with_checkpoint(mut self, checkpoint: Arc<dyn AuditCheckpoint>) -> Self {
        self.checkpoint = Some(checkpoint);
        self
    }

    /// The long poll of each receive, at most 20 s (SQS's limit; the default). It is kept
    /// 2 s under the transport's attempt timeout, so an empty poll never times out.
    pub fn with_wait(mut self, wait: Duration) -> Self {
        self.wait = wait.min(Duration::from_secs(sqs::MAX_WAIT_SECONDS));
        self
    }

    /// How many messages one receive asks for, 1..=10 (default 10).
    pub fn with_max_messages(mut self, max: u32) -> Self {
        self.max_messages = max.clamp(1, 10);
        self
    }

    /// The queue's message retention (default, and at most, 14 days): consumed objects are
    /// remembered this long.
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = retention.min(MAX_RETENTION);
        self
    }

    /// Checks the region and queue name and builds the source (no request is sent).
    pub fn build(self) -> Result<AwsAuditSource> {
        let sqs = sqs::endpoint(&self.client, &self.region)?;
        if self.queue.is_empty()
            || self.queue.len() > 80
            || !self
                .queue
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        {
            return Err(multicloud_core::Error::config(format!(
                "{:?} is not an SQS queue name (1 to 80 letters, digits, - and _)",
                self.queue
            )));
        }
        let timeouts = self.client.transport().timeouts();
        let ceiling = timeouts
            .request
            .min(timeouts.total)
            .saturating_sub(Duration::from_secs(2));
        let wait_seconds = self.wait.min(ceiling).as_secs();
        Ok(AwsAuditSource {
            client: self.client,
            sqs,
            scope: self.scope,
            region: self.region,
            queue: self.queue,
            checkpoint: self
                .checkpoint
                .unwrap_or_else(|| Arc::new(MemoryCheckpoint::new())),
            wait_seconds,
            max_messages: self.max_messages,
            retention: self.retention,
            state: Mutex::new(State::default()),
        })
    }
}

/// An SQS queue of CloudTrail log-file notifications, as an [`AuditLogSource`].
///
/// ```no_run
/// use std::sync::Arc;
/// use multicloud_aws::AwsProviderBuilder;
/// use multicloud_core::audit::AuditConsumer;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let aws = AwsProviderBuilder::new("prod").from_env().build()?;
/// let source = aws.audit_source("us-east-1", "trail-events").build()?;
/// println!("{}", source.check_readiness().await?);
/// AuditConsumer::new(&source)
///     .run(
///         |event| async move {
///             println!("{} {} {:?}", event.time, event.event_name, event.principal);
///             Ok::<(), std::io::Error>(())
///         },
///         std::future::pending(),
///     )
///     .await?;
/// # Ok(()) }
/// ```
pub struct AwsAuditSource {
    client: AwsClient,
    sqs: Endpoint,
    scope: CheckpointScope,
    region: String,
    queue: String,
    checkpoint: Arc<dyn AuditCheckpoint>,
    wait_seconds: u64,
    max_messages: u32,
    retention: Duration,
    state: Mutex<State>,
}

impl fmt::Debug for AwsAuditSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsAuditSource")
            .field("region", &self.region)
            .field("queue", &self.queue)
            .field("account", &self.scope.account)
            .field("wait_seconds", &self.wait_seconds)
            .finish_non_exhaustive()
    }
}

/// What the source remembers between calls.
#[derive(Debug, Default)]
struct State {
    queue_url: Option<String>,
    /// Messages handed over and not finished, by message id.
    pending: Vec<Pending>,
    /// Set once a delete was refused: later messages are only checkpointed.
    delete_denied: bool,
    last_forget: Option<OffsetDateTime>,
}

/// A message whose events were handed over, waiting for their acknowledgement.
#[derive(Debug)]
struct Pending {
    message_id: String,
    receipt_handle: String,
    /// Checkpoint entries of the message (its objects, or the message itself).
    entries: Vec<String>,
    /// Event ids not acknowledged yet.
    remaining: HashSet<String>,
}

impl AwsAuditSource {
    /// The region of the queue.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The queue's name.
    pub fn queue(&self) -> &str {
        &self.queue
    }

    /// The long poll each receive asks for, in seconds.
    pub fn wait_seconds(&self) -> u64 {
        self.wait_seconds
    }

    /// Checks, without consuming anything, that intake can run (see [`AuditCheck`]).
    pub async fn check_readiness(&self) -> Result<AuditCheck> {
        check::run(self).await
    }

    async fn queue_url(&self) -> Result<String> {
        if let Some(url) = self.lock().queue_url.clone() {
            return Ok(url);
        }
        let url = queue::resolve(&self.client, &self.region, &self.queue).await?;
        self.lock().queue_url = Some(url.clone());
        Ok(url)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets checkpoint entries past the retention, at most once an hour.
    async fn forget_old(&self) {
        let now = self.client.now();
        {
            let mut state = self.lock();
            if state.last_forget.is_some_and(|t| now - t < FORGET_EVERY) {
                return;
            }
            state.last_forget = Some(now);
        }
        let before = now - self.retention;
        match self.checkpoint.forget_before(&self.scope, before).await {
            Ok(n) if n > 0 => {
                tracing::debug!(forgotten = n, "old audit checkpoint entries forgotten")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("could not forget old audit checkpoint entries: {e}"),
        }
    }

    /// Marks a message's entries consumed and deletes it (when allowed).
    async fn finish(
        &self,
        queue_url: &str,
        receipt_handle: &str,
        entries: &[String],
    ) -> Result<()> {
        if !entries.is_empty() {
            self.checkpoint
                .mark(&self.scope, entries, self.client.now())
                .await?;
        }
        if self.lock().delete_denied {
            return Ok(());
        }
        match sqs::delete(&self.client, &self.sqs, queue_url, receipt_handle).await {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::PermissionDenied => {
                tracing::warn!(
                    queue = %self.queue,
                    "sqs:DeleteMessage is not granted: handled messages stay in the queue until \
                     its retention ends; the checkpoint keeps them from being handed over again"
                );
                self.lock().delete_denied = true;
            }
            // The checkpoint has it: the message is skipped (and deleted) when it comes back.
            Err(e) => tracing::warn!("deleting a handled message failed: {e}"),
        }
        Ok(())
    }

    /// Reads the objects of one message: their events, or `None` when the message must be
    /// left for a later receive (an object could not be read for a passing reason).
    async fn read_objects(
        &self,
        objects: &[ObjectRef],
        passing: &mut Option<multicloud_core::Error>,
    ) -> Result<Option<Vec<AuditEvent>>> {
        let mut events = Vec::new();
        for object in objects {
            let entry = object.entry();
            let body = match object::get(&self.client, object, &self.region).await {
                Ok(body) => body,
                Err(e) if e.is_retryable() => {
                    tracing::warn!(object = %entry, "log object not read, left for later: {e}");
                    *passing = Some(e);
                    return Ok(None);
                }
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    tracing::warn!(object = %entry, "log object gone (deleted or expired); skipped");
                    continue;
                }
                Err(e) => return Err(e),
            };
            match cloudtrail::parse(&body, &entry) {
                Ok(mut read) => events.append(&mut read),
                // A broken file never becomes readable: skip it, keep the others.
                Err(e) => tracing::warn!(object = %entry, "log object skipped: {e}"),
            }
        }
        Ok(Some(events))
    }
}

#[async_trait]
impl AuditLogSource for AwsAuditSource {
    async fn receive(&self) -> Result<Vec<AuditEvent>> {
        let queue_url = self.queue_url().await?;
        self.forget_old().await;
        let request = sqs::ReceiveRequest {
            max_messages: self.max_messages,
            wait_seconds: self.wait_seconds,
            visibility_timeout: None,
        };
        let messages = sqs::receive(&self.client, &self.sqs, &queue_url, request).await?;
        let mut out = Vec::new();
        let mut passing = None;
        // Registered only once the whole batch was read: a batch that fails half-way hands
        // nothing over and leaves nothing waiting for an acknowledgement.
        let mut waiting = Vec::new();
        for message in messages {
            let parsed = notification::parse(&message.body);
            let entries: Vec<String> = match &parsed {
                Notification::Objects(objects) => objects.iter().map(ObjectRef::entry).collect(),
                Notification::Test | Notification::Unknown(_) => {
                    vec![format!("sqs-message:{}", message.message_id)]
                }
            };
            let done = self.checkpoint.consumed(&self.scope, &entries).await?;
            let fresh: Vec<String> = entries
                .iter()
                .filter(|e| !done.contains(e))
                .cloned()
                .collect();
            let todo: Vec<ObjectRef> = match parsed {
                Notification::Objects(objects) => objects
                    .into_iter()
                    .filter(|o| fresh.contains(&o.entry()))
                    .collect(),
                Notification::Unknown(why) if !fresh.is_empty() => {
                    tracing::warn!(message = %message.message_id, "message skipped: {why}");
                    Vec::new()
                }
                Notification::Test | Notification::Unknown(_) => Vec::new(),
            };
            let events = match self.read_objects(&todo, &mut passing).await? {
                Some(events) => events,
                None => continue,
            };
            self.lock()
                .pending
                .retain(|p| p.message_id != message.message_id);
            if events.is_empty() {
                self.finish(&queue_url, &message.receipt_handle, &fresh)
                    .await?;
                continue;
            }
            waiting.push(Pending {
                message_id: message.message_id,
                receipt_handle: message.receipt_handle,
                entries: fresh,
                remaining: events.iter().map(|e| e.id.clone()).collect(),
            });
            out.extend(events);
        }
        self.lock().pending.extend(waiting);
        match passing {
            // Nothing to hand over and a read failed for a passing reason: let the consumer
            // back off instead of polling again at once.
            Some(e) if out.is_empty() => Err(e),
            _ => Ok(out),
        }
    }

    async fn acknowledge(&self, events: &[AuditEvent]) -> Result<()> {
        let ids: HashSet<String> = events.iter().map(|e| e.id.clone()).collect();
        let finished: Vec<(String, String, Vec<String>)> = {
            let mut state = self.lock();
            for pending in &mut state.pending {
                pending.remaining.retain(|id| !ids.contains(id));
            }
            state
                .pending
                .iter()
                .filter(|p| p.remaining.is_empty())
                .map(|p| {
                    (
                        p.message_id.clone(),
                        p.receipt_handle.clone(),
                        p.entries.clone(),
                    )
                })
                .collect()
        };
        if finished.is_empty() {
            return Ok(());
        }
        let queue_url = self.queue_url().await?;
        for (message_id, receipt_handle, entries) in finished {
            self.finish(&queue_url, &receipt_handle, &entries).await?;
            self.lock().pending.retain(|p| p.message_id != message_id);
        }
        Ok(())
    }

    async fn check(&self) -> Result<AuditCheck> {
        self.check_readiness().await
    }
}

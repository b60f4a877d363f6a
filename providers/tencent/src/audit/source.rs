//! [`ClsAuditSource`]: a CLS topic consumed over Kafka as an [`AuditLogSource`].

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use multicloud_core::audit::{AuditCheck, AuditEvent, AuditLogSource, AuditStep, StepStatus};
use multicloud_core::{Error, ErrorKind, ProviderKind, Result, SecretString};
use rdkafka::client::ClientContext;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer,
};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};
use time::OffsetDateTime;

use super::config::{warn_clear_text_once, ClsKafkaConfig};
use super::event::{parse_record, Fallback};
use super::pending::Pending;

/// How long a receive keeps draining records that are already there after the first one.
const DRAIN_WAIT: Duration = Duration::from_millis(20);

/// The action name errors carry.
const ACTION: &str = "cls:KafkaConsume";

/// A CLS topic of Cloud Audit events, consumed over Kafka in a consumer group.
///
/// Offsets are committed only for acknowledged events, per partition and never past the
/// first unacknowledged one; a new source in the same group resumes from there, so a crash
/// re-delivers what was not acknowledged (at least once) and loses nothing. Records that are
/// not Cloud Audit events are skipped with a warning (counted by
/// [`skipped_records`](Self::skipped_records)) and committed past.
///
/// Errors: a refused sign-in is `InvalidCredential` (wrong logset id or key), a missing topic
/// `NotFound`, a denied topic or group `PermissionDenied`, an unreachable broker `Transient`
/// (the [`AuditConsumer`](multicloud_core::audit::AuditConsumer) backs off). The password
/// never appears in errors or logs. With SASL `PLAIN` to a remote host (CLS), the first source
/// of the process warns that the password crosses the network in clear.
pub struct ClsAuditSource {
    consumer: Arc<StreamConsumer<Context>>,
    topic: String,
    group: String,
    poll_wait: Duration,
    max_batch: usize,
    /// SASL PLAIN to a remote host: the password crosses the network in clear.
    clear_text: bool,
    state: Arc<Shared>,
}

impl fmt::Debug for ClsAuditSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClsAuditSource")
            .field("topic", &self.topic)
            .field("group", &self.group)
            .field("waiting", &lock(&self.state.pending).waiting())
            .field("skipped", &self.skipped_records())
            .finish_non_exhaustive()
    }
}

/// What the source and the client's callbacks share.
struct Shared {
    pending: Mutex<Pending>,
    /// The last error the client reported outside a receive (sign-in, broker down).
    last_error: Mutex<Option<Error>>,
    skipped: AtomicU64,
    /// What to scrub from any text the client produces.
    secret: SecretString,
}

impl Shared {
    fn redact(&self, text: &str) -> String {
        redact(text, &self.secret)
    }
}

/// The client's callbacks: errors and logs (scrubbed), and partitions given away.
struct Context {
    state: Arc<Shared>,
}

impl ClientContext for Context {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        let message = self.state.redact(message);
        match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error
            | RDKafkaLogLevel::Warning => {
                tracing::warn!(target: "librdkafka", facility, "{message}")
            }
            _ => tracing::debug!(target: "librdkafka", facility, "{message}"),
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        let error = classify(&error, reason, &self.state.secret);
        tracing::debug!(kind = error.kind().as_str(), "Kafka client: {error}");
        *lock(&self.state.last_error) = Some(error);
    }
}

impl ConsumerContext for Context {
    fn pre_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(partitions) = rebalance {
            let mut pending = lock(&self.state.pending);
            for element in partitions.elements() {
                pending.revoke(element.partition());
            }
        }
    }
}

impl ClsAuditSource {
    /// Creates the consumer and subscribes it to the topic. Nothing is sent before the first
    /// [`receive`](AuditLogSource::receive); a wrong endpoint, key or topic shows there.
    /// Must be called within a Tokio runtime.
    pub fn connect(config: &ClsKafkaConfig) -> Result<Self> {
        config.validate()?;
        warn_clear_text_once(config);
        let state = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            last_error: Mutex::new(None),
            skipped: AtomicU64::new(0),
            secret: config.password().clone(),
        });
        let mut client = ClientConfig::new();
        for (key, value) in config.client_settings() {
            client.set(key, value);
        }
        client.set_log_level(RDKafkaLogLevel::Warning);
        let consumer: StreamConsumer<Context> = client
            .create_with_context(Context {
                state: state.clone(),
            })
            .map_err(|e| {
                Error::config(format!(
                    "cannot create the Kafka consumer: {}",
                    state.redact(&e.to_string())
                ))
                .with_provider(ProviderKind::Tencent)
            })?;
        consumer
            .subscribe(&[config.topic()])
            .map_err(|e| classify(&e, "subscribe", &state.secret))?;
        Ok(ClsAuditSource {
            consumer: Arc::new(consumer),
            topic: config.topic().to_owned(),
            group: config.group().to_owned(),
            poll_wait: config.poll_wait(),
            max_batch: config.max_batch(),
            clear_text: config.sends_password_in_clear(),
            state,
        })
    }

    /// Records received that were not Cloud Audit events (skipped and committed past).
    pub fn skipped_records(&self) -> u64 {
        self.state.skipped.load(Ordering::Relaxed)
    }

    /// The topic consumed.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The consumer group.
    pub fn group(&self) -> &str {
        &self.group
    }

    /// Records one received message: parses it into `events`, or skips it.
    fn take(&self, message: &impl Message, events: &mut Vec<AuditEvent>) {
        let (partition, offset) = (message.partition(), message.offset());
        let fallback = Fallback {
            id: format!("{}/{partition}/{offset}", self.topic),
            time: message.timestamp().to_millis().and_then(|ms| {
                OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
            }),
        };
        let parsed = match message.payload() {
            Some(payload) => parse_record(payload, Some(&fallback)),
            None => Err(Error::decode("an empty record")),
        };
        let mut pending = lock(&self.state.pending);
        match parsed {
            Ok(event) => {
                pending.received(partition, offset, Some(&event.id));
                events.push(event);
            }
            Err(e) => {
                pending.received(partition, offset, None);
                self.state.skipped.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    topic = %self.topic,
                    partition,
                    offset,
                    "skipping a CLS record that is not a Cloud Audit event: {e}"
                );
            }
        }
    }

    /// Commits every partition's acknowledged prefix that moved.
    async fn commit_due(&self) -> Result<()> {
        let due = lock(&self.state.pending).due();
        if due.is_empty() {
            return Ok(());
        }
        let mut offsets = TopicPartitionList::new();
        for (partition, offset) in &due {
            offsets
                .add_partition_offset(&self.topic, *partition, Offset::Offset(*offset))
                .map_err(|e| classify(&e, "commit", &self.state.secret))?;
        }
        let consumer = self.consumer.clone();
        // A synchronous commit waits for the broker: off the async threads.
        let outcome =
            tokio::task::spawn_blocking(move || consumer.commit(&offsets, CommitMode::Sync))
                .await
                .map_err(|e| {
                    Error::new(ErrorKind::Transient, format!("the commit task failed: {e}"))
                        .with_provider(ProviderKind::Tencent)
                })?;
        outcome.map_err(|e| classify(&e, "commit", &self.state.secret))?;
        lock(&self.state.pending).committed(&due);
        Ok(())
    }
}

#[async_trait]
impl AuditLogSource for ClsAuditSource {
    async fn receive(&self) -> Result<Vec<AuditEvent>> {
        let mut events = Vec::new();
        let mut received = 0;
        let mut wait = self.poll_wait;
        while received < self.max_batch {
            match tokio::time::timeout(wait, self.consumer.recv()).await {
                Ok(Ok(message)) => {
                    self.take(&message, &mut events);
                    received += 1;
                    *lock(&self.state.last_error) = None;
                }
                Ok(Err(e)) if received == 0 => {
                    return Err(classify(&e, "receive", &self.state.secret))
                }
                Ok(Err(e)) => {
                    // Hand over what arrived; the error shows on the next receive.
                    *lock(&self.state.last_error) =
                        Some(classify(&e, "receive", &self.state.secret));
                    break;
                }
                Err(_elapsed) => break,
            }
            wait = DRAIN_WAIT;
        }
        if received == 0 {
            if let Some(error) = lock(&self.state.last_error).take() {
                return Err(error);
            }
        }
        // Records that were not events may have moved a partition's frontier.
        if events.len() < received {
            self.commit_due().await?;
        }
        Ok(events)
    }

    async fn acknowledge(&self, events: &[AuditEvent]) -> Result<()> {
        lock(&self.state.pending).acknowledge(events.iter().map(|e| e.id.as_str()));
        self.commit_due().await
    }

    /// Signs in and asks the broker for the topic's metadata (nothing is consumed); notes
    /// when the password crosses the network in clear.
    async fn check(&self) -> Result<AuditCheck> {
        let mut check = AuditCheck::new(format!("CLS topic {} over Kafka", self.topic));
        let consumer = self.consumer.clone();
        let topic = self.topic.clone();
        let metadata = tokio::task::spawn_blocking(move || {
            consumer
                .fetch_metadata(Some(&topic), Duration::from_secs(10))
                .map(|m| {
                    m.topics()
                        .first()
                        .map(|t| (t.error(), t.partitions().len()))
                })
        })
        .await
        .map_err(|e| {
            Error::new(ErrorKind::Transient, format!("the check task failed: {e}"))
                .with_provider(ProviderKind::Tencent)
        })?;
        let step = match metadata {
            Ok(Some((None, partitions))) if partitions > 0 => {
                AuditStep::new("topic", StepStatus::Ok)
            }
            Ok(Some((Some(code), _))) => {
                let code = RDKafkaErrorCode::from(code);
                let err = classify(
                    &KafkaError::MetadataFetch(code),
                    "check",
                    &self.state.secret,
                );
                let fix = err.hint().unwrap_or("check the topic name").to_owned();
                AuditStep::failed("topic", &err, fix)
            }
            Ok(_) => {
                let err = classify(
                    &KafkaError::MetadataFetch(RDKafkaErrorCode::UnknownTopicOrPartition),
                    "check",
                    &self.state.secret,
                );
                let fix = err.hint().unwrap_or("check the topic name").to_owned();
                AuditStep::failed("topic", &err, fix)
            }
            Err(e) => {
                // A refused sign-in shows through the client's error callback.
                let err = lock(&self.state.last_error)
                    .take()
                    .unwrap_or_else(|| classify(&e, "check", &self.state.secret));
                let fix = err
                    .hint()
                    .unwrap_or("check the endpoint and the network path to it")
                    .to_owned();
                AuditStep::failed("sign_in", &err, fix)
            }
        };
        check.push(step);
        if self.clear_text {
            check.push(AuditStep::new(
                "transport",
                StepStatus::Note {
                    message: "no TLS: SecretId#SecretKey crosses the network in clear; consume \
                              from inside Tencent Cloud (the private endpoint) with a \
                              sub-account key allowed to consume only"
                        .into(),
                },
            ));
        }
        Ok(check)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded state stays consistent at every step; a panic elsewhere does not spoil it.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `text` without the password, nor its `SecretKey` part.
pub(crate) fn redact(text: &str, secret: &SecretString) -> String {
    let secret = secret.expose();
    let mut out = text.to_owned();
    let key_part = secret.split_once('#').map(|(_, key)| key);
    for needle in [Some(secret), key_part].into_iter().flatten() {
        if needle.len() >= 4 {
            out = out.replace(needle, "** redacted **");
        }
    }
    out
}

/// A Kafka client error as a typed error, with what to do.
pub(crate) fn classify(error: &KafkaError, context: &str, secret: &SecretString) -> Error {
    use RDKafkaErrorCode as C;
    let code = error.rdkafka_error_code();
    let (kind, hint) = match code {
        Some(C::Authentication | C::SaslAuthenticationFailed | C::IllegalSASLState) => (
            ErrorKind::InvalidCredential,
            Some(
                "the broker refused the sign-in: for CLS the user is the topic's logset id \
                 (DescribeTopics shows it) and the password SecretId#SecretKey of an enabled key",
            ),
        ),
        Some(C::UnsupportedSASLMechanism) => (
            ErrorKind::Config,
            Some("the broker does not offer this SASL mechanism (CLS offers PLAIN)"),
        ),
        Some(C::TopicAuthorizationFailed | C::GroupAuthorizationFailed) => (
            ErrorKind::PermissionDenied,
            Some("the key may not consume this topic or group: grant it CLS consume access"),
        ),
        Some(C::UnknownTopicOrPartition | C::UnknownTopic | C::UnknownPartition) => (
            ErrorKind::NotFound,
            Some(
                "consume the TopicID that OpenKafkaConsumer/DescribeKafkaConsumer returns (not \
                 the CLS topic id), at the endpoint of the topic's region, with Kafka \
                 consumption open on the topic",
            ),
        ),
        Some(
            C::AllBrokersDown
            | C::BrokerTransportFailure
            | C::Resolve
            | C::MessageTimedOut
            | C::OperationTimedOut
            | C::RequestTimedOut
            | C::NotCoordinator
            | C::CoordinatorLoadInProgress
            | C::CoordinatorNotAvailable
            | C::RebalanceInProgress
            | C::IllegalGeneration
            | C::UnknownMemberId
            | C::NetworkException
            | C::BrokerNotAvailable
            | C::LeaderNotAvailable
            | C::NotLeaderForPartition,
        ) => (
            ErrorKind::Transient,
            Some("the broker is unreachable or busy; the consumer retries with backoff"),
        ),
        _ => (ErrorKind::Service, None),
    };
    let mut out = Error::new(
        kind,
        format!("Kafka {context}: {}", redact(&error.to_string(), secret)),
    )
    .with_provider(ProviderKind::Tencent)
    .with_action(ACTION);
    if let Some(code) = code {
        out = out.with_code(format!("{code:?}"));
    }
    match hint {
        Some(hint) => out.with_hint(hint),
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_typed_and_scrubbed_of_the_password() {
        let secret = SecretString::new("AKIDEXAMPLE#planted-key-value");
        let refused = KafkaError::ClientCreation(
            "sign-in with AKIDEXAMPLE#planted-key-value failed (planted-key-value)".into(),
        );
        let err = classify(&refused, "receive", &secret);
        assert!(!format!("{err} {err:?}").contains("planted-key-value"));
        let cases = [
            (
                RDKafkaErrorCode::Authentication,
                ErrorKind::InvalidCredential,
            ),
            (
                RDKafkaErrorCode::UnknownTopicOrPartition,
                ErrorKind::NotFound,
            ),
            (RDKafkaErrorCode::AllBrokersDown, ErrorKind::Transient),
            (
                RDKafkaErrorCode::TopicAuthorizationFailed,
                ErrorKind::PermissionDenied,
            ),
            (RDKafkaErrorCode::InvalidMessage, ErrorKind::Service),
        ];
        for (code, kind) in cases {
            let err = classify(&KafkaError::MessageConsumption(code), "receive", &secret);
            assert_eq!(err.kind(), kind, "{code:?}");
            assert_eq!(err.kind().is_retryable(), kind == ErrorKind::Transient);
        }
        let auth = classify(
            &KafkaError::MessageConsumption(RDKafkaErrorCode::Authentication),
            "receive",
            &secret,
        );
        assert!(auth.hint().is_some_and(|h| h.contains("logset id")));
    }

    #[test]
    fn redaction_covers_the_whole_password_and_its_key_part() {
        let secret = SecretString::new("AKID#abcdefgh");
        assert_eq!(
            redact("x AKID#abcdefgh y abcdefgh", &secret),
            "x ** redacted ** y ** redacted **"
        );
    }
}

//! SQS (JSON protocol, awsJson1.0) and the CloudTrail → S3 → SQS pipeline behind it.
//!
//! `POST /` with `X-Amz-Target: AmazonSQS.{GetQueueUrl|ReceiveMessage|DeleteMessage}`:
//! standard queues with a visibility timeout (30 s by default, `VisibilityTimeout` per
//! receive), a fresh receipt handle per receive, long polls (`WaitTimeSeconds`; an empty
//! poll answers after the wait, capped by [`AuditPipeline::set_long_poll_cap`] so tests stay
//! fast), and the real errors (`QueueDoesNotExist` with `x-amzn-query-error:
//! AWS.SimpleQueueService.NonExistentQueue;Sender`, `ReceiptHandleIsInvalid`).
//!
//! [`AuditPipeline`] plays CloudTrail and S3 too: [`put_log_file`](AuditPipeline::put_log_file)
//! stores a gzip `{"Records":[…]}` object in a bucket and sends the bucket's S3 event
//! notification to the queue the bucket notifies; objects can be stored SSE-KMS encrypted
//! (read only by a key granted `kms:Decrypt`).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use time::OffsetDateTime;

use super::errors::AwsError;
use super::Call;

/// A queue's default message retention.
const DEFAULT_RETENTION: time::Duration = time::Duration::days(4);

/// A queue's default visibility timeout.
const DEFAULT_VISIBILITY: time::Duration = time::Duration::seconds(30);

/// The CloudTrail → S3 → SQS pipeline of the simulated AWS. Cheap to clone; clones share
/// the state (keep one to drive the pipeline while the simulator holds another).
#[derive(Debug, Clone, Default)]
pub struct AuditPipeline {
    inner: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    /// The clock messages are stamped with (default: the system clock).
    clock: Option<Arc<dyn multicloud_core::Clock>>,
    /// How long a queue keeps a message (default 4 days, SQS's default).
    retention: Option<time::Duration>,
    /// (region, name) → queue.
    queues: BTreeMap<(String, String), Queue>,
    /// (bucket, key) → object.
    objects: BTreeMap<(String, String), StoredObject>,
    /// bucket → (region, queue) it notifies.
    notifications: BTreeMap<String, (String, String)>,
    seq: u64,
    long_poll_cap: Option<Duration>,
}

#[derive(Debug, Default)]
struct Queue {
    messages: Vec<Message>,
    deleted: usize,
    receives: usize,
}

#[derive(Debug)]
struct Message {
    id: String,
    sent_at: OffsetDateTime,
    body: String,
    visible_at: OffsetDateTime,
    handles: Vec<String>,
    receive_count: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct StoredObject {
    pub(crate) body: Vec<u8>,
    pub(crate) etag: String,
    pub(crate) kms: bool,
}

impl AuditPipeline {
    /// An empty pipeline: no queue, no bucket.
    pub fn new() -> Self {
        AuditPipeline::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Creates the standard queue `name` in `region` (nothing if it exists).
    pub fn create_queue(&self, region: &str, name: &str) {
        self.lock()
            .queues
            .entry((region.to_owned(), name.to_owned()))
            .or_default();
    }

    /// Makes `bucket` (in `region`) notify the queue `queue` of that region of every new
    /// object, as the trail's bucket event notification does; creates the queue if needed.
    pub fn notify(&self, bucket: &str, region: &str, queue: &str) {
        self.create_queue(region, queue);
        self.lock()
            .notifications
            .insert(bucket.to_owned(), (region.to_owned(), queue.to_owned()));
    }

    /// Stamps new messages with `clock`'s time (give the simulator's clock, so retention and
    /// visibility follow it).
    pub fn set_clock(&self, clock: Arc<dyn multicloud_core::Clock>) {
        self.lock().clock = Some(clock);
    }

    /// How long queues keep a message (default 4 days, as SQS); older ones disappear.
    pub fn set_retention(&self, retention: time::Duration) {
        self.lock().retention = Some(retention);
    }

    /// How long an empty long poll waits at most (default 1 s; SQS itself waits the full
    /// `WaitTimeSeconds`).
    pub fn set_long_poll_cap(&self, cap: Duration) {
        self.lock().long_poll_cap = Some(cap);
    }

    /// Stores a CloudTrail log file holding `records` (gzip JSON) under `key` and notifies
    /// the bucket's queue; returns the object's ETag.
    pub fn put_log_file(&self, bucket: &str, key: &str, records: &[Value]) -> String {
        let json = json!({ "Records": records }).to_string();
        self.put_object(bucket, key, gzip(json.as_bytes()), false)
    }

    /// Stores `body` under `key` as is (`kms`: SSE-KMS encrypted) and notifies the bucket's
    /// queue with a plain S3 event notification; returns the ETag.
    pub fn put_object(&self, bucket: &str, key: &str, body: Vec<u8>, kms: bool) -> String {
        let etag = format!("{:032x}", fnv(&body));
        let mut state = self.lock();
        state.objects.insert(
            (bucket.to_owned(), key.to_owned()),
            StoredObject {
                body,
                etag: etag.clone(),
                kms,
            },
        );
        if let Some((region, queue)) = state.notifications.get(bucket).cloned() {
            let body = notification(bucket, &region, key, &etag);
            push(&mut state, &region, &queue, body);
        }
        etag
    }

    /// Sends `body` as a message to `queue` in `region` (an SNS envelope, a test event, any
    /// text); creates the queue if needed.
    pub fn send(&self, region: &str, queue: &str, body: impl Into<String>) {
        let mut state = self.lock();
        push(&mut state, region, queue, body.into());
    }

    /// Ends every visibility timeout now: messages received and not deleted come back.
    pub fn reveal(&self) {
        let past = OffsetDateTime::UNIX_EPOCH;
        for queue in self.lock().queues.values_mut() {
            for m in &mut queue.messages {
                m.visible_at = past;
            }
        }
    }

    /// Messages in `queue` (visible or in flight), not deleted.
    pub fn depth(&self, region: &str, queue: &str) -> usize {
        self.with_queue(region, queue, |q| q.messages.len())
    }

    /// Messages deleted from `queue`.
    pub fn deleted(&self, region: &str, queue: &str) -> usize {
        self.with_queue(region, queue, |q| q.deleted)
    }

    /// `ReceiveMessage` calls `queue` answered.
    pub fn receives(&self, region: &str, queue: &str) -> usize {
        self.with_queue(region, queue, |q| q.receives)
    }

    fn with_queue(&self, region: &str, queue: &str, f: impl Fn(&Queue) -> usize) -> usize {
        self.lock()
            .queues
            .get(&(region.to_owned(), queue.to_owned()))
            .map_or(0, f)
    }

    pub(crate) fn object(&self, bucket: &str, key: &str) -> Option<StoredObject> {
        self.lock()
            .objects
            .get(&(bucket.to_owned(), key.to_owned()))
            .cloned()
    }
}

fn push(state: &mut State, region: &str, queue: &str, body: String) {
    use multicloud_core::Clock;
    let sent_at = match &state.clock {
        Some(clock) => clock.now(),
        None => multicloud_core::SystemClock.now(),
    };
    state.seq += 1;
    let id = format!("{:08x}-0000-4000-8000-{:012x}", state.seq, state.seq);
    state
        .queues
        .entry((region.to_owned(), queue.to_owned()))
        .or_default()
        .messages
        .push(Message {
            id,
            sent_at,
            body,
            visible_at: OffsetDateTime::UNIX_EPOCH,
            handles: Vec::new(),
            receive_count: 0,
        });
}

/// The S3 event notification of a new object, with the key URL-encoded as S3 sends it.
pub fn notification(bucket: &str, region: &str, key: &str, etag: &str) -> String {
    let encoded: String = key
        .split('/')
        .map(|part| {
            percent_encoding::utf8_percent_encode(part, percent_encoding::NON_ALPHANUMERIC)
                .to_string()
                .replace("%20", "+")
                .replace("%2E", ".")
                .replace("%2D", "-")
                .replace("%5F", "_")
        })
        .collect::<Vec<_>>()
        .join("/");
    json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": region,
        "eventTime": "2026-03-01T00:00:00.000Z", "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:CLOUDTRAIL"},
        "requestParameters": {"sourceIPAddress": "10.0.0.1"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "trail-logs",
               "bucket": {"name": bucket, "arn": format!("arn:aws:s3:::{bucket}")},
               "object": {"key": encoded, "eTag": etag, "sequencer": "0A1B2C"}}
    }]})
    .to_string()
}

/// `body` wrapped in an SNS notification envelope (S3 → SNS → SQS).
pub fn sns_envelope(body: &str) -> String {
    json!({"Type": "Notification", "MessageId": "sns-1", "TopicArn": "arn:aws:sns:us-east-1:123456789012:trail",
           "Message": body, "Timestamp": "2026-03-01T00:00:00.000Z"})
    .to_string()
}

/// The one-off test event S3 sends when a notification is configured.
pub fn test_event(bucket: &str) -> String {
    json!({"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-03-01T00:00:00.000Z",
           "Bucket": bucket, "RequestId": "r", "HostId": "h"})
    .to_string()
}

/// A CloudTrail record of `event_name` with id `id`, by the IAM user `user` (the event
/// source follows the name: `ConsoleLogin` signin, `*Trail` cloudtrail, buckets s3, else ec2).
pub fn cloudtrail_record(id: &str, event_name: &str, time: &str, user: &str) -> Value {
    let source = if event_name == "ConsoleLogin" {
        "signin.amazonaws.com"
    } else if event_name.ends_with("Trail") {
        "cloudtrail.amazonaws.com"
    } else if event_name.contains("Bucket") || event_name.contains("Object") {
        "s3.amazonaws.com"
    } else {
        "ec2.amazonaws.com"
    };
    json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE",
                         "arn": format!("arn:aws:iam::123456789012:user/{user}"),
                         "accountId": "123456789012", "userName": user},
        "eventTime": time, "eventSource": source, "eventName": event_name,
        "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.7",
        "userAgent": "aws-cli/2", "requestParameters": null, "responseElements": null,
        "requestID": format!("req-{id}"), "eventID": id,
        "readOnly": event_name.starts_with("Describe") || event_name.starts_with("Get"),
        "eventType": "AwsApiCall", "recipientAccountId": "123456789012"
    })
}

/// Gzips `bytes`.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

fn fnv(bytes: &[u8]) -> u128 {
    bytes
        .iter()
        .fold(0x6c62_272e_07bb_0142_62b8_2175_6295_c58d, |h, b| {
            (h ^ u128::from(*b)).wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b)
        })
}

/// What one SQS call answers: the JSON body and, for an empty long poll, how long to wait.
pub(crate) struct SqsAnswer {
    pub(crate) body: Value,
    pub(crate) delay: Option<Duration>,
}

fn missing_queue() -> AwsError {
    AwsError::new(
        400,
        "QueueDoesNotExist",
        "The specified queue does not exist.",
    )
}

fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new(400, "InvalidParameterValue", message)
}

/// Handles one SQS action.
pub(crate) fn handle(
    call: &Call<'_>,
    action: &str,
    pipeline: &AuditPipeline,
) -> Result<SqsAnswer, AwsError> {
    let input = call
        .req
        .json_body()
        .map_err(|_| AwsError::new(400, "SerializationException", "the body is not JSON"))?;
    let region = call.route.region.clone();
    let text = |name: &str| input.get(name).and_then(Value::as_str).map(str::to_owned);
    let now = call.ctx.now;
    let mut state = pipeline.lock();
    let answer = |body| Ok(SqsAnswer { body, delay: None });
    match action {
        "GetQueueUrl" => {
            let name = text("QueueName").ok_or_else(|| invalid("QueueName is required"))?;
            if !state.queues.contains_key(&(region.clone(), name.clone())) {
                return Err(missing_queue());
            }
            let url = format!("http://{}/{}/{name}", call.req.host, call.key.account_id);
            answer(json!({ "QueueUrl": url }))
        }
        "ReceiveMessage" => {
            let retention = state.retention.unwrap_or(DEFAULT_RETENTION);
            let cap = state.long_poll_cap.unwrap_or(Duration::from_secs(1));
            let queue = queue_of(&mut state, &region, text("QueueUrl"))?;
            let max = input
                .get("MaxNumberOfMessages")
                .and_then(Value::as_u64)
                .unwrap_or(1);
            let wait = input
                .get("WaitTimeSeconds")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            if !(1..=10).contains(&max) || wait > 20 {
                return Err(invalid(
                    "MaxNumberOfMessages must be 1..10 and WaitTimeSeconds 0..20",
                ));
            }
            let visibility = input
                .get("VisibilityTimeout")
                .and_then(Value::as_i64)
                .map_or(DEFAULT_VISIBILITY, time::Duration::seconds);
            queue.receives += 1;
            queue.messages.retain(|m| m.sent_at + retention > now);
            let mut out = Vec::new();
            for m in queue.messages.iter_mut().filter(|m| m.visible_at <= now) {
                if out.len() as u64 == max {
                    break;
                }
                m.visible_at = now + visibility;
                m.receive_count += 1;
                let handle = format!("AQEB{}-{}", m.id, m.receive_count);
                m.handles.push(handle.clone());
                out.push(json!({
                    "MessageId": m.id, "ReceiptHandle": handle,
                    "MD5OfBody": format!("{:032x}", fnv(m.body.as_bytes())), "Body": m.body,
                    "Attributes": {"ApproximateReceiveCount": m.receive_count.to_string()}
                }));
            }
            if out.is_empty() {
                let delay = Duration::from_secs(wait).min(cap);
                return Ok(SqsAnswer {
                    body: json!({}),
                    delay: (!delay.is_zero()).then_some(delay),
                });
            }
            answer(json!({ "Messages": out }))
        }
        _ => {
            let handle =
                text("ReceiptHandle").ok_or_else(|| invalid("ReceiptHandle is required"))?;
            let queue = queue_of(&mut state, &region, text("QueueUrl"))?;
            let Some(at) = queue
                .messages
                .iter()
                .position(|m| m.handles.contains(&handle))
            else {
                if handle.starts_with("AQEB") {
                    // Already deleted: SQS answers success.
                    return answer(json!({}));
                }
                return Err(AwsError::new(
                    400,
                    "ReceiptHandleIsInvalid",
                    format!("The input receipt handle \"{handle}\" is not a valid receipt handle."),
                ));
            };
            queue.messages.remove(at);
            queue.deleted += 1;
            answer(json!({}))
        }
    }
}

/// The queue a `QueueUrl` names (its last path segment), in the endpoint's region.
fn queue_of<'a>(
    state: &'a mut State,
    region: &str,
    url: Option<String>,
) -> Result<&'a mut Queue, AwsError> {
    let url = url.ok_or_else(|| invalid("QueueUrl is required"))?;
    let name = url.rsplit('/').next().unwrap_or_default().to_owned();
    state
        .queues
        .get_mut(&(region.to_owned(), name))
        .ok_or_else(missing_queue)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn a_log_file_is_stored_gzipped_and_announced_to_the_notified_queue_only() {
        let p = AuditPipeline::new();
        p.notify("trail", "us-east-1", "q");
        let etag = p.put_log_file(
            "trail",
            "AWSLogs/a b.json.gz",
            &[cloudtrail_record(
                "e",
                "ConsoleLogin",
                "2026-03-01T00:00:00Z",
                "u",
            )],
        );
        p.put_log_file("other", "k", &[]);
        assert_eq!(
            p.depth("us-east-1", "q"),
            1,
            "a bucket without notification sends nothing"
        );
        let object = p.object("trail", "AWSLogs/a b.json.gz").unwrap();
        assert_eq!(object.etag, etag);
        let mut text = String::new();
        flate2::read::GzDecoder::new(&object.body[..])
            .read_to_string(&mut text)
            .unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["Records"][0]["eventSource"], "signin.amazonaws.com");
        let body = &p.lock().queues[&("us-east-1".to_owned(), "q".to_owned())].messages[0].body;
        let note: Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            note["Records"][0]["s3"]["object"]["key"],
            "AWSLogs/a+b.json.gz"
        );
        assert_eq!(note["Records"][0]["s3"]["object"]["eTag"], etag.as_str());
    }

    #[test]
    fn messages_are_stamped_with_the_pipeline_clock_and_reveal_ends_visibility() {
        use multicloud_core::Clock;
        let clock = Arc::new(multicloud_core::ManualClock::new(
            time::macros::datetime!(2026-03-01 0:00 UTC),
        ));
        let p = AuditPipeline::new();
        p.set_clock(clock.clone());
        p.send("us-east-1", "q", "x");
        {
            let mut state = p.lock();
            let q = state
                .queues
                .get_mut(&("us-east-1".to_owned(), "q".to_owned()))
                .unwrap();
            q.messages[0].visible_at = clock.now() + time::Duration::hours(1);
        }
        p.reveal();
        assert_eq!(
            p.lock().queues[&("us-east-1".to_owned(), "q".to_owned())].messages[0].visible_at,
            OffsetDateTime::UNIX_EPOCH
        );
        assert_eq!(
            p.lock().queues.values().next().unwrap().messages[0].sent_at,
            clock.now()
        );
    }
}

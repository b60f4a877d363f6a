//! AWS audit-log intake end to end against the simulated pipeline (CloudTrail → S3 → SQS):
//! round trip, SNS-wrapped and test events, restart without delete permission (SQLite
//! checkpoint), delete after acknowledge, a crash before acknowledge, typed failures without
//! a retry loop, throttling, broken and KMS-encrypted objects, and secrets in output.

mod aws_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_support::builder;
use multicloud_sdk::audit::{AuditCheckpoint, MemoryCheckpoint, StepStatus};
use multicloud_sdk::aws::AwsAuditSource;
use multicloud_sdk::sync::SqliteStore;
use multicloud_sdk::{
    AccessKey, AuditConsumer, AuditEvent, AuditLogSource, ConsumeError, ConsumeSummary, Domain,
    ErrorKind,
};
use multicloud_testkit::aws::{
    cloudtrail_record, gzip, notification, sns_envelope, test_event, AuditPipeline, AwsSim,
    ACCOUNT_ID,
};
use multicloud_testkit::{Permissions, SimCloud, SimKey, Trigger};
use serde_json::Value;

const REGION: &str = "us-east-1";
const QUEUE: &str = "trail-events";
const BUCKET: &str = "trail-bkt";

const FULL_ID: &str = "AKIAMCAUDITFULL00001";
const GUIDE_ID: &str = "AKIAMCAUDITGUIDE0001";
const NO_KMS_ID: &str = "AKIAMCAUDITNOKMS0001";
const SECRET: &str = "mcAuditSecretPlantedNeverPrinted00000001";

/// A simulator whose bucket notifies the queue, with three keys: every permission; the
/// guide's (GetQueueUrl, ReceiveMessage, GetObject: no delete); everything but kms:Decrypt.
async fn pipeline() -> (SimCloud, AuditPipeline) {
    let audit = AuditPipeline::new();
    audit.set_long_poll_cap(Duration::from_millis(20));
    audit.notify(BUCKET, REGION, QUEUE);
    let cloud = SimCloud::builder(AwsSim::new().with_audit(audit.clone()))
        .hosts(1)
        .start()
        .await
        .expect("simulator starts");
    let key = |id: &str, permissions| {
        SimKey::new(id, SECRET, ACCOUNT_ID)
            .with_user(format!("audit-{id}"), format!("AIDA{id}"))
            .with_permissions(permissions)
    };
    cloud.keys().insert(key(FULL_ID, Permissions::All));
    cloud.keys().insert(key(
        GUIDE_ID,
        Permissions::only(["sqs:GetQueueUrl", "sqs:ReceiveMessage", "s3:GetObject"]),
    ));
    cloud
        .keys()
        .insert(key(NO_KMS_ID, Permissions::all_except(["kms:Decrypt"])));
    (cloud, audit)
}

fn source_with(
    cloud: &SimCloud,
    id: &str,
    secret: &str,
    region: &str,
    checkpoint: Arc<dyn AuditCheckpoint>,
) -> AwsAuditSource {
    builder(cloud, AccessKey::new(id, secret), Domain::International)
        .build()
        .expect("provider builds")
        .audit_source(region, QUEUE)
        .with_wait(Duration::from_secs(1))
        .with_checkpoint(checkpoint)
        .build()
        .expect("source builds")
}

fn source(cloud: &SimCloud, id: &str, checkpoint: Arc<dyn AuditCheckpoint>) -> AwsAuditSource {
    source_with(cloud, id, SECRET, REGION, checkpoint)
}

fn memory() -> Arc<dyn AuditCheckpoint> {
    Arc::new(MemoryCheckpoint::new())
}

/// `n` CloudTrail records with ids `{prefix}-0…`.
fn records(prefix: &str, n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            cloudtrail_record(
                &format!("{prefix}-{i}"),
                if i % 2 == 0 {
                    "RunInstances"
                } else {
                    "DescribeInstances"
                },
                &format!("2026-03-01T10:00:{i:02}Z"),
                "alice",
            )
        })
        .collect()
}

fn key(n: usize) -> String {
    format!("AWSLogs/{ACCOUNT_ID}/CloudTrail/{REGION}/2026/03/01/{ACCOUNT_ID}_CloudTrail_{REGION}_20260301T10{n:02}Z_x.json.gz")
}

/// Runs a consumer until `max` events or `for_at_most`; returns its summary (or error) and
/// the events handed over.
async fn consume(
    source: &dyn AuditLogSource,
    max: Option<u64>,
    for_at_most: Duration,
) -> (Result<ConsumeSummary, ConsumeError>, Vec<AuditEvent>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut consumer = AuditConsumer::new(source)
        .with_idle_pause(Duration::from_millis(10))
        .with_retry_backoff(Duration::from_millis(20), Duration::from_millis(100));
    if let Some(max) = max {
        consumer = consumer.with_max_events(max);
    }
    let sink = seen.clone();
    let result = consumer
        .run(
            move |event: AuditEvent| {
                let sink = sink.clone();
                async move {
                    sink.lock().unwrap().push(event);
                    Ok::<(), std::io::Error>(())
                }
            },
            tokio::time::sleep(for_at_most),
        )
        .await;
    let events = seen.lock().unwrap().clone();
    (result, events)
}

fn ids(events: &[AuditEvent]) -> Vec<String> {
    let mut ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn log_files_round_trip_into_events_and_their_messages_are_deleted() {
    let (cloud, audit) = pipeline().await;
    audit.put_log_file(BUCKET, &key(1), &records("a", 3));
    audit.put_log_file(BUCKET, &key(2), &records("b", 2));
    let src = source(&cloud, FULL_ID, memory());
    let (summary, events) = consume(&src, Some(5), Duration::from_secs(10)).await;
    let summary = summary.expect("consumed");
    assert_eq!(summary.delivered, 5);
    assert_eq!(ids(&events), ["a-0", "a-1", "a-2", "b-0", "b-1"]);
    let e = events.iter().find(|e| e.id == "a-0").unwrap();
    assert_eq!(e.event_name, "RunInstances");
    assert_eq!(e.event_source.as_deref(), Some("ec2.amazonaws.com"));
    assert_eq!(
        e.principal.as_deref(),
        Some("arn:aws:iam::123456789012:user/alice")
    );
    assert_eq!(e.source_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(e.region.as_deref(), Some("us-east-1"));
    assert_eq!(e.read_only, Some(false));
    assert_eq!(e.raw["recipientAccountId"], "123456789012");
    assert_eq!(audit.deleted(REGION, QUEUE), 2);
    assert_eq!(audit.depth(REGION, QUEUE), 0);
    assert_eq!(cloud.count("s3:GetObject"), 2);
    assert_eq!(cloud.count("sqs:GetQueueUrl"), 1, "the URL is asked once");
}

#[tokio::test]
async fn sns_wrapped_notifications_are_read_and_test_events_and_garbage_are_skipped() {
    let (cloud, audit) = pipeline().await;
    // A bucket without a direct notification: its log file reaches the queue through SNS.
    let etag = audit.put_log_file("sns-bkt", &key(3), &records("s", 2));
    audit.send(REGION, QUEUE, test_event(BUCKET));
    audit.send(REGION, QUEUE, "not json at all");
    audit.send(
        REGION,
        QUEUE,
        sns_envelope(&notification("sns-bkt", REGION, &key(3), &etag)),
    );
    let src = source(&cloud, FULL_ID, memory());
    let (summary, events) = consume(&src, Some(2), Duration::from_secs(10)).await;
    assert_eq!(summary.expect("consumed").delivered, 2);
    assert_eq!(ids(&events), ["s-0", "s-1"]);
    assert_eq!(
        audit.deleted(REGION, QUEUE),
        3,
        "test event and garbage are done too"
    );
    assert_eq!(cloud.count("s3:GetObject"), 1);
}

#[tokio::test]
async fn without_delete_permission_a_restart_does_not_replay_handled_objects() {
    let (cloud, audit) = pipeline().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("audit.db");
    audit.put_log_file(BUCKET, &key(1), &records("a", 3));
    {
        let store: Arc<dyn AuditCheckpoint> = Arc::new(SqliteStore::open(&file).await.unwrap());
        let src = source(&cloud, GUIDE_ID, store);
        let (summary, events) = consume(&src, Some(3), Duration::from_secs(10)).await;
        assert_eq!(summary.expect("consumed").delivered, 3);
        assert_eq!(ids(&events), ["a-0", "a-1", "a-2"]);
    }
    assert_eq!(audit.deleted(REGION, QUEUE), 0, "the key may not delete");
    assert_eq!(audit.depth(REGION, QUEUE), 1);
    assert_eq!(
        cloud.count("sqs:DeleteMessage"),
        1,
        "tried once, then only checkpointed"
    );
    // The visibility timeout ends; the process restarts with the same SQLite file.
    audit.reveal();
    audit.put_log_file(BUCKET, &key(2), &records("b", 2));
    let receives_before = audit.receives(REGION, QUEUE);
    let store: Arc<dyn AuditCheckpoint> = Arc::new(SqliteStore::open(&file).await.unwrap());
    let src = source(&cloud, GUIDE_ID, store);
    let (summary, events) = consume(&src, Some(2), Duration::from_secs(10)).await;
    assert_eq!(summary.expect("consumed").delivered, 2);
    assert_eq!(ids(&events), ["b-0", "b-1"], "only the new file");
    assert!(audit.receives(REGION, QUEUE) > receives_before);
    assert_eq!(
        cloud.count("s3:GetObject"),
        2,
        "the handled object is not read again"
    );
    // Nothing more comes, however long it runs.
    audit.reveal();
    let (summary, events) = consume(&src, None, Duration::from_millis(400)).await;
    assert_eq!(summary.expect("stopped").delivered, 0);
    assert!(events.is_empty());
}

#[tokio::test]
async fn with_delete_permission_a_message_is_deleted_only_once_all_its_events_are_acknowledged() {
    let (cloud, audit) = pipeline().await;
    audit.put_log_file(BUCKET, &key(1), &records("a", 2));
    let src = source(&cloud, FULL_ID, memory());
    let events = src.receive().await.expect("received");
    assert_eq!(events.len(), 2);
    assert_eq!(audit.deleted(REGION, QUEUE), 0);
    src.acknowledge(&events[..1]).await.unwrap();
    assert_eq!(audit.deleted(REGION, QUEUE), 0, "one event is still out");
    src.acknowledge(&events[1..]).await.unwrap();
    assert_eq!(audit.deleted(REGION, QUEUE), 1);
    src.acknowledge(&events).await.unwrap();
    assert_eq!(
        audit.deleted(REGION, QUEUE),
        1,
        "acknowledging twice is harmless"
    );
}

#[tokio::test]
async fn a_crash_before_acknowledging_redelivers_and_repeats_are_dropped_by_id() {
    let (cloud, audit) = pipeline().await;
    let checkpoint = memory();
    let etag = audit.put_log_file(BUCKET, &key(1), &records("a", 3));
    {
        let crashed = source(&cloud, GUIDE_ID, checkpoint.clone());
        assert_eq!(crashed.receive().await.unwrap().len(), 3);
        // Dropped without acknowledging: the "crash".
    }
    audit.reveal();
    // The same object announced twice (S3 may notify more than once).
    audit.send(REGION, QUEUE, notification(BUCKET, REGION, &key(1), &etag));
    let src = source(&cloud, GUIDE_ID, checkpoint);
    let (summary, events) = consume(&src, None, Duration::from_millis(600)).await;
    let summary = summary.expect("consumed");
    assert_eq!(ids(&events), ["a-0", "a-1", "a-2"], "every event, once");
    assert_eq!(summary.delivered, 3);
    assert_eq!(
        summary.duplicates, 3,
        "the second announcement's events are dropped by id"
    );
}

/// A consumer against a source that can never work stops with the typed error, promptly.
async fn fails_fast(src: &AwsAuditSource) -> multicloud_sdk::Error {
    let started = std::time::Instant::now();
    let (result, events) = consume(src, None, Duration::from_secs(10)).await;
    assert!(events.is_empty());
    assert!(started.elapsed() < Duration::from_secs(5), "no retry loop");
    match result {
        Err(ConsumeError::Source(e)) => e,
        other => panic!("expected a source error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_queue_in_another_region_is_a_wrong_region_error_naming_it() {
    let (cloud, audit) = pipeline().await;
    audit.create_queue("eu-west-1", "elsewhere");
    let src = builder(
        &cloud,
        AccessKey::new(FULL_ID, SECRET),
        Domain::International,
    )
    .build()
    .unwrap()
    .audit_source(REGION, "elsewhere")
    .build()
    .unwrap();
    let err = fails_fast(&src).await;
    assert_eq!(err.kind(), ErrorKind::WrongDomainOrRegion, "{err}");
    assert!(err.to_string().contains("eu-west-1"), "{err}");
    assert!(err.hint().unwrap().contains("--region eu-west-1"));
    assert_eq!(cloud.count("sqs:ReceiveMessage"), 0);
    assert!(
        cloud.count("sqs:GetQueueUrl") <= 40,
        "one look per region, once"
    );
    let check = src.check_readiness().await.unwrap();
    assert!(!check.is_ready());
    assert!(matches!(
        check.step("queue"),
        Some(StepStatus::Failed { kind: ErrorKind::WrongDomainOrRegion, fix, .. }) if fix.contains("eu-west-1")
    ));
}

#[tokio::test]
async fn a_missing_queue_and_a_bad_secret_are_typed_errors_without_a_retry_loop() {
    let (cloud, _audit) = pipeline().await;
    let missing = builder(
        &cloud,
        AccessKey::new(FULL_ID, SECRET),
        Domain::International,
    )
    .build()
    .unwrap()
    .audit_source(REGION, "no-such-queue")
    .build()
    .unwrap();
    let err = fails_fast(&missing).await;
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert!(err.to_string().contains("no-such-queue"), "{err}");
    let asked = cloud.count("sqs:GetQueueUrl");
    assert!(asked <= 40, "{asked}");
    assert_eq!(cloud.count("sqs:ReceiveMessage"), 0);

    cloud.recorder().clear();
    let bad = source_with(
        &cloud,
        FULL_ID,
        "wrong-secret-planted-0001",
        REGION,
        memory(),
    );
    let err = fails_fast(&bad).await;
    assert_eq!(err.kind(), ErrorKind::InvalidCredential, "{err}");
    assert_eq!(
        cloud.count("sqs:GetQueueUrl"),
        1,
        "an auth failure is asked once"
    );
    assert!(!format!("{err} {err:?}").contains("wrong-secret-planted-0001"));
}

#[tokio::test]
async fn throttling_is_waited_out_and_nothing_is_lost() {
    let (cloud, audit) = pipeline().await;
    audit.put_log_file(BUCKET, &key(1), &records("a", 2));
    // More throttles than one call's attempts: the consumer must back off and come back.
    cloud
        .faults()
        .on("sqs:ReceiveMessage")
        .throttle(Trigger::first(6));
    cloud
        .faults()
        .on("s3:GetObject")
        .server_error(Trigger::first(1));
    let src = source(&cloud, FULL_ID, memory());
    let (summary, events) = consume(&src, Some(2), Duration::from_secs(10)).await;
    let summary = summary.expect("consumed");
    assert_eq!(ids(&events), ["a-0", "a-1"]);
    assert!(summary.retries >= 1, "{summary:?}");
    assert!(
        cloud.count("sqs:ReceiveMessage") <= 10,
        "backed off, not hammered"
    );
}

#[tokio::test]
async fn a_broken_object_is_skipped_without_losing_the_others() {
    let (cloud, audit) = pipeline().await;
    audit.put_log_file(BUCKET, &key(1), &records("a", 2));
    audit.put_object(
        BUCKET,
        &key(2),
        gzip(b"{\"Records\": [ {\"eventName\""),
        false,
    );
    audit.put_object(BUCKET, &key(3), b"\x1f\x8bnot gzip".to_vec(), false);
    audit.put_log_file(BUCKET, &key(4), &records("b", 1));
    let src = source(&cloud, FULL_ID, memory());
    let (summary, events) = consume(&src, Some(3), Duration::from_secs(10)).await;
    assert_eq!(summary.expect("consumed").delivered, 3);
    assert_eq!(ids(&events), ["a-0", "a-1", "b-0"]);
    assert_eq!(
        audit.deleted(REGION, QUEUE),
        4,
        "broken files are not retried forever"
    );
}

#[tokio::test]
async fn kms_encrypted_objects_without_decrypt_say_to_use_sse_s3() {
    let (cloud, audit) = pipeline().await;
    let records = serde_json::json!({ "Records": records("k", 1) }).to_string();
    audit.put_object(BUCKET, &key(1), gzip(records.as_bytes()), true);
    let src = source(&cloud, NO_KMS_ID, memory());
    let check = src.check_readiness().await.unwrap();
    match check.step("read_object") {
        Some(StepStatus::Failed { kind, fix, .. }) => {
            assert_eq!(*kind, ErrorKind::PermissionDenied);
            assert!(fix.contains("SSE-S3"), "{fix}");
        }
        other => panic!("{other:?}\n{check}"),
    }
    assert_eq!(audit.depth(REGION, QUEUE), 1, "the check consumed nothing");
    let err = fails_fast(&src).await;
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert!(err.hint().unwrap().contains("SSE-S3"), "{err:?}");
    // The key that may decrypt reads it.
    audit.reveal();
    let src = source(&cloud, FULL_ID, memory());
    let (summary, _) = consume(&src, Some(1), Duration::from_secs(10)).await;
    assert_eq!(summary.expect("consumed").delivered, 1);
}

#[tokio::test]
async fn the_check_names_each_step_and_notes_a_missing_delete_permission() {
    let (cloud, audit) = pipeline().await;
    let src = source(&cloud, GUIDE_ID, memory());
    let check = src.check_readiness().await.unwrap();
    assert_eq!(check.step("queue"), Some(&StepStatus::Ok));
    assert_eq!(check.step("receive"), Some(&StepStatus::Ok));
    assert!(matches!(
        check.step("read_object"),
        Some(StepStatus::NotChecked { .. })
    ));
    assert!(
        matches!(check.step("delete"), Some(StepStatus::Note { message }) if message.contains("retention")),
        "{check}"
    );
    assert!(check.is_ready());
    audit.put_log_file(BUCKET, &key(1), &records("a", 1));
    let check = src.check().await.unwrap();
    assert_eq!(check.step("read_object"), Some(&StepStatus::Ok), "{check}");
    assert_eq!(check.step("same_region"), Some(&StepStatus::Ok));
    let full = source(&cloud, FULL_ID, memory())
        .check_readiness()
        .await
        .unwrap();
    assert_eq!(full.step("delete"), Some(&StepStatus::Ok), "{full}");
    assert_eq!(audit.depth(REGION, QUEUE), 1, "checks consume nothing");
    assert_eq!(audit.deleted(REGION, QUEUE), 0);
}

#[tokio::test]
async fn no_secret_shows_in_debug_errors_or_checks() {
    let (cloud, _audit) = pipeline().await;
    let src = source(&cloud, FULL_ID, memory());
    let bad = source_with(
        &cloud,
        GUIDE_ID,
        "planted-bad-secret-0002",
        REGION,
        memory(),
    );
    let err = bad.receive().await.unwrap_err();
    let check = bad.check_readiness().await.unwrap();
    let shown = format!("{src:?} {bad:?} {err} {err:?} {check} {check:?}");
    for secret in [SECRET, "planted-bad-secret-0002"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[tokio::test]
async fn a_garbled_sqs_answer_is_a_decode_error_naming_the_call() {
    let (cloud, audit) = pipeline().await;
    audit.put_log_file(BUCKET, &key(1), &records("a", 1));
    cloud.faults().on("sqs:ReceiveMessage").raw_body(
        Trigger::Always,
        "application/x-amz-json-1.0",
        "<html>proxy login</html>",
    );
    let src = source(&cloud, FULL_ID, memory());
    let err = fails_fast(&src).await;
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert_eq!(err.action(), Some("sqs:ReceiveMessage"));
    assert!(!err.to_string().contains("proxy login"), "{err}");
}

#[tokio::test]
async fn checkpoint_entries_older_than_the_retention_are_forgotten() {
    use multicloud_sdk::ManualClock;
    let start = time::macros::datetime!(2026-03-01 10:00 UTC);
    let clock = Arc::new(ManualClock::new(start));
    let audit = AuditPipeline::new();
    audit.set_long_poll_cap(Duration::from_millis(20));
    audit.set_clock(clock.clone());
    audit.notify(BUCKET, REGION, QUEUE);
    let cloud = SimCloud::builder(AwsSim::new().with_audit(audit.clone()))
        .hosts(1)
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    cloud.keys().insert(
        SimKey::new(GUIDE_ID, SECRET, ACCOUNT_ID)
            .with_user("guide", "AIDAGUIDE")
            .with_permissions(Permissions::only([
                "sqs:GetQueueUrl",
                "sqs:ReceiveMessage",
                "s3:GetObject",
            ])),
    );
    let checkpoint = Arc::new(MemoryCheckpoint::new());
    let src = builder(
        &cloud,
        AccessKey::new(GUIDE_ID, SECRET),
        Domain::International,
    )
    .with_clock(clock.clone())
    .build()
    .unwrap()
    .audit_source(REGION, QUEUE)
    .with_wait(Duration::from_secs(1))
    .with_retention(Duration::from_secs(4 * 24 * 3600))
    .with_checkpoint(checkpoint.clone())
    .build()
    .unwrap();
    audit.put_log_file(BUCKET, &key(1), &records("a", 1));
    let events = src.receive().await.unwrap();
    src.acknowledge(&events).await.unwrap();
    let scope = multicloud_sdk::audit::CheckpointScope::new(
        multicloud_sdk::ProviderKind::Aws,
        multicloud_sdk::AccountName::new("e2e").unwrap(),
        format!("{REGION}/{QUEUE}"),
    );
    assert_eq!(checkpoint.len(&scope), 1);
    // Within the retention the message comes back and is skipped.
    clock.advance(time::Duration::days(1));
    assert!(src.receive().await.unwrap().is_empty());
    assert_eq!(audit.depth(REGION, QUEUE), 1);
    assert_eq!(checkpoint.len(&scope), 1);
    // Past the queue's retention the message is gone, and so is its entry.
    clock.advance(time::Duration::days(4));
    assert!(src.receive().await.unwrap().is_empty());
    assert_eq!(audit.depth(REGION, QUEUE), 0);
    assert_eq!(checkpoint.len(&scope), 0);
}

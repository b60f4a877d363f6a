//! AWS audit-log intake against moto, an independent AWS emulator (`.ci/moto.sh` starts it
//! and exports `MULTICLOUD_MOTO_URL`): moto's own SQS (JSON protocol) and S3, its own event
//! notifications (test event first, keys URL-encoded with `/` as `%2F`), so the source relies
//! on no quirk of our simulator. Setup goes through boto3 (`MULTICLOUD_MOTO_PYTHON`).

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use multicloud_sdk::audit::StepStatus;
use multicloud_sdk::aws::AwsProviderBuilder;
use multicloud_sdk::transport::RetryConfig;
use multicloud_sdk::{AccessKey, AuditConsumer, AuditEvent, AuditLogSource, ErrorKind};

/// moto's URL, or `None` (with the reason printed) when it is not running outside CI.
fn moto() -> Option<String> {
    match std::env::var("MULTICLOUD_MOTO_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("MULTICLOUD_MOTO_URL is not set: .ci/run must source .ci/moto.sh")
        }
        _ => {
            eprintln!("skipped: MULTICLOUD_MOTO_URL is not set (source .ci/moto.sh to run this)");
            None
        }
    }
}

/// Creates `queue` and `bucket` in us-east-1, makes the bucket notify the queue, and stores
/// two gzip CloudTrail files (ids `{queue}-0..2`), with boto3.
fn seed(url: &str, queue: &str, bucket: &str) {
    let python = std::env::var("MULTICLOUD_MOTO_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = r#"
import sys, gzip, json, boto3
url, queue, bucket = sys.argv[1:4]
kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="AKIAMOTOAUDIT0000001",
          aws_secret_access_key="moto-audit-secret")
sqs, s3 = boto3.client("sqs", **kw), boto3.client("s3", **kw)
q = sqs.create_queue(QueueName=queue)["QueueUrl"]
arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
s3.create_bucket(Bucket=bucket)
s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
    "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
def rec(i):
    return {"eventID": "%s-%d" % (queue, i), "eventTime": "2026-03-01T10:00:0%dZ" % i,
            "eventName": "RunInstances", "eventSource": "ec2.amazonaws.com",
            "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.7", "readOnly": False,
            "userIdentity": {"arn": "arn:aws:iam::123456789012:user/alice"}}
for n, ids in enumerate([[0, 1], [2]]):
    body = gzip.compress(json.dumps({"Records": [rec(i) for i in ids]}).encode())
    key = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/03/01/file %d.json.gz" % n
    s3.put_object(Bucket=bucket, Key=key, Body=body)
"#;
    let out = Command::new(&python)
        .args(["-c", script, url, queue, bucket])
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "seeding moto failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn provider(url: &str) -> multicloud_sdk::aws::AwsProvider {
    AwsProviderBuilder::new("moto")
        .with_access_key(AccessKey::new("AKIAMOTOAUDIT0000001", "moto-audit-secret"))
        .with_endpoint_url(url)
        .with_retry(RetryConfig::default().with_initial_backoff(Duration::from_millis(5)))
        .build()
        .expect("provider builds")
}

#[tokio::test]
async fn moto_notifications_are_checked_read_and_deleted() {
    let Some(url) = moto() else { return };
    seed(&url, "moto-trail", "moto-trail-bkt");
    let source = provider(&url)
        .audit_source("us-east-1", "moto-trail")
        .with_wait(Duration::from_secs(1))
        .build()
        .unwrap();
    let check = source.check_readiness().await.unwrap();
    for step in ["queue", "receive", "read_object", "same_region", "delete"] {
        assert_eq!(check.step(step), Some(&StepStatus::Ok), "{step}\n{check}");
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let summary = AuditConsumer::new(&source)
        .with_max_events(3)
        .with_idle_pause(Duration::from_millis(50))
        .run(
            move |event: AuditEvent| {
                sink.lock().unwrap().push(event.id);
                async { Ok::<(), std::io::Error>(()) }
            },
            tokio::time::sleep(Duration::from_secs(20)),
        )
        .await
        .expect("consumed");
    assert_eq!(summary.delivered, 3);
    let mut ids = seen.lock().unwrap().clone();
    ids.sort();
    assert_eq!(ids, ["moto-trail-0", "moto-trail-1", "moto-trail-2"]);
    // Everything was deleted (the test event too): a fresh source finds nothing.
    let again = provider(&url)
        .audit_source("us-east-1", "moto-trail")
        .with_wait(Duration::from_secs(1))
        .build()
        .unwrap();
    assert!(again.receive().await.unwrap().is_empty());
}

#[tokio::test]
async fn moto_names_the_region_of_a_misplaced_queue() {
    let Some(url) = moto() else { return };
    seed(&url, "moto-misplaced", "moto-misplaced-bkt");
    let source = provider(&url)
        .audit_source("eu-west-1", "moto-misplaced")
        .build()
        .unwrap();
    let err = source.receive().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongDomainOrRegion, "{err}");
    assert!(err.hint().unwrap().contains("us-east-1"), "{err}");
    let err = provider(&url)
        .audit_source("us-east-1", "moto-no-such-queue")
        .build()
        .unwrap()
        .receive()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

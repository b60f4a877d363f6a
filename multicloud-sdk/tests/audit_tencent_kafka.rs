//! The Tencent audit intake against a real Kafka-protocol broker (Tansu, started by
//! `.ci/tansu.sh`): CLS-shaped Cloud Audit records produced uncompressed and with LZ4 (two of
//! CLS's three compressions; Tansu 0.6.0 cannot serve Snappy batches: its fetch fails with
//! `UnexpectedType("Snappy")` and drops the connection), consumed in a consumer group, acknowledged, the consumer killed mid-batch
//! and restarted — every event delivered, none lost, and only what follows the first
//! unacknowledged record of a partition delivered again.
//!
//! The broker offers SCRAM, not PLAIN (components.md: Tansu's PLAIN accepts any password),
//! so the SASL path runs over SCRAM-SHA-512 here; CLS's PLAIN settings are tested at the
//! configuration level (`audit::config` unit tests and the last test below).
//!
//! Needs `MULTICLOUD_TEST_KAFKA_BROKER`, `_USER`, `_PASSWORD`: without them a test prints why
//! and returns, or fails when `CI` is set.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use multicloud_sdk::audit::StepStatus;
use multicloud_sdk::tencent::audit::{ClsAuditSource, ClsKafkaConfig, SaslMechanism};
use multicloud_sdk::{AccessKey, ErrorKind};
use multicloud_sdk::{AuditConsumer, AuditEvent, AuditLogSource, ConsumeError};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::producer::{FutureProducer, FutureRecord};

const PARTITIONS: i32 = 2;
const EVENTS: usize = 30;

struct Broker {
    addr: String,
    user: String,
    password: String,
}

fn broker(test: &str) -> Option<Broker> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (
        var("MULTICLOUD_TEST_KAFKA_BROKER"),
        var("MULTICLOUD_TEST_KAFKA_USER"),
        var("MULTICLOUD_TEST_KAFKA_PASSWORD"),
    ) {
        (Some(addr), Some(user), Some(password)) => Some(Broker {
            addr,
            user,
            password,
        }),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{test}: MULTICLOUD_TEST_KAFKA_BROKER/_USER/_PASSWORD are unset in CI (.ci/tansu.sh sets them)")
        }
        _ => {
            eprintln!("{test}: skipped: no Kafka broker (source .ci/tansu.sh to start one)");
            None
        }
    }
}

impl Broker {
    fn client(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.addr)
            .set("security.protocol", "SASL_PLAINTEXT")
            .set("sasl.mechanism", "SCRAM-SHA-512")
            .set("sasl.username", &self.user)
            .set("sasl.password", &self.password);
        config
    }

    async fn create_topic(&self, name: &str) {
        let admin: AdminClient<DefaultClientContext> = self.client().create().unwrap();
        let topic = NewTopic::new(name, PARTITIONS, TopicReplication::Fixed(1));
        let results = admin
            .create_topics([&topic], &AdminOptions::new())
            .await
            .expect("the admin request is answered");
        for result in results {
            result.unwrap_or_else(|(topic, code)| panic!("cannot create {topic}: {code:?}"));
        }
    }

    /// Produces `records` (partition, payload), in order, with `compression`.
    async fn produce(&self, topic: &str, compression: &str, records: &[(i32, String)]) {
        let producer: FutureProducer = self
            .client()
            .set("compression.type", compression)
            .set("linger.ms", "5")
            .create()
            .unwrap();
        for (partition, payload) in records {
            producer
                .send(
                    FutureRecord::<(), _>::to(topic)
                        .partition(*partition)
                        .payload(payload),
                    Duration::from_secs(10),
                )
                .await
                .unwrap_or_else(|(e, _)| panic!("produce to {topic}: {e}"));
        }
    }

    /// A source on `topic` in `group`, signing in over SCRAM with `password`.
    fn source(&self, topic: &str, group: &str, password: &str) -> ClsAuditSource {
        let key = AccessKey::new("AKIDEXAMPLE", "unused-here");
        let config = ClsKafkaConfig::new(&self.addr, topic, "logset-unused", &key)
            .with_sasl(SaslMechanism::ScramSha512, &self.user, password)
            .with_group(group)
            .with_poll_wait(Duration::from_secs(2))
            .with_max_batch(8);
        ClsAuditSource::connect(&config).expect("the source connects")
    }
}

fn unique(name: &str) -> String {
    format!("{name}-{}", uuid_like())
}

fn uuid_like() -> String {
    let nanos = std::time::SystemTime::UNIX_EPOCH
        .elapsed()
        .unwrap()
        .as_nanos();
    format!("{:x}-{}", nanos, std::process::id())
}

/// Event `i` as CLS serves a Cloud Audit log in JSON format: metadata fields, the event's
/// fields, `userIdentity` escaped as JSON text.
fn cls_record(i: usize) -> String {
    serde_json::json!({
        "__TIMESTAMP__": 1_700_000_000_000_i64 + i as i64 * 1000,
        "__SOURCE__": "cloudaudit",
        "eventID": event_id(i),
        "eventTime": 1_700_000_000 + i as i64,
        "eventName": if i % 3 == 0 { "DescribeInstances" } else { "RunInstances" },
        "eventSource": "cvm.tencentcloudapi.com",
        "eventRegion": "ap-guangzhou",
        "sourceIPAddress": format!("203.0.113.{i}"),
        "actionType": if i % 3 == 0 { "Read" } else { "Write" },
        "userIdentity": format!("{{\"principalId\":\"1000{i:08}\",\"type\":\"CAMUser\"}}"),
    })
    .to_string()
}

fn event_id(i: usize) -> String {
    format!("evt-{i:03}")
}

fn index(id: &str) -> usize {
    id.trim_start_matches("evt-").parse().unwrap()
}

fn partition_of(i: usize) -> i32 {
    (i % PARTITIONS as usize) as i32
}

/// Runs a consumer of `source` until it delivered `want` events (or 60 s passed).
async fn deliver(source: &ClsAuditSource, want: u64) -> Vec<String> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let mut consumer = AuditConsumer::new(source)
        .with_max_events(want)
        .with_idle_pause(Duration::from_millis(100));
    let run = consumer.run(
        move |event: AuditEvent| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(event.id);
                Ok::<(), std::io::Error>(())
            }
        },
        tokio::time::sleep(Duration::from_secs(60)),
    );
    let summary = run.await.expect("the consumer runs");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(summary.delivered, seen.len() as u64);
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_is_delivered_across_a_killed_consumer_and_a_restart() {
    let Some(broker) = broker("every_event_is_delivered_across_a_killed_consumer_and_a_restart")
    else {
        return;
    };
    let topic = unique("audit");
    let group = unique("group");
    broker.create_topic(&topic).await;
    let mut records: Vec<(i32, String)> = (0..EVENTS)
        .map(|i| (partition_of(i), cls_record(i)))
        .collect();
    // Logs that are not audit events sit among them: skipped, never blocking a commit.
    records.insert(5, (0, "plain text, not JSON".to_owned()));
    records.insert(12, (1, r#"{"__CONTENT__":"a log line"}"#.to_owned()));
    let (first, second) = records.split_at(records.len() / 2);
    broker.produce(&topic, "none", first).await;
    broker.produce(&topic, "lz4", second).await;

    // Consumer A: ten events through the consumer (acknowledged), then a batch of which only
    // the first three are acknowledged before A is killed.
    let a = broker.source(&topic, &group, &broker.password);
    let mut acked: BTreeSet<usize> = deliver(&a, 10).await.iter().map(|id| index(id)).collect();
    assert_eq!(acked.len(), 10);
    let mut batch = Vec::new();
    for _ in 0..20 {
        batch = a.receive().await.unwrap();
        if !batch.is_empty() {
            break;
        }
    }
    assert!(!batch.is_empty(), "A receives a second batch");
    a.acknowledge(&batch[..3.min(batch.len())]).await.unwrap();
    acked.extend(batch.iter().take(3).map(|e| index(&e.id)));
    assert!(
        a.skipped_records() >= 1,
        "the plain-text record was skipped"
    );
    drop(a);

    // Expected again: per partition, everything from the first unacknowledged event on.
    let mut expected = BTreeSet::new();
    for p in 0..PARTITIONS {
        let in_partition: Vec<usize> = (0..EVENTS).filter(|i| partition_of(*i) == p).collect();
        if let Some(gap) = in_partition.iter().position(|i| !acked.contains(i)) {
            expected.extend(&in_partition[gap..]);
        }
    }
    assert!(!expected.is_empty());

    // Consumer B, same group: resumes from the committed offsets.
    let b = broker.source(&topic, &group, &broker.password);
    let again: Vec<usize> = deliver(&b, expected.len() as u64)
        .await
        .iter()
        .map(|id| index(id))
        .collect();
    let again_set: BTreeSet<usize> = again.iter().copied().collect();
    assert_eq!(again.len(), again_set.len(), "B delivered each event once");
    assert_eq!(
        again_set, expected,
        "B delivered exactly what follows each partition's gap"
    );
    let all: BTreeSet<usize> = acked.union(&again_set).copied().collect();
    assert_eq!(all.len(), EVENTS, "no event was lost");
    // Redelivered events are only those at or after an unacknowledged one.
    let first_gap: BTreeMap<i32, usize> = (0..PARTITIONS)
        .filter_map(|p| {
            expected
                .iter()
                .find(|i| partition_of(**i) == p)
                .map(|i| (p, *i))
        })
        .collect();
    for i in again_set.intersection(&acked) {
        assert!(
            *i >= first_gap[&partition_of(*i)],
            "event {i} came back without a gap before it"
        );
    }
    drop(b);

    // Consumer C, same group, after one new event: gets that one only.
    broker
        .produce(&topic, "lz4", &[(1, cls_record(EVENTS))])
        .await;
    let c = broker.source(&topic, &group, &broker.password);
    assert_eq!(deliver(&c, 1).await, vec![event_id(EVENTS)]);
    let nothing = c.receive().await.unwrap();
    assert!(nothing.is_empty(), "nothing older came back: {nothing:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_map_from_the_cls_record_fields() {
    let Some(broker) = broker("events_map_from_the_cls_record_fields") else {
        return;
    };
    let topic = unique("fields");
    broker.create_topic(&topic).await;
    broker.produce(&topic, "lz4", &[(0, cls_record(4))]).await;
    let source = broker.source(&topic, &unique("group"), &broker.password);
    let check = source.check().await.unwrap();
    assert!(check.is_ready(), "{check:?}");
    assert_eq!(check.step("topic"), Some(&StepStatus::Ok));
    let mut events = Vec::new();
    for _ in 0..20 {
        events = source.receive().await.unwrap();
        if !events.is_empty() {
            break;
        }
    }
    let event = &events[0];
    assert_eq!(event.id, "evt-004");
    assert_eq!(event.event_name, "RunInstances");
    assert_eq!(event.time.unix_timestamp(), 1_700_000_004);
    assert_eq!(event.principal.as_deref(), Some("100000000004"));
    assert_eq!(event.source_ip.as_deref(), Some("203.0.113.4"));
    assert_eq!(event.region.as_deref(), Some("ap-guangzhou"));
    assert_eq!(event.read_only, Some(false));
    assert_eq!(event.raw["__SOURCE__"], "cloudaudit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_password_is_refused_with_a_clear_error_and_no_secret() {
    let Some(broker) = broker("a_bad_password_is_refused_with_a_clear_error_and_no_secret") else {
        return;
    };
    let topic = unique("denied");
    broker.create_topic(&topic).await;
    let wrong = "wrong-password-4c1d";
    let source = broker.source(&topic, &unique("group"), wrong);
    let check = source.check().await.unwrap();
    assert!(!check.is_ready(), "{check:?}");
    assert!(!format!("{check:?}").contains(wrong));
    let outcome = tokio::time::timeout(
        Duration::from_secs(60),
        AuditConsumer::new(&source)
            .with_retry_backoff(Duration::from_millis(100), Duration::from_secs(1))
            .run(
                |_event: AuditEvent| async { Ok::<(), std::io::Error>(()) },
                std::future::pending(),
            ),
    )
    .await
    .expect("the consumer stops by itself");
    let Err(ConsumeError::Source(err)) = outcome else {
        panic!("expected a source error, got {outcome:?}");
    };
    assert_eq!(err.kind(), ErrorKind::InvalidCredential, "{err}");
    assert!(
        err.hint().is_some_and(|h| h.contains("logset id")),
        "{err:?}"
    );
    let shown = format!("{err} {err:?} {source:?}");
    assert!(!shown.contains(wrong), "{shown}");
    assert!(!shown.contains(&broker.password), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_topic_is_not_found() {
    let Some(broker) = broker("an_unknown_topic_is_not_found") else {
        return;
    };
    let source = broker.source(&unique("absent"), &unique("group"), &broker.password);
    let check = source.check().await.unwrap();
    assert!(!check.is_ready());
    assert!(
        matches!(
            check.step("topic"),
            Some(StepStatus::Failed {
                kind: ErrorKind::NotFound,
                ..
            })
        ),
        "{check:?}"
    );
    let mut outcome = Ok(Vec::new());
    for _ in 0..10 {
        outcome = source.receive().await;
        if outcome.is_err() {
            break;
        }
    }
    let err = outcome.expect_err("an unknown topic fails");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert!(err.hint().is_some_and(|h| h.contains("TopicID")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_broker_is_transient_and_waited_out_without_spinning() {
    // No broker needed: a closed loopback port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let key = AccessKey::new("AKIDEXAMPLE", "planted-secret-9e21");
    let config = ClsKafkaConfig::new(format!("127.0.0.1:{port}"), "t", "logset-1", &key)
        .with_poll_wait(Duration::from_millis(500));
    let source = ClsAuditSource::connect(&config).unwrap();
    let summary = AuditConsumer::new(&source)
        .with_retry_backoff(Duration::from_millis(200), Duration::from_secs(1))
        .run(
            |_event: AuditEvent| async { Ok::<(), std::io::Error>(()) },
            tokio::time::sleep(Duration::from_secs(4)),
        )
        .await
        .expect("an outage is waited out, not a failure");
    assert!(summary.retries >= 1, "{summary:?}");
    assert!(summary.retries <= 8, "no tight loop: {summary:?}");
    let err = source.receive().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient, "{err}");
    assert!(!format!("{err:?} {source:?}").contains("planted-secret-9e21"));
}

#[test]
fn cls_settings_are_plain_with_the_logset_as_user_and_no_secret_shown() {
    let key = AccessKey::new("AKIDEXAMPLE", "planted-secret-0b7c");
    let config = ClsKafkaConfig::new(
        ClsKafkaConfig::public_endpoint("ap-guangzhou").unwrap(),
        "out-topic",
        "0f8e4b82-8adb-47b1-9c3d-5e6f7a8b9c0d",
        &key,
    );
    assert_eq!(config.mechanism(), SaslMechanism::Plain);
    assert_eq!(config.user(), "0f8e4b82-8adb-47b1-9c3d-5e6f7a8b9c0d");
    assert_eq!(
        config.brokers(),
        "kafkaconsumer-ap-guangzhou.cls.tencentcs.com:9096"
    );
    assert!(!format!("{config:?}").contains("planted-secret-0b7c"));
}

/// The `tencent` example built with this feature.
fn tencent_example() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let status = std::process::Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "-p",
            "multicloud-sdk",
            "--features",
            "tencent-kafka",
        ])
        .args(["--example", "tencent"])
        .env("CARGO_TARGET_DIR", profile_dir.parent().unwrap())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success(), "building the tencent example failed");
    profile_dir.join("examples").join("tencent")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_tails_events_as_json_lines_and_resumes_in_its_group() {
    let Some(broker) = broker("the_example_tails_events_as_json_lines_and_resumes_in_its_group")
    else {
        return;
    };
    let topic = unique("example");
    broker.create_topic(&topic).await;
    let records: Vec<(i32, String)> = (0..5).map(|i| (partition_of(i), cls_record(i))).collect();
    broker.produce(&topic, "lz4", &records).await;
    let example = tencent_example();
    let tail = |max: &str| {
        let output = std::process::Command::new(&example)
            .args(["audit", "--broker", &broker.addr, "--topic", &topic])
            .args(["--logset", "logset-unused", "--group", "example-group"])
            .args(["--sasl", "scram-sha-512", "--sasl-user", &broker.user])
            .args(["--max", max, "--idle", "10s", "--output", "json"])
            .env("TENCENTCLOUD_SECRET_ID", "AKIDEXAMPLE")
            .env("TENCENTCLOUD_SECRET_KEY", "planted-secret-51aa")
            .env("MULTICLOUD_KAFKA_PASSWORD", &broker.password)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        for text in [&stdout, &stderr] {
            assert!(!text.contains(&broker.password) && !text.contains("planted-secret-51aa"));
        }
        assert!(output.status.success(), "{stdout}\n{stderr}");
        stdout
            .lines()
            .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["id"].to_string())
            .collect::<Vec<_>>()
    };
    let first = tail("3");
    assert_eq!(first.len(), 3);
    // The second run resumes after what the first acknowledged: the other two, no repeats.
    let second = tail("2");
    let mut all: Vec<String> = first.iter().chain(&second).cloned().collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 5, "{first:?} then {second:?}");
}

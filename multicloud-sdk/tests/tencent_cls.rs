//! The CLS calls that set up Kafka consumption of a log topic (`OpenKafkaConsumer`,
//! `DescribeKafkaConsumer`), against the simulator: signed, sent to the topic's region,
//! answers read, errors typed, throttling retried.

mod tencent_support;

use multicloud_sdk::tencent::{KafkaCompression, OpenKafkaConsumer};
use multicloud_sdk::ErrorKind;
use multicloud_testkit::tencent::CLS_AUDIT_TOPIC_ID;
use multicloud_testkit::Trigger;
use tencent_support::{provider, sim};

#[tokio::test]
async fn opening_kafka_consumption_returns_the_kafka_topic_and_describe_shows_it() {
    let cloud = sim(1, 2).await;
    let p = provider(&cloud, "admin");
    let before = p
        .describe_kafka_consumer("ap-guangzhou", CLS_AUDIT_TOPIC_ID)
        .await
        .unwrap();
    assert!(!before.enabled);
    assert_eq!(before.topic, None);

    let request =
        OpenKafkaConsumer::new(CLS_AUDIT_TOPIC_ID).with_compression(KafkaCompression::Lz4);
    let topic = p
        .open_kafka_consumer("ap-guangzhou", &request)
        .await
        .unwrap();
    assert_eq!(topic, format!("out-{CLS_AUDIT_TOPIC_ID}"));

    let after = p
        .describe_kafka_consumer("ap-guangzhou", CLS_AUDIT_TOPIC_ID)
        .await
        .unwrap();
    assert!(after.enabled);
    assert_eq!(after.topic.as_deref(), Some(topic.as_str()));
    assert_eq!(after.compression, Some(KafkaCompression::Lz4));
    assert!(after.json, "records are served as JSON");
    // Per region: the other region's topic is still closed.
    let other = p
        .describe_kafka_consumer("ap-shanghai", CLS_AUDIT_TOPIC_ID)
        .await
        .unwrap();
    assert!(!other.enabled);

    let calls: Vec<_> = cloud
        .requests()
        .into_iter()
        .filter(|r| r.endpoint.as_deref() == Some("cls:OpenKafkaConsumer"))
        .collect();
    assert_eq!(calls.len(), 1);
    let call = &calls[0].request;
    assert_eq!(call.header("x-tc-region"), Some("ap-guangzhou"));
    assert_eq!(call.header("x-tc-version"), Some("2020-10-16"));
    let body: serde_json::Value = serde_json::from_slice(&call.body).unwrap();
    assert_eq!(body["Compression"], 3);
    assert_eq!(body["ConsumerContent"]["Format"], 1);
}

#[tokio::test]
async fn an_unknown_topic_is_not_found_and_a_read_only_key_may_not_open() {
    let cloud = sim(1, 1).await;
    let admin = provider(&cloud, "admin");
    let err = admin
        .describe_kafka_consumer("ap-guangzhou", "no-such-topic")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert_eq!(err.code(), Some("ResourceNotFound.TopicNotExist"));

    let readonly = provider(&cloud, "readonly");
    let err = readonly
        .open_kafka_consumer("ap-guangzhou", &OpenKafkaConsumer::new(CLS_AUDIT_TOPIC_ID))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    // Reading the state is allowed.
    assert!(readonly
        .describe_kafka_consumer("ap-guangzhou", CLS_AUDIT_TOPIC_ID)
        .await
        .is_ok());

    let err = admin
        .open_kafka_consumer("ap-guangzhou", &OpenKafkaConsumer::new(" "))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert_eq!(
        cloud.count("cls:OpenKafkaConsumer"),
        1,
        "a blank id is never sent"
    );
}

#[tokio::test]
async fn a_throttled_describe_is_retried() {
    let cloud = sim(1, 1).await;
    cloud
        .faults()
        .on("cls:DescribeKafkaConsumer")
        .throttle(Trigger::first(2));
    let info = provider(&cloud, "admin")
        .describe_kafka_consumer("ap-guangzhou", CLS_AUDIT_TOPIC_ID)
        .await
        .unwrap();
    assert!(!info.enabled);
    assert_eq!(cloud.count("cls:DescribeKafkaConsumer"), 3);
}

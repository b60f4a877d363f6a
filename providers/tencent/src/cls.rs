//! CLS (`cls` 2020-10-16) calls that set up Kafka consumption of a log topic:
//! `OpenKafkaConsumer{FromTopicId, Compression, ConsumerContent, ScopeType}` → `TopicID`, and
//! `DescribeKafkaConsumer{FromTopicId}` → `Status`, `TopicID`, `Compression`,
//! `ConsumerContent`. Both go to the topic's region (`X-TC-Region`). The `TopicID` they
//! return is the Kafka topic to consume, not the CLS topic id.

use multicloud_core::{Error, ProviderKind, Result};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api;
use crate::client::Client;

/// How CLS compresses the records it serves over Kafka (`Compression`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KafkaCompression {
    /// `0`: none.
    None,
    /// `2`: Snappy (CLS's console suggests it: about half the traffic billed).
    #[default]
    Snappy,
    /// `3`: LZ4.
    Lz4,
}

impl KafkaCompression {
    /// The API's code (0, 2, 3).
    pub fn code(self) -> u8 {
        match self {
            KafkaCompression::None => 0,
            KafkaCompression::Snappy => 2,
            KafkaCompression::Lz4 => 3,
        }
    }

    /// The compression of an API code; `None` for a code CLS does not document.
    pub fn from_code(code: u64) -> Option<Self> {
        match code {
            0 => Some(KafkaCompression::None),
            2 => Some(KafkaCompression::Snappy),
            3 => Some(KafkaCompression::Lz4),
            _ => None,
        }
    }
}

/// An `OpenKafkaConsumer` request: opens Kafka consumption of a CLS topic.
///
/// Defaults suit Cloud Audit intake: JSON records (`ConsumerContent.Format = 1`, nested
/// values kept as JSON), Snappy, and only records from now on (`ScopeType = 0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenKafkaConsumer {
    topic_id: String,
    compression: KafkaCompression,
    history: bool,
}

impl OpenKafkaConsumer {
    /// Opens consumption of the CLS topic `topic_id` (the id the CLS console shows).
    pub fn new(topic_id: impl Into<String>) -> Self {
        OpenKafkaConsumer {
            topic_id: topic_id.into(),
            compression: KafkaCompression::default(),
            history: false,
        }
    }

    /// How records are compressed on the wire.
    pub fn with_compression(mut self, compression: KafkaCompression) -> Self {
        self.compression = compression;
        self
    }

    /// Serves the records the topic already holds too (`ScopeType = 1`).
    pub fn with_history(mut self, history: bool) -> Self {
        self.history = history;
        self
    }

    fn params(&self) -> Value {
        json!({
            "FromTopicId": self.topic_id,
            "Compression": self.compression.code(),
            "ConsumerContent": { "Format": 1, "EnableTag": false, "JsonType": 1 },
            "ScopeType": u8::from(self.history),
        })
    }
}

/// What `DescribeKafkaConsumer` says about a topic's Kafka consumption.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KafkaConsumerInfo {
    /// Whether Kafka consumption is open.
    pub enabled: bool,
    /// The Kafka topic to consume (`TopicID`), when open.
    pub topic: Option<String>,
    /// The compression of served records; `None` when unset or undocumented.
    pub compression: Option<KafkaCompression>,
    /// Whether records are served as JSON (`ConsumerContent.Format = 1`) rather than raw.
    pub json: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct OpenResponse {
    #[serde(rename = "TopicID")]
    topic_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeResponse {
    #[serde(default)]
    status: bool,
    #[serde(rename = "TopicID", default)]
    topic_id: Option<String>,
    #[serde(default)]
    compression: Option<u64>,
    #[serde(default)]
    consumer_content: Option<ContentResponse>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ContentResponse {
    #[serde(default)]
    format: Option<u64>,
}

fn check_topic_id(topic_id: &str) -> Result<()> {
    if topic_id.trim().is_empty() {
        return Err(Error::config("the CLS topic id is empty")
            .with_provider(ProviderKind::Tencent)
            .with_hint("the CLS console lists topic ids (DescribeTopics returns them too)"));
    }
    Ok(())
}

/// `OpenKafkaConsumer` in `region`; returns the Kafka topic name to consume.
pub(crate) async fn open(
    client: &Client,
    region: &str,
    request: &OpenKafkaConsumer,
) -> Result<String> {
    check_topic_id(&request.topic_id)?;
    let api = api::CLS_OPEN_KAFKA_CONSUMER;
    let response = client.call(api, Some(region), &request.params()).await?;
    let parsed: OpenResponse = response.parse(&api.name())?;
    Ok(parsed.topic_id)
}

/// `DescribeKafkaConsumer` of `topic_id` in `region`.
pub(crate) async fn describe(
    client: &Client,
    region: &str,
    topic_id: &str,
) -> Result<KafkaConsumerInfo> {
    check_topic_id(topic_id)?;
    let api = api::CLS_DESCRIBE_KAFKA_CONSUMER;
    let response = client
        .call(api, Some(region), &json!({ "FromTopicId": topic_id }))
        .await?;
    let parsed: DescribeResponse = response.parse(&api.name())?;
    Ok(KafkaConsumerInfo {
        enabled: parsed.status,
        topic: parsed.topic_id.filter(|t| !t.is_empty()),
        compression: parsed.compression.and_then(KafkaCompression::from_code),
        json: parsed
            .consumer_content
            .and_then(|c| c.format)
            .is_some_and(|f| f == 1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_sends_json_format_and_the_documented_compression_codes() {
        let params = OpenKafkaConsumer::new("t-1")
            .with_compression(KafkaCompression::Lz4)
            .with_history(true)
            .params();
        assert_eq!(params["FromTopicId"], "t-1");
        assert_eq!(params["Compression"], 3);
        assert_eq!(params["ScopeType"], 1);
        assert_eq!(params["ConsumerContent"]["Format"], 1);
        assert_eq!(OpenKafkaConsumer::new("t").params()["Compression"], 2);
        for c in [
            KafkaCompression::None,
            KafkaCompression::Snappy,
            KafkaCompression::Lz4,
        ] {
            assert_eq!(KafkaCompression::from_code(u64::from(c.code())), Some(c));
        }
        assert_eq!(
            KafkaCompression::from_code(1),
            None,
            "1 (gzip) is not offered"
        );
    }
}

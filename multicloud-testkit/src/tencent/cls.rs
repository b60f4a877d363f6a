//! CLS (`cls` 2020-10-16) Kafka consumption of a log topic: `OpenKafkaConsumer` and
//! `DescribeKafkaConsumer`. The simulated account has one log topic of Cloud Audit events,
//! [`CLS_AUDIT_TOPIC_ID`] in logset [`CLS_AUDIT_LOGSET_ID`], in every region; opening it
//! gives the Kafka topic `out-{topic id}`. Opening twice keeps the first settings (as the
//! console shows one consumption per topic).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::errors::{self, TcError};
use super::route::{int, string};
use super::Call;

/// The CLS topic id of the simulated Cloud Audit log topic.
pub const CLS_AUDIT_TOPIC_ID: &str = "a1b2c3d4-0000-4c1a-9a55-c1a0d17a0001";
/// The logset id of [`CLS_AUDIT_TOPIC_ID`] (the Kafka SASL user).
pub const CLS_AUDIT_LOGSET_ID: &str = "0f8e4b82-8adb-47b1-9c3d-5e6f7a8b9c0d";

/// The documented `Compression` codes: 0 none, 2 snappy, 3 lz4.
const COMPRESSIONS: [i64; 3] = [0, 2, 3];

/// One opened consumption.
#[derive(Debug, Clone)]
struct Opened {
    compression: i64,
    format: i64,
    scope: i64,
}

/// Which topics have Kafka consumption open, per region.
#[derive(Debug, Clone, Default)]
pub(crate) struct KafkaConsumers {
    opened: Arc<Mutex<HashMap<(String, String), Opened>>>,
}

impl KafkaConsumers {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Opened>> {
        self.opened.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn topic_id(call: &Call<'_>) -> Result<String, TcError> {
    let id = string(&call.params, "FromTopicId").ok_or_else(|| errors::missing("FromTopicId"))?;
    if id != CLS_AUDIT_TOPIC_ID {
        return Err(TcError::new(
            "ResourceNotFound.TopicNotExist",
            format!("The topic `{id}` does not exist."),
        ));
    }
    Ok(id.to_string())
}

fn kafka_topic(topic_id: &str) -> String {
    format!("out-{topic_id}")
}

/// `OpenKafkaConsumer`.
pub(crate) fn open(
    call: &Call<'_>,
    region: &str,
    consumers: &KafkaConsumers,
) -> Result<Value, TcError> {
    let topic = topic_id(call)?;
    let compression = int(&call.params, "Compression")?.unwrap_or(0);
    if !COMPRESSIONS.contains(&compression) {
        return Err(errors::invalid_value(
            "`Compression` must be 0 (none), 2 (snappy) or 3 (lz4).",
        ));
    }
    let content = call
        .params
        .get("ConsumerContent")
        .cloned()
        .unwrap_or(Value::Null);
    let format = int(&content, "Format")?.unwrap_or(0);
    if format != 0 && format != 1 {
        return Err(errors::invalid_value(
            "`ConsumerContent.Format` must be 0 (raw) or 1 (JSON).",
        ));
    }
    let scope = int(&call.params, "ScopeType")?.unwrap_or(0);
    consumers
        .lock()
        .entry((region.to_string(), topic.clone()))
        .or_insert(Opened {
            compression,
            format,
            scope,
        });
    Ok(json!({ "TopicID": kafka_topic(&topic) }))
}

/// `DescribeKafkaConsumer`.
pub(crate) fn describe(
    call: &Call<'_>,
    region: &str,
    consumers: &KafkaConsumers,
) -> Result<Value, TcError> {
    let topic = topic_id(call)?;
    let opened = consumers
        .lock()
        .get(&(region.to_string(), topic.clone()))
        .cloned();
    Ok(match opened {
        Some(o) => json!({
            "Status": true,
            "TopicID": kafka_topic(&topic),
            "Compression": o.compression,
            "ConsumerContent": { "Format": o.format, "EnableTag": false, "JsonType": 1 },
            "ScopeType": o.scope,
        }),
        None => json!({ "Status": false, "TopicID": "", "Compression": 0, "ScopeType": 0 }),
    })
}

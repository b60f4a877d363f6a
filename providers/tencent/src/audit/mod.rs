//! Tencent Cloud Audit events from a CLS topic consumed over the Kafka protocol.
//!
//! The user ships a CloudAudit tracking set to a CLS log topic, opens Kafka consumption on
//! that topic (console, or [`TencentProvider::open_kafka_consumer`]) and gives us the Kafka
//! topic name (`TopicID`), the endpoint and the logset id. The parser,
//! [`parse_cloud_audit_event`], is always built; the consumer, `ClsAuditSource`, needs the
//! crate's `kafka` feature (it links librdkafka, built from source).
//!
//! [`TencentProvider::open_kafka_consumer`]: crate::TencentProvider::open_kafka_consumer

#[cfg(feature = "kafka")]
mod config;
mod event;
#[cfg(feature = "kafka")]
mod pending;
#[cfg(feature = "kafka")]
mod source;

#[cfg(feature = "kafka")]
pub use config::{ClsKafkaConfig, SaslMechanism, StartFrom, DEFAULT_GROUP};
pub use event::parse_cloud_audit_event;
#[cfg(feature = "kafka")]
pub use source::ClsAuditSource;

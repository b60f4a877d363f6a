//! Where and how to consume a CLS topic over Kafka: endpoint, topic, consumer group, SASL.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use multicloud_core::{AccessKey, Error, ProviderKind, Result, SecretString};

/// The SASL mechanism the consumer signs in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaslMechanism {
    /// `PLAIN`: what CLS accepts (user = logset id, password = `SecretId#SecretKey`). The
    /// password crosses the network as is: CLS's Kafka endpoints have no TLS.
    Plain,
    /// `SCRAM-SHA-256`, for self-hosted brokers that offer it.
    ScramSha256,
    /// `SCRAM-SHA-512`, for self-hosted brokers that offer it.
    ScramSha512,
}

impl SaslMechanism {
    /// The name Kafka clients use (`sasl.mechanism`).
    pub fn as_str(self) -> &'static str {
        match self {
            SaslMechanism::Plain => "PLAIN",
            SaslMechanism::ScramSha256 => "SCRAM-SHA-256",
            SaslMechanism::ScramSha512 => "SCRAM-SHA-512",
        }
    }
}

/// Where a new consumer group starts reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StartFrom {
    /// The oldest record the topic still holds (CLS keeps consumable records for hours).
    #[default]
    Earliest,
    /// Records that arrive after the group first joins.
    Latest,
}

/// How to reach one CLS topic over Kafka.
///
/// [`ClsKafkaConfig::new`] gives CLS's settings: SASL `PLAIN` without TLS
/// (`SASL_PLAINTEXT`), user = the topic's logset id, password = `SecretId#SecretKey` (the
/// CLS docs' "Consumption over Kafka" page). The password is held as a
/// [`SecretString`]: `Debug` shows neither it nor the key.
///
/// ```
/// use multicloud_core::AccessKey;
/// use multicloud_tencent::audit::{ClsKafkaConfig, SaslMechanism};
///
/// let key = AccessKey::new("AKIDEXAMPLE", "example-secret");
/// let config = ClsKafkaConfig::new(
///     ClsKafkaConfig::public_endpoint("ap-guangzhou")?,
///     "XXXXXX-633a268c-XXXX-4a4c-XXXX-7a9a1a7baXXXX", // OpenKafkaConsumer's TopicID
///     "0f8e4b82-8adb-47b1-XXXX-XXXXXXXXXXXX",         // the logset id
///     &key,
/// )
/// .with_group("multicloud-audit");
/// assert_eq!(config.mechanism(), SaslMechanism::Plain);
/// assert_eq!(config.brokers(), "kafkaconsumer-ap-guangzhou.cls.tencentcs.com:9096");
/// assert!(!format!("{config:?}").contains("example-secret"));
/// # Ok::<(), multicloud_core::Error>(())
/// ```
#[derive(Clone)]
pub struct ClsKafkaConfig {
    brokers: String,
    topic: String,
    user: String,
    password: SecretString,
    mechanism: SaslMechanism,
    group: String,
    start: StartFrom,
    poll_wait: Duration,
    max_batch: usize,
}

impl fmt::Debug for ClsKafkaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClsKafkaConfig")
            .field("brokers", &self.brokers)
            .field("topic", &self.topic)
            .field("user", &self.user)
            .field("password", &self.password)
            .field("mechanism", &self.mechanism)
            .field("group", &self.group)
            .field("start", &self.start)
            .field("poll_wait", &self.poll_wait)
            .field("max_batch", &self.max_batch)
            .finish()
    }
}

/// The consumer group used unless [`ClsKafkaConfig::with_group`] names another.
pub const DEFAULT_GROUP: &str = "multicloud-audit";

impl ClsKafkaConfig {
    /// CLS's settings: SASL `PLAIN`, user = `logset_id`, password = `SecretId#SecretKey`
    /// of `key`; consumer group [`DEFAULT_GROUP`], from the earliest record, polls of 5 s
    /// and batches of up to 500 records.
    pub fn new(
        brokers: impl Into<String>,
        topic: impl Into<String>,
        logset_id: impl Into<String>,
        key: &AccessKey,
    ) -> Self {
        let password = SecretString::new(format!("{}#{}", key.id(), key.secret().expose()));
        ClsKafkaConfig {
            brokers: brokers.into(),
            topic: topic.into(),
            user: logset_id.into(),
            password,
            mechanism: SaslMechanism::Plain,
            group: DEFAULT_GROUP.to_owned(),
            start: StartFrom::Earliest,
            poll_wait: Duration::from_secs(5),
            max_batch: 500,
        }
    }

    /// CLS's public Kafka endpoint of `region`: `kafkaconsumer-{region}.cls.tencentcs.com:9096`.
    pub fn public_endpoint(region: &str) -> Result<String> {
        multicloud_core::validate_region_id(region)?;
        Ok(format!("kafkaconsumer-{region}.cls.tencentcs.com:9096"))
    }

    /// CLS's endpoint inside Tencent Cloud's network (a CVM in the topic's region):
    /// `kafkaconsumer-{region}.cls.tencentyun.com:9095`.
    pub fn private_endpoint(region: &str) -> Result<String> {
        multicloud_core::validate_region_id(region)?;
        Ok(format!("kafkaconsumer-{region}.cls.tencentyun.com:9095"))
    }

    /// Signs in with `mechanism` as `user`/`password` instead (a self-hosted broker, or a
    /// test broker that offers SCRAM only).
    pub fn with_sasl(
        mut self,
        mechanism: SaslMechanism,
        user: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> Self {
        self.mechanism = mechanism;
        self.user = user.into();
        self.password = password.into();
        self
    }

    /// The consumer group: its committed offsets are where a restarted consumer resumes.
    pub fn with_group(mut self, group: impl Into<String>) -> Self {
        self.group = group.into();
        self
    }

    /// Where a group with no committed offset starts.
    pub fn with_start(mut self, start: StartFrom) -> Self {
        self.start = start;
        self
    }

    /// How long one receive waits for the first record (default 5 s).
    pub fn with_poll_wait(mut self, wait: Duration) -> Self {
        self.poll_wait = wait;
        self
    }

    /// The most records one receive returns (default 500, at least 1).
    pub fn with_max_batch(mut self, max: usize) -> Self {
        self.max_batch = max.max(1);
        self
    }

    /// The bootstrap brokers (`host:port[,host:port…]`).
    pub fn brokers(&self) -> &str {
        &self.brokers
    }

    /// The Kafka topic (for CLS, the `TopicID` `OpenKafkaConsumer` returned).
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The SASL user (for CLS, the logset id).
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The SASL mechanism.
    pub fn mechanism(&self) -> SaslMechanism {
        self.mechanism
    }

    /// The consumer group.
    pub fn group(&self) -> &str {
        &self.group
    }

    pub(crate) fn poll_wait(&self) -> Duration {
        self.poll_wait
    }

    pub(crate) fn max_batch(&self) -> usize {
        self.max_batch
    }

    pub(crate) fn password(&self) -> &SecretString {
        &self.password
    }

    /// Checks what must be set before anything connects.
    pub(crate) fn validate(&self) -> Result<()> {
        let blank = |what: &str| {
            Error::config(format!("the CLS Kafka {what} is empty"))
                .with_provider(ProviderKind::Tencent)
        };
        if self.brokers.trim().is_empty() {
            return Err(blank("endpoint").with_hint(
                "CLS's public endpoint is kafkaconsumer-{region}.cls.tencentcs.com:9096",
            ));
        }
        if self.topic.trim().is_empty() {
            return Err(blank("topic").with_hint(
                "use the TopicID that OpenKafkaConsumer or DescribeKafkaConsumer returns",
            ));
        }
        if self.user.trim().is_empty() {
            return Err(blank("user (logset id)"));
        }
        if self.password.is_empty() {
            return Err(blank("password"));
        }
        if self.group.trim().is_empty() {
            return Err(blank("consumer group"));
        }
        Ok(())
    }

    /// The client settings. The password is the only secret among them; callers hand it
    /// to the client and print none of it.
    pub(crate) fn client_settings(&self) -> Vec<(&'static str, String)> {
        let start = match self.start {
            StartFrom::Earliest => "earliest",
            StartFrom::Latest => "latest",
        };
        vec![
            ("bootstrap.servers", self.brokers.clone()),
            ("group.id", self.group.clone()),
            // CLS's endpoints speak SASL without TLS.
            ("security.protocol", "SASL_PLAINTEXT".to_owned()),
            ("sasl.mechanism", self.mechanism.as_str().to_owned()),
            ("sasl.username", self.user.clone()),
            ("sasl.password", self.password.expose().to_owned()),
            // Offsets move only when the caller acknowledges (see `pending.rs`).
            ("enable.auto.commit", "false".to_owned()),
            ("enable.auto.offset.store", "false".to_owned()),
            ("auto.offset.reset", start.to_owned()),
            ("allow.auto.create.topics", "false".to_owned()),
            // A crashed consumer's partitions move to a new one after 10 s, not librdkafka's
            // default 45 s (Kafka brokers accept session timeouts from 6 s by default).
            ("session.timeout.ms", "10000".to_owned()),
            ("heartbeat.interval.ms", "3000".to_owned()),
            ("client.id", "multicloud-audit".to_owned()),
        ]
    }

    /// Whether the password crosses the network in clear: PLAIN to a host that is not this
    /// machine (CLS's endpoints have no TLS).
    pub(crate) fn sends_password_in_clear(&self) -> bool {
        self.mechanism == SaslMechanism::Plain
            && self.brokers.split(',').any(|b| !is_loopback(b.trim()))
    }
}

fn is_loopback(broker: &str) -> bool {
    let host = broker
        .rsplit_once(':')
        .map_or(broker, |(host, _)| host)
        .trim_start_matches('[')
        .trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

static CLEAR_TEXT_WARNED: AtomicBool = AtomicBool::new(false);

/// Warns once per process that the password crosses the network in clear; `true` when this
/// call warned.
pub(crate) fn warn_clear_text_once(config: &ClsKafkaConfig) -> bool {
    if !config.sends_password_in_clear() || CLEAR_TEXT_WARNED.swap(true, Ordering::Relaxed) {
        return false;
    }
    tracing::warn!(
        brokers = %config.brokers,
        "CLS's Kafka endpoint has no TLS: the SASL PLAIN password (SecretId#SecretKey) crosses \
         the network in clear; consume from inside Tencent Cloud's network (the private \
         endpoint kafkaconsumer-{{region}}.cls.tencentyun.com:9095) and use a sub-account key \
         allowed to consume only"
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "planted-secret-7f3a";

    fn cls() -> ClsKafkaConfig {
        ClsKafkaConfig::new(
            "kafkaconsumer-ap-guangzhou.cls.tencentcs.com:9096",
            "topic-1",
            "logset-1",
            &AccessKey::new("AKIDEXAMPLE", SECRET),
        )
    }

    fn setting<'a>(settings: &'a [(&'static str, String)], key: &str) -> &'a str {
        settings
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("{key} is not set"))
    }

    #[test]
    fn cls_settings_are_sasl_plain_with_logset_user_and_id_hash_secret_password() {
        let settings = cls().client_settings();
        assert_eq!(setting(&settings, "security.protocol"), "SASL_PLAINTEXT");
        assert_eq!(setting(&settings, "sasl.mechanism"), "PLAIN");
        assert_eq!(setting(&settings, "sasl.username"), "logset-1");
        assert_eq!(
            setting(&settings, "sasl.password"),
            format!("AKIDEXAMPLE#{SECRET}")
        );
        assert_eq!(setting(&settings, "enable.auto.commit"), "false");
        assert_eq!(setting(&settings, "enable.auto.offset.store"), "false");
        assert_eq!(setting(&settings, "group.id"), DEFAULT_GROUP);
        assert_eq!(setting(&settings, "auto.offset.reset"), "earliest");
    }

    #[test]
    fn endpoints_follow_the_cls_pattern_and_refuse_bad_regions() {
        assert_eq!(
            ClsKafkaConfig::private_endpoint("ap-shanghai").unwrap(),
            "kafkaconsumer-ap-shanghai.cls.tencentyun.com:9095"
        );
        assert!(ClsKafkaConfig::public_endpoint("ap-guangzhou/../x").is_err());
    }

    #[test]
    fn debug_shows_neither_the_secret_nor_the_password() {
        let text = format!("{:?}", cls().with_group("g"));
        assert!(!text.contains(SECRET), "{text}");
        assert!(
            text.contains("logset-1") && text.contains("redacted"),
            "{text}"
        );
    }

    #[test]
    fn blank_settings_are_config_errors_before_connecting() {
        let key = AccessKey::new("AKIDEXAMPLE", SECRET);
        for config in [
            ClsKafkaConfig::new("", "t", "l", &key),
            ClsKafkaConfig::new("b:1", " ", "l", &key),
            ClsKafkaConfig::new("b:1", "t", "", &key),
            ClsKafkaConfig::new("b:1", "t", "l", &key).with_group(""),
        ] {
            let err = config.validate().unwrap_err();
            assert_eq!(err.kind(), multicloud_core::ErrorKind::Config);
            assert!(!format!("{err:?}").contains(SECRET));
        }
        assert!(cls().validate().is_ok());
    }

    #[test]
    fn only_plain_to_a_remote_host_sends_the_password_in_clear() {
        assert!(cls().sends_password_in_clear());
        let key = AccessKey::new("AKIDEXAMPLE", SECRET);
        let local = ClsKafkaConfig::new("127.0.0.1:9092,localhost:9093,[::1]:9", "t", "l", &key);
        assert!(!local.sends_password_in_clear());
        let scram = cls().with_sasl(SaslMechanism::ScramSha512, "u", "p");
        assert!(!scram.sends_password_in_clear());
        assert_eq!(
            setting(&scram.client_settings(), "sasl.mechanism"),
            "SCRAM-SHA-512"
        );
    }

    #[test]
    fn the_clear_text_warning_is_given_once() {
        let first = warn_clear_text_once(&cls());
        let second = warn_clear_text_once(&cls());
        assert!(!second, "a second warning in the same process");
        // Another test may have warned first; either way at most one call warns.
        assert!(first || CLEAR_TEXT_WARNED.load(Ordering::Relaxed));
    }
}

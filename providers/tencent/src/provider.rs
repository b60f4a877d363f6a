//! [`TencentProvider`], the [`CloudProvider`] of one Tencent Cloud account, and
//! [`TencentProviderBuilder`], which gathers the account, key source, domain, endpoint
//! override, transport settings and clock.

use std::fmt;

use async_trait::async_trait;
use futures::stream::BoxStream;
use multicloud_core::builder::ProviderSettings;
use multicloud_core::transport::Transport;
use multicloud_core::{
    AccountName, CloudProvider, Domain, EnvCredential, IpBlocker, Item, KeyCheck, Onboarder,
    PropagationWait, ProviderKind, Region, ResourceKind, Result, StandardFeature,
};

use crate::client::Client;
use crate::endpoints::Endpoints;
use crate::onboard::{self, TencentOnboarder};
use crate::response::TencentIpBlocker;
use crate::{limits, regions, resources, verify};

/// Builds a [`TencentProvider`].
///
/// ```
/// use multicloud_core::{AccessKey, CloudProvider, Domain, StaticCredential};
/// use multicloud_tencent::TencentProviderBuilder;
///
/// let provider = TencentProviderBuilder::new("prod")
///     .with_credential(StaticCredential::new(AccessKey::new("AKIDEXAMPLE", "example-secret")))
///     .with_domain(Domain::International)
///     .build()?;
/// assert_eq!(provider.account().as_str(), "prod");
/// # Ok::<(), multicloud_core::Error>(())
/// ```
pub struct TencentProviderBuilder {
    settings: ProviderSettings,
    features: Vec<StandardFeature>,
    user_prefix: String,
    wait: PropagationWait,
}

impl fmt::Debug for TencentProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TencentProviderBuilder")
            .field("settings", &self.settings)
            .field("features", &self.features)
            .field("user_prefix", &self.user_prefix)
            .finish()
    }
}

multicloud_core::provider_builder_settings!(TencentProviderBuilder, settings);

impl TencentProviderBuilder {
    /// A builder for the account the user calls `account_name`, on the China site.
    pub fn new(account_name: impl Into<String>) -> Self {
        TencentProviderBuilder {
            settings: ProviderSettings::new(ProviderKind::Tencent, account_name, Domain::China),
            features: verify::FEATURES.to_vec(),
            user_prefix: onboard::DEFAULT_USER_PREFIX.to_owned(),
            wait: PropagationWait::default(),
        }
    }

    /// Reads the key from `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY` and
    /// `TENCENTCLOUD_SESSION_TOKEN`/`TENCENTCLOUD_TOKEN` when a request is made.
    pub fn from_env(self) -> Self {
        self.with_credential(EnvCredential::from_env(ProviderKind::Tencent))
    }

    /// Chooses the China site (`*.tencentcloudapi.com`, the default) or the International
    /// site (`*.intl.tencentcloudapi.com`).
    pub fn with_domain(mut self, domain: Domain) -> Self {
        self.settings.set_domain(domain);
        self
    }

    /// Sends every service's requests to this one URL (a simulator or proxy), e.g.
    /// `http://127.0.0.1:40123`. Requests are signed for that host.
    pub fn with_endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.settings.set_endpoint_url(url);
        self
    }

    /// Sets the prefix quick configuration puts before the CAM sub-user's name (default
    /// `multicloud-`; empty for none).
    pub fn with_user_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.user_prefix = prefix.into();
        self
    }

    /// Sets how long quick configuration and key rotation wait for a new key to work
    /// (default: [`PropagationWait::default`]).
    pub fn with_propagation_wait(mut self, wait: PropagationWait) -> Self {
        self.wait = wait;
        self
    }

    /// Validates the settings and builds the provider.
    ///
    /// Fails with [`Config`](multicloud_core::ErrorKind::Config) for an empty account name, a
    /// missing credential, an invalid endpoint URL, invalid transport settings, or a transport
    /// given together with settings for the one to build.
    pub fn build(self) -> Result<TencentProvider> {
        let settings = self.settings.finish(limits::apply)?;
        let endpoints = match &settings.endpoint_url {
            Some(url) => Endpoints::with_override(settings.domain, url)?,
            None => Endpoints::new(settings.domain),
        };
        let client = Client::new(
            endpoints,
            settings.credential,
            settings.transport,
            settings.clock,
        );
        let account = settings.account;
        let mut provider = TencentProvider::new(account, client, self.features);
        provider.onboarder =
            TencentOnboarder::new(provider.client.clone(), self.user_prefix, self.wait);
        Ok(provider)
    }
}

/// One onboarded Tencent Cloud account. Build it with
/// [`TencentProviderBuilder`].
///
/// Implements Host (CVM), CSPM (CBS, CLB, VPC, security groups, CDB MySQL, Redis, CAM users
/// and tagged resources of other services) and Response (CFW and WAF IP blocking, through
/// [`CloudProvider::ip_blocker`]).
#[derive(Debug)]
pub struct TencentProvider {
    account: AccountName,
    client: Client,
    features: Vec<StandardFeature>,
    blocker: TencentIpBlocker,
    onboarder: TencentOnboarder,
    /// The region permission probes go to, found once per provider.
    probe_region: std::sync::OnceLock<String>,
}

impl TencentProvider {
    pub(crate) fn new(
        account: AccountName,
        client: Client,
        features: Vec<StandardFeature>,
    ) -> Self {
        TencentProvider {
            account,
            blocker: TencentIpBlocker::new(client.clone()),
            onboarder: TencentOnboarder::new(
                client.clone(),
                onboard::DEFAULT_USER_PREFIX.to_owned(),
                PropagationWait::default(),
            ),
            client,
            features,
            probe_region: std::sync::OnceLock::new(),
        }
    }

    /// The transport this provider sends through (its limits, timeouts and retries).
    pub fn transport(&self) -> &Transport {
        self.client.transport()
    }

    /// The IP blocker as its concrete type.
    pub fn blocker(&self) -> &TencentIpBlocker {
        &self.blocker
    }

    /// Opens Kafka consumption of a CLS topic in `region` (`cls:OpenKafkaConsumer`) and
    /// returns the Kafka topic name to consume (`TopicID`; give it to
    /// `audit::ClsKafkaConfig` with the topic's logset id; the consumer needs the `kafka`
    /// feature).
    pub async fn open_kafka_consumer(
        &self,
        region: &str,
        request: &crate::OpenKafkaConsumer,
    ) -> Result<String> {
        crate::cls::open(&self.client, region, request).await
    }

    /// Whether Kafka consumption of the CLS topic `topic_id` in `region` is open, and the
    /// Kafka topic to consume (`cls:DescribeKafkaConsumer`).
    pub async fn describe_kafka_consumer(
        &self,
        region: &str,
        topic_id: &str,
    ) -> Result<crate::KafkaConsumerInfo> {
        crate::cls::describe(&self.client, region, topic_id).await
    }
}

#[async_trait]
impl CloudProvider for TencentProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Tencent
    }

    fn account(&self) -> &AccountName {
        &self.account
    }

    fn domain(&self) -> Domain {
        self.client.domain()
    }

    fn features(&self) -> &[StandardFeature] {
        &self.features
    }

    fn resource_kinds(&self) -> &'static [ResourceKind] {
        &resources::KINDS
    }

    async fn check_key(&self) -> Result<KeyCheck> {
        verify::check_key(&self.client).await
    }

    async fn probe_read(&self, kind: &ResourceKind) -> Result<()> {
        let region = match self.probe_region.get() {
            Some(region) => region.clone(),
            None => {
                let region = verify::probe_region(&self.client).await;
                self.probe_region.get_or_init(|| region).clone()
            }
        };
        verify::probe_read(&self.client, kind, &region).await
    }

    async fn regions(&self) -> Result<Vec<Region>> {
        regions::list(&self.client).await
    }

    fn list(
        &self,
        kind: &ResourceKind,
        region: Option<&Region>,
    ) -> BoxStream<'static, Result<Item>> {
        resources::list(self.client.clone(), kind, region.map(|r| r.id.clone()))
    }

    fn ip_blocker(&self) -> Option<&dyn IpBlocker> {
        Some(&self.blocker)
    }

    fn onboarder(&self) -> Option<&dyn Onboarder> {
        Some(&self.onboarder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use multicloud_core::transport::{Limit, LimitConfig, Rate};
    use multicloud_core::{AccessKey, ErrorKind, StaticCredential};

    #[test]
    fn build_needs_a_credential_and_a_valid_endpoint() {
        let err = TencentProviderBuilder::new("prod").build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        let key = StaticCredential::new(AccessKey::new("AKIDx", "s"));
        let err = TencentProviderBuilder::new("prod")
            .with_credential(key.clone())
            .with_endpoint_url("not a url")
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        let err = TencentProviderBuilder::new(" ")
            .with_credential(key)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
    }

    #[test]
    fn the_default_transport_carries_the_documented_rate_limits() {
        let p = TencentProviderBuilder::new("prod")
            .with_credential(StaticCredential::new(AccessKey::new("AKIDx", "s")))
            .build()
            .unwrap();
        let limit = p
            .transport()
            .limits()
            .limit_for(ProviderKind::Tencent, "cvm:DescribeInstances");
        assert_eq!(
            limit.rate,
            Some(multicloud_core::transport::Rate::per_second(40))
        );
    }

    #[test]
    fn user_limits_keep_their_own_entries_and_get_the_documented_ones() {
        let mine = Limit::unlimited().with_rate(Rate::per_second(2));
        let p = TencentProviderBuilder::new("prod")
            .with_access_key(AccessKey::new("AKIDx", "s"))
            .with_limits(LimitConfig::unlimited().with_api(
                ProviderKind::Tencent,
                "cvm:DescribeInstances",
                mine,
            ))
            .build()
            .unwrap();
        let limits = p.transport().limits();
        assert_eq!(
            limits.limit_for(ProviderKind::Tencent, "cvm:DescribeInstances"),
            mine
        );
        let vpcs = limits.limit_for(ProviderKind::Tencent, "vpc:DescribeVpcs");
        assert_eq!(vpcs.rate, Some(Rate::per_second(100)));
    }

    #[test]
    fn a_given_transport_excludes_settings_for_a_built_one() {
        let err = TencentProviderBuilder::new("prod")
            .with_access_key(AccessKey::new("AKIDx", "s"))
            .with_transport(Transport::builder().build().unwrap())
            .with_limits(LimitConfig::unlimited())
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
    }
}

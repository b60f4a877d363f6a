//! [`AwsProvider`] and its builder.

use std::fmt;

use async_trait::async_trait;
use futures::stream::BoxStream;

use multicloud_core::builder::ProviderSettings;
use multicloud_core::transport::Transport;
use multicloud_core::{
    AccountName, CloudProvider, Domain, EnvCredential, Error, Item, KeyCheck, Onboarder,
    PropagationWait, ProviderKind, Region, ResourceKind, Result, StandardFeature,
};

use crate::audit::AwsAuditSourceBuilder;
use crate::client::AwsClient;
use crate::endpoints::{Partition, Resolver};
use crate::onboard::{self, AwsOnboarder};
use crate::{limits, regions, resources, verify};

/// Builds an [`AwsProvider`]:
/// `AwsProviderBuilder::new("prod").from_env().with_domain(..).build()`.
pub struct AwsProviderBuilder {
    settings: ProviderSettings,
    page_size: Option<u32>,
    user_prefix: String,
    wait: PropagationWait,
}

impl fmt::Debug for AwsProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsProviderBuilder")
            .field("settings", &self.settings)
            .field("page_size", &self.page_size)
            .field("user_prefix", &self.user_prefix)
            .finish()
    }
}

multicloud_core::provider_builder_settings!(AwsProviderBuilder, settings);

impl AwsProviderBuilder {
    /// A builder for the account the user calls `account_name`; International domain, no
    /// credential yet.
    pub fn new(account_name: impl Into<String>) -> Self {
        AwsProviderBuilder {
            settings: ProviderSettings::new(ProviderKind::Aws, account_name, Domain::International),
            page_size: None,
            user_prefix: onboard::DEFAULT_USER_PREFIX.to_owned(),
            wait: PropagationWait::default(),
        }
    }

    /// Reads the key from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
    /// `AWS_SESSION_TOKEN` before every call (so a rotated session token is picked up).
    pub fn from_env(self) -> Self {
        self.with_credential(EnvCredential::from_env(ProviderKind::Aws))
    }

    /// Sets the partition: [`Domain::International`] (`aws`, the default) or
    /// [`Domain::China`] (`aws-cn`).
    pub fn with_domain(mut self, domain: Domain) -> Self {
        self.settings.set_domain(domain);
        self
    }

    /// Sends every call, whatever its service or region, to `url` (`http[s]://host[:port]`),
    /// as `AWS_ENDPOINT_URL` does for the official SDKs: for LocalStack-style emulators,
    /// proxies and the testkit's simulator. Signatures cover the URL's `host:port`; region
    /// and service come from the signing scope. S3 is addressed path-style.
    pub fn with_endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.settings.set_endpoint_url(url);
        self
    }

    /// Sets the page size of every listing, clamped to each API's allowed range (default:
    /// each API's maximum).
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// Sets the prefix quick configuration puts before the IAM user's name (default
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
    /// Fails with [`Config`](multicloud_core::ErrorKind::Config) for an empty account name,
    /// a missing credential, an invalid endpoint URL, a zero page size, invalid transport
    /// settings, or a transport given together with settings for the one to build.
    pub fn build(self) -> Result<AwsProvider> {
        if self.page_size == Some(0) {
            return Err(Error::config("page size must be at least 1"));
        }
        let settings = self.settings.finish(limits::apply)?;
        let domain = settings.domain;
        let resolver = Resolver::new(Partition::of(domain), settings.endpoint_url.as_deref())?;
        let client = AwsClient::new(
            settings.credential,
            settings.transport,
            settings.clock,
            resolver,
            self.page_size,
        );
        let onboarder = AwsOnboarder::new(client.clone(), domain, self.user_prefix, self.wait);
        Ok(AwsProvider {
            account: settings.account,
            domain,
            client,
            onboarder,
        })
    }
}

/// One AWS account: verify its key, list its regions, hosts and cloud products.
///
/// Implements [`CloudProvider`]; see the [crate docs](crate) for an example.
pub struct AwsProvider {
    account: AccountName,
    domain: Domain,
    client: AwsClient,
    onboarder: AwsOnboarder,
}

impl fmt::Debug for AwsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsProvider")
            .field("account", &self.account)
            .field("domain", &self.domain)
            .field("client", &self.client)
            .finish()
    }
}

const FEATURES_INTERNATIONAL: &[StandardFeature] = &[
    StandardFeature::Host,
    StandardFeature::Cspm,
    StandardFeature::Agentless,
];
const FEATURES_CHINA: &[StandardFeature] = &[StandardFeature::Host, StandardFeature::Cspm];

impl AwsProvider {
    /// A builder; same as [`AwsProviderBuilder::new`].
    pub fn builder(account_name: impl Into<String>) -> AwsProviderBuilder {
        AwsProviderBuilder::new(account_name)
    }

    /// The transport this provider sends through (its limits, timeouts and retries).
    pub fn transport(&self) -> &Transport {
        self.client.transport()
    }

    /// Audit-log intake from the SQS queue `queue` in `region`, which the bucket CloudTrail
    /// writes to notifies of each new log file (a standard queue in the bucket's region).
    /// Set a persistent checkpoint on the builder so a restart does not replay.
    pub fn audit_source(&self, region: &str, queue: &str) -> AwsAuditSourceBuilder {
        AwsAuditSourceBuilder::new(self.client.clone(), self.account.clone(), region, queue)
    }
}

#[async_trait]
impl CloudProvider for AwsProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Aws
    }

    fn account(&self) -> &AccountName {
        &self.account
    }

    fn domain(&self) -> Domain {
        self.domain
    }

    fn features(&self) -> &[StandardFeature] {
        match self.domain {
            Domain::International => FEATURES_INTERNATIONAL,
            Domain::China => FEATURES_CHINA,
        }
    }

    fn resource_kinds(&self) -> &'static [ResourceKind] {
        &resources::KINDS
    }

    async fn check_key(&self) -> Result<KeyCheck> {
        verify::check_key(&self.client).await
    }

    async fn probe_read(&self, kind: &ResourceKind) -> Result<()> {
        verify::probe_read(&self.client, kind).await
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

    fn onboarder(&self) -> Option<&dyn Onboarder> {
        Some(&self.onboarder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use multicloud_core::transport::{LimitConfig, RetryConfig};
    use multicloud_core::{AccessKey, ErrorKind};

    #[test]
    fn build_rejects_missing_credential_empty_account_and_bad_settings() {
        let key = || AccessKey::new("AKIDEXAMPLE", "s");
        let err = AwsProviderBuilder::new("prod").build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.message().contains("credential"));
        for builder in [
            AwsProviderBuilder::new(" ").with_access_key(key()),
            AwsProviderBuilder::new("a")
                .with_access_key(key())
                .with_endpoint_url("nope"),
            AwsProviderBuilder::new("a")
                .with_access_key(key())
                .with_page_size(0),
        ] {
            assert_eq!(builder.build().unwrap_err().kind(), ErrorKind::Config);
        }
    }

    #[test]
    fn features_depend_on_the_domain() {
        let build = |domain| {
            AwsProviderBuilder::new("a")
                .with_access_key(AccessKey::new("AKIDEXAMPLE", "s"))
                .with_domain(domain)
                .build()
                .unwrap()
        };
        assert!(build(Domain::International)
            .features()
            .contains(&StandardFeature::Agentless));
        assert!(!build(Domain::China)
            .features()
            .contains(&StandardFeature::Agentless));
        assert_eq!(build(Domain::China).domain(), Domain::China);
    }

    #[test]
    fn user_limits_keep_their_own_entries_and_get_the_ec2_limits() {
        use multicloud_core::transport::{Limit, Rate};
        let mine = Limit::unlimited().with_rate(Rate::per_second(2));
        let provider = AwsProviderBuilder::new("a")
            .with_access_key(AccessKey::new("AKIDEXAMPLE", "s"))
            .with_limits(LimitConfig::unlimited().with_api(
                ProviderKind::Aws,
                "ec2:DescribeInstances",
                mine,
            ))
            .build()
            .unwrap();
        let limits = provider.client.transport().limits();
        assert_eq!(
            limits.limit_for(ProviderKind::Aws, "ec2:DescribeInstances"),
            mine
        );
        let vpcs = limits.limit_for(ProviderKind::Aws, "ec2:DescribeVpcs");
        assert_eq!(vpcs.rate.map(|r| r.count()), Some(20));
        assert_eq!(
            limits.limit_for(ProviderKind::Aws, "iam:ListUsers"),
            Limit::unlimited()
        );
    }

    #[test]
    fn a_given_transport_excludes_settings_for_a_built_one() {
        let err = AwsProviderBuilder::new("a")
            .with_access_key(AccessKey::new("AKIDEXAMPLE", "s"))
            .with_transport(Transport::builder().build().unwrap())
            .with_retry(RetryConfig::default())
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
    }
}

//! [`HuaweiProvider`], the [`CloudProvider`] of one Huawei Cloud account, and
//! [`HuaweiProviderBuilder`], which gathers the account, key source, endpoint override,
//! transport settings, page size and clock.

use std::fmt;

use async_trait::async_trait;
use futures::stream::BoxStream;
use multicloud_core::builder::ProviderSettings;
use multicloud_core::transport::Transport;
use multicloud_core::{
    AccountName, CloudProvider, Domain, EnvCredential, Error, IpBlocker, Item, KeyCheck, Onboarder,
    PropagationWait, ProviderKind, Region, ResourceKind, Result, StandardFeature,
};

use crate::client::Client;
use crate::endpoints::Endpoints;
use crate::onboard::{self, HuaweiOnboarder};
use crate::resources::{self, PageSize, KINDS};
use crate::response::{HuaweiIpBlocker, DEFAULT_CFW_GROUP};
use crate::{limits, regions, verify};

/// The features this provider offers.
const FEATURES: &[StandardFeature] = &[
    StandardFeature::Host,
    StandardFeature::Cspm,
    StandardFeature::Response,
];

/// The default page size: ECS and OBS take up to 1000, RMS up to 200 (each API's maximum
/// applies).
const DEFAULT_PAGE_SIZE: u32 = 1000;

/// Builds a [`HuaweiProvider`].
///
/// ```
/// use multicloud_core::{AccessKey, CloudProvider};
/// use multicloud_huawei::HuaweiProviderBuilder;
///
/// let provider = HuaweiProviderBuilder::new("prod")
///     .with_access_key(AccessKey::new("HPUAEXAMPLE", "example-secret"))
///     .build()?;
/// assert_eq!(provider.account().as_str(), "prod");
/// # Ok::<(), multicloud_core::Error>(())
/// ```
pub struct HuaweiProviderBuilder {
    settings: ProviderSettings,
    page_size: u32,
    cfw_group: String,
    user_prefix: String,
    wait: PropagationWait,
}

impl fmt::Debug for HuaweiProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiProviderBuilder")
            .field("settings", &self.settings)
            .field("page_size", &self.page_size)
            .field("cfw_group", &self.cfw_group)
            .field("user_prefix", &self.user_prefix)
            .finish()
    }
}

multicloud_core::provider_builder_settings!(HuaweiProviderBuilder, settings);

impl HuaweiProviderBuilder {
    /// A builder for the account the user calls `account_name`.
    pub fn new(account_name: impl Into<String>) -> Self {
        HuaweiProviderBuilder {
            settings: ProviderSettings::new(ProviderKind::Huawei, account_name, Domain::China),
            page_size: DEFAULT_PAGE_SIZE,
            cfw_group: DEFAULT_CFW_GROUP.to_owned(),
            user_prefix: onboard::DEFAULT_USER_PREFIX.to_owned(),
            wait: onboard::default_propagation_wait(),
        }
    }

    /// Reads the key from `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK` (and
    /// `HUAWEICLOUD_SDK_SECURITY_TOKEN` for a temporary key) when a request is made.
    pub fn from_env(self) -> Self {
        self.with_credential(EnvCredential::from_env(ProviderKind::Huawei))
    }

    /// The site the account was opened on: [`Domain::China`] (huaweicloud.com, the default)
    /// or [`Domain::International`] (huaweicloud.com/intl). Both use the same API hosts
    /// (`*.myhuaweicloud.com`); the domain is reported with the account.
    pub fn with_domain(mut self, domain: Domain) -> Self {
        self.settings.set_domain(domain);
        self
    }

    /// Sends every service's requests (IAM, ECS, RMS, OBS, CFW, WAF) to this one URL (a
    /// simulator or proxy), e.g. `http://127.0.0.1:40123`. Requests are signed for that host.
    pub fn with_endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.settings.set_endpoint_url(url);
        self
    }

    /// Items per page of each listing (default 1000), capped at each API's maximum (ECS
    /// and OBS 1000, RMS 200).
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
    }

    /// The Cloud Firewall address group blocked IPs are added to (default
    /// [`DEFAULT_CFW_GROUP`](crate::DEFAULT_CFW_GROUP)); a deny ACL rule must reference it.
    pub fn with_cfw_address_group(mut self, name: impl Into<String>) -> Self {
        self.cfw_group = name.into();
        self
    }

    /// Sets the prefix quick configuration puts before the IAM user's name (default
    /// `multicloud-`; empty for none).
    pub fn with_user_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.user_prefix = prefix.into();
        self
    }

    /// Sets how long quick configuration and key rotation wait for a new key to work
    /// (default: [`default_propagation_wait`](crate::default_propagation_wait), at most five
    /// checks, below the gateway's lock after more than five failed authentications).
    pub fn with_propagation_wait(mut self, wait: PropagationWait) -> Self {
        self.wait = wait;
        self
    }

    /// Validates the settings and builds the provider.
    ///
    /// Fails with [`Config`](multicloud_core::ErrorKind::Config) for an empty account name, a
    /// missing credential, an invalid endpoint URL, a zero page size, invalid transport
    /// settings, or a transport given together with settings for the one to build.
    pub fn build(self) -> Result<HuaweiProvider> {
        if self.page_size == 0 {
            return Err(Error::config("the page size must be at least 1"));
        }
        if self.cfw_group.trim().is_empty() {
            return Err(Error::config("the CFW address group name is empty"));
        }
        let settings = self.settings.finish(limits::apply)?;
        let endpoints = match &settings.endpoint_url {
            Some(url) => Endpoints::with_override(url)?,
            None => Endpoints::new(),
        };
        let client = Client::new(
            endpoints,
            settings.credential,
            settings.transport,
            settings.clock,
        );
        Ok(HuaweiProvider {
            account: settings.account,
            domain: settings.domain,
            page_size: PageSize(self.page_size),
            blocker: HuaweiIpBlocker::new(client.clone(), self.cfw_group),
            onboarder: HuaweiOnboarder::new(client.clone(), self.user_prefix, self.wait),
            client,
        })
    }
}

/// One onboarded Huawei Cloud account. Build it with [`HuaweiProviderBuilder`].
///
/// Implements Host (ECS), CSPM (RMS-recorded VPCs, security groups, EIPs, EVS volumes, ELB
/// load balancers, RDS instances, and OBS buckets) and Response (CFW address-group members
/// and WAF black-IP rules, through [`CloudProvider::ip_blocker`]), and quick configuration
/// with the main account's key ([`CloudProvider::onboarder`]).
#[derive(Debug)]
pub struct HuaweiProvider {
    account: AccountName,
    domain: Domain,
    page_size: PageSize,
    client: Client,
    blocker: HuaweiIpBlocker,
    onboarder: HuaweiOnboarder,
}

impl HuaweiProvider {
    /// The transport this provider sends through (its limits, timeouts and retries).
    pub fn transport(&self) -> &Transport {
        self.client.transport()
    }

    /// The IP blocker as its concrete type.
    pub fn blocker(&self) -> &HuaweiIpBlocker {
        &self.blocker
    }
}

#[async_trait]
impl CloudProvider for HuaweiProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Huawei
    }

    fn account(&self) -> &AccountName {
        &self.account
    }

    fn domain(&self) -> Domain {
        self.domain
    }

    fn resource_kinds(&self) -> &'static [ResourceKind] {
        &KINDS
    }

    fn features(&self) -> &[StandardFeature] {
        FEATURES
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
        resources::list(self.client.clone(), kind, region, self.page_size)
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
    use multicloud_core::transport::{Limit, LimitConfig, Rate, RetryConfig};
    use multicloud_core::{AccessKey, ErrorKind};

    fn key() -> AccessKey {
        AccessKey::new("HPUAEXAMPLE", "example-secret")
    }

    #[test]
    fn build_checks_its_settings() {
        let err = HuaweiProviderBuilder::new("prod").build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        for bad in ["not a url", "ftp://x"] {
            let err = HuaweiProviderBuilder::new("prod")
                .with_access_key(key())
                .with_endpoint_url(bad)
                .build()
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config);
        }
        let err = HuaweiProviderBuilder::new("prod")
            .with_access_key(key())
            .with_page_size(0)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        let err = HuaweiProviderBuilder::new("prod")
            .with_access_key(key())
            .with_transport(Transport::builder().build().unwrap())
            .with_retry(RetryConfig::disabled())
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
    }

    #[test]
    fn the_secret_never_shows_in_debug() {
        let builder = HuaweiProviderBuilder::new("prod").with_access_key(key());
        assert!(!format!("{builder:?}").contains("example-secret"));
        let p = builder.build().unwrap();
        assert!(!format!("{p:?}").contains("example-secret"));
        assert_eq!(p.kind(), ProviderKind::Huawei);
        assert_eq!(p.resource_kinds().len(), KINDS.len());
    }

    #[test]
    fn user_limits_win_and_the_rest_get_the_gateway_default() {
        let mine = Limit::unlimited().with_rate(Rate::per_second(2));
        let p = HuaweiProviderBuilder::new("prod")
            .with_access_key(key())
            .with_limits(LimitConfig::unlimited().with_api(
                ProviderKind::Huawei,
                "ecs:ListServersDetails",
                mine,
            ))
            .build()
            .unwrap();
        let l = p.transport().limits();
        assert_eq!(
            l.limit_for(ProviderKind::Huawei, "ecs:ListServersDetails"),
            mine
        );
        assert_eq!(
            l.limit_for(ProviderKind::Huawei, "rms:ListAllResources")
                .rate,
            Some(Rate::per_second(200))
        );
    }
}

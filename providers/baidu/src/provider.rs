//! [`BaiduProvider`], the [`CloudProvider`] of one Baidu AI Cloud account, and
//! [`BaiduProviderBuilder`], which gathers the account, key source, endpoint override,
//! transport settings, page size and clock.

use std::fmt;

use async_trait::async_trait;
use futures::stream::BoxStream;
use multicloud_core::builder::ProviderSettings;
use multicloud_core::transport::Transport;
use multicloud_core::{
    AccountName, CloudProvider, Domain, EnvCredential, Error, Item, KeyCheck, ProviderKind, Region,
    ResourceKind, Result, StandardFeature, VerifyReport,
};

use crate::client::{Client, MAX_PAGE_SIZE};
use crate::endpoints::Endpoints;
use crate::{regions, resources, verify};

/// The standard features BCE offers: CSPM (the onboarding guide) and Host (BCC instances).
const FEATURES: &[StandardFeature] = &[StandardFeature::Host, StandardFeature::Cspm];

/// Builds a [`BaiduProvider`].
///
/// ```
/// use multicloud_baidu::BaiduProviderBuilder;
/// use multicloud_core::{AccessKey, CloudProvider};
///
/// let provider = BaiduProviderBuilder::new("prod")
///     .with_access_key(AccessKey::new("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "example-secret"))
///     .with_page_size(100)
///     .build()?;
/// assert_eq!(provider.account().as_str(), "prod");
/// # Ok::<(), multicloud_core::Error>(())
/// ```
pub struct BaiduProviderBuilder {
    settings: ProviderSettings,
    page_size: u32,
}

impl fmt::Debug for BaiduProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BaiduProviderBuilder")
            .field("settings", &self.settings)
            .field("page_size", &self.page_size)
            .finish()
    }
}

multicloud_core::provider_builder_settings!(BaiduProviderBuilder, settings);

impl BaiduProviderBuilder {
    /// A builder for the account the user calls `account_name`.
    pub fn new(account_name: impl Into<String>) -> Self {
        BaiduProviderBuilder {
            settings: ProviderSettings::new(ProviderKind::Baidu, account_name, Domain::China),
            page_size: MAX_PAGE_SIZE,
        }
    }

    /// Reads the key from `BCE_ACCESS_KEY_ID` and `BCE_SECRET_ACCESS_KEY` (and
    /// `BCE_SESSION_TOKEN`) when a request is made.
    pub fn from_env(self) -> Self {
        self.with_credential(EnvCredential::from_env(ProviderKind::Baidu))
    }

    /// BCE has one site (`*.baidubce.com`), reported as [`Domain::China`] (the default);
    /// [`Domain::International`] is refused by [`build`](Self::build).
    pub fn with_domain(mut self, domain: Domain) -> Self {
        self.settings.set_domain(domain);
        self
    }

    /// Sends every request to this one URL (a simulator or proxy), e.g.
    /// `http://127.0.0.1:40123`.
    ///
    /// Requests are still built and signed for their real BCE host
    /// (`bcc.gz.baidubce.com`, `gz.bcebos.com`, …) and keep it in the `Host` header, so the
    /// server learns each request's service and region from `Host`, as BCE does (the
    /// testkit's simulator routes on it).
    pub fn with_endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.settings.set_endpoint_url(url);
        self
    }

    /// Sets `maxKeys`, the items per page of the marker listings (1 to 1000, the default).
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
    }

    /// Validates the settings and builds the provider.
    ///
    /// Fails with [`Config`](multicloud_core::ErrorKind::Config) for an empty account name, a
    /// missing credential, the International domain, an invalid endpoint URL or page size,
    /// invalid transport settings, or a transport given together with settings for the one
    /// to build. BCE documents no per-API rate limits for the calls this crate makes, so none
    /// are added to the user's limits.
    pub fn build(self) -> Result<BaiduProvider> {
        if self.settings.domain() != Domain::China {
            return Err(Error::config(
                "Baidu AI Cloud has one site (baidubce.com): use Domain::China",
            ));
        }
        if !(1..=MAX_PAGE_SIZE).contains(&self.page_size) {
            return Err(Error::config(format!(
                "page size {} is outside BCE's maxKeys range 1..={MAX_PAGE_SIZE}",
                self.page_size
            )));
        }
        let settings = self.settings.finish(std::convert::identity)?;
        let endpoints = match &settings.endpoint_url {
            Some(url) => Endpoints::with_override(url)?,
            None => Endpoints::public(),
        };
        let client = Client::new(
            endpoints,
            settings.credential,
            settings.transport,
            settings.clock,
            self.page_size,
        );
        Ok(BaiduProvider {
            account: settings.account,
            client,
        })
    }
}

/// One onboarded Baidu AI Cloud account. Build it with [`BaiduProviderBuilder`].
///
/// Offers CSPM (BCC instances as the `host` kind, VPCs, SCS Redis, Kafka, MongoDB, RDS, BLB
/// and application BLB per region; BOS buckets and IAM users per account) and Host (BCC
/// instances). A
/// product the account has not activated (`OptInRequired`) is not in use: its listing is
/// empty and its probe passes.
#[derive(Debug)]
pub struct BaiduProvider {
    account: AccountName,
    client: Client,
}

impl BaiduProvider {
    /// The transport this provider sends through (its limits, timeouts and retries).
    pub fn transport(&self) -> &Transport {
        self.client.transport()
    }

    /// What to grant, in a sentence, for a [`verify`](CloudProvider::verify) report: the
    /// exact policies the key lacks, and `GlobalReadPolicy` (which grants every product's
    /// reads at once) as the quick alternative. `None` when nothing is missing.
    pub fn advice(&self, report: &VerifyReport) -> Option<String> {
        verify::advice(report)
    }
}

#[async_trait]
impl CloudProvider for BaiduProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Baidu
    }

    fn account(&self) -> &AccountName {
        &self.account
    }

    fn domain(&self) -> Domain {
        Domain::China
    }

    fn resource_kinds(&self) -> &'static [ResourceKind] {
        &resources::KINDS
    }

    fn features(&self) -> &[StandardFeature] {
        FEATURES
    }

    async fn check_key(&self) -> Result<KeyCheck> {
        verify::check_key(&self.client).await
    }

    async fn probe_read(&self, kind: &ResourceKind) -> Result<()> {
        resources::probe(&self.client, kind).await
    }

    async fn regions(&self) -> Result<Vec<Region>> {
        regions::list(&self.client).await
    }

    fn list(
        &self,
        kind: &ResourceKind,
        region: Option<&Region>,
    ) -> BoxStream<'static, Result<Item>> {
        resources::list(&self.client, kind, region.map(|r| r.id.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use multicloud_core::transport::RetryConfig;
    use multicloud_core::{AccessKey, ErrorKind};

    fn key() -> AccessKey {
        AccessKey::new("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "planted-secret-4f2a")
    }

    #[test]
    fn build_checks_its_settings() {
        let bad = [
            BaiduProviderBuilder::new("prod"),
            BaiduProviderBuilder::new(" ").with_access_key(key()),
            BaiduProviderBuilder::new("p")
                .with_access_key(key())
                .with_domain(Domain::International),
            BaiduProviderBuilder::new("p")
                .with_access_key(key())
                .with_endpoint_url("not a url"),
            BaiduProviderBuilder::new("p")
                .with_access_key(key())
                .with_page_size(0),
            BaiduProviderBuilder::new("p")
                .with_access_key(key())
                .with_page_size(1001),
            BaiduProviderBuilder::new("p")
                .with_access_key(key())
                .with_transport(Transport::builder().build().unwrap())
                .with_retry(RetryConfig::disabled()),
        ];
        for b in bad {
            let shown = format!("{b:?}");
            assert_eq!(b.build().unwrap_err().kind(), ErrorKind::Config, "{shown}");
        }
        let ok = BaiduProviderBuilder::new("p")
            .with_access_key(key())
            .with_endpoint_url("http://127.0.0.1:1")
            .with_transport(Transport::builder().build().unwrap())
            .build()
            .unwrap();
        assert_eq!(ok.kind(), ProviderKind::Baidu);
        assert_eq!(ok.features(), FEATURES);
    }

    #[test]
    fn the_secret_never_shows_in_debug() {
        let b = BaiduProviderBuilder::new("p").with_access_key(key());
        assert!(!format!("{b:?}").contains("planted-secret"));
        let p = b.build().unwrap();
        assert!(!format!("{p:?}").contains("planted-secret"));
    }
}

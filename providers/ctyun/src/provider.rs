//! [`CtyunProvider`], the [`CloudProvider`] of one CTyun account, and
//! [`CtyunProviderBuilder`], which gathers the account, key source, edition, endpoint
//! override, transport settings and clock.

use std::fmt;

use async_trait::async_trait;
use futures::lock::Mutex;
use futures::stream::{BoxStream, StreamExt};
use multicloud_core::builder::ProviderSettings;
use multicloud_core::transport::Transport;
use multicloud_core::{
    AccountName, CloudProvider, Domain, EnvCredential, Error, ErrorKind, Item, KeyCheck, KindScope,
    ProviderKind, Region, RegionStatus, ResourceKind, Result, StandardFeature,
};

use crate::client::Client;
use crate::endpoints::Endpoints;
use crate::{regions, resources, verify};

/// Builds a [`CtyunProvider`].
///
/// ```
/// use multicloud_core::{AccessKey, CloudProvider, Domain};
/// use multicloud_ctyun::CtyunProviderBuilder;
///
/// let provider = CtyunProviderBuilder::new("prod")
///     .with_access_key(AccessKey::new("example-ak", "example-sk"))
///     .with_domain(Domain::International)
///     .build()?;
/// assert_eq!(provider.domain(), Domain::International);
/// # Ok::<(), multicloud_core::Error>(())
/// ```
pub struct CtyunProviderBuilder {
    settings: ProviderSettings,
    page_size: Option<u32>,
}

impl fmt::Debug for CtyunProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CtyunProviderBuilder")
            .field("settings", &self.settings)
            .field("page_size", &self.page_size)
            .finish()
    }
}

multicloud_core::provider_builder_settings!(CtyunProviderBuilder, settings);

impl CtyunProviderBuilder {
    /// A builder for the account the user calls `account_name`, in the Chinese edition.
    pub fn new(account_name: impl Into<String>) -> Self {
        CtyunProviderBuilder {
            settings: ProviderSettings::new(ProviderKind::Ctyun, account_name, Domain::China),
            page_size: None,
        }
    }

    /// Reads the key from `CTYUN_ACCESS_KEY`/`CTYUN_AK` and `CTYUN_SECRET_KEY`/`CTYUN_SK`
    /// when a request is made.
    pub fn from_env(self) -> Self {
        self.with_credential(EnvCredential::from_env(ProviderKind::Ctyun))
    }

    /// Chooses the edition the key was created in: [`Domain::China`] for the Chinese edition
    /// (ctyun.cn, the default), [`Domain::International`] for the International edition
    /// (eSurfing Cloud). Keys of the two editions are separate; verify names a mismatch as a
    /// likely cause of a refused key.
    pub fn with_domain(mut self, domain: Domain) -> Self {
        self.settings.set_domain(domain);
        self
    }

    /// Sends every product's requests to this one URL (a simulator or proxy), e.g.
    /// `http://127.0.0.1:40123`. Requests are signed for that host.
    pub fn with_endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.settings.set_endpoint_url(url);
        self
    }

    /// Asks for at most `size` items per page (each product's own maximum still applies:
    /// 50 for ECS and ZOS, 300 for EBS, 100 for Kafka and Redis).
    pub fn with_page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Validates the settings and builds the provider.
    ///
    /// Fails with [`Config`](ErrorKind::Config) for an empty account name, a missing
    /// credential, an invalid endpoint URL, a zero page size, invalid transport settings,
    /// or a transport given together with settings for the one to build.
    pub fn build(self) -> Result<CtyunProvider> {
        if self.page_size == Some(0) {
            return Err(Error::config("the page size must be at least 1"));
        }
        let settings = self.settings.finish(std::convert::identity)?;
        let endpoints = match &settings.endpoint_url {
            Some(url) => Endpoints::with_override(settings.domain, url)?,
            None => Endpoints::new(settings.domain),
        };
        let client = Client::new(
            endpoints,
            settings.credential,
            settings.transport,
            settings.clock,
            self.page_size,
        );
        Ok(CtyunProvider {
            account: settings.account,
            client,
            probe_pools: Mutex::new(None),
        })
    }
}

/// One onboarded CTyun account. Build it with [`CtyunProviderBuilder`].
///
/// Kinds: ECS instances (the hosts, serving CSPM as the ECS product too), Kafka, Redis
/// (DCS2), RocketMQ, ELB and EBS per resource pool, and ZOS buckets account-wide. Only pools
/// with `openapiAvailable` are scanned.
#[derive(Debug)]
pub struct CtyunProvider {
    account: AccountName,
    client: Client,
    /// The pools regional probes run in (those the API can drive), once known.
    probe_pools: Mutex<Option<Vec<String>>>,
}

impl CtyunProvider {
    /// The transport this provider sends through (its limits, timeouts and retries).
    pub fn transport(&self) -> &Transport {
        self.client.transport()
    }

    /// The pools a regional probe may run in (those the API can drive), looked up once (the
    /// identity call already did, in a verify) however many probes ask at once.
    async fn probe_pools(&self) -> Result<Vec<String>> {
        let mut cached = self.probe_pools.lock().await;
        if let Some(pools) = cached.as_ref() {
            return Ok(pools.clone());
        }
        let pools = usable(&regions::list(&self.client).await?)?;
        *cached = Some(pools.clone());
        Ok(pools)
    }
}

/// How many pools a regional probe tries when a product is not offered in a pool.
const PROBE_POOLS: usize = 3;

/// The pools the API can drive, or an error when there is none.
fn usable(pools: &[Region]) -> Result<Vec<String>> {
    let ids: Vec<String> = pools
        .iter()
        .filter(|r| r.status == RegionStatus::Enabled)
        .map(|r| r.id.clone())
        .collect();
    if ids.is_empty() {
        return Err(Error::new(
            ErrorKind::WrongDomainOrRegion,
            "no resource pool of this account can be driven by the API (openapiAvailable)",
        )
        .with_provider(ProviderKind::Ctyun));
    }
    Ok(ids)
}

/// Adds the policy and scope to grant to a refused call.
fn with_grant_advice(e: Error, kind: &ResourceKind) -> Error {
    if e.kind() == ErrorKind::PermissionDenied && !kind.grant.is_empty() {
        let message = format!("{}; {}", e.message(), verify::denied_advice(kind.grant));
        e.with_message(message)
    } else {
        e
    }
}

#[async_trait]
impl CloudProvider for CtyunProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Ctyun
    }

    fn account(&self) -> &AccountName {
        &self.account
    }

    fn domain(&self) -> Domain {
        self.client.domain()
    }

    fn resource_kinds(&self) -> &'static [ResourceKind] {
        &resources::KINDS
    }

    fn features(&self) -> &[StandardFeature] {
        &verify::FEATURES
    }

    async fn check_key(&self) -> Result<KeyCheck> {
        let (check, pools) = verify::check_key(&self.client).await?;
        if let Some(ids) = pools.as_deref().and_then(|p| usable(p).ok()) {
            *self.probe_pools.lock().await = Some(ids);
        }
        Ok(check)
    }

    /// One page of one item in the first pool the API can drive; a pool that answers it
    /// does not offer the product (`Openapi.RegionInfo.AccessFailed`) passes the probe on to
    /// the next, up to three pools.
    async fn probe_read(&self, kind: &ResourceKind) -> Result<()> {
        if kind.scope == KindScope::Global {
            return resources::probe(&self.client, kind, None)
                .await
                .map_err(|e| with_grant_advice(e, kind));
        }
        let pools = self.probe_pools().await?;
        let mut result = Ok(());
        for pool in pools.iter().take(PROBE_POOLS) {
            result = resources::probe(&self.client, kind, Some(pool)).await;
            match &result {
                Err(e) if e.kind() == ErrorKind::WrongDomainOrRegion => continue,
                _ => break,
            }
        }
        result.map_err(|e| with_grant_advice(e, kind))
    }

    async fn regions(&self) -> Result<Vec<Region>> {
        regions::list(&self.client).await
    }

    fn list(
        &self,
        kind: &ResourceKind,
        region: Option<&Region>,
    ) -> BoxStream<'static, Result<Item>> {
        let owned = *kind;
        resources::list(self.client.clone(), kind, region.map(|r| r.id.clone()))
            .map(move |item| item.map_err(|e| with_grant_advice(e, &owned)))
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use multicloud_core::transport::RetryConfig;
    use multicloud_core::AccessKey;

    const PLANTED: &str = "PLANTED-SK-7d1e9c";

    #[test]
    fn build_needs_a_credential_a_valid_endpoint_and_a_page_size() {
        let err = CtyunProviderBuilder::new("prod").build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        let key = AccessKey::new("ak", "sk");
        let err = CtyunProviderBuilder::new("prod")
            .with_access_key(key.clone())
            .with_endpoint_url("not a url")
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        let err = CtyunProviderBuilder::new("prod")
            .with_access_key(key.clone())
            .with_page_size(0)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        let err = CtyunProviderBuilder::new("prod")
            .with_access_key(key)
            .with_transport(Transport::builder().build().unwrap())
            .with_retry(RetryConfig::disabled())
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
    }

    #[test]
    fn the_secret_never_shows_in_debug() {
        let builder =
            CtyunProviderBuilder::new("prod").with_access_key(AccessKey::new("ak", PLANTED));
        assert!(!format!("{builder:?}").contains(PLANTED));
        let provider = builder.build().unwrap();
        assert!(!format!("{provider:?}").contains(PLANTED));
    }

    #[test]
    fn the_provider_declares_its_kinds_and_features() {
        let p = CtyunProviderBuilder::new("prod")
            .with_access_key(AccessKey::new("ak", "sk"))
            .build()
            .unwrap();
        assert_eq!(p.kind(), ProviderKind::Ctyun);
        assert_eq!(p.domain(), Domain::China);
        assert_eq!(p.resource_kinds().len(), 7);
        assert_eq!(p.features(), [StandardFeature::Host, StandardFeature::Cspm]);
        let host_kinds = p.kinds_of(&[&StandardFeature::Host]);
        assert_eq!(host_kinds.len(), 1);
        assert_eq!(host_kinds[0].id, "host");
    }
}

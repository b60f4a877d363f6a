//! [`TencentProvider`]: the [`CloudProvider`] of one Tencent Cloud account.

use async_trait::async_trait;
use futures::stream::BoxStream;
use multicloud_core::transport::Transport;
use multicloud_core::{
    AccountName, CloudProvider, CloudResource, Domain, Host, IpBlocker, ProviderKind, Region,
    Result, StandardFeature, VerifyReport,
};

use crate::client::Client;
use crate::response::TencentIpBlocker;

/// One onboarded Tencent Cloud account. Build it with
/// [`TencentProviderBuilder`](crate::TencentProviderBuilder).
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
            client,
            features,
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

    async fn verify(&self, features: &[StandardFeature]) -> Result<VerifyReport> {
        crate::verify::verify(&self.client, &self.account, self.domain(), features).await
    }

    async fn regions(&self) -> Result<Vec<Region>> {
        crate::regions::list(&self.client).await
    }

    fn hosts(&self, region: &Region) -> BoxStream<'static, Result<Host>> {
        crate::hosts::list(self.client.clone(), region.id.clone())
    }

    fn cloud_resources(&self, region: &Region) -> BoxStream<'static, Result<CloudResource>> {
        crate::resources::list_regional(self.client.clone(), region.id.clone())
    }

    fn global_resources(&self) -> BoxStream<'static, Result<CloudResource>> {
        crate::resources::list_global(self.client.clone())
    }

    fn ip_blocker(&self) -> Option<&dyn IpBlocker> {
        Some(&self.blocker)
    }
}

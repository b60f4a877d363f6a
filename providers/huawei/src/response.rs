//! Response actions: block and unblock an IP in Cloud Firewall (CFW) or WAF.
//!
//! - **CFW** ([`BlockTarget::CloudFirewall`]): the address is added as a member of an
//!   address group that a deny ACL rule uses (the onboarding guide's `cfw:ipGroup:*` /
//!   `cfw:ipMember:*` permissions), by default the group named
//!   [`DEFAULT_CFW_GROUP`] on the internet-border protected object of the region's firewall.
//!   Unblocking deletes exactly that member, by its `item_id`.
//! - **WAF** ([`BlockTarget::Waf`]): a black-IP rule (`white: 0`) on a WAF policy. `scope` is
//!   a policy id or name, or `*` for every policy that protects at least one host; the rule
//!   id then lists each policy's rule (`policy/rule,policy/rule`). Unblocking deletes exactly
//!   those rules.
//!
//! Both sides look first and reuse what already blocks the address, so blocking twice leaves
//! one member or rule. No delete-all or batch delete is ever sent.

mod cfw;
mod waf;

use async_trait::async_trait;
use futures::stream::{BoxStream, StreamExt};
use multicloud_core::{
    BlockRequest, BlockRule, BlockTarget, Error, IpBlocker, ProviderKind, Result,
};

use crate::client::Client;

/// The address group blocked IPs are added to unless the builder names another.
pub const DEFAULT_CFW_GROUP: &str = "siem-blocklist";

/// The [`IpBlocker`] of a Huawei Cloud account.
///
/// [`BlockTarget::CloudFirewall`] adds the address as a member of the Cloud Firewall address
/// group a deny ACL rule uses (by default [`DEFAULT_CFW_GROUP`], on the internet-border
/// protected object of the region's firewall). [`BlockTarget::Waf`] adds a black-IP rule on
/// the WAF policy its `scope` names (id or name), or on every policy protecting a host for
/// `*`. Blocking twice returns the existing member or rules; unblocking deletes exactly what
/// the [`BlockRule`] names, never a whole list.
#[derive(Debug, Clone)]
pub struct HuaweiIpBlocker {
    client: Client,
    cfw_group: String,
}

impl HuaweiIpBlocker {
    pub(crate) fn new(client: Client, cfw_group: String) -> Self {
        HuaweiIpBlocker { client, cfw_group }
    }

    /// The CFW address group blocked IPs are added to.
    pub fn cfw_group(&self) -> &str {
        &self.cfw_group
    }
}

#[async_trait]
impl IpBlocker for HuaweiIpBlocker {
    async fn block_ip(&self, request: &BlockRequest) -> Result<BlockRule> {
        match &request.target {
            BlockTarget::CloudFirewall => cfw::block(&self.client, &self.cfw_group, request).await,
            BlockTarget::Waf { scope } => waf::block(&self.client, scope, request).await,
            other => Err(unsupported(other)),
        }
    }

    async fn unblock_ip(&self, rule: &BlockRule) -> Result<()> {
        match &rule.target {
            BlockTarget::CloudFirewall => cfw::unblock(&self.client, rule).await,
            BlockTarget::Waf { .. } => waf::unblock(&self.client, rule).await,
            other => Err(unsupported(other)),
        }
    }

    fn list_blocks(
        &self,
        target: &BlockTarget,
        region: &str,
    ) -> BoxStream<'static, Result<BlockRule>> {
        match target {
            BlockTarget::CloudFirewall => cfw::list(
                self.client.clone(),
                self.cfw_group.clone(),
                region.to_owned(),
            ),
            BlockTarget::Waf { scope } => {
                waf::list(self.client.clone(), scope.clone(), region.to_owned())
            }
            other => {
                let err = unsupported(other);
                futures::stream::once(async move { Err(err) }).boxed()
            }
        }
    }
}

/// A block target this crate does not know.
fn unsupported(target: &BlockTarget) -> Error {
    Error::config(format!(
        "Huawei Cloud cannot block at {target:?}: use CloudFirewall or Waf"
    ))
    .with_provider(ProviderKind::Huawei)
}

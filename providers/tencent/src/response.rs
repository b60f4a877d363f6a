//! Response actions: block and unblock an IP in Cloud Firewall (CFW) or WAF.
//!
//! Both sides list first and reuse a rule that already blocks the address, so blocking twice
//! leaves one rule. Unblocking deletes exactly the given rule, by the fields the cloud stored
//! (CFW: the address and its full `DirectionList`; WAF: the rule id). The delete-all switches
//! of both APIs (`DeleteAll`) are never sent.

mod cfw;
mod waf;

use async_trait::async_trait;
use futures::stream::{BoxStream, StreamExt};
use multicloud_core::{
    BlockRequest, BlockRule, BlockTarget, Error, IpBlocker, ProviderKind, Result,
};

use crate::client::Client;

/// The [`IpBlocker`] of a Tencent Cloud account.
///
/// [`BlockTarget::CloudFirewall`] is the CFW internet-border block list.
/// [`BlockTarget::Waf`]'s `scope` names the WAF protection: a protected domain
/// (`www.example.com`), an instance id (`waf_2kxtlbky11bbcr4b`, for its instance-wide
/// `global` list), or both as `instance_id/domain`.
#[derive(Debug, Clone)]
pub struct TencentIpBlocker {
    client: Client,
}

impl TencentIpBlocker {
    pub(crate) fn new(client: Client) -> Self {
        TencentIpBlocker { client }
    }
}

#[async_trait]
impl IpBlocker for TencentIpBlocker {
    async fn block_ip(&self, request: &BlockRequest) -> Result<BlockRule> {
        match &request.target {
            BlockTarget::CloudFirewall => cfw::block(&self.client, request).await,
            BlockTarget::Waf { scope } => waf::block(&self.client, scope, request).await,
            other => Err(unsupported(other)),
        }
    }

    async fn unblock_ip(&self, rule: &BlockRule) -> Result<()> {
        match &rule.target {
            BlockTarget::CloudFirewall => cfw::unblock(&self.client, rule).await,
            BlockTarget::Waf { scope } => waf::unblock(&self.client, scope, rule).await,
            other => Err(unsupported(other)),
        }
    }

    fn list_blocks(
        &self,
        target: &BlockTarget,
        region: &str,
    ) -> BoxStream<'static, Result<BlockRule>> {
        match target {
            BlockTarget::CloudFirewall => cfw::list(self.client.clone(), region.to_owned()),
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

/// A block target this crate does not know (added to core after it was written).
fn unsupported(target: &BlockTarget) -> Error {
    Error::config(format!(
        "Tencent Cloud cannot block at {target:?}: use CloudFirewall or Waf"
    ))
    .with_provider(ProviderKind::Tencent)
}

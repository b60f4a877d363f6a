//! Per-API request-rate limits, enforced through core's per-(provider, API) limiter.
//!
//! Huawei's API gateway applies a default flow control of **200 calls per second per API**
//! (`APIGW.0308` "The throttling threshold has been reached: policy user over
//! ratelimit,limit:200,time:1 second"); no service page this crate calls documents a lower
//! one. The write calls of CFW and WAF are kept lower on purpose (10/s): blocking is rare and
//! a runaway caller should not flood a firewall's rule table (the IAM writes of quick
//! configuration get the same 10/s). OBS is not behind the gateway
//! and documents no per-account limit for the bucket list; 20/s is this crate's choice.

use multicloud_core::transport::{Limit, LimitConfig, Rate};
use multicloud_core::ProviderKind;

use crate::client::APIS;

/// The gateway's default per-API limit.
pub(crate) const GATEWAY_PER_SECOND: u32 = 200;
/// This crate's limit on block/unblock writes.
pub(crate) const WRITES_PER_SECOND: u32 = 10;
/// This crate's limit on OBS's bucket list.
pub(crate) const OBS_PER_SECOND: u32 = 20;

/// The rate of `api` (`service:Operation`).
pub(crate) fn per_second(api: &crate::client::Api) -> u32 {
    if api.service == "obs" {
        OBS_PER_SECOND
    } else if !api.read_only {
        WRITES_PER_SECOND
    } else {
        GATEWAY_PER_SECOND
    }
}

/// Adds a rate limit for every API this crate calls to `config`, keeping the entries it
/// already has.
pub(crate) fn apply(config: LimitConfig) -> LimitConfig {
    APIS.iter()
        .chain(crate::iam::APIS)
        .fold(config, |config, api| {
            config.with_api_if_unset(
                ProviderKind::Huawei,
                api.name,
                Limit::default().with_rate(Rate::per_second(per_second(api))),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_get_the_gateway_default_and_writes_less() {
        let c = apply(LimitConfig::default());
        let ecs = c.limit_for(ProviderKind::Huawei, "ecs:ListServersDetails");
        assert_eq!(ecs.rate, Some(Rate::per_second(200)));
        let waf = c.limit_for(ProviderKind::Huawei, "waf:CreateWhiteblackipRule");
        assert_eq!(waf.rate, Some(Rate::per_second(10)));
    }
}

//! Documented per-API request-rate limits, enforced through core's per-(provider, API) limiter.
//!
//! Each Tencent Cloud API page states "A maximum of N requests can be initiated per second for
//! this API" (默认接口请求频率限制). The numbers below come from those pages; where a page was not
//! found the service's usual default of 20/s is used and the row says so.

use multicloud_core::transport::{Limit, LimitConfig, Rate};
use multicloud_core::ProviderKind;

/// The request-rate limit of one API action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateLimit {
    /// The service, as in its host name (`cvm`, `vpc`, …).
    pub(crate) service: &'static str,
    /// The action name (`DescribeInstances`, …).
    pub(crate) action: &'static str,
    /// Requests per second allowed for one account.
    pub(crate) per_second: u32,
    /// Whether the number was read on the API's own doc page (false: the 20/s default).
    pub(crate) documented: bool,
}

const fn limit(
    service: &'static str,
    action: &'static str,
    per_second: u32,
    documented: bool,
) -> RateLimit {
    RateLimit {
        service,
        action,
        per_second,
        documented,
    }
}

/// The rate limits of every action this crate calls.
pub(crate) const RATE_LIMITS: &[RateLimit] = &[
    limit("cvm", "DescribeInstances", 40, true),
    limit("region", "DescribeRegions", 20, false),
    limit("sts", "GetCallerIdentity", 20, false),
    limit("cam", "GetUserAppId", 20, false),
    limit("cam", "ListUsers", 20, true),
    limit("cam", "GetUser", 20, false),
    limit("cam", "AddUser", 20, true),
    limit("cam", "DeleteUser", 20, false),
    limit("cam", "ListPolicies", 20, false),
    limit("cam", "CreatePolicy", 20, false),
    limit("cam", "DeletePolicy", 20, false),
    limit("cam", "ListAttachedUserPolicies", 20, false),
    limit("cam", "AttachUserPolicy", 20, false),
    limit("cam", "DetachUserPolicy", 20, false),
    limit("cam", "ListAccessKeys", 20, true),
    limit("cam", "CreateAccessKey", 5, true),
    limit("cam", "DeleteAccessKey", 20, false),
    limit("tag", "GetResources", 20, true),
    limit("cbs", "DescribeDisks", 20, false),
    limit("clb", "DescribeLoadBalancers", 20, true),
    limit("vpc", "DescribeVpcs", 100, true),
    limit("vpc", "DescribeSecurityGroups", 100, true),
    limit("cdb", "DescribeDBInstances", 100, true),
    limit("redis", "DescribeInstances", 20, true),
    limit("cfw", "DescribeBlockIgnoreList", 20, false),
    limit("cfw", "CreateBlockIgnoreRuleNew", 20, false),
    limit("cfw", "DeleteBlockIgnoreRuleList", 20, false),
    limit("waf", "DescribeIpAccessControl", 20, false),
    limit("waf", "CreateIpAccessControl", 20, false),
    limit("waf", "DeleteIpAccessControlV2", 20, false),
    limit("cls", "OpenKafkaConsumer", 20, true),
    limit("cls", "DescribeKafkaConsumer", 20, false),
];

/// Adds a rate limit for each of [`RATE_LIMITS`] to `config` (keys `service:Action`), keeping
/// the default concurrency limit. An API that `config` already limits keeps its own entry.
/// The provider builder applies it to the transport it builds.
pub(crate) fn apply(config: LimitConfig) -> LimitConfig {
    RATE_LIMITS.iter().fold(config, |config, l| {
        config.with_api_if_unset(
            ProviderKind::Tencent,
            format!("{}:{}", l.service, l.action),
            Limit::default().with_rate(Rate::per_second(l.per_second)),
        )
    })
}

/// The limit of `service:action`, when this crate knows it.
#[cfg(test)]
pub(crate) fn rate_limit(service: &str, action: &str) -> Option<RateLimit> {
    RATE_LIMITS
        .iter()
        .copied()
        .find(|l| l.service == service && l.action == action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvm_describe_instances_is_limited_to_40_per_second() {
        let l = rate_limit("cvm", "DescribeInstances").unwrap();
        assert_eq!(l.per_second, 40);
        assert!(l.documented);
        // The Redis action of the same name has its own, lower limit.
        assert_eq!(
            rate_limit("redis", "DescribeInstances").unwrap().per_second,
            20
        );
        assert!(rate_limit("cvm", "RunInstances").is_none());
    }

    #[test]
    fn each_action_appears_once() {
        for (i, a) in RATE_LIMITS.iter().enumerate() {
            for b in &RATE_LIMITS[i + 1..] {
                assert!(
                    !(a.service == b.service && a.action == b.action),
                    "{}:{}",
                    a.service,
                    a.action
                );
            }
        }
    }
}

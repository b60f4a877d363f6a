//! AWS's documented request limits, enforced through core's per-(provider, API) limiter.

use multicloud_core::transport::{Limit, LimitConfig, Rate};
use multicloud_core::ProviderKind;

/// The EC2 APIs this crate calls.
const EC2_APIS: &[&str] = &[
    "ec2:DescribeInstances",
    "ec2:DescribeRegions",
    "ec2:DescribeVpcs",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeVolumes",
    "ec2:DescribeSnapshots",
];

/// Adds AWS's EC2 request limits to `limits`; an API that `limits` already limits keeps its
/// own entry. The provider builder applies it to the transport it builds.
///
/// EC2 throttles each API separately, per account and region, with a token bucket; for
/// non-mutating (`Describe*`) actions the bucket holds 100 tokens and refills 20 per second
/// (EC2 developer guide, "Request throttling for the Amazon EC2 API"). The transport's
/// limiter is keyed by API, not region, so this is conservative when scanning many regions.
pub(crate) fn apply(limits: LimitConfig) -> LimitConfig {
    let describe = Limit::default().with_rate(Rate::per_second(20).with_burst(100));
    EC2_APIS.iter().fold(limits, |l, api| {
        l.with_api_if_unset(ProviderKind::Aws, *api, describe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec2_describe_calls_get_the_documented_rate() {
        let limits = apply(LimitConfig::default());
        let l = limits.limit_for(ProviderKind::Aws, "ec2:DescribeInstances");
        let rate = l.rate.unwrap();
        assert_eq!((rate.count(), rate.burst()), (20, 100));
        assert!(limits
            .limit_for(ProviderKind::Aws, "iam:ListUsers")
            .rate
            .is_none());
    }
}

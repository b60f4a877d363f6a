//! Features a user onboards an account for, and the policies each needs per provider.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::ProviderKind;

/// Something an account is onboarded for, with the permissions it needs.
///
/// The standard set is [`StandardFeature`]; an embedding service may add its own features
/// (e.g. a custom probe) by implementing this trait.
pub trait Feature: Send + Sync + fmt::Debug {
    /// A short, stable name (`host`, `cspm`, …).
    fn name(&self) -> &str;

    /// The managed policies to grant on `provider` for this feature, as that cloud's console
    /// names them. Empty when the provider does not offer the feature.
    fn policies(&self, provider: ProviderKind) -> &'static [&'static str];
}

/// The standard features of the onboarding guides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StandardFeature {
    /// Host (virtual machine) inventory.
    Host,
    /// Cloud products inventory for security posture management.
    Cspm,
    /// Response actions: block / unblock an IP in the cloud firewall or WAF.
    Response,
    /// Agentless-scan inventory: volumes and snapshots.
    Agentless,
    /// Audit-log intake (CloudTrail via SQS, Tencent CLS).
    AuditLog,
}

impl StandardFeature {
    /// All standard features, in a stable order.
    pub const ALL: [StandardFeature; 5] = [
        StandardFeature::Host,
        StandardFeature::Cspm,
        StandardFeature::Response,
        StandardFeature::Agentless,
        StandardFeature::AuditLog,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            StandardFeature::Host => "host",
            StandardFeature::Cspm => "cspm",
            StandardFeature::Response => "response",
            StandardFeature::Agentless => "agentless",
            StandardFeature::AuditLog => "audit_log",
        }
    }
}

impl fmt::Display for StandardFeature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StandardFeature {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        StandardFeature::ALL
            .into_iter()
            .find(|f| f.as_str() == wanted)
            .ok_or_else(|| {
                Error::config(format!(
                    "unknown feature {s:?}; expected host, cspm, response, agentless or audit_log"
                ))
            })
    }
}

impl Feature for StandardFeature {
    fn name(&self) -> &str {
        self.as_str()
    }

    // Policy names come from each cloud's onboarding guide (providers.md §x of each cloud).
    fn policies(&self, provider: ProviderKind) -> &'static [&'static str] {
        use ProviderKind::*;
        use StandardFeature::*;
        match (provider, self) {
            (Aws, Host) => &["AmazonEC2ReadOnlyAccess", "IAMReadOnlyAccess"],
            (Aws, Cspm) => &["ReadOnlyAccess"],
            (Aws, Agentless) => &["AmazonEC2ReadOnlyAccess"],
            (Aws, AuditLog) => &["AmazonSQSReadOnlyAccess", "AmazonS3ReadOnlyAccess"],
            (Huawei, Host) => &["ECS ReadOnlyAccess", "IAM ReadOnlyAccess"],
            (Huawei, Cspm) => &["Tenant Guest"],
            (Huawei, Response) => &["CFW FullAccess", "WAF FullAccess"],
            (Tencent, Host) => &["QcloudCVMReadOnlyAccess"],
            (Tencent, Cspm) => &["ReadOnlyAccess", "QcloudCamReadOnlyAccess"],
            (Tencent, Response) => &["QcloudCFWFullAccess", "QcloudWAFFullAccess"],
            (Tencent, AuditLog) => &["QcloudCLSReadOnlyAccess"],
            (Baidu, Cspm) => &["ReadOnlyAccess"],
            (Ctyun, Cspm) => &["ecs viewer", "ctiam viewer"],
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_round_trip_through_their_names() {
        for f in StandardFeature::ALL {
            assert_eq!(f.as_str().parse::<StandardFeature>().unwrap(), f);
        }
        assert_eq!(
            "audit-log".parse::<StandardFeature>().unwrap(),
            StandardFeature::AuditLog
        );
        assert!("nope".parse::<StandardFeature>().is_err());
    }

    #[test]
    fn policies_follow_the_onboarding_guides() {
        assert_eq!(
            StandardFeature::Host.policies(ProviderKind::Aws),
            ["AmazonEC2ReadOnlyAccess", "IAMReadOnlyAccess"]
        );
        assert_eq!(
            StandardFeature::Host.policies(ProviderKind::Tencent),
            ["QcloudCVMReadOnlyAccess"]
        );
        assert!(StandardFeature::Host
            .policies(ProviderKind::Baidu)
            .is_empty());
    }
}

//! Features a user onboards an account for: each is a set of [resource kinds](crate::kind).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::kind::ResourceKind;

/// Something an account is onboarded for: a set of resource kinds.
///
/// The standard set is [`StandardFeature`]: a kind names the standard features it serves in
/// its declaration. An embedding service defines its own feature from kind ids with
/// [`KindFeature`], or by implementing this trait. The permissions a feature needs are those
/// of its kinds, so verify, listing and the policies to grant always agree.
pub trait Feature: Send + Sync + fmt::Debug {
    /// A short, stable name (`host`, `cspm`, …); sync policies schedule features by it.
    fn name(&self) -> &str;

    /// Whether `kind` belongs to this feature.
    fn includes(&self, kind: &ResourceKind) -> bool;

    /// The standard feature this is, if it is one (a provider may not offer it at all, or
    /// not in every domain).
    fn standard(&self) -> Option<StandardFeature> {
        None
    }
}

/// A feature defined by the ids of its kinds (`host`, `ec2.vpc`, `s3.bucket`, …).
///
/// ```
/// use multicloud_core::{Feature, KindFeature, KindScope, ResourceKind};
///
/// let buckets = KindFeature::new("buckets", ["s3.bucket", "cos.bucket"]);
/// let s3 = ResourceKind::resources("s3", "bucket", KindScope::Global).with_id("s3.bucket");
/// assert!(buckets.includes(&s3));
/// assert_eq!(buckets.name(), "buckets");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindFeature {
    name: String,
    kinds: Vec<String>,
}

impl KindFeature {
    /// The feature `name`, made of the kinds with these ids (on any provider).
    pub fn new(
        name: impl Into<String>,
        kinds: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        KindFeature {
            name: name.into(),
            kinds: kinds.into_iter().map(Into::into).collect(),
        }
    }

    /// The kind ids.
    pub fn kind_ids(&self) -> &[String] {
        &self.kinds
    }
}

impl Feature for KindFeature {
    fn name(&self) -> &str {
        &self.name
    }

    fn includes(&self, kind: &ResourceKind) -> bool {
        self.kinds.iter().any(|k| k == kind.id)
    }
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

    fn includes(&self, kind: &ResourceKind) -> bool {
        kind.is_in(*self)
    }

    fn standard(&self) -> Option<StandardFeature> {
        Some(*self)
    }
}

/// The policies to grant for `kinds`, each once, in declaration order.
pub fn grants_for<'a>(kinds: impl IntoIterator<Item = &'a ResourceKind>) -> Vec<&'static str> {
    let mut grants: Vec<&'static str> = Vec::new();
    for kind in kinds {
        if !grants.contains(&kind.grant) {
            grants.push(kind.grant);
        }
    }
    grants
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
    fn features_are_sets_of_kinds() {
        use crate::kind::KindScope;
        let hosts = ResourceKind::hosts("ec2")
            .with_features(&[StandardFeature::Host])
            .with_grant("AmazonEC2ReadOnlyAccess");
        let vpcs = ResourceKind::resources("ec2", "vpc", KindScope::Regional)
            .with_id("ec2.vpc")
            .with_features(&[StandardFeature::Cspm])
            .with_grant("AmazonVPCReadOnlyAccess");
        let volumes = ResourceKind::resources("ec2", "volume", KindScope::Regional)
            .with_id("ec2.volume")
            .with_features(&[StandardFeature::Cspm, StandardFeature::Agentless])
            .with_grant("AmazonEC2ReadOnlyAccess");
        assert!(StandardFeature::Host.includes(&hosts));
        assert!(!StandardFeature::Host.includes(&vpcs));
        assert!(StandardFeature::Agentless.includes(&volumes));
        let mine = KindFeature::new("network", ["ec2.vpc"]);
        assert!(mine.includes(&vpcs) && !mine.includes(&volumes));
        assert_eq!(mine.standard(), None);
        assert_eq!(
            grants_for([&hosts, &vpcs, &volumes]),
            ["AmazonEC2ReadOnlyAccess", "AmazonVPCReadOnlyAccess"]
        );
    }
}

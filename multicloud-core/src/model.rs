//! The shared asset model: the same normalized names for all five clouds.
//!
//! Every normalized record keeps the provider's raw item beside it as compact JSON text
//! ([`Host::raw`], [`CloudResource::raw`], a [`RawRecord`]) so fields we do not normalize
//! are never lost.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::{Error, ErrorKind, Result};
use crate::raw::RawRecord;

// `ProviderKind` lives in its own file because `error.rs` names it; parsing it reports an
// `Error`, so its `FromStr` stays here, above both.
pub use crate::provider_kind::ProviderKind;

impl FromStr for ProviderKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        ProviderKind::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::config(format!(
                    "unknown provider {s:?}; expected one of aws, huawei, tencent, baidu, ctyun"
                ))
            })
    }
}

/// The user's name for an onboarded account; tells several accounts of one provider apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountName(String);

impl AccountName {
    /// A new account name; it must be non-empty after trimming.
    pub fn new(name: impl Into<String>) -> Result<Self> {
        let name = name.into();
        if name.trim().is_empty() {
            return Err(Error::config("account name must not be empty"));
        }
        Ok(AccountName(name))
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which edition of a cloud an account lives in.
///
/// AWS: International is the `aws` partition, China the `aws-cn` partition. Tencent:
/// `tencentcloudapi.com` vs `intl.tencentcloudapi.com`. CTyun: Chinese vs International
/// edition. Providers with a single edition use [`Domain::China`] for their home site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Domain {
    /// Mainland China edition / partition.
    China,
    /// International edition / global partition.
    #[default]
    International,
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Domain::China => "china",
            Domain::International => "international",
        })
    }
}

impl FromStr for Domain {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "china" | "cn" => Ok(Domain::China),
            "international" | "intl" | "global" => Ok(Domain::International),
            other => Err(Error::config(format!(
                "unknown domain {other:?}; expected china or international"
            ))),
        }
    }
}

/// Whether the account may use a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RegionStatus {
    /// Enabled by default or opted in: scanned.
    Enabled,
    /// Needs an opt-in the account has not made: reported, never scanned.
    NotOptedIn,
    /// Listed but not usable through the API (e.g. CTyun without `openapiAvailable`).
    Unavailable,
}

/// A region of one provider as the account sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Region {
    /// The provider's region id (`us-east-1`, `ap-guangzhou`, `cn-north-4`, …).
    pub id: String,
    /// A human name when the provider gives one.
    pub name: Option<String>,
    /// Whether this account may use the region.
    pub status: RegionStatus,
}

impl Region {
    /// A region with `status` and no display name.
    pub fn new(id: impl Into<String>, status: RegionStatus) -> Self {
        Region {
            id: id.into(),
            name: None,
            status,
        }
    }

    /// An enabled region with no display name.
    pub fn enabled(id: impl Into<String>) -> Self {
        Region::new(id, RegionStatus::Enabled)
    }

    /// Sets the display name.
    pub fn with_name(mut self, name: Option<String>) -> Self {
        self.name = name;
        self
    }

    /// Whether the region should be scanned.
    pub fn is_scannable(&self) -> bool {
        self.status == RegionStatus::Enabled
    }
}

/// Key/value tags as the provider reports them, sorted by key.
pub type Tags = BTreeMap<String, String>;

/// The normalized power state of a host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum HostState {
    /// Being created or started.
    Pending,
    /// Running.
    Running,
    /// Being stopped.
    Stopping,
    /// Stopped.
    Stopped,
    /// Being deleted or terminated.
    Terminating,
    /// Deleted or terminated (may still be listed for a while).
    Terminated,
    /// A state this SDK does not normalize; the provider's value is kept.
    Other(String),
}

/// A virtual machine (EC2, ECS, CVM, BCC, CTyun ECS), normalized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Host {
    /// The provider's instance id.
    pub id: String,
    /// The instance name, when set.
    pub name: Option<String>,
    /// Normalized power state.
    pub state: HostState,
    /// Instance type / flavor (`t3.micro`, `S5.MEDIUM2`, …).
    pub instance_type: Option<String>,
    /// Region id.
    pub region: String,
    /// Availability zone.
    pub zone: Option<String>,
    /// Private IPv4/IPv6 addresses.
    pub private_ips: Vec<IpAddr>,
    /// Public (elastic / floating) addresses.
    pub public_ips: Vec<IpAddr>,
    /// Operating system or platform description.
    pub os: Option<String>,
    /// VPC / network id.
    pub vpc_id: Option<String>,
    /// Creation / launch time.
    #[serde(with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    /// Tags.
    pub tags: Tags,
    /// The provider's item exactly as received, as compact JSON text (XML items are
    /// converted); shared, not copied, when the host is cloned.
    pub raw: RawRecord,
}

impl Host {
    /// A host with its id, region and state; every other field empty.
    pub fn new(id: impl Into<String>, region: impl Into<String>, state: HostState) -> Self {
        Host {
            id: id.into(),
            name: None,
            state,
            instance_type: None,
            region: region.into(),
            zone: None,
            private_ips: Vec::new(),
            public_ips: Vec::new(),
            os: None,
            vpc_id: None,
            created_at: None,
            tags: Tags::new(),
            raw: RawRecord::null(),
        }
    }

    /// Sets the instance name.
    pub fn with_name(mut self, name: Option<String>) -> Self {
        self.name = name;
        self
    }

    /// Sets the instance type / flavor.
    pub fn with_instance_type(mut self, instance_type: Option<String>) -> Self {
        self.instance_type = instance_type;
        self
    }

    /// Sets the availability zone.
    pub fn with_zone(mut self, zone: Option<String>) -> Self {
        self.zone = zone;
        self
    }

    /// Sets the private addresses.
    pub fn with_private_ips(mut self, ips: Vec<IpAddr>) -> Self {
        self.private_ips = ips;
        self
    }

    /// Sets the public addresses.
    pub fn with_public_ips(mut self, ips: Vec<IpAddr>) -> Self {
        self.public_ips = ips;
        self
    }

    /// Sets the operating system or platform description.
    pub fn with_os(mut self, os: Option<String>) -> Self {
        self.os = os;
        self
    }

    /// Sets the VPC / network id.
    pub fn with_vpc_id(mut self, vpc_id: Option<String>) -> Self {
        self.vpc_id = vpc_id;
        self
    }

    /// Sets the creation / launch time.
    pub fn with_created_at(mut self, created_at: Option<OffsetDateTime>) -> Self {
        self.created_at = created_at;
        self
    }

    /// Sets the tags.
    pub fn with_tags(mut self, tags: Tags) -> Self {
        self.tags = tags;
        self
    }

    /// Sets the provider's raw item (a [`RawRecord`], or a `serde_json::Value` written as
    /// compact JSON).
    pub fn with_raw(mut self, raw: impl Into<RawRecord>) -> Self {
        self.raw = raw.into();
        self
    }
}

/// A cloud product resource for CSPM (bucket, database, load balancer, disk, user, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CloudResource {
    /// The provider's service name (`s3`, `rds`, `cbs`, `obs`, …).
    pub service: String,
    /// The resource type inside the service (`bucket`, `db_instance`, `volume`, …).
    pub resource_type: String,
    /// The provider's resource id.
    pub id: String,
    /// The resource's name, when it has one.
    pub name: Option<String>,
    /// Region id, or `global` for global resources (IAM users, …).
    pub region: String,
    /// Tags.
    pub tags: Tags,
    /// Fields the listing could not fill because a per-item call was refused or failed
    /// (e.g. a bucket's region when `GetBucketLocation` is denied). Empty when complete.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<UnknownField>,
    /// The provider's item exactly as received, as compact JSON text; shared, not copied,
    /// when the resource is cloned.
    pub raw: RawRecord,
}

/// A field of a [`CloudResource`] left unknown, and why.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UnknownField {
    /// The field (`region`, `tags`, …).
    pub field: String,
    /// The action whose call would have filled it (`s3:GetBucketLocation`, …).
    pub action: String,
    /// Why that call did not.
    pub reason: ErrorKind,
}

impl UnknownField {
    /// `field` is unknown because `action` failed with `reason`.
    pub fn new(field: impl Into<String>, action: impl Into<String>, reason: ErrorKind) -> Self {
        UnknownField {
            field: field.into(),
            action: action.into(),
            reason,
        }
    }
}

impl CloudResource {
    /// A resource with its service, type, id and region; no name, tags or raw item.
    pub fn new(
        service: impl Into<String>,
        resource_type: impl Into<String>,
        id: impl Into<String>,
        region: impl Into<String>,
    ) -> Self {
        CloudResource {
            service: service.into(),
            resource_type: resource_type.into(),
            id: id.into(),
            name: None,
            region: region.into(),
            tags: Tags::new(),
            unknown: Vec::new(),
            raw: RawRecord::null(),
        }
    }

    /// Marks a field unknown (see [`CloudResource::unknown`]).
    pub fn with_unknown(mut self, unknown: UnknownField) -> Self {
        self.unknown.push(unknown);
        self
    }

    /// Sets the resource's name.
    pub fn with_name(mut self, name: Option<String>) -> Self {
        self.name = name;
        self
    }

    /// Sets the tags.
    pub fn with_tags(mut self, tags: Tags) -> Self {
        self.tags = tags;
        self
    }

    /// Sets the provider's raw item (a [`RawRecord`], or a `serde_json::Value` written as
    /// compact JSON).
    pub fn with_raw(mut self, raw: impl Into<RawRecord>) -> Self {
        self.raw = raw.into();
        self
    }

    /// A key unique within one account: service, type and id.
    pub fn key(&self) -> (&str, &str, &str) {
        (&self.service, &self.resource_type, &self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_kind_parses_case_insensitively_and_rejects_unknown() {
        assert_eq!("AWS".parse::<ProviderKind>().unwrap(), ProviderKind::Aws);
        assert_eq!(
            " ctyun ".parse::<ProviderKind>().unwrap(),
            ProviderKind::Ctyun
        );
        let err = "gcp".parse::<ProviderKind>().unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Config);
    }

    #[test]
    fn empty_account_name_is_a_config_error() {
        assert!(AccountName::new("  ").is_err());
        assert_eq!(AccountName::new("prod").unwrap().as_str(), "prod");
    }

    #[test]
    fn not_opted_in_regions_are_not_scannable() {
        let mut r = Region::enabled("af-south-1");
        assert!(r.is_scannable());
        r.status = RegionStatus::NotOptedIn;
        assert!(!r.is_scannable());
    }
}

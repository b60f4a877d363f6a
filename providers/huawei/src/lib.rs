//! # multicloud-huawei
//!
//! The Huawei Cloud provider of the multicloud SDK (re-exported as `multicloud_sdk::huawei`).
//!
//! - **Requests**: JSON over HTTPS to `{service}.{region}.myhuaweicloud.com` (`.eu` for
//!   `eu-west-101`; IAM and RMS global), signed with `SDK-HMAC-SHA256` ([`HuaweiSigner`]) on
//!   every attempt; OBS with its own signature ([`ObsSigner`]).
//! - **Projects**: one `GET /v3/auth/projects` gives each region's project id and the account
//!   (domain) id; it is cached and looked up again when a region without a known project
//!   is asked for.
//! - **Never a retried authentication failure**: Huawei locks an AccessKey for 5 minutes after
//!   more than five failed authentications in a row. The first `APIGW.0301` says which
//!   variant it was (wrong secret, unknown key, key locked, key disabled / account frozen),
//!   and no further request is sent with that key.
//! - **Verify**: the key from the projects call, then one probe per kind, regional kinds in
//!   every region (a grant on some regions only is reported as denied in the others); the
//!   policies named are `ECS ReadOnlyAccess`, `IAM ReadOnlyAccess`, `Tenant Guest` and the
//!   onboarding guide's custom `siemBasePolicy` / `siemNormalPolicy` ([`custom_policy`]
//!   renders them as JSON to paste).
//! - **Regions** from the projects matched against `GET /v3/regions`.
//! - **Hosts**: ECS `ListServersDetails` (`offset` is a page number from 1).
//! - **Cloud products**: RMS `ListAllResources` per resource type (VPCs, security groups,
//!   EIPs, EVS volumes, ELB load balancers, RDS instances) and the OBS bucket list.
//! - **Response actions**: [`HuaweiIpBlocker`] (CFW address-group members, WAF black-IP rules).
//! - **Quick configuration** ([`HuaweiOnboarder`], with the main account's key): an IAM user
//!   in its own user group `<user>-group`, the features' permissions granted to the group
//!   (global services on the account, project services in every project), its permanent
//!   access key, waited for until it works; reruns reuse all of it.
//!
//! ```
//! use multicloud_core::{AccessKey, CloudProvider, ProviderKind};
//! use multicloud_huawei::HuaweiProviderBuilder;
//!
//! let provider = HuaweiProviderBuilder::new("prod")
//!     .with_access_key(AccessKey::new("HPUAEXAMPLE", "example-secret"))
//!     .build()?;
//! assert_eq!(provider.kind(), ProviderKind::Huawei);
//! assert!(provider.ip_blocker().is_some());
//! assert!(provider.resource_kinds().iter().any(|k| k.id == "host"));
//! // Nothing is sent until a listing is polled or verify() runs:
//! // let report = provider.verify(&[&multicloud_core::StandardFeature::Host]).await?;
//! // The secret never shows up in Debug output.
//! assert!(!format!("{provider:?}").contains("example-secret"));
//! # Ok::<(), multicloud_core::Error>(())
//! ```
//!
//! ```
//! use multicloud_huawei::PROVIDER;
//! assert_eq!(PROVIDER.as_str(), "huawei");
//! ```
//!
//! Requests are signed with `SDK-HMAC-SHA256` by [`HuaweiSigner`], a pure function of the
//! request, the key and the time (it never reads a clock):
//!
//! ```
//! use bytes::Bytes;
//! use multicloud_core::signing::RequestSigner;
//! use multicloud_core::AccessKey;
//! use multicloud_huawei::HuaweiSigner;
//! use time::macros::datetime;
//!
//! let mut request = http::Request::get(
//!     "https://ecs.cn-north-4.myhuaweicloud.com/v1/0123456789abcdef/cloudservers/detail?limit=100&offset=1",
//! )
//! .header("content-type", "application/json")
//! .body(Bytes::new())?;
//! let key = AccessKey::new("QTWAOYTTINDUT2QVKYUC", "example-secret");
//! HuaweiSigner::new().sign(&mut request, &key, datetime!(2019-11-15 03:36:55 UTC))?;
//! assert_eq!(request.headers()["x-sdk-date"], "20191115T033655Z");
//! assert!(request.headers()["authorization"].to_str()?.starts_with(
//!     "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature="
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod client;
mod endpoints;
mod errors;
mod hosts;
mod iam;
mod limits;
mod obs;
mod onboard;
#[cfg(test)]
mod page_props;
mod projects;
mod provider;
mod regions;
mod resources;
mod response;
mod signer;
mod verify;
mod wire;

use multicloud_core::ProviderKind;

pub use obs::ObsSigner;
pub use onboard::{
    default_propagation_wait, group_name, HuaweiOnboarder, DEFAULT_USER_PREFIX, GROUP_SUFFIX,
    KEY_MARK,
};
pub use provider::{HuaweiProvider, HuaweiProviderBuilder};
pub use response::{HuaweiIpBlocker, DEFAULT_CFW_GROUP};
pub use signer::HuaweiSigner;
pub use verify::{custom_policy, policy_documents};

/// The provider this crate implements.
pub const PROVIDER: ProviderKind = ProviderKind::Huawei;

/// Not part of the API (hidden, unstable): parses and maps one list-hosts page `body` of
/// `region`, with the code the host listing runs on each response. The parsing bench
/// (`benches/parsing.rs`) times it in process on a canned body: the parsers are private, and
/// timing them through a local server would mix the HTTP round trip into the reading.
#[doc(hidden)]
pub fn __parse_hosts_page(
    body: bytes::Bytes,
    region: &str,
) -> multicloud_core::Result<Vec<multicloud_core::Host>> {
    let value = client::parse_json(client::ECS_LIST_SERVERS, Some(region), &body)?;
    hosts::servers_page(value, region).map(|(hosts, _)| hosts)
}

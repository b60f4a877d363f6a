//! # multicloud-tencent
//!
//! The Tencent Cloud provider of the multicloud SDK (re-exported as `multicloud_sdk::tencent`).
//!
//! - **Requests**: API 3.0 (`POST /`, JSON body, `X-TC-Action`/`X-TC-Version`/`X-TC-Region`/
//!   `X-TC-Timestamp` headers), signed with TC3-HMAC-SHA256 ([`Tc3Signer`]), on the China
//!   (`*.tencentcloudapi.com`) or International (`*.intl.tencentcloudapi.com`) site.
//! - **Verify**: identity from `sts:GetCallerIdentity` (or `cam:GetUserAppId`), then per-feature
//!   probes; the report names the policies to grant.
//! - **Regions** from the Region service (`DescribeRegions`, `Product=cvm`).
//! - **Hosts**: CVM `DescribeInstances`, 100 per page.
//! - **Cloud products**: CBS disks, CLB, VPCs, security groups, CDB MySQL and Redis (each
//!   product's own `Describe*`), CAM users, every COS bucket (COS's XML `GetService`, signed
//!   with [`CosSigner`]; tags from the tag service), and tagged resources of other services
//!   through `tag:GetResources`.
//! - **Response actions**: [`TencentIpBlocker`] blocks and unblocks IPs in CFW and WAF.
//! - **Audit logs**: Cloud Audit events from a CLS topic over Kafka ([`audit`]; the consumer
//!   needs the `kafka` feature), and the CLS calls that open Kafka consumption on a topic
//!   ([`TencentProvider::open_kafka_consumer`], [`TencentProvider::describe_kafka_consumer`]).
//! - **Rate limits**: the documented per-API limits, added by the builder to the transport's
//!   limits (see [`TencentProviderBuilder::with_limits`]).
//!
//! ```
//! use multicloud_core::{AccessKey, CloudProvider, Domain, ProviderKind, StaticCredential};
//! use multicloud_tencent::TencentProviderBuilder;
//!
//! let provider = TencentProviderBuilder::new("prod")
//!     .with_credential(StaticCredential::new(AccessKey::new("AKIDEXAMPLE", "example-secret")))
//!     .with_domain(Domain::International)
//!     .build()?;
//! assert_eq!(provider.kind(), ProviderKind::Tencent);
//! assert!(provider.ip_blocker().is_some());
//! // Nothing is sent until a listing is polled or verify() runs:
//! // let report = provider.verify(provider.features()).await?;
//! // The secret never shows up in Debug output.
//! assert!(!format!("{provider:?}").contains("example-secret"));
//! # Ok::<(), multicloud_core::Error>(())
//! ```
//!
//! [`Tc3Signer`] is a pure function of the request, the key and the time (it never reads a
//! clock):
//!
//! ```
//! use bytes::Bytes;
//! use multicloud_core::signing::RequestSigner;
//! use multicloud_core::AccessKey;
//! use multicloud_tencent::Tc3Signer;
//! use time::macros::datetime;
//!
//! let mut request = http::Request::post("https://cvm.tencentcloudapi.com/")
//!     .header("content-type", "application/json")
//!     .header("x-tc-action", "DescribeInstances")
//!     .body(Bytes::from_static(br#"{"Limit": 100, "Offset": 0}"#))?;
//! let key = AccessKey::new("AKIDEXAMPLE", "example-secret");
//! Tc3Signer::new("cvm").sign(&mut request, &key, datetime!(2019-02-25 16:44:25 UTC))?;
//! assert_eq!(request.headers()["x-tc-timestamp"], "1551113065");
//! assert!(request.headers()["authorization"].to_str()?.starts_with(
//!     "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2019-02-25/cvm/tc3_request, \
//!      SignedHeaders=content-type;host, Signature="
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod api;
pub mod audit;
mod client;
mod cls;
mod cos;
mod endpoints;
mod errors;
mod hosts;
mod limits;
mod onboard;
#[cfg(test)]
mod page_props;
mod paging;
mod provider;
mod regions;
mod resources;
mod response;
mod signer;
mod verify;
mod wire;

use multicloud_core::ProviderKind;

pub use cls::{KafkaCompression, KafkaConsumerInfo, OpenKafkaConsumer};
pub use cos::CosSigner;
pub use onboard::{
    policy_documents, TencentOnboarder, CIEM_PARAMS, CIEM_POLICY, DEFAULT_USER_PREFIX, KEY_MARK,
};
pub use provider::{TencentProvider, TencentProviderBuilder};
pub use response::TencentIpBlocker;
pub use signer::Tc3Signer;

/// The provider this crate implements.
pub const PROVIDER: ProviderKind = ProviderKind::Tencent;

/// Not part of the API (hidden, unstable): parses and maps one list-hosts page `body` of
/// `region`, with the code the host listing runs on each response. The parsing bench
/// (`benches/parsing.rs`) times it in process on a canned body: the parsers are private, and
/// timing them through a local server would mix the HTTP round trip into the reading.
#[doc(hidden)]
pub fn __parse_hosts_page(
    body: bytes::Bytes,
    region: &str,
) -> multicloud_core::Result<Vec<multicloud_core::Host>> {
    let action = api::CVM_DESCRIBE_INSTANCES.action;
    let response = wire::read_response(action, 200, &body)?;
    let page = wire::offset_page(
        response,
        action,
        Some(region),
        "InstanceSet",
        Some("TotalCount"),
    )?;
    page.items
        .into_iter()
        .map(|item| hosts::to_host(item, region))
        .collect()
}

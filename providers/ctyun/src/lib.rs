//! # multicloud-ctyun
//!
//! The China Telecom e-Surfing Cloud (CTyun) provider of the multicloud SDK: verify an
//! AccessKey (with a diagnosis per failure cause of the onboarding guide's FAQ: a missing
//! permission, an expired key, an edition that does not match the key), list resource pools,
//! hosts (ECS) and the guide's cloud products (Kafka, Redis DCS2, ZOS buckets, RocketMQ,
//! ELB, EBS) as lazily paging streams.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use multicloud_core::{CloudProvider, Domain, StandardFeature};
//! use multicloud_ctyun::{grant_advice, CtyunProviderBuilder};
//!
//! # async fn run() -> Result<(), multicloud_core::Error> {
//! // CTYUN_AK / CTYUN_SK; the Chinese edition unless told otherwise.
//! let ctyun = CtyunProviderBuilder::new("prod")
//!     .from_env()
//!     .with_domain(Domain::China)
//!     .build()?;
//! let report = ctyun.verify(&[&StandardFeature::Host, &StandardFeature::Cspm]).await?;
//! if let Some(advice) = grant_advice(&report) {
//!     println!("{advice}"); // the policies to grant, split by resource-pool / global scope
//! }
//! for region in ctyun.regions().await?.iter().filter(|r| r.is_scannable()) {
//!     let hosts: Vec<_> = ctyun.hosts(region).try_collect().await?;
//!     println!("{}: {} hosts", region.id, hosts.len());
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Every answer is the `{statusCode 800|900, errorCode, message, description, returnObj}`
//! envelope, often with HTTP 200 on failure: errors are classified from it and keep the
//! English `message` next to the Chinese `description`. Every request carries a User-Agent
//! and a fresh `ctyun-eop-request-id`.
//!
//! ```
//! use multicloud_ctyun::PROVIDER;
//! assert_eq!(PROVIDER.as_str(), "ctyun");
//! ```
//!
//! Requests are signed with the EOP algorithm by [`EopSigner`], a pure function of the
//! request, the key and the time (it never reads a clock or makes ids): the request id is the
//! `ctyun-eop-request-id` header the caller sets before signing. `Eop-date` is Beijing time
//! whatever the host's time zone:
//!
//! ```
//! use bytes::Bytes;
//! use multicloud_core::signing::RequestSigner;
//! use multicloud_core::AccessKey;
//! use multicloud_ctyun::EopSigner;
//! use time::macros::datetime;
//!
//! let mut request = http::Request::post("https://ctecs-global.ctapi.ctyun.cn/v4/ecs/list-instances")
//!     .header("content-type", "application/json;charset=UTF-8")
//!     .header("ctyun-eop-request-id", "27cfe4dc-e640-45f6-92ca-492ca73e8680")
//!     .body(Bytes::from_static(br#"{"regionID": "bb9fdb42056f11eda1610242ac110002", "pageNo": 1, "pageSize": 50}"#))?;
//! let key = AccessKey::new("example-ak", "example-sk");
//! EopSigner::new().sign(&mut request, &key, datetime!(2024-01-16 16:00:00 UTC))?;
//! assert_eq!(request.headers()["eop-date"], "20240117T000000Z");
//! assert!(request.headers()["eop-authorization"]
//!     .to_str()?
//!     .starts_with("example-ak Headers=ctyun-eop-request-id;eop-date Signature="));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod client;
mod endpoints;
mod errors;
mod hosts;
#[cfg(test)]
mod page_props;
mod paging;
mod provider;
mod regions;
mod resources;
mod signer;
mod verify;
mod wire;

use multicloud_core::ProviderKind;

pub use provider::{CtyunProvider, CtyunProviderBuilder};
pub use signer::{body_sha256_hex, EopSigner};
pub use verify::{grant_advice, policy_scope, PolicyScope, CTIAM_VIEWER};

/// The provider this crate implements.
pub const PROVIDER: ProviderKind = ProviderKind::Ctyun;

/// Not part of the API (hidden, unstable): parses and maps one list-hosts page `body` of
/// `region`, with the code the host listing runs on each response. The parsing bench
/// (`benches/parsing.rs`) times it in process on a canned body: the parsers are private, and
/// timing them through a local server would mix the HTTP round trip into the reading.
#[doc(hidden)]
pub fn __parse_hosts_page(
    body: bytes::Bytes,
    region: &str,
) -> multicloud_core::Result<Vec<multicloud_core::Host>> {
    hosts::page_from_body(&body, region).map(|items| {
        items
            .into_iter()
            .map(|raw| hosts::host(region, raw))
            .collect()
    })
}

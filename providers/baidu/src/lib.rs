//! # multicloud-baidu
//!
//! The Baidu AI Cloud (BCE) provider of the multicloud SDK: verify an AccessKey (and say
//! which system policies it lacks), list the regions, the BCC instances as hosts, and the
//! cloud products for CSPM.
//!
//! | kind | API (host) | policy |
//! |---|---|---|
//! | `host` (Host and CSPM) | BCC `GET /v2/instance` (`bcc.{region}`) | `BCCReadAccessPolicy` |
//! | `vpc.vpc` | `GET /v1/vpc` (`bcc.{region}`) | `VPCReadAccessPolicy` |
//! | `scs.instance` | SCS Redis `GET /v2/instance` (`redis.{region}`) | `RedisReadAccessPolicy` |
//! | `kafka.cluster` | `GET /v2/clusters` (`kafka.{region}`) | `KAFKAReadAccessPolicy` |
//! | `mongodb.instance` | `GET /v1/instance?manner=marker` (`mongodb.{region}`) | `MONGODBReadAccessPolicy` |
//! | `rds.instance` | `GET /v1/instance` (`rds.{region}`) | `RDSReadAccessPolicy` |
//! | `blb.blb`, `blb.appblb` | `GET /v1/blb`, `/v1/appblb` (`blb.{region}`) | `BLBReadAccessPolicy` |
//! | `bos.bucket` (account-wide) | BOS `GET /` (`bj.bcebos.com`) | `BOSLISTANDReadAccessPolicy` |
//! | `iam.user` (account-wide) | IAM `GET /v1/user` (`iam.bj.baidubce.com`) | `IAMReadAccessPolicy` |
//!
//! `GlobalReadPolicy` grants the reads of every product at once (IAM's excepted):
//! [`BaiduProvider::advice`] offers it next to the exact missing policies. Regional listings
//! page with `marker`/`maxKeys`/`isTruncated`/`nextMarker`. Requests always go to the real
//! `https` hosts; [`with_endpoint_url`](BaiduProviderBuilder::with_endpoint_url) sends them
//! to one URL with the real host kept in `Host`, which tells the server service and region.
//!
//! A product the account has not activated (`OptInRequired`) is **not in use**, not a
//! permission problem: its listing yields nothing and its verify probe passes.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use multicloud_baidu::BaiduProviderBuilder;
//! use multicloud_core::{CloudProvider, Feature, StandardFeature};
//!
//! # async fn run() -> Result<(), multicloud_core::Error> {
//! // BCE_ACCESS_KEY_ID / BCE_SECRET_ACCESS_KEY
//! let bce = BaiduProviderBuilder::new("prod").from_env().build()?;
//! let report = bce.verify(&[&StandardFeature::Cspm as &dyn Feature]).await?;
//! if let Some(advice) = bce.advice(&report) {
//!     println!("{advice}");
//! }
//! for region in bce.regions().await? {
//!     let hosts: Vec<_> = bce.hosts(&region).try_collect().await?;
//!     println!("{}: {} BCC instances", region.id, hosts.len());
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Requests are signed with `bce-auth-v1` by [`BceSigner`], a pure function of the request,
//! the key and the time (it never reads a clock):
//!
//! ```
//! use bytes::Bytes;
//! use multicloud_baidu::BceSigner;
//! use multicloud_core::signing::RequestSigner;
//! use multicloud_core::AccessKey;
//! use time::macros::datetime;
//!
//! let mut request = http::Request::get("https://bcc.bj.baidubce.com/v2/instance?maxKeys=1000")
//!     .body(Bytes::new())?;
//! let key = AccessKey::new("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "example-secret");
//! BceSigner::new().sign(&mut request, &key, datetime!(2015-04-27 08:23:49 UTC))?;
//! assert_eq!(request.headers()["x-bce-date"], "2015-04-27T08:23:49Z");
//! assert!(request.headers()["authorization"].to_str()?.starts_with(
//!     "bce-auth-v1/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/2015-04-27T08:23:49Z/1800//"
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod api;
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

pub use provider::{BaiduProvider, BaiduProviderBuilder};
pub use signer::BceSigner;

/// The provider this crate implements.
pub const PROVIDER: ProviderKind = ProviderKind::Baidu;

/// Not part of the API (hidden, unstable): parses and maps one list-hosts page `body` of
/// `region`, with the code the host listing runs on each response. The parsing bench
/// (`benches/parsing.rs`) times it in process on a canned body: the parsers are private, and
/// timing them through a local server would mix the HTTP round trip into the reading.
#[doc(hidden)]
pub fn __parse_hosts_page(
    body: bytes::Bytes,
    region: &str,
) -> multicloud_core::Result<Vec<multicloud_core::Host>> {
    let page = wire::marker_page(
        hosts::LISTING.api.name,
        Some(region),
        hosts::LISTING.items_key,
        &body,
    )?;
    page.items
        .into_iter()
        .map(|raw| hosts::to_host(raw, region))
        .collect()
}

//! # multicloud-huawei
//!
//! The Huawei Cloud provider of the multicloud SDK. See the workspace README for the feature table and
//! what is built so far.
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
mod limits;
mod obs;
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
pub use provider::{HuaweiProvider, HuaweiProviderBuilder};
pub use response::{HuaweiIpBlocker, DEFAULT_CFW_GROUP};
pub use signer::HuaweiSigner;
pub use verify::custom_policy;

/// The provider this crate implements.
pub const PROVIDER: ProviderKind = ProviderKind::Huawei;

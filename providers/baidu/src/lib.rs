//! # multicloud-baidu
//!
//! The Baidu AI Cloud (BCE) provider of the multicloud SDK. See the workspace README for the feature table and
//! what is built so far.
//!
//! ```
//! use multicloud_baidu::PROVIDER;
//! assert_eq!(PROVIDER.as_str(), "baidu");
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

mod signer;

use multicloud_core::ProviderKind;

pub use signer::BceSigner;

/// The provider this crate implements.
pub const PROVIDER: ProviderKind = ProviderKind::Baidu;

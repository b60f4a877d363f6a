//! # multicloud-ctyun
//!
//! The China Telecom e-Surfing Cloud (CTyun) provider of the multicloud SDK. See the workspace README for the feature table and
//! what is built so far.
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

mod signer;

use multicloud_core::ProviderKind;

pub use signer::{body_sha256_hex, EopSigner};

/// The provider this crate implements.
pub const PROVIDER: ProviderKind = ProviderKind::Ctyun;

//! # multicloud-ctyun
//!
//! The China Telecom e-Surfing Cloud (CTyun) provider of the multicloud SDK. See the workspace README for the feature table and
//! what is built so far.
//!
//! ```
//! use multicloud_ctyun::PROVIDER;
//! assert_eq!(PROVIDER.as_str(), "ctyun");
//! ```

use multicloud_core::ProviderKind;

/// The provider this crate implements.
pub const PROVIDER: ProviderKind = ProviderKind::Ctyun;

//! # multicloud-tencent
//!
//! The Tencent Cloud provider of the multicloud SDK. See the workspace README for the feature table and
//! what is built so far.
//!
//! ```
//! use multicloud_tencent::PROVIDER;
//! assert_eq!(PROVIDER.as_str(), "tencent");
//! ```

use multicloud_core::ProviderKind;

/// The provider this crate implements.
pub const PROVIDER: ProviderKind = ProviderKind::Tencent;

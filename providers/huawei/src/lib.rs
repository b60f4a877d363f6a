//! # multicloud-huawei
//!
//! The Huawei Cloud provider of the multicloud SDK. See the workspace README for the feature table and
//! what is built so far.
//!
//! ```
//! use multicloud_huawei::PROVIDER;
//! assert_eq!(PROVIDER.as_str(), "huawei");
//! ```

use multicloud_core::ProviderKind;

/// The provider this crate implements.
pub const PROVIDER: ProviderKind = ProviderKind::Huawei;

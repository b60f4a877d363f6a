//! # multicloud-baidu
//!
//! The Baidu AI Cloud (BCE) provider of the multicloud SDK. See the workspace README for the feature table and
//! what is built so far.
//!
//! ```
//! use multicloud_baidu::PROVIDER;
//! assert_eq!(PROVIDER.as_str(), "baidu");
//! ```

use multicloud_core::ProviderKind;

/// The provider this crate implements.
pub const PROVIDER: ProviderKind = ProviderKind::Baidu;

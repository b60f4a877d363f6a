//! # multicloud-aws
//!
//! The Amazon Web Services provider of the multicloud SDK. See the workspace README for the feature table and
//! what is built so far.
//!
//! ```
//! use multicloud_aws::PROVIDER;
//! assert_eq!(PROVIDER.as_str(), "aws");
//! ```

use multicloud_core::ProviderKind;

/// The provider this crate implements.
pub const PROVIDER: ProviderKind = ProviderKind::Aws;

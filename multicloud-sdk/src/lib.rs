//! The facade of the multicloud SDK: [`multicloud_core`] re-exported at the root, the sync
//! engine as [`sync`], and each provider behind a cargo feature of the same name (`aws`,
//! `huawei`, `tencent`, `baidu`, `ctyun`; `full`, the default, is all of them).
//!
//! ```
//! use multicloud_sdk::{AccessKey, ProviderKind};
//!
//! let key = AccessKey::new("AKIDEXAMPLE", "not-a-real-secret");
//! assert!(!format!("{key:?}").contains("not-a-real-secret"));
//! # #[cfg(feature = "aws")]
//! assert_eq!(multicloud_sdk::aws::PROVIDER, ProviderKind::Aws);
//! ```
//!
//! The rest of this page is the project's README (its example is compiled as a doc test).
//!
#![doc = include_str!("../../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use multicloud_core::*;

/// The sync engine: policies, scheduled syncs, diffs, events and snapshot stores.
pub use multicloud_sync as sync;

/// Amazon Web Services.
#[cfg(feature = "aws")]
#[cfg_attr(docsrs, doc(cfg(feature = "aws")))]
pub mod aws {
    pub use multicloud_aws::*;
}

/// Huawei Cloud.
#[cfg(feature = "huawei")]
#[cfg_attr(docsrs, doc(cfg(feature = "huawei")))]
pub mod huawei {
    pub use multicloud_huawei::*;
}

/// Tencent Cloud.
#[cfg(feature = "tencent")]
#[cfg_attr(docsrs, doc(cfg(feature = "tencent")))]
pub mod tencent {
    pub use multicloud_tencent::*;
}

/// Baidu AI Cloud (BCE).
#[cfg(feature = "baidu")]
#[cfg_attr(docsrs, doc(cfg(feature = "baidu")))]
pub mod baidu {
    pub use multicloud_baidu::*;
}

/// China Telecom e-Surfing Cloud (CTyun).
#[cfg(feature = "ctyun")]
#[cfg_attr(docsrs, doc(cfg(feature = "ctyun")))]
pub mod ctyun {
    pub use multicloud_ctyun::*;
}

//! # multicloud-sdk
//!
//! Onboard cloud accounts by AccessKey and keep an inventory of their assets across AWS,
//! Huawei Cloud, Tencent Cloud, Baidu AI Cloud and China Telecom e-Surfing Cloud (CTyun).
//!
//! This facade re-exports [`multicloud_core`] at its root and each provider behind a cargo
//! feature of the same name: `aws`, `huawei`, `tencent`, `baidu`, `ctyun`, and `full` (all
//! of them, the default). Build with `default-features = false` and only the providers you
//! need to keep compile times down.
//!
//! ```
//! use multicloud_sdk::{AccessKey, ProviderKind};
//!
//! let key = AccessKey::new("AKIDEXAMPLE", "not-a-real-secret");
//! assert!(!format!("{key:?}").contains("not-a-real-secret"));
//! # #[cfg(feature = "aws")]
//! assert_eq!(multicloud_sdk::aws::PROVIDER, ProviderKind::Aws);
//! ```
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

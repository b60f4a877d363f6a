//! The facade of the multicloud SDK: the names users need from [`multicloud_core`] at the root
//! (traits, model, errors, secrets, credentials, features, verify report, policy, pagination),
//! the transport settings the provider builders take in [`transport`], the sync engine as
//! [`sync`], and each provider behind a cargo feature of the same name (`aws`, `huawei`,
//! `tencent`, `baidu`, `ctyun`; `full`, the default, is all of them). The `postgres` feature
//! adds the PostgreSQL store and multi-process sync workers ([`worker`]).
//!
//! The list is deliberate: core's machinery for writing a provider (request signing
//! internals, the transport's call plumbing) is not re-exported; depend on
//! `multicloud-core` directly to implement a provider of your own.
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

// Traits.
pub use multicloud_core::{
    AuditLogSource, Clock, CloudProvider, Credential, Feature, IpBlocker, Onboarder, SyncPolicy,
};
// The asset model.
pub use multicloud_core::{
    AccountName, CloudResource, Domain, Host, HostState, Item, ItemKey, ProviderKind, Region,
    RegionStatus, Tags, UnknownField,
};
// Resource kinds: the unit of verify, listing and sync.
pub use multicloud_core::{ItemClass, KeyCheck, KindFeature, KindScope, ResourceKind};
// Errors.
pub use multicloud_core::{BoxError, Error, ErrorKind, Result};
// Secrets and credentials.
pub use multicloud_core::{
    AccessKey, CredentialChain, Env, EnvCredential, EnvVarNames, OsEnv, SecretBytes, SecretString,
    SharedCredential, StaticCredential, StaticEnv,
};
// Clocks.
pub use multicloud_core::{ManualClock, SystemClock};
// Features and the verify report.
pub use multicloud_core::{
    Access, CredentialStatus, FeatureCheck, FeatureStatus, Identity, KindCheck, PrincipalType,
    StandardFeature, VerifyReport,
};
// Sync policy, and the local check of a region id.
pub use multicloud_core::{validate_region_id, RegionSelection};
// Capabilities: response actions, audit logs, quick configuration.
pub use multicloud_core::audit::{AuditConsumer, ConsumeError, ConsumeSummary};
pub use multicloud_core::{
    AuditEvent, BlockRequest, BlockRule, BlockTarget, OnboardOutcome, OnboardRequest,
    PolicyDocument, PropagationWait,
};
// Pagination: a paged API as a lazy stream.
pub use multicloud_core::{paginate, paginate_capped, Page, PageCap};

/// Transport settings the provider builders take: timeouts, retries, rate and concurrency
/// limits and the response size cap, or a whole [`Transport`](transport::Transport) (proxy,
/// trusted certificates, plain-HTTP rule) to share between providers.
pub mod transport {
    pub use multicloud_core::transport::{
        check_endpoint_url, Limit, LimitConfig, Rate, RetryConfig, Sleeper, Timeouts, TokioSleeper,
        Transport, TransportBuilder, DEFAULT_MAX_PAGES, DEFAULT_MAX_RESPONSE_BYTES,
    };
}

/// Request signing: the trait each provider's signer implements (bring it into scope to call
/// `sign` on a provider's signer) and what a signature's stages are.
pub mod signing {
    pub use multicloud_core::signing::{RequestSigner, SigningParts};
}

/// Audit-log intake: the consumer, the readiness check, and the checkpoint a source keeps
/// consumed log objects in (the sync engine's stores implement it).
pub mod audit {
    pub use multicloud_core::audit::{
        AuditCheck, AuditCheckpoint, AuditConsumer, AuditStep, CheckpointScope, ConsumeError,
        ConsumeSummary, MemoryCheckpoint, RecentIds, StepStatus,
    };
}

/// The sync engine: policies, scheduled syncs, diffs, events and snapshot stores.
pub use multicloud_sync as sync;

#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub mod worker;

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

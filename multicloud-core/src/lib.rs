//! # multicloud-core
//!
//! The vocabulary and machinery every multicloud provider shares:
//!
//! - [`CloudProvider`], whose [`ResourceKind`]s are the unit of verify, listing and sync, and
//!   the capability traits [`IpBlocker`], [`AuditLogSource`],
//!   [`Onboarder`]; [`Credential`] sources; [`Feature`]s; the [`SyncPolicy`] trait;
//! - the asset model ([`Region`], [`Host`], [`CloudResource`], …), the same for every cloud;
//! - one [`Error`] with a [`kind()`](Error::kind) to match on;
//! - secrets ([`AccessKey`], [`SecretString`]) that never print;
//! - the HTTP [`transport`] (retries, backoff, rate and concurrency limits);
//! - [`pagination`]: paged APIs as lazy streams, with loop detection;
//! - [`nesting`]: the bound on how deeply a response document may nest;
//! - [`signing`]: the [`RequestSigner`](signing::RequestSigner) trait the five request signers
//!   implement, and the canonical forms they share.
//!
//! Core knows no provider; provider crates depend on it, never the reverse.
//!
//! ```
//! use std::sync::Arc;
//! use multicloud_core::{Credential, EnvCredential, ErrorKind, ProviderKind, StaticEnv};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let env = StaticEnv::new([
//!     ("TENCENTCLOUD_SECRET_ID", "AKIDexample"),
//!     ("TENCENTCLOUD_SECRET_KEY", "example-secret"),
//! ]);
//! let key = EnvCredential::with_env(ProviderKind::Tencent, Arc::new(env))
//!     .access_key()
//!     .await?;
//! assert_eq!(key.id(), "AKIDexample");
//! // The secret never shows up in Debug output.
//! assert!(!format!("{key:?}").contains("example-secret"));
//!
//! let missing = EnvCredential::with_env(ProviderKind::Aws, Arc::new(StaticEnv::default()))
//!     .access_key()
//!     .await
//!     .unwrap_err();
//! assert_eq!(missing.kind(), ErrorKind::CredentialNotConfigured);
//! # Ok::<(), multicloud_core::Error>(())
//! # }).unwrap();
//! ```

pub mod audit;
pub mod builder;
pub mod clock;
pub mod credential;
pub mod error;
pub mod feature;
mod item;
pub mod kind;
pub mod model;
pub mod nesting;
pub mod onboard;
pub mod pagination;
pub mod policy;
pub mod probe;
pub mod provider;
mod provider_kind;
mod raw;
mod region_id;
pub mod secret;
pub mod signing;
pub mod transport;
pub mod verify;

pub use audit::{AuditConsumer, AuditEvent, AuditLogSource};
pub use clock::{Clock, ManualClock, SystemClock};
pub use credential::{
    Credential, CredentialChain, Env, EnvCredential, EnvVarNames, OsEnv, SharedCredential,
    StaticCredential, StaticEnv,
};
pub use error::{BoxError, Error, ErrorKind, Result};
pub use feature::{grants_for, Feature, KindFeature, StandardFeature};
pub use item::{Item, ItemKey};
pub use kind::{ItemClass, KindScope, ResourceKind};
pub use model::{
    AccountName, CloudResource, Domain, Host, HostState, ProviderKind, Region, RegionStatus, Tags,
    UnknownField,
};
pub use onboard::{OnboardSettings, PolicyDocument, PropagationWait};
pub use pagination::{paginate, paginate_capped, Page, PageCap};
pub use policy::{RegionSelection, SyncPolicy};
pub use provider::{
    BlockRequest, BlockRule, BlockTarget, CloudProvider, IpBlocker, KeyCheck, OnboardOutcome,
    OnboardRequest, Onboarder,
};
pub use raw::RawRecord;
pub use region_id::{validate_region_id, MAX_REGION_ID_LEN};
pub use secret::{AccessKey, SecretBytes, SecretString};
pub use verify::{
    Access, CredentialStatus, FeatureCheck, FeatureStatus, Identity, KindCheck, PrincipalType,
    VerifyReport,
};

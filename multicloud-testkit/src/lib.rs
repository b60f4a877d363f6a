//! # multicloud-testkit
//!
//! In-process simulated clouds for the multicloud SDK's tests, benches and demo, built on
//! wiremock and served on 127.0.0.1 — one server per provider (AWS, Huawei Cloud, Tencent
//! Cloud, Baidu AI Cloud, CTyun).
//!
//! Each simulator answers the calls this SDK makes with the real API's method, path, host
//! routing, parameters, pagination, wire shapes and error codes; it **verifies every
//! request's signature** with the provider's signer and refuses bad, unknown, disabled or
//! under-privileged keys the way the real cloud does. State is a seeded, deterministic
//! fixture ([`FixtureBuilder`]) that can be changed while running; faults (throttling,
//! 5xx, latency, dropped connections, truncated bodies, pagination loops, clock skew) are
//! configured per endpoint ([`FaultState`]); every request is recorded ([`Recorder`]).
//!
//! ```
//! use multicloud_testkit::{aws::AwsSim, SimCloud};
//!
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let cloud = SimCloud::builder(AwsSim::new()).hosts(50).seed(7).start().await?;
//! assert!(cloud.base_url().starts_with("http://127.0.0.1:"));
//! assert_eq!(cloud.inventory().hosts().len(), 50);
//! let admin = cloud.keys().by_label("admin").expect("seeded demo key");
//! assert!(admin.id.starts_with("AKIA"));
//! cloud.faults().on("ec2:DescribeInstances").throttle_every(3);
//! assert_eq!(cloud.count("ec2:DescribeInstances"), 0);
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Layout: [`sim`] (the [`CloudSim`] plug-in trait), [`inventory`], [`fixture`], [`keys`],
//! [`faults`], [`recorder`], [`server`] (the [`SimCloud`] handle), and one module per
//! provider. The `multicloud-mock` binary serves all five for non-Rust tools.

mod authorization;
pub mod aws;
pub mod baidu;
pub mod ctyun;
pub mod faults;
pub mod fixture;
mod front;
pub mod huawei;
pub mod iam;
pub mod inventory;
pub mod keys;
pub mod recorder;
pub mod render;
pub mod server;
pub mod sim;
pub mod tencent;

pub use faults::{EndpointFaults, FaultDecision, FaultKind, FaultState, RawBody, Trigger};
pub use fixture::{FixtureBuilder, HostGen, InstanceTypeSpec, ProviderProfile, ResourceSpec};
pub use iam::{IamRefusal, IamState, SimGrant, SimGroup, SimUser, SimUserKey};
pub use inventory::{
    BlockAction, BlockRules, Inventory, SimBlockRule, SimHost, SimHostState, SimRegion, SimResource,
};
pub use keys::{KeyStatus, KeyStore, Permissions, SimKey};
pub use recorder::{Outcome, RecordedRequest, Recorder};
pub use server::{SimCloud, SimCloudBuilder};
pub use sim::{AuthedKey, CloudSim, SimContext, SimRequest, SimResponse};

/// The only address the simulators listen on.
pub const LOOPBACK: &str = "127.0.0.1";

//! The command line every provider example shares: global options, subcommands, exit codes,
//! the region check, timeouts, the progress line and how errors are shown.
//!
//! An example includes it with `#[path = "common/mod.rs"] mod common;`, describes its cloud
//! in a [`ProviderInfo`], and hands [`run_inventory`] (and, where the cloud blocks IPs,
//! [`run_blocking`]) a function that builds its provider for a domain.

// Each example (and the demo) uses a different part of this module: only two have
// `block`, three onboard, the demo only prints errors.
#![allow(dead_code, unused_imports)]

mod audit;
mod blocking;
mod cli;
mod inventory;
mod onboarding;
mod outcome;
mod print;
mod regions;

use std::future::Future;
use std::io::IsTerminal;
use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use multicloud_sdk::transport::Timeouts;
use multicloud_sdk::{
    BlockRequest, BlockRule, BlockTarget, CloudProvider, CredentialStatus, Domain, Error,
    ErrorKind, Feature, FeatureStatus, OnboardRequest, Onboarder, PolicyDocument, Region,
    StandardFeature, VerifyReport,
};

pub(crate) use audit::*;
pub(crate) use blocking::*;
pub(crate) use cli::*;
pub(crate) use inventory::*;
pub(crate) use onboarding::*;
pub(crate) use outcome::*;
pub(crate) use print::to_json;
pub(crate) use regions::*;

/// Exit code: success.
pub(crate) const EXIT_OK: u8 = 0;
/// Exit code: a call failed (network, provider, permission), or a listing was incomplete.
pub(crate) const EXIT_FAILURE: u8 = 1;
/// Exit code: a usage or configuration error (bad flag, missing key, invalid URL, unknown
/// region); clap's own usage errors exit 2 too.
pub(crate) const EXIT_USAGE: u8 = 2;
/// Exit code: `verify` ran and found the key or its permissions not ready.
pub(crate) const EXIT_NOT_READY: u8 = 3;

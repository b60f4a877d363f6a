//! Verify an AWS key and list its regions, hosts and cloud products; print the policies a
//! feature needs, and with the root user's key create a least-privilege user (`onboard`)
//! or rotate its key (`rotate-key`).
//!
//! The key comes from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`
//! for temporary keys). `--endpoint-url` (or `AWS_ENDPOINT_URL`) sends every service to one
//! AWS-compatible endpoint, as the official SDKs do. Options go before or after the
//! subcommand; `--help` lists them with the exit codes (0 ok, 1 failure, 2 usage or
//! configuration, 3 verify found problems).
//!
//! ```text
//! cargo run -p multicloud-sdk --example aws -- verify
//! cargo run -p multicloud-sdk --example aws -- regions --domain china
//! cargo run -p multicloud-sdk --example aws -- hosts --regions us-east-1,eu-west-1
//! cargo run -p multicloud-sdk --example aws -- products --endpoint-url http://127.0.0.1:4566 --output json
//! cargo run -p multicloud-sdk --example aws -- policy --features host,cspm
//! cargo run -p multicloud-sdk --example aws -- onboard --user secops --features host,cspm
//! cargo run -p multicloud-sdk --example aws -- rotate-key --user multicloud-secops --old-key-id AKIA...
//! ```

#[path = "common/mod.rs"]
mod common;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use common::{Global, Inventory, Onboarding, ProviderInfo};
use multicloud_sdk::aws::{AwsProvider, AwsProviderBuilder};
use multicloud_sdk::Domain;

const AWS: ProviderInfo = ProviderInfo {
    title: "AWS",
    key_vars: [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ],
    endpoint_env: "AWS_ENDPOINT_URL",
    domains: &[
        ("international", "the aws partition (amazonaws.com)"),
        ("china", "the aws-cn partition (amazonaws.com.cn)"),
    ],
    builder: "AwsProviderBuilder::with_domain",
};

/// Verify an AWS AccessKey and inventory the account.
#[derive(Debug, Parser)]
#[command(name = "aws", version)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Inventory(Inventory),
    #[command(flatten)]
    Onboarding(Onboarding),
}

fn build(global: &Global, domain: Domain) -> multicloud_sdk::Result<AwsProvider> {
    let mut builder = AwsProviderBuilder::new(global.account.clone())
        .from_env()
        .with_domain(domain)
        .with_timeouts(global.timeouts());
    if let Some(url) = &global.endpoint_url {
        builder = builder.with_endpoint_url(url.clone());
    }
    builder.build()
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli: Cli = common::parse(&AWS);
    let make = |domain| build(&cli.global, domain);
    let outcome = match &cli.command {
        Command::Inventory(command) => {
            common::run_inventory(&AWS, &cli.global, command, make, |_, _| {}).await
        }
        Command::Onboarding(command) => match make(cli.global.domain()) {
            Ok(provider) => common::run_onboarding(&cli.global, command, &provider).await,
            Err(e) => Err(e.into()),
        },
    };
    common::exit(outcome)
}

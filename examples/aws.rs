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
//! cargo run -p multicloud-sdk --example aws -- audit --region us-east-1 --queue trail-events --check
//! cargo run -p multicloud-sdk --example aws -- audit --region us-east-1 --queue trail-events --since 1h --follow --checkpoint audit.db
//! ```

#[path = "common/mod.rs"]
mod common;

use std::process::ExitCode;

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use common::{Failure, Global, Inventory, Onboarding, ProviderInfo, TailOptions};
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
    /// Tail CloudTrail events from the SQS queue the trail's bucket notifies (or --check it).
    Audit(Audit),
}

#[derive(Debug, Args)]
struct Audit {
    /// The SQS queue's name.
    #[arg(long)]
    queue: String,
    /// The queue's region (the trail bucket's region).
    #[arg(long)]
    region: String,
    /// Remember consumed log files in this SQLite file, so a rerun does not show them
    /// again (default: in memory, for this run only).
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    #[command(flatten)]
    tail: TailOptions,
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

async fn run_audit(global: &Global, audit: &Audit) -> common::Outcome {
    let provider = build(global, global.domain())?;
    let mut source = provider.audit_source(&audit.region, &audit.queue);
    if let Some(path) = &audit.checkpoint {
        let store = multicloud_sdk::sync::SqliteStore::open(path)
            .await
            .map_err(|e| {
                Failure::Usage(format!(
                    "cannot open the checkpoint {}: {e}; check that its directory exists and                      is writable",
                    path.display()
                ))
            })?;
        source = source.with_checkpoint(Arc::new(store));
    }
    let source = source.build()?;
    common::run_audit(global.output, &source, &audit.tail).await
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
        Command::Audit(audit) => run_audit(&cli.global, audit).await,
    };
    common::exit(outcome)
}

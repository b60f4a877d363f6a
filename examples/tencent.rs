//! Verify a Tencent Cloud key, list its regions, hosts and cloud products, and block or
//! unblock an IP in Cloud Firewall or WAF; print the policies a feature needs, and with the
//! root account's key create a least-privilege sub-user (`onboard`) or rotate its key
//! (`rotate-key`).
//!
//! The key comes from `TENCENTCLOUD_SECRET_ID` / `TENCENTCLOUD_SECRET_KEY` (and
//! `TENCENTCLOUD_SESSION_TOKEN` for temporary keys). `--endpoint-url` (or
//! `TENCENTCLOUD_ENDPOINT_URL`) sends every service to one URL, e.g. a simulator. For WAF,
//! `--scope` names a protected domain (`www.example.com`), an instance id, or both as
//! `instance_id/domain`. Options go before or after the subcommand; `--help` lists them with
//! the exit codes.
//!
//! ```text
//! cargo run -p multicloud-sdk --example tencent -- verify
//! cargo run -p multicloud-sdk --example tencent -- hosts --domain international --regions ap-singapore
//! cargo run -p multicloud-sdk --example tencent -- products --endpoint-url http://127.0.0.1:40123 --output json
//! cargo run -p multicloud-sdk --example tencent -- block --region ap-guangzhou --target cfw 203.0.113.9
//! cargo run -p multicloud-sdk --example tencent -- blocks --region ap-guangzhou
//! cargo run -p multicloud-sdk --example tencent -- unblock --region ap-guangzhou --rule-id ID 203.0.113.9
//! cargo run -p multicloud-sdk --example tencent -- policy --features host,cspm
//! cargo run -p multicloud-sdk --example tencent -- onboard --user secops --yes
//! ```

#[path = "common/mod.rs"]
mod common;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use common::{Blocking, Global, Inventory, Onboarding, ProviderInfo};
use multicloud_sdk::tencent::{TencentProvider, TencentProviderBuilder};
use multicloud_sdk::Domain;

const TENCENT: ProviderInfo = ProviderInfo {
    title: "Tencent Cloud",
    key_vars: [
        "TENCENTCLOUD_SECRET_ID",
        "TENCENTCLOUD_SECRET_KEY",
        "TENCENTCLOUD_SESSION_TOKEN",
    ],
    endpoint_env: "TENCENTCLOUD_ENDPOINT_URL",
    domains: &[
        ("china", "the China site (tencentcloudapi.com)"),
        (
            "international",
            "the International site (intl.tencentcloudapi.com)",
        ),
    ],
    builder: "TencentProviderBuilder::with_domain",
};

/// Verify a Tencent Cloud AccessKey, inventory the account, block IPs.
#[derive(Debug, Parser)]
#[command(name = "tencent", version)]
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
    Blocking(Blocking),
    #[command(flatten)]
    Onboarding(Onboarding),
}

fn build(global: &Global, domain: Domain) -> multicloud_sdk::Result<TencentProvider> {
    let mut builder = TencentProviderBuilder::new(global.account.clone())
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
    let cli: Cli = common::parse(&TENCENT);
    let make = |domain| build(&cli.global, domain);
    let outcome = match &cli.command {
        Command::Inventory(command) => {
            common::run_inventory(&TENCENT, &cli.global, command, make, |_, _| {}).await
        }
        Command::Blocking(command) => match make(cli.global.domain()) {
            Ok(provider) => common::run_blocking(&cli.global, command, &provider).await,
            Err(e) => Err(e.into()),
        },
        Command::Onboarding(command) => match make(cli.global.domain()) {
            Ok(provider) => common::run_onboarding(&cli.global, command, &provider).await,
            Err(e) => Err(e.into()),
        },
    };
    common::exit(outcome)
}

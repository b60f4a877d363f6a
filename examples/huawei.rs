//! Verify a Huawei Cloud key, list its regions, hosts and cloud products, and block or unblock
//! an IP in Cloud Firewall or WAF; print the policies a feature needs (`policy`: system
//! policies by name, the guide's custom ones as JSON), and with the main account's key create
//! a least-privilege IAM user in its own user group (`onboard`) or rotate its key
//! (`rotate-key`).
//!
//! The key comes from `HUAWEICLOUD_SDK_AK` / `HUAWEICLOUD_SDK_SK` (and
//! `HUAWEICLOUD_SDK_SECURITY_TOKEN` for temporary keys). `--endpoint-url` (or
//! `HUAWEICLOUD_ENDPOINT_URL`) sends every service (IAM, ECS, RMS, OBS, CFW, WAF) to one
//! URL, e.g. a simulator. For WAF, `--scope` is a policy id or name, or `*` for every policy
//! protecting a host. Options go before or after the subcommand; `--help` lists them with the
//! exit codes.
//!
//! ```text
//! cargo run -p multicloud-sdk --example huawei -- verify
//! cargo run -p multicloud-sdk --example huawei -- regions
//! cargo run -p multicloud-sdk --example huawei -- hosts --regions cn-north-4,cn-east-3
//! cargo run -p multicloud-sdk --example huawei -- products --endpoint-url http://127.0.0.1:4566 --output json
//! cargo run -p multicloud-sdk --example huawei -- block --region cn-north-4 --target cfw 203.0.113.9
//! cargo run -p multicloud-sdk --example huawei -- blocks --region cn-north-4 --target waf --scope '*'
//! cargo run -p multicloud-sdk --example huawei -- unblock --region cn-north-4 --target cfw --rule-id ID 203.0.113.9
//! cargo run -p multicloud-sdk --example huawei -- policy --features host,cspm,response
//! cargo run -p multicloud-sdk --example huawei -- onboard --user secops --features host,cspm --yes
//! cargo run -p multicloud-sdk --example huawei -- rotate-key --user secops --old-key-id HPUA… --yes
//! ```

#[path = "common/mod.rs"]
mod common;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use common::{Blocking, Global, Inventory, Onboarding, ProviderInfo};
use multicloud_sdk::huawei::{custom_policy, HuaweiProvider, HuaweiProviderBuilder};
use multicloud_sdk::{Domain, FeatureStatus, VerifyReport};

const HUAWEI: ProviderInfo = ProviderInfo {
    title: "Huawei Cloud",
    key_vars: [
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HUAWEICLOUD_SDK_SECURITY_TOKEN",
    ],
    endpoint_env: "HUAWEICLOUD_ENDPOINT_URL",
    domains: &[
        ("china", "the Chinese mainland site (huaweicloud.com)"),
        ("international", "the International site"),
    ],
    builder: "HuaweiProviderBuilder::with_domain",
};

/// Verify a Huawei Cloud AccessKey, inventory the account, block IPs.
#[derive(Debug, Parser)]
#[command(name = "huawei", version)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(flatten)]
    huawei: HuaweiOptions,
    #[command(subcommand)]
    command: Command,
}

/// What only Huawei takes.
#[derive(Debug, Args)]
struct HuaweiOptions {
    /// CFW: the address group the deny rule uses (default siem-blocklist).
    #[arg(long, global = true)]
    group: Option<String>,
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

fn build(cli: &Cli, domain: Domain) -> multicloud_sdk::Result<HuaweiProvider> {
    let mut builder = HuaweiProviderBuilder::new(cli.global.account.clone())
        .from_env()
        .with_domain(domain)
        .with_timeouts(cli.global.timeouts());
    if let Some(url) = &cli.global.endpoint_url {
        builder = builder.with_endpoint_url(url.clone());
    }
    if let Some(group) = &cli.huawei.group {
        builder = builder.with_cfw_address_group(group);
    }
    builder.build()
}

/// Prints the JSON of each custom policy the report asks to grant.
fn custom_policies(_: &HuaweiProvider, report: &VerifyReport) {
    let mut names: Vec<&String> = Vec::new();
    for check in &report.features {
        let grant = match &check.status {
            FeatureStatus::Missing { grant, .. } | FeatureStatus::Unverified { grant, .. } => grant,
            _ => continue,
        };
        for name in grant {
            if !names.contains(&name) && custom_policy(name).is_some() {
                names.push(name);
            }
        }
    }
    for name in names {
        if let Some(policy) = custom_policy(name) {
            println!("\ncustom policy {name} (IAM > Policies > Create Custom Policy > JSON):");
            println!("{}", common::to_json(&policy));
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli: Cli = common::parse(&HUAWEI);
    let make = |domain| build(&cli, domain);
    let outcome = match &cli.command {
        Command::Inventory(command) => {
            common::run_inventory(&HUAWEI, &cli.global, command, make, custom_policies).await
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

//! Verify a CTyun (China Telecom e-Surfing Cloud) key and list its resource pools, hosts and
//! cloud products.
//!
//! The key comes from `CTYUN_AK` / `CTYUN_SK` (or `CTYUN_ACCESS_KEY` / `CTYUN_SECRET_KEY`).
//! `--domain` names the edition the key was created in: `chinese` (ctyun.cn, the default) or
//! `international` (eSurfing Cloud). `--endpoint-url` (or `CTYUN_ENDPOINT_URL`) sends every
//! product to one EOP-compatible endpoint (a simulator or proxy). `--regions` takes pool
//! regionIDs or the names the console shows. Options go before or after the subcommand;
//! `--help` lists them with the exit codes (0 ok, 1 failure, 2 usage or configuration, 3
//! verify found problems).
//!
//! ```text
//! cargo run -p multicloud-sdk --example ctyun -- verify
//! cargo run -p multicloud-sdk --example ctyun -- regions --domain international
//! cargo run -p multicloud-sdk --example ctyun -- hosts --regions 华东1,华北2
//! cargo run -p multicloud-sdk --example ctyun -- products --endpoint-url http://127.0.0.1:40123 --output json
//! ```

#[path = "common/mod.rs"]
mod common;

use std::process::ExitCode;

use clap::Parser;
use common::{Global, Inventory, ProviderInfo};
use multicloud_sdk::ctyun::{grant_advice, CtyunProvider, CtyunProviderBuilder};
use multicloud_sdk::{Domain, VerifyReport};

const CTYUN: ProviderInfo = ProviderInfo {
    title: "CTyun",
    key_vars: ["CTYUN_AK", "CTYUN_SK", ""],
    endpoint_env: "CTYUN_ENDPOINT_URL",
    domains: &[
        ("chinese", "the Chinese edition (ctyun.cn)"),
        (
            "international",
            "the International edition (eSurfing Cloud)",
        ),
    ],
    builder: "CtyunProviderBuilder::with_domain",
};

/// Verify a CTyun AccessKey and inventory the account.
#[derive(Debug, Parser)]
#[command(name = "ctyun", version)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Inventory,
}

fn build(global: &Global, domain: Domain) -> multicloud_sdk::Result<CtyunProvider> {
    let mut builder = CtyunProviderBuilder::new(global.account.clone())
        .from_env()
        .with_domain(domain)
        .with_timeouts(global.timeouts());
    if let Some(url) = &global.endpoint_url {
        builder = builder.with_endpoint_url(url.clone());
    }
    builder.build()
}

/// Names the roles to grant, by scope (global or resource pool).
fn advice(_: &CtyunProvider, report: &VerifyReport) {
    if let Some(advice) = grant_advice(report) {
        println!("to grant: {advice}");
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli: Cli = common::parse(&CTYUN);
    let make = |domain| build(&cli.global, domain);
    common::exit(common::run_inventory(&CTYUN, &cli.global, &cli.command, make, advice).await)
}

//! Verify a Baidu AI Cloud (BCE) key and list its regions, hosts (BCC) and cloud products.
//!
//! The key comes from `BCE_ACCESS_KEY_ID` / `BCE_SECRET_ACCESS_KEY` (and `BCE_SESSION_TOKEN`
//! for temporary keys). `--endpoint-url` (or `BCE_ENDPOINT_URL`) sends every request to one
//! BCE-compatible endpoint; each request keeps its real BCE host (`bcc.gz.baidubce.com`, …)
//! in the `Host` header, which is how that endpoint learns the service and the region.
//! Options go before or after the subcommand; `--help` lists them with the exit codes.
//!
//! ```text
//! cargo run -p multicloud-sdk --example baidu -- verify
//! cargo run -p multicloud-sdk --example baidu -- regions
//! cargo run -p multicloud-sdk --example baidu -- hosts --regions bj,gz
//! cargo run -p multicloud-sdk --example baidu -- products --endpoint-url http://127.0.0.1:4566 --output json
//! ```

#[path = "common/mod.rs"]
mod common;

use std::process::ExitCode;

use clap::Parser;
use common::{Global, Inventory, ProviderInfo};
use multicloud_sdk::baidu::{BaiduProvider, BaiduProviderBuilder};
use multicloud_sdk::Domain;

const BAIDU: ProviderInfo = ProviderInfo {
    title: "Baidu AI Cloud",
    key_vars: [
        "BCE_ACCESS_KEY_ID",
        "BCE_SECRET_ACCESS_KEY",
        "BCE_SESSION_TOKEN",
    ],
    endpoint_env: "BCE_ENDPOINT_URL",
    domains: &[("china", "BCE has one site, baidubce.com")],
    builder: "BaiduProviderBuilder::with_domain",
};

/// Verify a Baidu AI Cloud AccessKey and inventory the account.
#[derive(Debug, Parser)]
#[command(name = "baidu", version)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Inventory,
}

fn build(global: &Global, domain: Domain) -> multicloud_sdk::Result<BaiduProvider> {
    let mut builder = BaiduProviderBuilder::new(global.account.clone())
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
    let cli: Cli = common::parse(&BAIDU);
    let make = |domain| build(&cli.global, domain);
    let advice = |provider: &BaiduProvider, report: &multicloud_sdk::VerifyReport| {
        if let Some(advice) = provider.advice(report) {
            println!("to do: {advice}");
        }
    };
    common::exit(common::run_inventory(&BAIDU, &cli.global, &cli.command, make, advice).await)
}

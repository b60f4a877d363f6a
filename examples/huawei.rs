//! Verify a Huawei Cloud key, list its regions, hosts and cloud products, and block or unblock
//! an IP in Cloud Firewall or WAF.
//!
//! The key comes from `HUAWEICLOUD_SDK_AK` / `HUAWEICLOUD_SDK_SK` (and
//! `HUAWEICLOUD_SDK_SECURITY_TOKEN` for temporary keys). `--endpoint-url` sends every service
//! (IAM, ECS, RMS, OBS, CFW, WAF) to one URL, e.g. a simulator.
//!
//! ```text
//! cargo run -p multicloud-sdk --example huawei -- verify
//! cargo run -p multicloud-sdk --example huawei -- regions
//! cargo run -p multicloud-sdk --example huawei -- --regions cn-north-4,cn-east-3 hosts
//! cargo run -p multicloud-sdk --example huawei -- --endpoint-url http://127.0.0.1:4566 --output json products
//! cargo run -p multicloud-sdk --example huawei -- block --region cn-north-4 --target cfw 203.0.113.9
//! cargo run -p multicloud-sdk --example huawei -- blocks --region cn-north-4 --target waf --scope '*'
//! cargo run -p multicloud-sdk --example huawei -- unblock --region cn-north-4 --target cfw --rule-id ID 203.0.113.9
//! ```
//!
//! Exit codes: 0 success, 1 failure, 2 `verify` found the key not ready.

use std::net::IpAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use multicloud_sdk::huawei::{custom_policy, HuaweiProviderBuilder};
use multicloud_sdk::{
    BlockRequest, BlockRule, BlockTarget, CloudProvider, CredentialStatus, Domain, Error, Feature,
    FeatureStatus, Region, Result, StandardFeature,
};

/// Verify a Huawei Cloud AccessKey, inventory the account, block IPs.
#[derive(Debug, Parser)]
#[command(name = "huawei", version)]
struct Cli {
    /// The site the account was opened on: china (huaweicloud.com) or international.
    #[arg(long, default_value = "china", value_parser = parse_domain)]
    domain: Domain,
    /// Only these regions (comma-separated); default: every region the account uses.
    #[arg(long, value_delimiter = ',')]
    regions: Vec<String>,
    /// One URL serving every service (a proxy or simulator), e.g. http://127.0.0.1:4566.
    #[arg(long)]
    endpoint_url: Option<String>,
    /// How to print the results.
    #[arg(long, value_enum, default_value = "table")]
    output: Output,
    /// The name this account is known by.
    #[arg(long, default_value = "default")]
    account: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Target {
    /// Cloud Firewall: a member of the address group a deny rule uses.
    Cfw,
    /// WAF: a black-IP rule on the policies `--scope` names.
    Waf,
}

#[derive(Debug, clap::Args)]
struct Where {
    /// The region of the firewall or WAF.
    #[arg(long)]
    region: String,
    /// cfw or waf.
    #[arg(long, value_enum, default_value = "cfw")]
    target: Target,
    /// WAF: a policy id or name, or * for every policy protecting a host.
    #[arg(long, default_value = "*")]
    scope: String,
    /// CFW: the address group (default siem-blocklist).
    #[arg(long)]
    group: Option<String>,
}

impl Where {
    fn target(&self) -> BlockTarget {
        match self.target {
            Target::Cfw => BlockTarget::CloudFirewall,
            Target::Waf => BlockTarget::Waf {
                scope: self.scope.clone(),
            },
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the key and the permissions of each feature.
    Verify {
        /// Features to check (comma-separated): host, cspm, response.
        #[arg(long, value_delimiter = ',', default_value = "host,cspm,response")]
        features: Vec<StandardFeature>,
    },
    /// Print the policies the features need: system policies by name, the guide's custom
    /// ones as JSON to paste into IAM's policy editor.
    Policy {
        /// Features (comma-separated): host, cspm, response.
        #[arg(long, value_delimiter = ',', default_value = "host,cspm,response")]
        features: Vec<StandardFeature>,
    },
    /// List the regions and whether each is scanned.
    Regions,
    /// List the ECS servers.
    Hosts,
    /// List the cloud products (RMS-recorded resources and OBS buckets).
    Products,
    /// Block an IP (idempotent: an existing block is returned).
    Block {
        #[command(flatten)]
        at: Where,
        /// A note stored with the rule.
        #[arg(long)]
        comment: Option<String>,
        /// The address to block.
        ip: IpAddr,
    },
    /// Remove exactly the block `--rule-id` (as `block` or `blocks` printed it).
    Unblock {
        #[command(flatten)]
        at: Where,
        /// The rule id.
        #[arg(long)]
        rule_id: String,
        /// The blocked address.
        ip: IpAddr,
    },
    /// List the current blocks.
    Blocks {
        #[command(flatten)]
        at: Where,
    },
}

fn parse_domain(s: &str) -> std::result::Result<Domain, String> {
    s.parse().map_err(|e: Error| e.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", e.report());
            ExitCode::FAILURE
        }
    }
}

fn build(cli: &Cli, group: Option<&str>) -> Result<multicloud_sdk::huawei::HuaweiProvider> {
    let mut builder = HuaweiProviderBuilder::new(cli.account.clone())
        .from_env()
        .with_domain(cli.domain);
    if let Some(url) = &cli.endpoint_url {
        builder = builder.with_endpoint_url(url.clone());
    }
    if let Some(group) = group {
        builder = builder.with_cfw_address_group(group);
    }
    builder.build()
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let group = match &cli.command {
        Command::Block { at, .. } | Command::Unblock { at, .. } | Command::Blocks { at } => {
            at.group.as_deref()
        }
        _ => None,
    };
    let provider = build(&cli, group)?;
    match &cli.command {
        Command::Verify { features } => {
            let wanted: Vec<&dyn Feature> = features.iter().map(|f| f as &dyn Feature).collect();
            let report = provider.verify(&wanted).await?;
            if cli.output == Output::Json {
                println!("{}", to_json(&report));
            } else {
                print_report(&report);
            }
            Ok(if report.is_ready() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        Command::Policy { features } => {
            for doc in multicloud_sdk::huawei::policy_documents(features) {
                match &doc.document {
                    None => println!("system policy: {}", doc.name),
                    Some(_) => println!("custom policy {}:\n{}", doc.name, doc.render()),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Regions => {
            let regions = provider.regions().await?;
            if cli.output == Output::Json {
                println!("{}", to_json(&regions));
            } else {
                for r in &regions {
                    let scan = if r.is_scannable() {
                        "scanned"
                    } else {
                        "not scanned (no project)"
                    };
                    println!(
                        "{:<16} {:<24} {scan}",
                        r.id,
                        r.name.as_deref().unwrap_or("-")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Hosts => {
            let mut streams = Vec::new();
            for region in regions(&provider, &cli.regions).await? {
                streams.push((region.id.clone(), provider.hosts(&region)));
            }
            let (rows, failed) = drain(streams).await;
            if cli.output == Output::Json {
                println!("{}", to_json(&rows));
            } else {
                for h in &rows {
                    let ips: Vec<String> = h
                        .private_ips
                        .iter()
                        .chain(&h.public_ips)
                        .map(ToString::to_string)
                        .collect();
                    println!(
                        "{:<16} {:<38} {:<20} {:<10?} {:<14} {}",
                        h.region,
                        h.id,
                        h.name.as_deref().unwrap_or("-"),
                        h.state,
                        h.instance_type.as_deref().unwrap_or("-"),
                        ips.join(",")
                    );
                }
                println!("{} hosts", rows.len());
            }
            Ok(exit(failed))
        }
        Command::Products => {
            let mut streams = vec![("global".to_owned(), provider.global_resources())];
            for region in regions(&provider, &cli.regions).await? {
                streams.push((region.id.clone(), provider.cloud_resources(&region)));
            }
            let (mut rows, failed) = drain(streams).await;
            if !cli.regions.is_empty() {
                rows.retain(|r| cli.regions.contains(&r.region) || r.region == "global");
            }
            if cli.output == Output::Json {
                println!("{}", to_json(&rows));
            } else {
                for r in &rows {
                    println!(
                        "{:<16} {:<8} {:<16} {:<40} {}",
                        r.region,
                        r.service,
                        r.resource_type,
                        r.id,
                        r.name.as_deref().unwrap_or("-")
                    );
                }
                println!("{} resources", rows.len());
            }
            Ok(exit(failed))
        }
        Command::Block { at, comment, ip } => {
            let blocker = provider.blocker();
            let mut request = BlockRequest::new(*ip, at.target(), at.region.clone());
            if let Some(c) = comment {
                request = request.with_comment(c.clone());
            }
            let rule = multicloud_sdk::IpBlocker::block_ip(blocker, &request).await?;
            print_rules(cli.output, &[rule]);
            Ok(ExitCode::SUCCESS)
        }
        Command::Unblock { at, rule_id, ip } => {
            let rule = BlockRule::new(
                rule_id.clone(),
                ip.to_string(),
                at.target(),
                at.region.clone(),
            );
            multicloud_sdk::IpBlocker::unblock_ip(provider.blocker(), &rule).await?;
            if cli.output == Output::Json {
                println!("{}", to_json(&serde_json::json!({"unblocked": rule_id})));
            } else {
                println!("unblocked {ip} ({rule_id})");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Blocks { at } => {
            let rules: Vec<BlockRule> = multicloud_sdk::IpBlocker::list_blocks(
                provider.blocker(),
                &at.target(),
                &at.region,
            )
            .try_collect()
            .await?;
            print_rules(cli.output, &rules);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn exit(failed: bool) -> ExitCode {
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn print_report(report: &multicloud_sdk::VerifyReport) {
    match &report.credential {
        CredentialStatus::Valid => println!("key: valid"),
        CredentialStatus::Invalid {
            kind, diagnosis, ..
        } => println!("key: INVALID ({kind}): {diagnosis}"),
        CredentialStatus::Unknown { kind, diagnosis } => {
            println!("key: unknown ({kind}): {diagnosis}")
        }
        other => println!("key: {other:?}"),
    }
    if let Some(id) = &report.identity {
        println!("identity: {} in account {}", id.principal, id.account_id);
    }
    if report.credential != CredentialStatus::Valid {
        for check in &report.features {
            println!("{:<10} not checked: the key did not pass", check.feature);
        }
        return;
    }
    let mut custom = Vec::new();
    for check in &report.features {
        let (verdict, grants) = match &check.status {
            FeatureStatus::Ok => ("ok".to_owned(), None),
            FeatureStatus::Missing {
                denied_actions,
                grant,
                ..
            } => (
                format!(
                    "missing: denied {}; grant {}",
                    denied_actions.join(", "),
                    grant.join(" + ")
                ),
                Some(grant),
            ),
            FeatureStatus::Unverified { not_checked, grant } => (
                format!(
                    "reads ok; not checkable without side effects: {} (granted by {})",
                    not_checked.join(", "),
                    grant.join(" + ")
                ),
                Some(grant),
            ),
            FeatureStatus::Unsupported => ("not offered".to_owned(), None),
            FeatureStatus::Error { kind, message } => (format!("error ({kind}): {message}"), None),
            other => (format!("{other:?}"), None),
        };
        println!("{:<10} {verdict}", check.feature);
        for g in grants.into_iter().flatten() {
            if !custom.contains(g) && custom_policy(g).is_some() {
                custom.push(g.clone());
            }
        }
    }
    for name in custom {
        if let Some(policy) = custom_policy(&name) {
            println!("\ncustom policy {name} (IAM > Policies > Create Custom Policy > JSON):");
            println!("{}", to_json(&policy));
        }
    }
    if report.is_valid_but_empty() {
        println!("warning: the key is valid but may list nothing (valid but empty)");
    }
}

fn print_rules(output: Output, rules: &[BlockRule]) {
    if output == Output::Json {
        println!("{}", to_json(&rules));
        return;
    }
    for r in rules {
        println!(
            "{:<16} {:<40} {:<18} {:?}",
            r.region, r.rule_id, r.ip, r.target
        );
    }
    println!("{} rules", rules.len());
}

/// Collects every stream, printing (not stopping at) each region's errors.
async fn drain<T>(streams: Vec<(String, BoxStream<'static, Result<T>>)>) -> (Vec<T>, bool) {
    let mut rows = Vec::new();
    let mut failed = false;
    for (region, mut stream) in streams {
        while let Some(item) = stream.next().await {
            match item {
                Ok(row) => rows.push(row),
                Err(e) => {
                    failed = true;
                    eprintln!("{region}: {}", e.report());
                }
            }
        }
    }
    (rows, failed)
}

/// The regions to scan: those named on the command line, else every scannable one.
async fn regions(provider: &impl CloudProvider, wanted: &[String]) -> Result<Vec<Region>> {
    if !wanted.is_empty() {
        return Ok(wanted.iter().map(Region::enabled).collect());
    }
    Ok(provider
        .regions()
        .await?
        .into_iter()
        .filter(Region::is_scannable)
        .collect())
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

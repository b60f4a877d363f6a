//! Verify a CTyun (China Telecom e-Surfing Cloud) key and list its resource pools, hosts and
//! cloud products.
//!
//! The key comes from `CTYUN_AK` / `CTYUN_SK` (or `CTYUN_ACCESS_KEY` / `CTYUN_SECRET_KEY`).
//! `--domain` names the edition the key was created in: `chinese` (ctyun.cn, the default) or
//! `international` (eSurfing Cloud). `--endpoint-url` (or `CTYUN_ENDPOINT_URL`) sends every
//! product to one EOP-compatible endpoint (a simulator or proxy).
//!
//! ```text
//! cargo run -p multicloud-sdk --example ctyun -- verify
//! cargo run -p multicloud-sdk --example ctyun -- --domain international regions
//! cargo run -p multicloud-sdk --example ctyun -- --regions 华东1,华北2 hosts
//! cargo run -p multicloud-sdk --example ctyun -- --endpoint-url http://127.0.0.1:40123 --output json products
//! ```

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use futures::stream::BoxStream;
use futures::StreamExt;
use multicloud_sdk::ctyun::{grant_advice, CtyunProviderBuilder};
use multicloud_sdk::{
    CloudProvider, CredentialStatus, Domain, Feature, FeatureStatus, Region, Result,
    StandardFeature,
};

/// Verify a CTyun AccessKey and inventory the account.
#[derive(Debug, Parser)]
#[command(name = "ctyun", version)]
struct Cli {
    /// The edition the key was created in: chinese (ctyun.cn) or international (eSurfing
    /// Cloud).
    #[arg(long, default_value = "chinese", value_parser = parse_domain)]
    domain: Domain,
    /// Only these resource pools (comma-separated regionIDs or names); default: every pool
    /// the API can drive.
    #[arg(long, value_delimiter = ',')]
    regions: Vec<String>,
    /// One URL serving every product (a simulator or proxy), e.g. http://127.0.0.1:40123.
    #[arg(long, env = "CTYUN_ENDPOINT_URL")]
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

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the key and the permissions of each feature.
    Verify {
        /// Features to check (comma-separated): host, cspm.
        #[arg(long, value_delimiter = ',', default_value = "host,cspm")]
        features: Vec<StandardFeature>,
    },
    /// List the resource pools and whether each is scanned.
    Regions,
    /// List the ECS instances.
    Hosts,
    /// List the cloud products (regional and account-wide).
    Products,
}

fn parse_domain(s: &str) -> std::result::Result<Domain, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "chinese" | "china" | "cn" => Ok(Domain::China),
        "international" | "intl" | "esurfing" => Ok(Domain::International),
        other => Err(format!(
            "unknown edition {other:?}; expected chinese or international"
        )),
    }
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

async fn run(cli: Cli) -> Result<ExitCode> {
    let mut builder = CtyunProviderBuilder::new(cli.account.clone())
        .from_env()
        .with_domain(cli.domain);
    if let Some(url) = &cli.endpoint_url {
        builder = builder.with_endpoint_url(url.clone());
    }
    let provider = builder.build()?;
    match &cli.command {
        Command::Verify { features } => {
            let wanted: Vec<&dyn Feature> = features.iter().map(|f| f as &dyn Feature).collect();
            let report = provider.verify(&wanted).await?;
            if cli.output == Output::Json {
                println!("{}", to_json(&report));
            } else {
                match &report.credential {
                    CredentialStatus::Valid => println!("key: valid"),
                    CredentialStatus::Invalid {
                        kind, diagnosis, ..
                    } => {
                        println!("key: INVALID ({kind}): {diagnosis}")
                    }
                    CredentialStatus::Unknown { kind, diagnosis } => {
                        println!("key: unknown ({kind}): {diagnosis}")
                    }
                    other => println!("key: {other:?}"),
                }
                if let Some(id) = &report.identity {
                    println!(
                        "identity: {} ({:?}) in account {}",
                        id.principal, id.principal_type, id.account_id
                    );
                }
                for check in &report.features {
                    let verdict = match &check.status {
                        FeatureStatus::Ok => "ok".to_owned(),
                        FeatureStatus::Missing {
                            denied_actions,
                            grant,
                            ..
                        } => format!(
                            "missing: denied {}; grant {}",
                            denied_actions.join(", "),
                            grant.join(" + ")
                        ),
                        FeatureStatus::Unverified { not_checked, .. } => {
                            format!("not checked: {}", not_checked.join(", "))
                        }
                        FeatureStatus::Unsupported => "not offered".to_owned(),
                        FeatureStatus::Error { kind, message } => {
                            format!("error ({kind}): {message}")
                        }
                        other => format!("{other:?}"),
                    };
                    println!("{:<10} {verdict}", check.feature.as_str());
                }
                if report.is_valid_but_empty() {
                    println!("warning: the key is valid but may list nothing (valid but empty)");
                }
                if let Some(advice) = grant_advice(&report) {
                    println!("to grant: {advice}");
                }
            }
            Ok(if report.is_ready() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
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
                        "not scanned"
                    };
                    println!(
                        "{:<34} {:<10} {:<12?} {scan}",
                        r.id,
                        r.name.as_deref().unwrap_or("-"),
                        r.status
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
                        "{:<16} {:<20} {:<24} {:<12?} {:<12} {}",
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
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Products => {
            let mut streams = vec![("global".to_owned(), provider.global_resources())];
            for region in regions(&provider, &cli.regions).await? {
                streams.push((region.id.clone(), provider.cloud_resources(&region)));
            }
            let (rows, failed) = drain(streams).await;
            if cli.output == Output::Json {
                println!("{}", to_json(&rows));
            } else {
                for r in &rows {
                    println!(
                        "{:<16} {:<22} {:<16} {:<40} {}",
                        r.region,
                        r.service,
                        r.resource_type,
                        r.id,
                        r.name.as_deref().unwrap_or("-")
                    );
                }
                println!("{} resources", rows.len());
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
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

/// The pools to scan: those named on the command line (by regionID, or by name when the
/// pool list can be read), else every scannable one.
async fn regions(provider: &impl CloudProvider, wanted: &[String]) -> Result<Vec<Region>> {
    if wanted.is_empty() {
        return Ok(provider
            .regions()
            .await?
            .into_iter()
            .filter(Region::is_scannable)
            .collect());
    }
    // Named pools are scanned even when the pool list cannot be read.
    let known = provider.regions().await.unwrap_or_default();
    Ok(wanted
        .iter()
        .map(|w| {
            known
                .iter()
                .find(|r| &r.id == w || r.name.as_deref() == Some(w.as_str()))
                .cloned()
                .unwrap_or_else(|| Region::enabled(w.clone()))
        })
        .collect())
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

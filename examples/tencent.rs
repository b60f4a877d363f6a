//! Verify a Tencent Cloud key and list its hosts and cloud products.
//!
//! The key comes from `TENCENTCLOUD_SECRET_ID` / `TENCENTCLOUD_SECRET_KEY` (and
//! `TENCENTCLOUD_SESSION_TOKEN` for temporary keys).
//!
//! ```text
//! cargo run -p multicloud-sdk --example tencent -- verify
//! cargo run -p multicloud-sdk --example tencent -- --domain international --regions ap-singapore hosts
//! cargo run -p multicloud-sdk --example tencent -- --endpoint-url http://127.0.0.1:40123 --output json products
//! ```

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use futures::StreamExt;
use multicloud_sdk::tencent::TencentProviderBuilder;
use multicloud_sdk::{
    CloudProvider, Domain, Feature, OnboardRequest, Onboarder, PolicyDocument, Region, Result,
    StandardFeature,
};

/// Verify a Tencent Cloud AccessKey and inventory the account.
#[derive(Debug, Parser)]
#[command(name = "tencent", version)]
struct Cli {
    /// China site (tencentcloudapi.com) or International site (intl.tencentcloudapi.com).
    #[arg(long, default_value = "china", value_parser = parse_domain)]
    domain: Domain,
    /// Only these regions (comma-separated); default: every region the account can use.
    #[arg(long, value_delimiter = ',')]
    regions: Vec<String>,
    /// One URL serving every service (a simulator or proxy), e.g. http://127.0.0.1:40123.
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

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Output {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the key and the permissions of each feature.
    Verify {
        /// Features to check (comma-separated): host, cspm, response.
        #[arg(long, value_delimiter = ',', default_value = "host,cspm,response")]
        features: Vec<StandardFeature>,
    },
    /// List the CVM instances.
    Hosts,
    /// List the cloud products (regional and global).
    Products,
    /// Print the policies the features need: managed policies by name, custom ones as JSON
    /// to paste into the console.
    Policy {
        /// Features (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "host,cspm")]
        features: Vec<StandardFeature>,
        /// A value a custom policy is filled with, as name=value (repeatable): topic_id, logset_id, region (audit_log).
        #[arg(long = "param", value_parser = parse_param)]
        params: Vec<(String, String)>,
    },
    /// Quick configuration: with the root account's key, create (or reuse) a least-privilege
    /// CAM sub-user, attach the features' policies and print its new key once.
    Onboard {
        /// The user name (the `multicloud-` prefix is added).
        #[arg(long)]
        user: String,
        /// Features (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "host,cspm")]
        features: Vec<StandardFeature>,
        /// A value a custom policy is filled with, as name=value (repeatable).
        #[arg(long = "param", value_parser = parse_param)]
        params: Vec<(String, String)>,
        /// Do not ask before creating anything.
        #[arg(long)]
        yes: bool,
    },
    /// With the root account's key, issue a new key for the user, then delete its old key.
    RotateKey {
        /// The user name (the `multicloud-` prefix is added).
        #[arg(long)]
        user: String,
        /// The key to replace.
        #[arg(long)]
        old_key_id: String,
        /// Do not ask before changing anything.
        #[arg(long)]
        yes: bool,
    },
}

fn parse_domain(s: &str) -> Result<Domain, String> {
    s.parse().map_err(|e: multicloud_sdk::Error| e.to_string())
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

async fn run(cli: Cli) -> multicloud_sdk::Result<ExitCode> {
    let mut builder = TencentProviderBuilder::new(cli.account.clone())
        .from_env()
        .with_domain(cli.domain);
    if let Some(url) = &cli.endpoint_url {
        builder = builder.with_endpoint_url(url.clone());
    }
    let provider = builder.build()?;
    match &cli.command {
        Command::Verify { features } => {
            let features: Vec<&dyn Feature> = features.iter().map(|f| f as &dyn Feature).collect();
            let report = provider.verify(&features).await?;
            match cli.output {
                Output::Json => println!("{}", to_json(&report)),
                Output::Table => {
                    println!(
                        "account {} ({}): {:?}",
                        report.account, report.domain, report.credential
                    );
                    if let Some(id) = &report.identity {
                        println!(
                            "identity: {} ({:?}) in account {}",
                            id.principal, id.principal_type, id.account_id
                        );
                    }
                    for check in &report.features {
                        println!("{:<10} {:?}", check.feature.as_str(), check.status);
                    }
                }
            }
            Ok(if report.is_ready() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        Command::Policy { .. } | Command::Onboard { .. } | Command::RotateKey { .. } => {
            let onboarder = provider
                .onboarder()
                .ok_or_else(|| multicloud_sdk::Error::config("no quick configuration here"))?;
            return onboard_commands(onboarder, &cli.command).await;
        }
        Command::Hosts => {
            let mut failed = false;
            let mut rows = Vec::new();
            for region in regions(&provider, &cli.regions).await? {
                let mut hosts = provider.hosts(&region);
                while let Some(host) = hosts.next().await {
                    match host {
                        Ok(h) => rows.push(h),
                        Err(e) => {
                            failed = true;
                            eprintln!("{}: {}", region.id, e.report());
                        }
                    }
                }
            }
            match cli.output {
                Output::Json => println!("{}", to_json(&rows)),
                Output::Table => {
                    for h in &rows {
                        let ips: Vec<String> =
                            h.private_ips.iter().map(ToString::to_string).collect();
                        println!(
                            "{:<14} {:<16} {:<24} {:<12?} {}",
                            h.region,
                            h.id,
                            h.name.as_deref().unwrap_or("-"),
                            h.state,
                            ips.join(",")
                        );
                    }
                    println!("{} hosts", rows.len());
                }
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Products => {
            let mut failed = false;
            let mut rows = Vec::new();
            let mut streams = vec![("global".to_owned(), provider.global_resources())];
            for region in regions(&provider, &cli.regions).await? {
                streams.push((region.id.clone(), provider.cloud_resources(&region)));
            }
            for (where_, mut stream) in streams {
                while let Some(item) = stream.next().await {
                    match item {
                        Ok(r) => rows.push(r),
                        Err(e) => {
                            failed = true;
                            eprintln!("{where_}: {}", e.report());
                        }
                    }
                }
            }
            match cli.output {
                Output::Json => println!("{}", to_json(&rows)),
                Output::Table => {
                    for r in &rows {
                        println!(
                            "{:<14} {:<8} {:<16} {:<24} {}",
                            r.region,
                            r.service,
                            r.resource_type,
                            r.id,
                            r.name.as_deref().unwrap_or("-")
                        );
                    }
                    println!("{} resources", rows.len());
                }
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// The regions to scan: those named on the command line, else every usable one.
async fn regions(
    provider: &impl CloudProvider,
    wanted: &[String],
) -> multicloud_sdk::Result<Vec<Region>> {
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

fn parse_param(s: &str) -> std::result::Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .ok_or_else(|| format!("expected name=value, got {s:?}"))
}

fn request(
    user: &str,
    features: &[StandardFeature],
    params: &[(String, String)],
) -> OnboardRequest {
    params
        .iter()
        .fold(OnboardRequest::new(user, features.to_vec()), |r, (k, v)| {
            r.with_param(k.clone(), v.clone())
        })
}

fn print_policies(docs: &[PolicyDocument]) {
    for doc in docs {
        match &doc.document {
            None => println!("managed policy: {}", doc.name),
            Some(_) => println!("custom policy {}:\n{}", doc.name, doc.render()),
        }
    }
}

/// Asks on the terminal; `true` only for an explicit "yes".
fn confirm(question: &str) -> bool {
    use std::io::Write;
    print!("{question} [yes/no] ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && answer.trim() == "yes"
}

async fn onboard_commands(onboarder: &dyn Onboarder, command: &Command) -> Result<ExitCode> {
    match command {
        Command::Policy { features, params } => {
            print_policies(&onboarder.policy_documents(&request("-", features, params))?);
        }
        Command::Onboard {
            user,
            features,
            params,
            yes,
        } => {
            let request = request(user, features, params);
            let docs = onboarder.policy_documents(&request)?;
            print_policies(&docs);
            if !yes
                && !confirm(&format!(
                    "Create or reuse user {user} with these policies and a new key?"
                ))
            {
                return Ok(ExitCode::FAILURE);
            }
            let outcome = onboarder.onboard(&request).await?;
            println!(
                "user: {} (created: {})",
                outcome.user_name, outcome.created_user
            );
            println!("access key id: {}", outcome.access_key.id());
            println!(
                "secret (shown once, store it now): {}",
                outcome.access_key.secret().expose()
            );
            println!("Use this key from now on, then delete the root account's key.");
        }
        Command::RotateKey {
            user,
            old_key_id,
            yes,
        } => {
            if !yes
                && !confirm(&format!(
                    "Issue a new key for {user} and delete {old_key_id}?"
                ))
            {
                return Ok(ExitCode::FAILURE);
            }
            let key = onboarder.rotate_key(user, old_key_id, &|_| {}).await?;
            println!("new access key id: {}", key.id());
            println!(
                "secret (shown once, store it now): {}",
                key.secret().expose()
            );
        }
        _ => {}
    }
    Ok(ExitCode::SUCCESS)
}

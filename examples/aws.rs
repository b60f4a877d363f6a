//! Verify an AWS key and list its regions, hosts and cloud products.
//!
//! The key comes from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`
//! for temporary keys). `--endpoint-url` (or `AWS_ENDPOINT_URL`) sends every service to one
//! AWS-compatible endpoint, as the official SDKs do.
//!
//! ```text
//! cargo run -p multicloud-sdk --example aws -- verify
//! cargo run -p multicloud-sdk --example aws -- --domain china regions
//! cargo run -p multicloud-sdk --example aws -- --regions us-east-1,eu-west-1 hosts
//! cargo run -p multicloud-sdk --example aws -- --endpoint-url http://127.0.0.1:4566 --output json products
//! ```

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use futures::stream::BoxStream;
use futures::StreamExt;
use multicloud_sdk::aws::AwsProviderBuilder;
use multicloud_sdk::{
    CloudProvider, CredentialStatus, Domain, Feature, FeatureStatus, OnboardRequest, Onboarder,
    PolicyDocument, Region, Result, StandardFeature,
};

/// Verify an AWS AccessKey and inventory the account.
#[derive(Debug, Parser)]
#[command(name = "aws", version)]
struct Cli {
    /// International (the `aws` partition) or China (`aws-cn`).
    #[arg(long, default_value = "international", value_parser = parse_domain)]
    domain: Domain,
    /// Only these regions (comma-separated); default: every region the account can use.
    #[arg(long, value_delimiter = ',')]
    regions: Vec<String>,
    /// One URL serving every service (an emulator, proxy or simulator), e.g.
    /// http://127.0.0.1:4566.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
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
        /// Features to check (comma-separated): host, cspm, agentless.
        #[arg(long, value_delimiter = ',', default_value = "host,cspm,agentless")]
        features: Vec<StandardFeature>,
    },
    /// List the regions and whether each is scanned.
    Regions,
    /// List the EC2 instances.
    Hosts,
    /// List the cloud products (regional and account-wide).
    Products,
    /// Print the policies the features need: managed policies by name, custom ones as JSON
    /// to paste into the console.
    Policy {
        /// Features (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "host,cspm")]
        features: Vec<StandardFeature>,
        /// A value a custom policy is filled with, as name=value (repeatable): queue_arn (audit_log).
        #[arg(long = "param", value_parser = parse_param)]
        params: Vec<(String, String)>,
    },
    /// Quick configuration: with the root user's key, create (or reuse) a least-privilege
    /// IAM user, attach the features' policies and print its new key once.
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
    /// With the root user's key, issue a new key for the user, then delete its old key.
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

fn parse_domain(s: &str) -> std::result::Result<Domain, String> {
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

async fn run(cli: Cli) -> Result<ExitCode> {
    let mut builder = AwsProviderBuilder::new(cli.account.clone())
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
                    println!("{:<16} {:<14?} {scan}", r.id, r.status);
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
            println!("Use this key from now on, then delete the root user's key.");
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

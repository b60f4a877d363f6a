//! Verify a Tencent Cloud key, list its regions, hosts and cloud products, and block or
//! unblock an IP in Cloud Firewall or WAF; print the policies a feature needs, and with the
//! root account's key create a least-privilege sub-user (`onboard`) or rotate its key
//! (`rotate-key`); tail Cloud Audit events from a CLS topic over Kafka (`audit`, built with
//! `--features tencent-kafka`).
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
//! cargo run -p multicloud-sdk --features tencent-kafka --example tencent -- audit \
//!     --regions ap-guangzhou --topic TOPIC_ID --logset LOGSET_ID --max 20
//! ```
//!
//! `audit` signs in to CLS's Kafka endpoint with SASL PLAIN (user = the logset id, password =
//! `SecretId#SecretKey`); the public endpoint has no TLS, so the key crosses the network in
//! clear: prefer a sub-account key allowed to consume only, or run inside Tencent Cloud
//! against the private endpoint (`--broker kafkaconsumer-REGION.cls.tencentyun.com:9095`).

#[path = "common/mod.rs"]
mod common;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
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
    /// Tail Cloud Audit events from a CLS topic consumed over Kafka (needs the
    /// `tencent-kafka` feature).
    Audit(AuditArgs),
}

/// Where the CLS topic is and how to sign in.
#[derive(Debug, Args)]
struct AuditArgs {
    /// The Kafka endpoint (default: CLS's public endpoint of the first --regions value,
    /// kafkaconsumer-REGION.cls.tencentcs.com:9096).
    #[arg(long)]
    broker: Option<String>,
    /// The Kafka topic: the TopicID that OpenKafkaConsumer / the console's Kafka
    /// consumption tab gives (not the CLS topic id).
    #[arg(long)]
    topic: String,
    /// The logset id of the CLS topic (the SASL user).
    #[arg(long)]
    logset: String,
    /// The consumer group: where a restarted tail resumes.
    #[arg(long, default_value = "multicloud-audit")]
    group: String,
    /// SASL mechanism: plain (CLS), or scram-sha-256/512 for a self-hosted broker, which
    /// then signs in as --sasl-user with the password in MULTICLOUD_KAFKA_PASSWORD.
    #[arg(long, value_enum, default_value = "plain")]
    sasl: Sasl,
    /// The SASL user for SCRAM.
    #[arg(long)]
    sasl_user: Option<String>,
    #[command(flatten)]
    tail: common::TailOptions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Sasl {
    Plain,
    #[value(name = "scram-sha-256")]
    ScramSha256,
    #[value(name = "scram-sha-512")]
    ScramSha512,
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
        Command::Audit(args) => audit(&cli.global, args).await,
    };
    common::exit(outcome)
}

#[cfg(feature = "tencent-kafka")]
async fn audit(global: &Global, args: &AuditArgs) -> common::Outcome {
    use multicloud_sdk::tencent::audit::{ClsAuditSource, ClsKafkaConfig, SaslMechanism};
    use multicloud_sdk::{Credential, EnvCredential, ProviderKind};

    let broker = match (&args.broker, global.regions.first()) {
        (Some(broker), _) => broker.clone(),
        (None, Some(region)) => ClsKafkaConfig::public_endpoint(region)?,
        (None, None) => {
            return Err(common::Failure::Usage(
                "give --broker HOST:PORT, or --regions REGION for CLS's public endpoint".into(),
            ))
        }
    };
    let key = EnvCredential::from_env(ProviderKind::Tencent)
        .access_key()
        .await?;
    let mut config =
        ClsKafkaConfig::new(broker, &args.topic, &args.logset, &key).with_group(&args.group);
    if args.sasl != Sasl::Plain {
        let (Some(user), Ok(password)) =
            (&args.sasl_user, std::env::var("MULTICLOUD_KAFKA_PASSWORD"))
        else {
            return Err(common::Failure::Usage(
                "SCRAM needs --sasl-user and MULTICLOUD_KAFKA_PASSWORD".into(),
            ));
        };
        let mechanism = match args.sasl {
            Sasl::ScramSha256 => SaslMechanism::ScramSha256,
            _ => SaslMechanism::ScramSha512,
        };
        config = config.with_sasl(mechanism, user, password);
    }
    let source = ClsAuditSource::connect(&config)?;
    common::run_audit(global.output, &source, &args.tail).await
}

#[cfg(not(feature = "tencent-kafka"))]
fn audit(_global: &Global, _args: &AuditArgs) -> std::future::Ready<common::Outcome> {
    std::future::ready(Err(common::Failure::Usage(
        "`audit` consumes CLS over Kafka: build the example with --features tencent-kafka".into(),
    )))
}

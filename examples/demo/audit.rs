//! The demo's audit-log part: CloudTrail delivers log files to the simulated bucket, the
//! bucket notifies the queue, and the first AWS account tails the events.

use std::time::Duration;

use multicloud_sdk::audit::AuditConsumer;
use multicloud_sdk::aws::AwsProviderBuilder;
use multicloud_sdk::{AuditEvent, ProviderKind, StaticCredential};

use crate::clouds::{SimulatedClouds, TRAIL_QUEUE, TRAIL_REGION};
use crate::common::{self, Outcome};
use crate::config::AccountConfig;

/// Delivers trail logs, checks the queue and prints the events as they arrive.
pub(crate) async fn show(clouds: &SimulatedClouds, accounts: &[AccountConfig]) -> Outcome {
    let Some(account) = accounts.iter().find(|a| a.provider == ProviderKind::Aws) else {
        return Ok(common::EXIT_OK);
    };
    println!(
        "\n== audit logs: CloudTrail -> S3 -> SQS {TRAIL_REGION}/{TRAIL_QUEUE} ({})",
        account.name
    );
    for line in clouds.deliver_trail_logs() {
        println!("  delivered {line}");
    }
    let provider = AwsProviderBuilder::new(account.name.clone())
        .with_credential(StaticCredential::new(account.access_key()))
        .with_domain(account.domain)
        .with_endpoint_url(clouds.aws.base_url())
        .build()?;
    let source = provider
        .audit_source(TRAIL_REGION, TRAIL_QUEUE)
        .with_wait(Duration::from_secs(1))
        .build()?;
    let check = source.check_readiness().await?;
    for line in check.to_string().lines() {
        println!("  {line}");
    }
    println!("  {}", common::table_header());
    let summary = AuditConsumer::new(&source)
        .with_max_events(5)
        .run(
            |event: AuditEvent| {
                println!("  {}", common::table_row(&event));
                async { Ok::<(), std::io::Error>(()) }
            },
            tokio::time::sleep(Duration::from_secs(10)),
        )
        .await
        .map_err(|e| common::Failure::Usage(e.to_string()))?;
    println!(
        "  {} events, each acknowledged; {} messages left in the queue",
        summary.delivered,
        clouds.audit.depth(TRAIL_REGION, TRAIL_QUEUE)
    );
    Ok(common::EXIT_OK)
}

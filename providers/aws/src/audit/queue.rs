//! Finding the queue: `GetQueueUrl` in the region given, and, when the queue is not there,
//! one look in the partition's other regions so the error can say "it is in eu-west-1"
//! instead of only "no such queue".

use futures::{stream, StreamExt};

use multicloud_core::{Error, ErrorKind, ProviderKind, Result};

use crate::client::AwsClient;
use crate::endpoints::Partition;

use super::sqs;

/// The regions looked in when a queue is missing from the one given (the commercial
/// regions of each partition; one that is not enabled for the account just refuses).
const AWS_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "ca-west-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-south-1",
    "ap-south-2",
    "ap-east-1",
    "sa-east-1",
    "me-south-1",
    "me-central-1",
    "af-south-1",
    "il-central-1",
    "mx-central-1",
];
const AWS_CN_REGIONS: &[&str] = &["cn-north-1", "cn-northwest-1"];

/// How many regions are asked at once while looking for a misplaced queue.
const HUNT_CONCURRENCY: usize = 8;

/// The URL of `queue` in `region`. A missing queue is `NotFound`, or `WrongDomainOrRegion`
/// naming the region where a queue of that name was found.
pub(crate) async fn resolve(client: &AwsClient, region: &str, queue: &str) -> Result<String> {
    let endpoint = sqs::endpoint(client, region)?;
    match sqs::get_queue_url(client, &endpoint, queue).await {
        Ok(url) => Ok(url),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            tracing::debug!(
                region,
                queue,
                "queue not found; looking in the other regions"
            );
            match find_elsewhere(client, region, queue).await {
                Some(found) => Err(Error::new(
                    ErrorKind::WrongDomainOrRegion,
                    format!(
                        "the SQS queue {queue:?} is not in {region} but in {found}: S3 notifies \
                         only a queue in the bucket's region"
                    ),
                )
                .with_provider(ProviderKind::Aws)
                .with_action("sqs:GetQueueUrl")
                .with_hint(format!("use the region {found} (--region {found})"))),
                None => Err(e
                    .with_message(format!(
                        "there is no SQS queue {queue:?} in {region} (nor in another region this \
                     key can see)"
                    ))
                    .with_hint(
                        "check the queue's name and region: it is the queue the trail's bucket \
                     sends its event notifications to",
                    )),
            }
        }
        Err(e) => Err(e),
    }
}

async fn find_elsewhere(client: &AwsClient, region: &str, queue: &str) -> Option<String> {
    let regions = match client.resolver().partition() {
        Partition::Aws => AWS_REGIONS,
        Partition::AwsCn => AWS_CN_REGIONS,
    };
    let candidates: Vec<String> = regions
        .iter()
        .filter(|r| **r != region)
        .map(|r| (*r).to_owned())
        .collect();
    let queue = queue.to_owned();
    let client = client.clone();
    // Owned and boxed: the asks run concurrently and must not borrow across regions.
    let mut asks = stream::iter(candidates)
        .map(move |other| {
            let client = client.clone();
            let queue = queue.clone();
            async move {
                let endpoint = sqs::endpoint(&client, &other).ok()?;
                sqs::get_queue_url(&client, &endpoint, &queue)
                    .await
                    .ok()
                    .map(|_| other)
            }
        })
        .buffer_unordered(HUNT_CONCURRENCY)
        .boxed();
    while let Some(answer) = asks.next().await {
        if answer.is_some() {
            return answer;
        }
    }
    None
}

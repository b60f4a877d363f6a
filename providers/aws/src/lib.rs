//! # multicloud-aws
//!
//! The Amazon Web Services provider of the multicloud SDK, re-exported by the facade as
//! `multicloud_sdk::aws`. It talks to AWS over plain HTTPS (SigV4, the EC2/query/S3 XML
//! protocols) through the SDK's shared transport, with no AWS SDK underneath.
//!
//! What [`AwsProvider`] does, per [`CloudProvider`](multicloud_core::CloudProvider):
//!
//! - **verify**: STS `GetCallerIdentity` (account, ARN, root or IAM user), then cheap
//!   permission probes per feature (`DescribeInstances` with `DryRun`, an IAM read, S3/RDS
//!   reads) reporting what is missing and the managed policy to grant. Failures are
//!   classified (unknown or deactivated key, bad secret, expired token, clock skew, throttled)
//!   and a key of the other partition is recognised ("build the provider with with_domain(Domain::China)").
//! - **regions**: EC2 `DescribeRegions` with opt-in status; not-opted-in regions are
//!   reported, never scanned.
//! - **hosts**: EC2 `DescribeInstances`, streamed page by page.
//! - **cloud products**: VPCs, security groups, EBS volumes and snapshots, RDS instances,
//!   ELBv2 load balancers per region; S3 buckets and IAM users account-wide.
//! - **audit logs**: [`AwsProvider::audit_source`] reads CloudTrail's log files as the
//!   trail's bucket announces them on an SQS queue ([`AwsAuditSource`]).
//!
//! Domains: [`Domain::International`](multicloud_core::Domain::International) is the `aws`
//! partition, [`Domain::China`](multicloud_core::Domain::China) is `aws-cn`
//! (`*.amazonaws.com.cn`, regional STS). With
//! [`with_endpoint_url`](AwsProviderBuilder::with_endpoint_url) every call goes to one
//! AWS-compatible endpoint, as `AWS_ENDPOINT_URL` does for the official SDKs.
//!
//! ```
//! use futures::TryStreamExt;
//! use multicloud_aws::AwsProviderBuilder;
//! use multicloud_core::{AccessKey, CloudProvider, Domain, Host, StandardFeature};
//!
//! # async fn run() -> multicloud_core::Result<()> {
//! // Through the facade: multicloud_sdk::aws::AwsProviderBuilder.
//! let provider = AwsProviderBuilder::new("prod")
//!     .with_access_key(AccessKey::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
//!     .with_domain(Domain::International)
//!     .build()?;
//!
//! let report = provider.verify(&[&StandardFeature::Host, &StandardFeature::Cspm]).await?;
//! if !report.is_ready() {
//!     println!("not ready: {:?}", report.credential);
//! }
//! for region in provider.regions().await?.iter().filter(|r| r.is_scannable()) {
//!     let hosts: Vec<Host> = provider.hosts(region).try_collect().await?;
//!     println!("{}: {} hosts", region.id, hosts.len());
//! }
//! # Ok(())
//! # }
//! // The secret never shows in Debug output.
//! let provider = AwsProviderBuilder::new("prod")
//!     .with_access_key(AccessKey::new("AKIAIOSFODNN7EXAMPLE", "planted-secret"))
//!     .build()?;
//! assert!(!format!("{provider:?}").contains("planted-secret"));
//! # Ok::<(), multicloud_core::Error>(())
//! ```
//!
//! Requests are signed with Signature Version 4 by [`SigV4Signer`], a pure function of the
//! request, the key and the time (it never reads a clock):
//!
//! ```
//! use bytes::Bytes;
//! use multicloud_aws::SigV4Signer;
//! use multicloud_core::signing::RequestSigner;
//! use multicloud_core::AccessKey;
//! use time::macros::datetime;
//!
//! let mut request = http::Request::post("https://ec2.us-east-1.amazonaws.com/")
//!     .header("content-type", "application/x-www-form-urlencoded; charset=utf-8")
//!     .body(Bytes::from_static(b"Action=DescribeInstances&Version=2016-11-15"))?;
//! let key = AccessKey::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
//! let time = datetime!(2015-08-30 12:36:00 UTC);
//! SigV4Signer::new("us-east-1", "ec2").sign(&mut request, &key, time)?;
//! assert_eq!(request.headers()["x-amz-date"], "20150830T123600Z");
//! assert!(request.headers()["authorization"].to_str()?.starts_with(
//!     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, \
//!      SignedHeaders=content-type;host;x-amz-date, Signature="
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod audit;
mod buckets;
mod client;
mod endpoints;
mod errors;
mod hosts;
mod limits;
mod onboard;
#[cfg(test)]
mod page_props;
mod provider;
mod regions;
mod resources;
mod verify;
mod wire;

mod signer;

pub use audit::{AwsAuditSource, AwsAuditSourceBuilder, MAX_RETENTION};
pub use onboard::{
    policy_documents, AwsOnboarder, AGENTLESS_POLICY, AUDIT_LOG_POLICY, DEFAULT_USER_PREFIX,
    KEY_MARK, QUEUE_ARN,
};
pub use provider::{AwsProvider, AwsProviderBuilder};
pub use signer::SigV4Signer;

use multicloud_core::ProviderKind;

/// The provider this crate implements.
pub const PROVIDER: ProviderKind = ProviderKind::Aws;

/// Not part of the API (hidden, unstable): parses and maps one list-hosts page `body` of
/// `region`, with the code the host listing runs on each response. The parsing bench
/// (`benches/parsing.rs`) times it in process on a canned body: the parsers are private, and
/// timing them through a local server would mix the HTTP round trip into the reading.
#[doc(hidden)]
pub fn __parse_hosts_page(
    body: bytes::Bytes,
    region: &str,
) -> multicloud_core::Result<Vec<multicloud_core::Host>> {
    let response = multicloud_core::transport::HttpResponse::new(
        http::StatusCode::OK,
        http::HeaderMap::new(),
        body,
    );
    hosts::hosts_from_response(&response, region, region).map(|(hosts, _)| hosts)
}

//! What goes on the wire, checked with wiremock: the query-protocol request shape, the signed
//! host of an endpoint override, and the S3 region fallback for endpoints whose ListBuckets
//! does not report `BucketRegion`.

use std::time::Duration;

use futures::TryStreamExt;
use multicloud_aws::{AwsProvider, AwsProviderBuilder};
use multicloud_core::transport::{LimitConfig, RetryConfig};
use multicloud_core::{AccessKey, CloudProvider, CloudResource, Domain, ErrorKind, RegionStatus};
use wiremock::matchers::{body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn provider(server: &MockServer, domain: Domain) -> AwsProvider {
    AwsProviderBuilder::new("wire")
        .with_access_key(AccessKey::new("AKIDWIRETEST", "wire-secret"))
        .with_domain(domain)
        .with_endpoint_url(server.uri())
        .with_retry(
            RetryConfig::default()
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(2)),
        )
        .with_limits(LimitConfig::unlimited())
        .build()
        .unwrap()
}

fn xml(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/xml;charset=UTF-8")
        .set_body_string(body)
}

#[tokio::test]
async fn describe_regions_is_a_signed_form_post_to_the_override_host() {
    let server = MockServer::start().await;
    let host = server.address().to_string();
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        ))
        .and(header("host", host.as_str()))
        .and(body_string(
            "Action=DescribeRegions&Version=2016-11-15&AllRegions=true",
        ))
        .respond_with(xml("<DescribeRegionsResponse><regionInfo>\
             <item><regionName>cn-north-1</regionName></item>\
             <item><regionName>cn-northwest-1</regionName></item>\
             </regionInfo></DescribeRegionsResponse>"))
        .expect(1)
        .mount(&server)
        .await;
    let regions = provider(&server, Domain::China).regions().await.unwrap();
    assert_eq!(regions.len(), 2);
    assert!(regions.iter().all(|r| r.status == RegionStatus::Enabled));

    let request = &server.received_requests().await.unwrap()[0];
    let auth = request.headers["authorization"].to_str().unwrap();
    // China's home region and EC2's signing name, whatever host the override has.
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDWIRETEST/"),
        "{auth}"
    );
    assert!(auth.contains("/cn-north-1/ec2/aws4_request"), "{auth}");
    assert!(
        auth.contains("SignedHeaders=content-type;host;x-amz-date"),
        "{auth}"
    );
    assert!(request.headers.contains_key("x-amz-date"));
}

#[tokio::test]
async fn bucket_region_falls_back_to_get_bucket_location() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(xml(
            "<ListAllMyBucketsResult><Buckets>\
             <Bucket><Name>old-east</Name><CreationDate>2020-01-01T00:00:00.000Z</CreationDate></Bucket>\
             <Bucket><Name>legacy-eu</Name></Bucket>\
             <Bucket><Name>tokyo</Name><BucketRegion>ap-northeast-1</BucketRegion></Bucket>\
             </Buckets></ListAllMyBucketsResult>",
        ))
        .expect(1)
        .mount(&server)
        .await;
    for (bucket, constraint) in [("old-east", ""), ("legacy-eu", "EU")] {
        Mock::given(method("GET"))
            .and(path(format!("/{bucket}")))
            .and(query_param("location", ""))
            .and(header("x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
            .respond_with(xml(&format!(
                "<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">{constraint}</LocationConstraint>"
            )))
            .expect(1)
            .mount(&server)
            .await;
    }
    // IAM answers with an empty, final page.
    Mock::given(method("POST"))
        .and(body_string(
            "Action=ListUsers&Version=2010-05-08&MaxItems=1000",
        ))
        .respond_with(xml(
            "<ListUsersResponse><ListUsersResult><Users/><IsTruncated>false</IsTruncated>\
             </ListUsersResult></ListUsersResponse>",
        ))
        .expect(1)
        .mount(&server)
        .await;

    let resources: Vec<CloudResource> = provider(&server, Domain::International)
        .global_resources()
        .try_collect()
        .await
        .unwrap();
    let region_of = |name: &str| {
        resources
            .iter()
            .find(|r| r.id == name)
            .unwrap()
            .region
            .clone()
    };
    assert_eq!(region_of("old-east"), "us-east-1");
    assert_eq!(region_of("legacy-eu"), "eu-west-1");
    assert_eq!(region_of("tokyo"), "ap-northeast-1");
    assert_eq!(resources.len(), 3);
}

#[tokio::test]
async fn a_truncated_success_body_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(xml("<DescribeInstancesResponse><reservationSet><item>"))
        .expect(1)
        .mount(&server)
        .await;
    let p = provider(&server, Domain::International);
    let err = p
        .hosts(&multicloud_core::Region::enabled("us-east-1"))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.action(), Some("ec2:DescribeInstances"));
}

#[tokio::test]
async fn a_garbled_identity_answer_leaves_the_key_state_unknown() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string("Action=GetCallerIdentity&Version=2011-06-15"))
        .respond_with(xml("<html>maintenance"))
        .expect(1)
        .mount(&server)
        .await;
    let report = provider(&server, Domain::International)
        .verify(&[&multicloud_core::StandardFeature::Host])
        .await
        .unwrap();
    match report.credential {
        multicloud_core::CredentialStatus::Unknown { kind, .. } => {
            assert_eq!(kind, ErrorKind::Decode)
        }
        other => panic!("expected Unknown, got {other:?}"),
    }
}

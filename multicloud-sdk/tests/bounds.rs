//! End to end, for AWS and Tencent Cloud against their simulators: the local checks that
//! stop a call before anything is sent (key text, region names) and the bounds on what is
//! read back (response size, nesting depth). Every check asserts the request log.

#![cfg(all(feature = "aws", feature = "tencent"))]

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use multicloud_sdk::aws::AwsProviderBuilder;
use multicloud_sdk::tencent::TencentProviderBuilder;
use multicloud_sdk::transport::{LimitConfig, RetryConfig};
use multicloud_sdk::{
    AccessKey, CloudProvider, Domain, Error, ErrorKind, Region, StandardFeature, StaticCredential,
};
use multicloud_testkit::aws::AwsSim;
use multicloud_testkit::tencent::TencentSim;
use multicloud_testkit::{SimCloud, Trigger};

const PLANTED: &str = "PLANTED-SECRET-5b4a39281706";

#[derive(Debug, Clone, Copy)]
enum Cloud {
    Aws,
    Tencent,
}

impl Cloud {
    async fn sim(self) -> SimCloud {
        let builder = match self {
            Cloud::Aws => SimCloud::builder(AwsSim::new()),
            Cloud::Tencent => SimCloud::builder(TencentSim::new()),
        };
        builder
            .seed(21)
            .hosts(6)
            .regions(2)
            .resources_per_service(1)
            .start()
            .await
            .expect("the simulator starts")
    }

    fn hosts_endpoint(self) -> &'static str {
        match self {
            Cloud::Aws => "ec2:DescribeInstances",
            Cloud::Tencent => "cvm:DescribeInstances",
        }
    }

    fn a_region(self) -> Region {
        match self {
            Cloud::Aws => Region::enabled("us-east-1"),
            Cloud::Tencent => Region::enabled("ap-guangzhou"),
        }
    }

    /// A page of the host listing padded to `len` bytes, otherwise well formed.
    fn padded_page(self, len: usize) -> (&'static str, Vec<u8>) {
        let (content_type, head, tail) = match self {
            Cloud::Aws => (
                "text/xml",
                "<DescribeInstancesResponse><requestId>big-1</requestId><reservationSet/><!--",
                "--></DescribeInstancesResponse>",
            ),
            Cloud::Tencent => (
                "application/json",
                r#"{"Response":{"TotalCount":0,"InstanceSet":[],"RequestId":"big-1","Pad":""#,
                r#""}}"#,
            ),
        };
        let mut body = head.as_bytes().to_vec();
        body.resize(len - tail.len(), b'x');
        body.extend_from_slice(tail.as_bytes());
        assert_eq!(body.len(), len);
        (content_type, body)
    }

    /// A host-listing answer nested 4,000 levels deep.
    fn deep_page(self) -> (&'static str, Vec<u8>) {
        let n = 4000;
        match self {
            Cloud::Aws => (
                "text/xml",
                format!(
                    "<DescribeInstancesResponse><reservationSet>{}x{}</reservationSet></DescribeInstancesResponse>",
                    "<item>".repeat(n),
                    "</item>".repeat(n)
                )
                .into_bytes(),
            ),
            Cloud::Tencent => (
                "application/json",
                format!(
                    r#"{{"Response":{{"TotalCount":1,"InstanceSet":{}{},"RequestId":"d-1"}}}}"#,
                    "[".repeat(n),
                    "]".repeat(n)
                )
                .into_bytes(),
            ),
        }
    }

    fn provider(
        self,
        sim: &SimCloud,
        key: AccessKey,
        limits: LimitConfig,
    ) -> Arc<dyn CloudProvider> {
        let retry = RetryConfig::default()
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(4))
            .with_seed(3);
        let credential = StaticCredential::new(key);
        match self {
            Cloud::Aws => Arc::new(
                AwsProviderBuilder::new("bounds")
                    .with_credential(credential)
                    .with_domain(Domain::International)
                    .with_endpoint_url(sim.base_url())
                    .with_retry(retry)
                    .with_limits(limits)
                    .build()
                    .expect("provider builds"),
            ),
            Cloud::Tencent => Arc::new(
                TencentProviderBuilder::new("bounds")
                    .with_credential(credential)
                    .with_domain(Domain::China)
                    .with_endpoint_url(sim.base_url())
                    .with_retry(retry)
                    .with_limits(limits)
                    .build()
                    .expect("provider builds"),
            ),
        }
    }

    fn admin(self, sim: &SimCloud, limits: LimitConfig) -> Arc<dyn CloudProvider> {
        let key = sim.keys().by_label("admin").expect("demo key").access_key();
        self.provider(sim, key, limits)
    }
}

/// The first error of a stream (which must fail).
async fn first_error<T>(
    stream: futures::stream::BoxStream<'static, multicloud_sdk::Result<T>>,
) -> Error {
    let results: Vec<_> = stream.collect().await;
    results
        .into_iter()
        .find_map(Result::err)
        .expect("the listing fails")
}

fn assert_never_shows(err: &Error, text: &str) {
    for shown in [err.to_string(), format!("{err:?}"), err.report()] {
        assert!(!shown.contains(text), "{shown}");
    }
}

async fn blank_or_garbled_keys_send_nothing(cloud: Cloud) {
    let sim = cloud.sim().await;
    let real_id = sim.keys().by_label("admin").expect("demo key").id;
    let keys = [
        AccessKey::new("", PLANTED),
        AccessKey::new("  ", PLANTED),
        AccessKey::new(format!("{real_id} {PLANTED}"), "secret"),
        AccessKey::new(format!("{real_id}\n"), PLANTED),
        AccessKey::new(real_id.clone(), ""),
        AccessKey::new(real_id.clone(), " \t"),
        AccessKey::new(real_id.clone(), format!("{PLANTED}\r\n")),
        AccessKey::new(real_id.clone(), PLANTED).with_session_token(" "),
    ];
    for key in keys {
        let shown = format!("{key:?}");
        let p = cloud.provider(&sim, key, LimitConfig::unlimited());
        let verify = p.verify(&[&StandardFeature::Host]).await.unwrap_err();
        let regions = p.regions().await.unwrap_err();
        let hosts = first_error(p.hosts(&cloud.a_region())).await;
        for err in [&verify, &regions, &hosts] {
            assert_eq!(err.kind(), ErrorKind::Config, "{shown}: {err}");
            assert!(err.message().contains("AccessKey"), "{err}");
            assert_never_shows(err, PLANTED);
        }
    }
    assert_eq!(sim.requests().len(), 0, "nothing reaches the simulator");
}

#[tokio::test]
async fn aws_blank_or_garbled_keys_send_nothing() {
    blank_or_garbled_keys_send_nothing(Cloud::Aws).await;
}

#[tokio::test]
async fn tencent_blank_or_garbled_keys_send_nothing() {
    blank_or_garbled_keys_send_nothing(Cloud::Tencent).await;
}

async fn bad_region_names_send_nothing(cloud: Cloud) {
    let sim = cloud.sim().await;
    let p = cloud.admin(&sim, LimitConfig::unlimited());
    for name in [
        "",
        " ",
        "../x",
        "ap guangzhou",
        "us-east-1.evil.com",
        "X\r\nY: z",
    ] {
        let region = Region::enabled(name);
        let hosts = first_error(p.hosts(&region)).await;
        let resources = first_error(p.cloud_resources(&region)).await;
        for err in [hosts, resources] {
            assert_eq!(err.kind(), ErrorKind::Config, "{name:?}: {err}");
            assert!(err.message().contains("invalid region id"), "{err}");
        }
    }
    assert_eq!(sim.requests().len(), 0, "nothing reaches the simulator");
    // The same provider with a real region does reach it.
    let hosts: Vec<_> = p.hosts(&cloud.a_region()).collect().await;
    assert!(hosts.iter().all(Result::is_ok));
    assert!(sim.count(cloud.hosts_endpoint()) >= 1);
}

#[tokio::test]
async fn aws_bad_region_names_send_nothing() {
    bad_region_names_send_nothing(Cloud::Aws).await;
}

#[tokio::test]
async fn tencent_bad_region_names_send_nothing() {
    bad_region_names_send_nothing(Cloud::Tencent).await;
}

const CAP: usize = 64 * 1024;

async fn a_page_over_the_size_cap_fails_once_and_one_at_the_cap_is_read(cloud: Cloud) {
    let sim = cloud.sim().await;
    let p = cloud.admin(
        &sim,
        LimitConfig::unlimited().with_max_response_bytes(CAP as u64),
    );
    let endpoint = cloud.hosts_endpoint();

    let (content_type, body) = cloud.padded_page(CAP + 1);
    sim.faults()
        .on(endpoint)
        .raw_body(Trigger::Always, content_type, body);
    let err = first_error(p.hosts(&cloud.a_region())).await;
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.message().contains("64 KiB cap"), "{err}");
    assert!(err.message().contains("with_max_response_bytes"), "{err}");
    assert_eq!(sim.count(endpoint), 1, "an oversized page is not retried");

    // Exactly at the cap, the same page is read and parsed: an empty listing.
    let (content_type, body) = cloud.padded_page(CAP);
    sim.faults()
        .on(endpoint)
        .raw_body(Trigger::Always, content_type, body);
    let hosts: Vec<_> = p.hosts(&cloud.a_region()).collect().await;
    assert!(hosts.is_empty(), "{hosts:?}");
    assert_eq!(sim.count(endpoint), 2);
}

#[tokio::test]
async fn aws_a_page_over_the_size_cap_fails_once_and_one_at_the_cap_is_read() {
    a_page_over_the_size_cap_fails_once_and_one_at_the_cap_is_read(Cloud::Aws).await;
}

#[tokio::test]
async fn tencent_a_page_over_the_size_cap_fails_once_and_one_at_the_cap_is_read() {
    a_page_over_the_size_cap_fails_once_and_one_at_the_cap_is_read(Cloud::Tencent).await;
}

async fn a_page_nested_4000_deep_is_a_decode_error(cloud: Cloud) {
    let sim = cloud.sim().await;
    let p = cloud.admin(&sim, LimitConfig::unlimited());
    let endpoint = cloud.hosts_endpoint();
    let (content_type, body) = cloud.deep_page();
    sim.faults()
        .on(endpoint)
        .raw_body(Trigger::Always, content_type, body);
    let err = first_error(p.hosts(&cloud.a_region())).await;
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(err.message().contains("deeper than 64 levels"), "{err}");
    assert_eq!(sim.count(endpoint), 1, "a malformed page is not retried");
}

#[tokio::test]
async fn aws_a_page_nested_4000_deep_is_a_decode_error() {
    a_page_nested_4000_deep_is_a_decode_error(Cloud::Aws).await;
}

#[tokio::test]
async fn tencent_a_page_nested_4000_deep_is_a_decode_error() {
    a_page_nested_4000_deep_is_a_decode_error(Cloud::Tencent).await;
}

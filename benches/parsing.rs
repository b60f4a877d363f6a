//! Response parsing of one list-hosts page, measured through the providers' public API
//! against the simulators (the parsers are private to the provider crates):
//!
//! - EC2 `DescribeInstances`, one page of 1,000 instances (XML);
//! - Tencent CVM `DescribeInstances`, one page of 100 instances (API 3.0 JSON; 100 is the
//!   API's maximum page).
//!
//! For each: `provider-page` drains `CloudProvider::hosts` for a region holding exactly one
//! page (sign, send, parse, map to `Host`); `fetch-only` sends the same signed request
//! through the same kind of `Transport` and drops the body; the floor runs in-process on
//! that body: quick-xml tokenizing every event (EC2) or `serde_json::Value` parsing
//! (Tencent). `provider-page − fetch-only` is what parsing and mapping cost; the report at
//! the end prints it against the floor.
//!
//! `cargo bench -p multicloud-benches --bench parsing -- --warm-up-time 1 --measurement-time 3`

mod estimates;

use std::hint::black_box;
use std::sync::Arc;

use bytes::Bytes;
use criterion::{Criterion, Throughput};
use futures::TryStreamExt;
use http::Request;
use multicloud_aws::{AwsProviderBuilder, SigV4Signer};
use multicloud_core::signing::RequestSigner;
use multicloud_core::transport::{CallInfo, LimitConfig, StatusClassifier, Transport};
use multicloud_core::{
    AccessKey, Clock, CloudProvider, Error, ProviderKind, Region, Result, SystemClock,
};
use multicloud_tencent::{Tc3Signer, TencentProviderBuilder};
use multicloud_testkit::aws::AwsSim;
use multicloud_testkit::tencent::TencentSim;
use multicloud_testkit::{CloudSim, SimCloud};
use quick_xml::events::Event;
use tokio::runtime::Runtime;

const AWS_GROUP: &str = "parse-ec2-describe-instances-1000";
const TENCENT_GROUP: &str = "parse-cvm-describe-instances-100";
const AWS_PAGE: usize = 1_000;
const TENCENT_PAGE: usize = 100;

fn or_panic<T, E: std::fmt::Display>(what: &str, result: std::result::Result<T, E>) -> T {
    result.unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// Default retries, no rate limits: the providers' transports and the fetch-only one alike.
fn transport() -> Transport {
    or_panic(
        "transport",
        Transport::builder()
            .with_limits(LimitConfig::unlimited())
            .build(),
    )
}

/// A simulator whose first region holds exactly `hosts` hosts, and its admin key.
fn start(rt: &Runtime, sim: impl CloudSim, hosts: usize) -> (SimCloud, AccessKey) {
    let cloud = rt.block_on(async {
        let started = SimCloud::builder(sim)
            .seed(7)
            .hosts(hosts)
            .regions(1)
            .start()
            .await;
        or_panic("simulator", started)
    });
    let key = cloud
        .keys()
        .by_label("admin")
        .expect("seeded demo key")
        .access_key();
    (cloud, key)
}

/// One page request, signed now, the way each provider sends it to an endpoint override.
#[derive(Clone)]
struct PageRequest {
    url: String,
    key: AccessKey,
    provider: ProviderKind,
}

impl PageRequest {
    fn build(&self) -> Result<Request<Bytes>> {
        let authority = self.url.trim_start_matches("http://").to_owned();
        let now = SystemClock.now();
        let bad = |e: http::Error| Error::config(format!("bench request: {e}"));
        match self.provider {
            ProviderKind::Aws => {
                let mut req = Request::post(format!("{}/", self.url))
                    .header(http::header::HOST, authority)
                    .header(
                        http::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded; charset=utf-8",
                    )
                    .body(Bytes::from(format!(
                        "Action=DescribeInstances&MaxResults={AWS_PAGE}&Version=2016-11-15"
                    )))
                    .map_err(bad)?;
                SigV4Signer::new("us-east-1", "ec2").sign(&mut req, &self.key, now)?;
                Ok(req)
            }
            _ => {
                let mut req = Request::post(format!("{}/", self.url))
                    .header(http::header::HOST, authority)
                    .header(
                        http::header::CONTENT_TYPE,
                        "application/json; charset=utf-8",
                    )
                    .header("X-TC-Action", "DescribeInstances")
                    .header("X-TC-Version", "2017-03-12")
                    .header("X-TC-Region", "ap-guangzhou")
                    .body(Bytes::from(format!(
                        r#"{{"Offset":0,"Limit":{TENCENT_PAGE}}}"#
                    )))
                    .map_err(bad)?;
                Tc3Signer::new("cvm").sign(&mut req, &self.key, now)?;
                Ok(req)
            }
        }
    }

    async fn fetch(&self, transport: &Transport) -> Result<Bytes> {
        let call = CallInfo::read_only(self.provider, "DescribeInstances");
        let response = transport
            .execute(&call, |_| self.build(), &StatusClassifier)
            .await?;
        Ok(response.body)
    }
}

async fn drain(provider: &dyn CloudProvider, region: &Region) -> Result<usize> {
    provider
        .hosts(region)
        .try_fold(0usize, |n, host| async move {
            black_box(&host);
            Ok(n + 1)
        })
        .await
}

/// An in-process floor: returns how many events or instances it saw in a page body.
type Floor = dyn Fn(&[u8]) -> usize;

/// Every quick-xml event of `body`, borrowed (no allocation): the XML floor.
fn tokenize(body: &[u8]) -> usize {
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut events = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => return events,
            Ok(event) => {
                black_box(&event);
                events += 1;
            }
            Err(e) => panic!("the page is not XML: {e}"),
        }
    }
}

/// Benches one provider: its page through the provider, the fetch alone, and the floor
/// (which sees at least one event per instance). Returns the page's size in bytes.
#[allow(clippy::too_many_arguments)]
fn bench_page(
    c: &mut Criterion,
    rt: &Runtime,
    group_name: &str,
    cloud: &SimCloud,
    provider: &dyn CloudProvider,
    request: &PageRequest,
    page: usize,
    floor: (&str, &Floor),
) -> usize {
    let region_id = cloud.inventory().hosts()[0].region.clone();
    let region = Region::enabled(region_id);
    let fetcher = transport();

    // The provider must list exactly one full page in one request, and the raw request must
    // get that same page, or the subtraction in the report means nothing.
    let before = cloud.count("*");
    assert_eq!(
        or_panic("listing", rt.block_on(drain(provider, &region))),
        page
    );
    assert_eq!(
        cloud.count("*") - before,
        1,
        "{group_name}: one request per page"
    );
    let body = or_panic("fetch", rt.block_on(request.fetch(&fetcher)));
    assert!(
        floor.1(&body) >= page,
        "{group_name}: the floor sees the page"
    );

    let mut group = c.benchmark_group(group_name);
    group.sample_size(20);
    group.throughput(Throughput::Elements(page as u64));
    group.bench_function("provider-page", |b| {
        b.iter(|| or_panic("listing", rt.block_on(drain(provider, &region))))
    });
    group.bench_function("fetch-only", |b| {
        b.iter(|| or_panic("fetch", rt.block_on(request.fetch(&fetcher))))
    });
    group.bench_function(floor.0, |b| b.iter(|| floor.1(black_box(&body))));
    group.finish();
    body.len()
}

fn main() {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => panic!("no tokio runtime: {e}"),
    };
    let mut c = Criterion::default().configure_from_args();

    let (aws, aws_key) = start(&rt, AwsSim::new(), AWS_PAGE);
    let aws_provider: Arc<dyn CloudProvider> = Arc::new(or_panic(
        "provider",
        AwsProviderBuilder::new("bench")
            .with_access_key(aws_key.clone())
            .with_endpoint_url(aws.base_url())
            .with_transport(transport())
            .build(),
    ));
    let aws_request = PageRequest {
        url: aws.base_url(),
        key: aws_key,
        provider: ProviderKind::Aws,
    };
    let aws_bytes = bench_page(
        &mut c,
        &rt,
        AWS_GROUP,
        &aws,
        aws_provider.as_ref(),
        &aws_request,
        AWS_PAGE,
        ("quick-xml-tokenize", &tokenize),
    );

    let (tencent, tc_key) = start(&rt, TencentSim::new(), TENCENT_PAGE);
    let tc_provider: Arc<dyn CloudProvider> = Arc::new(or_panic(
        "provider",
        TencentProviderBuilder::new("bench")
            .with_credential(multicloud_core::StaticCredential::new(tc_key.clone()))
            .with_endpoint_url(tencent.base_url())
            .with_transport(transport())
            .build(),
    ));
    let tc_request = PageRequest {
        url: tencent.base_url(),
        key: tc_key,
        provider: ProviderKind::Tencent,
    };
    let json_value = |body: &[u8]| -> usize {
        let value: serde_json::Value = or_panic("JSON", serde_json::from_slice(body));
        let instances = value["Response"]["InstanceSet"]
            .as_array()
            .map_or(0, Vec::len);
        black_box(value);
        instances
    };
    let tc_bytes = bench_page(
        &mut c,
        &rt,
        TENCENT_GROUP,
        &tencent,
        tc_provider.as_ref(),
        &tc_request,
        TENCENT_PAGE,
        ("serde-json-value", &json_value),
    );

    c.final_summary();
    report(AWS_GROUP, AWS_PAGE, aws_bytes, "quick-xml-tokenize");
    report(TENCENT_GROUP, TENCENT_PAGE, tc_bytes, "serde-json-value");
}

fn report(group: &str, page: usize, bytes: usize, floor: &str) {
    let m = estimates::means(&[group]);
    let get = |name: &str| m.get(&format!("{group}/{name}")).copied();
    println!(
        "\n{group}: {page} instances, {:.0} KiB (means from the latest criterion estimates)",
        bytes as f64 / 1024.0
    );
    let (Some(provider), Some(fetch), Some(floor_ns)) =
        (get("provider-page"), get("fetch-only"), get(floor))
    else {
        println!("  not every benchmark of the group was measured in this run");
        return;
    };
    let parse = provider - fetch;
    let per_instance = |ns: f64| ns / page as f64;
    println!(
        "  provider page {:>9.1} µs   fetch only {:>9.1} µs   ({:.2}x)",
        provider / 1e3,
        fetch / 1e3,
        provider / fetch
    );
    println!(
        "  parse + map   {:>9.1} µs   {:>7.0} ns/instance  (provider page − fetch only)",
        parse / 1e3,
        per_instance(parse)
    );
    println!(
        "  {floor:<13} {:>9.1} µs   {:>7.0} ns/instance  ({:.0} MB/s)",
        floor_ns / 1e3,
        per_instance(floor_ns),
        bytes as f64 / (floor_ns / 1e9) / 1e6
    );
    println!("  parse + map / floor: {:.2}x", parse / floor_ns);
}

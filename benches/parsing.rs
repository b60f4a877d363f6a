//! Response parsing of one list-hosts page per cloud, parse + map to `Host`s, against the
//! floor of the same bytes: a plain quick-xml tokenize (EC2, XML) or a plain
//! `serde_json::Value` parse (the JSON clouds).
//!
//! - EC2 `DescribeInstances`, 1,000 instances (the largest `MaxResults`);
//! - Tencent CVM `DescribeInstances`, 100 (the largest `Limit`);
//! - Huawei ECS `ListServersDetails`, 1,000; Baidu BCC `ListInstances`, 1,000; CTyun ECS
//!   `list-instances`, 50 (each the provider's default, and largest, page).
//!
//! Each page body comes from the testkit simulator: the provider lists a region holding
//! exactly one page through its public API (`CloudProvider::hosts`, one request), and the
//! simulator answers the recorded request again in process to give the body. The parse side
//! is the provider's hidden `__parse_hosts_page`, the code the listing runs on each response;
//! the bench first asserts it gives exactly the hosts the public API listed (every field and
//! the raw JSON text). Both sides then run in process on the same bytes: no HTTP, no
//! subtraction of two noisy means.
//!
//! Ratios come from 41 rounds that alternate the two sides (`paired.rs`): the median with its
//! interquartile range, and the ratio of each side's fastest round. For EC2, botocore's
//! parser of the same body is timed too when `python3` with `botocore` is installed.
//!
//! `cargo bench -p multicloud-benches --bench parsing -- --warm-up-time 1 --measurement-time 3`

#[allow(dead_code)] // `on_fresh` serves the signing bench.
mod paired;

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput};
use futures::TryStreamExt;
use multicloud_core::{AccessKey, Clock, CloudProvider, Host, Region, Result, SystemClock};
use multicloud_testkit::{CloudSim, SimCloud, SimContext};
use paired::{paired_ratio, plain};
use quick_xml::events::Event;
use tokio::runtime::Runtime;

fn or_panic<T, E: std::fmt::Display>(what: &str, result: std::result::Result<T, E>) -> T {
    result.unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// The provider's page parser: a body and its region to hosts.
type Parse = fn(Bytes, &str) -> Result<Vec<Host>>;
/// A floor: how many events or top-level values it saw in a body.
type Floor = fn(&[u8]) -> usize;

/// One cloud's row: a page body, its region, and the two sides.
struct Row {
    name: &'static str,
    page: usize,
    body: Bytes,
    region: String,
    parse: Parse,
    floor: (&'static str, Floor),
}

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

/// A plain `serde_json::Value` parse of `body` (dropped after): the JSON floor.
fn json_value(body: &[u8]) -> usize {
    let value: serde_json::Value = or_panic("JSON", serde_json::from_slice(body));
    let size = value.as_object().map_or(0, |o| o.len());
    black_box(value);
    size
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

/// Lists the cloud's one region through the provider's public API (one page request at
/// `endpoint`), then has `sim` answer that recorded request again in process: the body.
#[allow(clippy::too_many_arguments)]
fn capture(
    rt: &Runtime,
    name: &'static str,
    cloud: &SimCloud,
    sim: &dyn CloudSim,
    provider: &dyn CloudProvider,
    endpoint: &str,
    page: usize,
    parse: Parse,
    floor: (&'static str, Floor),
) -> Row {
    let region = cloud.inventory().hosts()[0].region.clone();
    let before = cloud.count(endpoint);
    let listed: Vec<Host> = or_panic(
        "listing",
        rt.block_on(
            provider
                .hosts(&Region::enabled(region.clone()))
                .try_collect(),
        ),
    );
    assert_eq!(listed.len(), page, "{name}: the region holds one page");
    assert_eq!(
        cloud.count(endpoint) - before,
        1,
        "{name}: one page request"
    );
    let recorded = cloud
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.endpoint.as_deref() == Some(endpoint))
        .expect("the page request is recorded");
    let inventory = cloud.inventory();
    let ctx = SimContext {
        inventory: &inventory,
        block_rules: cloud.block_rules(),
        keys: cloud.keys(),
        iam: cloud.iam(),
        now: SystemClock.now(),
        faults: cloud.faults(),
        endpoint,
        region: recorded.region.as_deref(),
        request_id: "bench",
    };
    let key = sim
        .authenticate(&recorded.request, &ctx)
        .unwrap_or_else(|r| panic!("{name}: the replayed request is refused ({})", r.status));
    let answer = sim.handle(&recorded.request, &key, &ctx);
    assert_eq!(answer.status, 200, "{name}: the replayed page");
    let body = Bytes::from(answer.body);
    let parsed = or_panic("parse", parse(body.clone(), &region));
    // Every field and the raw text: the hidden parser is what the public listing gave.
    assert_eq!(
        parsed, listed,
        "{name}: the page parser differs from the listing"
    );
    assert!(floor.1(&body) > 0, "{name}: the floor reads the page");
    Row {
        name,
        page,
        body,
        region,
        parse,
        floor,
    }
}

fn rows(rt: &Runtime, wanted: &dyn Fn(&str) -> bool) -> Vec<Row> {
    use multicloud_testkit::{aws::AwsSim, baidu::BaiduSim, ctyun::CtyunSim};
    use multicloud_testkit::{huawei::HuaweiSim, tencent::TencentSim};
    let mut rows = Vec::new();

    if wanted("EC2 DescribeInstances") {
        let (cloud, key) = start(rt, AwsSim::new(), 1_000);
        let provider = multicloud_aws::AwsProviderBuilder::new("bench")
            .with_access_key(key)
            .with_endpoint_url(cloud.base_url())
            .build();
        rows.push(capture(
            rt,
            "EC2 DescribeInstances",
            &cloud,
            &AwsSim::new(),
            &or_panic("provider", provider),
            "ec2:DescribeInstances",
            1_000,
            multicloud_aws::__parse_hosts_page,
            ("quick-xml-tokenize", tokenize),
        ));
    }

    if wanted("Tencent CVM DescribeInstances") {
        let (cloud, key) = start(rt, TencentSim::new(), 100);
        let provider = multicloud_tencent::TencentProviderBuilder::new("bench")
            .with_access_key(key)
            .with_endpoint_url(cloud.base_url())
            .build();
        rows.push(capture(
            rt,
            "Tencent CVM DescribeInstances",
            &cloud,
            &TencentSim::new(),
            &or_panic("provider", provider),
            "cvm:DescribeInstances",
            100,
            multicloud_tencent::__parse_hosts_page,
            ("serde-json-value", json_value),
        ));
    }

    if wanted("Huawei ECS ListServersDetails") {
        let (cloud, key) = start(rt, HuaweiSim::new(), 1_000);
        let provider = multicloud_huawei::HuaweiProviderBuilder::new("bench")
            .with_access_key(key)
            .with_endpoint_url(cloud.base_url())
            .build();
        rows.push(capture(
            rt,
            "Huawei ECS ListServersDetails",
            &cloud,
            &HuaweiSim::new(),
            &or_panic("provider", provider),
            "ecs:ListServersDetails",
            1_000,
            multicloud_huawei::__parse_hosts_page,
            ("serde-json-value", json_value),
        ));
    }

    if wanted("Baidu BCC ListInstances") {
        let (cloud, key) = start(rt, BaiduSim::new(), 1_000);
        let provider = multicloud_baidu::BaiduProviderBuilder::new("bench")
            .with_access_key(key)
            .with_endpoint_url(cloud.base_url())
            .build();
        rows.push(capture(
            rt,
            "Baidu BCC ListInstances",
            &cloud,
            &BaiduSim::new(),
            &or_panic("provider", provider),
            BAIDU_ENDPOINT,
            1_000,
            multicloud_baidu::__parse_hosts_page,
            ("serde-json-value", json_value),
        ));
    }

    if wanted("CTyun ECS list-instances") {
        let (cloud, key) = start(rt, CtyunSim::new(), 50);
        let provider = multicloud_ctyun::CtyunProviderBuilder::new("bench")
            .with_access_key(key)
            .with_endpoint_url(cloud.base_url())
            .build();
        rows.push(capture(
            rt,
            "CTyun ECS list-instances",
            &cloud,
            &CtyunSim::new(),
            &or_panic("provider", provider),
            CTYUN_ENDPOINT,
            50,
            multicloud_ctyun::__parse_hosts_page,
            ("serde-json-value", json_value),
        ));
    }
    rows
}

/// The simulators' endpoint names of the Baidu and CTyun host listings.
const BAIDU_ENDPOINT: &str = "bcc:ListInstances";
const CTYUN_ENDPOINT: &str = "ecs:ListInstances";

/// The criterion group of a row.
fn group(name: &str) -> String {
    format!("parse-{}", name.replace(' ', "-"))
}

/// Times one call of `f` (best of three), to size the paired rounds.
fn once(mut f: impl FnMut()) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let rt = or_panic(
        "tokio runtime",
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build(),
    );
    // `cargo bench ... -- EC2` runs (and sets up) only the rows whose name has `EC2`; a
    // criterion filter naming a group (`parse-EC2-DescribeInstances/parse-map`) runs its row.
    let filter = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-') && !a.chars().all(|c| c.is_ascii_digit()));
    let wanted = |name: &str| {
        filter
            .as_deref()
            .is_none_or(|f| name.contains(f) || group(name).contains(f) || f.contains(&group(name)))
    };
    let rows = rows(&rt, &wanted);
    let mut c = Criterion::default().configure_from_args();
    for row in &rows {
        let mut group = c.benchmark_group(group(row.name));
        group.sample_size(20);
        group.throughput(Throughput::Elements(row.page as u64));
        group.bench_function("parse-map", |b| {
            b.iter(|| or_panic("parse", (row.parse)(row.body.clone(), &row.region)))
        });
        group.bench_function(row.floor.0, |b| {
            b.iter(|| (row.floor.1)(black_box(&row.body)))
        });
        group.finish();
    }
    c.final_summary();

    const ROUNDS: usize = 41;
    println!(
        "\npage parse + map / floor (median of {ROUNDS} alternating rounds of about 20 ms a \
         side, interquartile range; then the fastest round of each side, divided)"
    );
    let mut ec2_fastest_ns = None;
    for row in &rows {
        let parse = || {
            black_box(or_panic(
                "parse",
                (row.parse)(row.body.clone(), &row.region),
            ));
        };
        let floor = || {
            black_box((row.floor.1)(black_box(&row.body)));
        };
        let per = once(parse).max(Duration::from_micros(1));
        let iterations = (Duration::from_millis(20).as_nanos() / per.as_nanos()).max(1) as usize;
        let r = paired_ratio(&mut plain(parse), &mut plain(floor), ROUNDS, iterations);
        println!(
            "  {:<32} {:>5} items {:>7.0} KiB   {:>5.2}x [{:.2}–{:.2}]   fastest {:>5.2}x \
             ({:>8.1} µs / {:>8.1} µs {})",
            row.name,
            row.page,
            row.body.len() as f64 / 1024.0,
            r.median,
            r.q1,
            r.q3,
            r.a_fastest_ns / r.b_fastest_ns,
            r.a_fastest_ns / 1e3,
            r.b_fastest_ns / 1e3,
            row.floor.0,
        );
        if row.name.starts_with("EC2") {
            ec2_fastest_ns = Some((r.a_fastest_ns, row));
        }
    }
    if let Some((ours_ns, row)) = ec2_fastest_ns {
        botocore(row, ours_ns);
    }
}

/// botocore's EC2 parser (`create_parser('ec2')` with the `DescribeInstances` output shape)
/// on the same body, timed in a `python3` child: the fastest of a few parses.
fn botocore(row: &Row, ours_ns: f64) {
    const SCRIPT: &str = r#"
import sys, time
import botocore.session
from botocore.parsers import create_parser
model = botocore.session.get_session().get_service_model('ec2')
shape = model.operation_model('DescribeInstances').output_shape
parser = create_parser('ec2')
body = open(sys.argv[1], 'rb').read()
response = {'body': body, 'headers': {}, 'status_code': 200}
out = parser.parse(response, shape)
assert len([i for r in out['Reservations'] for i in r['Instances']]) == int(sys.argv[2])
best = float('inf')
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    parser.parse(response, shape)
    best = min(best, time.perf_counter() - start)
print(best * 1e9)
"#;
    let dir = or_panic("temporary directory", tempfile::tempdir());
    let path = dir.path().join("page.xml");
    or_panic("page file", std::fs::write(&path, &row.body));
    let run = std::process::Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(&path)
        .arg(row.page.to_string())
        .arg("5")
        .output();
    match run {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            match text.trim().parse::<f64>() {
                Ok(boto_ns) => println!(
                    "\nbotocore on the same EC2 page: {:.1} ms (fastest of 5), {:.1}x our \
                     fastest parse + map",
                    boto_ns / 1e6,
                    boto_ns / ours_ns
                ),
                Err(_) => println!("\nbotocore: unexpected output {text:?}"),
            }
        }
        Ok(out) => println!(
            "\nbotocore not measured: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ),
        Err(e) => println!("\nbotocore not measured: no python3 ({e})"),
    }
}

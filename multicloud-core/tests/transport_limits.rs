//! Concurrency and rate limits of the transport.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use multicloud_core::transport::{
    CallInfo, Limit, LimitConfig, Rate, StatusClassifier, TokenBucket, Transport,
};
use multicloud_core::{Error, ErrorKind, ProviderKind};
use tokio::time::Instant;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const LIMIT: usize = 8;
const CALLS: usize = 50;

/// Counts requests the server is working on and remembers the peak.
///
/// `respond` cannot see when the delayed response is delivered, so each request leaves the
/// count after 50 ms on a timer thread, well before its response goes out at 150 ms. The
/// count can thus only undercount what is in flight, never overcount: a peak above the limit
/// means the limit was broken.
#[derive(Clone, Default)]
struct InFlight {
    current: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Respond for InFlight {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let now = self.current.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        let current = self.current.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            current.fetch_sub(1, Ordering::SeqCst);
        });
        ResponseTemplate::new(200).set_delay(Duration::from_millis(150))
    }
}

fn describe() -> CallInfo {
    CallInfo::read_only(ProviderKind::Tencent, "cvm:DescribeInstances")
}

/// Sends `CALLS` parallel calls through `transport`; returns the server's peak in-flight count.
async fn peak_in_flight(transport: Transport) -> usize {
    let server = MockServer::start().await;
    let counter = InFlight::default();
    Mock::given(wiremock::matchers::method("GET"))
        .respond_with(counter.clone())
        .expect(CALLS as u64)
        .mount(&server)
        .await;
    let url = format!("{}/instances", server.uri());
    let mut tasks = Vec::new();
    for _ in 0..CALLS {
        let transport = transport.clone();
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            transport
                .execute(
                    &describe(),
                    |_| {
                        http::Request::get(url.as_str())
                            .body(Bytes::new())
                            .map_err(|e| Error::config(e.to_string()))
                    },
                    &StatusClassifier,
                )
                .await
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().status, 200);
    }
    server.verify().await;
    counter.peak.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_limit_is_never_exceeded_by_50_parallel_calls() {
    let limits = LimitConfig::unlimited().with_api(
        ProviderKind::Tencent,
        "cvm:DescribeInstances",
        Limit::unlimited().with_max_concurrency(LIMIT),
    );
    let transport = Transport::builder().with_limits(limits).build().unwrap();
    let peak = peak_in_flight(transport).await;
    assert!(peak <= LIMIT, "peak {peak} > limit {LIMIT}");
    assert!(peak >= 2, "calls did not run in parallel (peak {peak})");
}

/// The control for the test above: without a limit the same counter sees the overshoot, so
/// it is able to catch a broken limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_limit_the_counter_sees_more_than_the_limit() {
    let transport = Transport::builder()
        .with_limits(LimitConfig::unlimited())
        .build()
        .unwrap();
    let peak = peak_in_flight(transport).await;
    assert!(peak > LIMIT, "peak {peak}");
}

/// How many acquisitions happened at each virtual instant (ms since start).
fn histogram(times: &[Duration]) -> BTreeMap<u128, usize> {
    let mut counts = BTreeMap::new();
    for t in times {
        *counts.entry(t.as_millis()).or_default() += 1;
    }
    counts
}

/// 10/s with a burst of 10: 10 at t=0, then exactly one every 100 ms, the 30th at 2 s.
fn assert_ten_per_second(times: &[Duration]) {
    let mut expected = BTreeMap::from([(0u128, 10usize)]);
    for k in 1..=20u128 {
        expected.insert(k * 100, 1);
    }
    assert_eq!(histogram(times), expected);
}

#[tokio::test(start_paused = true)]
async fn token_bucket_holds_its_rate_under_paused_time() {
    let bucket = Arc::new(TokenBucket::new(Rate::per_second(10)).unwrap());
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let bucket = bucket.clone();
        tasks.push(tokio::spawn(async move {
            bucket.acquire().await;
            start.elapsed()
        }));
    }
    let mut times = Vec::new();
    for task in tasks {
        times.push(task.await.unwrap());
    }
    assert_ten_per_second(&times);
    assert_eq!(times.iter().max(), Some(&Duration::from_secs(2)));
}

#[tokio::test(start_paused = true)]
async fn transport_rate_limit_is_per_api_key() {
    let limits = LimitConfig::unlimited().with_api(
        ProviderKind::Tencent,
        "cvm:DescribeInstances",
        Limit::unlimited().with_rate(Rate::per_second(10)),
    );
    let transport = Transport::builder().with_limits(limits).build().unwrap();
    let start = Instant::now();
    let limited = Arc::new(Mutex::new(Vec::new()));
    let other = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for i in 0..60 {
        let (call, times) = if i % 2 == 0 {
            (describe(), limited.clone())
        } else {
            let call = CallInfo::read_only(ProviderKind::Tencent, "cvm:DescribeRegions");
            (call, other.clone())
        };
        let transport = transport.clone();
        tasks.push(tokio::spawn(async move {
            // The factory runs once the limits admit the attempt: record when, then stop
            // without touching the network.
            let err = transport
                .execute(
                    &call,
                    |_| {
                        times.lock().unwrap().push(start.elapsed());
                        Err(Error::config("stop before sending"))
                    },
                    &StatusClassifier,
                )
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_ten_per_second(&limited.lock().unwrap());
    // Another API of the same provider is not held back by this key's rate.
    assert_eq!(
        histogram(&other.lock().unwrap()),
        BTreeMap::from([(0u128, 30usize)])
    );
}

//! The providers of the fault matrix (`tests/fault_matrix.rs`): for each, how to start its
//! simulator, build a provider pointed at it, which endpoint lists its hosts, how it pages,
//! and what a wrong-shaped 200 looks like in its wire format.
//!
//! A provider joins the matrix with one [`ProviderCase`] here and one line in the
//! `fault_matrix!` invocation.

#![allow(dead_code, unreachable_pub)] // the test binary uses what its cells need

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use multicloud_sdk::aws::AwsProviderBuilder;
use multicloud_sdk::baidu::BaiduProviderBuilder;
use multicloud_sdk::ctyun::CtyunProviderBuilder;
use multicloud_sdk::huawei::HuaweiProviderBuilder;
use multicloud_sdk::tencent::TencentProviderBuilder;
use multicloud_sdk::transport::{LimitConfig, RetryConfig, Transport};
use multicloud_sdk::{Clock, CloudProvider, ErrorKind, StaticCredential};
use multicloud_testkit::aws::AwsSim;
use multicloud_testkit::baidu::BaiduSim;
use multicloud_testkit::ctyun::CtyunSim;
use multicloud_testkit::huawei::HuaweiSim;
use multicloud_testkit::tencent::TencentSim;
use multicloud_testkit::{SimCloud, SimKey};

/// Attempts per call (the first and three retries, millisecond backoff).
pub const ATTEMPTS: u32 = 4;
/// The page cap of every listing in the matrix.
pub const MAX_PAGES: u64 = 8;
/// The response size cap of the matrix's transport.
pub const MAX_RESPONSE_BYTES: u64 = 1 << 20;
/// The per-attempt deadline; the "slow" cell answers after [`SLOW`].
pub const DEADLINE: Duration = Duration::from_millis(600);
/// How late the "slow" cell answers.
pub const SLOW: Duration = Duration::from_secs(2);

/// How a provider's host listing pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// A next-page token (or marker) on each page: an endless listing runs into the page cap.
    Token,
    /// Offset or page number with a reported total: a total beyond the cap stops the listing
    /// after its first page.
    Total,
}

/// The document format of a provider's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// XML (AWS query APIs).
    Xml,
    /// JSON.
    Json,
}

/// A wrong-shaped HTTP 200 answer to the host listing and the error kind it must become.
#[derive(Debug, Clone)]
pub struct WrongShape {
    /// What it is (`html page`, `other action`, …).
    pub name: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its body.
    pub body: String,
    /// The kind of the error it must end the listing with.
    pub kind: ErrorKind,
}

/// Starts a simulator.
pub type StartSim = fn() -> Pin<Box<dyn Future<Output = SimCloud> + Send>>;
/// Builds a provider signing with `key` against the simulator, with `clock` when given.
pub type BuildProvider = fn(&SimCloud, &SimKey, Option<Arc<dyn Clock>>) -> Arc<dyn CloudProvider>;

/// One provider of the matrix.
#[derive(Debug, Clone, Copy)]
pub struct ProviderCase {
    /// The provider's name, for messages.
    pub name: &'static str,
    /// Starts its simulator: a few regions with hosts, the faulted one over two pages.
    pub start: StartSim,
    /// Builds a provider on [`transport`].
    pub build: BuildProvider,
    /// The simulator's endpoint name of the host listing (fault rules, request counts).
    pub hosts_endpoint: &'static str,
    /// How the host listing pages.
    pub paging: Paging,
    /// Hosts per page of the host listing.
    pub page_size: usize,
    /// The API's document format.
    pub format: Format,
    /// Wrong-shaped 200s of the host listing.
    pub wrong_shapes: fn() -> Vec<WrongShape>,
    /// The kind a request signed an hour ahead is refused with.
    pub skew_kind: ErrorKind,
    /// Requests a round sends with a key refused in an earlier round (the region call, or
    /// none when the client remembers the refusal).
    pub dead_round_requests: usize,
    /// Requests a verify sends with a refused key.
    pub dead_verify_requests: usize,
}

/// The transport every provider of the matrix uses: millisecond backoff, no rate limits,
/// [`MAX_PAGES`], [`MAX_RESPONSE_BYTES`], [`DEADLINE`] per attempt, its own connections.
pub fn transport() -> Transport {
    Transport::builder()
        .with_retry(
            RetryConfig::default()
                .with_max_attempts(ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(4))
                .with_seed(3),
        )
        .with_limits(
            LimitConfig::unlimited()
                .with_max_pages(MAX_PAGES)
                .with_max_response_bytes(MAX_RESPONSE_BYTES),
        )
        .with_request_timeout(DEADLINE)
        .with_dedicated_client(true)
        .build()
        .expect("transport builds")
}

async fn start(builder: multicloud_testkit::SimCloudBuilder) -> SimCloud {
    builder
        .seed(21)
        .resources_per_service(1)
        .start()
        .await
        .expect("the simulator starts")
}

const HTML: &str = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\
                    <body><p>captive portal<br></body></html>";

fn html() -> WrongShape {
    WrongShape {
        name: "html page",
        content_type: "text/html",
        body: HTML.to_owned(),
        kind: ErrorKind::Decode,
    }
}

fn shape(
    name: &'static str,
    content_type: &'static str,
    body: &str,
    kind: ErrorKind,
) -> WrongShape {
    WrongShape {
        name,
        content_type,
        body: body.to_owned(),
        kind,
    }
}

const JSON: &str = "application/json";
const XML: &str = "text/xml";

/// AWS: EC2 `DescribeInstances` (XML, `NextToken`), pages of 5.
pub const AWS: ProviderCase = ProviderCase {
    name: "aws",
    start: || Box::pin(start(SimCloud::builder(AwsSim::new()).hosts(24).regions(3))),
    build: |sim, key, clock| {
        let mut b = AwsProviderBuilder::new("matrix")
            .with_credential(StaticCredential::new(key.access_key()))
            .with_domain(key.domain)
            .with_endpoint_url(sim.base_url())
            .with_transport(transport())
            .with_page_size(5);
        if let Some(clock) = clock {
            b = b.with_clock(clock);
        }
        Arc::new(b.build().expect("provider builds"))
    },
    hosts_endpoint: "ec2:DescribeInstances",
    paging: Paging::Token,
    page_size: 5,
    format: Format::Xml,
    skew_kind: ErrorKind::ClockSkew,
    dead_round_requests: 1,
    // The identity call, then its diagnosis probe: is it a key of the other partition
    // (China / International are separate identity systems; asking one about a key of the
    // other cannot count against it)?
    dead_verify_requests: 2,
    // XML has no null: an empty `<reservationSet/>` is a real empty page.
    wrong_shapes: || {
        vec![
            html(),
            shape(
                "other action",
                XML,
                "<DescribeVolumesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\
                 <requestId>v-1</requestId><volumeSet/></DescribeVolumesResponse>",
                ErrorKind::Decode,
            ),
            shape(
                "error envelope",
                XML,
                "<Response><Errors><Error><Code>UnauthorizedOperation</Code>\
                 <Message>not authorized</Message></Error></Errors>\
                 <RequestID>e-1</RequestID></Response>",
                ErrorKind::PermissionDenied,
            ),
            shape(
                "missing list",
                XML,
                "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\
                 <requestId>m-1</requestId></DescribeInstancesResponse>",
                ErrorKind::Decode,
            ),
        ]
    },
};

/// Tencent Cloud: CVM `DescribeInstances` (JSON, `Offset`/`Limit` of 100 with `TotalCount`).
pub const TENCENT: ProviderCase = ProviderCase {
    name: "tencent",
    start: || {
        Box::pin(start(
            SimCloud::builder(TencentSim::new()).hosts(210).regions(2),
        ))
    },
    build: |sim, key, clock| {
        let mut b = TencentProviderBuilder::new("matrix")
            .with_credential(StaticCredential::new(key.access_key()))
            .with_domain(key.domain)
            .with_endpoint_url(sim.base_url())
            .with_transport(transport());
        if let Some(clock) = clock {
            b = b.with_clock(clock);
        }
        Arc::new(b.build().expect("provider builds"))
    },
    hosts_endpoint: "cvm:DescribeInstances",
    paging: Paging::Total,
    page_size: 100,
    format: Format::Json,
    skew_kind: ErrorKind::ClockSkew,
    dead_round_requests: 1,
    dead_verify_requests: 1,
    wrong_shapes: || {
        vec![
            html(),
            shape(
                "other action",
                JSON,
                r#"{"Response":{"TotalCount":0,"DiskSet":[],"RequestId":"o-1"}}"#,
                ErrorKind::Decode,
            ),
            shape(
                "error envelope",
                JSON,
                r#"{"Response":{"Error":{"Code":"UnauthorizedOperation","Message":"no"},"RequestId":"e-1"}}"#,
                ErrorKind::PermissionDenied,
            ),
            shape(
                "missing list",
                JSON,
                r#"{"Response":{"TotalCount":200,"RequestId":"m-1"}}"#,
                ErrorKind::Decode,
            ),
            shape(
                "null list",
                JSON,
                r#"{"Response":{"TotalCount":0,"InstanceSet":null,"RequestId":"n-1"}}"#,
                ErrorKind::Decode,
            ),
        ]
    },
};

/// Huawei Cloud: ECS `ListServersDetails` (JSON, page numbers with `count`), pages of 5.
pub const HUAWEI: ProviderCase = ProviderCase {
    name: "huawei",
    start: || {
        Box::pin(start(
            SimCloud::builder(HuaweiSim::new()).hosts(24).regions(3),
        ))
    },
    build: |sim, key, clock| {
        let mut b = HuaweiProviderBuilder::new("matrix")
            .with_access_key(key.access_key())
            .with_endpoint_url(sim.base_url())
            .with_transport(transport())
            .with_page_size(5);
        if let Some(clock) = clock {
            b = b.with_clock(clock);
        }
        Arc::new(b.build().expect("provider builds"))
    },
    hosts_endpoint: "ecs:ListServersDetails",
    paging: Paging::Total,
    page_size: 5,
    format: Format::Json,
    // The gateway answers a skewed request like a wrong secret (`APIGW.0301`, "verify aksk
    // signature fail"); the diagnosis names both causes.
    skew_kind: ErrorKind::InvalidCredential,
    // The client remembers a refused key (Huawei locks a key after five failures in a row)
    // and sends nothing more with it.
    dead_round_requests: 0,
    dead_verify_requests: 0,
    wrong_shapes: || {
        vec![
            html(),
            shape(
                "other action",
                JSON,
                r#"{"resources":[],"page_info":{"current_count":0}}"#,
                ErrorKind::Decode,
            ),
            shape(
                "error envelope",
                JSON,
                r#"{"error":{"code":"Ecs.0015","message":"forbidden"}}"#,
                ErrorKind::Decode,
            ),
            shape("missing list", JSON, r#"{"count":5}"#, ErrorKind::Decode),
            shape(
                "null list",
                JSON,
                r#"{"count":0,"servers":null}"#,
                ErrorKind::Decode,
            ),
        ]
    },
};

/// Baidu AI Cloud: BCC `ListInstances` (JSON, `marker`/`nextMarker`), pages of 5.
pub const BAIDU: ProviderCase = ProviderCase {
    name: "baidu",
    start: || {
        Box::pin(start(
            SimCloud::builder(BaiduSim::new()).hosts(24).regions(3),
        ))
    },
    build: |sim, key, clock| {
        let mut b = BaiduProviderBuilder::new("matrix")
            .with_credential(StaticCredential::new(key.access_key()))
            .with_endpoint_url(sim.base_url())
            .with_transport(transport())
            .with_page_size(5);
        if let Some(clock) = clock {
            b = b.with_clock(clock);
        }
        Arc::new(b.build().expect("provider builds"))
    },
    hosts_endpoint: "bcc:ListInstances",
    paging: Paging::Token,
    page_size: 5,
    format: Format::Json,
    skew_kind: ErrorKind::ClockSkew,
    dead_round_requests: 1,
    dead_verify_requests: 1,
    wrong_shapes: || {
        vec![
            html(),
            shape(
                "other action",
                JSON,
                r#"{"volumes":[],"marker":"","isTruncated":false,"maxKeys":5}"#,
                ErrorKind::Decode,
            ),
            shape(
                "error envelope",
                JSON,
                r#"{"code":"AccessDenied","message":"denied","requestId":"e-1"}"#,
                ErrorKind::Decode,
            ),
            shape(
                "missing list",
                JSON,
                r#"{"marker":"","isTruncated":false,"maxKeys":5}"#,
                ErrorKind::Decode,
            ),
            shape(
                "null list",
                JSON,
                r#"{"instances":null,"marker":"","isTruncated":false,"maxKeys":5}"#,
                ErrorKind::Decode,
            ),
        ]
    },
};

/// CTyun: ECS `list-instances` (JSON envelope, `pageNo`/`pageSize` with a total), pages of
/// 10 (the API's smallest page).
pub const CTYUN: ProviderCase = ProviderCase {
    name: "ctyun",
    start: || {
        Box::pin(start(
            SimCloud::builder(CtyunSim::new()).hosts(60).regions(3),
        ))
    },
    build: |sim, key, clock| {
        let mut b = CtyunProviderBuilder::new("matrix")
            .with_credential(StaticCredential::new(key.access_key()))
            .with_domain(key.domain)
            .with_endpoint_url(sim.base_url())
            .with_transport(transport())
            .with_page_size(10);
        if let Some(clock) = clock {
            b = b.with_clock(clock);
        }
        Arc::new(b.build().expect("provider builds"))
    },
    hosts_endpoint: "ecs:ListInstances",
    paging: Paging::Total,
    page_size: 10,
    format: Format::Json,
    // EOP answers a skewed `Eop-date` like a wrong secret (CTAPI_10009).
    skew_kind: ErrorKind::InvalidCredential,
    dead_round_requests: 1,
    dead_verify_requests: 1,
    wrong_shapes: || {
        vec![
            html(),
            shape(
                "other action",
                JSON,
                r#"{"statusCode":800,"returnObj":{"volumes":[],"totalCount":0}}"#,
                ErrorKind::Decode,
            ),
            shape(
                "no envelope",
                JSON,
                r#"{"error":{"code":"Forbidden","message":"denied"}}"#,
                ErrorKind::Decode,
            ),
            shape(
                "missing list",
                JSON,
                r#"{"statusCode":800,"returnObj":{"totalCount":5}}"#,
                ErrorKind::Decode,
            ),
            shape(
                "null list",
                JSON,
                r#"{"statusCode":800,"returnObj":{"results":null,"totalCount":0}}"#,
                ErrorKind::Decode,
            ),
        ]
    },
};

/// A well-formed document nested `depth` levels deep, in `format`.
pub fn deep_document(format: Format, depth: usize) -> (&'static str, Vec<u8>) {
    match format {
        Format::Xml => (
            XML,
            format!("{}1{}", "<a>".repeat(depth), "</a>".repeat(depth)).into_bytes(),
        ),
        Format::Json => (
            JSON,
            format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)).into_bytes(),
        ),
    }
}

/// A well-formed document of `len` bytes at least, in `format`.
pub fn big_document(format: Format, len: usize) -> (&'static str, Vec<u8>) {
    let pad = "x".repeat(len);
    match format {
        Format::Xml => (
            XML,
            format!("<DescribeInstancesResponse><pad>{pad}</pad></DescribeInstancesResponse>")
                .into_bytes(),
        ),
        Format::Json => (JSON, format!("{{\"pad\":\"{pad}\"}}").into_bytes()),
    }
}

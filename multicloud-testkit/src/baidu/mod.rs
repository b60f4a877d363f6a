//! The simulated Baidu AI Cloud (BCE).
//!
//! Serves IAM `ListUser`, BCC `describeRegions` and `ListInstances`, VPC, Redis (SCS), Kafka,
//! MongoDB, RDS, BLB and application BLB lists, and BOS `ListBuckets` (JSON), with BCE's
//! marker/maxKeys/isTruncated/nextMarker paging (maxKeys ≤ 1000) and
//! `{"requestId","code","message"}` errors. Every request is verified as `bce-auth-v1`,
//! including its timestamp and validity period.
//!
//! The region comes from the `Host` header (`bcc.gz.baidubce.com`), as on BCE: a client
//! pointed at this server by URL (the SDK's `with_endpoint_url`) keeps the real BCE host in
//! `Host`, so service and region arrive exactly as in production. Requests sent with the
//! loopback Host are served as region `bj`; there `GET /v1/instance` is RDS (MongoDB with
//! `manner=marker`) and `GET /v2/instance` is BCC, since those paths are shared by products.
//! Products the account has not activated ([`BaiduSim::with_inactive_products`]) answer
//! 403 `OptInRequired`.
//!
//! ```
//! use multicloud_testkit::baidu::{self, BaiduSim};
//! use multicloud_testkit::SimCloud;
//!
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let cloud = SimCloud::builder(BaiduSim::new()).hosts(10).start().await?;
//! let admin = cloud.keys().by_label("admin").expect("seeded demo key");
//! assert_eq!(admin.id, baidu::ADMIN_AK);
//! assert!(cloud.inventory().hosts().iter().all(|h| h.id.starts_with("i-")));
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), std::io::Error>(())
//! ```

mod auth;
mod catalog;
mod errors;
mod handlers;
mod routes;
mod wire;

use multicloud_core::ProviderKind;
use rand::rngs::SmallRng;
use rand::Rng;

use crate::fixture::{random_alnum, random_hex, InstanceTypeSpec, ProviderProfile, ResourceSpec};
use crate::sim::{AuthedKey, CloudSim, SimContext, SimRequest, SimResponse};

pub use catalog::{ADMIN_AK, DEMO_ACCOUNT_ID, DISABLED_AK, READONLY_AK};

/// `maxKeys` limit of every BCE marker list.
pub const MAX_KEYS: usize = handlers::MAX_KEYS;

/// The simulated Baidu AI Cloud (plug it into [`SimCloud`](crate::SimCloud)).
#[derive(Debug, Default, Clone, Copy)]
pub struct BaiduSim {
    /// Services (the part of an endpoint name before `:`) the account has not activated.
    inactive: &'static [&'static str],
}

impl BaiduSim {
    /// A simulator.
    pub fn new() -> Self {
        BaiduSim::default()
    }

    /// Products the account has not activated, by service (`kafka`, `mongodb`, `scs`, …,
    /// as in the endpoint names): their calls are answered 403 `OptInRequired` once the
    /// key is authenticated and allowed the call.
    pub fn with_inactive_products(mut self, services: &'static [&'static str]) -> Self {
        self.inactive = services;
        self
    }

    fn is_active(&self, endpoint: &str) -> bool {
        let service = endpoint.split(':').next().unwrap_or_default();
        !self.inactive.contains(&service)
    }
}

fn vpc_attrs(rng: &mut SmallRng, _region: &str) -> serde_json::Value {
    serde_json::json!({
        "vnetIp": format!("192.168.{}.{}", rng.gen_range(0..255u8), rng.gen_range(2..250u8)),
        "address": format!("192.168.{}.{}", rng.gen_range(0..255u8), rng.gen_range(2..250u8)),
        "vpcId": format!("vpc-{}", random_alnum(rng, 12)),
    })
}

/// Baidu AI Cloud's profile: regions, BCC specs, images and the products listed (§4.d).
pub fn profile() -> ProviderProfile {
    ProviderProfile {
        provider: ProviderKind::Baidu,
        regions: catalog::regions(),
        id_gen: catalog::id_gen,
        zone_of: catalog::zone_of,
        instance_types: vec![
            InstanceTypeSpec::new("bcc.g5.c2m8", 2, 8192),
            InstanceTypeSpec::new("bcc.g5.c4m16", 4, 16384),
            InstanceTypeSpec::new("bcc.c5.c2m4", 2, 4096),
            InstanceTypeSpec::new("bcc.m5.c2m16", 2, 16384),
            InstanceTypeSpec::new("bcc.ic5.c1m1", 1, 1024),
        ],
        os_images: vec![
            "Ubuntu 22.04 LTS amd64 (64bit)".into(),
            "CentOS 7.9 x86_64 (64bit)".into(),
            "BaiduLinux 3.0 x86_64 (64bit)".into(),
            "Windows Server 2019 数据中心版 64位中文版".into(),
        ],
        public_ip_prefix: "106".into(),
        resources: vec![
            ResourceSpec::regional("scs", "instance", "redis", |rng, _| {
                format!("scs-{}", random_alnum(rng, 12))
            })
            .with_attrs(vpc_attrs),
            ResourceSpec::regional("kafka", "cluster", "kafka", |rng, _| random_hex(rng, 16))
                .with_attrs(vpc_attrs),
            ResourceSpec::regional("mongodb", "instance", "mongo", |rng, _| {
                format!("m-{}", random_alnum(rng, 6))
            })
            .with_attrs(vpc_attrs),
            ResourceSpec::regional("rds", "instance", "rds", |rng, _| {
                format!("rds-{}", random_alnum(rng, 8))
            })
            .with_attrs(vpc_attrs),
            ResourceSpec::regional("blb", "blb", "blb", |rng, _| {
                format!("lb-{}", random_alnum(rng, 8))
            })
            .with_attrs(vpc_attrs),
            ResourceSpec::regional("blb", "appblb", "appblb", |rng, _| {
                format!("lb-{}", random_alnum(rng, 8))
            })
            .with_attrs(vpc_attrs),
            ResourceSpec::regional("bos", "bucket", "bos-bucket", |_, name| name.to_string()),
            ResourceSpec::regional("iam", "user", "user", |rng, _| random_hex(rng, 16)).global(),
        ],
        vpc_resource: Some(("vpc".into(), "vpc".into())),
        demo_keys: catalog::demo_keys(),
    }
}

fn checked_route(req: &SimRequest) -> Option<routes::Route> {
    routes::route(req).filter(|r| catalog::is_region(&r.region))
}

impl CloudSim for BaiduSim {
    fn provider(&self) -> ProviderKind {
        ProviderKind::Baidu
    }

    fn profile(&self) -> ProviderProfile {
        profile()
    }

    fn endpoint_of(&self, req: &SimRequest) -> Option<String> {
        checked_route(req).map(|r| r.api.endpoint().to_string())
    }

    /// The region in the host (`bcc.gz.baidubce.com`); loopback hosts are served as `bj`.
    fn region_of(&self, req: &SimRequest, _ctx: &SimContext<'_>) -> Option<String> {
        checked_route(req).map(|r| r.region)
    }

    fn authenticate(
        &self,
        req: &SimRequest,
        ctx: &SimContext<'_>,
    ) -> Result<AuthedKey, SimResponse> {
        auth::authenticate(req, ctx)
    }

    fn handle(&self, req: &SimRequest, key: &AuthedKey, ctx: &SimContext<'_>) -> SimResponse {
        match checked_route(req) {
            Some(r) if !self.is_active(r.api.endpoint()) => errors::opt_in_required(ctx.request_id),
            Some(r) if ctx.inventory.region(&r.region).is_some_and(|x| x.opted_in) => {
                handlers::handle(&r, req, key, ctx)
            }
            // A region the account cannot use: its endpoint does not exist.
            _ => errors::invalid_uri(ctx.request_id),
        }
    }

    fn throttle_response(&self, _req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        errors::throttled(ctx.request_id)
    }

    fn server_error_response(&self, _req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        errors::internal_error(ctx.request_id)
    }

    fn clock_skew_response(&self, _req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        errors::request_expired(
            &wire::utc(ctx.now - time::Duration::hours(1)),
            ctx.request_id,
        )
    }

    fn unknown_route_response(&self, _req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        errors::invalid_uri(ctx.request_id)
    }
}

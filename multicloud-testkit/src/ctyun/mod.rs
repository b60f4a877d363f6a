//! The simulated CTyun (China Telecom e-Surfing Cloud).
//!
//! Serves ctecs `list-regions` (the identity call; pools carry `openapiAvailable`),
//! `customer-resources` and ECS `list-instances` (`pageNo`/`pageSize` ≤ 50, or
//! `maxResults`/`nextToken`), and the product lists of providers.md §5.d: Kafka
//! (`pageNum`, header `regionId`), Redis/DCS2 (`pageIndex`, header `regionId`), ZOS buckets,
//! ELB (no paging), EBS (`pageSize` ≤ 300) and RocketMQ (`/v2/instance/list`, header
//! `regionId`, no paging). Answers use the `statusCode` 800/900 envelope; gateway failures
//! use the EOP `CTAPI_*` shape. Every request's EOP signature is verified.
//!
//! The simulator is the Chinese edition's gateway: a key of the International edition
//! ([`INTL_AK`]) is unknown to it and refused like any unknown key (`CTAPI_10002`).
//!
//! ```
//! use multicloud_testkit::ctyun::{self, CtyunSim};
//! use multicloud_testkit::SimCloud;
//!
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let cloud = SimCloud::builder(CtyunSim::new()).hosts(10).start().await?;
//! let huadong1 = ctyun::region_id("cn-huadong1");
//! assert!(cloud.inventory().region(&huadong1).is_some_and(|r| r.opted_in));
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

use crate::fixture::{
    random_alnum, random_hex, random_uuid, InstanceTypeSpec, ProviderProfile, ResourceSpec,
};
use crate::sim::{AuthedKey, CloudSim, SimContext, SimRequest, SimResponse};

pub use catalog::{region_id, ADMIN_AK, DEMO_ACCOUNT_ID, DISABLED_AK, INTL_AK, READONLY_AK};

/// ECS `list-instances` `pageSize` limit.
pub const ECS_MAX_PAGE_SIZE: u64 = handlers::ECS_MAX_PAGE_SIZE;
/// ZOS `list-buckets` `pageSize` limit.
pub const ZOS_MAX_PAGE_SIZE: u64 = handlers::ZOS_MAX_PAGE_SIZE;
/// EBS `list-ebs` `pageSize` limit.
pub const EBS_MAX_PAGE_SIZE: u64 = handlers::EBS_MAX_PAGE_SIZE;

/// The simulated CTyun (plug it into [`SimCloud`](crate::SimCloud)).
#[derive(Debug, Default, Clone, Copy)]
pub struct CtyunSim;

impl CtyunSim {
    /// A simulator.
    pub fn new() -> Self {
        CtyunSim
    }
}

fn net_attrs(rng: &mut SmallRng, _region: &str) -> serde_json::Value {
    serde_json::json!({
        "vpcId": format!("vpc-{}", random_alnum(rng, 10)),
        "subnetId": format!("subnet-{}", random_alnum(rng, 10)),
        "ip": format!("192.168.{}.{}", rng.gen_range(0..255u8), rng.gen_range(2..250u8)),
        "instanceId": random_uuid(rng),
    })
}

/// CTyun's profile: resource pools (two without OpenAPI access), flavors, images and the
/// products listed.
pub fn profile() -> ProviderProfile {
    ProviderProfile {
        provider: ProviderKind::Ctyun,
        regions: catalog::regions(),
        id_gen: catalog::id_gen,
        zone_of: catalog::zone_of,
        instance_types: vec![
            InstanceTypeSpec::new("s7.small.1", 1, 1024),
            InstanceTypeSpec::new("s7.large.2", 2, 4096),
            InstanceTypeSpec::new("s7.xlarge.2", 4, 8192),
            InstanceTypeSpec::new("c7.large.2", 2, 4096),
            InstanceTypeSpec::new("m7.large.8", 2, 16384),
        ],
        os_images: vec![
            "CentOS 7.9 64位".into(),
            "Ubuntu 22.04 64位".into(),
            "CTyunOS 23.01 64位".into(),
            "Windows Server 2019 数据中心版 64位中文版".into(),
        ],
        public_ip_prefix: "36".into(),
        resources: vec![
            ResourceSpec::regional("ctgkafka", "instance", "kafka", |rng, _| {
                random_hex(rng, 16)
            })
            .with_attrs(net_attrs),
            ResourceSpec::regional("dcs2", "instance", "redis", |rng, _| random_hex(rng, 16))
                .with_attrs(net_attrs),
            ResourceSpec::regional("zos", "bucket", "zos-bucket", |_, name| name.to_string()),
            ResourceSpec::regional("ctelb", "loadbalancer", "elb", |rng, _| {
                format!("lb-{}", random_alnum(rng, 10))
            })
            .with_attrs(net_attrs),
            ResourceSpec::regional("ebs", "disk", "disk", |rng, _| random_uuid(rng))
                .with_attrs(net_attrs),
            // Last, so the products before it keep their generated fixtures.
            ResourceSpec::regional("rocketmq", "instance", "rocketmq", |rng, _| {
                random_hex(rng, 16)
            })
            .with_attrs(net_attrs),
        ],
        vpc_resource: Some(("ctvpc".into(), "vpc".into())),
        demo_keys: catalog::demo_keys(),
    }
}

impl CloudSim for CtyunSim {
    fn provider(&self) -> ProviderKind {
        ProviderKind::Ctyun
    }

    fn profile(&self) -> ProviderProfile {
        profile()
    }

    fn endpoint_of(&self, req: &SimRequest) -> Option<String> {
        routes::route(req).map(|a| a.endpoint().to_string())
    }

    /// The `regionID` query parameter, the `regionId` header (Kafka, Redis) or the
    /// `regionID` of a JSON body (ECS `list-instances`); `None` for global calls.
    fn region_of(&self, req: &SimRequest, _ctx: &SimContext<'_>) -> Option<String> {
        let non_empty = |r: &&str| !r.is_empty();
        if let Some(r) = req.query_param("regionID").filter(non_empty) {
            return Some(r.to_string());
        }
        if let Some(r) = req.header("regionId").filter(non_empty) {
            return Some(r.to_string());
        }
        let body = req.json_body().ok()?;
        body.get("regionID")
            .and_then(|v| v.as_str())
            .filter(non_empty)
            .map(str::to_string)
    }

    fn authenticate(
        &self,
        req: &SimRequest,
        ctx: &SimContext<'_>,
    ) -> Result<AuthedKey, SimResponse> {
        auth::authenticate(req, ctx)
    }

    fn handle(&self, req: &SimRequest, _key: &AuthedKey, ctx: &SimContext<'_>) -> SimResponse {
        match routes::route(req) {
            Some(api) => handlers::handle(api, req, ctx),
            None => errors::no_such_api(ctx.request_id),
        }
    }

    fn throttle_response(&self, _req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        errors::throttled(ctx.request_id)
    }

    fn server_error_response(&self, _req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        errors::internal_error(ctx.request_id)
    }

    fn clock_skew_response(&self, _req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        errors::signature_failed(ctx.request_id)
    }

    fn unknown_route_response(&self, _req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        errors::no_such_api(ctx.request_id)
    }
}

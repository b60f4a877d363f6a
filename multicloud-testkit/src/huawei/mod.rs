//! The simulated Huawei Cloud.
//!
//! Serves IAM (`/v3/auth/projects`, `/v3/auth/domains`, `/v3/projects`, `/v3/regions`,
//! `/v3.0/OS-CREDENTIAL/credentials/{ak}`, and the users, groups, grants, custom policies and
//! access keys of quick configuration: `iam_write.rs`), ECS `ListServersDetails`, RMS
//! `ListAllResources`, OBS `ListBuckets`, and the CFW black/white-list, CFW address-group
//! member and WAF white/black-IP calls, with Huawei's paths, paging, bodies and error codes. Every APIG-fronted call is
//! verified as `SDK-HMAC-SHA256` (and AKs lock after more than five consecutive failures);
//! OBS calls are verified with the OBS/V2 signature the official OBS clients send
//! (`OBS AK:sig` or `AWS AK:sig`, HMAC-SHA1 over the V2 string to sign).
//!
//! Requests may be sent to the loopback address with the real `Host`, e.g.
//! `ecs.cn-north-4.myhuaweicloud.com`: the host's service must match the path and its region
//! must match the project; with `Host: 127.0.0.1:port` the region comes from the project id
//! in the path.
//!
//! ```
//! use multicloud_testkit::huawei::{self, HuaweiSim};
//! use multicloud_testkit::SimCloud;
//!
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let cloud = SimCloud::builder(HuaweiSim::new()).hosts(30).start().await?;
//! let admin = cloud.keys().by_label("admin").expect("seeded demo key");
//! assert_eq!(admin.account_id, huawei::DEMO_DOMAIN_ID);
//! let project = huawei::project_id(huawei::DEMO_DOMAIN_ID, "cn-north-4");
//! assert_eq!(project.len(), 32);
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), std::io::Error>(())
//! ```

mod addressgroups;
mod auth;
mod blocklist;
mod catalog;
mod errors;
mod handlers;
mod iam_roles;
mod iam_routes;
mod iam_write;
mod obs;
mod routes;
mod waf;
mod wire;

use multicloud_core::ProviderKind;
use rand::rngs::SmallRng;
use rand::Rng;

use crate::fixture::{random_hex, random_uuid, InstanceTypeSpec, ProviderProfile, ResourceSpec};
use crate::keys::Permissions;
use crate::sim::{AuthedKey, CloudSim, SimContext, SimRequest, SimResponse};
use routes::{host_info, route, Route};

pub use addressgroups::{address_set_id, BLOCK_GROUP};
pub use blocklist::{firewall_id, protect_object_id};
pub use catalog::{
    project_id, root_key, ADMIN_AK, DEMO_DOMAIN_ID, DEMO_DOMAIN_NAME, DISABLED_AK, READONLY_AK,
};
pub use waf::waf_policy_ids;

/// ECS `ListServersDetails` page-size limit.
pub const ECS_MAX_LIMIT: u64 = handlers::ECS_MAX_LIMIT;
/// RMS `ListAllResources` page-size limit.
pub const RMS_MAX_LIMIT: u64 = handlers::RMS_MAX_LIMIT;

/// The simulated Huawei Cloud (plug it into [`SimCloud`](crate::SimCloud)).
#[derive(Debug, Default)]
pub struct HuaweiSim {
    lockout: auth::Lockout,
}

impl HuaweiSim {
    /// A fresh simulator (no AK locked).
    pub fn new() -> Self {
        HuaweiSim::default()
    }
}

fn rds_id(rng: &mut SmallRng, _name: &str) -> String {
    format!("{}in01", random_hex(rng, 16))
}

fn uuid_id(rng: &mut SmallRng, _name: &str) -> String {
    random_uuid(rng)
}

/// Huawei Cloud's profile: region catalog (regions without a project stand for regions the
/// account does not use), ECS flavors, images, and the RMS resource types listed.
pub fn profile() -> ProviderProfile {
    ProviderProfile {
        provider: ProviderKind::Huawei,
        regions: catalog::regions(),
        id_gen: catalog::id_gen,
        zone_of: |region, i| format!("{region}{}", (b'a' + (i % 3) as u8) as char),
        instance_types: vec![
            InstanceTypeSpec::new("s6.small.1", 1, 1024),
            InstanceTypeSpec::new("s6.medium.2", 1, 2048),
            InstanceTypeSpec::new("s6.large.2", 2, 4096),
            InstanceTypeSpec::new("s6.xlarge.2", 4, 8192),
            InstanceTypeSpec::new("c7.large.2", 2, 4096),
            InstanceTypeSpec::new("c7.xlarge.4", 4, 16384),
            InstanceTypeSpec::new("m6.large.8", 2, 16384),
        ],
        os_images: vec![
            "Ubuntu 22.04 server 64bit".into(),
            "CentOS 7.9 64bit".into(),
            "Huawei Cloud EulerOS 2.0 Standard 64 bit".into(),
            "Windows Server 2019 Standard 64bit".into(),
        ],
        public_ip_prefix: "121".into(),
        resources: vec![
            ResourceSpec::regional("rds", "instances", "rds", rds_id).with_attrs(|_, _| {
                serde_json::json!({"engine": "MySQL", "engine_version": "8.0", "status": "ACTIVE", "port": 3306})
            }),
            ResourceSpec::regional("elb", "loadbalancers", "elb", uuid_id).with_attrs(|rng, _| {
                serde_json::json!({
                    "vip_address": format!("192.168.{}.{}", rng.gen_range(0..255u8), rng.gen_range(2..250u8)),
                    "provisioning_status": "ACTIVE",
                })
            }),
            ResourceSpec::regional("evs", "volumes", "evs", uuid_id).with_attrs(|_, _| {
                serde_json::json!({"size": 40, "volume_type": "SSD", "status": "in-use"})
            }),
            ResourceSpec::regional("obs", "buckets", "obs-bucket", |_, name| name.to_string()),
        ],
        vpc_resource: Some(("vpc".into(), "vpcs".into())),
        demo_keys: catalog::demo_keys(),
    }
}

/// Routes with the host checked against the catalog: an unknown region, or the EU region on
/// the `.com` domain (or the reverse), is an unknown API.
fn checked_route(req: &SimRequest) -> Option<Route> {
    let r = route(req)?;
    let info = host_info(&req.host_name());
    if let Some(region) = &info.region {
        let known = catalog::REGIONS.iter().any(|c| c.0 == region);
        if !known || (region == "eu-west-101") != info.eu {
            return None;
        }
    }
    Some(r)
}

/// Calls any valid key may make (they only describe the caller).
const ALWAYS_ALLOWED: &[&str] = &[
    "iam:KeystoneListAuthProjects",
    "iam:KeystoneListAuthDomains",
];

/// Whether the key's policy grants this call. IAM policies are granted per region project:
/// a pattern `endpoint@region` (e.g. `ecs:ListServersDetails@cn-north-4`) grants (in
/// [`Permissions::Only`]) or refuses (in [`Permissions::AllExcept`]) the call in that region
/// only, next to plain endpoint patterns that apply everywhere.
fn granted(permissions: &Permissions, ctx: &SimContext<'_>) -> bool {
    let plain = permissions.allows(ctx.endpoint);
    let Some(region) = ctx.region else {
        return plain;
    };
    let scoped = permissions.allows(&format!("{}@{region}", ctx.endpoint));
    match permissions {
        Permissions::All => true,
        Permissions::Only(_) => plain || scoped,
        Permissions::AllExcept(_) => plain && scoped,
    }
}

impl CloudSim for HuaweiSim {
    fn provider(&self) -> ProviderKind {
        ProviderKind::Huawei
    }

    fn profile(&self) -> ProviderProfile {
        profile()
    }

    fn endpoint_of(&self, req: &SimRequest) -> Option<String> {
        checked_route(req).map(|r| r.endpoint().to_string())
    }

    /// The region in a real host, else the region of the project id in the path (looked up
    /// across the accounts of the known keys); `None` for global calls.
    fn region_of(&self, req: &SimRequest, ctx: &SimContext<'_>) -> Option<String> {
        if let Some(region) = host_info(&req.host_name()).region {
            return Some(region);
        }
        let project = match checked_route(req)? {
            Route::Servers { project_id }
            | Route::CfwFirewalls { project_id }
            | Route::CfwAdd { project_id }
            | Route::CfwList { project_id }
            | Route::CfwDelete { project_id, .. }
            | Route::CfwListSets { project_id }
            | Route::CfwListItems { project_id }
            | Route::CfwAddItems { project_id }
            | Route::CfwDeleteItem { project_id, .. }
            | Route::WafPolicies { project_id }
            | Route::WafCreate { project_id, .. }
            | Route::WafList { project_id, .. }
            | Route::WafDelete { project_id, .. } => project_id,
            _ => return None,
        };
        let mut accounts: Vec<String> = ctx.keys.all().into_iter().map(|k| k.account_id).collect();
        accounts.sort();
        accounts.dedup();
        accounts
            .iter()
            .find_map(|account| handlers::project_region(ctx, account, &project))
    }

    fn authenticate(
        &self,
        req: &SimRequest,
        ctx: &SimContext<'_>,
    ) -> Result<AuthedKey, SimResponse> {
        let Some(r) = checked_route(req) else {
            return Err(errors::no_such_api(ctx.request_id));
        };
        if r.is_obs() {
            return obs::authenticate(&r, req, ctx.keys, ctx);
        }
        let (key, authed) = auth::authenticate(req, ctx, &self.lockout)?;
        if !ALWAYS_ALLOWED.contains(&ctx.endpoint) && !granted(&key.permissions, ctx) {
            return Err(errors::permission_denied(
                r.service(),
                r.iam_action(),
                ctx.request_id,
            ));
        }
        Ok(authed)
    }

    fn handle(&self, req: &SimRequest, key: &AuthedKey, ctx: &SimContext<'_>) -> SimResponse {
        let Some(r) = checked_route(req) else {
            return errors::no_such_api(ctx.request_id);
        };
        match &r {
            Route::AuthProjects
            | Route::AuthDomains
            | Route::Projects
            | Route::Regions
            | Route::Credential { .. } => handlers::iam(&r, req, key, ctx),
            Route::Iam(iam) => iam_write::handle(iam, req, key, ctx),
            Route::Servers { project_id } => handlers::servers(req, key, ctx, project_id),
            Route::AllResources { domain_id } => handlers::all_resources(req, key, ctx, domain_id),
            Route::ObsListBuckets => obs::list_buckets(req, key, ctx),
            Route::ObsApiVersion => obs::api_version(ctx),
            Route::CfwFirewalls { project_id } => {
                blocklist::cfw_firewalls(req, key, ctx, project_id)
            }
            Route::CfwAdd { project_id } => blocklist::cfw_add(req, key, ctx, project_id),
            Route::CfwList { project_id } => blocklist::cfw_list(req, key, ctx, project_id),
            Route::CfwDelete {
                project_id,
                list_id,
            } => blocklist::cfw_delete(req, key, ctx, project_id, list_id),
            Route::CfwListSets { project_id } => {
                addressgroups::list_sets(req, key, ctx, project_id)
            }
            Route::CfwListItems { project_id } => {
                addressgroups::list_items(req, key, ctx, project_id)
            }
            Route::CfwAddItems { project_id } => {
                addressgroups::add_items(req, key, ctx, project_id)
            }
            Route::CfwDeleteItem {
                project_id,
                item_id,
            } => addressgroups::delete_item(req, key, ctx, project_id, item_id),
            Route::WafPolicies { project_id } => waf::waf_policies(req, key, ctx, project_id),
            Route::WafCreate {
                project_id,
                policy_id,
            } => waf::waf_create(req, key, ctx, project_id, policy_id),
            Route::WafList {
                project_id,
                policy_id,
            } => waf::waf_list(req, key, ctx, project_id, policy_id),
            Route::WafDelete {
                project_id,
                policy_id,
                rule_id,
            } => waf::waf_delete(req, key, ctx, project_id, policy_id, rule_id),
        }
    }

    fn throttle_response(&self, req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        match checked_route(req) {
            Some(r) if r.is_obs() => obs::throttled(ctx),
            _ => errors::throttled(ctx.request_id),
        }
    }

    fn server_error_response(&self, req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        match checked_route(req) {
            Some(r) if r.is_obs() => obs::internal_error(ctx),
            _ => errors::backend_failed(ctx.request_id),
        }
    }

    fn clock_skew_response(&self, req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        match checked_route(req) {
            Some(r) if r.is_obs() => obs::skewed(ctx),
            _ => errors::auth_failed(errors::MSG_SIGNATURE, ctx.request_id),
        }
    }

    fn unknown_route_response(&self, _req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        errors::no_such_api(ctx.request_id)
    }
}

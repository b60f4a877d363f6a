//! The simulated Tencent Cloud (providers.md §3): API 3.0 over `POST /` with JSON bodies,
//! TC3-HMAC-SHA256 signatures and `X-TC-Action`/`Version`/`Region`/`Timestamp` headers;
//! errors are HTTP 200 `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`.
//!
//! Endpoint names (for faults, permissions and recording) are `{service}:{Action}`:
//!
//! | endpoint | call |
//! |---|---|
//! | `sts:GetCallerIdentity`, `cam:GetUserAppId` | identity |
//! | `region:DescribeRegions` | regions (`Product` required) |
//! | `cvm:DescribeInstances` | hosts (Offset/Limit ≤ 100) |
//! | `tag:GetResources` | tagged resources (`PaginationToken`, ≤ 200) |
//! | `cbs:DescribeDisks`, `clb:DescribeLoadBalancers`, `vpc:DescribeVpcs`, `vpc:DescribeSecurityGroups`, `cdb:DescribeDBInstances`, `redis:DescribeInstances`, `cam:ListUsers` | products |
//! | `cfw:CreateBlockIgnoreRuleNew`, `cfw:DescribeBlockIgnoreList`, `cfw:DeleteBlockIgnoreRuleNew`, `cfw:DeleteBlockIgnoreRuleList` | firewall IP lists |
//! | `cam:AddUser`, `cam:CreateAccessKey`, … (see `cam.rs`) | quick configuration: sub-users, policies, keys (root only) |
//! | `cos:GetService` | buckets (COS XML API, `q-sign-algorithm=sha1` signatures) |
//! | `cls:OpenKafkaConsumer`, `cls:DescribeKafkaConsumer` | Kafka consumption of the Cloud Audit log topic (see `cls.rs`) |
//! | `waf:DescribeDomains`, `waf:CreateIpAccessControl`, `waf:DescribeIpAccessControl`, `waf:DeleteIpAccessControlV2`, `waf:DeleteIpAccessControl` | WAF IP lists |
//!
//! The service is taken from a real host (`cvm.tencentcloudapi.com`, `.intl.` for the
//! International site) or, for loopback hosts, from the TC3 credential scope.

mod auth;
mod cam;
mod cfw;
mod cls;
mod cos;
mod cvm;
mod errors;
mod identity;
mod products;
mod profile;
mod route;
mod waf;

use multicloud_core::ProviderKind;
use serde_json::Value;

use crate::fixture::ProviderProfile;
use crate::sim::{AuthedKey, CloudSim, SimContext, SimRequest, SimResponse};

pub use cls::{CLS_AUDIT_LOGSET_ID, CLS_AUDIT_TOPIC_ID};
pub use profile::{demo_keys, profile, APP_ID, DEMO_KEYS, OWNER_UIN, WRITE_ENDPOINTS};

use errors::TcError;

/// The Tencent Cloud simulator.
#[derive(Debug, Clone, Default)]
pub struct TencentSim {
    /// CLS topics with Kafka consumption opened (shared by clones).
    kafka_consumers: cls::KafkaConsumers,
}

impl TencentSim {
    /// A simulator with the standard profile.
    pub fn new() -> Self {
        TencentSim::default()
    }
}

/// A UUID-shaped id derived from `seed` (stable across runs).
pub(crate) fn stable_uuid(seed: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    crate::server::request_id(h)
}

/// One request being handled.
pub(crate) struct Call<'a> {
    pub(crate) ctx: &'a SimContext<'a>,
    pub(crate) key: &'a AuthedKey,
    pub(crate) params: Value,
}

fn wrap(result: Result<Value, TcError>, rid: &str) -> SimResponse {
    match result {
        Ok(Value::Object(mut map)) => {
            map.insert("RequestId".into(), Value::String(rid.into()));
            SimResponse::json(200, &serde_json::json!({ "Response": map }))
        }
        Ok(_) => errors::internal_error().render(rid),
        Err(e) => e.render(rid),
    }
}

/// Checks `X-TC-Version` and `X-TC-Region` for the service; returns the region.
fn check_headers(
    req: &SimRequest,
    ctx: &SimContext<'_>,
    spec: &route::ServiceSpec,
) -> Result<Option<String>, TcError> {
    let version = req
        .header("x-tc-version")
        .ok_or_else(|| errors::missing("Version"))?;
    if version != spec.version {
        return Err(TcError::new(
            "NoSuchVersion",
            format!(
                "The API version `{version}` of service `{}` does not exist.",
                spec.name
            ),
        ));
    }
    let region = req.header("x-tc-region").filter(|r| !r.is_empty());
    match region {
        None if spec.regional => Err(errors::missing("Region")),
        None => Ok(None),
        Some(r) => match ctx.inventory.region(r) {
            Some(known) if known.opted_in => Ok(Some(r.to_string())),
            _ if !spec.regional => Ok(Some(r.to_string())),
            _ => Err(TcError::new(
                "UnsupportedRegion",
                format!("The region `{r}` is not supported."),
            )),
        },
    }
}

impl CloudSim for TencentSim {
    fn provider(&self) -> ProviderKind {
        ProviderKind::Tencent
    }

    fn profile(&self) -> ProviderProfile {
        profile()
    }

    fn endpoint_of(&self, req: &SimRequest) -> Option<String> {
        if cos::is_cos(req) {
            let root = req.method == http::Method::GET && req.path == "/";
            return root.then(|| cos::GET_SERVICE.to_string());
        }
        let r = route::route(req)?;
        let spec = route::spec(&r.service)?;
        let action = route::action(req)?;
        spec.actions
            .contains(&action)
            .then(|| format!("{}:{action}", spec.name))
    }

    /// The `X-TC-Region` header (API 3.0 names the region only there).
    fn region_of(&self, req: &SimRequest, _ctx: &SimContext<'_>) -> Option<String> {
        req.header("x-tc-region")
            .filter(|r| !r.is_empty())
            .map(str::to_string)
    }

    fn authenticate(
        &self,
        req: &SimRequest,
        ctx: &SimContext<'_>,
    ) -> Result<AuthedKey, SimResponse> {
        let authed = |k: crate::keys::SimKey| AuthedKey {
            key_id: k.id,
            account_id: k.account_id,
            user_name: k.user_name,
            user_id: k.user_id,
        };
        if cos::is_cos(req) {
            return cos::authenticate(req, ctx).map(authed);
        }
        let route = route::route(req)
            .ok_or_else(|| errors::invalid_authorization().render(ctx.request_id))?;
        auth::authenticate(req, ctx, &route, ctx.endpoint)
            .map(authed)
            .map_err(|e| e.render(ctx.request_id))
    }

    fn handle(&self, req: &SimRequest, key: &AuthedKey, ctx: &SimContext<'_>) -> SimResponse {
        let rid = ctx.request_id;
        if ctx.endpoint == cos::GET_SERVICE {
            return cos::get_service(req, ctx, &key.account_id);
        }
        let Some((service, action)) = ctx.endpoint.split_once(':') else {
            return errors::invalid_action("").render(rid);
        };
        let Some(spec) = route::spec(service) else {
            return errors::invalid_action(action).render(rid);
        };
        let region = match check_headers(req, ctx, spec) {
            Ok(r) => r.unwrap_or_default(),
            Err(e) => return e.render(rid),
        };
        let params = match route::params(req) {
            Ok(p) => p,
            Err(e) => return e.render(rid),
        };
        let call = Call { ctx, key, params };
        let result = match (service, action) {
            ("sts", _) => identity::get_caller_identity(&call),
            ("cam", "GetUserAppId") => identity::get_user_app_id(&call),
            ("cam", "ListUsers") => identity::list_users(&call),
            ("cam", _) => cam::handle(&call, action),
            ("region", _) => identity::describe_regions(&call),
            ("cvm", _) => cvm::describe_instances(&call, &region),
            ("tag", _) => products::get_resources(&call),
            ("cbs", _) => products::describe_disks(&call, &region),
            ("clb", _) => products::describe_load_balancers(&call, &region),
            ("vpc", "DescribeVpcs") => products::describe_vpcs(&call, &region),
            ("vpc", _) => products::describe_security_groups(&call, &region),
            ("cdb", _) => products::describe_db_instances(&call, &region),
            ("redis", _) => products::describe_redis(&call, &region),
            ("cfw", "CreateBlockIgnoreRuleNew") => cfw::create(&call),
            ("cfw", "DescribeBlockIgnoreList") => cfw::describe(&call),
            ("cfw", "DeleteBlockIgnoreRuleNew") => cfw::delete_new(&call),
            ("cfw", _) => cfw::delete_list(&call),
            ("cls", "OpenKafkaConsumer") => cls::open(&call, &region, &self.kafka_consumers),
            ("cls", _) => cls::describe(&call, &region, &self.kafka_consumers),
            ("waf", "DescribeDomains") => waf::describe_domains(&call),
            ("waf", "CreateIpAccessControl") => waf::create(&call),
            ("waf", "DescribeIpAccessControl") => waf::describe(&call),
            ("waf", "DeleteIpAccessControlV2") => waf::delete_v2(&call),
            ("waf", _) => waf::delete_v1(&call),
            _ => Err(errors::invalid_action(action)),
        };
        wrap(result, rid)
    }

    fn throttle_response(&self, req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        if cos::is_cos(req) {
            return cos::error(
                503,
                "SlowDown",
                "Please reduce your request rate.",
                ctx.request_id,
            );
        }
        errors::request_limit_exceeded().render(ctx.request_id)
    }

    fn server_error_response(&self, req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        if cos::is_cos(req) {
            return cos::error(
                500,
                "InternalError",
                "We encountered an internal error. Please try again.",
                ctx.request_id,
            );
        }
        // A gateway-level failure: a 5xx status with the InternalError body.
        errors::internal_error().render_with_status(500, ctx.request_id)
    }

    fn clock_skew_response(&self, req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        if cos::is_cos(req) {
            return cos::error(
                403,
                "RequestTimeTooSkewed",
                "The difference between the request time and the server's time is too large.",
                ctx.request_id,
            );
        }
        let now = ctx.now.unix_timestamp();
        let signed = auth::signed_time(req)
            .filter(|t| (now - t).abs() > auth::MAX_SKEW_SECS)
            .unwrap_or(now - 600);
        errors::signature_expire(signed, now).render(ctx.request_id)
    }

    fn unknown_route_response(&self, req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
        if cos::is_cos(req) {
            return cos::error(
                405,
                "MethodNotAllowed",
                "The specified method is not allowed against this resource.",
                ctx.request_id,
            );
        }
        if route::route(req).is_none() {
            return errors::invalid_authorization().render(ctx.request_id);
        }
        errors::invalid_action(route::action(req).unwrap_or("")).render(ctx.request_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_uuids_are_stable_and_distinct() {
        assert_eq!(stable_uuid("ins-1"), stable_uuid("ins-1"));
        assert_ne!(stable_uuid("ins-1"), stable_uuid("ins-2"));
        assert_eq!(stable_uuid("x").len(), 36);
    }
}

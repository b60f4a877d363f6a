//! Handlers of the IAM, ECS and RMS calls (CFW/WAF live in `blocklist.rs`, OBS in `obs.rs`).

use serde_json::json;
use time::OffsetDateTime;

use super::catalog::project_id;
use super::errors;
use super::routes::{host_info, Route};
use super::wire;
use crate::sim::{AuthedKey, SimContext, SimRequest, SimResponse};

/// ECS `ListServersDetails` page-size limit and default.
pub(crate) const ECS_MAX_LIMIT: u64 = 1000;
const ECS_DEFAULT_LIMIT: u64 = 25;
/// RMS `ListAllResources` page-size range and default.
pub(crate) const RMS_MAX_LIMIT: u64 = 200;
const RMS_DEFAULT_LIMIT: u64 = 100;

/// A JSON 200 with the request id header every Huawei answer carries.
pub(crate) fn ok(body: &serde_json::Value, ctx: &SimContext<'_>) -> SimResponse {
    SimResponse::json(200, body).with_header("X-Request-Id", ctx.request_id)
}

/// Parses an optional unsigned integer query parameter; `Err` if present but not a number.
pub(crate) fn uint_param(req: &SimRequest, name: &str) -> Result<Option<u64>, String> {
    match req.query_param(name) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse::<u64>()
            .map(Some)
            .map_err(|_| format!("Invalid parameter {name}: {v}")),
    }
}

/// The region of a project of the caller's account; `None` if the project is not theirs
/// (or is `MOS`, which has no region).
pub(crate) fn project_region(ctx: &SimContext<'_>, account: &str, project: &str) -> Option<String> {
    ctx.inventory
        .regions
        .iter()
        .filter(|r| r.opted_in)
        .find(|r| project_id(account, &r.id) == project)
        .map(|r| r.id.clone())
}

/// Resolves the project in the path to a region, checking it against the host's region.
/// The gateway refuses a project that is not the key's, or not the host's region's.
pub(crate) fn resolve_project(
    req: &SimRequest,
    key: &AuthedKey,
    ctx: &SimContext<'_>,
    project: &str,
) -> Result<String, SimResponse> {
    let region = project_region(ctx, &key.account_id, project)
        .ok_or_else(|| errors::auth_failed(errors::MSG_UNAUTHORIZED, ctx.request_id))?;
    if let Some(host_region) = host_info(&req.host_name()).region {
        if host_region != region {
            return Err(errors::auth_failed(
                errors::MSG_UNAUTHORIZED,
                ctx.request_id,
            ));
        }
    }
    Ok(region)
}

/// IAM calls.
pub(crate) fn iam(
    route: &Route,
    req: &SimRequest,
    key: &AuthedKey,
    ctx: &SimContext<'_>,
) -> SimResponse {
    let account = key.account_id.as_str();
    match route {
        Route::AuthProjects => {
            let ps = wire::projects(account, &ctx.inventory.regions, None);
            ok(&wire::projects_body(ps, "/v3/auth/projects"), ctx)
        }
        Route::Projects => {
            if let Some(d) = req.query_param("domain_id") {
                if d != account {
                    return ok(&wire::projects_body(vec![], "/v3/projects"), ctx);
                }
            }
            let ps = wire::projects(account, &ctx.inventory.regions, req.query_param("name"));
            ok(&wire::projects_body(ps, "/v3/projects"), ctx)
        }
        Route::AuthDomains => ok(&wire::domains_body(account), ctx),
        Route::Regions => ok(&wire::regions_body(&ctx.inventory.regions), ctx),
        Route::Credential { access_key } => match ctx.keys.get(access_key) {
            Some(k) if k.account_id == account => {
                let created = OffsetDateTime::from_unix_timestamp(1_704_067_200)
                    .unwrap_or(OffsetDateTime::UNIX_EPOCH);
                let body =
                    wire::credential_body(&k.user_id, &k.id, k.is_active(), created, ctx.now);
                ok(&body, ctx)
            }
            _ => errors::not_found(
                "iam",
                &format!("Could not find credential: {access_key}."),
                ctx.request_id,
            ),
        },
        _ => errors::no_such_api(ctx.request_id),
    }
}

/// ECS `ListServersDetails`: `offset` is a page number (1-based, 0 means 1), `limit`
/// 1..=1000 (default 25); `marker` (last id of the previous page) also works.
pub(crate) fn servers(
    req: &SimRequest,
    key: &AuthedKey,
    ctx: &SimContext<'_>,
    project: &str,
) -> SimResponse {
    let region = match resolve_project(req, key, ctx, project) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let (offset, limit) = match (uint_param(req, "offset"), uint_param(req, "limit")) {
        (Ok(o), Ok(l)) => (o.unwrap_or(1).max(1), l.unwrap_or(ECS_DEFAULT_LIMIT)),
        (Err(m), _) | (_, Err(m)) => return errors::bad_parameter("ecs", &m, ctx.request_id),
    };
    if limit == 0 || limit > ECS_MAX_LIMIT {
        let msg =
            format!("Invalid parameter limit: {limit}, it must be between 1 and {ECS_MAX_LIMIT}");
        return errors::bad_parameter("ecs", &msg, ctx.request_id);
    }
    let status = req.query_param("status").map(str::to_ascii_uppercase);
    let hosts: Vec<_> = ctx
        .inventory
        .hosts_in(&region)
        .iter()
        .filter(|h| {
            let st = wire::ecs_status(h.state).0;
            match &status {
                Some(want) => st == want,
                None => st != "DELETED",
            }
        })
        .filter(|h| req.query_param("name").is_none_or(|n| h.name.contains(n)))
        .filter(|h| req.query_param("server_id").is_none_or(|id| h.id == id))
        .filter(|h| {
            req.query_param("flavor")
                .is_none_or(|f| h.instance_type == f)
        })
        .filter(|h| {
            req.query_param("ip")
                .is_none_or(|ip| h.private_ip.contains(ip))
        })
        .filter(|h| {
            req.query_param("ip_eq")
                .is_none_or(|ip| h.private_ip == ip || h.public_ip.as_deref() == Some(ip))
        })
        .filter(|h| {
            req.query_param("tags").is_none_or(|t| {
                h.tags
                    .iter()
                    .any(|(k, v)| format!("{k}={v}") == t || k == t)
            })
        })
        .collect();
    let limit = limit as usize;
    let (start, count) = if ctx.pagination_loop() {
        // The fault: page one forever, with a count the client expects to reach in two
        // more pages (a count beyond its page cap would stop it before it saw the loop).
        (0, hosts.len() + 2 * limit)
    } else if ctx.endless_pagination() {
        // The endless fault: a count no client can reach.
        let start = (offset as usize - 1).saturating_mul(limit);
        (start.min(hosts.len()), 1_000_000_000)
    } else if let Some(marker) = req.query_param("marker").filter(|m| !m.is_empty()) {
        let after = hosts
            .iter()
            .position(|h| h.id == marker)
            .map_or(hosts.len(), |p| p + 1);
        (after, hosts.len())
    } else {
        let start = (offset as usize - 1).saturating_mul(limit);
        (start.min(hosts.len()), hosts.len())
    };
    let page: Vec<_> = hosts
        .iter()
        .skip(start)
        .take(limit)
        .map(|h| wire::server(h, project, &key.user_id))
        .collect();
    ok(&json!({"count": count, "servers": page}), ctx)
}

/// RMS `ListAllResources`: every resource of the account (ECS servers included), filtered by
/// `region_id`, `type` (`provider.type`), `id`, `name`; `limit` 1..=200, `marker` paging.
pub(crate) fn all_resources(
    req: &SimRequest,
    key: &AuthedKey,
    ctx: &SimContext<'_>,
    domain_id: &str,
) -> SimResponse {
    if domain_id != key.account_id {
        let msg = format!("The domain id {domain_id} does not match the credential.");
        return errors::gateway(403, "RMS.00010002", &msg, ctx.request_id);
    }
    let limit = match uint_param(req, "limit") {
        Ok(l) => l.unwrap_or(RMS_DEFAULT_LIMIT),
        Err(m) => return errors::bad_parameter("rms", &m, ctx.request_id),
    };
    if limit == 0 || limit > RMS_MAX_LIMIT {
        let msg = format!("limit must be between 1 and {RMS_MAX_LIMIT}");
        return errors::bad_parameter("rms", &msg, ctx.request_id);
    }
    let mut items: Vec<(String, String, String, serde_json::Value)> = ctx
        .inventory
        .hosts()
        .iter()
        .map(|h| {
            let ty = "ecs.cloudservers".to_string();
            (
                ty,
                h.region.clone(),
                h.id.clone(),
                wire::rms_server(h, domain_id),
            )
        })
        .chain(ctx.inventory.resources().iter().map(|r| {
            let ty = format!("{}.{}", r.service, r.resource_type);
            (
                ty,
                r.region.clone(),
                r.id.clone(),
                wire::rms_resource(r, domain_id),
            )
        }))
        .filter(|(ty, region, id, v)| {
            req.query_param("type").is_none_or(|t| t == ty)
                && req.query_param("region_id").is_none_or(|r| r == region)
                && req.query_param("id").is_none_or(|want| want == id)
                && req
                    .query_param("name")
                    .is_none_or(|n| v["name"].as_str().is_some_and(|x| x.contains(n)))
        })
        .collect();
    items.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
    let marker = req.query_param("marker").filter(|m| !m.is_empty());
    let start = match marker {
        None => 0,
        Some(m) => {
            let last = hex::decode(m).ok().and_then(|b| String::from_utf8(b).ok());
            match last.and_then(|id| items.iter().position(|i| i.2 == id)) {
                Some(p) => p + 1,
                None => {
                    return errors::bad_parameter("rms", "Invalid marker", ctx.request_id);
                }
            }
        }
    };
    let page: Vec<_> = items.iter().skip(start).take(limit as usize).collect();
    let end = start + page.len();
    let mut next = (end < items.len())
        .then(|| page.last().map(|i| hex::encode(i.2.as_bytes())))
        .flatten();
    if ctx.pagination_loop() {
        // The fault: the marker sent comes back as the next marker, forever.
        next = marker.map(str::to_string).or(next);
    }
    let resources: Vec<_> = page.iter().map(|i| i.3.clone()).collect();
    ok(
        &json!({
            "resources": resources,
            "page_info": {"current_count": resources.len(), "next_marker": next},
        }),
        ctx,
    )
}

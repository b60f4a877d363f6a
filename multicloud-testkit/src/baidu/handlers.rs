//! BCE handlers: marker/maxKeys paging shared by the list APIs, and each API's filters.

use serde_json::{json, Value};

use super::errors;
use super::routes::{Api, Route};
use super::wire;
use crate::inventory::GLOBAL;
use crate::sim::{AuthedKey, SimContext, SimRequest, SimResponse};

/// `maxKeys` upper bound (and default) of every BCE marker list.
pub(crate) const MAX_KEYS: usize = 1000;

/// A 200 JSON answer.
pub(crate) fn ok(body: &Value, ctx: &SimContext<'_>) -> SimResponse {
    errors::bce_json(200, body, ctx.request_id)
}

/// One page of a marker list: `marker` is the id of the first item of the page (empty for
/// the first page), `nextMarker` the id of the first item of the next page.
pub(crate) fn marker_page(
    api: Api,
    items: Vec<(String, Value)>,
    req: &SimRequest,
    ctx: &SimContext<'_>,
) -> SimResponse {
    let max_keys = match req.query_param("maxKeys").filter(|v| !v.is_empty()) {
        None => MAX_KEYS,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=MAX_KEYS).contains(&n) => n,
            _ => {
                let msg = format!("maxKeys should be between 1 and {MAX_KEYS}, got {v}");
                return errors::invalid_parameter(&msg, ctx.request_id);
            }
        },
    };
    let marker = req.query_param("marker").unwrap_or_default();
    if ctx.endless_pagination() {
        // The fault: an empty page with a fresh next marker, forever.
        let n: u64 = marker
            .strip_prefix("endless-")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let mut body = json!({
            "marker": marker,
            "isTruncated": true,
            "nextMarker": format!("endless-{}", n + 1),
            "maxKeys": max_keys,
        });
        body[wire::items_key(api)] = Value::Array(Vec::new());
        return ok(&body, ctx);
    }
    let start = if marker.is_empty() || marker == "-1" {
        0
    } else {
        match items.iter().position(|(id, _)| id == marker) {
            Some(p) => p,
            None => {
                let msg = format!("The marker {marker} is invalid.");
                return errors::invalid_parameter(&msg, ctx.request_id);
            }
        }
    };
    let page: Vec<Value> = items
        .iter()
        .skip(start)
        .take(max_keys)
        .map(|(_, v)| v.clone())
        .collect();
    let mut next = items.get(start + max_keys).map(|(id, _)| id.clone());
    if ctx.pagination_loop() {
        // The fault: the next marker is the one just used (or this page's first id), forever.
        next = Some(marker.to_string())
            .filter(|m| !m.is_empty())
            .or_else(|| items.get(start).map(|(id, _)| id.clone()));
    }
    let mut body = json!({
        "marker": marker,
        "isTruncated": next.is_some(),
        "nextMarker": next.unwrap_or_default(),
        "maxKeys": max_keys,
    });
    body[wire::items_key(api)] = Value::Array(page);
    ok(&body, ctx)
}

fn csv_contains(list: Option<&str>, value: &str) -> bool {
    list.is_none_or(|l| l.split(',').any(|x| x.trim() == value))
}

/// BCC `ListInstances` with its common filters.
fn bcc_instances(route: &Route, req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse {
    let items: Vec<(String, Value)> = ctx
        .inventory
        .hosts_in(&route.region)
        .iter()
        .filter(|h| wire::bcc_status(h.state).is_some())
        .filter(|h| req.query_param("zoneName").is_none_or(|z| h.zone == z))
        .filter(|h| {
            req.query_param("internalIp")
                .is_none_or(|ip| h.private_ip == ip)
        })
        .filter(|h| req.query_param("vpcId").is_none_or(|v| h.vpc_id == v))
        .filter(|h| csv_contains(req.query_param("instanceIds"), &h.id))
        .filter(|h| csv_contains(req.query_param("instanceNames"), &h.name))
        .filter(|h| {
            req.query_param("status")
                .is_none_or(|s| s.split(',').any(|x| Some(x) == wire::bcc_status(h.state)))
        })
        .filter(|h| {
            req.query_param("tags").is_none_or(|t| {
                t.split(',').any(|want| {
                    h.tags.iter().any(|(k, v)| match want.split_once(':') {
                        Some((wk, wv)) => k == wk && v == wv,
                        None => k == want,
                    })
                })
            })
        })
        .map(|h| (h.id.clone(), wire::instance(h)))
        .collect();
    marker_page(Api::BccListInstances, items, req, ctx)
}

/// The `(service, resource_type)` of a product list.
fn resource_kind(api: Api) -> (&'static str, &'static str) {
    match api {
        Api::RdsListInstances => ("rds", "instance"),
        Api::ScsListInstances => ("scs", "instance"),
        Api::KafkaListClusters => ("kafka", "cluster"),
        Api::MongoListInstances => ("mongodb", "instance"),
        Api::BlbList => ("blb", "blb"),
        Api::AppBlbList => ("blb", "appblb"),
        Api::VpcListVpcs => ("vpc", "vpc"),
        Api::IamListUser => ("iam", "user"),
        _ => ("bos", "bucket"),
    }
}

/// Dispatches an authenticated request.
pub(crate) fn handle(
    route: &Route,
    req: &SimRequest,
    key: &AuthedKey,
    ctx: &SimContext<'_>,
) -> SimResponse {
    match route.api {
        Api::BccDescribeRegions => {
            let body = match req.json_body() {
                Ok(b) => b,
                Err(_) => return errors::malformed_json(ctx.request_id),
            };
            let want = body
                .get("region")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let regions: Vec<Value> = ctx
                .inventory
                .regions
                .iter()
                .filter(|r| r.opted_in && (want.is_empty() || r.id == want))
                .map(wire::region)
                .collect();
            ok(&json!({"regions": regions}), ctx)
        }
        Api::BccListInstances => bcc_instances(route, req, ctx),
        Api::IamListUser => {
            let users: Vec<Value> = ctx
                .inventory
                .resources_in("iam", "user", GLOBAL)
                .iter()
                .map(|r| wire::resource(Api::IamListUser, r))
                .collect();
            ok(&json!({"users": users}), ctx)
        }
        Api::BosListBuckets => {
            let mut buckets: Vec<_> = ctx.inventory.resources_of("bos", "bucket").iter().collect();
            buckets.sort_by(|a, b| a.name.cmp(&b.name));
            let items: Vec<Value> = buckets
                .iter()
                .map(|r| wire::resource(Api::BosListBuckets, r))
                .collect();
            ok(
                &json!({
                    "owner": {"id": key.account_id, "displayName": key.user_name},
                    "buckets": items,
                }),
                ctx,
            )
        }
        api => {
            let (svc, ty) = resource_kind(api);
            let items: Vec<(String, Value)> = ctx
                .inventory
                .resources_in(svc, ty, &route.region)
                .iter()
                .map(|r| (r.id.clone(), wire::resource(api, r)))
                .collect();
            marker_page(api, items, req, ctx)
        }
    }
}

//! Cloud Firewall (CFW) black/white lists, per project, and the helpers the WAF rules share.
//!
//! Every project (region) of the account has one firewall with two protected objects
//! (type 0 = internet border, type 1 = VPC border). Rules live in the framework's
//! [`BlockRules`](crate::inventory::BlockRules) with product `cfw`.

use serde_json::{json, Value};
use time::OffsetDateTime;

use super::errors;
use super::handlers::{ok, resolve_project, uint_param};
use crate::inventory::{BlockAction, SimBlockRule};
use crate::sim::{AuthedKey, SimContext, SimRequest, SimResponse};

/// CFW list page-size limit (`limit` 1..=1024).
pub(crate) const CFW_MAX_LIMIT: u64 = 1024;

pub(crate) fn hex_id(input: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(input.as_bytes())[..16])
}

fn uuid_of(input: &str) -> String {
    let h = hex_id(input);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The firewall instance id of a project.
pub fn firewall_id(project_id: &str) -> String {
    uuid_of(&format!("cfw:{project_id}"))
}

/// The protected-object id of a project's firewall: `kind` 0 = internet border, 1 = VPC border.
pub fn protect_object_id(project_id: &str, kind: u8) -> String {
    uuid_of(&format!("cfw-object:{project_id}:{kind}"))
}

pub(crate) fn millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

pub(crate) fn body_json(
    req: &SimRequest,
    svc: &str,
    ctx: &SimContext<'_>,
) -> Result<Value, SimResponse> {
    req.json_body().map_err(|e| {
        errors::bad_parameter(svc, &format!("Invalid request body: {e}"), ctx.request_id)
    })
}

/// Whether `s` is an IPv4/IPv6 address or CIDR.
pub(crate) fn is_ip_or_cidr(s: &str) -> bool {
    let (ip, prefix) = match s.split_once('/') {
        Some((ip, p)) => (ip, Some(p)),
        None => (s, None),
    };
    let Ok(addr) = ip.parse::<std::net::IpAddr>() else {
        return false;
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|p| p.parse::<u8>().is_ok_and(|n| n <= max))
}

/// CFW `ListFirewallDetail`.
pub(crate) fn cfw_firewalls(
    req: &SimRequest,
    key: &AuthedKey,
    ctx: &SimContext<'_>,
    project: &str,
) -> SimResponse {
    let region = match resolve_project(req, key, ctx, project) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let limit = match uint_param(req, "limit") {
        Ok(l) => l.unwrap_or(10),
        Err(m) => return errors::bad_parameter("cfw", &m, ctx.request_id),
    };
    if limit == 0 || limit > CFW_MAX_LIMIT {
        return errors::bad_parameter("cfw", "limit must be between 1 and 1024", ctx.request_id);
    }
    let offset = uint_param(req, "offset").ok().flatten().unwrap_or(0);
    let fw = json!({
        "fw_instance_id": firewall_id(project),
        "name": format!("cfw-{region}"),
        "fw_instance_name": format!("cfw-{region}"),
        "ha_type": 1,
        "charge_mode": 1,
        "service_type": 0,
        "engine_type": 1,
        "status": 2,
        "is_old_firewall_instance": false,
        "support_ipv6": true,
        "enterprise_project_id": "0",
        "flavor": {"version": 1, "eip_count": 50, "vpc_count": 2, "bandwidth": 50, "log_storage": 0},
        "protect_objects": [
            {"object_id": protect_object_id(project, 0), "object_name": format!("cfw-{region}"), "type": 0},
            {"object_id": protect_object_id(project, 1), "object_name": format!("cfw-{region}-vpc"), "type": 1},
        ],
    });
    let records: Vec<Value> = std::iter::once(fw).skip(offset as usize).collect();
    ok(
        &json!({"data": {"offset": offset, "limit": limit, "total": 1, "records": records}}),
        ctx,
    )
}

/// CFW `AddBlackWhiteList`.
pub(crate) fn cfw_add(
    req: &SimRequest,
    key: &AuthedKey,
    ctx: &SimContext<'_>,
    project: &str,
) -> SimResponse {
    if let Err(e) = resolve_project(req, key, ctx, project) {
        return e;
    }
    let b = match body_json(req, "cfw", ctx) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let bad = |m: &str| errors::bad_parameter("cfw", m, ctx.request_id);
    let object_id = b["object_id"].as_str().unwrap_or_default();
    if ![0, 1]
        .iter()
        .any(|k| protect_object_id(project, *k) == object_id)
    {
        return bad("object_id is invalid");
    }
    let list_type = b["list_type"].as_i64().unwrap_or(-1);
    let direction = b["direction"].as_i64().unwrap_or(-1);
    let address_type = b["address_type"].as_i64().unwrap_or(0);
    let address = b["address"].as_str().unwrap_or_default();
    if !(list_type == 4 || list_type == 5) {
        return bad("list_type must be 4 (black list) or 5 (white list)");
    }
    if !(direction == 0 || direction == 1) {
        return bad("direction must be 0 (source) or 1 (destination)");
    }
    if !is_ip_or_cidr(address) {
        return bad("address is invalid");
    }
    let duplicate = !ctx
        .block_rules
        .list(|r| {
            r.product == "cfw"
                && r.scope == object_id
                && r.ip == address
                && r.direction == direction.to_string()
                && r.attrs["list_type"] == list_type
        })
        .is_empty();
    if duplicate {
        return bad("The address already exists in the list");
    }
    let id = uuid_of(&format!("cfw-list:{}", ctx.block_rules.next_seq()));
    ctx.block_rules.insert(SimBlockRule {
        id: id.clone(),
        product: "cfw".into(),
        scope: object_id.to_string(),
        ip: address.to_string(),
        action: if list_type == 4 {
            BlockAction::Block
        } else {
            BlockAction::Allow
        },
        direction: direction.to_string(),
        comment: b["description"].as_str().unwrap_or_default().to_string(),
        created_at: ctx.now,
        expires_at: None,
        attrs: json!({
            "project_id": project,
            "list_type": list_type,
            "address_type": address_type,
            "protocol": b["protocol"].as_i64().unwrap_or(-1),
            "port": b["port"].as_str().unwrap_or_default(),
        }),
    });
    ok(&json!({"data": {"id": id, "name": address}}), ctx)
}

fn cfw_record(r: &SimBlockRule) -> Value {
    json!({
        "list_id": r.id,
        "direction": r.direction.parse::<i64>().unwrap_or(0),
        "address_type": r.attrs["address_type"],
        "address": r.ip,
        "protocol": r.attrs["protocol"],
        "port": r.attrs["port"],
        "description": r.comment,
        "created_date": millis(r.created_at),
        "modified_date": millis(r.created_at),
    })
}

/// CFW `ListBlackWhiteLists`: `object_id` and `list_type` select the list; `limit`
/// 1..=1024 and `offset` (records to skip) page it.
pub(crate) fn cfw_list(
    req: &SimRequest,
    key: &AuthedKey,
    ctx: &SimContext<'_>,
    project: &str,
) -> SimResponse {
    if let Err(e) = resolve_project(req, key, ctx, project) {
        return e;
    }
    let bad = |m: &str| errors::bad_parameter("cfw", m, ctx.request_id);
    let (limit, offset) = match (uint_param(req, "limit"), uint_param(req, "offset")) {
        (Ok(l), Ok(o)) => (l.unwrap_or(10), o.unwrap_or(0)),
        (Err(m), _) | (_, Err(m)) => return bad(&m),
    };
    if limit == 0 || limit > CFW_MAX_LIMIT {
        return bad("limit must be between 1 and 1024");
    }
    let object_id = req.query_param("object_id").unwrap_or_default().to_string();
    let list_type: i64 = req
        .query_param("list_type")
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let rules = ctx.block_rules.list(|r| {
        r.product == "cfw"
            && r.scope == object_id
            && r.attrs["list_type"] == list_type
            && req.query_param("address").is_none_or(|a| r.ip.contains(a))
            && req
                .query_param("address_type")
                .is_none_or(|t| t.parse::<i64>().ok() == r.attrs["address_type"].as_i64())
    });
    let (start, total) = if ctx.pagination_loop() {
        (0, i32::MAX as usize)
    } else {
        ((offset as usize).min(rules.len()), rules.len())
    };
    let records: Vec<Value> = rules
        .iter()
        .skip(start)
        .take(limit as usize)
        .map(cfw_record)
        .collect();
    ok(
        &json!({"data": {"offset": offset, "limit": limit, "total": total, "records": records}}),
        ctx,
    )
}

/// CFW `DeleteBlackWhiteList`.
pub(crate) fn cfw_delete(
    req: &SimRequest,
    key: &AuthedKey,
    ctx: &SimContext<'_>,
    project: &str,
    list_id: &str,
) -> SimResponse {
    if let Err(e) = resolve_project(req, key, ctx, project) {
        return e;
    }
    let mine = |r: &SimBlockRule| {
        r.product == "cfw" && r.id == list_id && r.attrs["project_id"] == project
    };
    if ctx.block_rules.list(mine).is_empty() {
        return errors::not_found(
            "cfw",
            &format!("The list_id {list_id} does not exist"),
            ctx.request_id,
        );
    }
    match ctx.block_rules.remove(list_id) {
        Some(r) => ok(&json!({"data": {"id": r.id, "name": r.ip}}), ctx),
        None => errors::not_found(
            "cfw",
            &format!("The list_id {list_id} does not exist"),
            ctx.request_id,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_and_cidr_validation() {
        assert!(is_ip_or_cidr("42.123.120.66"));
        assert!(is_ip_or_cidr("10.0.0.0/8"));
        assert!(is_ip_or_cidr("2001:db8::/32"));
        assert!(!is_ip_or_cidr("10.0.0.0/33"));
        assert!(!is_ip_or_cidr("not-an-ip"));
    }

    #[test]
    fn ids_are_stable_per_project() {
        assert_eq!(firewall_id("p1"), firewall_id("p1"));
        assert_ne!(protect_object_id("p1", 0), protect_object_id("p1", 1));
    }
}

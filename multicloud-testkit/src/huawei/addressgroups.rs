//! Cloud Firewall (CFW) address groups and their members, per project.
//!
//! Every project's firewall has, on its internet-border protected object (type 0), two IPv4
//! address groups: [`BLOCK_GROUP`], which a deny ACL rule references (`ref_count` 1), and
//! `office-ips`, which nothing references. Members live in the framework's
//! [`BlockRules`](crate::inventory::BlockRules) with product `cfw-item` and the group's
//! `set_id` as scope. Paths and bodies as in `huaweicloudsdkcfw` (`ListAddressSets`,
//! `ListAddressItems`, `AddAddressItem`, `DeleteAddressItem`).

use serde_json::{json, Value};

use super::blocklist::{
    body_json, hex_id, is_ip_or_cidr, millis, protect_object_id, CFW_MAX_LIMIT,
};
use super::errors;
use super::handlers::{ok, resolve_project, uint_param};
use crate::inventory::{BlockAction, SimBlockRule};
use crate::sim::{AuthedKey, SimContext, SimRequest, SimResponse};

/// The name of the address group the seeded deny rule uses.
pub const BLOCK_GROUP: &str = "siem-blocklist";
/// The other seeded address group (referenced by no rule).
const OTHER_GROUP: &str = "office-ips";

/// The `set_id` of the address group `name` in a project.
pub fn address_set_id(project_id: &str, name: &str) -> String {
    hex_id(&format!("cfw-set:{project_id}:{name}"))
}

fn sets(project: &str) -> Vec<Value> {
    [
        (BLOCK_GROUP, 1, "blocked by the deny rule siem-deny"),
        (OTHER_GROUP, 0, ""),
    ]
    .iter()
    .map(|(name, refs, desc)| {
        json!({
            "set_id": address_set_id(project, name),
            "name": name,
            "description": desc,
            "address_type": 0,
            "ref_count": refs,
            "object_id": protect_object_id(project, 0),
        })
    })
    .collect()
}

fn paging(req: &SimRequest, ctx: &SimContext<'_>) -> Result<(u64, u64), SimResponse> {
    let bad = |m: &str| errors::bad_parameter("cfw", m, ctx.request_id);
    let (limit, offset) = match (uint_param(req, "limit"), uint_param(req, "offset")) {
        (Ok(l), Ok(o)) => (l.unwrap_or(10), o.unwrap_or(0)),
        (Err(m), _) | (_, Err(m)) => return Err(bad(&m)),
    };
    if limit == 0 || limit > CFW_MAX_LIMIT {
        return Err(bad("limit must be between 1 and 1024"));
    }
    Ok((limit, offset))
}

fn page(records: Vec<Value>, limit: u64, offset: u64, ctx: &SimContext<'_>) -> SimResponse {
    let (start, total) = if ctx.pagination_loop() {
        (0, i32::MAX as usize)
    } else {
        ((offset as usize).min(records.len()), records.len())
    };
    let records: Vec<Value> = records
        .into_iter()
        .skip(start)
        .take(limit as usize)
        .collect();
    ok(
        &json!({"data": {"offset": offset, "limit": limit, "total": total, "records": records}}),
        ctx,
    )
}

/// CFW `ListAddressSets`: `object_id` is required; `key_word` filters by name.
pub(crate) fn list_sets(
    req: &SimRequest,
    key: &AuthedKey,
    ctx: &SimContext<'_>,
    project: &str,
) -> SimResponse {
    if let Err(e) = resolve_project(req, key, ctx, project) {
        return e;
    }
    let (limit, offset) = match paging(req, ctx) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let Some(object_id) = req.query_param("object_id").filter(|o| !o.is_empty()) else {
        return errors::bad_parameter("cfw", "object_id is required", ctx.request_id);
    };
    let records: Vec<Value> = sets(project)
        .into_iter()
        .filter(|s| s["object_id"] == object_id)
        .filter(|s| {
            req.query_param("key_word")
                .is_none_or(|k| s["name"].as_str().is_some_and(|n| n.contains(k)))
        })
        .collect();
    page(records, limit, offset, ctx)
}

fn set_of_project(project: &str, set_id: &str) -> bool {
    [BLOCK_GROUP, OTHER_GROUP]
        .iter()
        .any(|n| address_set_id(project, n) == set_id)
}

fn item_record(r: &SimBlockRule) -> Value {
    json!({
        "item_id": r.id,
        "name": r.attrs["name"],
        "description": r.comment,
        "address_type": r.attrs["address_type"],
        "address": r.ip,
        "created_date": millis(r.created_at),
    })
}

/// CFW `ListAddressItems`: `set_id` is required; `address` filters (substring).
pub(crate) fn list_items(
    req: &SimRequest,
    key: &AuthedKey,
    ctx: &SimContext<'_>,
    project: &str,
) -> SimResponse {
    if let Err(e) = resolve_project(req, key, ctx, project) {
        return e;
    }
    let (limit, offset) = match paging(req, ctx) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let set_id = req.query_param("set_id").unwrap_or_default().to_string();
    if !set_of_project(project, &set_id) {
        return errors::bad_parameter("cfw", "set_id is invalid", ctx.request_id);
    }
    let records: Vec<Value> = ctx
        .block_rules
        .list(|r| {
            r.product == "cfw-item"
                && r.scope == set_id
                && req.query_param("address").is_none_or(|a| r.ip.contains(a))
        })
        .iter()
        .map(item_record)
        .collect();
    page(records, limit, offset, ctx)
}

/// CFW `AddAddressItem`: `{set_id, address_items: [{address_type, address, description}]}`;
/// an address already in the group is refused.
pub(crate) fn add_items(
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
    let set_id = b["set_id"].as_str().unwrap_or_default().to_string();
    if !set_of_project(project, &set_id) {
        return bad("set_id is invalid");
    }
    let Some(items) = b["address_items"].as_array().filter(|i| !i.is_empty()) else {
        return bad("address_items is required");
    };
    let mut created = Vec::new();
    for item in items {
        let address = item["address"].as_str().unwrap_or_default();
        if !is_ip_or_cidr(address) {
            return bad("address is invalid");
        }
        let exists = !ctx
            .block_rules
            .list(|r| r.product == "cfw-item" && r.scope == set_id && r.ip == address)
            .is_empty();
        if exists {
            return bad("The address already exists in the address group");
        }
        let id = hex_id(&format!("cfw-item:{}", ctx.block_rules.next_seq()));
        ctx.block_rules.insert(SimBlockRule {
            id: id.clone(),
            product: "cfw-item".into(),
            scope: set_id.clone(),
            ip: address.to_string(),
            action: BlockAction::Block,
            direction: String::new(),
            comment: item["description"].as_str().unwrap_or_default().to_string(),
            created_at: ctx.now,
            expires_at: None,
            attrs: json!({
                "project_id": project,
                "name": address,
                "address_type": item["address_type"].as_i64().unwrap_or(0),
            }),
        });
        created.push(json!({"id": id, "name": address}));
    }
    ok(&json!({"data": {"items": created}}), ctx)
}

/// CFW `DeleteAddressItem`: answers with the deleted member's id.
pub(crate) fn delete_item(
    req: &SimRequest,
    key: &AuthedKey,
    ctx: &SimContext<'_>,
    project: &str,
    item_id: &str,
) -> SimResponse {
    if let Err(e) = resolve_project(req, key, ctx, project) {
        return e;
    }
    let mine = ctx
        .block_rules
        .list(|r| r.product == "cfw-item" && r.id == item_id && r.attrs["project_id"] == project);
    match mine.first().and_then(|r| ctx.block_rules.remove(&r.id)) {
        Some(r) => ok(&json!({"data": {"id": r.id, "name": r.ip}}), ctx),
        None => errors::not_found(
            "cfw",
            &format!("The address item {item_id} does not exist"),
            ctx.request_id,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_ids_are_stable_and_per_project() {
        assert_eq!(
            address_set_id("p1", BLOCK_GROUP),
            address_set_id("p1", BLOCK_GROUP)
        );
        assert_ne!(
            address_set_id("p1", BLOCK_GROUP),
            address_set_id("p2", BLOCK_GROUP)
        );
        assert!(set_of_project("p1", &address_set_id("p1", OTHER_GROUP)));
        assert!(!set_of_project("p2", &address_set_id("p1", OTHER_GROUP)));
    }
}

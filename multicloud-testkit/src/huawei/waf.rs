//! WAF white/black IP rules: two policies per project (region), rules in the framework's
//! [`BlockRules`](crate::inventory::BlockRules) with product `waf`.

use serde_json::{json, Value};

use super::blocklist::{body_json, hex_id, is_ip_or_cidr, millis};
use super::errors;
use super::handlers::{ok, resolve_project, uint_param};
use crate::inventory::{BlockAction, SimBlockRule};
use crate::sim::{AuthedKey, SimContext, SimRequest, SimResponse};

/// WAF `ListPolicy` page-size limit (`pagesize` 1..=100).
pub(crate) const WAF_MAX_PAGESIZE: u64 = 100;

/// The WAF policy ids of a project (two policies).
pub fn waf_policy_ids(project_id: &str) -> [String; 2] {
    [0, 1].map(|i| hex_id(&format!("waf-policy:{project_id}:{i}")))
}

fn policy(project: &str, index: usize, region: &str) -> Value {
    let id = &waf_policy_ids(project)[index];
    let (name, host) = if index == 0 {
        ("policy_web", format!("www.{region}.example.com"))
    } else {
        ("policy_api", format!("api.{region}.example.com"))
    };
    json!({
        "id": id,
        "name": name,
        "level": 2,
        "full_detection": false,
        "action": {"category": "log"},
        "options": {"webattack": true, "common": true, "whiteblackip": true, "geoip": true},
        "hosts": [hex_id(&host)],
        "bind_host": [{"id": hex_id(&host), "hostname": host, "waf_type": "cloud", "mode": "cloud"}],
        "extend": {},
        "timestamp": 1_704_067_200_000_i64,
    })
}

/// WAF `ListPolicy`: `page` (1-based) and `pagesize` 1..=100 (default 10).
pub(crate) fn waf_policies(
    req: &SimRequest,
    key: &AuthedKey,
    ctx: &SimContext<'_>,
    project: &str,
) -> SimResponse {
    let region = match resolve_project(req, key, ctx, project) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let (page, size) = match (uint_param(req, "page"), uint_param(req, "pagesize")) {
        (Ok(p), Ok(s)) => (p.unwrap_or(1).max(1), s.unwrap_or(10)),
        (Err(m), _) | (_, Err(m)) => return errors::bad_parameter("waf", &m, ctx.request_id),
    };
    if size == 0 || size > WAF_MAX_PAGESIZE {
        return errors::bad_parameter("waf", "pagesize must be between 1 and 100", ctx.request_id);
    }
    let all: Vec<Value> = (0..2).map(|i| policy(project, i, &region)).collect();
    let items: Vec<Value> = all
        .iter()
        .filter(|p| {
            req.query_param("name")
                .is_none_or(|n| p["name"].as_str().is_some_and(|x| x.contains(n)))
        })
        .skip(((page - 1) * size) as usize)
        .take(size as usize)
        .cloned()
        .collect();
    ok(&json!({"total": all.len(), "items": items}), ctx)
}

fn waf_rule(r: &SimBlockRule) -> Value {
    json!({
        "id": r.id,
        "policyid": r.scope,
        "name": r.attrs["name"],
        "addr": r.ip,
        "white": r.attrs["white"],
        "description": r.comment,
        "status": 1,
        "time_mode": r.attrs["time_mode"],
        "start": r.attrs["start"],
        "terminal": r.attrs["terminal"],
        "timestamp": millis(r.created_at),
    })
}

fn check_policy(project: &str, policy_id: &str, ctx: &SimContext<'_>) -> Result<(), SimResponse> {
    if waf_policy_ids(project).iter().any(|p| p == policy_id) {
        Ok(())
    } else {
        Err(errors::not_found(
            "waf",
            &format!("policy {policy_id} not found"),
            ctx.request_id,
        ))
    }
}

/// WAF `CreateWhiteblackipRule`: `white` 0 = block, 1 = allow, 2 = log only.
pub(crate) fn waf_create(
    req: &SimRequest,
    key: &AuthedKey,
    ctx: &SimContext<'_>,
    project: &str,
    policy_id: &str,
) -> SimResponse {
    if let Err(e) =
        resolve_project(req, key, ctx, project).and_then(|_| check_policy(project, policy_id, ctx))
    {
        return e;
    }
    let b = match body_json(req, "waf", ctx) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let bad = |m: &str| errors::bad_parameter("waf", m, ctx.request_id);
    let name = b["name"].as_str().unwrap_or_default();
    let addr = b["addr"].as_str().unwrap_or_default();
    let white = b["white"].as_i64().unwrap_or(0);
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !name_ok {
        return bad("name is invalid: 1-64 letters, digits, '-', '_' or '.'");
    }
    if !is_ip_or_cidr(addr) {
        return bad("addr is invalid");
    }
    if !(0..=2).contains(&white) {
        return bad("white must be 0, 1 or 2");
    }
    let duplicate = !ctx
        .block_rules
        .list(|r| r.product == "waf" && r.scope == policy_id && r.ip == addr)
        .is_empty();
    if duplicate {
        return bad("The IP address already exists in the policy");
    }
    let id = hex_id(&format!("waf-rule:{}", ctx.block_rules.next_seq()));
    let rule = SimBlockRule {
        id,
        product: "waf".into(),
        scope: policy_id.to_string(),
        ip: addr.to_string(),
        action: match white {
            0 => BlockAction::Block,
            1 => BlockAction::Allow,
            _ => BlockAction::Log,
        },
        direction: String::new(),
        comment: b["description"].as_str().unwrap_or_default().to_string(),
        created_at: ctx.now,
        expires_at: None,
        attrs: json!({
            "project_id": project,
            "name": name,
            "white": white,
            "time_mode": b["time_mode"].as_str().unwrap_or("permanent"),
            "start": b["start"].as_i64().unwrap_or(0),
            "terminal": b["terminal"].as_i64().unwrap_or(0),
        }),
    };
    let body = waf_rule(&rule);
    ctx.block_rules.insert(rule);
    ok(&body, ctx)
}

/// WAF `ListWhiteblackipRule`: `page`/`pagesize` (defaults 1/10), `name` filter.
pub(crate) fn waf_list(
    req: &SimRequest,
    key: &AuthedKey,
    ctx: &SimContext<'_>,
    project: &str,
    policy_id: &str,
) -> SimResponse {
    if let Err(e) =
        resolve_project(req, key, ctx, project).and_then(|_| check_policy(project, policy_id, ctx))
    {
        return e;
    }
    let (page, size) = match (uint_param(req, "page"), uint_param(req, "pagesize")) {
        (Ok(p), Ok(s)) => (p.unwrap_or(1).max(1), s.unwrap_or(10)),
        (Err(m), _) | (_, Err(m)) => return errors::bad_parameter("waf", &m, ctx.request_id),
    };
    let rules = ctx.block_rules.list(|r| {
        r.product == "waf"
            && r.scope == policy_id
            && req
                .query_param("name")
                .is_none_or(|n| r.attrs["name"].as_str().is_some_and(|x| x.contains(n)))
    });
    let (start, total) = if ctx.pagination_loop() {
        (0, i32::MAX as usize)
    } else {
        (((page - 1) * size) as usize, rules.len())
    };
    let items: Vec<Value> = rules
        .iter()
        .skip(start)
        .take(size as usize)
        .map(waf_rule)
        .collect();
    ok(
        &json!({"total": total, "items": items, "size": items.len()}),
        ctx,
    )
}

/// WAF `DeleteWhiteBlackIpRule`: answers with the deleted rule.
pub(crate) fn waf_delete(
    req: &SimRequest,
    key: &AuthedKey,
    ctx: &SimContext<'_>,
    project: &str,
    policy_id: &str,
    rule_id: &str,
) -> SimResponse {
    if let Err(e) =
        resolve_project(req, key, ctx, project).and_then(|_| check_policy(project, policy_id, ctx))
    {
        return e;
    }
    let found = ctx
        .block_rules
        .list(|r| r.product == "waf" && r.scope == policy_id && r.id == rule_id);
    match found.first().and_then(|r| ctx.block_rules.remove(&r.id)) {
        Some(r) => ok(&waf_rule(&r), ctx),
        None => errors::not_found("waf", &format!("rule {rule_id} not found"), ctx.request_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_ids_are_stable_per_project() {
        assert_eq!(waf_policy_ids("p1"), waf_policy_ids("p1"));
        assert_eq!(waf_policy_ids("p1")[0].len(), 32);
        assert_ne!(waf_policy_ids("p1")[0], waf_policy_ids("p2")[0]);
    }
}

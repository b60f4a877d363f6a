//! WAF IP black/white lists (waf 2018-01-25): `DescribeDomains`, `CreateIpAccessControl`,
//! `DescribeIpAccessControl`, `DeleteIpAccessControlV2` and the older
//! `DeleteIpAccessControl`. `ActionType` 42 = block list, 40 = allow list; `Domain`
//! `"global"` means instance-wide; rule ids count up from 55000001 as in the API docs.

use std::net::IpAddr;

use serde_json::{json, Value};

use crate::inventory::{BlockAction, SimBlockRule, SimResource};
use crate::render::local_datetime;

use super::errors::{self, TcError};
use super::route::{filters, int, string, strings};
use super::Call;

/// `ValidTs` of a permanent rule (2099-12-31T23:59:59+08:00).
const PERMANENT_TS: i64 = 4_102_415_999;

fn domain_name(r: &SimResource) -> String {
    format!("{}.mc-demo.cn", r.name)
}

fn is_waf(r: &SimBlockRule) -> bool {
    r.product == "waf"
}

fn check_domain(call: &Call<'_>, domain: &str) -> Result<(), TcError> {
    let known = domain == "global"
        || call
            .ctx
            .inventory
            .resources_of("waf", "domain")
            .iter()
            .any(|r| domain_name(r) == domain);
    if known {
        Ok(())
    } else {
        Err(TcError::new(
            "ResourceNotFound",
            format!("The domain `{domain}` is not protected by WAF."),
        ))
    }
}

fn valid_ip(text: &str) -> bool {
    let (addr, prefix) = text.split_once('/').unwrap_or((text, ""));
    addr.parse::<IpAddr>().is_ok()
        && (prefix.is_empty() || prefix.parse::<u8>().is_ok_and(|p| p <= 128))
}

fn action_type(call: &Call<'_>, required: bool) -> Result<Option<i64>, TcError> {
    match int(&call.params, "ActionType")? {
        None if required => Err(errors::missing("ActionType")),
        Some(t) if t != 40 && t != 42 => Err(errors::invalid_value(
            "`ActionType` must be 40 (allow) or 42 (block).",
        )),
        other => Ok(other),
    }
}

/// `DescribeDomains`.
pub(crate) fn describe_domains(call: &Call<'_>) -> Result<Value, TcError> {
    let offset = int(&call.params, "Offset")?.unwrap_or(0).max(0) as usize;
    let limit = int(&call.params, "Limit")?.unwrap_or(20).clamp(1, 100) as usize;
    let filters = filters(&call.params);
    let all: Vec<&SimResource> = call
        .ctx
        .inventory
        .resources_of("waf", "domain")
        .iter()
        .filter(|r| {
            filters.iter().all(|(name, values)| {
                let v = match name.as_str() {
                    "Domain" => domain_name(r),
                    "DomainId" => r.id.clone(),
                    "InstanceId" => r.attr_str("instance_id").to_string(),
                    "Edition" => r.attr_str("edition").to_string(),
                    _ => return true,
                };
                values.is_empty() || values.contains(&v)
            })
        })
        .collect();
    let domains: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|r| {
            json!({
                "Domain": domain_name(r), "DomainId": r.id,
                "InstanceId": r.attr_str("instance_id"), "InstanceName": format!("waf-{}", r.name),
                "Edition": r.attr_str("edition"), "Region": r.region,
                "Mode": 0, "Status": 1, "State": 0, "Engine": 1, "FlowMode": 0,
                "ClsStatus": 0, "AccessStatus": 0, "Level": 2, "Cname": format!("{}.waf.tencent-cloud.com", r.id),
                "CreateTime": local_datetime(r.created_at, 8), "Ipv6Status": 0, "BotStatus": 0,
                "Labels": [], "AppId": super::profile::APP_ID,
            })
        })
        .collect();
    Ok(json!({"Total": all.len(), "Domains": domains}))
}

/// `CreateIpAccessControl` → `RuleId`.
pub(crate) fn create(call: &Call<'_>) -> Result<Value, TcError> {
    let domain = string(&call.params, "Domain").ok_or_else(|| errors::missing("Domain"))?;
    check_domain(call, domain)?;
    let ips = strings(&call.params, "IpList");
    if ips.is_empty() {
        return Err(errors::missing("IpList"));
    }
    if let Some(bad) = ips.iter().find(|ip| !valid_ip(ip)) {
        return Err(errors::invalid_parameter(format!(
            "`{bad}` is not a valid IP address or CIDR."
        )));
    }
    let action = action_type(call, true)?.unwrap_or(42);
    let store = call.ctx.block_rules;
    let rule_id = 55_000_000 + store.next_seq() as i64;
    let note = string(&call.params, "Note").unwrap_or("").to_string();
    store.insert(SimBlockRule {
        id: rule_id.to_string(),
        product: "waf".into(),
        scope: domain.to_string(),
        ip: ips[0].clone(),
        action: if action == 42 {
            BlockAction::Block
        } else {
            BlockAction::Allow
        },
        direction: String::new(),
        comment: note,
        created_at: call.ctx.now,
        expires_at: None,
        attrs: json!({
            "rule_id": rule_id, "action_type": action, "ip_list": ips,
            "source": string(&call.params, "SourceType").unwrap_or("custom"),
            "job_type": string(&call.params, "JobType").unwrap_or(""),
            "instance_id": string(&call.params, "InstanceId").unwrap_or(""),
        }),
    });
    Ok(json!({"RuleId": rule_id}))
}

/// `DescribeIpAccessControl` → `Data{Res[], TotalCount}`, `UsedTotal`.
pub(crate) fn describe(call: &Call<'_>) -> Result<Value, TcError> {
    let p = &call.params;
    let domain = string(p, "Domain").ok_or_else(|| errors::missing("Domain"))?;
    let action = action_type(call, false)?;
    let offset = int(p, "OffSet")?.unwrap_or(0).max(0) as usize;
    let limit = int(p, "Limit")?.unwrap_or(20).max(1) as usize;
    let ip = string(p, "Ip").unwrap_or("");
    let rule_id = int(p, "RuleId")?;
    let rules = call.ctx.block_rules.list(|r| {
        is_waf(r)
            && r.scope == domain
            && action.is_none_or(|a| r.attrs["action_type"].as_i64() == Some(a))
            && (ip.is_empty()
                || r.attrs["ip_list"]
                    .as_array()
                    .is_some_and(|l| l.iter().any(|x| x.as_str().is_some_and(|s| s.contains(ip)))))
            && rule_id.is_none_or(|id| r.attrs["rule_id"].as_i64() == Some(id))
    });
    let used: usize = rules
        .iter()
        .map(|r| r.attrs["ip_list"].as_array().map_or(0, Vec::len))
        .sum();
    let res: Vec<Value> = rules
        .iter()
        .skip(offset)
        .take(limit)
        .map(|r| {
            let ts = r.created_at.unix_timestamp();
            json!({
                "Id": r.id, "RuleId": r.attrs["rule_id"], "ActionType": r.attrs["action_type"],
                "Ip": r.ip, "IpList": r.attrs["ip_list"], "Note": r.comment,
                "Source": r.attrs["source"], "TsVersion": ts, "CreateTime": ts,
                "ValidTs": PERMANENT_TS, "ValidStatus": 1,
                "JobType": r.attrs["job_type"], "CronType": "",
                "JobDateTime": {"Timed": [], "Cron": [], "TimeTZone": "UTC+8"},
            })
        })
        .collect();
    Ok(json!({"Data": {"Res": res, "TotalCount": rules.len()}, "UsedTotal": used}))
}

/// `DeleteIpAccessControlV2` → `FailedCount`.
pub(crate) fn delete_v2(call: &Call<'_>) -> Result<Value, TcError> {
    let p = &call.params;
    let domain = string(p, "Domain").ok_or_else(|| errors::missing("Domain"))?;
    check_domain(call, domain)?;
    let store = call.ctx.block_rules;
    if p.get("DeleteAll").and_then(Value::as_bool) == Some(true) {
        let action = action_type(call, true)?;
        store.remove_where(|r| {
            is_waf(r) && r.scope == domain && r.attrs["action_type"].as_i64() == action
        });
        return Ok(json!({"FailedCount": 0}));
    }
    let ids: Vec<i64> = p
        .get("RuleIds")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    if ids.is_empty() {
        return Err(errors::missing("RuleIds"));
    }
    let failed = ids
        .iter()
        .filter(|id| {
            store.remove_where(|r| {
                is_waf(r) && r.scope == domain && r.attrs["rule_id"].as_i64() == Some(**id)
            }) == 0
        })
        .count();
    Ok(json!({"FailedCount": failed}))
}

/// `DeleteIpAccessControl` (older) → `FailedCount`, `FailedItems`.
pub(crate) fn delete_v1(call: &Call<'_>) -> Result<Value, TcError> {
    let p = &call.params;
    let domain = string(p, "Domain").ok_or_else(|| errors::missing("Domain"))?;
    check_domain(call, domain)?;
    let store = call.ctx.block_rules;
    if p.get("DeleteAll").and_then(Value::as_bool) == Some(true) {
        let action = action_type(call, true)?;
        store.remove_where(|r| {
            is_waf(r) && r.scope == domain && r.attrs["action_type"].as_i64() == action
        });
        return Ok(json!({"FailedCount": 0, "FailedItems": ""}));
    }
    let items = strings(p, "Items");
    let by_id = p.get("IsId").and_then(Value::as_bool) == Some(true);
    let mut failed = Vec::new();
    for item in &items {
        let removed = store.remove_where(|r| {
            is_waf(r)
                && r.scope == domain
                && if by_id {
                    r.id == *item
                } else {
                    r.attrs["ip_list"]
                        .as_array()
                        .is_some_and(|l| l.iter().any(|x| x.as_str() == Some(item)))
                }
        });
        if removed == 0 {
            failed.push(item.clone());
        }
    }
    Ok(
        json!({"FailedCount": failed.len(), "FailedItems": serde_json::to_string(&failed).unwrap_or_default()}),
    )
}

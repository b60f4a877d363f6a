//! Cloud Firewall IP block/allow lists (cfw 2019-09-04): `CreateBlockIgnoreRuleNew`,
//! `DescribeBlockIgnoreList`, `DeleteBlockIgnoreRuleNew` and the older
//! `DeleteBlockIgnoreRuleList`.
//!
//! As in the API: `EndTime` is Beijing time (`3000-01-01 00:00:00` = permanent); deleting
//! needs the rule's full `DirectionList`; `DeleteBlockIgnoreRuleNew` with `DeleteAll: 1`
//! wipes the whole list (implemented, so a client that sends it can be caught by the
//! recorder and by the emptied list).

use std::net::IpAddr;

use serde_json::{json, Value};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::inventory::{BlockAction, SimBlockRule};
use crate::render::local_datetime;

use super::errors::{self, TcError};
use super::route::{int, string};
use super::Call;

const PERMANENT: &str = "3000-01-01 00:00:00";

fn parse_beijing(text: &str) -> Option<OffsetDateTime> {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let offset = UtcOffset::from_hms(8, 0, 0).ok()?;
    PrimitiveDateTime::parse(text, &fmt)
        .ok()
        .map(|p| p.assume_offset(offset))
}

fn rule_type_of(r: &SimBlockRule) -> i64 {
    r.attrs["rule_type"].as_i64().unwrap_or(1)
}

fn is_cfw(r: &SimBlockRule) -> bool {
    r.product == "cfw"
}

fn allowed_directions(rule_type: i64) -> &'static [&'static str] {
    match rule_type {
        1 => &["0", "1"],
        2 => &["0", "1", "5", "6"],
        3 => &["0", "6"],
        _ => &["0", "1", "5", "6"],
    }
}

fn merge_directions(a: &str, b: &str) -> String {
    let mut out: Vec<&str> = a.split(',').filter(|s| !s.is_empty()).collect();
    for d in b.split(',').filter(|s| !s.is_empty()) {
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out.join(",")
}

/// `CreateBlockIgnoreRuleNew`.
pub(crate) fn create(call: &Call<'_>) -> Result<Value, TcError> {
    let rule_type = int(&call.params, "RuleType")?.ok_or_else(|| errors::missing("RuleType"))?;
    if !(1..=6).contains(&rule_type) {
        return Err(errors::invalid_value("`RuleType` must be between 1 and 6."));
    }
    let cover = int(&call.params, "CoverDuplicate")?;
    let rules = call
        .params
        .get("Rules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut parsed = Vec::new();
    for r in &rules {
        let ioc = string(r, "Ioc")
            .ok_or_else(|| errors::missing("Rules.Ioc"))?
            .to_string();
        if rule_type <= 2 && ioc.parse::<IpAddr>().is_err() {
            return Err(errors::invalid_parameter(format!(
                "Ioc `{ioc}` is not a valid IP address."
            )));
        }
        let directions = match r.get("DirectionList") {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) => s.clone(),
            _ => return Err(errors::missing("Rules.DirectionList")),
        };
        let ok = allowed_directions(rule_type);
        if directions.split(',').any(|d| !ok.contains(&d)) {
            return Err(errors::invalid_parameter(format!(
                "DirectionList `{directions}` is not valid for RuleType {rule_type}."
            )));
        }
        let end = string(r, "EndTime").ok_or_else(|| errors::missing("Rules.EndTime"))?;
        let end_at = parse_beijing(end).ok_or_else(|| {
            errors::invalid_parameter(format!("EndTime `{end}` must be YYYY-MM-DD HH:MM:SS."))
        })?;
        if end_at < call.ctx.now {
            return Err(errors::invalid_parameter(
                "EndTime must not be earlier than the current time.",
            ));
        }
        let comment = string(r, "Comment").unwrap_or("").to_string();
        if comment.chars().count() > 200 {
            return Err(errors::invalid_parameter(
                "Comment must be at most 200 characters.",
            ));
        }
        parsed.push((ioc, directions, end.to_string(), end_at, comment));
    }
    let store = call.ctx.block_rules;
    for (ioc, directions, end, end_at, comment) in parsed {
        if rule_type <= 2 {
            let other = 3 - rule_type;
            let conflict = |r: &SimBlockRule| is_cfw(r) && r.ip == ioc && rule_type_of(r) == other;
            match cover {
                Some(1) => {
                    store.remove_where(conflict);
                }
                Some(_) if !store.list(conflict).is_empty() => continue,
                _ => {}
            }
        }
        let same = store.list(|r| is_cfw(r) && r.ip == ioc && rule_type_of(r) == rule_type);
        if let Some(existing) = same.first() {
            store.update(&existing.id, |r| {
                r.direction = merge_directions(&r.direction, &directions);
                r.comment = comment.clone();
                r.expires_at = (end != PERMANENT).then_some(end_at);
                r.attrs["end_time"] = json!(end);
            });
            continue;
        }
        let id = format!("{}", 1_000_000 + store.next_seq());
        store.insert(SimBlockRule {
            id,
            product: "cfw".into(),
            scope: "cfw".into(),
            ip: ioc,
            action: if rule_type == 1 {
                BlockAction::Block
            } else {
                BlockAction::Allow
            },
            direction: directions,
            comment,
            created_at: call.ctx.now,
            expires_at: (end != PERMANENT).then_some(end_at),
            attrs: json!({"rule_type": rule_type, "end_time": end}),
        });
    }
    Ok(json!({}))
}

fn show_type_matches(show: &str, rule_type: i64) -> bool {
    match show {
        "blocklist" => rule_type == 1,
        _ => rule_type >= 2,
    }
}

/// `DescribeBlockIgnoreList`.
pub(crate) fn describe(call: &Call<'_>) -> Result<Value, TcError> {
    let p = &call.params;
    let limit = int(p, "Limit")?.unwrap_or(20);
    let offset = int(p, "Offset")?.unwrap_or(0);
    if limit < 1 || offset < 0 {
        return Err(errors::invalid_value(
            "`Limit` must be positive and `Offset` not negative.",
        ));
    }
    let rule_type = int(p, "RuleType")?;
    let show = string(p, "ShowType");
    let direction = match p.get("Direction") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let search: Value = match string(p, "SearchValue") {
        None | Some("") => json!({}),
        Some(s) => serde_json::from_str(s)
            .map_err(|_| errors::invalid_parameter("SearchValue must be a JSON object string."))?,
    };
    let common = search.get("common").and_then(Value::as_str).unwrap_or("");
    let mut rules = call.ctx.block_rules.list(|r| {
        let t = rule_type_of(r);
        is_cfw(r)
            && show.is_none_or(|s| show_type_matches(s, t))
            && (show.is_some() || rule_type.is_none_or(|want| want == t))
            && (direction.is_empty() || r.direction.split(',').any(|d| d == direction))
            && (common.is_empty() || r.ip.contains(common) || r.comment.contains(common))
    });
    if string(p, "Order") == Some("desc") {
        rules.reverse();
    }
    let total = rules.len();
    let data: Vec<Value> = rules
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|r| {
            let t = rule_type_of(r);
            json!({
                "Ioc": r.ip, "IP": r.ip, "Domain": "", "RuleType": t,
                "Action": if t == 1 { 1 } else { 2 },
                "DirectionList": r.direction,
                "Direction": r.direction.split(',').next().and_then(|d| d.parse::<i64>().ok()).unwrap_or(1),
                "StartTime": local_datetime(r.created_at, 8),
                "EndTime": r.attrs["end_time"],
                "UniqueId": r.id, "MatchTimes": 0, "Comment": r.comment,
                "Source": "", "Level": "", "Address": "", "Country": "", "IocName": "",
                "LastHitTime": null, "EventName": "", "IgnoreReason": "",
            })
        })
        .collect();
    Ok(
        json!({"Data": data, "Total": total, "ReturnCode": 0, "ReturnMsg": "success", "SourceList": []}),
    )
}

/// `DeleteBlockIgnoreRuleNew`.
pub(crate) fn delete_new(call: &Call<'_>) -> Result<Value, TcError> {
    let p = &call.params;
    let delete_all = int(p, "DeleteAll")?.ok_or_else(|| errors::missing("DeleteAll"))?;
    let show = string(p, "ShowType").ok_or_else(|| errors::missing("ShowType"))?;
    if show != "blocklist" && show != "whitelist" {
        return Err(errors::invalid_value(
            "`ShowType` must be blocklist or whitelist.",
        ));
    }
    let store = call.ctx.block_rules;
    match delete_all {
        1 => {
            store.remove_where(|r| is_cfw(r) && show_type_matches(show, rule_type_of(r)));
            return Ok(json!({}));
        }
        0 => {}
        _ => return Err(errors::invalid_value("`DeleteAll` must be 0 or 1.")),
    }
    let rules = p
        .get("Rules")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| errors::missing("Rules"))?;
    let mut targets = Vec::new();
    for r in rules {
        let ioc = string(r, "Ioc").ok_or_else(|| errors::missing("Rules.Ioc"))?;
        let t = int(r, "RuleType")?.ok_or_else(|| errors::missing("Rules.RuleType"))?;
        let dirs = match r.get("DirectionList") {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        for stored in store.list(|s| is_cfw(s) && s.ip == ioc && rule_type_of(s) == t) {
            if t <= 3 && stored.direction != dirs {
                return Err(errors::invalid_parameter(format!(
                    "DirectionList `{dirs}` does not match the rule's full direction list; query it with DescribeBlockIgnoreList (Direction=\"\")."
                )));
            }
            targets.push(stored.id);
        }
    }
    for id in targets {
        store.remove(&id);
    }
    Ok(json!({}))
}

/// `DeleteBlockIgnoreRuleList` (older): removes one direction per item.
pub(crate) fn delete_list(call: &Call<'_>) -> Result<Value, TcError> {
    let p = &call.params;
    let t = int(p, "RuleType")?.ok_or_else(|| errors::missing("RuleType"))?;
    let rules = p
        .get("Rules")
        .and_then(Value::as_array)
        .ok_or_else(|| errors::missing("Rules"))?;
    let store = call.ctx.block_rules;
    for r in rules {
        let ip = string(r, "IP").unwrap_or("");
        let dir = int(r, "Direction")?
            .ok_or_else(|| errors::missing("Rules.Direction"))?
            .to_string();
        for stored in store.list(|s| is_cfw(s) && s.ip == ip && rule_type_of(s) == t) {
            let left: Vec<&str> = stored.direction.split(',').filter(|d| *d != dir).collect();
            if left.is_empty() {
                store.remove(&stored.id);
            } else {
                let joined = left.join(",");
                store.update(&stored.id, |s| s.direction = joined);
            }
        }
    }
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_times_parse_with_offset() {
        let t = parse_beijing("2025-03-01 16:00:00").unwrap();
        assert_eq!(t.unix_timestamp(), 1_740_816_000);
        assert!(parse_beijing("2025-03-01T16:00:00Z").is_none());
        assert_eq!(merge_directions("1", "1,0"), "1,0");
    }
}

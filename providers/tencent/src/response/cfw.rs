//! Cloud Firewall (`cfw` 2019-09-04) block list.
//!
//! - list: `DescribeBlockIgnoreList{RuleType: 1, Direction: "", SearchValue: "{}"}` → `Data[]`
//!   with `Ioc`, `DirectionList` (all directions joined, e.g. `"1,0"`), `UniqueId`, `Total`;
//! - block: `CreateBlockIgnoreRuleNew{RuleType: 1, Rules[{Ioc, DirectionList, EndTime,
//!   Comment}], CoverDuplicate: 0}`; `EndTime` is Beijing time, `3000-01-01 00:00:00` = never;
//! - unblock: `DeleteBlockIgnoreRuleList{RuleType: 1, Rules[{IP, Direction}]}`, one entry per
//!   direction of the stored `DirectionList`, so exactly the stored rule goes.

use futures::stream::BoxStream;
use futures::TryStreamExt;
use multicloud_core::{
    BlockRequest, BlockRule, BlockTarget, Error, ErrorKind, ProviderKind, Result,
};
use serde_json::{json, Value};
use time::macros::{format_description, offset};
use time::OffsetDateTime;

use crate::api;
use crate::client::Client;
use crate::paging::{offset_stream, OffsetListing};
use crate::wire;

const PAGE_SIZE: u64 = 100;
/// Block inbound and outbound traffic of the address.
const BOTH_DIRECTIONS: &str = "1,0";
/// CFW's "permanent" end time.
const NEVER: &str = "3000-01-01 00:00:00";
/// Rule type 1: the block list.
const BLOCK: u64 = 1;

/// Every CFW block-list rule.
pub(super) fn list(client: Client, region: String) -> BoxStream<'static, Result<BlockRule>> {
    search(client, region, "{}".to_owned())
}

/// The block-list rules matching `search_value` (a JSON object as a string; `{}` for all).
fn search(
    client: Client,
    region: String,
    search_value: String,
) -> BoxStream<'static, Result<BlockRule>> {
    let listing = OffsetListing {
        api: api::CFW_DESCRIBE_BLOCK_IGNORE_LIST.name(),
        page_size: PAGE_SIZE,
        id_field: "UniqueId",
        cap: client.page_cap(&api::CFW_DESCRIBE_BLOCK_IGNORE_LIST.name(), Some(&region)),
    };
    let rule_region = region.clone();
    offset_stream(
        listing,
        move |offset| {
            let client = client.clone();
            let region = region.clone();
            let search_value = search_value.clone();
            async move {
                let params = json!({
                    "Limit": PAGE_SIZE,
                    "Offset": offset,
                    "RuleType": BLOCK,
                    // Empty direction: rules of every direction, with their full DirectionList.
                    "Direction": "",
                    "SearchValue": search_value,
                });
                let resp = client
                    .call(api::CFW_DESCRIBE_BLOCK_IGNORE_LIST, Some(&region), &params)
                    .await?;
                wire::offset_page_lenient(
                    resp,
                    api::CFW_DESCRIBE_BLOCK_IGNORE_LIST.action,
                    "Data",
                    Some("Total"),
                )
            }
        },
        move |item| to_rule(item, &rule_region),
    )
}

fn to_rule(item: Value, region: &str) -> Result<BlockRule> {
    let ioc = wire::text(&item, "Ioc").ok_or_else(|| {
        Error::decode("a CFW block rule without Ioc").with_provider(ProviderKind::Tencent)
    })?;
    let rule_id = wire::text(&item, "UniqueId").unwrap_or_else(|| ioc.clone());
    Ok(BlockRule::new(rule_id, ioc, BlockTarget::CloudFirewall, region).with_raw(item))
}

/// The first rule for `ip` that `matches`: narrowed by CFW's fuzzy `common` search, then
/// matched exactly here.
async fn find(
    client: &Client,
    region: &str,
    ip: &str,
    matches: impl Fn(&BlockRule) -> bool,
) -> Result<Option<BlockRule>> {
    let search_value = json!({ "common": ip }).to_string();
    let mut rules = search(client.clone(), region.to_owned(), search_value);
    while let Some(rule) = rules.try_next().await? {
        if matches(&rule) {
            return Ok(Some(rule));
        }
    }
    Ok(None)
}

pub(super) async fn block(client: &Client, request: &BlockRequest) -> Result<BlockRule> {
    let ip = request.ip.to_string();
    if let Some(existing) = find(client, &request.region, &ip, |r| r.ip == ip).await? {
        return Ok(existing);
    }
    let end_time = match request.expires_at {
        Some(at) => beijing_time(at)?,
        None => NEVER.to_owned(),
    };
    let mut rule = json!({"Ioc": ip, "DirectionList": BOTH_DIRECTIONS, "EndTime": end_time});
    if let Some(comment) = &request.comment {
        // CFW keeps at most 200 characters of comment.
        rule["Comment"] = Value::String(comment.chars().take(200).collect());
    }
    let params = json!({"RuleType": BLOCK, "Rules": [rule], "CoverDuplicate": 0});
    client
        .call(
            api::CFW_CREATE_BLOCK_IGNORE_RULE_NEW,
            Some(&request.region),
            &params,
        )
        .await?;
    // The create answer carries no rule; read back what CFW stored (id, exact directions).
    find(client, &request.region, &ip, |r| r.ip == ip)
        .await?
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Service,
                format!("CFW accepted the block of {ip} but does not list it"),
            )
            .with_provider(ProviderKind::Tencent)
            .with_action(api::CFW_CREATE_BLOCK_IGNORE_RULE_NEW.name())
        })
}

pub(super) async fn unblock(client: &Client, rule: &BlockRule) -> Result<()> {
    // Re-read the rule: the delete must name its current, full DirectionList.
    let same = |r: &BlockRule| r.rule_id == rule.rule_id && r.ip == rule.ip;
    let Some(current) = find(client, &rule.region, &rule.ip, same).await? else {
        return Ok(()); // already gone: unblocking is idempotent
    };
    let directions = wire::text(&current.raw, "DirectionList")
        .or_else(|| wire::text(&current.raw, "Direction"))
        .unwrap_or_else(|| BOTH_DIRECTIONS.to_owned());
    let params = delete_params(&current.ip, &directions)?;
    client
        .call(
            api::CFW_DELETE_BLOCK_IGNORE_RULE_LIST,
            Some(&rule.region),
            &params,
        )
        .await?;
    Ok(())
}

/// One `Rules` entry per stored direction; never a delete-all.
fn delete_params(ip: &str, directions: &str) -> Result<Value> {
    let rules = directions
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            d.parse::<u64>()
                .map(|d| json!({"IP": ip, "Direction": d}))
                .map_err(|_| {
                    Error::decode(format!(
                        "CFW rule for {ip} has an unexpected direction {d:?}"
                    ))
                    .with_provider(ProviderKind::Tencent)
                })
        })
        .collect::<Result<Vec<Value>>>()?;
    Ok(json!({"RuleType": BLOCK, "Rules": rules}))
}

/// CFW end times are Beijing time (UTC+8) without a zone.
fn beijing_time(at: OffsetDateTime) -> Result<String> {
    at.to_offset(offset!(+8))
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .map_err(|e| Error::config(format!("cannot format the block end time: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_time_is_written_in_beijing_time() {
        let t = time::macros::datetime!(2025-01-01 20:30:00 UTC);
        assert_eq!(beijing_time(t).unwrap(), "2025-01-02 04:30:00");
    }

    #[test]
    fn delete_names_each_stored_direction_and_never_deletes_all() {
        let p = delete_params("1.2.3.4", "1,0").unwrap();
        assert_eq!(
            p,
            json!({"RuleType": 1, "Rules": [{"IP": "1.2.3.4", "Direction": 1}, {"IP": "1.2.3.4", "Direction": 0}]})
        );
        assert!(p.get("DeleteAll").is_none());
        assert_eq!(
            delete_params("1.2.3.4", "1").unwrap()["Rules"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert!(delete_params("1.2.3.4", "x").is_err());
    }

    #[test]
    fn a_listed_rule_keeps_its_unique_id_and_raw_fields() {
        let r = to_rule(
            json!({"Ioc":"1.2.3.4","DirectionList":"1,0","UniqueId":"u-7","RuleType":1}),
            "ap-guangzhou",
        )
        .unwrap();
        assert_eq!(r.rule_id, "u-7");
        assert_eq!(r.ip, "1.2.3.4");
        assert_eq!(r.raw["DirectionList"], "1,0");
    }
}

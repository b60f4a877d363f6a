//! WAF (`waf` 2018-01-25) IP blacklist (action type 42).
//!
//! - list: `DescribeIpAccessControl{Domain, ActionType: 42, OffSet, Limit}` → `Data{Res[],
//!   TotalCount}`, each item with `RuleId`, `Ip`/`IpList`, `ValidTs`, …;
//! - block: `CreateIpAccessControl{Domain, InstanceId, IpList, ActionType: 42, SourceType:
//!   "custom", Note, JobType: "TimedJob", JobDateTime}` → `RuleId`;
//! - unblock: `DeleteIpAccessControlV2{Domain, RuleIds: [id], ActionType: 42}`, checking
//!   `FailedCount`. `DeleteAll` is never sent.

use futures::stream::BoxStream;
use futures::TryStreamExt;
use multicloud_core::{
    BlockRequest, BlockRule, BlockTarget, Error, ErrorKind, ProviderKind, Result,
};
use serde_json::{json, Value};

use crate::api;
use crate::client::Client;
use crate::paging::{offset_stream, OffsetListing};
use crate::wire;

const PAGE_SIZE: u64 = 100;
/// Action type 42: the IP blacklist (40 is the whitelist).
const BLACKLIST: u64 = 42;

/// Where a WAF rule lives.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Scope {
    instance_id: Option<String>,
    domain: String,
}

/// `domain`, `waf_instance` (instance-wide `global` list) or `waf_instance/domain`.
fn scope(raw: &str) -> Result<Scope> {
    let raw = raw.trim();
    let parsed = match raw.split_once('/') {
        Some((instance, domain)) => Scope {
            instance_id: Some(instance.to_owned()).filter(|i| !i.is_empty()),
            domain: domain.to_owned(),
        },
        None if raw.starts_with("waf_") => Scope {
            instance_id: Some(raw.to_owned()),
            domain: "global".to_owned(),
        },
        None => Scope {
            instance_id: None,
            domain: raw.to_owned(),
        },
    };
    if parsed.domain.is_empty() {
        return Err(Error::config(format!(
            "WAF scope {raw:?} names no domain; use a domain, a waf_ instance id or instance/domain"
        )));
    }
    Ok(parsed)
}

/// Every blacklist rule of the scope.
pub(super) fn list(
    client: Client,
    raw_scope: String,
    region: String,
) -> BoxStream<'static, Result<BlockRule>> {
    query(client, raw_scope, region, json!({}))
}

/// The blacklist rules of the scope matching `filter` (extra request fields: `Ip`, `RuleId`).
fn query(
    client: Client,
    raw_scope: String,
    region: String,
    filter: Value,
) -> BoxStream<'static, Result<BlockRule>> {
    let parsed = match scope(&raw_scope) {
        Ok(s) => s,
        Err(e) => return Box::pin(futures::stream::iter(vec![Err(e)])),
    };
    let listing = OffsetListing {
        api: api::WAF_DESCRIBE_IP_ACCESS_CONTROL.name(),
        page_size: PAGE_SIZE,
        id_field: "RuleId",
        cap: client.page_cap(&api::WAF_DESCRIBE_IP_ACCESS_CONTROL.name(), Some(&region)),
    };
    let rule_region = region.clone();
    offset_stream(
        listing,
        move |offset| {
            let client = client.clone();
            let region = region.clone();
            let domain = parsed.domain.clone();
            let filter = filter.clone();
            async move {
                let mut params = json!({"Domain": domain, "ActionType": BLACKLIST, "OffSet": offset, "Limit": PAGE_SIZE});
                if let (Some(params), Value::Object(extra)) = (params.as_object_mut(), filter) {
                    params.extend(extra);
                }
                let resp = client
                    .call(api::WAF_DESCRIBE_IP_ACCESS_CONTROL, Some(&region), &params)
                    .await?;
                let data = wire::ApiResponse {
                    body: resp.body.get("Data").cloned().unwrap_or(Value::Null),
                    request_id: resp.request_id.clone(),
                };
                wire::offset_page_lenient(
                    data,
                    api::WAF_DESCRIBE_IP_ACCESS_CONTROL.action,
                    "Res",
                    Some("TotalCount"),
                )
            }
        },
        move |item| to_rule(item, &raw_scope, &rule_region),
    )
}

fn to_rule(item: Value, raw_scope: &str, region: &str) -> Result<BlockRule> {
    let rule_id = wire::text(&item, "RuleId")
        .or_else(|| wire::text(&item, "Id"))
        .ok_or_else(|| {
            Error::decode("a WAF IP rule without RuleId").with_provider(ProviderKind::Tencent)
        })?;
    let ip = wire::text(&item, "Ip")
        .or_else(|| {
            item.get("IpList")?
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .next()
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let target = BlockTarget::Waf {
        scope: raw_scope.to_owned(),
    };
    Ok(BlockRule::new(rule_id, ip, target, region).with_raw(item))
}

fn blocks_ip(rule: &BlockRule, ip: &str) -> bool {
    rule.ip == ip
        || rule
            .raw
            .get("IpList")
            .and_then(Value::as_array)
            .is_some_and(|list| list.iter().any(|v| v.as_str() == Some(ip)))
}

/// The first rule the server returns for `filter` that also `matches` exactly.
async fn find(
    client: &Client,
    raw_scope: &str,
    region: &str,
    filter: Value,
    matches: impl Fn(&BlockRule) -> bool,
) -> Result<Option<BlockRule>> {
    let mut rules = query(
        client.clone(),
        raw_scope.to_owned(),
        region.to_owned(),
        filter,
    );
    while let Some(rule) = rules.try_next().await? {
        if matches(&rule) {
            return Ok(Some(rule));
        }
    }
    Ok(None)
}

pub(super) async fn block(
    client: &Client,
    raw_scope: &str,
    request: &BlockRequest,
) -> Result<BlockRule> {
    let parsed = scope(raw_scope)?;
    let ip = request.ip.to_string();
    if let Some(existing) = find(client, raw_scope, &request.region, json!({"Ip": ip}), |r| {
        blocks_ip(r, &ip)
    })
    .await?
    {
        return Ok(existing);
    }
    // A timed job from 0 to 0 never lapses; otherwise it ends at the requested time.
    let end = request.expires_at.map_or(0, |t| t.unix_timestamp().max(0));
    let mut params = json!({
        "Domain": parsed.domain,
        "IpList": [ip],
        "ActionType": BLACKLIST,
        "SourceType": "custom",
        "Note": request.comment.clone().unwrap_or_default(),
        "JobType": "TimedJob",
        "JobDateTime": {"Timed": [{"StartDateTime": 0, "EndDateTime": end}], "TimeTZone": "UTC+8"},
    });
    if let Some(instance) = &parsed.instance_id {
        params["InstanceId"] = Value::String(instance.clone());
    }
    let resp = client
        .call(
            api::WAF_CREATE_IP_ACCESS_CONTROL,
            Some(&request.region),
            &params,
        )
        .await?;
    let rule_id = wire::text(&resp.body, "RuleId").ok_or_else(|| {
        Error::decode("CreateIpAccessControl returned no RuleId")
            .with_provider(ProviderKind::Tencent)
            .with_action(api::WAF_CREATE_IP_ACCESS_CONTROL.name())
    })?;
    let by_id = json!({"RuleId": rule_id.parse::<u64>().unwrap_or_default()});
    find(client, raw_scope, &request.region, by_id, |r| {
        r.rule_id == rule_id
    })
    .await?
    .ok_or_else(|| {
        Error::new(
            ErrorKind::Service,
            format!("WAF created rule {rule_id} but does not list it"),
        )
        .with_provider(ProviderKind::Tencent)
        .with_action(api::WAF_CREATE_IP_ACCESS_CONTROL.name())
    })
}

pub(super) async fn unblock(client: &Client, raw_scope: &str, rule: &BlockRule) -> Result<()> {
    let parsed = scope(raw_scope)?;
    let rule_id: u64 = rule
        .rule_id
        .parse()
        .map_err(|_| Error::config(format!("WAF rule id {:?} is not numeric", rule.rule_id)))?;
    let params = json!({"Domain": parsed.domain, "RuleIds": [rule_id], "ActionType": BLACKLIST});
    let resp = client
        .call(
            api::WAF_DELETE_IP_ACCESS_CONTROL_V2,
            Some(&rule.region),
            &params,
        )
        .await?;
    let failed = resp
        .body
        .get("FailedCount")
        .and_then(wire::as_u64)
        .unwrap_or(0);
    if failed == 0 {
        return Ok(());
    }
    // Not deleted: fine if it was already gone (unblocking is idempotent), an error if not.
    let by_id = json!({ "RuleId": rule_id });
    let still_there = find(client, raw_scope, &rule.region, by_id, |r| {
        r.rule_id == rule.rule_id
    })
    .await?;
    match still_there {
        Some(_) => Err(Error::new(
            ErrorKind::Service,
            format!("WAF could not delete rule {rule_id}"),
        )
        .with_provider(ProviderKind::Tencent)
        .with_action(api::WAF_DELETE_IP_ACCESS_CONTROL_V2.name())),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_name_a_domain_an_instance_or_both() {
        assert_eq!(
            scope("www.example.com").unwrap(),
            Scope {
                instance_id: None,
                domain: "www.example.com".into()
            }
        );
        assert_eq!(
            scope("waf_2kxtlbky11bbcr4b").unwrap(),
            Scope {
                instance_id: Some("waf_2kxtlbky11bbcr4b".into()),
                domain: "global".into()
            }
        );
        assert_eq!(
            scope("waf_1/a.example.com").unwrap(),
            Scope {
                instance_id: Some("waf_1".into()),
                domain: "a.example.com".into()
            }
        );
        assert!(scope("waf_1/").is_err());
    }

    #[test]
    fn a_listed_rule_is_matched_by_ip_or_ip_list() {
        let r = to_rule(
            json!({"RuleId":55201922u64,"ActionType":42,"IpList":["1.1.1.1","2.2.2.2"],"Note":""}),
            "www.example.com",
            "ap-guangzhou",
        )
        .unwrap();
        assert_eq!(r.rule_id, "55201922");
        assert_eq!(r.ip, "1.1.1.1");
        assert!(blocks_ip(&r, "2.2.2.2"));
        assert!(!blocks_ip(&r, "3.3.3.3"));
    }
}

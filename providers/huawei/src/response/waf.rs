//! WAF: black-IP rules (`white: 0`) on policies.

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use http::Method;
use multicloud_core::{
    paginate_capped, BlockRequest, BlockRule, BlockTarget, Error, ErrorKind, Page, ProviderKind,
    Result,
};
use serde_json::{json, Value};

use crate::client::{
    encode, Client, Request, Scope, WAF_CREATE_RULE, WAF_DELETE_RULE, WAF_LIST_POLICIES,
    WAF_LIST_RULES,
};
use crate::wire::{self, decode_error};

/// `pagesize` of WAF lists (the API allows up to 100).
const PAGE: u64 = 100;

fn api_request(project: &str, region: &str, path: &str) -> Request {
    Request::get(format!("/v1/{project}/waf/{path}"))
        .in_region(region)
        .scope(Scope::Project(project.to_owned()))
}

/// The policies `scope` names: an id, a name, or `*` (every policy protecting a host).
async fn policies(
    client: &Client,
    project: &str,
    region: &str,
    scope: &str,
) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let mut page = 1;
    loop {
        let body = client
            .json(
                WAF_LIST_POLICIES,
                &api_request(project, region, "policy")
                    .query("page", page)
                    .query("pagesize", PAGE),
            )
            .await?;
        let items = wire::list(&body, "items", WAF_LIST_POLICIES.name, Some(region))?;
        for p in items {
            let Some(id) = wire::text(p, "id") else {
                continue;
            };
            let name = wire::text(p, "name").unwrap_or_default();
            let protects = p
                .get("hosts")
                .and_then(Value::as_array)
                .is_some_and(|h| !h.is_empty());
            let wanted = if scope == "*" {
                protects
            } else {
                id == scope || name == scope
            };
            if wanted {
                found.push(id);
            }
        }
        let total = wire::number(&body, "total").unwrap_or(0);
        if items.is_empty() || page * PAGE >= total {
            break;
        }
        page += 1;
    }
    if found.is_empty() {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("no WAF policy matches {scope:?} in {region} (give a policy id or name, or * for every policy protecting a host)"),
        )
        .with_provider(ProviderKind::Huawei));
    }
    Ok(found)
}

/// The black-IP rules of one policy.
fn rules(
    client: Client,
    project: String,
    region: String,
    scope: String,
    policy: String,
) -> BoxStream<'static, Result<BlockRule>> {
    let cap = client.page_cap(WAF_LIST_RULES.name, Some(&region));
    paginate_capped(cap, move |token: Option<String>| {
        let client = client.clone();
        let (project, region, scope, policy) = (
            project.clone(),
            region.clone(),
            scope.clone(),
            policy.clone(),
        );
        async move {
            let page: u64 = token.as_deref().unwrap_or("1").parse().unwrap_or(1);
            let body = client
                .json(
                    WAF_LIST_RULES,
                    &api_request(&project, &region, &format!("policy/{policy}/whiteblackip"))
                        .query("page", page)
                        .query("pagesize", PAGE),
                )
                .await?;
            let items = wire::list(&body, "items", WAF_LIST_RULES.name, Some(&region))?;
            let mut out = Vec::new();
            for item in items {
                if wire::number(item, "white") != Some(0) {
                    continue;
                }
                let (Some(id), Some(addr)) = (wire::text(item, "id"), wire::text(item, "addr"))
                else {
                    return Err(decode_error(
                        WAF_LIST_RULES.name,
                        Some(&region),
                        "a rule without id or addr",
                    ));
                };
                out.push(
                    BlockRule::new(
                        format!("{policy}/{id}"),
                        addr,
                        BlockTarget::Waf {
                            scope: scope.clone(),
                        },
                        region.clone(),
                    )
                    .with_raw(item.clone()),
                );
            }
            let total = wire::number(&body, "total").unwrap_or(0);
            let more = !items.is_empty() && page * PAGE < total;
            Ok(Page::new(out, more.then(|| (page + 1).to_string())))
        }
    })
}

/// Every black-IP rule of the policies `scope` names.
pub(super) fn list(
    client: Client,
    scope: String,
    region: String,
) -> BoxStream<'static, Result<BlockRule>> {
    stream::once(async move {
        let project = client.project_id(&region).await?;
        let ids = policies(&client, &project, &region, &scope).await?;
        let streams: Vec<_> = ids
            .into_iter()
            .map(|p| {
                rules(
                    client.clone(),
                    project.clone(),
                    region.clone(),
                    scope.clone(),
                    p,
                )
            })
            .collect();
        Ok::<_, Error>(stream::iter(streams).flatten())
    })
    .try_flatten()
    .boxed()
}

/// A rule name WAF accepts (letters, digits, `-`, `_`, `.`; at most 64).
fn rule_name(ip: &str) -> String {
    let mut name: String = format!("mc-block-{ip}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    name.truncate(64);
    name
}

/// Adds a black-IP rule for `request.ip` on each policy of the scope that lacks one.
pub(super) async fn block(
    client: &Client,
    scope: &str,
    request: &BlockRequest,
) -> Result<BlockRule> {
    let region = request.region.as_str();
    let project = client.project_id(region).await?;
    let ip = request.ip.to_string();
    let mut ids = Vec::new();
    let mut raws = Vec::new();
    for policy in policies(client, &project, region, scope).await? {
        let existing: Vec<BlockRule> = rules(
            client.clone(),
            project.clone(),
            region.to_owned(),
            scope.to_owned(),
            policy.clone(),
        )
        .try_collect()
        .await?;
        if let Some(rule) = existing.into_iter().find(|r| r.ip == ip) {
            ids.push(rule.rule_id);
            raws.push(rule.raw);
            continue;
        }
        let mut body = json!({
            "name": rule_name(&ip),
            "addr": ip,
            "white": 0,
            "description": request.comment.clone().unwrap_or_else(|| "blocked by multicloud".to_owned()),
        });
        // Only a timed block sends the time fields (`time_mode: customize`, `start` and
        // `terminal` in epoch milliseconds, as providers.md has them; not in every SDK's
        // model): a permanent rule is the documented default.
        if let Some(until) = request.expires_at {
            let now = client.clock().now();
            body["time_mode"] = json!("customize");
            body["start"] = json!(now.unix_timestamp() * 1000);
            body["terminal"] = json!(until.unix_timestamp() * 1000);
        }
        let answer = client
            .json(
                WAF_CREATE_RULE,
                &api_request(&project, region, &format!("policy/{policy}/whiteblackip"))
                    .with_method(Method::POST)
                    .json(body),
            )
            .await?;
        let Some(id) = wire::text(&answer, "id") else {
            return Err(decode_error(
                WAF_CREATE_RULE.name,
                Some(region),
                "no rule id in the answer",
            ));
        };
        ids.push(format!("{policy}/{id}"));
        raws.push(answer);
    }
    let raw = if raws.len() == 1 {
        raws.remove(0)
    } else {
        Value::Array(raws)
    };
    Ok(BlockRule::new(
        ids.join(","),
        ip,
        BlockTarget::Waf {
            scope: scope.to_owned(),
        },
        region,
    )
    .with_raw(raw))
}

/// Deletes exactly each `policy/rule` the rule id lists; a rule already gone is skipped.
pub(super) async fn unblock(client: &Client, rule: &BlockRule) -> Result<()> {
    let project = client.project_id(&rule.region).await?;
    for part in rule.rule_id.split(',').filter(|p| !p.is_empty()) {
        let Some((policy, id)) = part.split_once('/') else {
            return Err(Error::config(format!(
                "WAF rule id {part:?} is not policy/rule: pass the BlockRule block_ip or list_blocks returned"
            ))
            .with_provider(ProviderKind::Huawei));
        };
        let req = api_request(
            &project,
            &rule.region,
            &format!("policy/{}/whiteblackip/{}", encode(policy), encode(id)),
        )
        .with_method(Method::DELETE);
        match client.json(WAF_DELETE_RULE, &req).await {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_follow_the_waf_charset() {
        assert_eq!(rule_name("42.123.120.66"), "mc-block-42.123.120.66");
        assert_eq!(rule_name("2001:db8::1"), "mc-block-2001-db8--1");
    }
}

//! CFW: members of the address group a deny rule uses.

use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use http::Method;
use multicloud_core::{
    paginate_capped, BlockRequest, BlockRule, BlockTarget, Error, ErrorKind, Page, ProviderKind,
    Result,
};
use serde_json::{json, Value};

use crate::client::{
    Client, Request, Scope, CFW_ADD_ADDRESS_ITEM, CFW_DELETE_ADDRESS_ITEM, CFW_LIST_ADDRESS_ITEMS,
    CFW_LIST_ADDRESS_SETS, CFW_LIST_FIREWALLS,
};
use crate::wire::{self, decode_error};

/// Records per CFW list page (the API allows up to 1024).
const PAGE: u64 = 200;

/// Where the group lives.
#[derive(Debug, Clone)]
struct Group {
    project: String,
    object_id: String,
    set_id: String,
}

fn request(project: &str, region: &str, path: &str) -> Request {
    Request::get(format!("/v1/{project}/{path}"))
        .in_region(region)
        .scope(Scope::Project(project.to_owned()))
}

/// The internet-border protected objects (type 0) of the region's firewalls.
async fn border_objects(client: &Client, project: &str, region: &str) -> Result<Vec<String>> {
    let body = client
        .json(
            CFW_LIST_FIREWALLS,
            &request(project, region, "firewall/exist")
                .query("service_type", 0)
                .query("offset", 0)
                .query("limit", 100),
        )
        .await?;
    let records = wire::list(&body, "data.records", CFW_LIST_FIREWALLS.name, Some(region))?;
    let objects = records
        .iter()
        .filter_map(|fw| fw.get("protect_objects").and_then(Value::as_array))
        .flatten()
        .filter(|o| wire::number(o, "type") == Some(0))
        .filter_map(|o| wire::text(o, "object_id"))
        .collect();
    Ok(objects)
}

/// Finds the address group named `name` in `region`.
async fn group(client: &Client, name: &str, region: &str) -> Result<Group> {
    let project = client.project_id(region).await?;
    let objects = border_objects(client, &project, region).await?;
    if objects.is_empty() {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("region {region} has no Cloud Firewall protecting the internet border: buy or enable CFW there first"),
        )
        .with_provider(ProviderKind::Huawei));
    }
    for object_id in &objects {
        let mut offset = 0;
        loop {
            let body = client
                .json(
                    CFW_LIST_ADDRESS_SETS,
                    &request(&project, region, "address-sets")
                        .query("object_id", object_id)
                        .query("key_word", name)
                        .query("offset", offset)
                        .query("limit", PAGE),
                )
                .await?;
            let records = wire::list(
                &body,
                "data.records",
                CFW_LIST_ADDRESS_SETS.name,
                Some(region),
            )?;
            if let Some(set) = records
                .iter()
                .find(|s| wire::text(s, "name").as_deref() == Some(name))
            {
                let Some(set_id) = wire::text(set, "set_id") else {
                    return Err(decode_error(
                        CFW_LIST_ADDRESS_SETS.name,
                        Some(region),
                        "an address group without set_id",
                    ));
                };
                if wire::number(set, "ref_count") == Some(0) {
                    return Err(Error::new(
                        ErrorKind::Config,
                        format!(
                            "address group {name} in {region} is used by no ACL rule, so its members \
                             would block nothing: add a deny rule that references it"
                        ),
                    )
                    .with_provider(ProviderKind::Huawei));
                }
                return Ok(Group {
                    project,
                    object_id: object_id.clone(),
                    set_id,
                });
            }
            let total =
                wire::number(&body.get("data").cloned().unwrap_or_default(), "total").unwrap_or(0);
            offset += records.len() as u64;
            if records.is_empty() || offset >= total {
                break;
            }
        }
    }
    Err(Error::new(
        ErrorKind::NotFound,
        format!(
            "no address group named {name} in {region}: create it on the internet-border protected \
             object and reference it from a deny ACL rule"
        ),
    )
    .with_provider(ProviderKind::Huawei))
}

fn to_rule(item: &Value, group: &Group, region: &str) -> Result<BlockRule> {
    let (Some(id), Some(address)) = (wire::text(item, "item_id"), wire::text(item, "address"))
    else {
        return Err(decode_error(
            CFW_LIST_ADDRESS_ITEMS.name,
            Some(region),
            "an address group member without item_id or address",
        ));
    };
    let mut raw = item.clone();
    if let Some(o) = raw.as_object_mut() {
        o.insert("set_id".into(), json!(group.set_id));
        o.insert("object_id".into(), json!(group.object_id));
    }
    Ok(BlockRule::new(id, address, BlockTarget::CloudFirewall, region).with_raw(raw))
}

/// The members of the group, `address` filtering when given.
fn members(
    client: Client,
    group: Group,
    region: String,
    address: Option<String>,
) -> BoxStream<'static, Result<BlockRule>> {
    let cap = client.page_cap(CFW_LIST_ADDRESS_ITEMS.name, Some(&region));
    paginate_capped(cap, move |token: Option<String>| {
        let client = client.clone();
        let group = group.clone();
        let region = region.clone();
        let address = address.clone();
        async move {
            let offset: u64 = token.as_deref().unwrap_or("0").parse().unwrap_or(0);
            let mut req = request(&group.project, &region, "address-items")
                .query("set_id", &group.set_id)
                .query("offset", offset)
                .query("limit", PAGE);
            if let Some(a) = &address {
                req = req.query("address", a);
            }
            let body = client.json(CFW_LIST_ADDRESS_ITEMS, &req).await?;
            let records = wire::list(
                &body,
                "data.records",
                CFW_LIST_ADDRESS_ITEMS.name,
                Some(&region),
            )?;
            let rules = records
                .iter()
                .map(|r| to_rule(r, &group, &region))
                .collect::<Result<Vec<_>>>()?;
            let total = body
                .get("data")
                .and_then(|d| wire::number(d, "total"))
                .unwrap_or(0);
            let next = offset + rules.len() as u64;
            let more = !rules.is_empty() && next < total;
            Ok(Page::new(rules, more.then(|| next.to_string())))
        }
    })
}

/// The members of the block group in `region`.
pub(super) fn list(
    client: Client,
    name: String,
    region: String,
) -> BoxStream<'static, Result<BlockRule>> {
    futures::stream::once(async move {
        let g = group(&client, &name, &region).await?;
        Ok::<_, Error>(members(client, g, region, None))
    })
    .try_flatten()
    .boxed()
}

/// Adds `request.ip` to the group, or returns the member that already holds it.
pub(super) async fn block(
    client: &Client,
    name: &str,
    request: &BlockRequest,
) -> Result<BlockRule> {
    let region = request.region.as_str();
    let g = group(client, name, region).await?;
    let ip = request.ip.to_string();
    let existing: Vec<BlockRule> = members(
        client.clone(),
        g.clone(),
        region.to_owned(),
        Some(ip.clone()),
    )
    .try_collect()
    .await?;
    if let Some(rule) = existing.into_iter().find(|r| r.ip == ip) {
        return Ok(rule);
    }
    let body = json!({
        "set_id": g.set_id,
        "address_items": [{
            "address_type": if request.ip.is_ipv4() { 0 } else { 1 },
            "address": ip,
            "description": request.comment.clone().unwrap_or_else(|| "blocked by multicloud".to_owned()),
        }],
    });
    let answer = client
        .json(
            CFW_ADD_ADDRESS_ITEM,
            &request_post(&g.project, region, body),
        )
        .await?;
    let items = wire::list(
        &answer,
        "data.items",
        CFW_ADD_ADDRESS_ITEM.name,
        Some(region),
    )?;
    let Some(id) = items.first().and_then(|i| wire::text(i, "id")) else {
        return Err(decode_error(
            CFW_ADD_ADDRESS_ITEM.name,
            Some(region),
            "no member id in the answer",
        ));
    };
    let raw = json!({"item_id": id, "address": ip, "set_id": g.set_id, "object_id": g.object_id});
    Ok(BlockRule::new(id, ip, BlockTarget::CloudFirewall, region).with_raw(raw))
}

fn request_post(project: &str, region: &str, body: Value) -> Request {
    request(project, region, "address-items")
        .with_method(Method::POST)
        .json(body)
}

/// Deletes exactly the member `rule.rule_id`. A member already gone is not an error: when
/// the rule names its group, the group is looked at first (CFW answers a missing member with
/// a generic parameter error), and nothing is deleted if the member is not there.
pub(super) async fn unblock(client: &Client, rule: &BlockRule) -> Result<()> {
    let region = rule.region.as_str();
    let project = client.project_id(region).await?;
    if let (Some(set_id), Some(object_id)) = (
        wire::text(&rule.raw, "set_id"),
        wire::text(&rule.raw, "object_id"),
    ) {
        let g = Group {
            project: project.clone(),
            object_id,
            set_id,
        };
        let present: Vec<BlockRule> =
            members(client.clone(), g, region.to_owned(), Some(rule.ip.clone()))
                .try_collect()
                .await?;
        if !present.iter().any(|m| m.rule_id == rule.rule_id) {
            return Ok(());
        }
    }
    let req = request(
        &project,
        region,
        &format!("address-items/{}", crate::client::encode(&rule.rule_id)),
    )
    .with_method(Method::DELETE);
    match client.json(CFW_DELETE_ADDRESS_ITEM, &req).await {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

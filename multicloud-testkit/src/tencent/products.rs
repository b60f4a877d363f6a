//! Cloud-product listings (providers.md §3.d): tag `GetResources`, CBS `DescribeDisks`,
//! CLB `DescribeLoadBalancers`, VPC `DescribeVpcs`/`DescribeSecurityGroups`, CDB
//! `DescribeDBInstances`, Redis `DescribeInstances`. Offset/Limit listings reply
//! `TotalCount` plus the product's set; the tag service pages by `PaginationToken`.

use serde_json::{json, Value};

use crate::inventory::SimResource;
use crate::render::{local_datetime, page_token, parse_page_token};

use super::errors::{self, TcError};
use super::profile::APP_ID;
use super::route::{int, offset_limit, string, strings};
use super::Call;

fn tags_kv(r: &SimResource) -> Vec<Value> {
    r.tags
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect()
}

fn tags_tag(r: &SimResource) -> Vec<Value> {
    r.tags
        .iter()
        .map(|(k, v)| json!({"TagKey": k, "TagValue": v}))
        .collect()
}

fn beijing(r: &SimResource) -> String {
    local_datetime(r.created_at, 8)
}

/// Lists `service`/`ty` in `region`, keeping `ids` if given, then one Offset/Limit page.
fn offset_page<'a>(
    call: &'a Call<'_>,
    service: &str,
    ty: &str,
    region: &str,
    ids: &[String],
    (default, max): (i64, i64),
) -> Result<(usize, Vec<&'a SimResource>), TcError> {
    let (offset, limit) = offset_limit(&call.params, default, max)?;
    let all: Vec<&SimResource> = call
        .ctx
        .inventory
        .resources_in(service, ty, region)
        .iter()
        .filter(|r| ids.is_empty() || ids.contains(&r.id))
        .collect();
    let offset = if call.ctx.pagination_loop() {
        0
    } else {
        offset
    };
    let page = all.iter().skip(offset).take(limit).copied().collect();
    Ok((all.len(), page))
}

/// CBS `DescribeDisks` (Limit ≤ 100).
pub(crate) fn describe_disks(call: &Call<'_>, region: &str) -> Result<Value, TcError> {
    let ids = strings(&call.params, "DiskIds");
    let (total, page) = offset_page(call, "cbs", "disk", region, &ids, (20, 100))?;
    let set: Vec<Value> = page
        .iter()
        .enumerate()
        .map(|(i, d)| {
            json!({
                "DiskId": d.id, "DiskName": d.name,
                "DiskSize": d.attrs["size"], "DiskType": d.attr_str("type"),
                "DiskState": if i % 3 == 0 { "UNATTACHED" } else { "ATTACHED" },
                "Attached": i % 3 != 0, "InstanceId": "",
                "DiskUsage": "DATA_DISK", "DiskChargeType": "POSTPAID_BY_HOUR",
                "Encrypt": d.attrs["encrypted"], "Portable": true,
                "Placement": {"Zone": format!("{region}-3"), "ProjectId": 0},
                "CreateTime": beijing(d), "DeadlineTime": "",
                "Tags": tags_kv(d), "SnapshotAbility": true, "Shareable": false,
            })
        })
        .collect();
    Ok(json!({"TotalCount": total, "DiskSet": set}))
}

/// CLB `DescribeLoadBalancers` (Limit ≤ 100).
pub(crate) fn describe_load_balancers(call: &Call<'_>, region: &str) -> Result<Value, TcError> {
    let ids = strings(&call.params, "LoadBalancerIds");
    let (total, page) = offset_page(call, "clb", "loadbalancer", region, &ids, (20, 100))?;
    let vpcs = call.ctx.inventory.resources_in("vpc", "vpc", region);
    let set: Vec<Value> = page
        .iter()
        .enumerate()
        .map(|(i, lb)| {
            let open = lb.attrs["open"].as_bool().unwrap_or(true);
            let vpc = vpcs.get(i % vpcs.len().max(1)).map(|v| v.id.clone()).unwrap_or_default();
            json!({
                "LoadBalancerId": lb.id, "LoadBalancerName": lb.name,
                "LoadBalancerType": if open { "OPEN" } else { "INTERNAL" },
                "Forward": 1, "Domain": "", "Status": 1, "ProjectId": 0,
                "LoadBalancerVips": [if open { format!("119.28.{}.{}", i / 250, i % 250 + 1) } else { format!("10.0.{}.{}", i / 250, i % 250 + 10) }],
                "VpcId": vpc, "AddressIPVersion": "ipv4",
                "CreateTime": beijing(lb), "StatusTime": beijing(lb),
                "Tags": tags_tag(lb), "SecureGroups": [], "ChargeType": "POSTPAID_BY_HOUR",
            })
        })
        .collect();
    Ok(json!({"TotalCount": total, "LoadBalancerSet": set}))
}

/// VPC `DescribeVpcs` (Limit ≤ 100, a string in the SDK model).
pub(crate) fn describe_vpcs(call: &Call<'_>, region: &str) -> Result<Value, TcError> {
    let ids = strings(&call.params, "VpcIds");
    let (total, page) = offset_page(call, "vpc", "vpc", region, &ids, (20, 100))?;
    let set: Vec<Value> = page
        .iter()
        .map(|v| {
            json!({
                "VpcId": v.id, "VpcName": v.name, "CidrBlock": v.attr_str("cidr"),
                "IsDefault": v.attrs["is_default"], "EnableMulticast": false,
                "CreatedTime": beijing(v), "DnsServerSet": ["183.60.83.19", "183.60.82.98"],
                "DomainName": "", "DhcpOptionsId": "", "EnableDhcp": true,
                "Ipv6CidrBlock": "", "TagSet": tags_kv(v), "AssistantCidrSet": [],
            })
        })
        .collect();
    Ok(json!({"TotalCount": total, "VpcSet": set}))
}

/// VPC `DescribeSecurityGroups` (Limit ≤ 100).
pub(crate) fn describe_security_groups(call: &Call<'_>, region: &str) -> Result<Value, TcError> {
    let ids = strings(&call.params, "SecurityGroupIds");
    let (total, page) = offset_page(call, "vpc", "security-group", region, &ids, (20, 100))?;
    let set: Vec<Value> = page
        .iter()
        .enumerate()
        .map(|(i, g)| {
            json!({
                "SecurityGroupId": g.id, "SecurityGroupName": g.name,
                "SecurityGroupDesc": format!("{} rules", g.name), "ProjectId": "0",
                "IsDefault": i == 0, "CreatedTime": beijing(g), "UpdateTime": beijing(g),
                "TagSet": tags_kv(g),
            })
        })
        .collect();
    Ok(json!({"TotalCount": total, "SecurityGroupSet": set}))
}

/// CDB `DescribeDBInstances` (Limit ≤ 2000).
pub(crate) fn describe_db_instances(call: &Call<'_>, region: &str) -> Result<Value, TcError> {
    let ids = strings(&call.params, "InstanceIds");
    let (total, page) = offset_page(call, "cdb", "instance", region, &ids, (20, 2000))?;
    let vpcs = call.ctx.inventory.resources_in("vpc", "vpc", region);
    let items: Vec<Value> = page
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let vpc = vpcs
                .get(i % vpcs.len().max(1))
                .map(|v| v.id.clone())
                .unwrap_or_default();
            json!({
                "InstanceId": d.id, "InstanceName": d.name, "Region": region,
                "Zone": format!("{region}-3"), "ZoneId": 100003, "Status": 1, "TaskStatus": 0,
                "Vip": format!("10.0.{}.{}", 100 + i / 250, i % 250 + 2), "Vport": 3306,
                "EngineVersion": d.attr_str("version"), "EngineType": "InnoDB",
                "Memory": d.attrs["memory"], "Volume": d.attrs["volume"], "Cpu": 2,
                "InstanceType": 1, "DeviceType": "UNIVERSAL", "ProjectId": 0, "PayType": 1,
                "UniqVpcId": vpc, "UniqSubnetId": "", "WanStatus": 0, "WanDomain": "", "WanPort": 0,
                "CreateTime": beijing(d), "DeadlineTime": "0000-00-00 00:00:00",
                "TagList": tags_tag(d),
            })
        })
        .collect();
    Ok(json!({"TotalCount": total, "Items": items}))
}

/// Redis `DescribeInstances` (Limit ≤ 1000).
pub(crate) fn describe_redis(call: &Call<'_>, region: &str) -> Result<Value, TcError> {
    let mut ids = strings(&call.params, "InstanceIds");
    if let Some(one) = string(&call.params, "InstanceId") {
        ids.push(one.to_string());
    }
    let (total, page) = offset_page(call, "redis", "instance", region, &ids, (20, 1000))?;
    let set: Vec<Value> = page
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "InstanceId": r.id, "InstanceName": r.name, "Appid": APP_ID, "ProjectId": 0,
                "Region": region, "RegionId": 1, "ZoneId": 100003, "VpcId": 0, "SubnetId": 0,
                "UniqVpcId": "", "UniqSubnetId": "", "Status": 2, "SubStatus": 0,
                "WanIp": format!("10.0.{}.{}", 200 + i / 250, i % 250 + 2), "Port": 6379,
                "Createtime": beijing(r), "Size": r.attrs["size"].as_f64().unwrap_or(1024.0),
                "Type": 8, "Engine": "Redis", "ProductType": "standalone", "BillingMode": 0,
                "InstanceTags": tags_tag(r), "NoAuth": false,
            })
        })
        .collect();
    Ok(json!({"TotalCount": total, "InstanceSet": set}))
}

/// The six-segment name of every tagged resource, with its tags.
fn tagged(call: &Call<'_>) -> Vec<(String, Vec<(String, String)>)> {
    let inv = call.ctx.inventory;
    let owner = &call.key.account_id;
    let mut out = Vec::new();
    for h in inv.hosts() {
        out.push((
            format!("qcs::cvm:{}:uin/{owner}:instance/{}", h.region, h.id),
            h.tags.clone(),
        ));
    }
    let kinds = [
        ("cbs", "disk", "cvm", "volume"),
        ("clb", "loadbalancer", "clb", "clb"),
        ("vpc", "vpc", "vpc", "vpc"),
        ("vpc", "security-group", "cvm", "sg"),
        ("cdb", "instance", "cdb", "instanceId"),
        ("redis", "instance", "redis", "instance"),
    ];
    for (svc, ty, qcs, prefix) in kinds {
        for r in inv.resources_of(svc, ty) {
            out.push((
                format!("qcs::{qcs}:{}:uin/{owner}:{prefix}/{}", r.region, r.id),
                r.tags.clone(),
            ));
        }
    }
    for b in inv.resources_of("cos", "bucket") {
        out.push((
            format!("qcs::cos:{}:uid/{APP_ID}:{}", b.region, b.id),
            b.tags.clone(),
        ));
    }
    out.retain(|(_, tags)| !tags.is_empty());
    out
}

/// tag `GetResources` (MaxResults ≤ 200, default 50; `PaginationToken`).
pub(crate) fn get_resources(call: &Call<'_>) -> Result<Value, TcError> {
    let max = int(&call.params, "MaxResults")?.unwrap_or(50);
    if !(1..=200).contains(&max) {
        return Err(errors::invalid_value(
            "The value of parameter `MaxResults` must be between 1 and 200.",
        ));
    }
    let token = string(&call.params, "PaginationToken").unwrap_or("");
    let offset = if token.is_empty() {
        0
    } else {
        parse_page_token(token)
            .ok_or_else(|| errors::invalid_value("The `PaginationToken` is invalid."))?
    };
    let wanted = strings(&call.params, "ResourceList");
    let tag_filters: Vec<(String, Vec<String>)> = call
        .params
        .get("TagFilters")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        string(f, "TagKey").unwrap_or("").to_string(),
                        strings(f, "TagValue"),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if tag_filters.len() > 6 {
        return Err(errors::invalid_value("At most 6 `TagFilters` are allowed."));
    }
    let all: Vec<(String, Vec<(String, String)>)> = tagged(call)
        .into_iter()
        .filter(|(name, _)| wanted.is_empty() || wanted.contains(name))
        .filter(|(_, tags)| {
            tag_filters.iter().all(|(k, vals)| {
                tags.iter()
                    .any(|(tk, tv)| tk == k && (vals.is_empty() || vals.contains(tv)))
            })
        })
        .collect();
    let max = max as usize;
    let start = offset.min(all.len());
    let end = (start + max).min(all.len());
    let next = if call.ctx.pagination_loop() {
        if token.is_empty() {
            page_token(max)
        } else {
            token.to_string()
        }
    } else if end < all.len() {
        page_token(end)
    } else {
        String::new()
    };
    let list: Vec<Value> = all[start..end]
        .iter()
        .map(|(name, tags)| {
            let tags: Vec<Value> = tags
                .iter()
                .map(|(k, v)| json!({"TagKey": k, "TagValue": v, "Category": "Custom"}))
                .collect();
            json!({"Resource": name, "Tags": tags})
        })
        .collect();
    Ok(json!({"PaginationToken": next, "ResourceTagMappingList": list}))
}

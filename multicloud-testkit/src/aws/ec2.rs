//! EC2 (`ec2` protocol, API 2016-11-15): DescribeRegions, DescribeVpcs,
//! DescribeSecurityGroups, DescribeVolumes, DescribeSnapshots (DescribeInstances lives in
//! [`super::instances`]), and the parameter and paging helpers they share.
//!
//! Inputs are form parameters (`MaxResults`, `NextToken`, `InstanceId.N`,
//! `Filter.N.Name`/`Filter.N.Value.M`, `Owner.N`, `AllRegions`); outputs are the
//! `…Response` documents botocore parses by `locationName` (`reservationSet/item/
//! instancesSet/item`, `vpcSet/item`, `securityGroupInfo/item`, `volumeSet/item`,
//! `snapshotSet/item`, `regionInfo/item`).

use crate::inventory::SimResource;
use crate::render::{iso8601_millis, page_token, parse_page_token, Xml};

use super::errors::{invalid_value, AwsError};
use super::route::{dns_suffix, list_param, param, Service};
use super::Call;

const NS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";

/// `Filter.N.Name` → its `Filter.N.Value.M` values.
pub(super) fn filters(call: &Call<'_>) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for n in 1.. {
        let Some(name) = param(&call.params, &format!("Filter.{n}.Name")) else {
            break;
        };
        out.push((
            name.to_string(),
            list_param(&call.params, &format!("Filter.{n}.Value")),
        ));
    }
    out
}

pub(super) fn tag_matches(
    tags: &[(String, String)],
    name: &str,
    values: &[String],
) -> Option<bool> {
    if let Some(key) = name.strip_prefix("tag:") {
        return Some(
            tags.iter()
                .any(|(k, v)| k == key && values.iter().any(|x| x == v)),
        );
    }
    if name == "tag-key" {
        return Some(tags.iter().any(|(k, _)| values.contains(k)));
    }
    None
}

pub(super) fn bad_filter(name: &str) -> AwsError {
    invalid_value(Service::Ec2, format!("The filter '{name}' is invalid"))
}

/// Parses `MaxResults` within `min..=max`; values above `clamp` are served as `clamp`.
pub(super) fn max_results(
    call: &Call<'_>,
    min: usize,
    max: usize,
) -> Result<Option<usize>, AwsError> {
    let Some(raw) = param(&call.params, "MaxResults") else {
        return Ok(None);
    };
    let n: usize = raw.parse().map_err(|_| {
        invalid_value(
            Service::Ec2,
            format!("Invalid value '{raw}' for maxResults"),
        )
    })?;
    if n < min || n > max {
        return Err(invalid_value(
            Service::Ec2,
            format!("Value ( {n} ) for parameter maxResults is invalid. Expecting a value between {min} and {max}."),
        ));
    }
    Ok(Some(n))
}

fn start_offset(call: &Call<'_>) -> Result<usize, AwsError> {
    match param(&call.params, "NextToken") {
        None | Some("") => Ok(0),
        Some(t) => parse_page_token(t).ok_or_else(|| {
            AwsError::new(
                400,
                "InvalidPaginationToken",
                format!("The pagination token {t} is invalid."),
            )
        }),
    }
}

/// Pages a filtered sequence; returns the page and the next token.
pub(super) fn paginate<'a, T: 'a>(
    call: &Call<'_>,
    items: impl Iterator<Item = &'a T>,
    limit: Option<usize>,
) -> Result<(Vec<&'a T>, Option<String>), AwsError> {
    let offset = start_offset(call)?;
    let Some(limit) = limit else {
        return Ok((items.skip(offset).collect(), None));
    };
    let mut page: Vec<&T> = items.skip(offset).take(limit + 1).collect();
    let more = page.len() > limit;
    page.truncate(limit);
    let next = if call.ctx.pagination_loop() {
        // The fault: hand back the same token forever.
        Some(
            param(&call.params, "NextToken")
                .map(str::to_string)
                .unwrap_or_else(|| page_token(limit)),
        )
    } else if call.ctx.endless_pagination() {
        // The fault: a fresh token for every page, past the end and forever.
        Some(page_token(offset + limit))
    } else {
        more.then(|| page_token(offset + limit))
    };
    Ok((page, next))
}

pub(super) fn tag_set(x: &mut Xml, tags: &[(String, String)]) {
    if tags.is_empty() {
        x.empty("tagSet");
        return;
    }
    x.open("tagSet");
    for (k, v) in tags {
        x.open("item").leaf("key", k).leaf("value", v).close("item");
    }
    x.close("tagSet");
}

pub(super) fn doc(call: &Call<'_>, root: &str, body: impl FnOnce(&mut Xml)) -> String {
    let mut x = Xml::new();
    x.open_ns(root, NS).leaf("requestId", call.ctx.request_id);
    body(&mut x);
    x.close(root);
    x.finish()
}

/// `DescribeRegions`.
pub(crate) fn describe_regions(call: &Call<'_>) -> Result<String, AwsError> {
    let all = param(&call.params, "AllRegions").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let names = list_param(&call.params, "RegionName");
    let filters = filters(call);
    let suffix = dns_suffix(call.route.domain);
    let mut regions = Vec::new();
    for r in &call.ctx.inventory.regions {
        if r.domain != call.route.domain {
            continue;
        }
        let status = if r.default_enabled {
            "opt-in-not-required"
        } else if r.opted_in {
            "opted-in"
        } else {
            "not-opted-in"
        };
        if !all && status == "not-opted-in" && names.is_empty() {
            continue;
        }
        if !names.is_empty() && !names.contains(&r.id) {
            continue;
        }
        let mut keep = true;
        for (name, values) in &filters {
            keep &= match name.as_str() {
                "region-name" => values.contains(&r.id),
                "opt-in-status" => values.iter().any(|v| v == status),
                "endpoint" => values.contains(&format!("ec2.{}.{suffix}", r.id)),
                other => return Err(bad_filter(other)),
            };
        }
        if keep {
            regions.push((r, status));
        }
    }
    Ok(doc(call, "DescribeRegionsResponse", |x| {
        x.open("regionInfo");
        for (r, status) in regions {
            x.open("item").leaf("regionName", &r.id);
            x.leaf("regionEndpoint", format!("ec2.{}.{suffix}", r.id));
            x.leaf("optInStatus", status).close("item");
        }
        x.close("regionInfo");
    }))
}

fn resource_matches(
    r: &SimResource,
    id_filter: &str,
    filters: &[(String, Vec<String>)],
) -> Result<bool, AwsError> {
    for (name, values) in filters {
        let ok = if name == id_filter {
            values.contains(&r.id)
        } else if let Some(b) = tag_matches(&r.tags, name, values) {
            b
        } else {
            return Err(bad_filter(name));
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Lists one resource type of the request's region with filters, ids and paging.
fn list_resources<'a>(
    call: &'a Call<'_>,
    resource_type: &str,
    id_param: &str,
    id_filter: &str,
    limits: (usize, usize, usize),
) -> Result<(Vec<&'a SimResource>, Option<String>), AwsError> {
    let (min, max, clamp) = limits;
    let limit = max_results(call, min, max)?.map(|n| n.min(clamp));
    let all = call
        .ctx
        .inventory
        .resources_in("ec2", resource_type, &call.route.region);
    let ids = list_param(&call.params, id_param);
    let filters = filters(call);
    if let Some(r) = all.first() {
        resource_matches(r, id_filter, &filters)?;
    }
    let selected = all.iter().filter(|r| {
        (ids.is_empty() || ids.contains(&r.id))
            && resource_matches(r, id_filter, &filters).unwrap_or(false)
    });
    paginate(call, selected, limit)
}

/// `DescribeVpcs` (`MaxResults` 5..1000).
pub(crate) fn describe_vpcs(call: &Call<'_>) -> Result<String, AwsError> {
    let (page, next) = list_resources(call, "vpc", "VpcId", "vpc-id", (5, 1000, 1000))?;
    Ok(doc(call, "DescribeVpcsResponse", |x| {
        x.open("vpcSet");
        for v in page {
            x.open("item")
                .leaf("vpcId", &v.id)
                .leaf("ownerId", &call.key.account_id);
            x.leaf("state", "available")
                .leaf("cidrBlock", v.attr_str("cidr"));
            x.leaf("dhcpOptionsId", format!("dopt-{}", &v.id[4..]));
            x.leaf("instanceTenancy", "default");
            let default = v
                .attrs
                .get("is_default")
                .and_then(|b| b.as_bool())
                .unwrap_or(false);
            x.leaf("isDefault", default.to_string());
            tag_set(x, &v.tags);
            x.close("item");
        }
        x.close("vpcSet");
        x.leaf_opt("nextToken", next.as_deref());
    }))
}

/// `DescribeSecurityGroups` (`MaxResults` 5..1000).
pub(crate) fn describe_security_groups(call: &Call<'_>) -> Result<String, AwsError> {
    let (page, next) = list_resources(
        call,
        "security-group",
        "GroupId",
        "group-id",
        (5, 1000, 1000),
    )?;
    let vpcs = call
        .ctx
        .inventory
        .resources_in("ec2", "vpc", &call.route.region);
    Ok(doc(call, "DescribeSecurityGroupsResponse", |x| {
        x.open("securityGroupInfo");
        for (i, g) in page.into_iter().enumerate() {
            x.open("item").leaf("ownerId", &call.key.account_id);
            x.leaf("groupId", &g.id).leaf("groupName", &g.name);
            x.leaf("groupDescription", format!("{} security group", g.name));
            if !vpcs.is_empty() {
                x.leaf("vpcId", &vpcs[i % vpcs.len()].id);
            }
            x.open("ipPermissions")
                .open("item")
                .leaf("ipProtocol", "tcp");
            x.leaf("fromPort", "443")
                .leaf("toPort", "443")
                .empty("groups");
            x.open("ipRanges")
                .open("item")
                .leaf("cidrIp", "0.0.0.0/0")
                .close("item")
                .close("ipRanges");
            x.close("item").close("ipPermissions");
            x.open("ipPermissionsEgress")
                .open("item")
                .leaf("ipProtocol", "-1")
                .empty("groups");
            x.open("ipRanges")
                .open("item")
                .leaf("cidrIp", "0.0.0.0/0")
                .close("item")
                .close("ipRanges");
            x.close("item").close("ipPermissionsEgress");
            tag_set(x, &g.tags);
            x.close("item");
        }
        x.close("securityGroupInfo");
        x.leaf_opt("nextToken", next.as_deref());
    }))
}

/// `DescribeVolumes` (`MaxResults` 5..500, as documented).
pub(crate) fn describe_volumes(call: &Call<'_>) -> Result<String, AwsError> {
    let (page, next) = list_resources(
        call,
        "volume",
        "VolumeId",
        "volume-id",
        (5, usize::MAX, 500),
    )?;
    let zone = format!("{}a", call.route.region);
    Ok(doc(call, "DescribeVolumesResponse", |x| {
        x.open("volumeSet");
        for v in page {
            x.open("item").leaf("volumeId", &v.id);
            x.leaf("size", v.attrs["size"].as_u64().unwrap_or(8).to_string());
            x.leaf("snapshotId", "").leaf("availabilityZone", &zone);
            x.leaf("status", "available")
                .leaf("createTime", iso8601_millis(v.created_at));
            x.empty("attachmentSet");
            x.leaf("volumeType", v.attr_str("type"));
            let enc = v.attrs["encrypted"].as_bool().unwrap_or(false);
            x.leaf("encrypted", enc.to_string())
                .leaf("multiAttachEnabled", "false");
            tag_set(x, &v.tags);
            x.close("item");
        }
        x.close("volumeSet");
        x.leaf_opt("nextToken", next.as_deref());
    }))
}

/// `DescribeSnapshots` (`Owner.N` = `self`, an account id or `amazon`; `MaxResults`
/// 5..1000).
pub(crate) fn describe_snapshots(call: &Call<'_>) -> Result<String, AwsError> {
    let owners = list_param(&call.params, "Owner");
    let mine = owners.is_empty()
        || owners
            .iter()
            .any(|o| o == "self" || *o == call.key.account_id);
    let (page, next) = list_resources(
        call,
        "snapshot",
        "SnapshotId",
        "snapshot-id",
        (5, usize::MAX, 1000),
    )?;
    let page = if mine { page } else { Vec::new() };
    Ok(doc(call, "DescribeSnapshotsResponse", |x| {
        x.open("snapshotSet");
        for s in page {
            x.open("item")
                .leaf("snapshotId", &s.id)
                .leaf("volumeId", s.attr_str("volume_id"));
            x.leaf("status", "completed")
                .leaf("startTime", iso8601_millis(s.created_at));
            x.leaf("progress", "100%")
                .leaf("ownerId", &call.key.account_id);
            x.leaf(
                "volumeSize",
                s.attrs["size"].as_u64().unwrap_or(8).to_string(),
            );
            x.leaf(
                "description",
                format!("backup of {}", s.attr_str("volume_id")),
            );
            let enc = s.attrs["encrypted"].as_bool().unwrap_or(false);
            x.leaf("encrypted", enc.to_string())
                .leaf("storageTier", "standard");
            tag_set(x, &s.tags);
            x.close("item");
        }
        x.close("snapshotSet");
        x.leaf_opt("nextToken", next.as_deref());
    }))
}

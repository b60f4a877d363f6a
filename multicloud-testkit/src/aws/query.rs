//! The `query`-protocol services: STS GetCallerIdentity, IAM ListUsers, RDS
//! DescribeDBInstances and ELBv2 DescribeLoadBalancers.
//!
//! Replies are `<{Action}Response xmlns=…><{Action}Result>…</{Action}Result>
//! <ResponseMetadata><RequestId/></ResponseMetadata></{Action}Response>`; lists use
//! `member` items except RDS, whose models name them `DBInstance` and `Tag`.

use crate::inventory::SimResource;
use crate::render::{iso8601_millis, page_token, parse_page_token, Xml};

use super::errors::{invalid_value, AwsError};
use super::route::{param, partition_name};
use super::Call;

fn doc(call: &Call<'_>, action: &str, body: impl FnOnce(&mut Xml)) -> String {
    let mut x = Xml::new();
    let root = format!("{action}Response");
    let result = format!("{action}Result");
    x.open_ns(&root, call.route.service.xmlns()).open(&result);
    body(&mut x);
    x.close(&result).open("ResponseMetadata");
    x.leaf("RequestId", call.ctx.request_id)
        .close("ResponseMetadata")
        .close(&root);
    x.finish()
}

fn arn_prefix(call: &Call<'_>, service: &str, region: &str) -> String {
    format!(
        "arn:{}:{service}:{region}:{}",
        partition_name(call.route.domain),
        call.key.account_id
    )
}

/// Reads a page size parameter within `min..=max` (default `default`), and the start
/// offset from the `Marker` parameter.
fn paging(
    call: &Call<'_>,
    size_param: &str,
    (min, max, default): (usize, usize, usize),
) -> Result<(usize, usize), AwsError> {
    let service = call.route.service;
    let size = match param(&call.params, size_param) {
        None => default,
        Some(raw) => {
            let n: usize = raw.parse().map_err(|_| {
                invalid_value(service, format!("Invalid value {raw} for {size_param}"))
            })?;
            if n < min || n > max {
                return Err(invalid_value(
                    service,
                    format!("Invalid value {n} for {size_param}. Must be between {min} and {max}"),
                ));
            }
            n
        }
    };
    let offset = match param(&call.params, "Marker") {
        None | Some("") => 0,
        Some(m) => parse_page_token(m)
            .ok_or_else(|| invalid_value(service, format!("Invalid marker: {m}")))?,
    };
    Ok((size, offset))
}

/// The next marker for a page that started at `offset` with `size` items out of `total`.
fn next_marker(call: &Call<'_>, offset: usize, size: usize, total: usize) -> Option<String> {
    if call.ctx.pagination_loop() {
        return Some(
            param(&call.params, "Marker")
                .filter(|m| !m.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| page_token(size)),
        );
    }
    (offset + size < total).then(|| page_token(offset + size))
}

fn window<T>(items: &[T], offset: usize, size: usize) -> &[T] {
    let start = offset.min(items.len());
    &items[start..(start + size).min(items.len())]
}

/// STS `GetCallerIdentity`.
pub(crate) fn get_caller_identity(call: &Call<'_>) -> Result<String, AwsError> {
    let arn = call.caller_arn();
    Ok(doc(call, "GetCallerIdentity", |x| {
        x.leaf("Arn", &arn).leaf("UserId", &call.key.user_id);
        x.leaf("Account", &call.key.account_id);
    }))
}

/// IAM `ListUsers` (`MaxItems` 1..1000, default 100; `Marker`/`IsTruncated`).
pub(crate) fn list_users(call: &Call<'_>) -> Result<String, AwsError> {
    let (size, offset) = paging(call, "MaxItems", (1, 1000, 100))?;
    let users = call.ctx.inventory.resources_of("iam", "user");
    let page = window(users, offset, size);
    let marker = next_marker(call, offset, size, users.len());
    let partition = partition_name(call.route.domain);
    Ok(doc(call, "ListUsers", |x| {
        x.open("Users");
        for u in page {
            x.open("member").leaf("Path", "/").leaf("UserName", &u.name);
            x.leaf("UserId", &u.id);
            x.leaf(
                "Arn",
                format!(
                    "arn:{partition}:iam::{}:user/{}",
                    call.key.account_id, u.name
                ),
            );
            x.leaf("CreateDate", iso8601_millis(u.created_at))
                .close("member");
        }
        x.close("Users")
            .leaf("IsTruncated", marker.is_some().to_string());
        x.leaf_opt("Marker", marker.as_deref());
    }))
}

/// RDS `DescribeDBInstances` (`MaxRecords` 20..100, default 100; `Marker`).
pub(crate) fn describe_db_instances(call: &Call<'_>) -> Result<String, AwsError> {
    let (size, offset) = paging(call, "MaxRecords", (20, 100, 100))?;
    let all = call
        .ctx
        .inventory
        .resources_in("rds", "db-instance", &call.route.region);
    let wanted = param(&call.params, "DBInstanceIdentifier");
    let selected: Vec<&SimResource> = all
        .iter()
        .filter(|r| wanted.is_none_or(|w| w == r.id))
        .collect();
    if let Some(w) = wanted {
        if selected.is_empty() {
            return Err(AwsError::new(
                404,
                "DBInstanceNotFound",
                format!("DBInstance {w} not found."),
            ));
        }
    }
    let page = window(&selected, offset, size);
    let marker = next_marker(call, offset, size, selected.len());
    let region = &call.route.region;
    let arn = arn_prefix(call, "rds", region);
    let vpcs = call.ctx.inventory.resources_in("ec2", "vpc", region);
    Ok(doc(call, "DescribeDBInstances", |x| {
        x.open("DBInstances");
        for (i, db) in page.iter().enumerate() {
            let port = db.attrs["port"].as_u64().unwrap_or(3306).to_string();
            x.open("DBInstance").leaf("DBInstanceIdentifier", &db.id);
            x.leaf("DBInstanceClass", db.attr_str("class"))
                .leaf("Engine", db.attr_str("engine"));
            x.leaf("DBInstanceStatus", "available")
                .leaf("MasterUsername", "admin");
            x.open("Endpoint");
            x.leaf(
                "Address",
                format!("{}.c0abcdef.{region}.rds.amazonaws.com", db.id),
            );
            x.leaf("Port", &port)
                .leaf("HostedZoneId", "Z2R2ITUGPM61AM")
                .close("Endpoint");
            x.leaf("AllocatedStorage", "100")
                .leaf("InstanceCreateTime", iso8601_millis(db.created_at));
            x.leaf("AvailabilityZone", format!("{region}a"));
            x.open("DBSubnetGroup").leaf("DBSubnetGroupName", "default");
            x.leaf("DBSubnetGroupDescription", "default");
            if !vpcs.is_empty() {
                x.leaf("VpcId", &vpcs[i % vpcs.len()].id);
            }
            x.leaf("SubnetGroupStatus", "Complete")
                .close("DBSubnetGroup");
            x.leaf("MultiAZ", "false")
                .leaf("EngineVersion", db.attr_str("engine_version"));
            let public = db.attrs["public"].as_bool().unwrap_or(false);
            x.leaf("PubliclyAccessible", public.to_string());
            x.leaf("StorageType", "gp3").leaf("DbInstancePort", "0");
            let enc = db.attrs["encrypted"].as_bool().unwrap_or(false);
            x.leaf("StorageEncrypted", enc.to_string());
            x.leaf(
                "DbiResourceId",
                format!("db-{}", db.id.to_ascii_uppercase()),
            );
            x.leaf("DBInstanceArn", format!("{arn}:db:{}", db.id));
            x.open("TagList");
            for (k, v) in &db.tags {
                x.open("Tag").leaf("Key", k).leaf("Value", v).close("Tag");
            }
            x.close("TagList").close("DBInstance");
        }
        x.close("DBInstances");
        x.leaf_opt("Marker", marker.as_deref());
    }))
}

/// ELBv2 `DescribeLoadBalancers` (`PageSize` 1..400; `Marker` → `NextMarker`).
pub(crate) fn describe_load_balancers(call: &Call<'_>) -> Result<String, AwsError> {
    let (size, offset) = paging(call, "PageSize", (1, 400, 400))?;
    let region = &call.route.region;
    let all = call
        .ctx
        .inventory
        .resources_in("elasticloadbalancing", "loadbalancer", region);
    let page = window(all, offset, size);
    let marker = next_marker(call, offset, size, all.len());
    let arn = arn_prefix(call, "elasticloadbalancing", region);
    let vpcs = call.ctx.inventory.resources_in("ec2", "vpc", region);
    Ok(doc(call, "DescribeLoadBalancers", |x| {
        x.open("LoadBalancers");
        for (i, lb) in page.iter().enumerate() {
            let ty = lb.attr_str("type");
            x.open("member");
            x.leaf("LoadBalancerArn", lb_arn(&arn, lb));
            let scheme = lb.attr_str("scheme");
            let internal = if scheme == "internal" {
                "internal-"
            } else {
                ""
            };
            x.leaf(
                "DNSName",
                format!(
                    "{internal}{}-{}.{region}.elb.amazonaws.com",
                    lb.name,
                    &lb.id[..8]
                ),
            );
            x.leaf("CanonicalHostedZoneId", "Z35SXDOTRQ7X7K");
            x.leaf("CreatedTime", iso8601_millis(lb.created_at));
            x.leaf("LoadBalancerName", &lb.name).leaf("Scheme", scheme);
            if !vpcs.is_empty() {
                x.leaf("VpcId", &vpcs[i % vpcs.len()].id);
            }
            x.open("State").leaf("Code", "active").close("State");
            x.leaf("Type", ty);
            x.open("AvailabilityZones").open("member");
            x.leaf("ZoneName", format!("{region}a"))
                .close("member")
                .close("AvailabilityZones");
            x.leaf("IpAddressType", "ipv4").close("member");
        }
        x.close("LoadBalancers");
        x.leaf_opt("NextMarker", marker.as_deref());
    }))
}

fn lb_arn(prefix: &str, lb: &SimResource) -> String {
    let short = if lb.attr_str("type") == "network" {
        "net"
    } else {
        "app"
    };
    format!("{prefix}:loadbalancer/{short}/{}/{}", lb.name, lb.id)
}

/// ELBv2 `DescribeTags` (`ResourceArns.member.N`, at most 20): the tags of the load
/// balancers named; an unknown ARN is `LoadBalancerNotFound`.
pub(crate) fn describe_tags(call: &Call<'_>) -> Result<String, AwsError> {
    let arns = super::route::list_param(&call.params, "ResourceArns.member");
    if arns.is_empty() || arns.len() > 20 {
        return Err(invalid_value(
            call.route.service,
            "ResourceArns must hold between 1 and 20 ARNs",
        ));
    }
    let region = &call.route.region;
    let prefix = arn_prefix(call, "elasticloadbalancing", region);
    let all = call
        .ctx
        .inventory
        .resources_in("elasticloadbalancing", "loadbalancer", region);
    let mut found = Vec::with_capacity(arns.len());
    for arn in &arns {
        let lb = all
            .iter()
            .find(|lb| &lb_arn(&prefix, lb) == arn)
            .ok_or_else(|| {
                AwsError::new(
                    400,
                    "LoadBalancerNotFound",
                    format!("Load balancers '[{arn}]' not found"),
                )
            })?;
        found.push((arn, lb));
    }
    Ok(doc(call, "DescribeTags", |x| {
        x.open("TagDescriptions");
        for (arn, lb) in found {
            x.open("member")
                .leaf("ResourceArn", arn.as_str())
                .open("Tags");
            for (k, v) in &lb.tags {
                x.open("member")
                    .leaf("Key", k)
                    .leaf("Value", v)
                    .close("member");
            }
            x.close("Tags").close("member");
        }
        x.close("TagDescriptions");
    }))
}

#[cfg(test)]
mod tests {
    use super::super::route::Service;
    use super::*;

    #[test]
    fn windows_clamp_to_the_slice() {
        let v = [1, 2, 3];
        assert_eq!(window(&v, 1, 5), &[2, 3]);
        assert!(window(&v, 9, 5).is_empty());
    }

    #[test]
    fn every_query_service_has_a_namespace() {
        for s in [Service::Sts, Service::Iam, Service::Rds, Service::Elb] {
            assert!(s.xmlns().starts_with("http"));
        }
    }
}

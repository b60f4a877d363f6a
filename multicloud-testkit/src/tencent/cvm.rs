//! CVM `DescribeInstances` (2017-03-12): `Offset`/`Limit` (default 20, max 100),
//! `InstanceIds` (≤100, exclusive with `Filters`), `Filters[]{Name, Values}`; replies
//! `TotalCount` and `InstanceSet[]`.

use serde_json::{json, Value};

use crate::inventory::{SimHost, SimHostState};
use crate::render::iso8601_secs;

use super::errors::{self, TcError};
use super::route::{filters, offset_limit, strings};
use super::{stable_uuid, Call};

fn state(s: SimHostState) -> &'static str {
    match s {
        SimHostState::Pending => "PENDING",
        SimHostState::Running => "RUNNING",
        SimHostState::Stopping => "STOPPING",
        SimHostState::Stopped => "STOPPED",
        SimHostState::Terminated => "TERMINATING",
    }
}

fn matches(h: &SimHost, filters: &[(String, Vec<String>)]) -> Result<bool, TcError> {
    for (name, values) in filters {
        let hit = |v: &str| values.iter().any(|x| x == v);
        let ok = match name.as_str() {
            "zone" => hit(&h.zone),
            "vpc-id" => hit(&h.vpc_id),
            "subnet-id" => hit(&h.subnet_id),
            "instance-id" => hit(&h.id),
            "instance-name" => hit(&h.name),
            "instance-state" => hit(state(h.state)),
            "instance-type" => hit(&h.instance_type),
            "private-ip-address" => hit(&h.private_ip),
            "public-ip-address" => h.public_ip.as_deref().is_some_and(hit),
            "image-id" => hit(&h.image_id),
            "tag-key" => h.tags.iter().any(|(k, _)| hit(k)),
            other => match other.strip_prefix("tag:") {
                Some(key) => h.tags.iter().any(|(k, v)| k == key && hit(v)),
                None => {
                    return Err(TcError::new(
                        "InvalidFilter",
                        format!("The filter `{other}` is not supported."),
                    ))
                }
            },
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn render(h: &SimHost) -> Value {
    let tags: Vec<Value> = h
        .tags
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    let public = h.public_ip.as_ref().map(|ip| vec![ip.clone()]);
    json!({
        "Placement": {"Zone": h.zone, "ProjectId": 0, "HostIds": null, "HostId": null},
        "InstanceId": h.id,
        "Uuid": stable_uuid(&h.id),
        "InstanceName": h.name,
        "InstanceType": h.instance_type,
        "CPU": h.cpu,
        "Memory": h.memory_mb / 1024,
        "RestrictState": "NORMAL",
        "InstanceState": state(h.state),
        "InstanceChargeType": "POSTPAID_BY_HOUR",
        "SystemDisk": {"DiskType": "CLOUD_PREMIUM", "DiskId": format!("disk-{}", &h.id[4..]), "DiskSize": 50},
        "DataDisks": null,
        "PrivateIpAddresses": [h.private_ip],
        "PublicIpAddresses": public,
        "IPv6Addresses": null,
        "InternetAccessible": {
            "InternetChargeType": "TRAFFIC_POSTPAID_BY_HOUR",
            "InternetMaxBandwidthOut": if h.public_ip.is_some() { 5 } else { 0 },
            "PublicIpAssigned": h.public_ip.is_some(),
        },
        "VirtualPrivateCloud": {"VpcId": h.vpc_id, "SubnetId": h.subnet_id, "AsVpcGateway": false, "PrivateIpAddresses": null, "Ipv6AddressCount": 0},
        "ImageId": h.image_id,
        "OsName": h.os,
        "RenewFlag": null,
        "CreatedTime": iso8601_secs(h.created_at),
        "ExpiredTime": null,
        "SecurityGroupIds": [format!("sg-{}", &h.vpc_id[4..])],
        "LoginSettings": {"Password": null, "KeyIds": null, "KeepImageLogin": null},
        "Tags": tags,
        "StopChargingMode": "NOT_APPLICABLE",
        "LatestOperation": null,
        "LatestOperationState": null,
        "LatestOperationRequestId": null,
        "DisasterRecoverGroupId": "",
        "CamRoleName": "",
        "HpcClusterId": "",
        "IsolatedSource": "NOTISOLATED",
        "DisableApiTermination": false,
        "DefaultLoginUser": if h.is_windows() { "Administrator" } else { "root" },
        "DefaultLoginPort": if h.is_windows() { 3389 } else { 22 },
    })
}

/// `DescribeInstances`.
pub(crate) fn describe_instances(call: &Call<'_>, region: &str) -> Result<Value, TcError> {
    let (offset, limit) = offset_limit(&call.params, 20, 100)?;
    let ids = strings(&call.params, "InstanceIds");
    let filters = filters(&call.params);
    if !ids.is_empty() && !filters.is_empty() {
        return Err(errors::invalid_parameter(
            "The parameters `InstanceIds` and `Filters` cannot be specified at the same time.",
        ));
    }
    if ids.len() > 100 {
        return Err(errors::invalid_value(
            "`InstanceIds` accepts at most 100 ids.",
        ));
    }
    let hosts = call.ctx.inventory.hosts_in(region);
    let mut selected = Vec::new();
    for h in hosts {
        if (ids.is_empty() || ids.contains(&h.id)) && matches(h, &filters)? {
            selected.push(h);
        }
    }
    // The pagination-loop fault: the server ignores Offset and serves page one forever.
    let offset = if call.ctx.pagination_loop() {
        0
    } else {
        offset
    };
    let page: Vec<Value> = selected
        .iter()
        .skip(offset)
        .take(limit)
        .map(|h| render(h))
        .collect();
    // The endless fault: a total no client can reach.
    let total = if call.ctx.endless_pagination() {
        1_000_000_000
    } else {
        selected.len()
    };
    Ok(json!({"TotalCount": total, "InstanceSet": page}))
}

//! CTyun JSON shapes (field names from the official `ctyunsdk-*` models and API docs).

use serde_json::{json, Value};
use time::OffsetDateTime;

use super::catalog::{pool, region_id, POOLS};
use crate::inventory::{SimHost, SimHostState, SimRegion, SimResource};

/// `2023-03-27T06:46:19.528839Z` (ECS times).
pub(crate) fn iso_micros(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// `2023-06-01 10:00:00` in Beijing time (what the middleware products print).
pub(crate) fn beijing(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// One `list-regions` entry.
pub(crate) fn region(r: &SimRegion) -> Value {
    let (code, parent, multi) = pool(&r.id)
        .map(|p| (p.0, p.2, p.3))
        .unwrap_or(("", "", false));
    let zones: Vec<String> = if multi {
        (1..=3).map(|i| format!("az{i}")).collect()
    } else {
        vec![]
    };
    json!({
        "regionID": r.id,
        "regionParent": parent,
        "regionName": r.name,
        "regionType": "public",
        "isMultiZones": multi,
        "zoneList": zones,
        "regionCode": code,
        "openapiAvailable": r.opted_in,
        "regionVersion": if multi { "v4.0" } else { "v3.0" },
    })
}

/// ECS `instanceStatus` for a host state; `None` = not listed.
pub(crate) fn instance_status(state: SimHostState) -> Option<&'static str> {
    match state {
        SimHostState::Pending => Some("starting"),
        SimHostState::Running => Some("running"),
        SimHostState::Stopping => Some("stopping"),
        SimHostState::Stopped => Some("stopped"),
        SimHostState::Terminated => None,
    }
}

/// ECS `osType`: 1 linux, 2 windows, 3 redhat, 4 ubuntu, 5 centos, 6 oracle.
fn os_type(os: &str) -> u8 {
    let os = os.to_ascii_lowercase();
    if os.contains("windows") {
        2
    } else if os.contains("ubuntu") {
        4
    } else if os.contains("centos") {
        5
    } else {
        1
    }
}

/// One ECS `list-instances` result.
pub(crate) fn instance(h: &SimHost) -> Value {
    let cut = |a: usize, b: usize| h.id.get(a..b).unwrap_or("00");
    let mac = format!("fa:16:3e:{}:{}:{}", cut(0, 2), cut(2, 4), cut(4, 6));
    let mut addrs = vec![
        json!({"addr": h.private_ip, "version": 4, "type": "fixed", "isMaster": true, "macAddress": mac}),
    ];
    if let Some(ip) = &h.public_ip {
        addrs.push(json!({"addr": ip, "version": 4, "type": "floating", "isMaster": true, "macAddress": mac}));
    }
    let cidr = {
        let mut parts: Vec<&str> = h.private_ip.split('.').take(3).collect();
        parts.push("0/24");
        parts.join(".")
    };
    let vpc_name = format!("vpc-{}", &h.vpc_id[h.vpc_id.len().saturating_sub(4)..]);
    let created = iso_micros(h.created_at);
    json!({
        "projectID": "0",
        "azName": h.zone,
        "attachedVolume": [],
        "addresses": [{"vpcName": vpc_name, "addressList": addrs}],
        "resourceID": h.id.replace('-', ""),
        "instanceID": h.id,
        "displayName": h.name,
        "instanceName": h.name,
        "osType": os_type(&h.os),
        "instanceStatus": instance_status(h.state).unwrap_or("unsubscribed"),
        "expiredTime": "",
        "availableDay": null,
        "updatedTime": created,
        "createdTime": created,
        "zabbixName": h.id,
        "secGroupList": [{"securityGroupID": format!("sg-{}", h.vpc_id.trim_start_matches("vpc-")), "securityGroupName": "default"}],
        "privateIP": h.private_ip,
        "privateIPv6": "",
        "networkCardList": [{
            "IPv4Address": h.private_ip,
            "IPv6Address": [],
            "subnetID": h.subnet_id,
            "subnetCidr": cidr,
            "isMaster": true,
            "gateway": cidr.replace("0/24", "1"),
            "networkCardID": format!("port-{}", h.id.get(..8).unwrap_or(&h.id)),
            "securityGroup": [],
        }],
        "vipInfoList": [],
        "vipCount": 0,
        "affinityGroup": null,
        "image": {"imageID": h.image_id, "imageName": h.os, "supportXssd": false},
        "flavor": {
            "flavorID": format!("{}-{}", h.instance_type, h.cpu),
            "flavorName": h.instance_type,
            "flavorCPU": h.cpu,
            "flavorRAM": h.memory_mb / 1024,
            "gpuType": null,
            "gpuCount": null,
        },
        "onDemand": true,
        "vpcName": vpc_name,
        "vpcID": h.vpc_id,
        "fixedIPList": [h.private_ip],
        "floatingIP": h.public_ip.clone().unwrap_or_default(),
        "subnetIDList": [h.subnet_id],
        "keypairName": "",
        "deletionProtection": false,
        "instanceDescription": "",
        "metadata": {},
    })
}

fn labels(r: &SimResource) -> Value {
    Value::Array(
        r.tags
            .iter()
            .enumerate()
            .map(|(i, (k, v))| json!({"key": k, "value": v, "labelId": format!("{}-{i}", &r.id[..8.min(r.id.len())])}))
            .collect(),
    )
}

fn region_code(region: &str) -> &'static str {
    POOLS
        .iter()
        .find(|p| region_id(p.0) == region)
        .map(|p| p.0)
        .unwrap_or("")
}

/// `ctgkafka` `instances/query` item.
pub(crate) fn kafka(r: &SimResource) -> Value {
    json!({
        "prodInstId": r.id,
        "instanceName": r.name,
        "status": 1,
        "mqEngineType": "kafka",
        "version": "2.8",
        "specifications": "kafka.4u8g.cluster",
        "vpcId": r.attr_str("vpcId"),
        "subnetId": r.attr_str("subnetId"),
        "securityGroup": "default",
        "createTime": beijing(r.created_at),
        "expireTime": "",
        "regionCode": region_code(&r.region),
        "outerProjectId": "0",
    })
}

/// `dcs2` `describeInstances` row.
pub(crate) fn dcs(r: &SimResource) -> Value {
    json!({
        "prodInstId": r.id,
        "instanceName": r.name,
        "vip": r.attr_str("ip"),
        "vipPort": 6379,
        "status": 0,
        "engineVersion": "6.0",
        "archType": "2",
        "capacity": "4",
        "payType": 1,
        "netName": r.attr_str("vpcId"),
        "subnet": r.attr_str("subnetId"),
        "securityGroup": "default",
        "elasticIp": "",
        "createTime": beijing(r.created_at),
        "azList": [{"azName": "az1"}],
        "labels": labels(r),
    })
}

/// `zos` `list-buckets` entry.
pub(crate) fn bucket(r: &SimResource) -> Value {
    json!({
        "bucket": r.name,
        "regionID": r.region,
        "regionName": pool(&r.region).map(|p| p.1).unwrap_or(""),
        "creationDate": iso_micros(r.created_at),
        "storageType": "STANDARD",
        "isEncrypted": false,
        "AZPolicy": "single-az",
        "projectID": "0",
    })
}

/// `ctelb` `list-loadbalancer` entry.
pub(crate) fn elb(r: &SimResource) -> Value {
    json!({
        "regionID": r.region,
        "azName": "",
        "ID": r.id,
        "projectID": "0",
        "name": r.name,
        "description": "",
        "vpcID": r.attr_str("vpcId"),
        "subnetID": r.attr_str("subnetId"),
        "portID": format!("port-{}", r.id.trim_start_matches("lb-")),
        "privateIpAddress": r.attr_str("ip"),
        "ipv6Address": "",
        "eipInfo": [],
        "slaName": "elb.default",
        "deleteProtection": false,
        "adminStatus": "ACTIVE",
        "status": "ACTIVE",
        "resourceType": "external",
        "createdTime": iso_micros(r.created_at),
        "updatedTime": iso_micros(r.created_at),
    })
}

/// RocketMQ `instance/list` entry (`returnObj.prodInstList[]`).
pub(crate) fn rocketmq(r: &SimResource) -> Value {
    json!({
        "prodInstId": r.id,
        "prodInstName": r.name,
        "runningState": 1,
        "prodType": "rocketmq",
        "machineSpec": "rocketmq.2u4g.cluster",
        "netName": r.attr_str("vpcId"),
        "subnet": r.attr_str("subnetId"),
        "securityGroup": "default",
        "crtTime": beijing(r.created_at),
        "expTime": "",
    })
}

/// `ebs` `list-ebs` disk (`createTime` in epoch milliseconds).
pub(crate) fn disk(r: &SimResource) -> Value {
    json!({
        "diskID": r.id,
        "diskName": r.name,
        "diskSize": 40,
        "diskType": "SATA",
        "diskMode": "VBD",
        "diskStatus": "in-use",
        "instanceID": r.attr_str("instanceId"),
        "isEncrypt": false,
        "multiAttach": false,
        "azName": "",
        "regionID": r.region,
        "projectID": "0",
        "createTime": (r.created_at.unix_timestamp_nanos() / 1_000_000) as i64,
        "expireTime": null,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_formats() {
        let t = OffsetDateTime::from_unix_timestamp(1_685_584_800).unwrap(); // 2023-06-01T02:00:00Z
        assert_eq!(beijing(t), "2023-06-01 10:00:00");
        assert_eq!(iso_micros(t), "2023-06-01T02:00:00.000000Z");
        assert_eq!(os_type("Windows Server 2019"), 2);
        assert_eq!(os_type("CTyunOS 23.01 64位"), 1);
    }
}

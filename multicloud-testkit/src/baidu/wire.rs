//! BCE JSON shapes (field names from the BCE API docs and the Python SDK models).

use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::inventory::{SimHost, SimHostState, SimRegion, SimResource};

/// `2018-07-17T07:25:21Z`.
pub(crate) fn utc(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// BCE tags: `[{"tagKey", "tagValue"}]` (the `Name` pseudo-tag is a field, not a tag).
pub(crate) fn tags(tags: &[(String, String)]) -> Value {
    Value::Array(
        tags.iter()
            .filter(|(k, _)| k != "Name")
            .map(|(k, v)| json!({"tagKey": k, "tagValue": v}))
            .collect(),
    )
}

/// BCC `status` for a host state (`Running`, `Stopped`, …); `None` = not listed.
pub(crate) fn bcc_status(state: SimHostState) -> Option<&'static str> {
    match state {
        SimHostState::Pending => Some("Starting"),
        SimHostState::Running => Some("Running"),
        SimHostState::Stopping => Some("Stopping"),
        SimHostState::Stopped => Some("Stopped"),
        SimHostState::Terminated => None,
    }
}

/// One `describeRegions` entry.
pub(crate) fn region(r: &SimRegion) -> Value {
    json!({
        "regionId": r.id,
        "regionName": r.name,
        "regionEndpoint": format!("bcc.{}.baidubce.com", r.id),
    })
}

/// One BCC `InstanceModel`.
pub(crate) fn instance(h: &SimHost) -> Value {
    let (os_name, os_version) = h.os.split_once(' ').unwrap_or((h.os.as_str(), ""));
    json!({
        "id": h.id,
        "name": h.name,
        "hostname": h.name,
        "roleName": "",
        "status": bcc_status(h.state).unwrap_or("Deleted"),
        "desc": "",
        "createTime": utc(h.created_at),
        "expireTime": null,
        "releaseTime": "",
        "paymentTiming": "Postpaid",
        "instanceType": "N5",
        "spec": h.instance_type,
        "cpuCount": h.cpu,
        "memoryCapacityInGB": h.memory_mb / 1024,
        "localDiskSizeInGB": 0,
        "imageId": h.image_id,
        "imageName": h.os,
        "imageType": "System",
        "osName": os_name,
        "osVersion": os_version,
        "osArch": "x86_64 (64bit)",
        "osType": if h.is_windows() { "windows" } else { "linux" },
        "internalIp": h.private_ip,
        "publicIp": h.public_ip.clone().unwrap_or_default(),
        "ipv6": "",
        "networkCapacityInMbps": if h.public_ip.is_some() { 5 } else { 0 },
        "placementPolicy": "default",
        "zoneName": h.zone,
        "vpcId": h.vpc_id,
        "subnetId": h.subnet_id,
        "autoRenew": false,
        "keypairId": "",
        "keypairName": "",
        "dedicatedHostId": "",
        "deploysetId": "",
        "hosteyeType": "",
        "tags": tags(&h.tags),
    })
}

/// One product resource in its product's list shape.
pub(crate) fn resource(api: super::routes::Api, r: &SimResource) -> Value {
    use super::routes::Api;
    let created = utc(r.created_at);
    match api {
        Api::RdsListInstances => json!({
            "instanceId": r.id,
            "instanceName": r.name,
            "engine": "MySQL",
            "engineVersion": "8.0",
            "instanceStatus": "Available",
            "cpuCount": 2,
            "memoryCapacity": 4,
            "volumeCapacity": 50,
            "endpoint": {"address": format!("{}.rds.{}.baidubce.com", r.id, r.region), "port": 3306, "vnetIp": r.attr_str("vnetIp")},
            "publicAccessStatus": "closed",
            "instanceCreateTime": created,
            "instanceExpireTime": "",
            "paymentTiming": "Postpaid",
            "instanceType": "Master",
            "vpcId": r.attr_str("vpcId"),
            "zoneNames": [format!("cn-{}-a", r.region)],
            "region": r.region,
            "tags": tags(&r.tags),
        }),
        Api::ScsListInstances => json!({
            "instanceId": r.id,
            "instanceName": r.name,
            "instanceStatus": "Running",
            "clusterType": "master_slave",
            "engine": "redis",
            "engineVersion": "6.0",
            "vnetIp": r.attr_str("vnetIp"),
            "domain": format!("redis.{}.scs.{}.baidubce.com", r.id, r.region),
            "port": "6379",
            "eip": "",
            "capacity": 1,
            "usedCapacity": 0,
            "paymentTiming": "Postpaid",
            "zoneNames": [format!("cn-{}-a", r.region)],
            "instanceCreateTime": created,
            "instanceExpireTime": "",
            "tags": tags(&r.tags),
        }),
        Api::KafkaListClusters => json!({
            "clusterId": r.id,
            "name": r.name,
            "region": r.region,
            "type": "NORMAL",
            "mode": "HP",
            "state": "ACTIVE",
            "kafkaVersion": "2.8.2",
            "logicalZones": ["zoneA"],
            "publicIpEnabled": false,
            "aclEnabled": true,
            "tags": tags(&r.tags),
            "createTime": created,
        }),
        Api::MongoListInstances => json!({
            "dbInstanceId": r.id,
            "dbInstanceName": r.name,
            "dbInstanceType": "replica",
            "dbInstanceStatus": "RUNNING",
            "engine": "mongodb",
            "engineVersion": "4.0",
            "storageEngine": "WiredTiger",
            "vpcId": r.attr_str("vpcId"),
            "zoneName": format!("cn-{}-a", r.region),
            "createTime": created,
            "tags": tags(&r.tags),
        }),
        Api::BlbList | Api::AppBlbList => json!({
            "blbId": r.id,
            "name": r.name,
            "desc": "",
            "address": r.attr_str("address"),
            "status": "available",
            "vpcId": r.attr_str("vpcId"),
            "subnetId": "",
            "publicIp": "",
            "publicIpv6": "",
            "paymentTiming": "Postpaid",
            "createTime": created,
            "tags": tags(&r.tags),
        }),
        Api::VpcListVpcs => json!({
            "vpcId": r.id,
            "name": r.name,
            "cidr": r.attr_str("cidr"),
            "ipv6Cidr": "",
            "description": "",
            "isDefault": r.attrs.get("is_default").and_then(Value::as_bool).unwrap_or(false),
            "secondaryCidr": [],
            "createdTime": created,
            "tags": tags(&r.tags),
        }),
        Api::IamListUser => json!({
            "id": r.id,
            "name": r.name,
            "createTime": created,
            "description": "",
            "enabledLoginMfa": false,
        }),
        _ => json!({
            "name": r.name,
            "location": r.region,
            "creationDate": created,
            "enableMultiAz": false,
        }),
    }
}

/// The list key each product uses.
pub(crate) fn items_key(api: super::routes::Api) -> &'static str {
    use super::routes::Api;
    match api {
        Api::BccListInstances | Api::RdsListInstances | Api::ScsListInstances => "instances",
        Api::KafkaListClusters => "clusters",
        Api::MongoListInstances => "dbInstances",
        Api::BlbList | Api::AppBlbList => "blbList",
        Api::VpcListVpcs => "vpcs",
        Api::IamListUser => "users",
        Api::BosListBuckets => "buckets",
        Api::BccDescribeRegions => "regions",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_tags() {
        let t = OffsetDateTime::from_unix_timestamp(1_531_812_321).unwrap();
        assert_eq!(utc(t), "2018-07-17T07:25:21Z");
        let v = tags(&[("Name".into(), "x".into()), ("env".into(), "prod".into())]);
        assert_eq!(v, json!([{"tagKey": "env", "tagValue": "prod"}]));
    }
}

//! Huawei Cloud JSON shapes (field names as in the official SDK models): IAM Keystone
//! projects/regions/domains/credentials, ECS `ServerDetail`, RMS `ResourceEntity`.

use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::catalog::{project_id, zh_name, DEMO_DOMAIN_NAME, MOS_PROJECT};
use crate::inventory::{SimHost, SimHostState, SimRegion, SimResource};

/// The IAM base URL used in `links.self` values.
const IAM_URL: &str = "https://iam.myhuaweicloud.com";

/// `2019-05-22T03:19:19Z` (seconds precision, as ECS and Keystone print times).
pub(crate) fn iso_seconds(t: OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

/// `2020-01-08T06:26:08.123059Z` (microseconds, as IAM prints `create_time`).
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

/// One Keystone project object (`AuthProjectResult` / `ProjectResult`).
pub(crate) fn project(domain_id: &str, name: &str) -> Value {
    let id = project_id(domain_id, name);
    json!({
        "id": id,
        "name": name,
        "domain_id": domain_id,
        "parent_id": domain_id,
        "description": "",
        "enabled": true,
        "is_domain": false,
        "links": {"self": format!("{IAM_URL}/v3/projects/{id}")},
    })
}

/// The projects of an account: one per region that has a project, plus `MOS`.
pub(crate) fn projects(domain_id: &str, regions: &[SimRegion], name: Option<&str>) -> Vec<Value> {
    regions
        .iter()
        .filter(|r| r.opted_in)
        .map(|r| r.id.as_str())
        .chain(std::iter::once(MOS_PROJECT))
        .filter(|n| name.is_none_or(|want| want == *n))
        .map(|n| project(domain_id, n))
        .collect()
}

/// `GET /v3/auth/projects` and `GET /v3/projects` bodies.
pub(crate) fn projects_body(projects: Vec<Value>, path: &str) -> Value {
    json!({
        "projects": projects,
        "links": {"self": format!("{IAM_URL}{path}"), "previous": null, "next": null},
    })
}

/// `GET /v3/auth/domains` body.
pub(crate) fn domains_body(domain_id: &str) -> Value {
    json!({
        "domains": [{
            "id": domain_id,
            "name": DEMO_DOMAIN_NAME,
            "enabled": true,
            "description": "",
            "links": {"self": format!("{IAM_URL}/v3/domains/{domain_id}")},
        }],
        "links": {"self": format!("{IAM_URL}/v3/auth/domains")},
    })
}

/// `GET /v3/regions` body: every region of the site, with its locale names.
pub(crate) fn regions_body(regions: &[SimRegion]) -> Value {
    let items: Vec<Value> = regions
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "type": "public",
                "description": "",
                "parent_region_id": null,
                "locales": {"zh-cn": zh_name(&r.id), "en-us": r.name},
                "links": {"self": format!("{IAM_URL}/v3/regions/{}", r.id)},
            })
        })
        .collect();
    json!({
        "regions": items,
        "links": {"self": format!("{IAM_URL}/v3/regions"), "previous": null, "next": null},
    })
}

/// `GET /v3.0/OS-CREDENTIAL/credentials/{ak}` body.
pub(crate) fn credential_body(
    user_id: &str,
    access: &str,
    active: bool,
    created: OffsetDateTime,
    last_use: OffsetDateTime,
) -> Value {
    json!({
        "credential": {
            "user_id": user_id,
            "access": access,
            "status": if active { "active" } else { "inactive" },
            "create_time": iso_micros(created),
            "last_use_time": iso_micros(last_use),
            "description": "",
        }
    })
}

/// ECS `status` and `OS-EXT-STS:vm_state` / `power_state` / `task_state` for a host state.
pub(crate) fn ecs_status(state: SimHostState) -> (&'static str, &'static str, u8, &'static str) {
    match state {
        SimHostState::Pending => ("BUILD", "building", 0, "spawning"),
        SimHostState::Running => ("ACTIVE", "active", 1, ""),
        SimHostState::Stopping => ("ACTIVE", "active", 1, "powering-off"),
        SimHostState::Stopped => ("SHUTOFF", "stopped", 4, ""),
        SimHostState::Terminated => ("DELETED", "deleted", 0, ""),
    }
}

/// A deterministic MAC address for a host's primary NIC.
fn mac_of(host: &SimHost) -> String {
    let h = host.id.replace('-', "");
    let b = |i: usize| h.get(i..i + 2).unwrap_or("00").to_string();
    format!("fa:16:3e:{}:{}:{}", b(0), b(2), b(4))
}

/// One ECS `ServerDetail`.
pub(crate) fn server(host: &SimHost, project_id: &str, user_id: &str) -> Value {
    let (status, vm_state, power, task) = ecs_status(host.state);
    let mac = mac_of(host);
    let port_id = format!("{}-port", &host.id[..host.id.len().min(23)]);
    let mut nics = vec![json!({
        "version": "4",
        "addr": host.private_ip,
        "OS-EXT-IPS:type": "fixed",
        "OS-EXT-IPS-MAC:mac_addr": mac,
        "OS-EXT-IPS:port_id": port_id,
        "primary": true,
    })];
    if let Some(ip) = &host.public_ip {
        nics.push(json!({
            "version": "4",
            "addr": ip,
            "OS-EXT-IPS:type": "floating",
            "OS-EXT-IPS-MAC:mac_addr": mac,
            "OS-EXT-IPS:port_id": port_id,
            "primary": false,
        }));
    }
    let mut addresses = Map::new();
    addresses.insert(host.vpc_id.clone(), Value::Array(nics));
    let tags: Vec<String> = host
        .tags
        .iter()
        .filter(|(k, _)| k != "Name")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let os_type = if host.is_windows() {
        "Windows"
    } else {
        "Linux"
    };
    let created = iso_seconds(host.created_at);
    json!({
        "id": host.id,
        "name": host.name,
        "description": "",
        "status": status,
        "created": created,
        "updated": created,
        "OS-SRV-USG:launched_at": created.trim_end_matches('Z').to_string() + ".000000",
        "OS-SRV-USG:terminated_at": "",
        "OS-EXT-STS:vm_state": vm_state,
        "OS-EXT-STS:power_state": power,
        "OS-EXT-STS:task_state": task,
        "OS-EXT-AZ:availability_zone": host.zone,
        "OS-EXT-SRV-ATTR:hostname": host.name,
        "OS-EXT-SRV-ATTR:instance_name": format!("instance-{}", &host.id[..8.min(host.id.len())]),
        "OS-DCF:diskConfig": "MANUAL",
        "flavor": {
            "id": host.instance_type,
            "name": host.instance_type,
            "vcpus": host.cpu.to_string(),
            "ram": host.memory_mb.to_string(),
            "disk": "0",
            "gpus": [],
        },
        "image": {"id": host.image_id},
        "addresses": addresses,
        "accessIPv4": "",
        "accessIPv6": "",
        "metadata": {
            "vpc_id": host.vpc_id,
            "os_type": os_type,
            "image_name": host.os,
            "os_bit": "64",
            "charging_mode": "0",
            "metering.image_id": host.image_id,
            "metering.imagetype": "gold",
            "virtual_env_type": "FusionCompute",
        },
        "security_groups": [{"name": "default", "id": format!("sg-{}", &host.vpc_id[..8.min(host.vpc_id.len())])}],
        "key_name": "",
        "tenant_id": project_id,
        "user_id": user_id,
        "hostId": "",
        "progress": 0,
        "locked": false,
        "config_drive": "",
        "tags": tags,
        "sys_tags": [{"key": "_sys_enterprise_project_id", "value": "0"}],
        "enterprise_project_id": "0",
        "os-extended-volumes:volumes_attached": [],
        "host_status": "UP",
    })
}

fn tags_map(tags: &[(String, String)]) -> Value {
    Value::Object(
        tags.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// One RMS `ResourceEntity` for a product resource.
pub(crate) fn rms_resource(r: &SimResource, domain_id: &str) -> Value {
    let project = project_id(domain_id, &r.region);
    json!({
        "id": r.id,
        "name": r.name,
        "provider": r.service,
        "type": r.resource_type,
        "region_id": r.region,
        "project_id": if r.region == crate::inventory::GLOBAL { String::new() } else { project },
        "project_name": if r.region == crate::inventory::GLOBAL { "" } else { r.region.as_str() },
        "ep_id": "0",
        "ep_name": "default",
        "checksum": hex_checksum(&r.id),
        "created": iso_seconds(r.created_at),
        "updated": iso_seconds(r.created_at),
        "provisioning_state": "Succeeded",
        "state": "normal",
        "tags": tags_map(&r.tags),
        "properties": r.attrs,
    })
}

/// One RMS `ResourceEntity` for an ECS server (`ecs.cloudservers`).
pub(crate) fn rms_server(h: &SimHost, domain_id: &str) -> Value {
    let (status, ..) = ecs_status(h.state);
    let tags: Vec<(String, String)> = h
        .tags
        .iter()
        .filter(|(k, _)| k != "Name")
        .cloned()
        .collect();
    json!({
        "id": h.id,
        "name": h.name,
        "provider": "ecs",
        "type": "cloudservers",
        "region_id": h.region,
        "project_id": project_id(domain_id, &h.region),
        "project_name": h.region,
        "ep_id": "0",
        "ep_name": "default",
        "checksum": hex_checksum(&h.id),
        "created": iso_seconds(h.created_at),
        "updated": iso_seconds(h.created_at),
        "provisioning_state": "Succeeded",
        "state": "normal",
        "tags": tags_map(&tags),
        "properties": {
            "status": status,
            "flavor": {"id": h.instance_type, "vcpus": h.cpu, "ram": h.memory_mb},
            "addresses": [{"addr": h.private_ip, "type": "fixed"}],
            "vpcId": h.vpc_id,
            "availabilityZone": h.zone,
        },
    })
}

fn hex_checksum(id: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(id.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::huawei::catalog::{regions, DEMO_DOMAIN_ID};

    #[test]
    fn projects_include_mos_and_only_regions_with_projects() {
        let ps = projects(DEMO_DOMAIN_ID, &regions(), None);
        let names: Vec<&str> = ps.iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert!(names.contains(&"cn-north-4"));
        assert!(names.contains(&"MOS"));
        assert!(!names.contains(&"af-south-1"));
        let one = projects(DEMO_DOMAIN_ID, &regions(), Some("cn-east-3"));
        assert_eq!(one.len(), 1);
        assert_eq!(one[0]["id"], project_id(DEMO_DOMAIN_ID, "cn-east-3"));
    }

    #[test]
    fn times_use_huawei_formats() {
        let t = OffsetDateTime::from_unix_timestamp(1_558_495_159).unwrap();
        assert_eq!(iso_seconds(t), "2019-05-22T03:19:19Z");
        assert_eq!(iso_micros(t), "2019-05-22T03:19:19.000000Z");
    }
}

//! BCC instances as [`Host`]s: `GET /v2/instance` on `bcc.{region}.baidubce.com`, paged with
//! marker/maxKeys (providers.md §4.c).

use std::net::IpAddr;

use multicloud_core::{Host, HostState, Item, Result};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::api::BCC_INSTANCES;
use crate::paging::MarkerList;
use crate::wire;

/// The BCC instance listing.
pub(crate) const LISTING: MarkerList = MarkerList {
    api: &BCC_INSTANCES,
    items_key: "instances",
    extra: &[],
};

/// BCC's `status` → the normalized state (values from the BCC API's InstanceStatus).
pub(crate) fn state_of(status: &str) -> HostState {
    match status {
        "Starting" | "Recharging" | "Rebooting" | "ChangeVpc" | "ChangeSubnet" | "Scaling"
        | "Recovering" | "ImageProcessing" | "Snapshotprocessing" => HostState::Pending,
        "Running" => HostState::Running,
        "Stopping" => HostState::Stopping,
        "Stopped" | "Expired" | "NotAvailable" => HostState::Stopped,
        "Deleting" => HostState::Terminating,
        "Deleted" | "Recycled" => HostState::Terminated,
        other => HostState::Other(other.to_owned()),
    }
}

fn ips(values: &[Option<&str>]) -> Vec<IpAddr> {
    values
        .iter()
        .flatten()
        .filter_map(|v| v.parse::<IpAddr>().ok())
        .collect()
}

/// Maps one raw BCC instance in `region` to a host. Only `id` is required; every other
/// field is read leniently (absent, `null`, empty or of another type: unknown), so a new or
/// odd field never loses the whole page.
pub(crate) fn to_host(raw: Value, region: &str) -> Result<Host> {
    let field = |name: &str| wire::str_field(&raw, name).map(str::to_owned);
    let Some(id) = field("id") else {
        return Err(wire::decode_error(
            BCC_INSTANCES.name,
            Some(region),
            "an instance has no `id`",
        ));
    };
    let os = match (field("osName"), field("osVersion")) {
        (Some(n), Some(v)) => Some(format!("{n} {v}")),
        (Some(n), None) => Some(n),
        _ => field("imageName"),
    };
    let created =
        wire::str_field(&raw, "createTime").and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
    let state = field("status").map_or(HostState::Other("unknown".to_owned()), |s| state_of(&s));
    let private = ips(&[wire::str_field(&raw, "internalIp")]);
    let public = ips(&[
        wire::str_field(&raw, "publicIp"),
        wire::str_field(&raw, "ipv6"),
    ]);
    Ok(Host::new(id, region, state)
        .with_name(field("name"))
        .with_instance_type(field("spec").or_else(|| field("instanceType")))
        .with_zone(field("zoneName"))
        .with_private_ips(private)
        .with_public_ips(public)
        .with_os(os)
        .with_vpc_id(field("vpcId"))
        .with_created_at(created)
        .with_tags(wire::tags(&raw))
        .with_raw(raw))
}

/// [`to_host`] as a listing's item mapper.
pub(crate) fn map_item(raw: Value, region: Option<&str>) -> Result<Item> {
    to_host(raw, region.unwrap_or_default()).map(Item::Host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_instance_becomes_a_host() {
        let raw = json!({"id":"i-YufwpQAe","name":"web-1","status":"Running","instanceType":"N3",
            "spec":"bcc.g5.c2m8","internalIp":"192.168.0.12","publicIp":"106.12.1.2","ipv6":"",
            "osName":"Ubuntu","osVersion":"22.04 LTS amd64 (64bit)","vpcId":"vpc-abc",
            "zoneName":"cn-bj-d","createTime":"2025-03-01T08:00:00Z",
            "tags":[{"tagKey":"env","tagValue":"prod"}]});
        let h = to_host(raw.clone(), "bj").unwrap();
        assert_eq!(h.id, "i-YufwpQAe");
        assert_eq!(h.region, "bj");
        assert_eq!(h.state, HostState::Running);
        assert_eq!(h.instance_type.as_deref(), Some("bcc.g5.c2m8"));
        assert_eq!(h.private_ips, ["192.168.0.12".parse::<IpAddr>().unwrap()]);
        assert_eq!(h.public_ips, ["106.12.1.2".parse::<IpAddr>().unwrap()]);
        assert_eq!(h.os.as_deref(), Some("Ubuntu 22.04 LTS amd64 (64bit)"));
        assert_eq!(h.tags["env"], "prod");
        assert!(h.created_at.is_some());
        assert_eq!(h.raw, raw);
        assert!(to_host(json!({"name":"no id"}), "bj").is_err());
        let odd = to_host(
            json!({"id":"i-1","status":null,"createTime":5,"publicIp":[]}),
            "gz",
        )
        .unwrap();
        assert_eq!(odd.state, HostState::Other("unknown".into()));
        assert!(odd.public_ips.is_empty() && odd.created_at.is_none());
        assert_eq!(state_of("Recycled"), HostState::Terminated);
        assert_eq!(state_of("Weird"), HostState::Other("Weird".into()));
    }
}

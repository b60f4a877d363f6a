//! Hosts: ECS `list-instances` per resource pool (`pageNo`, `pageSize` ≤ 50, region in the
//! JSON body), mapped to [`Host`].

use std::net::IpAddr;

use futures::stream::{BoxStream, StreamExt};
use multicloud_core::{Host, HostState, Item, Result};
use serde_json::{json, Value};

use crate::client::{Api, ApiCall, Client, Verb};
use crate::paging::{by_page_number, NumberedPage};
use crate::wire::items::{field, time_field, EcsPage};
use crate::wire::required;

/// ctecs `POST /v4/ecs/list-instances`.
pub(crate) const LIST_INSTANCES: Api = Api {
    action: "ecs:ListInstances",
    endpoint: "ctecs",
    method: Verb::Post,
    path: "/v4/ecs/list-instances",
};

/// The documented page size limit.
pub(crate) const MAX_PAGE_SIZE: u32 = 50;

/// One page of `region`.
pub(crate) async fn page(
    client: &Client,
    region: &str,
    page_no: u32,
    page_size: u32,
) -> Result<NumberedPage> {
    let call = ApiCall::new(LIST_INSTANCES).json(json!({
        "regionID": region,
        "pageNo": page_no,
        "pageSize": page_size,
    }));
    let page: EcsPage = client.send(&call, Some(region)).await?;
    let total = page.total();
    Ok(NumberedPage {
        items: required(LIST_INSTANCES.action, "results", Some(region), page.results)?,
        total,
    })
}

/// The items of one `list-instances` response `body` of `region`, as [`page`] reads them
/// (for the parsing bench; see the crate's `__parse_hosts_page`).
pub(crate) fn page_from_body(body: &[u8], region: &str) -> Result<Vec<Value>> {
    let page: EcsPage = crate::wire::return_obj(LIST_INSTANCES.action, Some(region), body)?;
    required(LIST_INSTANCES.action, "results", Some(region), page.results)
}

/// Every host of `region`, page by page.
pub(crate) fn list(client: Client, region: String) -> BoxStream<'static, Result<Item>> {
    let size = client.page_size(MAX_PAGE_SIZE);
    let r = region.clone();
    let cap = client.page_cap(LIST_INSTANCES.action, Some(&region));
    by_page_number(cap, LIST_INSTANCES.action, size, "instanceID", move |n| {
        let (client, region) = (client.clone(), r.clone());
        async move { page(&client, &region, n, size).await }
    })
    .map(move |item| item.map(|raw| Item::Host(host(&region, raw))))
    .boxed()
}

/// `instanceStatus` → [`HostState`].
fn state(status: Option<&str>) -> HostState {
    match status.map(str::to_ascii_lowercase).as_deref() {
        Some("running") => HostState::Running,
        Some("stopped" | "shutoff") => HostState::Stopped,
        Some("starting" | "creating" | "restarting" | "rebuild" | "restoring") => {
            HostState::Pending
        }
        Some("stopping") => HostState::Stopping,
        Some("unsubscribing" | "destroying") => HostState::Terminating,
        Some("unsubscribed" | "destroyed") => HostState::Terminated,
        Some(other) => HostState::Other(other.to_owned()),
        None => HostState::Other(String::new()),
    }
}

fn ips<'a>(values: impl Iterator<Item = Option<&'a str>>) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    for ip in values.flatten().filter_map(|v| v.trim().parse().ok()) {
        if !out.contains(&ip) {
            out.push(ip);
        }
    }
    out
}

/// The addresses of `addresses[].addressList[]` of type `kind` (`fixed` or `floating`).
fn listed<'a>(raw: &'a Value, kind: &'a str) -> impl Iterator<Item = Option<&'a str>> + 'a {
    raw.get("addresses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("addressList").and_then(Value::as_array))
        .flatten()
        .filter(move |a| a.get("type").and_then(Value::as_str) == Some(kind))
        .map(|a| a.get("addr").and_then(Value::as_str))
}

/// One `list-instances` result as a [`Host`]. Tags are not returned by this API.
pub(crate) fn host(region: &str, raw: Value) -> Host {
    let s = |k: &str| field(&raw, k);
    let id = s("instanceID").unwrap_or_default();
    let private = ips([s("privateIP"), s("privateIPv6")]
        .iter()
        .map(|o| o.as_deref())
        .chain(
            raw.get("fixedIPList")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(Value::as_str),
        )
        .chain(listed(&raw, "fixed")));
    let public = ips(std::iter::once(s("floatingIP").as_deref()).chain(listed(&raw, "floating")));
    let flavor = raw.get("flavor").and_then(|f| field(f, "flavorName"));
    let os = raw.get("image").and_then(|i| field(i, "imageName"));
    Host::new(id, region, state(s("instanceStatus").as_deref()))
        .with_name(s("displayName").or_else(|| s("instanceName")))
        .with_instance_type(flavor)
        .with_zone(s("azName"))
        .with_private_ips(private)
        .with_public_ips(public)
        .with_os(os)
        .with_vpc_id(s("vpcID"))
        .with_created_at(time_field(&raw, "createdTime"))
        .with_raw(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_maps_to_a_host() {
        let raw = json!({
            "instanceID": "88f8", "instanceName": "web-1", "displayName": "web-1",
            "instanceStatus": "running",
            "flavor": {"flavorName": "s7.large.2", "flavorCPU": 2, "flavorRAM": 4},
            "privateIP": "192.168.0.12", "fixedIPList": ["192.168.0.12"],
            "floatingIP": "36.1.2.3",
            "addresses": [{"vpcName": "v", "addressList": [
                {"addr": "192.168.0.12", "version": 4, "type": "fixed"},
                {"addr": "36.1.2.3", "version": 4, "type": "floating"}]}],
            "osType": 1, "image": {"imageID": "i", "imageName": "CentOS 7.9"},
            "vpcID": "vpc-abc", "azName": "az1", "createdTime": "2025-03-01 16:00:00"
        });
        let h = host("r1", raw);
        assert_eq!(h.id, "88f8");
        assert_eq!(h.state, HostState::Running);
        assert_eq!(h.instance_type.as_deref(), Some("s7.large.2"));
        assert_eq!(h.private_ips, ["192.168.0.12".parse::<IpAddr>().unwrap()]);
        assert_eq!(h.public_ips, ["36.1.2.3".parse::<IpAddr>().unwrap()]);
        assert_eq!(h.os.as_deref(), Some("CentOS 7.9"));
        assert_eq!(h.vpc_id.as_deref(), Some("vpc-abc"));
        assert_eq!(h.created_at.unwrap().unix_timestamp(), 1_740_816_000);
        assert_eq!(h.raw.to_value()["instanceID"], "88f8");
    }

    #[test]
    fn states_are_normalized() {
        assert_eq!(state(Some("STOPPED")), HostState::Stopped);
        assert_eq!(state(Some("starting")), HostState::Pending);
        assert_eq!(state(Some("expired")), HostState::Other("expired".into()));
    }
}

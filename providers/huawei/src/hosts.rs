//! Hosts: ECS `ListServersDetails` (`GET /v1/{project_id}/cloudservers/detail`) per region.
//!
//! `offset` is a **page number** starting at 1 (not a count of items to skip) and `limit` is
//! at most 1000. A page shorter than `limit`, or the `count` reached, ends the listing; a
//! server seen on an earlier page means the server is repeating itself, and the listing stops
//! with [`PaginationLoop`](multicloud_core::ErrorKind::PaginationLoop). A `count` needing
//! more pages than the listing's cap stops it at once with
//! [`PageLimit`](multicloud_core::ErrorKind::PageLimit).

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use futures::stream::{BoxStream, StreamExt};
use multicloud_core::{
    paginate_capped, Error, ErrorKind, Host, HostState, Page, ProviderKind, Result,
};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::client::{Client, Request, Scope, ECS_LIST_SERVERS};
use crate::wire::{self, decode_error};

/// The largest `limit` ECS accepts.
pub(crate) const MAX_PAGE_SIZE: u32 = 1000;

/// One page request of `ListServersDetails`.
pub(crate) fn page_request(project_id: &str, region: &str, page: u64, limit: u32) -> Request {
    Request::get(format!("/v1/{project_id}/cloudservers/detail"))
        .in_region(region)
        .query("offset", page)
        .query("limit", limit)
        .scope(Scope::Project(project_id.to_owned()))
}

/// Streams the ECS servers of `region`, `page_size` per page.
pub(crate) fn list(
    client: Client,
    region: String,
    page_size: u32,
) -> BoxStream<'static, Result<Host>> {
    let limit = page_size.clamp(1, MAX_PAGE_SIZE);
    let seen = Arc::new(Mutex::new(HashSet::<String>::new()));
    let cap = client.page_cap(ECS_LIST_SERVERS.name, Some(&region));
    let total_cap = cap.clone();
    paginate_capped(cap, move |token: Option<String>| {
        let client = client.clone();
        let region = region.clone();
        let seen = seen.clone();
        let cap = total_cap.clone();
        async move {
            let page: u64 = match token {
                None => 1,
                Some(t) => t.parse().map_err(|_| Error::decode("bad page token"))?,
            };
            let project = client.project_id(&region).await?;
            let body = client
                .json(
                    ECS_LIST_SERVERS,
                    &page_request(&project, &region, page, limit),
                )
                .await?;
            let (hosts, count) = servers_page(body, &region)?;
            if let Some(count) = count {
                cap.check_total(count, u64::from(limit))?;
            }
            {
                let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
                for host in &hosts {
                    if !seen.insert(host.id.clone()) {
                        return Err(Error::new(
                            ErrorKind::PaginationLoop,
                            format!(
                                "{} in {region}: page {page} repeats server {} of an earlier page",
                                ECS_LIST_SERVERS.name, host.id
                            ),
                        )
                        .with_provider(ProviderKind::Huawei)
                        .with_action(ECS_LIST_SERVERS.name));
                    }
                }
            }
            let listed = (page.saturating_sub(1)) * u64::from(limit) + hosts.len() as u64;
            let more = hosts.len() == limit as usize && count.is_none_or(|c| listed < c);
            Ok(Page::new(hosts, more.then(|| (page + 1).to_string())))
        }
    })
    .boxed()
}

/// The hosts of one `ListServersDetails` answer in `region`, and the total `count` it
/// reports; an answer without its `servers` list is an error.
pub(crate) fn servers_page(mut body: Value, region: &str) -> Result<(Vec<Host>, Option<u64>)> {
    wire::list(&body, "servers", ECS_LIST_SERVERS.name, Some(region))?;
    let count = wire::number(&body, "count");
    // Moved out, not cloned: each item becomes its host's raw record.
    let items = match body.get_mut("servers").map(Value::take) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let hosts = items
        .into_iter()
        .map(|item| to_host(item, region))
        .collect::<Result<Vec<_>>>()?;
    Ok((hosts, count))
}

/// The normalized state of an ECS `status` (and `OS-EXT-STS:task_state`).
fn state(status: &str, task: &str) -> HostState {
    match status {
        "ACTIVE" if task == "powering-off" => HostState::Stopping,
        "ACTIVE" => HostState::Running,
        "BUILD" | "REBUILD" => HostState::Pending,
        "SHUTOFF" => HostState::Stopped,
        "DELETED" | "SOFT_DELETED" => HostState::Terminated,
        other => HostState::Other(other.to_owned()),
    }
}

/// Tags as ECS sends them: `"key=value"` strings (or `{key, value}` objects).
pub(crate) fn tags(v: Option<&Value>) -> multicloud_core::Tags {
    let mut out = multicloud_core::Tags::new();
    for t in v.and_then(Value::as_array).into_iter().flatten() {
        match t {
            Value::String(s) => {
                let (k, v) = s.split_once('=').unwrap_or((s, ""));
                out.insert(k.to_owned(), v.to_owned());
            }
            Value::Object(_) => {
                if let Some(k) = wire::text(t, "key") {
                    out.insert(k, wire::text(t, "value").unwrap_or_default());
                }
            }
            _ => {}
        }
    }
    out
}

/// Maps one `ServerDetail`; the item is kept as [`Host::raw`].
pub(crate) fn to_host(item: Value, region: &str) -> Result<Host> {
    let Some(id) = wire::text(&item, "id") else {
        return Err(decode_error(
            ECS_LIST_SERVERS.name,
            Some(region),
            "a server without id",
        ));
    };
    let status = wire::text(&item, "status").unwrap_or_default();
    let task = wire::text(&item, "OS-EXT-STS:task_state").unwrap_or_default();
    let mut private_ips = Vec::new();
    let mut public_ips = Vec::new();
    if let Some(networks) = item.get("addresses").and_then(Value::as_object) {
        for nic in networks.values().filter_map(Value::as_array).flatten() {
            let Some(ip) = wire::text(nic, "addr").and_then(|a| a.parse::<IpAddr>().ok()) else {
                continue;
            };
            let list = match nic.get("OS-EXT-IPS:type").and_then(Value::as_str) {
                Some("floating") => &mut public_ips,
                _ => &mut private_ips,
            };
            if !list.contains(&ip) {
                list.push(ip);
            }
        }
    }
    let metadata = item.get("metadata");
    let meta = |k: &str| metadata.and_then(|m| wire::text(m, k));
    let flavor = item
        .get("flavor")
        .and_then(|f| wire::text(f, "id").or_else(|| wire::text(f, "name")));
    let created =
        wire::text(&item, "created").and_then(|t| OffsetDateTime::parse(&t, &Rfc3339).ok());
    let host = Host::new(id, region, state(&status, &task))
        .with_name(wire::text(&item, "name"))
        .with_instance_type(flavor)
        .with_zone(wire::text(&item, "OS-EXT-AZ:availability_zone"))
        .with_private_ips(private_ips)
        .with_public_ips(public_ips)
        .with_os(meta("image_name").or_else(|| meta("os_type")))
        .with_vpc_id(meta("vpc_id"))
        .with_created_at(created)
        .with_tags(tags(item.get("tags")));
    Ok(host.with_raw(item))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_server_maps_fixed_and_floating_ips_os_vpc_zone_and_tags() {
        let item = json!({
            "id": "b0a9", "name": "web-1", "status": "ACTIVE", "created": "2025-03-01T08:00:00Z",
            "flavor": {"id": "s6.large.2", "vcpus": "2"},
            "addresses": {"vpc-1": [
                {"addr": "192.168.0.12", "version": "4", "OS-EXT-IPS:type": "fixed"},
                {"addr": "121.36.1.2", "version": "4", "OS-EXT-IPS:type": "floating"}]},
            "metadata": {"vpc_id": "vpc-1", "os_type": "Linux", "image_name": "Ubuntu 22.04 server 64bit"},
            "OS-EXT-AZ:availability_zone": "cn-north-4a", "tags": ["env=prod", "solo"],
        });
        let h = to_host(item, "cn-north-4").unwrap();
        assert_eq!(h.state, HostState::Running);
        assert_eq!(h.private_ips, ["192.168.0.12".parse::<IpAddr>().unwrap()]);
        assert_eq!(h.public_ips, ["121.36.1.2".parse::<IpAddr>().unwrap()]);
        assert_eq!(h.os.as_deref(), Some("Ubuntu 22.04 server 64bit"));
        assert_eq!(h.vpc_id.as_deref(), Some("vpc-1"));
        assert_eq!(h.zone.as_deref(), Some("cn-north-4a"));
        assert_eq!(h.instance_type.as_deref(), Some("s6.large.2"));
        assert_eq!(h.tags["env"], "prod");
        assert_eq!(h.tags["solo"], "");
        assert!(h.created_at.is_some());
        assert!(to_host(json!({"name": "x"}), "r").is_err());
        assert_eq!(state("SHUTOFF", ""), HostState::Stopped);
        assert_eq!(state("ACTIVE", "powering-off"), HostState::Stopping);
    }

    #[test]
    fn pages_are_numbered_from_one() {
        let r = page_request("p1", "cn-north-4", 1, 100);
        assert_eq!(r.path, "/v1/p1/cloudservers/detail");
        assert_eq!(
            r.query,
            [("offset", "1".to_owned()), ("limit", "100".to_owned())]
        );
    }
}

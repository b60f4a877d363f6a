//! Hosts: CVM `DescribeInstances` (2017-03-12), paged with `Offset`/`Limit` (≤ 100).

use std::net::IpAddr;

use futures::stream::BoxStream;
use multicloud_core::{Error, Host, HostState, ProviderKind, Result};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::api::CVM_DESCRIBE_INSTANCES;
use crate::client::Client;
use crate::paging::{offset_stream, OffsetListing};
use crate::wire::{self, CvmInstance};

/// The largest `Limit` CVM accepts.
pub(crate) const PAGE_SIZE: u64 = 100;

/// Streams the CVM instances of `region`, a page of up to 100 at a time.
pub(crate) fn list(client: Client, region: String) -> BoxStream<'static, Result<Host>> {
    let listing = OffsetListing {
        api: CVM_DESCRIBE_INSTANCES.name(),
        page_size: PAGE_SIZE,
        id_field: "InstanceId",
        cap: client.page_cap(&CVM_DESCRIBE_INSTANCES.name(), Some(&region)),
    };
    let map_region = region.clone();
    offset_stream(
        listing,
        move |offset| {
            let client = client.clone();
            let region = region.clone();
            async move {
                let params = json!({"Offset": offset, "Limit": PAGE_SIZE});
                let resp = client
                    .call(CVM_DESCRIBE_INSTANCES, Some(&region), &params)
                    .await?;
                wire::offset_page(
                    resp,
                    CVM_DESCRIBE_INSTANCES.action,
                    Some(&region),
                    "InstanceSet",
                    Some("TotalCount"),
                )
            }
        },
        move |item| to_host(item, &map_region),
    )
}

/// Maps one `InstanceSet` item; the item itself is kept as [`Host::raw`].
pub(crate) fn to_host(item: Value, region: &str) -> Result<Host> {
    let cvm = CvmInstance::deserialize_from(&item)?;
    if cvm.instance_id.is_empty() {
        return Err(
            Error::decode("a CVM instance without InstanceId").with_provider(ProviderKind::Tencent)
        );
    }
    let state = state(cvm.instance_state.as_deref().unwrap_or_default());
    let created_at = cvm
        .created_time
        .as_deref()
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
    Ok(Host::new(cvm.instance_id.clone(), region, state)
        .with_name(cvm.instance_name.filter(|n| !n.is_empty()))
        .with_instance_type(cvm.instance_type.filter(|t| !t.is_empty()))
        .with_zone(cvm.placement.and_then(|p| p.zone).filter(|z| !z.is_empty()))
        .with_private_ips(ips(cvm.private_ip_addresses))
        .with_public_ips(ips(cvm.public_ip_addresses))
        .with_os(cvm.os_name.filter(|o| !o.is_empty()))
        .with_vpc_id(
            cvm.virtual_private_cloud
                .and_then(|v| v.vpc_id)
                .filter(|v| !v.is_empty()),
        )
        .with_created_at(created_at)
        .with_tags(wire::tags(&item, "Tags"))
        .with_raw(item))
}

impl CvmInstance {
    fn deserialize_from(item: &Value) -> Result<Self> {
        serde::Deserialize::deserialize(item).map_err(|e: serde_json::Error| {
            Error::decode(format!(
                "a CVM InstanceSet item has an unexpected shape ({:?} error)",
                e.classify()
            ))
            .with_provider(ProviderKind::Tencent)
        })
    }
}

fn ips(list: Option<Vec<String>>) -> Vec<IpAddr> {
    list.unwrap_or_default()
        .iter()
        .filter_map(|ip| ip.trim().parse().ok())
        .collect()
}

/// CVM `InstanceState` values → the normalized state.
fn state(raw: &str) -> HostState {
    match raw {
        "PENDING" | "STARTING" => HostState::Pending,
        "RUNNING" => HostState::Running,
        "STOPPING" => HostState::Stopping,
        // SHUTDOWN: stopped and isolated (awaiting release), still a stopped machine.
        "STOPPED" | "SHUTDOWN" => HostState::Stopped,
        "TERMINATING" => HostState::Terminating,
        "" => HostState::Other("UNKNOWN".to_owned()),
        other => HostState::Other(other.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        // The documented example of providers.md §3.c, plus IPv6 and an unknown field.
        serde_json::from_str(
            r#"{"InstanceId":"ins-r8hr2upy","InstanceName":"web-1","InstanceState":"RUNNING",
            "InstanceType":"S5.MEDIUM4","CPU":2,"Memory":4,"PrivateIpAddresses":["10.0.0.12"],
            "PublicIpAddresses":["1.2.3.4"],"IPv6Addresses":null,"OsName":"TencentOS Server 3.1",
            "VirtualPrivateCloud":{"VpcId":"vpc-abc","SubnetId":"subnet-abc"},
            "Placement":{"Zone":"ap-guangzhou-6","ProjectId":0},"CreatedTime":"2025-03-01T08:00:00Z",
            "Tags":[{"Key":"env","Value":"prod"}],"Uuid":"u-1"}"#,
        )
        .unwrap()
    }

    #[test]
    fn every_normalized_field_is_mapped_and_raw_is_kept() {
        let h = to_host(sample(), "ap-guangzhou").unwrap();
        assert_eq!(h.id, "ins-r8hr2upy");
        assert_eq!(h.name.as_deref(), Some("web-1"));
        assert_eq!(h.state, HostState::Running);
        assert_eq!(h.instance_type.as_deref(), Some("S5.MEDIUM4"));
        assert_eq!(h.region, "ap-guangzhou");
        assert_eq!(h.zone.as_deref(), Some("ap-guangzhou-6"));
        assert_eq!(h.private_ips, ["10.0.0.12".parse::<IpAddr>().unwrap()]);
        assert_eq!(h.public_ips, ["1.2.3.4".parse::<IpAddr>().unwrap()]);
        assert_eq!(h.os.as_deref(), Some("TencentOS Server 3.1"));
        assert_eq!(h.vpc_id.as_deref(), Some("vpc-abc"));
        assert_eq!(
            h.created_at,
            Some(time::macros::datetime!(2025-03-01 08:00:00 UTC))
        );
        assert_eq!(h.tags.get("env").map(String::as_str), Some("prod"));
        assert_eq!(h.raw.to_value()["Uuid"], "u-1");
    }

    #[test]
    fn null_public_ips_and_missing_fields_are_tolerated() {
        let h = to_host(
            json!({"InstanceId":"ins-1","PublicIpAddresses":null,"InstanceState":"SHUTDOWN"}),
            "ap-beijing",
        )
        .unwrap();
        assert!(h.public_ips.is_empty());
        assert_eq!(h.state, HostState::Stopped);
        assert!(h.name.is_none() && h.zone.is_none() && h.created_at.is_none());
    }

    #[test]
    fn states_map_and_unknown_ones_are_kept() {
        assert_eq!(state("PENDING"), HostState::Pending);
        assert_eq!(state("STOPPING"), HostState::Stopping);
        assert_eq!(state("TERMINATING"), HostState::Terminating);
        assert_eq!(state("REBOOTING"), HostState::Other("REBOOTING".into()));
    }

    #[test]
    fn an_item_without_id_is_a_decode_error() {
        let e = to_host(json!({"InstanceName":"x"}), "r").unwrap_err();
        assert_eq!(e.kind(), multicloud_core::ErrorKind::Decode);
    }
}

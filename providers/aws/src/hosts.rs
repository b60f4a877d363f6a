//! Hosts: EC2 `DescribeInstances`, page by page, each instance mapped to a [`Host`].

use std::net::IpAddr;

use futures::stream::BoxStream;
use serde_json::Value;

use multicloud_core::transport::HttpResponse;
use multicloud_core::{paginate_capped, Host, HostState, Page, RawRecord, Result};

use crate::client::{self, AwsClient, Params};
use crate::endpoints::Service;
use crate::wire::ec2::{self, Instance};
use crate::wire::instances;
use crate::wire::xml::EC2_LISTS;
use crate::wire::{decode, ec2_tags, non_empty, parse_time};

/// `MaxResults` range of `DescribeInstances` (the model states none; 5..1000 as its siblings).
const PAGE_MIN: u32 = 5;
const PAGE_MAX: u32 = 1000;

/// Streams the instances of `region`, one `DescribeInstances` page at a time.
pub(crate) fn list(client: AwsClient, region: String) -> BoxStream<'static, Result<Host>> {
    let cap = client.page_cap("ec2:DescribeInstances", Some(&region));
    paginate_capped(cap, move |token: Option<String>| {
        let client = client.clone();
        let region = region.clone();
        async move {
            let endpoint = client.resolver().regional(Service::Ec2, &region)?;
            let params = Params::new()
                .with(
                    "MaxResults",
                    client.page_size(PAGE_MIN, PAGE_MAX).to_string(),
                )
                .with_opt("NextToken", token);
            let response = client
                .query_response(&endpoint, "DescribeInstances", &params, true)
                .await?;
            let (hosts, next) = hosts_from_response(&response, &endpoint.signing_region, &region)?;
            Ok(Page::new(hosts, next))
        }
    })
}

/// The hosts of one successful `DescribeInstances` response and its continuation token:
/// the streaming parser reads the documented page shape; anything else (an error document,
/// an unusual shape) goes through the general converter, exactly as before.
pub(crate) fn hosts_from_response(
    response: &HttpResponse,
    signing_region: &str,
    region: &str,
) -> Result<(Vec<Host>, Option<String>)> {
    if let Some(page) =
        instances::instances(&response.body, |i, raw| host_from_view(i, region, raw))
    {
        return Ok(page);
    }
    let out = client::decode(
        response,
        "ec2:DescribeInstances",
        signing_region,
        "DescribeInstancesResponse",
        EC2_LISTS,
    )?;
    hosts_from_page(out.doc, region)
}

/// The hosts of one `DescribeInstances` document, and its continuation token.
pub(crate) fn hosts_from_page(doc: Value, region: &str) -> Result<(Vec<Host>, Option<String>)> {
    let (items, next) = ec2::instances(doc)?;
    let hosts = items
        .into_iter()
        .map(|item| host_from_item(item, region))
        .collect::<Result<Vec<_>>>()?;
    Ok((hosts, next))
}

/// Maps one `instancesSet/item` to a [`Host`], keeping the item as [`Host::raw`].
pub(crate) fn host_from_item(raw: Value, region: &str) -> Result<Host> {
    let i: Instance<'_> = decode(&raw, "DescribeInstances instance")?;
    let record = RawRecord::from(&raw);
    Ok(host_from_view(&i, region, record))
}

/// Maps the typed view of an item to a [`Host`] whose raw record is `raw`.
pub(crate) fn host_from_view(i: &Instance<'_>, region: &str, raw: RawRecord) -> Host {
    let tags = ec2_tags(&i.tag_set);
    let (private_ips, public_ips) = addresses(i);
    let state = i
        .instance_state
        .as_ref()
        .map_or_else(|| HostState::Other(String::new()), |s| state(s.name));
    Host::new(i.instance_id, region, state)
        .with_name(tags.get("Name").filter(|n| !n.is_empty()).cloned())
        .with_instance_type(non_empty(i.instance_type))
        .with_zone(
            i.placement
                .as_ref()
                .and_then(|p| non_empty(p.availability_zone)),
        )
        .with_private_ips(private_ips)
        .with_public_ips(public_ips)
        .with_os(os(i))
        .with_vpc_id(non_empty(i.vpc_id))
        .with_created_at(created_at(i))
        .with_tags(tags)
        .with_raw(raw)
}

fn state(name: &str) -> HostState {
    match name {
        "pending" => HostState::Pending,
        "running" => HostState::Running,
        "stopping" => HostState::Stopping,
        "stopped" => HostState::Stopped,
        "shutting-down" => HostState::Terminating,
        "terminated" => HostState::Terminated,
        other => HostState::Other(other.to_owned()),
    }
}

/// `platformDetails` ("Linux/UNIX", "Windows", "Red Hat Enterprise Linux", …) is the most
/// specific; `platform` is only ever `windows` (absent for Linux).
fn os(i: &Instance<'_>) -> Option<String> {
    non_empty(i.platform_details).or_else(|| {
        non_empty(i.platform).map(|p| match p.as_str() {
            "windows" => "Windows".to_owned(),
            _ => p,
        })
    })
}

/// `launchTime` is the *last* start; the model points to the primary interface's attachment
/// time for when the instance was first launched, so that wins when present.
fn created_at(i: &Instance<'_>) -> Option<time::OffsetDateTime> {
    let primary = i.network_interface_set.iter().find_map(|nic| {
        let attachment = nic.attachment.as_ref()?;
        (attachment.device_index == Some("0"))
            .then(|| attachment.attach_time.and_then(parse_time))
            .flatten()
    });
    primary.or_else(|| i.launch_time.and_then(parse_time))
}

/// Private: the primary private IPv4, every interface's private IPv4s and all IPv6 addresses
/// (assigned on the interface like private ones; whether they are reachable depends on
/// routing). Public: the instance's public IPv4 and every public IP associated with an
/// interface or one of its private addresses (Elastic IPs). Duplicates are dropped.
fn addresses(i: &Instance<'_>) -> (Vec<IpAddr>, Vec<IpAddr>) {
    let mut private = Vec::new();
    let mut public = Vec::new();
    push_ip(&mut private, i.private_ip_address);
    push_ip(&mut private, i.ipv6_address);
    push_ip(&mut public, i.ip_address);
    for nic in &i.network_interface_set {
        push_ip(&mut private, nic.private_ip_address);
        for p in &nic.private_ip_addresses_set {
            push_ip(&mut private, p.private_ip_address);
            if let Some(a) = &p.association {
                push_ip(&mut public, a.public_ip);
            }
        }
        for v6 in &nic.ipv6_addresses_set {
            push_ip(&mut private, v6.ipv6_address);
        }
        if let Some(a) = &nic.association {
            push_ip(&mut public, a.public_ip);
        }
    }
    (private, public)
}

fn push_ip(out: &mut Vec<IpAddr>, value: Option<&str>) {
    if let Some(ip) = value.and_then(|v| v.trim().parse::<IpAddr>().ok()) {
        if !out.contains(&ip) {
            out.push(ip);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::xml::parse;

    const FULL: &[u8] = br#"<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <reservationSet><item><reservationId>r-0abc</reservationId><ownerId>123456789012</ownerId>
    <instancesSet><item>
      <instanceId>i-0123456789abcdef0</instanceId><imageId>ami-0abc</imageId>
      <instanceState><code>16</code><name>running</name></instanceState>
      <instanceType>t3.medium</instanceType><launchTime>2025-03-01T08:00:00.000Z</launchTime>
      <placement><availabilityZone>us-east-1a</availabilityZone><tenancy>default</tenancy></placement>
      <privateIpAddress>10.0.1.12</privateIpAddress><ipAddress>54.1.2.3</ipAddress>
      <vpcId>vpc-0abc</vpcId><subnetId>subnet-0abc</subnetId><architecture>x86_64</architecture>
      <platformDetails>Linux/UNIX</platformDetails>
      <networkInterfaceSet><item>
        <networkInterfaceId>eni-1</networkInterfaceId><privateIpAddress>10.0.1.12</privateIpAddress>
        <attachment><attachTime>2024-12-24T10:00:00.000Z</attachTime><deviceIndex>0</deviceIndex></attachment>
        <association><publicIp>54.1.2.3</publicIp></association>
        <privateIpAddressesSet>
          <item><privateIpAddress>10.0.1.12</privateIpAddress><primary>true</primary></item>
          <item><privateIpAddress>10.0.1.13</privateIpAddress><association><publicIp>3.3.3.3</publicIp></association></item>
        </privateIpAddressesSet>
        <ipv6AddressesSet><item><ipv6Address>2600:1f18::1</ipv6Address></item></ipv6AddressesSet>
      </item></networkInterfaceSet>
      <tagSet><item><key>Name</key><value>web-1</value></item><item><key>env</key><value>prod</value></item></tagSet>
    </item></instancesSet></item></reservationSet>
</DescribeInstancesResponse>"#;

    fn first_item(xml: &[u8]) -> Value {
        let (_, doc) = parse(xml, EC2_LISTS).unwrap();
        ec2::instances(doc).unwrap().0.swap_remove(0)
    }

    #[test]
    fn every_normalized_field_is_mapped() {
        let item = first_item(FULL);
        let h = host_from_item(item.clone(), "us-east-1").unwrap();
        assert_eq!(h.id, "i-0123456789abcdef0");
        assert_eq!(h.name.as_deref(), Some("web-1"));
        assert_eq!(h.state, HostState::Running);
        assert_eq!(h.instance_type.as_deref(), Some("t3.medium"));
        assert_eq!(h.region, "us-east-1");
        assert_eq!(h.zone.as_deref(), Some("us-east-1a"));
        let ips = |v: &[&str]| {
            v.iter()
                .map(|s| s.parse::<IpAddr>().unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            h.private_ips,
            ips(&["10.0.1.12", "10.0.1.13", "2600:1f18::1"])
        );
        assert_eq!(h.public_ips, ips(&["54.1.2.3", "3.3.3.3"]));
        assert_eq!(h.os.as_deref(), Some("Linux/UNIX"));
        assert_eq!(h.vpc_id.as_deref(), Some("vpc-0abc"));
        // First launch = primary interface attachment, not the last launchTime.
        assert_eq!(h.created_at, parse_time("2024-12-24T10:00:00Z"));
        assert_eq!(h.tags.get("env").map(String::as_str), Some("prod"));
        assert_eq!(h.tags.len(), 2);
        // The raw item is kept whole, including fields we do not normalize.
        assert_eq!(h.raw, item);
        assert_eq!(h.raw.to_value()["architecture"], "x86_64");
        assert_eq!(h.raw.to_value()["placement"]["tenancy"], "default");
    }

    #[test]
    fn sparse_items_map_without_inventing_values() {
        let xml = br#"<R><reservationSet><item><instancesSet><item>
            <instanceId>i-2</instanceId><instanceState><name>shutting-down</name></instanceState>
            <platform>windows</platform><launchTime>2025-01-02T03:04:05Z</launchTime>
            <tagSet/></item></instancesSet></item></reservationSet></R>"#;
        let h = host_from_item(first_item(xml), "eu-west-1").unwrap();
        assert_eq!(h.state, HostState::Terminating);
        assert_eq!(h.name, None);
        assert_eq!(h.os.as_deref(), Some("Windows"));
        assert!(h.private_ips.is_empty() && h.public_ips.is_empty());
        assert_eq!(h.created_at, parse_time("2025-01-02T03:04:05Z"));
        assert!(h.tags.is_empty());
    }

    #[test]
    fn a_describe_instances_page_maps_exactly_as_pinned() {
        use crate::wire::golden::{check, fixture};
        let (_, doc) = parse(&fixture("describe_instances.xml"), EC2_LISTS).unwrap();
        let page = hosts_from_page(doc, "eu-west-1").unwrap();
        assert_eq!(page.0.len(), 6);
        check("describe_instances.hosts.json", &page);
    }

    #[test]
    fn responses_the_streaming_parser_declines_read_exactly_as_before() {
        let response = |body: &str| {
            HttpResponse::new(
                http::StatusCode::OK,
                http::HeaderMap::new(),
                body.to_owned(),
            )
        };
        // An error document with HTTP 200 is that error, classified by its code.
        let err = hosts_from_response(
            &response(
                "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no\
                 </Message></Error></Errors><RequestID>req-9</RequestID></Response>",
            ),
            "eu-west-1",
            "eu-west-1",
        )
        .unwrap_err();
        assert_eq!(err.code(), Some("UnauthorizedOperation"));
        assert_eq!(err.kind(), multicloud_core::ErrorKind::PermissionDenied);
        // Another answer, or a page the typed decode refuses, is a decode error.
        for body in [
            "<DescribeRegionsResponse><regionInfo/></DescribeRegionsResponse>",
            "<DescribeInstancesResponse><reservationSet><item><instancesSet><item>\
             <instanceType>t3.nano</instanceType></item></instancesSet></item></reservationSet>\
             </DescribeInstancesResponse>",
        ] {
            let err = hosts_from_response(&response(body), "eu-west-1", "eu-west-1").unwrap_err();
            assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode, "{body}");
        }
        // A shape the streaming parser leaves to the general path (a repeated `tagSet`, which
        // the `Value` path reads as a list of two empty tags) still lists, exactly as before.
        let body = "<DescribeInstancesResponse><reservationSet><item><instancesSet><item>\
            <instanceId>i-1</instanceId><tagSet/><tagSet/></item></instancesSet></item>\
            </reservationSet></DescribeInstancesResponse>";
        assert!(instances::instances(body.as_bytes(), |_, raw| raw).is_none());
        let (hosts, next) = hosts_from_response(&response(body), "r", "r").unwrap();
        let (_, doc) = parse(body.as_bytes(), EC2_LISTS).unwrap();
        assert_eq!(hosts[0].tags.get(""), Some(&String::new()));
        assert_eq!((hosts, next), hosts_from_page(doc, "r").unwrap());
    }

    #[test]
    fn each_ec2_state_is_normalized() {
        for (s, want) in [
            ("pending", HostState::Pending),
            ("running", HostState::Running),
            ("stopping", HostState::Stopping),
            ("stopped", HostState::Stopped),
            ("shutting-down", HostState::Terminating),
            ("terminated", HostState::Terminated),
            ("hibernating", HostState::Other("hibernating".into())),
        ] {
            assert_eq!(state(s), want);
        }
    }

    #[test]
    fn an_item_without_an_id_is_a_decode_error() {
        let err = host_from_item(serde_json::json!({"instanceType": "t3.nano"}), "r").unwrap_err();
        assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode);
    }
}

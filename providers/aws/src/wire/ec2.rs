//! EC2 shapes (protocol `ec2`, API version 2016-11-15): lists are `…Set/item`, names are
//! lowerCamelCase, the continuation token is `nextToken`.

use serde::Deserialize;
use serde_json::Value;

use super::{decode, list, Ec2Tag};
use multicloud_core::Result;

/// One page of any EC2 `Describe*` listing: the raw items under `list_key`, and the token.
pub(crate) fn page(doc: &Value, list_key: &str) -> Result<(Vec<Value>, Option<String>)> {
    #[derive(Deserialize)]
    struct Token {
        #[serde(rename = "nextToken")]
        next_token: Option<String>,
    }
    let items = match doc.get(list_key) {
        None => Vec::new(),
        Some(v) => decode::<ListOf>(&serde_json::json!({ "items": v }), list_key)?.items,
    };
    let token: Token = decode(doc, "EC2 page")?;
    Ok((items, token.next_token.filter(|t| !t.trim().is_empty())))
}

#[derive(Deserialize)]
struct ListOf {
    #[serde(deserialize_with = "list", default)]
    items: Vec<Value>,
}

/// `DescribeInstances` output.
#[derive(Debug, Deserialize)]
pub(crate) struct DescribeInstances {
    #[serde(rename = "reservationSet", deserialize_with = "list", default)]
    pub(crate) reservations: Vec<Reservation>,
    #[serde(rename = "nextToken")]
    pub(crate) next_token: Option<String>,
}

/// `reservationSet/item`.
#[derive(Debug, Deserialize)]
pub(crate) struct Reservation {
    /// Raw instance items (kept as received for [`multicloud_core::Host::raw`]).
    #[serde(rename = "instancesSet", deserialize_with = "list", default)]
    pub(crate) instances: Vec<Value>,
}

/// `instancesSet/item`: the fields we normalize.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Instance {
    pub(crate) instance_id: String,
    pub(crate) instance_state: Option<InstanceState>,
    pub(crate) instance_type: Option<String>,
    pub(crate) placement: Option<Placement>,
    pub(crate) private_ip_address: Option<String>,
    pub(crate) ip_address: Option<String>,
    pub(crate) ipv6_address: Option<String>,
    #[serde(deserialize_with = "list", default)]
    pub(crate) network_interface_set: Vec<NetworkInterface>,
    pub(crate) platform: Option<String>,
    pub(crate) platform_details: Option<String>,
    pub(crate) vpc_id: Option<String>,
    pub(crate) launch_time: Option<String>,
    #[serde(deserialize_with = "list", default)]
    pub(crate) tag_set: Vec<Ec2Tag>,
}

/// `instanceState`.
#[derive(Debug, Deserialize)]
pub(crate) struct InstanceState {
    pub(crate) name: String,
}

/// `placement`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Placement {
    pub(crate) availability_zone: Option<String>,
}

/// `networkInterfaceSet/item`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NetworkInterface {
    pub(crate) private_ip_address: Option<String>,
    #[serde(deserialize_with = "list", default)]
    pub(crate) private_ip_addresses_set: Vec<PrivateIp>,
    #[serde(deserialize_with = "list", default)]
    pub(crate) ipv6_addresses_set: Vec<Ipv6>,
    pub(crate) association: Option<Association>,
    pub(crate) attachment: Option<Attachment>,
}

/// `privateIpAddressesSet/item`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PrivateIp {
    pub(crate) private_ip_address: Option<String>,
    pub(crate) association: Option<Association>,
}

/// `ipv6AddressesSet/item`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Ipv6 {
    pub(crate) ipv6_address: Option<String>,
}

/// A public IP associated with an interface or private address.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Association {
    pub(crate) public_ip: Option<String>,
}

/// A network interface's attachment to the instance.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Attachment {
    pub(crate) attach_time: Option<String>,
    pub(crate) device_index: Option<String>,
}

/// `DescribeRegions` output.
#[derive(Debug, Deserialize)]
pub(crate) struct DescribeRegions {
    #[serde(rename = "regionInfo", deserialize_with = "list", default)]
    pub(crate) regions: Vec<RegionInfo>,
}

/// `regionInfo/item`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RegionInfo {
    pub(crate) region_name: String,
    pub(crate) opt_in_status: Option<String>,
}

/// The id and tags shared by the EC2 resources we list (volumes, snapshots, VPCs, security
/// groups); the id field's name differs per type, so each is optional here.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TaggedResource {
    pub(crate) volume_id: Option<String>,
    pub(crate) snapshot_id: Option<String>,
    pub(crate) vpc_id: Option<String>,
    pub(crate) group_id: Option<String>,
    pub(crate) group_name: Option<String>,
    #[serde(deserialize_with = "list", default)]
    pub(crate) tag_set: Vec<Ec2Tag>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::xml::{parse, EC2_LISTS};

    #[test]
    fn describe_instances_page_decodes_reservations_and_token() {
        let xml = br#"<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <reservationSet><item><reservationId>r-1</reservationId><ownerId>123456789012</ownerId>
    <instancesSet>
      <item><instanceId>i-1</instanceId><instanceState><code>16</code><name>running</name></instanceState></item>
      <item><instanceId>i-2</instanceId></item>
    </instancesSet></item></reservationSet>
  <nextToken>tok</nextToken>
</DescribeInstancesResponse>"#;
        let (_, doc) = parse(xml, EC2_LISTS).unwrap();
        let out: DescribeInstances = decode(&doc, "DescribeInstances").unwrap();
        assert_eq!(out.next_token.as_deref(), Some("tok"));
        assert_eq!(out.reservations.len(), 1);
        assert_eq!(out.reservations[0].instances.len(), 2);
        let i: Instance = decode(&out.reservations[0].instances[0], "instance").unwrap();
        assert_eq!(i.instance_id, "i-1");
        assert_eq!(i.instance_state.unwrap().name, "running");
    }

    #[test]
    fn generic_page_reads_items_and_drops_blank_tokens() {
        let xml =
            b"<R><volumeSet><item><volumeId>vol-1</volumeId></item></volumeSet><nextToken/></R>";
        let (_, doc) = parse(xml, EC2_LISTS).unwrap();
        let (items, next) = page(&doc, "volumeSet").unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(next, None);
        let (items, _) = page(&serde_json::json!({}), "volumeSet").unwrap();
        assert!(items.is_empty());
    }
}

//! EC2 shapes (protocol `ec2`, API version 2016-11-15): lists are `…Set/item`, names are
//! lowerCamelCase, the continuation token is `nextToken`.
//!
//! Items are moved out of the parsed document, never copied: they become the records' raw
//! JSON, and the typed views below borrow their strings from them.

use serde::Deserialize;
use serde_json::Value;

use super::{decode, into_object, list, take_list, Ec2Tag};
use multicloud_core::Result;

#[derive(Deserialize)]
struct Token {
    #[serde(rename = "nextToken")]
    next_token: Option<String>,
}

/// One page of any EC2 `Describe*` listing: the raw items under `list_key`, and the token
/// (a blank one is no token).
pub(crate) fn page(doc: Value, list_key: &str) -> Result<(Vec<Value>, Option<String>)> {
    let token: Token = decode(&doc, "EC2 page")?;
    let items = take_list(&mut into_object(doc, "EC2 page")?, list_key, list_key)?;
    Ok((items, token.next_token.filter(|t| !t.trim().is_empty())))
}

/// One `DescribeInstances` page: the raw `instancesSet` items of every reservation, in
/// order, and the `nextToken` as sent.
pub(crate) fn instances(doc: Value) -> Result<(Vec<Value>, Option<String>)> {
    const WHAT: &str = "DescribeInstances";
    let token: Token = decode(&doc, WHAT)?;
    let reservations = take_list(&mut into_object(doc, WHAT)?, "reservationSet", WHAT)?;
    let mut items = Vec::new();
    for reservation in reservations {
        let mut reservation = into_object(reservation, WHAT)?;
        items.append(&mut take_list(&mut reservation, "instancesSet", WHAT)?);
    }
    Ok((items, token.next_token))
}

/// `instancesSet/item`: the fields we normalize.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Instance<'a> {
    pub(crate) instance_id: &'a str,
    #[serde(borrow)]
    pub(crate) instance_state: Option<InstanceState<'a>>,
    pub(crate) instance_type: Option<&'a str>,
    #[serde(borrow)]
    pub(crate) placement: Option<Placement<'a>>,
    pub(crate) private_ip_address: Option<&'a str>,
    pub(crate) ip_address: Option<&'a str>,
    pub(crate) ipv6_address: Option<&'a str>,
    #[serde(borrow, deserialize_with = "list", default)]
    pub(crate) network_interface_set: Vec<NetworkInterface<'a>>,
    pub(crate) platform: Option<&'a str>,
    pub(crate) platform_details: Option<&'a str>,
    pub(crate) vpc_id: Option<&'a str>,
    pub(crate) launch_time: Option<&'a str>,
    #[serde(borrow, deserialize_with = "list", default)]
    pub(crate) tag_set: Vec<Ec2Tag<'a>>,
}

/// `instanceState`.
#[derive(Debug, Deserialize)]
pub(crate) struct InstanceState<'a> {
    pub(crate) name: &'a str,
}

/// `placement`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Placement<'a> {
    pub(crate) availability_zone: Option<&'a str>,
}

/// `networkInterfaceSet/item`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NetworkInterface<'a> {
    pub(crate) private_ip_address: Option<&'a str>,
    #[serde(borrow, deserialize_with = "list", default)]
    pub(crate) private_ip_addresses_set: Vec<PrivateIp<'a>>,
    #[serde(borrow, deserialize_with = "list", default)]
    pub(crate) ipv6_addresses_set: Vec<Ipv6<'a>>,
    #[serde(borrow)]
    pub(crate) association: Option<Association<'a>>,
    #[serde(borrow)]
    pub(crate) attachment: Option<Attachment<'a>>,
}

/// `privateIpAddressesSet/item`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PrivateIp<'a> {
    pub(crate) private_ip_address: Option<&'a str>,
    #[serde(borrow)]
    pub(crate) association: Option<Association<'a>>,
}

/// `ipv6AddressesSet/item`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Ipv6<'a> {
    pub(crate) ipv6_address: Option<&'a str>,
}

/// A public IP associated with an interface or private address.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Association<'a> {
    pub(crate) public_ip: Option<&'a str>,
}

/// A network interface's attachment to the instance.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Attachment<'a> {
    pub(crate) attach_time: Option<&'a str>,
    pub(crate) device_index: Option<&'a str>,
}

/// `DescribeRegions` output.
#[derive(Debug, Deserialize)]
pub(crate) struct DescribeRegions {
    /// Required: EC2 always sends `<regionInfo>`; its absence is a decode error.
    #[serde(rename = "regionInfo", deserialize_with = "list")]
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
pub(crate) struct TaggedResource<'a> {
    pub(crate) volume_id: Option<&'a str>,
    pub(crate) snapshot_id: Option<&'a str>,
    pub(crate) vpc_id: Option<&'a str>,
    pub(crate) group_id: Option<&'a str>,
    pub(crate) group_name: Option<&'a str>,
    #[serde(borrow, deserialize_with = "list", default)]
    pub(crate) tag_set: Vec<Ec2Tag<'a>>,
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
        let (items, next) = instances(doc).unwrap();
        assert_eq!(next.as_deref(), Some("tok"));
        assert_eq!(items.len(), 2);
        let i: Instance = decode(&items[0], "instance").unwrap();
        assert_eq!(i.instance_id, "i-1");
        assert_eq!(i.instance_state.unwrap().name, "running");
        assert_eq!(items[1]["instanceId"], "i-2");
    }

    #[test]
    fn instances_are_gathered_across_reservations_and_shapes() {
        // Two reservations, one holding a single member the converter kept as an object
        // (not `item`), one with an empty `instancesSet`; a blank token is kept as sent.
        let xml = br#"<R><reservationSet>
  <item><instancesSet><member><instanceId>i-1</instanceId></member></instancesSet></item>
  <item><instancesSet/></item>
  <item><instancesSet><item><instanceId>i-2</instanceId></item></instancesSet></item>
</reservationSet><nextToken/></R>"#;
        let (_, doc) = parse(xml, EC2_LISTS).unwrap();
        let (items, next) = instances(doc).unwrap();
        let ids: Vec<&str> = items
            .iter()
            .map(|i| {
                i["member"]["instanceId"]
                    .as_str()
                    .or(i["instanceId"].as_str())
                    .unwrap()
            })
            .collect();
        assert_eq!(ids, ["i-1", "i-2"]);
        assert_eq!(next.as_deref(), Some(""));
        // No `reservationSet` at all is not an empty page: EC2 always sends the element.
        let err = instances(serde_json::json!({})).unwrap_err();
        assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode);
        let err =
            instances(serde_json::json!({"reservationSet": [{"reservationId": "r"}]})).unwrap_err();
        assert!(err.message().contains("instancesSet"), "{err}");
    }

    #[test]
    fn misshapen_pages_are_decode_errors() {
        for doc in [
            serde_json::json!(""),
            serde_json::json!({"reservationSet": "junk"}),
            serde_json::json!({"reservationSet": ["junk"]}),
            serde_json::json!({"reservationSet": [{"instancesSet": "junk"}]}),
            serde_json::json!({"nextToken": {"a": "b"}}),
        ] {
            let err = instances(doc.clone()).unwrap_err();
            assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode, "{doc}");
            assert!(!err.message().contains("junk"), "{err}");
        }
        let err = page(serde_json::json!({"volumeSet": "junk"}), "volumeSet").unwrap_err();
        assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode);
    }

    #[test]
    fn generic_page_reads_items_and_drops_blank_tokens() {
        let xml =
            b"<R><volumeSet><item><volumeId>vol-1</volumeId></item></volumeSet><nextToken/></R>";
        let (_, doc) = parse(xml, EC2_LISTS).unwrap();
        let (items, next) = page(doc, "volumeSet").unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(next, None);
        let (items, _) = page(serde_json::json!({"volumeSet": []}), "volumeSet").unwrap();
        assert!(items.is_empty());
        let err = page(serde_json::json!({"nextToken": "t"}), "volumeSet").unwrap_err();
        assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode);
        assert!(err.message().contains("volumeSet"), "{err}");
    }
}

//! XML bodies as `serde_json::Value`: one faithful conversion used both for the raw item kept
//! on every record and as the input of the typed wire structs.
//!
//! AWS XML has no type information, so the conversion follows the protocols' conventions:
//! - an element with children becomes an object keyed by the children's local names;
//! - a list wrapper (every child carries the protocol's member name, e.g. `item` for EC2,
//!   `member` for the query APIs, `Bucket` for S3) becomes an array, as does any element whose
//!   children repeat one name;
//! - a leaf becomes its (unescaped) text; EC2 `*Set` leaves are empty lists;
//! - attributes (namespaces) are dropped. Numbers and booleans stay strings, as on the wire.

use std::collections::HashMap;

use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::{Map, Value};

use multicloud_core::{Error, Result};

/// How one protocol marks list members.
#[derive(Debug, Clone, Copy)]
pub(crate) struct XmlLists {
    /// Element names that are always list members, whatever their count.
    pub(crate) members: &'static [&'static str],
}

/// EC2: every list member is `<item>`.
pub(crate) const EC2_LISTS: XmlLists = XmlLists { members: &["item"] };

/// STS, IAM and ELBv2 (query protocol): every list member is `<member>`.
pub(crate) const QUERY_LISTS: XmlLists = XmlLists {
    members: &["member"],
};

/// RDS names its list members after the member shape (`locationName` in the service model).
pub(crate) const RDS_LISTS: XmlLists = XmlLists {
    members: &[
        "member",
        "DBInstance",
        "Tag",
        "VpcSecurityGroupMembership",
        "DBSecurityGroup",
        "DBParameterGroup",
        "OptionGroupMembership",
        "Subnet",
        "ReadReplicaDBInstanceIdentifier",
        "ReadReplicaDBClusterIdentifier",
        "DBInstanceStatusInfo",
        "DomainMembership",
        "DBInstanceRole",
        "ProcessorFeature",
        "DBInstanceAutomatedBackupsReplication",
    ],
};

/// S3 `ListBuckets`: buckets are `<Bucket>`.
pub(crate) const S3_LISTS: XmlLists = XmlLists {
    members: &["Bucket"],
};

struct Node {
    name: String,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn new(name: String) -> Self {
        Node {
            name,
            text: String::new(),
            children: Vec::new(),
        }
    }
}

/// Parses `body` and returns the root element's name and its content as JSON.
pub(crate) fn parse(body: &[u8], lists: XmlLists) -> Result<(String, Value)> {
    let root = parse_tree(body)?;
    let value = to_json(&root, lists);
    Ok((root.name, value))
}

fn parse_tree(body: &[u8]) -> Result<Node> {
    let mut reader = Reader::from_reader(body);
    reader.config_mut().trim_text(true);
    // Iterative: the stack holds the open elements, so nesting depth cannot overflow ours.
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| Error::decode(format!("malformed XML: {e}")))?;
        match event {
            Event::Start(start) => {
                stack.push(Node::new(local_name(start.local_name().as_ref())));
            }
            Event::Empty(start) => {
                let node = Node::new(local_name(start.local_name().as_ref()));
                attach(&mut stack, &mut root, node)?;
            }
            Event::End(_) => {
                let node = stack
                    .pop()
                    .ok_or_else(|| Error::decode("malformed XML: unbalanced end tag"))?;
                attach(&mut stack, &mut root, node)?;
            }
            Event::Text(text) => {
                let text = text
                    .unescape()
                    .map_err(|e| Error::decode(format!("malformed XML text: {e}")))?;
                if let Some(open) = stack.last_mut() {
                    open.text.push_str(&text);
                }
            }
            Event::CData(data) => {
                if let Some(open) = stack.last_mut() {
                    open.text.push_str(&String::from_utf8_lossy(&data));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(Error::decode(
            "truncated XML: unclosed elements at end of body",
        ));
    }
    root.ok_or_else(|| Error::decode("empty XML body"))
}

fn attach(stack: &mut [Node], root: &mut Option<Node>, node: Node) -> Result<()> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None if root.is_none() => *root = Some(node),
        None => return Err(Error::decode("malformed XML: more than one root element")),
    }
    Ok(())
}

fn local_name(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).into_owned()
}

fn to_json(node: &Node, lists: XmlLists) -> Value {
    if node.children.is_empty() {
        // EC2 names every list `…Set`; an empty one is an empty list, not an empty string.
        if node.text.is_empty() && node.name.ends_with("Set") {
            return Value::Array(Vec::new());
        }
        return Value::String(node.text.clone());
    }
    let first = &node.children[0].name;
    let same_name = node.children.iter().all(|c| &c.name == first);
    let is_list = same_name && (lists.members.contains(&first.as_str()) || node.children.len() > 1);
    if is_list {
        return Value::Array(node.children.iter().map(|c| to_json(c, lists)).collect());
    }
    // Names repeated among differently named siblings keep every occurrence, in order.
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for child in &node.children {
        *counts.entry(child.name.as_str()).or_default() += 1;
    }
    let mut map = Map::new();
    for child in &node.children {
        let value = to_json(child, lists);
        if counts[child.name.as_str()] > 1 {
            let slot = map
                .entry(child.name.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = slot {
                items.push(value);
            }
        } else {
            map.insert(child.name.clone(), value);
        }
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ec2_items_become_arrays_even_when_single() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>req-1</requestId>
  <regionInfo>
    <item><regionName>us-east-1</regionName><optInStatus>opt-in-not-required</optInStatus></item>
  </regionInfo>
  <tagSet/>
</DescribeRegionsResponse>"#;
        let (root, v) = parse(xml, EC2_LISTS).unwrap();
        assert_eq!(root, "DescribeRegionsResponse");
        assert_eq!(
            v,
            json!({
                "requestId": "req-1",
                "regionInfo": [{"regionName": "us-east-1", "optInStatus": "opt-in-not-required"}],
                "tagSet": []
            })
        );
    }

    #[test]
    fn text_is_unescaped_and_cdata_kept() {
        let xml = b"<a><b>x &amp; y &lt;z&gt;</b><c><![CDATA[<raw>]]></c><d/></a>";
        let (_, v) = parse(xml, EC2_LISTS).unwrap();
        assert_eq!(v, json!({"b": "x & y <z>", "c": "<raw>", "d": ""}));
    }

    #[test]
    fn repeated_siblings_among_others_keep_every_occurrence() {
        let xml = b"<a><x>1</x><y>2</y><x>3</x><x>4</x></a>";
        let (_, v) = parse(xml, QUERY_LISTS).unwrap();
        assert_eq!(v, json!({"x": ["1", "3", "4"], "y": "2"}));
        let xml = b"<a><x>1</x><y>2</y><x>3</x></a>";
        let (_, v) = parse(xml, QUERY_LISTS).unwrap();
        assert_eq!(v, json!({"x": ["1", "3"], "y": "2"}));
    }

    #[test]
    fn a_single_list_member_inside_an_item_is_not_flattened() {
        // A tag list with one tag holding a nested list of one: both stay arrays.
        let xml = b"<r><TagList><Tag><Key>k</Key><Value>v</Value></Tag></TagList></r>";
        let (_, v) = parse(xml, RDS_LISTS).unwrap();
        assert_eq!(v, json!({"TagList": [{"Key": "k", "Value": "v"}]}));
    }

    #[test]
    fn truncated_and_garbage_bodies_are_decode_errors() {
        for body in [&b"<a><b>1</b>"[..], b"", b"<a></b>", b"<a/><b/>"] {
            let err = parse(body, EC2_LISTS).unwrap_err();
            assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode, "{body:?}");
        }
    }
}

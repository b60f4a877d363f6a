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

use std::borrow::Cow;

use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::map::Entry;
use serde_json::{Map, Value};

use multicloud_core::nesting::{too_deep, MAX_DEPTH};
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

/// Parses `body` and returns the root element's name and its content as JSON.
///
/// One pass: each element's value is built when it closes, from its text and its finished
/// children, which are moved (never copied) into the parent's object or array. A document
/// nested deeper than [`MAX_DEPTH`] is a decode error as soon as the element past the limit
/// opens, so no tree deeper than that is ever built (dropping one recurses).
pub(crate) fn parse(body: &[u8], lists: XmlLists) -> Result<(String, Value)> {
    let mut reader = Reader::from_reader(body);
    reader.config_mut().trim_text(true);
    let mut tree = Builder::new(lists);
    loop {
        let event = reader
            .read_event()
            .map_err(|e| Error::decode(format!("malformed XML: {e}")))?;
        match event {
            Event::Start(start) => tree.open(start.local_name().as_ref())?,
            Event::Empty(start) => {
                tree.open(start.local_name().as_ref())?;
                tree.close()?;
            }
            Event::End(_) => tree.close()?,
            Event::Text(text) => {
                let text = text
                    .unescape()
                    .map_err(|e| Error::decode(format!("malformed XML text: {e}")))?;
                tree.text(text);
            }
            Event::CData(data) => tree.text(String::from_utf8_lossy(&data)),
            Event::Eof => break,
            _ => {}
        }
    }
    tree.finish()
}

/// An element's local name. List members (most elements of a listing) borrow the protocol's
/// static name: their names are dropped with the list, so allocating them would be waste.
type Name = Cow<'static, str>;

/// An element whose end tag has not been read yet.
struct Open {
    name: Name,
    text: String,
    /// Where this element's children start in [`Builder::done`].
    first_child: usize,
}

/// The elements being built. Iterative (the stack holds the open elements, so nesting depth
/// cannot overflow ours), and every open element shares one buffer of finished children.
struct Builder {
    lists: XmlLists,
    open: Vec<Open>,
    done: Vec<(Name, Value)>,
    root: Option<(Name, Value)>,
}

impl Builder {
    fn new(lists: XmlLists) -> Self {
        Builder {
            lists,
            open: Vec::new(),
            done: Vec::new(),
            root: None,
        }
    }

    fn open(&mut self, raw: &[u8]) -> Result<()> {
        if self.open.len() >= MAX_DEPTH {
            return Err(too_deep("XML", MAX_DEPTH));
        }
        let name = match self.lists.members.iter().find(|m| m.as_bytes() == raw) {
            Some(member) => Cow::Borrowed(*member),
            None => Cow::Owned(match std::str::from_utf8(raw) {
                Ok(name) => name.to_owned(),
                Err(_) => String::from_utf8_lossy(raw).into_owned(),
            }),
        };
        self.open.push(Open {
            name,
            text: String::new(),
            first_child: self.done.len(),
        });
        Ok(())
    }

    fn text(&mut self, chunk: Cow<'_, str>) {
        if let Some(open) = self.open.last_mut() {
            if open.text.is_empty() {
                open.text = chunk.into_owned();
            } else {
                open.text.push_str(&chunk);
            }
        }
    }

    fn close(&mut self) -> Result<()> {
        let Open {
            name,
            text,
            first_child,
        } = self
            .open
            .pop()
            .ok_or_else(|| Error::decode("malformed XML: unbalanced end tag"))?;
        let value = element(&name, text, &mut self.done, first_child, self.lists);
        if !self.open.is_empty() {
            self.done.push((name, value));
        } else if self.root.is_none() {
            self.root = Some((name, value));
        } else {
            return Err(Error::decode("malformed XML: more than one root element"));
        }
        Ok(())
    }

    fn finish(self) -> Result<(String, Value)> {
        if !self.open.is_empty() {
            return Err(Error::decode(
                "truncated XML: unclosed elements at end of body",
            ));
        }
        let (name, value) = self.root.ok_or_else(|| Error::decode("empty XML body"))?;
        Ok((name.into_owned(), value))
    }
}

/// The value of element `name`, whose children are `done[first..]` (taken out of `done`).
fn element(
    name: &str,
    text: String,
    done: &mut Vec<(Name, Value)>,
    first: usize,
    lists: XmlLists,
) -> Value {
    let children = &done[first..];
    let Some((first_name, _)) = children.first() else {
        // EC2 names every list `…Set`; an empty one is an empty list, not an empty string.
        if text.is_empty() && name.ends_with("Set") {
            return Value::Array(Vec::new());
        }
        return Value::String(text);
    };
    let same_name = children.iter().all(|(n, _)| n == first_name);
    let is_list = same_name && (children.len() > 1 || lists.members.contains(&first_name.as_ref()));
    if is_list {
        return Value::Array(done.drain(first..).map(|(_, v)| v).collect());
    }
    // Names repeated among differently named siblings keep every occurrence, in order, as
    // an array in the first occurrence's place.
    let mut map = Map::new();
    let mut repeated: Vec<String> = Vec::new();
    for (name, value) in done.drain(first..) {
        match map.entry(name.into_owned()) {
            Entry::Vacant(slot) => {
                slot.insert(value);
            }
            Entry::Occupied(mut slot) => {
                if repeated.iter().any(|r| r == slot.key()) {
                    if let Value::Array(items) = slot.get_mut() {
                        items.push(value);
                    }
                } else {
                    repeated.push(slot.key().clone());
                    let earlier = slot.get_mut().take();
                    *slot.get_mut() = Value::Array(vec![earlier, value]);
                }
            }
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
    fn documents_convert_exactly_as_pinned() {
        use crate::wire::golden::{check, fixture};
        for (name, lists) in [
            ("describe_instances", EC2_LISTS),
            ("describe_volumes", EC2_LISTS),
            ("describe_security_groups", EC2_LISTS),
            ("describe_db_instances", RDS_LISTS),
            ("describe_load_balancers", QUERY_LISTS),
            ("list_users", QUERY_LISTS),
            ("list_buckets", S3_LISTS),
        ] {
            let doc = parse(&fixture(&format!("{name}.xml")), lists).unwrap();
            check(&format!("{name}.doc.json"), &doc);
        }
    }

    fn nested(depth: usize) -> Vec<u8> {
        format!("{}x{}", "<a>".repeat(depth), "</a>".repeat(depth)).into_bytes()
    }

    #[test]
    fn nesting_up_to_the_limit_converts_and_one_more_level_is_refused() {
        let (root, mut v) = parse(&nested(MAX_DEPTH), EC2_LISTS).unwrap();
        assert_eq!(root, "a");
        let mut levels = 1;
        while let Value::Object(mut map) = v {
            v = map.remove("a").unwrap();
            levels += 1;
        }
        assert_eq!((levels, v), (MAX_DEPTH, json!("x")));
        let err = parse(&nested(MAX_DEPTH + 1), EC2_LISTS).unwrap_err();
        assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode);
        assert!(err.message().contains("deeper than 64 levels"), "{err}");
    }

    #[test]
    fn four_thousand_levels_are_a_decode_error_not_a_stack_overflow() {
        // Closed properly, truncated, and as self-closing leaves at the bottom.
        let closed = nested(4000);
        let open_only = "<a>".repeat(4000).into_bytes();
        let empty_leaf = format!("{}<b/>{}", "<a>".repeat(4000), "</a>".repeat(4000)).into_bytes();
        for body in [closed, open_only, empty_leaf] {
            let err = parse(&body, QUERY_LISTS).unwrap_err();
            assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode);
            assert!(err.message().contains("nested deeper"), "{err}");
        }
    }

    #[test]
    fn truncated_and_garbage_bodies_are_decode_errors() {
        for body in [&b"<a><b>1</b>"[..], b"", b"<a></b>", b"<a/><b/>"] {
            let err = parse(body, EC2_LISTS).unwrap_err();
            assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode, "{body:?}");
        }
    }
}

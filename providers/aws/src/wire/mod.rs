//! Private wire types: what the AWS APIs send, decoded from the JSON form of their XML bodies
//! (see [`xml`]), plus the small helpers every shape shares.

pub(crate) mod ec2;
#[cfg(test)]
mod equivalence;
#[cfg(test)]
pub(crate) mod golden;
pub(crate) mod instances;
mod item;
pub(crate) mod query;
pub(crate) mod s3;
mod skeleton;
mod template;
pub(crate) mod xml;

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use multicloud_core::{Error, Result, Tags};

/// Decodes a typed view of `value`, naming `what` in the error.
///
/// serde quotes offending values in its messages; those are response content, so the error
/// keeps serde's description with every quoted value replaced by `"…"`.
pub(crate) fn decode<'a, T: Deserialize<'a>>(value: &'a Value, what: &str) -> Result<T> {
    T::deserialize(value).map_err(|e| {
        Error::decode(format!(
            "unexpected {what} shape: {}",
            unquote(&e.to_string())
        ))
    })
}

fn unquote(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut inside = false;
    for c in message.chars() {
        if c == '"' {
            if !inside {
                out.push_str("\"…\"");
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

/// Deserializes an XML-derived list: an array, a single object (one member the converter
/// could not recognise as a list), or an empty element (`""` / null) as an empty list.
pub(crate) fn list<'de, D, T>(deserializer: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct ListVisitor<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list, a single member or an empty element")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element()? {
                out.push(item);
            }
            Ok(out)
        }

        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> std::result::Result<Vec<T>, A::Error> {
            let one = T::deserialize(de::value::MapAccessDeserializer::new(map))?;
            Ok(vec![one])
        }

        fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Vec<T>, E> {
            if v.trim().is_empty() {
                Ok(Vec::new())
            } else {
                Err(E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }

        fn visit_unit<E: de::Error>(self) -> std::result::Result<Vec<T>, E> {
            Ok(Vec::new())
        }

        fn visit_none<E: de::Error>(self) -> std::result::Result<Vec<T>, E> {
            Ok(Vec::new())
        }
    }

    deserializer.deserialize_any(ListVisitor(PhantomData))
}

/// Moves the required list under `key` out of `object`, read as [`list`] reads it into
/// `Vec<Value>`: an array is the list, a single object is a list of one, and an empty
/// element (`<reservationSet/>`, `<Users></Users>`) is an empty list. Moving, not
/// deserializing, keeps the raw items without copying them.
///
/// A missing element is a decode error: EC2, the query APIs and S3 always send the list
/// element of a listing, empty or not, so a document without it is not the page asked for
/// and must never read as "no items" (which a sync would store as every item removed).
pub(crate) fn take_list(
    object: &mut Map<String, Value>,
    key: &str,
    what: &str,
) -> Result<Vec<Value>> {
    match object.remove(key) {
        None | Some(Value::Null) => Err(Error::decode(format!(
            "unexpected {what} shape: the required <{key}> list is missing"
        ))),
        Some(Value::Array(items)) => Ok(items),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(Vec::new()),
        Some(one @ Value::Object(_)) => Ok(vec![one]),
        Some(_) => Err(Error::decode(format!(
            "unexpected {what} shape: <{key}> is not a list, a single member or an empty element"
        ))),
    }
}

/// The object a document or list member must be, by value.
pub(crate) fn into_object(value: Value, what: &str) -> Result<Map<String, Value>> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(Error::decode(format!(
            "unexpected {what} shape: expected an element with children"
        ))),
    }
}

/// An EC2 tag (`tagSet/item`), borrowed from the item it was decoded from.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) struct Ec2Tag<'a> {
    #[serde(default)]
    pub(crate) key: &'a str,
    #[serde(default)]
    pub(crate) value: &'a str,
}

/// A query-protocol tag (`Tags/member`, RDS `TagList/Tag`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct QueryTag {
    #[serde(rename = "Key", default)]
    pub(crate) key: String,
    #[serde(rename = "Value", default)]
    pub(crate) value: String,
}

/// EC2 tags as the shared [`Tags`] map.
pub(crate) fn ec2_tags(tags: &[Ec2Tag<'_>]) -> Tags {
    // Inserted one by one (a repeated key keeps its last value, as collecting would): no
    // intermediate vector to sort.
    let mut out = Tags::new();
    for t in tags {
        out.insert(t.key.to_owned(), t.value.to_owned());
    }
    out
}

/// Query-protocol tags as the shared [`Tags`] map.
pub(crate) fn query_tags(tags: &[QueryTag]) -> Tags {
    tags.iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect()
}

/// An AWS timestamp (ISO 8601 / RFC 3339, with or without fractional seconds).
pub(crate) fn parse_time(value: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(value.trim(), &Rfc3339).ok()
}

/// A present, non-blank string.
pub(crate) fn non_empty(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Deserialize)]
    struct Holder<'a> {
        #[serde(borrow, deserialize_with = "list", default)]
        tags: Vec<Ec2Tag<'a>>,
    }

    #[test]
    fn list_accepts_arrays_single_members_and_empty_elements() {
        for (input, n) in [
            (
                json!({"tags": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]}),
                2,
            ),
            (json!({"tags": {"key": "a", "value": "1"}}), 1),
            (json!({"tags": ""}), 0),
            (json!({"tags": null}), 0),
            (json!({}), 0),
        ] {
            let h: Holder = decode(&input, "holder").unwrap();
            assert_eq!(h.tags.len(), n, "{input}");
        }
        let err = decode::<Holder>(&json!({"tags": "junk-value"}), "holder")
            .err()
            .unwrap();
        assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode);
        assert!(!err.message().contains("junk-value"), "{err}");
    }

    #[test]
    fn timestamps_parse_with_and_without_fractions() {
        let a = parse_time("2025-03-01T08:00:00.000Z").unwrap();
        let b = parse_time("2025-03-01T08:00:00Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.unix_timestamp(), 1_740_816_000);
        assert!(parse_time("yesterday").is_none());
    }
}

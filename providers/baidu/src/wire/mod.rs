//! Private BCE wire types: the error body, marker pages, and the items of each listing.
//!
//! Every document is checked to be the one asked for: a page without its list (or with a
//! `null` one) is a [`Decode`](multicloud_core::ErrorKind::Decode) error naming the action,
//! the field and the region, never an empty page.

mod items;

use multicloud_core::{Error, ProviderKind, Result};
use serde::Deserialize;
use serde_json::{Map, Value};

pub(crate) use items::{BucketList, RegionList, Tag, UserList};

/// BCE's error body.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub(crate) code: Option<String>,
    #[serde(default)]
    pub(crate) message: Option<String>,
    #[serde(default, rename = "requestId")]
    pub(crate) request_id: Option<String>,
}

/// Parses an error body; `None` when the body is not BCE's error JSON (a proxy's HTML page).
pub(crate) fn error_body(body: &[u8]) -> Option<ErrorBody> {
    serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .filter(|b| b.code.as_deref().is_some_and(|c| !c.is_empty()))
}

/// A decode error naming what was being read.
pub(crate) fn decode_error(action: &str, region: Option<&str>, what: &str) -> Error {
    let place = region.map_or_else(|| "account-wide".to_owned(), |r| format!("in region {r}"));
    Error::decode(format!("{action} {place}: {what}"))
        .with_provider(ProviderKind::Baidu)
        .with_action(action.to_owned())
}

/// Parses a JSON document of type `T`.
pub(crate) fn parse<T: for<'de> Deserialize<'de>>(
    action: &str,
    region: Option<&str>,
    body: &[u8],
) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        decode_error(
            action,
            region,
            &format!("the response is not the expected JSON ({e})"),
        )
    })
}

/// One page of a marker listing: the raw items and the marker of the next page.
#[derive(Debug)]
pub(crate) struct MarkerPage {
    /// The items, as received.
    pub(crate) items: Vec<Value>,
    /// The next page's marker; `None` on the last page.
    pub(crate) next: Option<String>,
}

/// Reads a marker page whose items are under `items_key`: `isTruncated` must be a boolean,
/// the list must be present (`null` is not a list), and a truncated page must say where
/// the next one starts.
pub(crate) fn marker_page(
    action: &str,
    region: Option<&str>,
    items_key: &str,
    body: &[u8],
) -> Result<MarkerPage> {
    let mut doc: Map<String, Value> = parse(action, region, body)?;
    let items = match doc.remove(items_key) {
        Some(Value::Array(items)) => items,
        Some(Value::Null) | None => {
            return Err(decode_error(
                action,
                region,
                &format!("the response has no `{items_key}` list"),
            ))
        }
        Some(_) => {
            return Err(decode_error(
                action,
                region,
                &format!("`{items_key}` is not a list"),
            ))
        }
    };
    let next_marker = doc
        .get("nextMarker")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty());
    let truncated = match doc.get("isTruncated") {
        Some(Value::Bool(b)) => *b,
        // Without the flag, a next marker still means there is more.
        None | Some(Value::Null) => next_marker.is_some(),
        Some(_) => {
            return Err(decode_error(
                action,
                region,
                "`isTruncated` is not a boolean",
            ));
        }
    };
    let next = if truncated {
        match next_marker {
            Some(m) => Some(m.to_owned()),
            None => {
                return Err(decode_error(
                    action,
                    region,
                    "`isTruncated` is true but `nextMarker` is missing or empty",
                ))
            }
        }
    } else {
        None
    };
    Ok(MarkerPage { items, next })
}

/// A string field of a raw item; empty strings count as absent.
pub(crate) fn str_field<'a>(item: &'a Value, field: &str) -> Option<&'a str> {
    item.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The tags of a raw item (`tags: [{tagKey, tagValue}]`), sorted by key.
pub(crate) fn tags(item: &Value) -> multicloud_core::Tags {
    item.get("tags")
        .and_then(|t| Vec::<Tag>::deserialize(t).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|t| !t.key.is_empty())
        .map(|t| (t.key, t.value.unwrap_or_default()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use multicloud_core::ErrorKind;

    #[test]
    fn a_page_needs_its_list_and_a_marker_when_truncated() {
        let ok = br#"{"marker":"","isTruncated":true,"nextMarker":"i-2","maxKeys":1,"instances":[{"id":"i-1"}]}"#;
        let page = marker_page("bcc:ListInstances", Some("bj"), "instances", ok).unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.next.as_deref(), Some("i-2"));
        let last = br#"{"isTruncated":false,"nextMarker":"","instances":[]}"#;
        let page = marker_page("bcc:ListInstances", Some("bj"), "instances", last).unwrap();
        assert!(page.items.is_empty() && page.next.is_none());
        let no_flag = br#"{"nextMarker":"i-9","instances":[]}"#;
        let page = marker_page("bcc:ListInstances", Some("bj"), "instances", no_flag).unwrap();
        assert_eq!(page.next.as_deref(), Some("i-9"));
        for bad in [
            &br#"{"isTruncated":false}"#[..],
            br#"{"isTruncated":false,"instances":null}"#,
            br#"{"isTruncated":false,"vpcs":[]}"#,
            br#"{"isTruncated":true,"nextMarker":"","instances":[]}"#,
            br#"{"isTruncated":"yes","instances":[]}"#,
            br#"<html>busy</html>"#,
            br#"{"instances":{"id":"x"}}"#,
        ] {
            let e = marker_page("bcc:ListInstances", Some("gz"), "instances", bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Decode);
            let text = e.to_string();
            assert!(
                text.contains("bcc:ListInstances") && text.contains("gz"),
                "{text}"
            );
        }
    }

    #[test]
    fn error_bodies_need_a_code() {
        let b = error_body(br#"{"requestId":"r","code":"AccessDenied","message":"no"}"#).unwrap();
        assert_eq!(b.code.as_deref(), Some("AccessDenied"));
        assert!(error_body(b"<html/>").is_none());
        assert!(error_body(br#"{"message":"x"}"#).is_none());
    }

    #[test]
    fn tags_are_read_and_sorted() {
        let item: Value =
            serde_json::json!({"tags":[{"tagKey":"z","tagValue":"1"},{"tagKey":"a"}]});
        let t = tags(&item);
        assert_eq!(t.keys().collect::<Vec<_>>(), ["a", "z"]);
        assert_eq!(t["a"], "");
    }
}

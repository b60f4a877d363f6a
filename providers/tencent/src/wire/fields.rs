//! Reading loosely typed fields of listed items: offset pages, numbers sent as strings, ids
//! sent as numbers, and the two tag shapes.

use multicloud_core::{Result, Tags};
use serde_json::Value;

use super::envelope::{decode_error, ApiResponse};

/// One offset-paged answer: the raw items and the total the server claims.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OffsetPage {
    pub(crate) items: Vec<Value>,
    pub(crate) total: Option<u64>,
}

/// Reads the required list `list_field` and `total_field` (number or numeric string) of an
/// answer to `action` in `region` (`None` for global calls).
///
/// The list must be present and an array (`[]` when there is nothing): a `Response` without
/// it, or with `null`, is not the page asked for, and reading it as "no items" would make a
/// sync report every stored item removed. None of the lists read this way (CVM `InstanceSet`,
/// CBS `DiskSet`, CLB `LoadBalancerSet`, VPC `VpcSet` / `SecurityGroupSet`, CDB `Items`,
/// Redis `InstanceSet`, CAM `ListUsers` `Data`) carries the API reference's "this field may
/// return null" note, so none is exempt; a list that does would be read with its own rule.
pub(crate) fn offset_page(
    mut resp: ApiResponse,
    action: &str,
    region: Option<&str>,
    list_field: &str,
    total_field: Option<&str>,
) -> Result<OffsetPage> {
    let total = total_field.and_then(|f| as_u64(resp.body.get(f)?));
    // Moved out, not cloned: each item becomes its record's raw JSON.
    let items = match resp.body.get_mut(list_field).map(Value::take) {
        Some(Value::Array(items)) => items,
        other => {
            let what = match other {
                None => "is missing",
                Some(Value::Null) => "is null",
                Some(_) => "is not an array",
            };
            return Err(decode_error(
                action,
                &format!("the required list {list_field} {what}{}", in_region(region)),
                resp.request_id.as_deref(),
            ));
        }
    };
    Ok(OffsetPage { items, total })
}

/// [`offset_page`] for the response-action listings (CFW block list, WAF IP access
/// control), which this change leaves as they were: an absent or null list reads as empty.
/// They list rules, not inventory (no removal is derived from them), and their lists have
/// not yet been checked against the API reference's null notes.
pub(crate) fn offset_page_lenient(
    resp: ApiResponse,
    action: &str,
    list_field: &str,
    total_field: Option<&str>,
) -> Result<OffsetPage> {
    match resp.body.get(list_field) {
        None | Some(Value::Null) => Ok(OffsetPage {
            items: Vec::new(),
            total: total_field.and_then(|f| as_u64(resp.body.get(f)?)),
        }),
        Some(_) => offset_page(resp, action, None, list_field, total_field),
    }
}

/// ` in {region}` for a regional call, nothing for a global one.
pub(crate) fn in_region(region: Option<&str>) -> String {
    region.map(|r| format!(" in {r}")).unwrap_or_default()
}

/// A required list of a typed view (`Option<Vec<T>>` that must be `Some`): a missing or
/// null list is a decode error naming `action` and `field`.
pub(crate) fn required<T>(
    list: Option<Vec<T>>,
    resp: &ApiResponse,
    action: &str,
    field: &str,
) -> Result<Vec<T>> {
    list.ok_or_else(|| {
        decode_error(
            action,
            &format!("the required list {field} is missing or null"),
            resp.request_id.as_deref(),
        )
    })
}

/// A number that may arrive as a JSON number or a numeric string (VPC APIs use strings).
pub(crate) fn as_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A string field, or a number rendered as text (ids such as CAM `Uin` are numbers).
pub(crate) fn text(item: &Value, field: &str) -> Option<String> {
    match item.get(field)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Tags from an item's tag array. Services disagree on the shape: CVM, CBS and VPC use
/// `{Key, Value}`, CLB, CDB, Redis and the tag service `{TagKey, TagValue}`.
pub(crate) fn tags(item: &Value, field: &str) -> Tags {
    let mut out = Tags::new();
    let Some(Value::Array(list)) = item.get(field) else {
        return out;
    };
    for tag in list {
        let key = text(tag, "Key").or_else(|| text(tag, "TagKey"));
        let value = text(tag, "Value")
            .or_else(|| text(tag, "TagValue"))
            .unwrap_or_default();
        if let Some(key) = key {
            out.insert(key, value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::read_response;
    #[test]
    fn offset_page_reads_items_and_string_totals() {
        let resp = read_response(
            "vpc:DescribeVpcs",
            200,
            br#"{"Response":{"TotalCount":"3","VpcSet":[{"VpcId":"vpc-1"}],"RequestId":"r"}}"#,
        )
        .unwrap();
        let page = offset_page(
            resp,
            "vpc:DescribeVpcs",
            Some("ap-guangzhou"),
            "VpcSet",
            Some("TotalCount"),
        )
        .unwrap();
        assert_eq!(page.total, Some(3));
        assert_eq!(page.items.len(), 1);
    }

    fn instances(body: &str) -> Result<OffsetPage> {
        let resp = read_response("cvm:DescribeInstances", 200, body.as_bytes())?;
        offset_page(
            resp,
            "cvm:DescribeInstances",
            Some("ap-shanghai"),
            "InstanceSet",
            Some("TotalCount"),
        )
    }

    #[test]
    fn an_empty_but_present_list_is_an_empty_page() {
        let page =
            instances(r#"{"Response":{"TotalCount":0,"InstanceSet":[],"RequestId":"r"}}"#).unwrap();
        assert!(page.items.is_empty());
        assert_eq!(page.total, Some(0));
    }

    #[test]
    fn a_missing_null_or_misshapen_list_is_a_decode_error_naming_action_field_and_region() {
        for (body, what) in [
            (r#"{"Response":{"RequestId":"rid-1"}}"#, "is missing"),
            (
                r#"{"Response":{"TotalCount":150,"RequestId":"rid-1"}}"#,
                "is missing",
            ),
            (
                r#"{"Response":{"InstanceSet":null,"RequestId":"rid-1"}}"#,
                "is null",
            ),
            (
                r#"{"Response":{"InstanceSet":{"secret":"x"},"RequestId":"rid-1"}}"#,
                "is not an array",
            ),
            // Another action's answer: its list is not the one asked for.
            (
                r#"{"Response":{"DiskSet":[],"TotalCount":0,"RequestId":"rid-1"}}"#,
                "is missing",
            ),
        ] {
            let err = instances(body).unwrap_err();
            assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode, "{body}");
            assert_eq!(err.action(), Some("cvm:DescribeInstances"));
            assert_eq!(err.request_id(), Some("rid-1"));
            let text = err.to_string();
            assert!(
                text.contains("InstanceSet") && text.contains(what),
                "{text}"
            );
            assert!(text.contains("ap-shanghai"), "{text}");
            assert!(!text.contains("secret"), "{text}");
        }
    }

    #[test]
    fn html_and_error_envelopes_in_a_200_are_typed_errors() {
        let err = instances("<!DOCTYPE html><html><body>portal-login</body></html>").unwrap_err();
        assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode);
        assert!(!err.to_string().contains("portal-login"), "{err}");
        let err = instances(
            r#"{"Response":{"Error":{"Code":"UnauthorizedOperation","Message":"no"},"RequestId":"rid-2"}}"#,
        )
        .unwrap_err();
        assert_eq!(err.kind(), multicloud_core::ErrorKind::PermissionDenied);
        assert_eq!(err.request_id(), Some("rid-2"));
    }

    #[test]
    fn tags_accept_both_shapes() {
        let a = serde_json::json!({"Tags":[{"Key":"env","Value":"prod"}]});
        let b = serde_json::json!({"TagList":[{"TagKey":"team","TagValue":"sec"}]});
        assert_eq!(
            tags(&a, "Tags").get("env").map(String::as_str),
            Some("prod")
        );
        assert_eq!(
            tags(&b, "TagList").get("team").map(String::as_str),
            Some("sec")
        );
        assert!(tags(&a, "Missing").is_empty());
    }
}

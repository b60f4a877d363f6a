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

/// Reads `list_field` (array or null) and `total_field` (number or numeric string).
pub(crate) fn offset_page(
    resp: &ApiResponse,
    action: &str,
    list_field: &str,
    total_field: Option<&str>,
) -> Result<OffsetPage> {
    let items = match resp.body.get(list_field) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => {
            return Err(decode_error(
                action,
                &format!("{list_field} is not an array"),
                resp.request_id.as_deref(),
            ))
        }
    };
    let total = total_field.and_then(|f| as_u64(resp.body.get(f)?));
    Ok(OffsetPage { items, total })
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
        let page = offset_page(&resp, "vpc:DescribeVpcs", "VpcSet", Some("TotalCount")).unwrap();
        assert_eq!(page.total, Some(3));
        assert_eq!(page.items.len(), 1);
        let null_list = read_response(
            "x",
            200,
            br#"{"Response":{"TotalCount":0,"VpcSet":null,"RequestId":"r"}}"#,
        )
        .unwrap();
        assert!(offset_page(&null_list, "x", "VpcSet", Some("TotalCount"))
            .unwrap()
            .items
            .is_empty());
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

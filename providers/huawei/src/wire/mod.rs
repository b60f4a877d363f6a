//! Private wire helpers: reading Huawei's JSON answers strictly.
//!
//! A listing must be the document asked for: a missing or `null` list, or a list that is not
//! an array, is a [`Decode`](multicloud_core::ErrorKind::Decode) error naming the action, the
//! field and the region, never an empty page. Typed shapes live in `obs.rs` (XML) and in the
//! modules that read them.

pub(crate) mod obs;

use multicloud_core::{Error, ProviderKind, Result};
use serde_json::Value;

/// A decode error naming where it happened.
pub(crate) fn decode_error(action: &str, region: Option<&str>, what: &str) -> Error {
    let place = region.map(|r| format!(" in {r}")).unwrap_or_default();
    Error::decode(format!("{action}{place}: {what}"))
        .with_provider(ProviderKind::Huawei)
        .with_action(action.to_owned())
}

/// The array at `path` (`.`-separated object keys) of `body`; an error if it is missing,
/// `null` or not an array.
pub(crate) fn list<'a>(
    body: &'a Value,
    path: &str,
    action: &str,
    region: Option<&str>,
) -> Result<&'a Vec<Value>> {
    if !body.is_object() {
        return Err(decode_error(
            action,
            region,
            "the answer is not a JSON object",
        ));
    }
    let mut v = body;
    for key in path.split('.') {
        v = v.get(key).unwrap_or(&Value::Null);
    }
    match v {
        Value::Array(items) => Ok(items),
        Value::Null => Err(decode_error(
            action,
            region,
            &format!("the answer has no {path} list (missing or null)"),
        )),
        _ => Err(decode_error(
            action,
            region,
            &format!("{path} is not a list"),
        )),
    }
}

/// A non-empty string field (numbers are written as text).
pub(crate) fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An unsigned number field, also when sent as text.
pub(crate) fn number(v: &Value, key: &str) -> Option<u64> {
    match v.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_missing_or_null_list_is_a_decode_error_naming_the_place() {
        let e = list(
            &json!({"count": 0}),
            "servers",
            "ecs:ListServersDetails",
            Some("cn-north-4"),
        )
        .unwrap_err();
        assert_eq!(e.kind(), multicloud_core::ErrorKind::Decode);
        assert!(
            e.to_string()
                .contains("ecs:ListServersDetails in cn-north-4"),
            "{e}"
        );
        assert!(e.to_string().contains("servers"), "{e}");
        assert!(list(&json!({"servers": null}), "servers", "a", None).is_err());
        assert!(list(&json!({"servers": {}}), "servers", "a", None).is_err());
        assert!(list(&json!([1]), "servers", "a", None).is_err());
        let nested = json!({"data": {"records": [1, 2]}});
        assert_eq!(list(&nested, "data.records", "a", None).unwrap().len(), 2);
    }
}

//! Private wire types: the answer envelope every CTyun API shares, and one module of item
//! shapes per product.
//!
//! A product answers `{statusCode 800|900, errorCode, error, message, description,
//! returnObj}` (`statusCode` a number or a string, HTTP 200 even on failure); the EOP gateway
//! answers its own refusals as `{statusCode "CTAPI_xxxxx", code, eopErrCode, message,
//! requestId}` with a non-2xx status. Items keep their raw JSON.

pub(crate) mod items;

use serde::de::DeserializeOwned;
use serde_json::Value;

use multicloud_core::{Error, ProviderKind, Result};

/// What an envelope says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Envelope {
    /// `statusCode` 800: the call succeeded; `returnObj` as sent (`Null` when absent).
    Success(Value),
    /// `statusCode` 900, or a `CTAPI_*` gateway refusal.
    Failure(Failure),
}

/// A refused or failed call, as the envelope tells it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Failure {
    /// `errorCode` (products) or `CTAPI_{code}` (gateway).
    pub(crate) code: Option<String>,
    /// The English `message`.
    pub(crate) message: Option<String>,
    /// The Chinese `description`.
    pub(crate) description: Option<String>,
    /// The `requestId` of a gateway refusal.
    pub(crate) request_id: Option<String>,
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads the envelope of `body`; `None` when the body is not one (not JSON, or no
/// `statusCode`).
pub(crate) fn envelope(body: &[u8]) -> Option<Envelope> {
    let mut doc: Value = serde_json::from_slice(body).ok()?;
    let obj = doc.as_object_mut()?;
    let status = text(obj.get("statusCode"))?;
    if status == "800" {
        return Some(Envelope::Success(
            obj.remove("returnObj").unwrap_or(Value::Null),
        ));
    }
    let gateway = status
        .strip_prefix("CTAPI_")
        .map(str::to_owned)
        .or_else(|| {
            // A gateway body may carry only `code` / `eopErrCode`.
            (status != "900")
                .then(|| text(obj.get("eopErrCode")).or_else(|| text(obj.get("code"))))
                .flatten()
        });
    let code = match gateway {
        Some(n) => Some(format!("CTAPI_{n}")),
        None => text(obj.get("errorCode")).or_else(|| text(obj.get("error"))),
    };
    Some(Envelope::Failure(Failure {
        code,
        message: text(obj.get("message")),
        description: text(obj.get("description")),
        request_id: text(obj.get("requestId")),
    }))
}

/// The `returnObj` of a successful answer to `action` in `region`, decoded as `T`. A body
/// that is not the envelope, a failure envelope that slipped through, or a `returnObj` of
/// another shape is a Decode error naming action and region, never an empty page.
pub(crate) fn return_obj<T: DeserializeOwned>(
    action: &str,
    region: Option<&str>,
    body: &[u8],
) -> Result<T> {
    let at = region.map(|r| format!(" in {r}")).unwrap_or_default();
    match envelope(body) {
        Some(Envelope::Success(obj)) => serde_json::from_value(obj).map_err(|e| {
            Error::decode(format!(
                "{action}{at}: returnObj is not the expected document: {e}"
            ))
            .with_provider(ProviderKind::Ctyun)
            .with_action(action.to_owned())
        }),
        Some(Envelope::Failure(f)) => Err(Error::decode(format!(
            "{action}{at}: a failure envelope (code {}) was taken for a success",
            f.code.as_deref().unwrap_or("none")
        ))
        .with_provider(ProviderKind::Ctyun)),
        None => Err(Error::decode(format!(
            "{action}{at}: the answer is not a CTyun envelope (no statusCode)"
        ))
        .with_provider(ProviderKind::Ctyun)
        .with_action(action.to_owned())),
    }
}

/// A required list: present and not null, or a Decode error naming action, field and region.
pub(crate) fn required<T>(
    action: &str,
    field: &str,
    region: Option<&str>,
    value: Option<Vec<T>>,
) -> Result<Vec<T>> {
    value.ok_or_else(|| {
        let at = region.map(|r| format!(" in {r}")).unwrap_or_default();
        Error::decode(format!(
            "{action}{at}: returnObj.{field} is missing or null; the answer is not the listing asked for"
        ))
        .with_provider(ProviderKind::Ctyun)
        .with_action(action.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use multicloud_core::ErrorKind;
    use serde_json::json;

    #[test]
    fn status_code_is_read_as_number_or_string() {
        let ok = envelope(br#"{"statusCode":800,"returnObj":{"a":1}}"#).unwrap();
        assert_eq!(ok, Envelope::Success(json!({"a": 1})));
        let ok = envelope(br#"{"statusCode":"800","returnObj":[]}"#).unwrap();
        assert_eq!(ok, Envelope::Success(json!([])));
        let failed = envelope(
            r#"{"statusCode":"900","errorCode":"CTIAM_0005","message":"No permission","description":"无权限"}"#
                .as_bytes(),
        )
        .unwrap();
        let Envelope::Failure(f) = failed else {
            panic!("a failure")
        };
        assert_eq!(f.code.as_deref(), Some("CTIAM_0005"));
        assert_eq!(f.description.as_deref(), Some("无权限"));
    }

    #[test]
    fn gateway_refusals_are_named_ctapi() {
        let gw = envelope(
            br#"{"requestId":"r1","statusCode":"CTAPI_10002","code":"10002","message":"ctyun-EOP: invalid accessKey"}"#,
        )
        .unwrap();
        let Envelope::Failure(f) = gw else {
            panic!("a failure")
        };
        assert_eq!(f.code.as_deref(), Some("CTAPI_10002"));
        assert_eq!(f.request_id.as_deref(), Some("r1"));
        assert_eq!(envelope(b"<html>busy</html>"), None);
        assert_eq!(envelope(br#"{"data":[]}"#), None);
    }

    #[test]
    fn a_wrong_document_is_a_decode_error_naming_the_action() {
        #[derive(serde::Deserialize, Debug)]
        struct Page {
            #[allow(dead_code)]
            results: Option<Vec<Value>>,
        }
        let e = return_obj::<Page>("ecs:ListInstances", Some("r1"), b"<html/>").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.to_string().contains("ecs:ListInstances in r1"), "{e}");
        let page: Page = return_obj(
            "ecs:ListInstances",
            None,
            br#"{"statusCode":800,"returnObj":{}}"#,
        )
        .unwrap();
        let e = required("ecs:ListInstances", "results", Some("r1"), page.results).unwrap_err();
        assert!(e.to_string().contains("returnObj.results"), "{e}");
    }
}

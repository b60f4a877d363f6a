//! Private serde shapes of the Tencent Cloud API 3.0 responses this crate reads.
//!
//! Every answer is `{"Response": {..., "RequestId": "..."}}`; errors put
//! `{"Error": {"Code", "Message"}}` inside `Response`, usually with HTTP 200. Listed items are
//! kept as raw [`Value`]s (so no field is lost) and read through the typed views below.

use multicloud_core::{Error, ErrorKind, ProviderKind, Result, Tags};
use serde::Deserialize;
use serde_json::Value;

use crate::codes;

/// The error object inside `Response`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApiErrorBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// The parts of `Response` every action shares.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Common {
    #[serde(default)]
    error: Option<ApiErrorBody>,
    #[serde(default)]
    request_id: Option<String>,
}

/// A successful `Response` object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiResponse {
    /// The `Response` object, fields as received.
    pub(crate) body: Value,
    /// `Response.RequestId`.
    pub(crate) request_id: Option<String>,
}

impl ApiResponse {
    /// Deserializes the `Response` object into a typed view.
    pub(crate) fn parse<T: for<'de> Deserialize<'de>>(&self, action: &str) -> Result<T> {
        T::deserialize(&self.body)
            .map_err(|e| decode_error(action, &safe_reason(&e), self.request_id.as_deref()))
    }
}

/// What went wrong in decoding, without quoting values from the body (a body may carry
/// credentials): serde's "missing field `X`" is kept, value-quoting messages are not.
fn safe_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if text.starts_with("missing field") {
        text
    } else {
        format!("{:?} error", e.classify())
    }
}

fn decode_error(action: &str, what: &str, request_id: Option<&str>) -> Error {
    let mut err = Error::decode(format!("unexpected {action} response: {what}"))
        .with_provider(ProviderKind::Tencent)
        .with_action(action);
    if let Some(id) = request_id {
        err = err.with_request_id(id);
    }
    err
}

/// Reads an API 3.0 answer: the error it carries (whatever the HTTP status), or its `Response`.
pub(crate) fn read_response(action: &str, status: u16, body: &[u8]) -> Result<ApiResponse> {
    let mut parsed: Option<Value> = serde_json::from_slice::<Value>(body).ok();
    // Taken out of the document rather than cloned: it is the whole answer.
    let response = parsed
        .as_mut()
        .and_then(|v| v.get_mut("Response"))
        .filter(|r| r.is_object())
        .map(Value::take);
    let Some(response) = response else {
        // No envelope: judge by the status alone (gateways answer 5xx/429 with other bodies).
        let kind = match status {
            429 => ErrorKind::Throttled,
            500..=599 => ErrorKind::Transient,
            _ => ErrorKind::Decode,
        };
        let what = if body.is_empty() {
            "an empty body".to_owned()
        } else {
            format!("a body without a Response object ({} bytes)", body.len())
        };
        return Err(
            Error::new(kind, format!("{action} returned HTTP {status} with {what}"))
                .with_provider(ProviderKind::Tencent)
                .with_action(action)
                .with_http_status(status),
        );
    };
    let common =
        Common::deserialize(&response).map_err(|e| decode_error(action, &safe_reason(&e), None))?;
    if let Some(err) = common.error {
        return Err(codes::api_error(
            action,
            &err.code,
            &err.message,
            common.request_id.as_deref(),
            status,
        ));
    }
    if !(200..300).contains(&status) {
        let kind = if status >= 500 {
            ErrorKind::Transient
        } else {
            ErrorKind::Service
        };
        return Err(Error::new(kind, format!("{action} returned HTTP {status}"))
            .with_provider(ProviderKind::Tencent)
            .with_action(action)
            .with_http_status(status));
    }
    Ok(ApiResponse {
        body: response,
        request_id: common.request_id,
    })
}

/// Classifies an answer the way [`read_response`] does, without building it: the transport's
/// classifier runs this on every response, and the caller then reads the body once with
/// [`read_response`]. A successful answer is only scanned for `Response.Error`; anything
/// else takes the full path, so both always agree.
pub(crate) fn check_response(action: &str, status: u16, body: &[u8]) -> Result<()> {
    #[derive(Deserialize)]
    struct Envelope {
        #[serde(rename = "Response")]
        response: Option<Common>,
    }
    match serde_json::from_slice::<Envelope>(body) {
        Ok(Envelope {
            response: Some(Common { error: None, .. }),
        }) if (200..300).contains(&status) => Ok(()),
        _ => read_response(action, status, body).map(|_| ()),
    }
}

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

/// `sts:GetCallerIdentity`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CallerIdentity {
    pub(crate) arn: String,
    pub(crate) account_id: String,
    #[serde(default)]
    pub(crate) user_id: String,
    #[serde(default)]
    pub(crate) principal_id: String,
    #[serde(default, rename = "Type")]
    pub(crate) kind: String,
}

/// `cam:GetUserAppId`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UserAppId {
    #[serde(deserialize_with = "string_or_number")]
    pub(crate) uin: String,
    #[serde(deserialize_with = "string_or_number")]
    pub(crate) owner_uin: String,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a string or number, got {other}"
        ))),
    }
}

/// One entry of `region:DescribeRegions`' `RegionSet`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RegionInfo {
    pub(crate) region: String,
    #[serde(default)]
    pub(crate) region_name: Option<String>,
    #[serde(default)]
    pub(crate) region_state: Option<String>,
}

/// `region:DescribeRegions`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RegionList {
    #[serde(default)]
    pub(crate) region_set: Option<Vec<RegionInfo>>,
}

/// The fields of a CVM `InstanceSet` item this SDK normalizes.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct CvmInstance {
    pub(crate) instance_id: String,
    pub(crate) instance_name: Option<String>,
    pub(crate) instance_state: Option<String>,
    pub(crate) instance_type: Option<String>,
    pub(crate) private_ip_addresses: Option<Vec<String>>,
    pub(crate) public_ip_addresses: Option<Vec<String>>,
    pub(crate) os_name: Option<String>,
    pub(crate) virtual_private_cloud: Option<CvmVpc>,
    pub(crate) placement: Option<CvmPlacement>,
    pub(crate) created_time: Option<String>,
}

/// `VirtualPrivateCloud` of a CVM instance.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct CvmVpc {
    pub(crate) vpc_id: Option<String>,
}

/// `Placement` of a CVM instance.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct CvmPlacement {
    pub(crate) zone: Option<String>,
}

/// `tag:GetResources`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TagResources {
    #[serde(default)]
    pub(crate) pagination_token: Option<String>,
    #[serde(default)]
    pub(crate) resource_tag_mapping_list: Option<Vec<Value>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_response_agrees_with_read_response() {
        let bodies: [(u16, &[u8]); 8] = [
            (200, br#"{"Response":{"InstanceSet":[],"RequestId":"r1"}}"#),
            (200, br#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"m"},"RequestId":"r2"}}"#),
            (200, br#"{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"m"}}}"#),
            (500, br#"{"Response":{"RequestId":"r3"}}"#),
            (200, br#"{"Response":5}"#),
            (200, br#"{"Response":{"Error":"not an object"}}"#),
            (502, b"<html>bad gateway</html>"),
            (200, b"{\"Respo"),
        ];
        for (status, body) in bodies {
            let full = read_response("cvm:DescribeInstances", status, body).map(|_| ());
            let quick = check_response("cvm:DescribeInstances", status, body);
            match (full, quick) {
                (Ok(()), Ok(())) => {}
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                (a, b) => panic!(
                    "disagree on {:?}: {a:?} vs {b:?}",
                    String::from_utf8_lossy(body)
                ),
            }
        }
    }

    #[test]
    fn an_error_in_a_200_response_is_classified_and_keeps_the_request_id() {
        let body = br#"{"Response":{"Error":{"Code":"AuthFailure.SecretIdNotFound","Message":"The SecretId is not found, please ensure that your SecretId is correct."},"RequestId":"ed93f3cb-1"}}"#;
        let err = read_response("cvm:DescribeInstances", 200, body).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidCredential);
        assert_eq!(err.code(), Some("AuthFailure.SecretIdNotFound"));
        assert_eq!(err.request_id(), Some("ed93f3cb-1"));
        assert_eq!(err.http_status(), Some(200));
    }

    #[test]
    fn throttling_code_is_retryable() {
        let body = br#"{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"slow"},"RequestId":"r"}}"#;
        let err = read_response("cvm:DescribeInstances", 200, body).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Throttled);
        assert!(err.is_retryable());
    }

    #[test]
    fn a_gateway_5xx_without_envelope_is_transient_and_garbage_is_decode() {
        let err =
            read_response("cvm:DescribeInstances", 502, b"<html>bad gateway</html>").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Transient);
        let err = read_response("cvm:DescribeInstances", 200, b"{\"Respo").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
    }

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

    #[test]
    fn caller_identity_and_app_id_parse_documented_samples() {
        let resp = read_response(
            "sts:GetCallerIdentity",
            200,
            br#"{"Response":{"Type":"CAMUser","AccountId":"1000262001","UserId":"1000261002","PrincipalId":"1000261002","Arn":"qcs::cam:1000262001:uin/1000261002","RequestId":"1c87"}}"#,
        )
        .unwrap();
        let id: CallerIdentity = resp.parse("sts:GetCallerIdentity").unwrap();
        assert_eq!(id.account_id, "1000262001");
        assert_eq!(id.kind, "CAMUser");
        let app = read_response(
            "cam:GetUserAppId",
            200,
            br#"{"Response":{"Uin":"12345678","OwnerUin":12345678,"AppId":1250000000,"RequestId":"6fd8"}}"#,
        )
        .unwrap();
        let app: UserAppId = app.parse("cam:GetUserAppId").unwrap();
        assert_eq!(app.owner_uin, "12345678");
    }
}

//! The API 3.0 envelope: every answer is `{"Response": {..., "RequestId": "..."}}`; errors put
//! `{"Error": {"Code", "Message"}}` inside `Response`, usually with HTTP 200.

use multicloud_core::nesting::{check_json_depth, MAX_DEPTH};
use multicloud_core::{Error, ErrorKind, ProviderKind, Result};
use serde::Deserialize;
use serde_json::Value;

use crate::errors;

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

pub(super) fn decode_error(action: &str, what: &str, request_id: Option<&str>) -> Error {
    let mut err = Error::decode(format!("unexpected {action} response: {what}"))
        .with_provider(ProviderKind::Tencent)
        .with_action(action);
    if let Some(id) = request_id {
        err = err.with_request_id(id);
    }
    err
}

/// Reads an API 3.0 answer: the error it carries (whatever the HTTP status), or its `Response`.
///
/// A body nested deeper than [`MAX_DEPTH`] is never parsed: it reads as a body without an
/// envelope, a decode error unless its status says throttled or transient.
pub(crate) fn read_response(action: &str, status: u16, body: &[u8]) -> Result<ApiResponse> {
    let too_deep = check_json_depth(body, MAX_DEPTH).is_err();
    let mut parsed: Option<Value> = match too_deep {
        true => None,
        false => serde_json::from_slice::<Value>(body).ok(),
    };
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
        } else if too_deep {
            format!("a body nested deeper than {MAX_DEPTH} levels")
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
        return Err(errors::api_error(
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
    if check_json_depth(body, MAX_DEPTH).is_err() {
        return read_response(action, status, body).map(|_| ());
    }
    match serde_json::from_slice::<Envelope>(body) {
        Ok(Envelope {
            response: Some(Common { error: None, .. }),
        }) if (200..300).contains(&status) => Ok(()),
        _ => read_response(action, status, body).map(|_| ()),
    }
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
    fn a_body_nested_four_thousand_deep_is_a_decode_error_naming_the_limit() {
        let deep = format!(
            r#"{{"Response":{{"InstanceSet":{}{}}}}}"#,
            "[".repeat(4000),
            "]".repeat(4000)
        );
        for check in [true, false] {
            let err = match check {
                true => check_response("cvm:DescribeInstances", 200, deep.as_bytes()),
                false => read_response("cvm:DescribeInstances", 200, deep.as_bytes()).map(|_| ()),
            }
            .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Decode);
            assert!(err.message().contains("deeper than 64 levels"), "{err}");
        }
        // A gateway's 503 keeps its retryable kind whatever its body.
        let err = read_response("cvm:DescribeInstances", 503, deep.as_bytes()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Transient);
        // Real depth passes: the envelope and a nested list are a handful of levels.
        let ok = br#"{"Response":{"InstanceSet":[{"Tags":[{"Key":"k"}]}],"RequestId":"r"}}"#;
        assert!(read_response("cvm:DescribeInstances", 200, ok).is_ok());
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
}

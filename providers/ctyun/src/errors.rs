//! CTyun's error codes → [`ErrorKind`], and the classifier that reads them from the envelope
//! whatever the HTTP status.
//!
//! The envelope decides first (a `statusCode` 900 under HTTP 200 is a failure), then the
//! code table, then words of the message that say a key is disabled or expired, then the
//! HTTP status. Messages keep the product's English `message` and its Chinese `description`
//! side by side.

use http::HeaderMap;
use multicloud_core::transport::{status_error, CallInfo, HttpResponse, ResponseClassifier};
use multicloud_core::{Error, ErrorKind, ProviderKind, Result};

use crate::wire::{self, Envelope, Failure};

/// The gateway's "this AccessKey is not accepted" (unknown, deleted, or — the gateway uses one
/// code for them — disabled).
pub(crate) const INVALID_AK: &str = "CTAPI_10002";
/// The gateway's "signature verification failed" (wrong secret, or `Eop-date` too far from
/// its clock).
pub(crate) const BAD_SIGNATURE: &str = "CTAPI_10009";

/// `(code, kind, reason)`: a user-facing reason per code.
const CODES: &[(&str, ErrorKind, &str)] = &[
    (
        INVALID_AK,
        ErrorKind::InvalidCredential,
        "the EOP gateway does not accept this AccessKey",
    ),
    (
        BAD_SIGNATURE,
        ErrorKind::InvalidCredential,
        "the EOP gateway refused the signature: wrong SecurityKey, or a host clock more than 15 minutes off",
    ),
    (
        "CTAPI_10429",
        ErrorKind::Throttled,
        "the EOP gateway's flow control refused the call",
    ),
    (
        "CTAPI_10404",
        ErrorKind::NotFound,
        "the EOP gateway knows no such API",
    ),
    (
        "CTIAM_0005",
        ErrorKind::PermissionDenied,
        "the key's policies do not grant this call",
    ),
    (
        "CTIAM_1044",
        ErrorKind::PermissionDenied,
        "the key's user holds no privilege for this call",
    ),
    (
        "Openapi.RegionInfo.AccessFailed",
        ErrorKind::WrongDomainOrRegion,
        "the resource pool does not exist for this account or cannot be driven by the API",
    ),
    (
        "Openapi.Parameter.Error",
        ErrorKind::Service,
        "the product refused a parameter",
    ),
    (
        "Openapi.Service.Error",
        ErrorKind::Transient,
        "the product failed internally",
    ),
];

/// Words of a message that say the key or account is switched off: disabled, expired,
/// frozen, or in arrears.
const DISABLED_WORDS: &[&str] = &[
    "disabled", "expired", "frozen", "禁用", "停用", "过期", "冻结", "欠费",
];

/// The kind and reason of `code`, when it is in the table.
pub(crate) fn kind_for_code(code: &str) -> Option<(ErrorKind, &'static str)> {
    CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, kind, reason)| (*kind, *reason))
}

/// The error a failure envelope of `call` means.
pub(crate) fn failure_error(call: &CallInfo, http_status: u16, f: &Failure) -> Error {
    let said = [f.message.as_deref(), f.description.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" / ");
    let lower = said.to_lowercase();
    let switched_off = DISABLED_WORDS.iter().any(|w| lower.contains(w));
    let (kind, reason) = match f.code.as_deref().and_then(kind_for_code) {
        // Disabled and unknown keys share the gateway's code; a message that says which wins.
        Some((ErrorKind::InvalidCredential, _)) | None if switched_off => (
            ErrorKind::CredentialDisabled,
            "the AccessKey or its account is disabled, expired or frozen",
        ),
        Some(known) => known,
        None => (
            match multicloud_core::transport::kind_for_status(
                http::StatusCode::from_u16(http_status).unwrap_or(http::StatusCode::OK),
            ) {
                Some(kind) => kind,
                None => ErrorKind::Service,
            },
            "the product refused the call",
        ),
    };
    let message = if said.is_empty() {
        reason.to_owned()
    } else {
        format!("{reason}: {said}")
    };
    let mut error = Error::new(kind, message)
        .with_provider(ProviderKind::Ctyun)
        .with_action(call.api.clone())
        .with_http_status(http_status);
    if let Some(code) = &f.code {
        error = error.with_code(code.clone());
    }
    if let Some(id) = &f.request_id {
        error = error.with_request_id(id.clone());
    }
    error
}

/// The request id of a response: the usual headers, then the trace id CTyun products send.
pub(crate) fn response_request_id(headers: &HeaderMap) -> Option<String> {
    multicloud_core::transport::request_id(headers)
        .or_else(|| headers.get("x-trace-id").and_then(|v| v.to_str().ok()))
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}

/// Classifies CTyun answers from the envelope, whatever the HTTP status; a body without one
/// is judged by its status (a 2xx then fails to decode, naming the action).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CtyunClassifier;

impl ResponseClassifier for CtyunClassifier {
    fn classify(&self, call: &CallInfo, response: &HttpResponse) -> Result<()> {
        let status = response.status.as_u16();
        match wire::envelope(&response.body) {
            Some(Envelope::Success(_)) if response.is_success() => Ok(()),
            Some(Envelope::Failure(mut f)) => {
                if f.request_id.is_none() {
                    f.request_id = response_request_id(&response.headers);
                }
                Err(failure_error(call, status, &f))
            }
            _ if response.is_success() => Ok(()),
            _ => {
                let mut e = status_error(call, response);
                if e.request_id().is_none() {
                    if let Some(id) = response_request_id(&response.headers) {
                        e = e.with_request_id(id);
                    }
                }
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    fn classify(status: u16, body: &str) -> Result<()> {
        let call = CallInfo::read_only(ProviderKind::Ctyun, "kafka:QueryInstances");
        let mut headers = HeaderMap::new();
        headers.insert("x-trace-id", "trace-1".parse().unwrap());
        let response = HttpResponse::new(
            StatusCode::from_u16(status).unwrap(),
            headers,
            body.to_owned(),
        );
        CtyunClassifier.classify(&call, &response)
    }

    #[test]
    fn a_900_under_http_200_is_a_failure_with_both_languages() {
        let e = classify(
            200,
            r#"{"statusCode":900,"errorCode":"CTIAM_0005","message":"No permission to perform this operation.","description":"无权限，请联系管理员授权","returnObj":null}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PermissionDenied);
        assert_eq!(e.code(), Some("CTIAM_0005"));
        assert_eq!(e.action(), Some("kafka:QueryInstances"));
        assert_eq!(e.request_id(), Some("trace-1"));
        let shown = e.to_string();
        assert!(
            shown.contains("No permission") && shown.contains("无权限"),
            "{shown}"
        );
        // A string statusCode is read the same way.
        let e = classify(
            200,
            r#"{"statusCode":"900","errorCode":"Openapi.RegionInfo.AccessFailed","message":"m","description":"d"}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WrongDomainOrRegion);
        assert!(classify(200, r#"{"statusCode":"800","returnObj":{}}"#).is_ok());
    }

    #[test]
    fn gateway_refusals_map_by_code_and_words() {
        let unknown = classify(
            401,
            r#"{"requestId":"gw-1","statusCode":"CTAPI_10002","code":"10002","message":"ctyun-EOP: invalid accessKey"}"#,
        )
        .unwrap_err();
        assert_eq!(unknown.kind(), ErrorKind::InvalidCredential);
        assert_eq!(unknown.code(), Some(INVALID_AK));
        assert_eq!(unknown.request_id(), Some("gw-1"));
        let disabled = classify(
            401,
            r#"{"statusCode":"CTAPI_10002","message":"ctyun-EOP: accessKey is disabled"}"#,
        )
        .unwrap_err();
        assert_eq!(disabled.kind(), ErrorKind::CredentialDisabled);
        let signature = classify(401, r#"{"statusCode":"CTAPI_10009","message":"x"}"#).unwrap_err();
        assert_eq!(signature.kind(), ErrorKind::InvalidCredential);
        let throttled = classify(429, r#"{"statusCode":"CTAPI_10429","message":"x"}"#).unwrap_err();
        assert!(throttled.is_retryable());
        let busy = classify(
            500,
            r#"{"statusCode":900,"errorCode":"Openapi.Service.Error"}"#,
        )
        .unwrap_err();
        assert_eq!(busy.kind(), ErrorKind::Transient);
    }

    #[test]
    fn bodies_without_an_envelope_go_by_status() {
        assert_eq!(
            classify(503, "<html>busy</html>").unwrap_err().kind(),
            ErrorKind::Transient
        );
        // A 200 that is not an envelope passes here and fails to decode, naming the action.
        assert!(classify(200, "<html/>").is_ok());
        let unknown =
            classify(200, r#"{"statusCode":900,"errorCode":"X.Y","message":"m"}"#).unwrap_err();
        assert_eq!(unknown.kind(), ErrorKind::Service);
    }
}

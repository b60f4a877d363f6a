//! Huawei Cloud's error codes → [`ErrorKind`], with a sentence a user can act on.
//!
//! Every Huawei API is fronted by the API gateway (APIG), whose refusals come as
//! `{"error_code": "APIGW.xxxx", "error_msg": "...", "request_id": "..."}`; behind it, IAM
//! answers Keystone-style `{"error": {"code": 403, "message", "title"}}` and ECS
//! `{"error": {"code": "Ecs.0319", "message"}}`. The official SDK reads `error_code` /
//! `error_msg` first, then `code` / `message` one level down, then `X-Request-Id`; so does
//! [`classify`].
//!
//! `APIGW.0301` ("Incorrect IAM authentication information") covers several causes that need
//! different fixes; [`AuthRefusal`] tells them apart by the gateway's message. None is ever
//! retried: Huawei locks an AccessKey for five minutes after more than five consecutive
//! failed authentications.

use std::fmt;

use http::StatusCode;
use multicloud_core::transport::{request_id, CallInfo, HttpResponse};
use multicloud_core::{Error, ErrorKind, ProviderKind, Result};
use serde_json::Value;

/// The gateway's authentication refusal.
pub(crate) const AUTH_FAILED: &str = "APIGW.0301";

/// Why the gateway refused a key with `APIGW.0301`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthRefusal {
    /// "verify aksk signature fail": the secret does not match the key id (or the request
    /// time is more than 15 minutes off the gateway's clock).
    WrongSecret,
    /// "ak … not exist": the AccessKey id is unknown (deleted, mistyped, other site).
    UnknownKey,
    /// "AK access failed to reach the limit, forbidden": locked for five minutes after more
    /// than five consecutive failures.
    Locked,
    /// The account is frozen or in arrears, or the key is disabled ("Unauthorized").
    Frozen,
    /// Another `APIGW.0301` message (token auth, missing header).
    Other,
}

impl AuthRefusal {
    /// The variant a gateway message names.
    pub(crate) fn from_message(message: &str) -> Self {
        let m = message.to_ascii_lowercase();
        if m.contains("reach the limit") || m.contains("forbidden") {
            AuthRefusal::Locked
        } else if m.contains("not exist") {
            AuthRefusal::UnknownKey
        } else if m.contains("signature") {
            AuthRefusal::WrongSecret
        } else if m.contains("frozen")
            || m.contains("arrears")
            || m.contains("disabled")
            || m.contains("inactive")
            || m.trim_end_matches(['.', ' ']).ends_with("unauthorized")
        {
            AuthRefusal::Frozen
        } else {
            AuthRefusal::Other
        }
    }

    /// The error kind: a disabled, frozen or locked key exists but cannot be used.
    pub(crate) fn kind(self) -> ErrorKind {
        match self {
            AuthRefusal::Locked | AuthRefusal::Frozen => ErrorKind::CredentialDisabled,
            AuthRefusal::WrongSecret | AuthRefusal::UnknownKey | AuthRefusal::Other => {
                ErrorKind::InvalidCredential
            }
        }
    }

    /// What the user should do.
    pub(crate) fn diagnosis(self) -> &'static str {
        match self {
            AuthRefusal::WrongSecret => {
                "the SecretKey does not match this AccessKey id (or this machine's clock is more \
                 than 15 minutes off): paste the SecretKey again and check NTP"
            }
            AuthRefusal::UnknownKey => {
                "this AccessKey id does not exist: it was deleted or mistyped; create a new \
                 AccessKey under My Credentials > Access Keys"
            }
            AuthRefusal::Locked => {
                "this AccessKey is locked for 5 minutes after more than five failed \
                 authentications in a row: fix the SecretKey, then wait 5 minutes before \
                 trying again (each new attempt during the lock extends nothing but fails)"
            }
            AuthRefusal::Frozen => {
                "the AccessKey is disabled, or the account is frozen or in arrears: enable \
                 the key in IAM, or settle the account's billing"
            }
            AuthRefusal::Other => {
                "Huawei Cloud refused the credential: check the AccessKey id and SecretKey"
            }
        }
    }
}

impl fmt::Display for AuthRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthRefusal::WrongSecret => "wrong secret",
            AuthRefusal::UnknownKey => "unknown key",
            AuthRefusal::Locked => "key locked",
            AuthRefusal::Frozen => "key disabled or account frozen",
            AuthRefusal::Other => "credential refused",
        })
    }
}

/// The error fields of a Huawei error body.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ErrorBody {
    pub(crate) code: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) request_id: Option<String>,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads `error_code`/`error_msg`, else `code`/`message` one level down (`error.code`), as
/// the SDK does. `None` when the body is not a JSON error.
pub(crate) fn parse_body(body: &[u8]) -> Option<ErrorBody> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let obj = v.as_object()?;
    let mut out = ErrorBody {
        code: obj.get("error_code").and_then(text),
        message: obj.get("error_msg").and_then(text),
        request_id: obj.get("request_id").and_then(text),
    };
    if out.code.is_none() {
        let nested = obj
            .values()
            .filter_map(Value::as_object)
            .find(|o| o.contains_key("code"));
        if let Some(inner) = nested {
            out.code = inner.get("code").and_then(text);
            out.message = out.message.or_else(|| inner.get("message").and_then(text));
        } else {
            out.code = obj.get("code").and_then(text);
            out.message = out.message.or_else(|| obj.get("message").and_then(text));
        }
    }
    (out.code.is_some() || out.message.is_some()).then_some(out)
}

/// The kind a Huawei code means, given the HTTP status it came with.
pub(crate) fn kind_of(code: &str, status: u16, message: &str) -> ErrorKind {
    match code {
        AUTH_FAILED => AuthRefusal::from_message(message).kind(),
        // The user is blocked by the API's black/white list, API access denied, IP not allowed.
        "APIGW.0302" | "APIGW.0306" | "APIGW.0402" => ErrorKind::PermissionDenied,
        // Wrong host, region or path.
        "APIGW.0101" => ErrorKind::WrongDomainOrRegion,
        "APIGW.0308" | "APIG.0308" => ErrorKind::Throttled,
        "APIGW.0303" => ErrorKind::InvalidCredential,
        _ => match status {
            401 => ErrorKind::InvalidCredential,
            403 => ErrorKind::PermissionDenied,
            404 => ErrorKind::NotFound,
            408 => ErrorKind::Transient,
            429 => ErrorKind::Throttled,
            501 => ErrorKind::Service,
            500..=599 => ErrorKind::Transient,
            _ => ErrorKind::Service,
        },
    }
}

/// A sentence to put before the provider's message, per kind.
fn advice(kind: ErrorKind, code: &str, message: &str) -> String {
    match kind {
        ErrorKind::InvalidCredential | ErrorKind::CredentialDisabled if code == AUTH_FAILED => {
            let refusal = AuthRefusal::from_message(message);
            format!("{refusal}: {}", refusal.diagnosis())
        }
        ErrorKind::PermissionDenied => {
            "the key's IAM policies do not allow this call (grants are per region project: \
             check the policy covers this region)"
                .to_owned()
        }
        ErrorKind::WrongDomainOrRegion => {
            "the API does not exist at this host: the service is not offered in this region, \
             or the endpoint is wrong"
                .to_owned()
        }
        ErrorKind::Throttled => "Huawei Cloud throttled the call".to_owned(),
        ErrorKind::Transient => "Huawei Cloud failed to serve the call".to_owned(),
        _ => "Huawei Cloud refused the call".to_owned(),
    }
}

/// Classifies one response: 2xx is a success; anything else is an error with the code,
/// message and request id the body or headers carry.
pub(crate) fn classify(call: &CallInfo, response: &HttpResponse) -> Result<()> {
    if response.is_success() {
        return Ok(());
    }
    Err(error_from(
        &call.api,
        response.status,
        &response.body,
        request_id(&response.headers),
    ))
}

/// The error a failed response carries.
pub(crate) fn error_from(
    api: &str,
    status: StatusCode,
    body: &[u8],
    header_request_id: Option<&str>,
) -> Error {
    let parsed = parse_body(body).unwrap_or_default();
    let code = parsed.code.clone().unwrap_or_default();
    let message = parsed.message.clone().unwrap_or_default();
    let kind = kind_of(&code, status.as_u16(), &message);
    let mut text = advice(kind, &code, &message);
    if !message.is_empty() {
        text.push_str(&format!(" (Huawei Cloud said: {message})"));
    } else {
        text.push_str(&format!(" (HTTP {status})"));
    }
    let mut error = Error::new(kind, text)
        .with_provider(ProviderKind::Huawei)
        .with_action(api.to_owned())
        .with_http_status(status.as_u16());
    if !code.is_empty() {
        error = error.with_code(code);
    }
    if let Some(id) = parsed.request_id.as_deref().or(header_request_id) {
        error = error.with_request_id(id);
    }
    error
}

/// The refusal variant of an `APIGW.0301` error, when it is one.
pub(crate) fn refusal_of(error: &Error) -> Option<AuthRefusal> {
    if error.code() != Some(AUTH_FAILED) {
        return None;
    }
    let message = error.message();
    let said = message
        .split_once("(Huawei Cloud said: ")
        .map_or(message, |(_, m)| m.strip_suffix(')').unwrap_or(m));
    Some(AuthRefusal::from_message(said))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    fn response(status: u16, body: &str) -> HttpResponse {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", "hdr-1".parse().unwrap());
        HttpResponse::new(
            StatusCode::from_u16(status).unwrap(),
            headers,
            body.to_owned(),
        )
    }

    fn err(status: u16, body: &str) -> Error {
        let call = CallInfo::read_only(ProviderKind::Huawei, "ecs:ListServersDetails");
        classify(&call, &response(status, body)).unwrap_err()
    }

    #[test]
    fn the_four_auth_refusals_are_told_apart() {
        let cases = [
            (
                "Incorrect IAM authentication information: verify aksk signature fail",
                AuthRefusal::WrongSecret,
                ErrorKind::InvalidCredential,
            ),
            (
                "Incorrect IAM authentication information: Get secretKey failed,ak:HW1,err:ak not exist",
                AuthRefusal::UnknownKey,
                ErrorKind::InvalidCredential,
            ),
            (
                "Incorrect IAM authentication information: AK access failed to reach the limit,forbidden.",
                AuthRefusal::Locked,
                ErrorKind::CredentialDisabled,
            ),
            (
                "Incorrect IAM authentication information: Unauthorized",
                AuthRefusal::Frozen,
                ErrorKind::CredentialDisabled,
            ),
            (
                "Incorrect IAM authentication information: the account is frozen",
                AuthRefusal::Frozen,
                ErrorKind::CredentialDisabled,
            ),
        ];
        for (msg, refusal, kind) in cases {
            let body =
                format!(r#"{{"error_code":"APIGW.0301","error_msg":"{msg}","request_id":"r1"}}"#);
            let e = err(401, &body);
            assert_eq!(e.kind(), kind, "{msg}");
            assert_eq!(refusal_of(&e), Some(refusal), "{msg}");
            assert!(e.is_auth_failure());
            assert!(!e.is_retryable());
            assert_eq!(e.code(), Some("APIGW.0301"));
            assert_eq!(e.request_id(), Some("r1"));
            assert!(e.to_string().contains(refusal.diagnosis()), "{e}");
        }
    }

    #[test]
    fn service_shapes_map_by_code_then_status() {
        let ecs = err(
            403,
            r#"{"error":{"code":"Ecs.0319","message":"Policy doesn't allow ecs:cloudServers:list to be performed."}}"#,
        );
        assert_eq!(ecs.kind(), ErrorKind::PermissionDenied);
        assert_eq!(ecs.code(), Some("Ecs.0319"));
        assert_eq!(ecs.action(), Some("ecs:ListServersDetails"));
        assert_eq!(ecs.request_id(), Some("hdr-1"));
        let keystone = err(
            403,
            r#"{"error":{"code":403,"message":"Policy doesn't allow x","title":"Forbidden"}}"#,
        );
        assert_eq!(keystone.kind(), ErrorKind::PermissionDenied);
        assert_eq!(keystone.code(), Some("403"));
        let throttled = err(
            429,
            r#"{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached"}"#,
        );
        assert_eq!(throttled.kind(), ErrorKind::Throttled);
        assert_eq!(
            err(
                404,
                r#"{"error_code":"APIGW.0101","error_msg":"The API does not exist"}"#
            )
            .kind(),
            ErrorKind::WrongDomainOrRegion
        );
        assert_eq!(
            err(
                502,
                r#"{"error_code":"APIGW.0201","error_msg":"Backend unavailable"}"#
            )
            .kind(),
            ErrorKind::Transient
        );
        assert_eq!(err(503, "<html>busy</html>").kind(), ErrorKind::Transient);
        assert_eq!(
            err(400, r#"{"error_code":"CFW.00200005","error_msg":"bad"}"#).kind(),
            ErrorKind::Service
        );
        assert_eq!(refusal_of(&throttled), None);
    }
}

//! Tencent Cloud API 3.0 error codes → [`ErrorKind`], in one table with a reason per code.
//!
//! API 3.0 answers errors with HTTP 200 and `Response.Error.Code`; the code, never the status,
//! says what went wrong. Sources: the common error codes of the API 3.0 docs and the SDKs'
//! `errorcodes` modules (see providers.md §3.a); for COS, its XML API error-code page.

use multicloud_core::transport::kind_for_status;
use multicloud_core::{Error, ErrorKind, ProviderKind};

/// How a code is matched: exactly, or as the head of a dotted family (`RequestLimitExceeded.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    Exact,
    Family,
}

/// One row: the code, how it matches, its kind, and what it means for the user.
struct Row {
    code: &'static str,
    how: Match,
    kind: ErrorKind,
    reason: &'static str,
}

const fn row(code: &'static str, how: Match, kind: ErrorKind, reason: &'static str) -> Row {
    Row {
        code,
        how,
        kind,
        reason,
    }
}

use ErrorKind as K;
use Match::{Exact, Family};

/// The code table. Exact rows win over family rows; among families the longest wins.
const TABLE: &[Row] = &[
    row("AuthFailure.SecretIdNotFound", Exact, K::InvalidCredential,
        "the SecretId is unknown, or it was deleted or disabled: Tencent Cloud reports an unknown and a disabled key with this same code"),
    row("AuthFailure.InvalidSecretId", Exact, K::InvalidCredential,
        "the SecretId is not a valid API key id (wrong key type or a typo)"),
    row("AuthFailure.SignatureFailure", Exact, K::InvalidCredential,
        "the signature does not match: the SecretKey is wrong for this SecretId"),
    row("AuthFailure.SignatureExpire", Exact, K::ClockSkew,
        "the request timestamp is more than 5 minutes away from the server's clock: synchronise the host clock (NTP)"),
    row("AuthFailure.InvalidAuthorization", Exact, K::InvalidCredential,
        "the Authorization header is malformed"),
    row("AuthFailure.TokenFailure", Exact, K::CredentialDisabled,
        "the session token is invalid or has expired: fetch new temporary credentials"),
    row("AuthFailure.MFAFailure", Exact, K::PermissionDenied,
        "the account requires MFA for this operation"),
    row("AuthFailure.UnauthorizedOperation", Exact, K::PermissionDenied,
        "CAM does not allow this key to call the action: grant the policy the verify report names"),
    row("AuthFailure", Family, K::InvalidCredential,
        "authentication failed"),
    row("UnauthorizedOperation", Family, K::PermissionDenied,
        "CAM does not allow this key to call the action: grant the policy the verify report names"),
    row("OperationDenied", Family, K::PermissionDenied,
        "the operation was denied for this account"),
    row("IpInBlacklist", Exact, K::PermissionDenied,
        "the caller's IP address is on the account's API blacklist"),
    row("IpNotInWhitelist", Exact, K::PermissionDenied,
        "the caller's IP address is not on the account's API whitelist"),
    row("RequestLimitExceeded", Family, K::Throttled,
        "the API's request-rate limit was exceeded; retried with backoff"),
    row("InternalError", Family, K::Transient,
        "an internal error on Tencent Cloud's side; retried"),
    row("ServiceUnavailable", Family, K::Transient,
        "the service is temporarily unavailable; retried"),
    row("UnsupportedRegion", Family, K::WrongDomainOrRegion,
        "the service is not offered in this region"),
    row("InvalidRegion", Family, K::WrongDomainOrRegion,
        "the region is unknown to this service"),
    row("InvalidAction", Exact, K::Config,
        "the action does not exist on this endpoint (wrong service host or domain)"),
    row("NoSuchVersion", Exact, K::Config,
        "the API version does not exist for this service"),
    row("NoSuchProduct", Exact, K::Config,
        "the service does not exist on this endpoint"),
    row("ActionOffline", Exact, K::Config,
        "the action has been retired by Tencent Cloud"),
    row("ResourceNotFound", Family, K::NotFound,
        "the resource does not exist"),
    row("MissingParameter", Family, K::Service,
        "a required parameter is missing"),
    row("InvalidParameter", Family, K::Service,
        "a parameter is invalid"),
    row("InvalidParameterValue", Family, K::Service,
        "a parameter value is invalid"),
    row("UnknownParameter", Family, K::Service,
        "the request carries a parameter the action does not know"),
    row("LimitExceeded", Family, K::Service,
        "a quota of the account was reached"),
    row("RequestSizeLimitExceeded", Exact, K::Service,
        "the request body is too large"),
    row("UnsupportedOperation", Family, K::Service,
        "the operation is not supported in the resource's current state"),
    row("FailedOperation", Family, K::Service,
        "the operation failed"),
    row("ResourceUnavailable", Family, K::Service,
        "the resource is not available"),
    row("ResourceInUse", Family, K::Service,
        "the resource is in use"),
    // COS (XML API) codes, sent in an `<Error>` document with a 4xx/5xx status.
    row("AccessDenied", Exact, K::PermissionDenied,
        "COS denied the request: CAM does not allow this key the COS action (e.g. cos:GetService), or the signature's validity window has passed"),
    row("SignatureDoesNotMatch", Exact, K::InvalidCredential,
        "the COS signature does not match: the SecretKey is wrong for this SecretId"),
    row("InvalidAccessKeyId", Exact, K::InvalidCredential,
        "COS does not know this SecretId: it is mistyped, deleted or disabled"),
    row("RequestTimeTooSkewed", Exact, K::ClockSkew,
        "the request time is too far from COS's clock: synchronise the host clock (NTP)"),
    row("SlowDown", Exact, K::Throttled,
        "COS asks to reduce the request rate; retried with backoff"),
];

const UNKNOWN_REASON: &str = "Tencent Cloud refused the request";

fn lookup(code: &str) -> Option<&'static Row> {
    if let Some(exact) = TABLE.iter().find(|r| r.how == Exact && r.code == code) {
        return Some(exact);
    }
    TABLE
        .iter()
        .filter(|r| {
            r.how == Family
                && (code == r.code
                    || code
                        .strip_prefix(r.code)
                        .is_some_and(|rest| rest.starts_with('.')))
        })
        .max_by_key(|r| r.code.len())
}

/// The kind of a Tencent Cloud error code.
pub(crate) fn kind_of(code: &str) -> ErrorKind {
    lookup(code).map_or(ErrorKind::Service, |r| r.kind)
}

/// The one-line reason for a code, for messages and diagnoses.
pub(crate) fn reason_of(code: &str) -> &'static str {
    lookup(code).map_or(UNKNOWN_REASON, |r| r.reason)
}

/// Builds the SDK error for an API 3.0 error response.
pub(crate) fn api_error(
    action: &str,
    code: &str,
    message: &str,
    request_id: Option<&str>,
    http_status: u16,
) -> Error {
    error_of_kind(
        kind_of(code),
        action,
        code,
        message,
        request_id,
        http_status,
    )
}

/// Builds the SDK error for a COS XML `<Error>`: a code the table knows decides the kind,
/// otherwise the HTTP status does (COS, unlike API 3.0, reports errors with their status).
pub(crate) fn xml_error(
    action: &str,
    code: &str,
    message: &str,
    request_id: Option<&str>,
    http_status: u16,
) -> Error {
    let by_status = || {
        http::StatusCode::from_u16(http_status)
            .ok()
            .and_then(kind_for_status)
            .unwrap_or(ErrorKind::Service)
    };
    let kind = lookup(code).map_or_else(by_status, |r| r.kind);
    error_of_kind(kind, action, code, message, request_id, http_status)
}

fn error_of_kind(
    kind: ErrorKind,
    action: &str,
    code: &str,
    message: &str,
    request_id: Option<&str>,
    http_status: u16,
) -> Error {
    // Provider messages may span lines (CAM denials do); errors stay one line.
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = if message.is_empty() {
        reason_of(code).to_owned()
    } else {
        format!("{}: {message}", reason_of(code))
    };
    let mut err = Error::new(kind, text)
        .with_provider(ProviderKind::Tencent)
        .with_code(code)
        .with_action(action)
        .with_http_status(http_status);
    if let Some(id) = request_id.filter(|id| !id.is_empty()) {
        err = err.with_request_id(id);
    }
    err
}

/// A sentence for the verify report: what is wrong with the key and what to do.
pub(crate) fn diagnosis(err: &Error) -> String {
    let what = match err.code() {
        Some(code) => format!("{} ({code})", reason_of(code)),
        None => err.message().to_owned(),
    };
    let todo = match err.kind() {
        ErrorKind::InvalidCredential => {
            if err.code() == Some("AuthFailure.SecretIdNotFound") {
                "Check that the SecretId is typed correctly, and in the CAM console (API keys) that the key exists and is enabled."
            } else {
                "Check the SecretId and SecretKey; do not retry with the same key."
            }
        }
        ErrorKind::CredentialDisabled => "Re-enable the key or issue a new one.",
        ErrorKind::ClockSkew => "Synchronise this host's clock, then verify again.",
        ErrorKind::PermissionDenied => "Grant the key the policies listed per feature.",
        ErrorKind::Throttled | ErrorKind::Transient => {
            "The check could not complete; try again later."
        }
        ErrorKind::WrongDomainOrRegion | ErrorKind::Config => {
            "Check the domain (China or International site) and the endpoint."
        }
        _ if err.code().is_some() || err.request_id().is_some() => {
            "See the error code and request id."
        }
        _ => {
            return format!(
                "{what}; to fix: {}.",
                err.hint().unwrap_or("check the configuration")
            )
        }
    };
    format!("{what}. {todo}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_codes_map_to_credential_kinds() {
        assert_eq!(
            kind_of("AuthFailure.SecretIdNotFound"),
            K::InvalidCredential
        );
        assert_eq!(kind_of("AuthFailure.InvalidSecretId"), K::InvalidCredential);
        assert_eq!(
            kind_of("AuthFailure.SignatureFailure"),
            K::InvalidCredential
        );
        assert_eq!(kind_of("AuthFailure.SignatureExpire"), K::ClockSkew);
        assert_eq!(kind_of("AuthFailure.TokenFailure"), K::CredentialDisabled);
        assert_eq!(
            kind_of("AuthFailure.UnauthorizedOperation"),
            K::PermissionDenied
        );
        assert_eq!(kind_of("AuthFailure.SomethingNew"), K::InvalidCredential);
    }

    #[test]
    fn families_match_on_dotted_heads_only() {
        assert_eq!(kind_of("RequestLimitExceeded"), K::Throttled);
        assert_eq!(
            kind_of("RequestLimitExceeded.UinLimitExceeded"),
            K::Throttled
        );
        assert_eq!(
            kind_of("RequestLimitExceeded.GlobalRegionUinLimitExceeded"),
            K::Throttled
        );
        assert_eq!(kind_of("InternalError.SystemError"), K::Transient);
        assert_eq!(
            kind_of("UnauthorizedOperation.CamNoAuth"),
            K::PermissionDenied
        );
        // A longer family wins over a shorter one that is its prefix.
        assert_eq!(kind_of("InvalidParameterValue.Range"), K::Service);
        // "InternalErrorX" is not in the InternalError family.
        assert_eq!(kind_of("InternalErrorX"), K::Service);
        assert_eq!(kind_of("TotallyUnknown"), K::Service);
    }

    #[test]
    fn every_reason_is_one_line() {
        for r in TABLE {
            assert!(!r.reason.contains('\n'), "{}", r.code);
            assert!(!r.reason.is_empty(), "{}", r.code);
        }
    }

    #[test]
    fn unknown_and_disabled_keys_share_a_code_and_the_diagnosis_says_both() {
        let e = api_error(
            "sts:GetCallerIdentity",
            "AuthFailure.SecretIdNotFound",
            "The SecretId is not found",
            Some("req-1"),
            200,
        );
        assert_eq!(e.kind(), K::InvalidCredential);
        assert_eq!(e.request_id(), Some("req-1"));
        assert_eq!(e.action(), Some("sts:GetCallerIdentity"));
        let d = diagnosis(&e);
        assert!(d.contains("unknown"), "{d}");
        assert!(d.contains("disabled"), "{d}");
        assert!(d.contains("AuthFailure.SecretIdNotFound"), "{d}");
    }
}

//! The one place AWS error responses become [`Error`]s: the code table, with a one-line reason
//! per code, and the parser for the three error shapes AWS uses.
//!
//! Shapes (all three are accepted for every service, since compatible endpoints vary):
//! - EC2: `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`;
//! - query (STS, IAM, RDS, ELBv2): `<ErrorResponse><Error><Type/><Code/><Message/></Error>
//!   <RequestId/></ErrorResponse>`;
//! - S3: `<Error><Code/><Message/><RequestId/><HostId/></Error>`;
//! - JSON protocols: `{"__type": "prefix#Code", "message": "…"}`, or the code in the
//!   `x-amzn-ErrorType` / `x-amzn-query-error` headers.

use std::time::Duration;

use http::HeaderMap;
use serde_json::Value;

use multicloud_core::{Error, ErrorKind, ProviderKind};

use crate::wire::xml::{self, QUERY_LISTS};

/// The code EC2 returns for a `DryRun=true` call that would have succeeded.
pub(crate) const DRY_RUN_OPERATION: &str = "DryRunOperation";

/// Codes that mean "this key id is not known here": where a key from the other partition
/// lands, so they trigger the partition diagnosis probe in `verify`.
pub(crate) const UNKNOWN_KEY_CODES: &[&str] = &[
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "AuthFailure",
];

/// One AWS error code and what it means to a caller.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CodeRule {
    pub(crate) code: &'static str,
    pub(crate) kind: ErrorKind,
    pub(crate) reason: &'static str,
}

const fn rule(code: &'static str, kind: ErrorKind, reason: &'static str) -> CodeRule {
    CodeRule { code, kind, reason }
}

use ErrorKind::{
    ClockSkew, CredentialDisabled, InvalidCredential, NotFound, PermissionDenied, Service,
    Throttled, Transient, WrongDomainOrRegion,
};

/// AWS error codes, from the AWS "Common Errors" pages, the EC2 error-code list and the S3
/// error-code list (providers.md §0.1, §1.a).
pub(crate) const CODES: &[CodeRule] = &[
    // The key.
    rule("InvalidClientTokenId", InvalidCredential, "the access key id is unknown in this partition, or the key is deactivated (AWS answers both the same way)"),
    rule("UnrecognizedClientException", InvalidCredential, "JSON-protocol form of InvalidClientTokenId"),
    rule("AuthFailure", InvalidCredential, "EC2 could not validate the credentials"),
    rule("InvalidAccessKeyId", InvalidCredential, "S3: the access key id does not exist"),
    rule("SignatureDoesNotMatch", InvalidCredential, "the signature does not match: wrong secret access key"),
    rule("IncompleteSignature", InvalidCredential, "the request signature is incomplete or malformed"),
    rule("InvalidSignatureException", InvalidCredential, "JSON-protocol form of SignatureDoesNotMatch"),
    rule("MissingAuthenticationToken", InvalidCredential, "the request carried no credentials"),
    rule("MissingAuthenticationTokenException", InvalidCredential, "JSON-protocol form of MissingAuthenticationToken"),
    rule("InvalidToken", InvalidCredential, "S3: the session token is malformed or invalid"),
    rule("ExpiredToken", CredentialDisabled, "the session token has expired"),
    rule("ExpiredTokenException", CredentialDisabled, "the session token has expired"),
    rule("TokenRefreshRequired", CredentialDisabled, "the session token must be refreshed"),
    rule("Blocked", CredentialDisabled, "EC2: the account is blocked"),
    rule("AccountProblem", CredentialDisabled, "S3: a problem with the account prevents the call"),
    rule("PendingVerification", CredentialDisabled, "EC2: the account is pending verification"),
    // Time.
    rule("RequestExpired", ClockSkew, "the request time is more than 15 minutes from AWS's clock"),
    rule("RequestTimeTooSkewed", ClockSkew, "S3: the request time is too far from AWS's clock"),
    rule("RequestInTheFuture", ClockSkew, "the request is dated in the future"),
    // Permissions.
    rule("UnauthorizedOperation", PermissionDenied, "EC2: the principal is not allowed this action"),
    rule("AccessDenied", PermissionDenied, "the principal is not allowed this action"),
    rule("AccessDeniedException", PermissionDenied, "JSON-protocol form of AccessDenied"),
    rule("NotAuthorized", PermissionDenied, "the principal is not allowed this action"),
    rule("AuthorizationError", PermissionDenied, "the principal is not allowed this action"),
    // Partition / region.
    rule("OptInRequired", WrongDomainOrRegion, "the account has not opted in to this region or service"),
    rule("AuthorizationHeaderMalformed", WrongDomainOrRegion, "S3: the signing region does not match the bucket's region"),
    rule("PermanentRedirect", WrongDomainOrRegion, "S3: the bucket lives in another region"),
    rule("InvalidRegion", WrongDomainOrRegion, "the region does not exist in this partition"),
    // Throttling.
    rule("Throttling", Throttled, "query APIs: rate exceeded"),
    rule("ThrottlingException", Throttled, "rate exceeded"),
    rule("ThrottledException", Throttled, "rate exceeded"),
    rule("RequestLimitExceeded", Throttled, "EC2: the account's request rate for the region was exceeded"),
    rule("RequestThrottled", Throttled, "SQS: rate exceeded"),
    rule("RequestThrottledException", Throttled, "rate exceeded"),
    rule("TooManyRequestsException", Throttled, "rate exceeded"),
    rule("SlowDown", Throttled, "S3: reduce the request rate"),
    rule("PriorRequestNotComplete", Throttled, "a previous request is still being processed"),
    rule("BandwidthLimitExceeded", Throttled, "bandwidth limit exceeded"),
    rule("EC2ThrottledException", Throttled, "EC2: rate exceeded"),
    // Server side.
    rule("InternalFailure", Transient, "an internal AWS failure"),
    rule("InternalError", Transient, "an internal AWS error"),
    rule("InternalServerError", Transient, "an internal AWS error"),
    rule("InternalServiceException", Transient, "an internal AWS error (JSON protocols)"),
    rule("ServiceFailure", Transient, "IAM: the request failed for an unknown server-side reason"),
    rule("ServiceUnavailable", Transient, "the service is temporarily unavailable"),
    rule("ServiceUnavailableException", Transient, "the service is temporarily unavailable"),
    rule("Unavailable", Transient, "the service is temporarily unavailable"),
    rule("RequestTimeout", Transient, "the server timed out reading the request"),
    rule("RequestTimeoutException", Transient, "the server timed out"),
    // Not found.
    rule("NoSuchBucket", NotFound, "S3: the bucket does not exist"),
    rule("NoSuchEntity", NotFound, "IAM: the entity does not exist"),
    rule("DBInstanceNotFound", NotFound, "RDS: the DB instance does not exist"),
    rule("LoadBalancerNotFound", NotFound, "ELBv2: the load balancer does not exist"),
    rule("NoSuchKey", NotFound, "S3: the object does not exist (deleted, or expired by a lifecycle rule)"),
    rule("QueueDoesNotExist", NotFound, "SQS (JSON protocol): no queue of that name in this region and account"),
    rule("AWS.SimpleQueueService.NonExistentQueue", NotFound, "SQS (query error code): no queue of that name in this region and account"),
    // SQS.
    rule("OverLimit", Throttled, "SQS: too many messages in flight (120,000 on a standard queue)"),
    rule("ReceiptHandleIsInvalid", Service, "SQS: the receipt handle is not one this queue issued"),
    rule("InvalidSecurity", Service, "SQS: the request was not made over HTTPS with SigV4"),
    rule("KmsAccessDenied", PermissionDenied, "SQS: the queue is encrypted with a KMS key the caller may not use"),
    rule("KMS.AccessDeniedException", PermissionDenied, "KMS: the caller may not use the key the object is encrypted with (kms:Decrypt)"),
    // Neither an error of the key nor retryable.
    rule(DRY_RUN_OPERATION, Service, "EC2 DryRun: the call would have succeeded"),
    rule("InvalidPaginationToken", Service, "EC2: the page token is invalid or expired"),
    rule("InvalidAction", Service, "the endpoint does not know this action"),
    rule("EntityAlreadyExists", Service, "IAM: an entity of that name already exists"),
    rule("LimitExceeded", Service, "IAM: a quota (e.g. access keys per user) is reached"),
    rule("DeleteConflict", Service, "IAM: the entity still has keys or policies attached"),
    rule("MalformedPolicyDocument", Service, "IAM: the policy document is not valid"),
];

/// The rule for `code` (with `Client.`/`Server.` prefixes stripped), if the table has one.
pub(crate) fn lookup(code: &str) -> Option<&'static CodeRule> {
    let code = normalize_code(code);
    CODES.iter().find(|r| r.code == code)
}

/// EC2 documents `Client.UnauthorizedOperation`; JSON `__type` values look like
/// `com.amazon.coral.service#ThrottlingException` or `Code:http://…`.
fn normalize_code(code: &str) -> &str {
    let code = code.trim();
    let code = code.rsplit('#').next().unwrap_or(code);
    let code = code.split(':').next().unwrap_or(code);
    code.strip_prefix("Client.")
        .or_else(|| code.strip_prefix("Server."))
        .unwrap_or(code)
}

/// What an AWS error response said.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ErrorBody {
    pub(crate) code: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) request_id: Option<String>,
}

/// Reads the code, message and request id from any of the AWS error shapes and headers.
pub(crate) fn parse_error_body(headers: &HeaderMap, body: &[u8]) -> ErrorBody {
    let mut out = if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        parse_json(body)
    } else {
        parse_xml(body)
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    if out.code.is_none() {
        // `x-amzn-query-error: Code;Sender` (awsQueryCompatible), `x-amzn-ErrorType: Code:…`.
        out.code = header("x-amzn-query-error")
            .and_then(|v| v.split(';').next())
            .or_else(|| header("x-amzn-errortype"))
            .map(|c| normalize_code(c).to_owned());
    }
    if out.request_id.is_none() {
        out.request_id = header("x-amzn-requestid")
            .or_else(|| header("x-amz-request-id"))
            .map(str::to_owned);
    }
    out
}

fn parse_json(body: &[u8]) -> ErrorBody {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return ErrorBody::default();
    };
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    ErrorBody {
        code: text("__type")
            .or_else(|| text("code"))
            .or_else(|| text("Code"))
            .map(|c| normalize_code(&c).to_owned()),
        message: text("message").or_else(|| text("Message")),
        request_id: text("RequestId").or_else(|| text("requestId")),
    }
}

fn parse_xml(body: &[u8]) -> ErrorBody {
    let Ok((_, doc)) = xml::parse(body, QUERY_LISTS) else {
        return ErrorBody::default();
    };
    // EC2 nests the error in `Errors/Error`, query in `Error`, S3 is the `Error` element
    // itself (the converter returns the root's content).
    let error = doc
        .get("Errors")
        .and_then(|e| e.get("Error"))
        .map(|e| match e {
            Value::Array(all) => all.first().cloned().unwrap_or(Value::Null),
            one => one.clone(),
        })
        .or_else(|| doc.get("Error").cloned())
        .unwrap_or_else(|| doc.clone());
    let text = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    ErrorBody {
        code: text(&error, "Code").map(|c| normalize_code(&c).to_owned()),
        message: text(&error, "Message"),
        request_id: text(&doc, "RequestId")
            .or_else(|| text(&doc, "RequestID"))
            .or_else(|| text(&error, "RequestId")),
    }
}

/// Query and JSON services report a skewed clock as a signature failure whose message
/// starts "Signature expired: … is now earlier than …" or "Signature not yet current"
/// (EC2 says `RequestExpired`, S3 `RequestTimeTooSkewed`); that is not a bad secret.
fn is_expired_signature(code: Option<&str>, message: Option<&str>) -> bool {
    matches!(
        code,
        Some("SignatureDoesNotMatch" | "InvalidSignatureException")
    ) && message.is_some_and(|m| {
        let m = m.trim_start();
        m.starts_with("Signature expired") || m.starts_with("Signature not yet current")
    })
}

/// The kind for a response with no code we know: by HTTP status.
fn kind_for_status(status: u16) -> ErrorKind {
    match status {
        401 => InvalidCredential,
        403 => PermissionDenied,
        404 => NotFound,
        408 | 500..=599 => Transient,
        429 => Throttled,
        _ => Service,
    }
}

/// Classifies a non-success response: the code table first, then the HTTP status.
pub(crate) fn classify(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let parsed = parse_error_body(headers, body);
    let rule = parsed.code.as_deref().and_then(lookup);
    let kind = if is_expired_signature(parsed.code.as_deref(), parsed.message.as_deref()) {
        ClockSkew
    } else {
        rule.map(|r| r.kind)
            .unwrap_or_else(|| kind_for_status(status))
    };
    let message = parsed
        .message
        .clone()
        .or_else(|| rule.map(|r| r.reason.to_owned()))
        .unwrap_or_else(|| format!("AWS returned HTTP {status}"));
    let mut err = Error::new(kind, one_line(&message))
        .with_provider(ProviderKind::Aws)
        .with_http_status(status);
    if let Some(code) = parsed.code {
        if kind == InvalidCredential && UNKNOWN_KEY_CODES.contains(&code.as_str()) {
            // Where a key of the other partition lands: name the setting that fixes it.
            err = err.with_hint(
                "check the access key id (deleted or deactivated keys answer the same way); a \
                 key of AWS China is unknown on the international partition and the other way \
                 round: build the provider with with_domain(Domain::China) or \
                 with_domain(Domain::International) to match (verify tells which)",
            );
        }
        err = err.with_code(code);
    }
    if let Some(id) = parsed.request_id {
        err = err.with_request_id(id);
    }
    if let Some(delay) = retry_after(headers) {
        err = err.with_retry_after(delay);
    }
    err
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let secs: u64 = headers
        .get("retry-after")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs))
}

/// Where AWS starts echoing the canonical request or string-to-sign in a
/// `SignatureDoesNotMatch` message (query APIs put it in `Message`, S3 in sibling elements).
/// Those strings must never reach an error, so the message is cut before them.
const ECHO_MARKERS: &[&str] = &[
    "The Canonical String",
    "The String-to-Sign",
    "StringToSign",
    "CanonicalRequest",
];

/// Longest message kept; AWS messages are short, anything longer is not for a one-line error.
const MAX_MESSAGE: usize = 300;

// Messages go into a one-line Display: collapse whitespace, drop echoed signing material.
fn one_line(message: &str) -> String {
    let cut = ECHO_MARKERS
        .iter()
        .filter_map(|m| message.find(m))
        .min()
        .unwrap_or(message.len());
    let mut out = message[..cut]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if out.chars().count() > MAX_MESSAGE {
        out = out.chars().take(MAX_MESSAGE).collect::<String>() + "…";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_headers() -> HeaderMap {
        HeaderMap::new()
    }

    #[test]
    fn ec2_error_shape_is_parsed() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>ec2-req</RequestID></Response>"#;
        let e = classify(403, &no_headers(), body);
        assert_eq!(e.kind(), ErrorKind::PermissionDenied);
        assert_eq!(e.code(), Some("UnauthorizedOperation"));
        assert_eq!(e.request_id(), Some("ec2-req"));
        assert_eq!(
            e.message(),
            "You are not authorized to perform this operation."
        );
        assert_eq!(e.provider(), Some(ProviderKind::Aws));
    }

    #[test]
    fn query_error_shape_is_parsed() {
        let body = br#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>
    <Message>The security token included in the request is invalid.</Message></Error>
  <RequestId>sts-req</RequestId></ErrorResponse>"#;
        let e = classify(403, &no_headers(), body);
        assert_eq!(e.kind(), ErrorKind::InvalidCredential);
        assert_eq!(e.code(), Some("InvalidClientTokenId"));
        assert_eq!(e.request_id(), Some("sts-req"));
    }

    #[test]
    fn s3_error_shape_is_parsed() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message><RequestId>s3-req</RequestId><HostId>h</HostId></Error>"#;
        let e = classify(403, &no_headers(), body);
        assert_eq!(e.kind(), ErrorKind::ClockSkew);
        assert_eq!(e.request_id(), Some("s3-req"));
    }

    #[test]
    fn json_error_shape_and_header_codes_are_parsed() {
        let body = br#"{"__type":"com.amazon.coral.service#ThrottlingException","message":"Rate exceeded"}"#;
        let e = classify(400, &no_headers(), body);
        assert_eq!(e.kind(), ErrorKind::Throttled);
        assert_eq!(e.code(), Some("ThrottlingException"));
        assert!(e.is_retryable());

        let mut h = HeaderMap::new();
        h.insert(
            "x-amzn-query-error",
            "AWS.SimpleQueueService.NonExistentQueue;Sender"
                .parse()
                .unwrap(),
        );
        h.insert("x-amzn-requestid", "hdr-req".parse().unwrap());
        h.insert("retry-after", "3".parse().unwrap());
        let e = classify(400, &h, b"");
        assert_eq!(e.code(), Some("AWS.SimpleQueueService.NonExistentQueue"));
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.request_id(), Some("hdr-req"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
    }

    #[test]
    fn client_prefix_and_unknown_codes_fall_back_sensibly() {
        assert_eq!(
            lookup("Client.UnauthorizedOperation").unwrap().kind,
            PermissionDenied
        );
        assert!(lookup("SomethingNew").is_none());
        // Unknown code: the HTTP status decides.
        let body = b"<Error><Code>SomethingNew</Code></Error>";
        assert_eq!(classify(503, &no_headers(), body).kind(), Transient);
        assert_eq!(classify(429, &no_headers(), body).kind(), Throttled);
        assert_eq!(classify(403, &no_headers(), body).kind(), PermissionDenied);
        // No body at all (HEAD, proxies): status only, with a readable message.
        let e = classify(502, &no_headers(), b"");
        assert_eq!(e.kind(), Transient);
        assert!(e.message().contains("502"));
        // Garbage body: still classified by status.
        assert_eq!(
            classify(500, &no_headers(), b"<html>oops").kind(),
            Transient
        );
    }

    #[test]
    fn every_failure_class_in_the_spec_maps_to_its_kind() {
        let cases = [
            ("InvalidClientTokenId", InvalidCredential),
            ("SignatureDoesNotMatch", InvalidCredential),
            ("AuthFailure", InvalidCredential),
            ("ExpiredToken", CredentialDisabled),
            ("RequestExpired", ClockSkew),
            ("RequestLimitExceeded", Throttled),
            ("Throttling", Throttled),
            ("OptInRequired", WrongDomainOrRegion),
            ("InternalError", Transient),
            ("AccessDenied", PermissionDenied),
            (DRY_RUN_OPERATION, Service),
        ];
        for (code, kind) in cases {
            assert_eq!(lookup(code).map(|r| r.kind), Some(kind), "{code}");
        }
        // Auth failures are never retryable.
        for r in CODES
            .iter()
            .filter(|r| matches!(r.kind, InvalidCredential | CredentialDisabled | ClockSkew))
        {
            assert!(!r.kind.is_retryable(), "{}", r.code);
        }
    }

    #[test]
    fn expired_signatures_are_clock_skew_not_a_bad_secret() {
        let body = br#"<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code>
<Message>Signature expired: 20250301T080000Z is now earlier than 20250301T090000Z (20250301T091500Z - 15 min.)</Message></Error></ErrorResponse>"#;
        assert_eq!(classify(403, &no_headers(), body).kind(), ClockSkew);
        let body = br#"{"__type":"InvalidSignatureException","message":"Signature not yet current: 1 is still later than 2"}"#;
        assert_eq!(classify(400, &no_headers(), body).kind(), ClockSkew);
        let body = b"<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error>";
        assert_eq!(classify(403, &no_headers(), body).kind(), InvalidCredential);
    }

    #[test]
    fn echoed_canonical_strings_never_reach_the_error() {
        let body = br#"<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code>
<Message>The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.

The Canonical String for this request should have been
'POST
/

host:sts.amazonaws.com
x-amz-date:20250301T080000Z'

The String-to-Sign should have been
'AWS4-HMAC-SHA256
20250301T080000Z'
</Message></Error><RequestId>r</RequestId></ErrorResponse>"#;
        let e = classify(403, &no_headers(), body);
        assert_eq!(e.kind(), InvalidCredential);
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("x-amz-date"), "{shown}");
        assert!(!shown.contains("AWS4-HMAC-SHA256"), "{shown}");
        assert!(e
            .message()
            .ends_with("Consult the service documentation for details."));
    }

    #[test]
    fn the_table_has_no_duplicate_codes_and_every_reason_is_one_line() {
        let mut seen = std::collections::HashSet::new();
        for r in CODES {
            assert!(seen.insert(r.code), "duplicate {}", r.code);
            assert!(
                !r.reason.is_empty() && !r.reason.contains('\n'),
                "{}",
                r.code
            );
        }
    }
}

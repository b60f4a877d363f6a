//! BCE error bodies: `{"requestId", "code", "message"}` with the statuses of BCE's common
//! error code table, and the `x-bce-request-id` header. The official Python client needs all
//! three keys (it indexes them directly).

use serde_json::json;

use crate::sim::SimResponse;

/// A BCE JSON response (`application/json;charset=UTF-8`) with `x-bce-request-id`.
pub(crate) fn bce_json(status: u16, body: &serde_json::Value, request_id: &str) -> SimResponse {
    let mut r = SimResponse::json(status, body);
    r.headers = vec![
        (
            "Content-Type".into(),
            "application/json;charset=UTF-8".into(),
        ),
        ("x-bce-request-id".into(), request_id.to_string()),
    ];
    r
}

/// An error body.
pub(crate) fn error(status: u16, code: &str, message: &str, request_id: &str) -> SimResponse {
    bce_json(
        status,
        &json!({"requestId": request_id, "code": code, "message": message}),
        request_id,
    )
}

/// 403 `InvalidAccessKeyId` (unknown key; also sent for a disabled key).
pub(crate) fn invalid_access_key(request_id: &str) -> SimResponse {
    error(
        403,
        "InvalidAccessKeyId",
        "The Access Key ID you provided does not exist in our records.",
        request_id,
    )
}

/// 400 `InvalidHTTPAuthHeader` (missing or malformed `Authorization`).
pub(crate) fn invalid_auth_header(request_id: &str) -> SimResponse {
    error(
        400,
        "InvalidHTTPAuthHeader",
        "The HTTP authorization header is invalid. Consult the service documentation for details.",
        request_id,
    )
}

/// 400 `SignatureDoesNotMatch` (the common table lists 400).
pub(crate) fn signature_mismatch(request_id: &str) -> SimResponse {
    error(
        400,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. \
Check your Secret Access Key and signing method. Consult the service documentation for details.",
        request_id,
    )
}

/// 400 `RequestExpired` with the auth-string timestamp.
pub(crate) fn request_expired(timestamp: &str, request_id: &str) -> SimResponse {
    error(
        400,
        "RequestExpired",
        &format!("Request has expired. Timestamp date is {timestamp}."),
        request_id,
    )
}

/// 403 `AccessDenied`.
pub(crate) fn access_denied(request_id: &str) -> SimResponse {
    error(403, "AccessDenied", "Access denied.", request_id)
}

/// 403 `OptInRequired`: the product is not activated for the account.
pub(crate) fn opt_in_required(request_id: &str) -> SimResponse {
    error(
        403,
        "OptInRequired",
        "The service is not activated for this account. Activate it in the console first.",
        request_id,
    )
}

/// 429 throttling. BCE's common table has no throttling code; the code is unconfirmed.
pub(crate) fn throttled(request_id: &str) -> SimResponse {
    error(
        429,
        "RequestRateLimitExceeded",
        "Request rate limit exceeded, please try again later.",
        request_id,
    )
}

/// 500 `InternalError`.
pub(crate) fn internal_error(request_id: &str) -> SimResponse {
    error(
        500,
        "InternalError",
        "We encountered an internal error. Please try again.",
        request_id,
    )
}

/// 400 `InvalidURI` for a path the service does not have.
pub(crate) fn invalid_uri(request_id: &str) -> SimResponse {
    error(
        400,
        "InvalidURI",
        "Could not parse the specified URI.",
        request_id,
    )
}

/// 400 for a bad query parameter (code unconfirmed).
pub(crate) fn invalid_parameter(message: &str, request_id: &str) -> SimResponse {
    error(400, "InvalidParameter", message, request_id)
}

/// 400 `MalformedJSON`.
pub(crate) fn malformed_json(request_id: &str) -> SimResponse {
    error(
        400,
        "MalformedJSON",
        "The JSON you provided was not well-formed.",
        request_id,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_have_all_three_keys_and_the_header() {
        let r = signature_mismatch("rid");
        assert_eq!(r.status, 400);
        let b: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(b["code"], "SignatureDoesNotMatch");
        assert_eq!(b["requestId"], "rid");
        assert!(b["message"].as_str().is_some());
        assert!(r
            .headers
            .iter()
            .any(|(k, v)| k == "x-bce-request-id" && v == "rid"));
        assert_eq!(invalid_access_key("r").status, 403);
        assert_eq!(request_expired("2024-01-01T00:00:00Z", "r").status, 400);
    }
}

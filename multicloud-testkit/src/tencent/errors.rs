//! Tencent Cloud API 3.0 errors: HTTP 200 with
//! `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}` (the SDKs read `Error.Code`
//! from the body). Codes and texts follow the API's common error-code table.

use serde_json::json;

use crate::sim::SimResponse;

/// One API error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TcError {
    pub(crate) code: String,
    pub(crate) message: String,
}

impl TcError {
    pub(crate) fn new(code: &str, message: impl Into<String>) -> Self {
        TcError {
            code: code.into(),
            message: message.into(),
        }
    }

    /// The response, HTTP 200 as the API sends it.
    pub(crate) fn render(&self, request_id: &str) -> SimResponse {
        self.render_with_status(200, request_id)
    }

    /// The response with another HTTP status (gateway-level failures).
    pub(crate) fn render_with_status(&self, status: u16, request_id: &str) -> SimResponse {
        SimResponse::json(
            status,
            &json!({"Response": {"Error": {"Code": self.code, "Message": self.message}, "RequestId": request_id}}),
        )
    }
}

/// Unknown, deleted or disabled SecretId (the API does not tell them apart).
pub(crate) fn secret_id_not_found() -> TcError {
    TcError::new(
        "AuthFailure.SecretIdNotFound",
        "The SecretId is not found, please ensure that your SecretId is correct.",
    )
}

/// The signature does not match.
pub(crate) fn signature_failure() -> TcError {
    TcError::new(
        "AuthFailure.SignatureFailure",
        "The provided credentials could not be validated. Please check your signature is correct.",
    )
}

/// `X-TC-Timestamp` more than 5 minutes from the server clock.
pub(crate) fn signature_expire(signed: i64, now: i64) -> TcError {
    TcError::new(
        "AuthFailure.SignatureExpire",
        format!("Signature expired. Timestamp `{signed}` and server time `{now}` differ by more than 5 minutes."),
    )
}

/// A missing or unparsable Authorization header.
pub(crate) fn invalid_authorization() -> TcError {
    TcError::new(
        "AuthFailure.InvalidAuthorization",
        "Authorization header is missing or malformed; expected TC3-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=….",
    )
}

/// The CAM policy does not grant the action.
pub(crate) fn unauthorized(action: &str, owner: &str, uin: &str) -> TcError {
    TcError::new(
        "AuthFailure.UnauthorizedOperation",
        format!(
            "you are not authorized to perform operation ({action})\nresource (qcs::{}:uin/{owner}:*) has no permission\nuin: {uin}",
            action.split(':').next().unwrap_or("")
        ),
    )
}

/// The frequency limit was exceeded.
pub(crate) fn request_limit_exceeded() -> TcError {
    TcError::new(
        "RequestLimitExceeded",
        "Your current request times equals to `41` in a second, which exceeds the frequency limit `40` for a second. Please reduce the frequency of calls.",
    )
}

/// An internal error.
pub(crate) fn internal_error() -> TcError {
    TcError::new(
        "InternalError",
        "An internal error has occurred. Retry your request, but if the problem persists, contact us.",
    )
}

/// An action the service does not have.
pub(crate) fn invalid_action(action: &str) -> TcError {
    TcError::new(
        "InvalidAction",
        format!("The action `{action}` is not supported by this service."),
    )
}

/// A required parameter is missing.
pub(crate) fn missing(name: &str) -> TcError {
    TcError::new(
        "MissingParameter",
        format!("The request is missing a required parameter `{name}`."),
    )
}

/// A parameter has an invalid value.
pub(crate) fn invalid_value(message: impl Into<String>) -> TcError {
    TcError::new("InvalidParameterValue", message)
}

/// A parameter is invalid (format, combination).
pub(crate) fn invalid_parameter(message: impl Into<String>) -> TcError {
    TcError::new("InvalidParameter", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_http_200_with_response_error() {
        let r = secret_id_not_found().render("rid");
        assert_eq!(r.status, 200);
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            v["Response"]["Error"]["Code"],
            "AuthFailure.SecretIdNotFound"
        );
        assert_eq!(v["Response"]["RequestId"], "rid");
    }
}

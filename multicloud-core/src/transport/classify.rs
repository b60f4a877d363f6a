//! Turning a response into success or an [`Error`] the retry layer can act on.

use http::{HeaderMap, StatusCode};

use super::call::CallInfo;
use super::response::HttpResponse;
use crate::error::{Error, ErrorKind, Result};

/// Decides whether a response is a success, and if not, which [`Error`] it carries.
///
/// The transport calls this on every response, success statuses included, because some
/// providers (Tencent Cloud, CTyun) report errors in a `200 OK` envelope. The retry layer then
/// decides by [`Error::is_retryable`]: [`Throttled`](ErrorKind::Throttled) and
/// [`Transient`](ErrorKind::Transient) errors are retried, everything else is returned at once.
///
/// Implementations map the HTTP status first and then refine by the provider's error code
/// ([`kind_for_status`] and [`status_error`] help), and set the code, message and request id.
/// They must never copy the body into the error wholesale: some error bodies echo the
/// string-to-sign or the canonical request (S3's `SignatureDoesNotMatch` does).
///
/// Any `Fn(&CallInfo, &HttpResponse) -> Result<()>` closure is a classifier.
pub trait ResponseClassifier: Send + Sync {
    /// Returns `Ok(())` when `response` is a success the caller can decode, or the error it
    /// carries.
    fn classify(&self, call: &CallInfo, response: &HttpResponse) -> Result<()>;
}

impl<F> ResponseClassifier for F
where
    F: Fn(&CallInfo, &HttpResponse) -> Result<()> + Send + Sync,
{
    fn classify(&self, call: &CallInfo, response: &HttpResponse) -> Result<()> {
        self(call, response)
    }
}

/// The default classifier: any 2xx is a success, everything else maps by status alone (see
/// [`kind_for_status`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct StatusClassifier;

impl ResponseClassifier for StatusClassifier {
    fn classify(&self, call: &CallInfo, response: &HttpResponse) -> Result<()> {
        if response.is_success() {
            Ok(())
        } else {
            Err(status_error(call, response))
        }
    }
}

/// The error kind an HTTP status means on its own, or `None` for a 2xx success.
///
/// | status | kind |
/// |---|---|
/// | 408, 5xx except 501 | [`Transient`](ErrorKind::Transient) |
/// | 429 | [`Throttled`](ErrorKind::Throttled) |
/// | 401 | [`InvalidCredential`](ErrorKind::InvalidCredential) |
/// | 403 | [`PermissionDenied`](ErrorKind::PermissionDenied) |
/// | 404 | [`NotFound`](ErrorKind::NotFound) |
/// | anything else | [`Service`](ErrorKind::Service) |
pub fn kind_for_status(status: StatusCode) -> Option<ErrorKind> {
    if status.is_success() {
        return None;
    }
    Some(match status.as_u16() {
        // 408: the server gave up waiting for the request, so it did not act on it.
        408 => ErrorKind::Transient,
        429 => ErrorKind::Throttled,
        401 => ErrorKind::InvalidCredential,
        403 => ErrorKind::PermissionDenied,
        404 => ErrorKind::NotFound,
        // 501 Not Implemented will not change on a retry.
        501 => ErrorKind::Service,
        500..=599 => ErrorKind::Transient,
        _ => ErrorKind::Service,
    })
}

/// The error a non-success response means by its status alone: kind from
/// [`kind_for_status`], with provider, API (as the action), HTTP status and the request id
/// from the usual headers. The body is not read.
///
/// Provider classifiers use this as the fallback when the body has no recognisable error.
pub fn status_error(call: &CallInfo, response: &HttpResponse) -> Error {
    let kind = kind_for_status(response.status).unwrap_or(ErrorKind::Service);
    let mut error = Error::new(kind, format!("the server answered {}", response.status))
        .with_provider(call.provider)
        .with_action(call.api.clone())
        .with_http_status(response.status.as_u16());
    if let Some(id) = request_id(&response.headers) {
        error = error.with_request_id(id);
    }
    error
}

/// Response headers that carry a request id, in the order they are tried.
pub const REQUEST_ID_HEADERS: &[&str] = &[
    // AWS (EC2 and query APIs, then S3).
    "x-amzn-requestid",
    "x-amz-request-id",
    // Huawei Cloud API Gateway.
    "x-request-id",
    // Baidu AI Cloud.
    "x-bce-request-id",
    // Tencent Cloud (the JSON envelope has it too).
    "x-tc-requestid",
    // CTyun EOP.
    "ctyun-eop-request-id",
];

/// The request id from the first of [`REQUEST_ID_HEADERS`] present.
pub fn request_id(headers: &HeaderMap) -> Option<&str> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
        .filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ProviderKind;

    fn response(status: u16) -> HttpResponse {
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-request-id", "req-42".parse().unwrap());
        HttpResponse::new(StatusCode::from_u16(status).unwrap(), headers, "")
    }

    #[test]
    fn status_table_maps_each_class() {
        let cases = [
            (200, None),
            (204, None),
            (429, Some(ErrorKind::Throttled)),
            (500, Some(ErrorKind::Transient)),
            (502, Some(ErrorKind::Transient)),
            (503, Some(ErrorKind::Transient)),
            (504, Some(ErrorKind::Transient)),
            (408, Some(ErrorKind::Transient)),
            (501, Some(ErrorKind::Service)),
            (401, Some(ErrorKind::InvalidCredential)),
            (403, Some(ErrorKind::PermissionDenied)),
            (404, Some(ErrorKind::NotFound)),
            (400, Some(ErrorKind::Service)),
            (409, Some(ErrorKind::Service)),
            (302, Some(ErrorKind::Service)),
        ];
        for (status, kind) in cases {
            assert_eq!(
                kind_for_status(StatusCode::from_u16(status).unwrap()),
                kind,
                "{status}"
            );
        }
    }

    #[test]
    fn status_classifier_fills_provider_action_status_and_request_id() {
        let call = CallInfo::read_only(ProviderKind::Aws, "ec2:DescribeInstances");
        assert!(StatusClassifier.classify(&call, &response(200)).is_ok());
        let err = StatusClassifier
            .classify(&call, &response(403))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
        assert_eq!(err.provider(), Some(ProviderKind::Aws));
        assert_eq!(err.action(), Some("ec2:DescribeInstances"));
        assert_eq!(err.http_status(), Some(403));
        assert_eq!(err.request_id(), Some("req-42"));
    }

    #[test]
    fn closures_are_classifiers() {
        let envelope = |_: &CallInfo, r: &HttpResponse| {
            if r.body.starts_with(b"{\"Error\"") {
                Err(Error::new(ErrorKind::Throttled, "envelope"))
            } else {
                Ok(())
            }
        };
        let call = CallInfo::read_only(ProviderKind::Tencent, "cvm:DescribeInstances");
        let ok = HttpResponse::new(StatusCode::OK, HeaderMap::new(), "{}");
        let bad = HttpResponse::new(StatusCode::OK, HeaderMap::new(), "{\"Error\":1}");
        let classifier: &dyn ResponseClassifier = &envelope;
        assert!(classifier.classify(&call, &ok).is_ok());
        assert_eq!(
            classifier.classify(&call, &bad).unwrap_err().kind(),
            ErrorKind::Throttled
        );
    }
}

//! BCE error codes → [`ErrorKind`], in one table with a reason per code.
//!
//! BCE answers errors with an HTTP 4xx/5xx status and a JSON body
//! `{"requestId", "code", "message"}` (BCE's common error code table; providers.md §4.a).
//! The status is mapped first, then a code the table knows refines it.
//!
//! `OptInRequired` (403) means the product is not activated for the account: nothing of it
//! exists, so it is not a permission problem. Its kind is [`ErrorKind::NotFound`], and the
//! listings and probes of this crate turn it into "not in use" (an empty listing, a passed
//! probe) instead of an error; see [`is_not_activated`].

use http::{HeaderMap, StatusCode};
use multicloud_core::transport::kind_for_status;
use multicloud_core::{Error, ErrorKind, ProviderKind};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The code of a product not activated for the account.
pub(crate) const NOT_ACTIVATED: &str = "OptInRequired";

/// One row: the code, its kind, and what it means for the user.
struct Row {
    code: &'static str,
    kind: ErrorKind,
    reason: &'static str,
}

const fn row(code: &'static str, kind: ErrorKind, reason: &'static str) -> Row {
    Row { code, kind, reason }
}

use ErrorKind as K;

/// The code table (BCE common error codes; the throttling code is the simulator's and
/// unconfirmed, BCE documents none).
const TABLE: &[Row] = &[
    row("InvalidAccessKeyId", K::InvalidCredential,
        "BCE does not know this Access Key ID: it is mistyped, deleted or disabled (BCE reports a disabled key with this same code); check BCE_ACCESS_KEY_ID in the console's Access Key page"),
    row("SignatureDoesNotMatch", K::InvalidCredential,
        "the signature does not match: the Secret Access Key is wrong for this Access Key ID"),
    row("InvalidHTTPAuthHeader", K::InvalidCredential,
        "the Authorization header was refused as malformed"),
    row("RequestExpired", K::ClockSkew,
        "the request's timestamp is outside BCE's validity window: synchronise this host's clock (NTP)"),
    row("AccessDenied", K::PermissionDenied,
        "IAM does not allow this key the call: grant the sub-user the product's read policy"),
    row(NOT_ACTIVATED, K::NotFound,
        "the product is not activated for this account, so nothing of it exists: not a permission problem"),
    row("RequestRateLimitExceeded", K::Throttled,
        "the request rate limit was exceeded; retried with backoff"),
    row("TooManyRequests", K::Throttled,
        "the request rate limit was exceeded; retried with backoff"),
    row("InternalError", K::Transient,
        "an internal error on BCE's side; retried"),
    row("ServiceUnavailable", K::Transient,
        "the service is temporarily unavailable; retried"),
    row("InvalidURI", K::WrongDomainOrRegion,
        "the service has no such path at this host: the product is not offered in this region, or the endpoint is wrong"),
    row("InvalidVersion", K::Config,
        "the API version does not exist at this endpoint"),
    row("MalformedJSON", K::Service,
        "the request body is not well-formed JSON"),
    row("InappropriateJSON", K::Service,
        "the request body is JSON of the wrong shape"),
    row("InvalidParameter", K::Service,
        "a parameter is invalid"),
    row("PreconditionFailed", K::Service,
        "a precondition of the request failed"),
];

fn lookup(code: &str) -> Option<&'static Row> {
    TABLE.iter().find(|r| r.code == code)
}

/// The one-line reason for `code`.
pub(crate) fn reason_of(code: &str) -> &'static str {
    lookup(code).map_or("BCE refused the request", |r| r.reason)
}

/// Whether `error` is BCE's "product not activated" (`OptInRequired`).
pub(crate) fn is_not_activated(error: &Error) -> bool {
    error.code() == Some(NOT_ACTIVATED)
}

/// What a failed BCE response says.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Failure<'a> {
    /// The action called (`bcc:ListInstances`).
    pub(crate) action: &'a str,
    /// The HTTP status.
    pub(crate) status: StatusCode,
    /// The response headers (request id, `Date`).
    pub(crate) headers: &'a HeaderMap,
    /// The body's `code`, when it had one.
    pub(crate) code: Option<&'a str>,
    /// The body's `message`.
    pub(crate) message: &'a str,
    /// The body's `requestId`.
    pub(crate) request_id: Option<&'a str>,
}

/// The SDK error for a failed BCE response: the status decides, a known code refines.
pub(crate) fn api_error(f: Failure<'_>) -> Error {
    let by_status = kind_for_status(f.status).unwrap_or(ErrorKind::Service);
    let row = f.code.and_then(lookup);
    let kind = row.map_or(by_status, |r| r.kind);
    // Provider messages may span lines; errors stay one line.
    let message = f.message.split_whitespace().collect::<Vec<_>>().join(" ");
    let reason = f.code.map_or("BCE refused the request", reason_of);
    let mut text = if message.is_empty() {
        reason.to_owned()
    } else {
        format!("{reason}: {message}")
    };
    if kind == ErrorKind::ClockSkew {
        if let Some(skew) = skew_text(&message, f.headers) {
            text.push_str(&format!(" ({skew})"));
        }
    }
    let mut err = Error::new(kind, text)
        .with_provider(ProviderKind::Baidu)
        .with_action(f.action.to_owned())
        .with_http_status(f.status.as_u16());
    if let Some(code) = f.code {
        err = err.with_code(code);
    }
    let request_id = f
        .request_id
        .filter(|id| !id.is_empty())
        .or_else(|| multicloud_core::transport::request_id(f.headers));
    if let Some(id) = request_id {
        err = err.with_request_id(id);
    }
    err
}

/// "signed at T, server clock D: this host is N s behind/ahead", from the `RequestExpired`
/// message (`... Timestamp date is 2024-01-01T00:00:00Z.`) and the response's `Date`.
fn skew_text(message: &str, headers: &HeaderMap) -> Option<String> {
    let signed = message
        .split_whitespace()
        .map(|w| w.trim_end_matches('.'))
        .find_map(|w| OffsetDateTime::parse(w, &Rfc3339).ok())?;
    let signed_text = signed.format(&Rfc3339).ok()?;
    let server = headers
        .get(http::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .map(OffsetDateTime::from);
    let Some(server) = server else {
        return Some(format!("the request was signed at {signed_text}"));
    };
    let secs = (signed - server).whole_seconds();
    let direction = if secs < 0 { "behind" } else { "ahead of" };
    Some(format!(
        "signed at {signed_text}, the server's clock said {}: this host's clock is {} s {direction} the server's",
        server.format(&Rfc3339).ok()?,
        secs.abs()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn fail<'a>(status: u16, code: &'a str, headers: &'a HeaderMap) -> Failure<'a> {
        Failure {
            action: "bcc:ListInstances",
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            code: Some(code),
            message: "m",
            request_id: Some("rid"),
        }
    }

    #[test]
    fn codes_refine_the_status() {
        let h = HeaderMap::new();
        let cases = [
            (403, "InvalidAccessKeyId", ErrorKind::InvalidCredential),
            (400, "SignatureDoesNotMatch", ErrorKind::InvalidCredential),
            (400, "RequestExpired", ErrorKind::ClockSkew),
            (403, "AccessDenied", ErrorKind::PermissionDenied),
            (403, "OptInRequired", ErrorKind::NotFound),
            (429, "RequestRateLimitExceeded", ErrorKind::Throttled),
            (500, "InternalError", ErrorKind::Transient),
            (503, "SomethingNew", ErrorKind::Transient),
            (403, "SomethingNew", ErrorKind::PermissionDenied),
        ];
        for (status, code, kind) in cases {
            let e = api_error(fail(status, code, &h));
            assert_eq!(e.kind(), kind, "{code}");
            assert_eq!(e.code(), Some(code));
            assert_eq!(e.request_id(), Some("rid"));
            assert_eq!(e.action(), Some("bcc:ListInstances"));
        }
        assert!(is_not_activated(&api_error(fail(403, "OptInRequired", &h))));
        assert!(!is_not_activated(&api_error(fail(403, "AccessDenied", &h))));
    }

    #[test]
    fn request_expired_shows_the_skew() {
        let mut h = HeaderMap::new();
        h.insert(
            http::header::DATE,
            HeaderValue::from_static("Mon, 01 Jan 2024 01:00:00 GMT"),
        );
        let f = Failure {
            message: "Request has expired. Timestamp date is 2024-01-01T00:00:00Z.",
            ..fail(400, "RequestExpired", &h)
        };
        let text = api_error(f).to_string();
        assert!(text.contains("3600 s behind"), "{text}");
        assert!(text.contains("2024-01-01T00:00:00Z"), "{text}");
        let bare = HeaderMap::new();
        let f = Failure {
            message: "Request has expired. Timestamp date is 2024-01-01T00:00:00Z.",
            ..fail(400, "RequestExpired", &bare)
        };
        assert!(api_error(f)
            .to_string()
            .contains("signed at 2024-01-01T00:00:00Z"));
    }
}

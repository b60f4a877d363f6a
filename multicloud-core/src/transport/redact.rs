//! Keeping signatures and tokens out of logs, errors and debug output.

use http::{HeaderMap, Uri};

/// Header-name fragments that mark a header as carrying a credential or signature.
const SENSITIVE_FRAGMENTS: &[&str] = &[
    "authorization",
    "token",
    "signature",
    "credential",
    "secret",
    "cookie",
    "password",
];

/// Marks every credential-bearing header sensitive, so `Debug` prints it as `Sensitive` and
/// HTTP/2 never indexes it (`Authorization`, `Eop-Authorization`, `X-Amz-Security-Token`,
/// `X-TC-Token`, `x-bce-security-token`, cookies, …).
pub(crate) fn mark_sensitive_headers(headers: &mut HeaderMap) {
    for (name, value) in headers.iter_mut() {
        let name = name.as_str();
        if SENSITIVE_FRAGMENTS.iter().any(|f| name.contains(f)) {
            value.set_sensitive(true);
        }
    }
}

/// `uri` without its query string or user info, for errors and logs: presigned URLs carry
/// their signature (and sometimes a session token) in the query.
///
/// ```
/// use multicloud_core::transport::redact_uri;
///
/// let uri = "https://bucket.s3.amazonaws.com/key?X-Amz-Signature=abc".parse()?;
/// assert_eq!(redact_uri(&uri), "https://bucket.s3.amazonaws.com/key");
/// # Ok::<(), http::uri::InvalidUri>(())
/// ```
pub fn redact_uri(uri: &Uri) -> String {
    let mut out = String::new();
    if let Some(scheme) = uri.scheme_str() {
        out.push_str(scheme);
        out.push_str("://");
    }
    if let Some(host) = uri.host() {
        out.push_str(host);
    }
    if let Some(port) = uri.port_u16() {
        out.push(':');
        out.push_str(&port.to_string());
    }
    out.push_str(uri.path());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_and_token_headers_become_sensitive_others_do_not() {
        let mut h = HeaderMap::new();
        for name in [
            "authorization",
            "eop-authorization",
            "x-amz-security-token",
            "x-tc-token",
            "x-bce-security-token",
            "content-type",
            "x-tc-action",
        ] {
            h.insert(name, "PLANTED-SIG".parse().unwrap());
        }
        mark_sensitive_headers(&mut h);
        let sensitive: Vec<&str> = h
            .iter()
            .filter(|(_, v)| v.is_sensitive())
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(sensitive.len(), 5, "{sensitive:?}");
        assert!(!h["content-type"].is_sensitive());
        assert!(!format!("{:?}", h["authorization"]).contains("PLANTED"));
    }

    #[test]
    fn redact_drops_query_and_user_info() {
        let uri: Uri = "http://user:pw@127.0.0.1:8080/a/b?Signature=PLANTED&x=1"
            .parse()
            .unwrap();
        assert_eq!(redact_uri(&uri), "http://127.0.0.1:8080/a/b");
    }
}

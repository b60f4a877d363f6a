//! Reading and editing the `http::Request` a signer works on.
//!
//! A signer first records the headers it would add or replace in [`HeaderEdits`]; the
//! canonical form is computed over [`HeaderEdits::entries`] (the request as it stands plus
//! those edits), and only `sign` applies them. So `signing_parts` never mutates the request
//! and always agrees with `sign`.

use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::Uri;

use super::headers::HeaderEntry;
use crate::error::{Error, Result};

/// Headers a signer sets or removes, applied in one go by [`HeaderEdits::apply`].
#[derive(Debug, Default, Clone)]
pub struct HeaderEdits {
    ops: Vec<(HeaderName, Option<HeaderValue>)>,
}

impl HeaderEdits {
    /// No edits.
    pub fn new() -> Self {
        HeaderEdits { ops: Vec::new() }
    }

    /// Replaces every value of `name` with `value` (a later edit of the same name wins).
    pub fn set(&mut self, name: HeaderName, value: HeaderValue) {
        self.ops.retain(|(n, _)| *n != name);
        self.ops.push((name, Some(value)));
    }

    /// Removes every value of `name`.
    pub fn remove(&mut self, name: HeaderName) {
        self.ops.retain(|(n, _)| *n != name);
        self.ops.push((name, None));
    }

    /// The value `name` will have after the edits: the edited one, else the request's first.
    pub fn get<'a>(&'a self, headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a [u8]> {
        match self.ops.iter().find(|(n, _)| n == name) {
            Some((_, value)) => value.as_ref().map(HeaderValue::as_bytes),
            None => headers.get(name).map(HeaderValue::as_bytes),
        }
    }

    /// The request's headers as the signer sees them once edited: untouched request headers
    /// in map order (values of one name in arrival order), then the set ones.
    pub fn entries<'a>(&'a self, headers: &'a HeaderMap) -> Vec<HeaderEntry<'a>> {
        let mut out = Vec::with_capacity(headers.len() + self.ops.len());
        for (name, value) in headers {
            if !self.ops.iter().any(|(n, _)| n == name) {
                out.push((name.as_str(), value.as_bytes()));
            }
        }
        for (name, value) in &self.ops {
            if let Some(value) = value {
                out.push((name.as_str(), value.as_bytes()));
            }
        }
        out
    }

    /// Applies the edits to `headers`.
    pub fn apply(self, headers: &mut HeaderMap) {
        for (name, value) in self.ops {
            match value {
                Some(value) => {
                    headers.insert(name, value);
                }
                None => {
                    headers.remove(name);
                }
            }
        }
    }
}

/// A header value from signer-made bytes. `what` names the value in the error, which never
/// repeats the bytes (they may be a token or secret).
pub fn header_value(bytes: &[u8], what: &str) -> Result<HeaderValue> {
    HeaderValue::from_bytes(bytes)
        .map_err(|_| Error::config(format!("{what} is not a valid HTTP header value")))
}

/// Like [`header_value`], marked sensitive so HTTP stacks never log it.
pub fn sensitive_header_value(bytes: &[u8], what: &str) -> Result<HeaderValue> {
    let mut value = header_value(bytes, what)?;
    value.set_sensitive(true);
    Ok(value)
}

/// Checks that the AccessKey id can be written into an authorization header, so that
/// `signing_parts` fails exactly when `sign` would.
pub fn check_access_key_id(id: &str) -> Result<()> {
    header_value(id.as_bytes(), "the access key id").map(|_| ())
}

/// botocore's `_host_from_url`: the lower-case host (IPv6 bracketed) and `:port` only when
/// the port is not the scheme's default.
pub fn host_from_uri(uri: &Uri) -> Option<String> {
    let host = uri.host().filter(|h| !h.is_empty())?;
    let mut out = host.to_ascii_lowercase();
    if let Some(port) = uri.port_u16() {
        let default = match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        };
        if default != Some(port) {
            out.push(':');
            out.push_str(&port.to_string());
        }
    }
    Some(out)
}

/// The URI's `host[:port]` exactly as written, without user info (the configured endpoint
/// Huawei and Tencent sign).
pub fn authority_from_uri(uri: &Uri) -> Option<&str> {
    let authority = uri.authority()?.as_str();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    (!host_port.is_empty()).then_some(host_port)
}

/// The error for a request with neither a URI host nor a `Host` header.
pub fn missing_host() -> Error {
    Error::config("cannot sign a request without a host: give the URI an authority or set Host")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_are_seen_virtually_then_applied() {
        let mut headers = HeaderMap::new();
        headers.append("x-a", HeaderValue::from_static("1"));
        headers.append("x-a", HeaderValue::from_static("2"));
        headers.append("x-b", HeaderValue::from_static("b"));
        let mut edits = HeaderEdits::new();
        edits.set(HeaderName::from_static("x-b"), HeaderValue::from_static("B"));
        edits.remove(HeaderName::from_static("x-a"));
        edits.set(HeaderName::from_static("x-c"), HeaderValue::from_static("c"));
        let seen: Vec<_> = edits.entries(&headers);
        assert_eq!(seen, vec![("x-b", &b"B"[..]), ("x-c", b"c")]);
        assert_eq!(edits.get(&headers, &HeaderName::from_static("x-a")), None);
        assert_eq!(headers.len(), 3, "entries() must not mutate");
        edits.apply(&mut headers);
        assert_eq!(headers.len(), 2);
        assert_eq!(headers["x-b"], "B");
        assert_eq!(headers["x-c"], "c");
    }

    #[test]
    fn host_rules() {
        let u: Uri = "https://EXAMPLE.com:443/x".parse().unwrap();
        assert_eq!(host_from_uri(&u).as_deref(), Some("example.com"));
        let u: Uri = "http://Example.com:8080/x".parse().unwrap();
        assert_eq!(host_from_uri(&u).as_deref(), Some("example.com:8080"));
        assert_eq!(authority_from_uri(&u), Some("Example.com:8080"));
        let u: Uri = "https://[::1]:443/".parse().unwrap();
        assert_eq!(host_from_uri(&u).as_deref(), Some("[::1]"));
        let u: Uri = "https://user:pw@Host.example/".parse().unwrap();
        assert_eq!(authority_from_uri(&u), Some("Host.example"));
        let u: Uri = "/relative".parse().unwrap();
        assert_eq!(host_from_uri(&u), None);
        assert_eq!(authority_from_uri(&u), None);
    }

    #[test]
    fn header_value_errors_do_not_echo_the_value() {
        let e = header_value(b"line\nbreak-SECRET", "the session token").unwrap_err();
        assert!(!format!("{e:?}{e}").contains("SECRET"));
        assert_eq!(e.kind(), crate::ErrorKind::Config);
        assert!(sensitive_header_value(b"tok", "t").unwrap().is_sensitive());
    }
}

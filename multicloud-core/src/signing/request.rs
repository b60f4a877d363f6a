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
        HeaderEdits {
            ops: Vec::with_capacity(6),
        }
    }

    /// Replaces every value of `name` with `value` (a later edit of the same name wins).
    pub fn set(&mut self, name: HeaderName, value: HeaderValue) {
        self.put(name, Some(value));
    }

    /// Removes every value of `name`.
    pub fn remove(&mut self, name: HeaderName) {
        self.put(name, None);
    }

    fn put(&mut self, name: HeaderName, value: Option<HeaderValue>) {
        match self.ops.iter_mut().find(|(n, _)| *n == name) {
            Some(op) => op.1 = value,
            None => self.ops.push((name, value)),
        }
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
        // One growth of the map for all new names rather than one per insert.
        headers.reserve(self.ops.iter().filter(|(_, v)| v.is_some()).count());
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

/// How [`listed_entries`] treats the names of a received signed-header list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    /// Each name once, with all its values in arrival order (AWS, Tencent).
    AllValues,
    /// Each listed occurrence kept, each with the name's last value (Huawei, whose SDK lists
    /// a name twice when two keys differ only in case).
    LastValuePerOccurrence,
}

/// The entries a verifier signs for a received request: exactly `names` (lower-cased and
/// sorted, as `names_out` returns them), with their values as present on `headers`. A
/// missing `host` falls back to `host_fallback`; any other missing name is a config error.
pub fn listed_entries<'a>(
    headers: &'a HeaderMap,
    names: &'a [String],
    host_fallback: Option<&'a str>,
    mode: Listed,
) -> Result<Vec<HeaderEntry<'a>>> {
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let before = out.len();
        let values = headers.get_all(name.as_str());
        match mode {
            Listed::AllValues => values
                .iter()
                .for_each(|v| out.push((name.as_str(), v.as_bytes()))),
            Listed::LastValuePerOccurrence => {
                if let Some(v) = values.iter().next_back() {
                    out.push((name.as_str(), v.as_bytes()));
                }
            }
        }
        if out.len() == before {
            match (name.as_str(), host_fallback) {
                ("host", Some(host)) => out.push(("host", host.as_bytes())),
                _ => {
                    return Err(Error::config(format!(
                        "signed header {name} is not on the request"
                    )))
                }
            }
        }
    }
    Ok(out)
}

/// `names` lower-cased and sorted; repeats removed unless `mode` keeps them.
pub fn listed_names(names: &[&str], mode: Listed) -> Vec<String> {
    let mut out: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    out.sort();
    if mode == Listed::AllValues {
        out.dedup();
    }
    out
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

/// A sensitive header value that takes over `text`'s buffer (no copy): the authorization
/// value a signer has just built.
pub fn sensitive_header_value_from(text: String, what: &str) -> Result<HeaderValue> {
    let mut value = HeaderValue::from_maybe_shared(bytes::Bytes::from(text.into_bytes()))
        .map_err(|_| Error::config(format!("{what} is not a valid HTTP header value")))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Checks that the AccessKey id can be written into an authorization header, so that
/// `signing_parts` fails exactly when `sign` would.
pub fn check_access_key_id(id: &str) -> Result<()> {
    // The byte rule of `HeaderValue::from_bytes`, without building one.
    let valid = id.bytes().all(|b| (b >= 0x20 && b != 0x7f) || b == b'\t');
    if valid {
        Ok(())
    } else {
        Err(Error::config(
            "the access key id is not a valid HTTP header value",
        ))
    }
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
        edits.set(
            HeaderName::from_static("x-b"),
            HeaderValue::from_static("B"),
        );
        edits.remove(HeaderName::from_static("x-a"));
        edits.set(
            HeaderName::from_static("x-c"),
            HeaderValue::from_static("c"),
        );
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
    fn listed_entries_follow_the_list() {
        let mut headers = HeaderMap::new();
        headers.append("x-a", HeaderValue::from_static("1"));
        headers.append("x-a", HeaderValue::from_static("2"));
        let names = listed_names(&["X-A", "host", "x-a"], Listed::AllValues);
        assert_eq!(names, ["host", "x-a"]);
        let all = listed_entries(&headers, &names, Some("h"), Listed::AllValues).unwrap();
        assert_eq!(all, vec![("host", &b"h"[..]), ("x-a", b"1"), ("x-a", b"2")]);
        let names = listed_names(&["x-a", "x-a"], Listed::LastValuePerOccurrence);
        let last = listed_entries(&headers, &names, None, Listed::LastValuePerOccurrence).unwrap();
        assert_eq!(last, vec![("x-a", &b"2"[..]), ("x-a", b"2")]);
        let host_only = ["host".to_owned()];
        let missing = listed_entries(&headers, &host_only, None, Listed::AllValues);
        assert_eq!(missing.unwrap_err().kind(), crate::ErrorKind::Config);
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

//! Reading and editing the `http::Request` a signer works on.
//!
//! The five API signers walk the request's headers once, collecting what they sign and
//! noting which of their own headers are there; they add their own headers' values (made
//! first, with every check that can fail, the authorization value included
//! ([`authorization_value`]), compute the signature, and only then write their headers and
//! the authorization: no bookkeeping of edits on the hot
//! path, and a failed `sign` leaves the request as it was. Their `signing_parts` runs that
//! same code on a copy, so it always agrees with `sign`.
//!
//! [`HeaderEdits`] records edits without applying them, for a signer that must see the
//! edited headers before it may touch the request (COS).

use std::borrow::Cow;
use std::cell::RefCell;

use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::Uri;

use super::headers::HeaderEntry;
use super::scan::all_bytes;
use super::stack::{StackBuf, StackVec};
use crate::error::{Error, Result};
use crate::secret::AccessKey;

/// The headers a signer signs, kept on the stack for the usual request.
pub type HeaderEntries<'a> = StackVec<HeaderEntry<'a>, 8>;

type Edit = (HeaderName, Option<HeaderValue>);

/// Headers a signer sets or removes, applied in one go by [`HeaderEdits::apply`].
#[derive(Debug, Default, Clone)]
pub struct HeaderEdits {
    // A signer makes at most a handful of edits: no allocation for the list itself.
    ops: StackVec<Option<Edit>, 6>,
}

impl HeaderEdits {
    /// No edits.
    pub fn new() -> Self {
        HeaderEdits::default()
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
        match self.ops.iter_mut().flatten().find(|(n, _)| *n == name) {
            Some(op) => op.1 = value,
            None => self.ops.push(Some((name, value))),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &Edit> {
        self.ops.iter().flatten()
    }

    fn edits(&self, name: &HeaderName) -> bool {
        self.iter().any(|(n, _)| n == name)
    }

    /// The value `name` will have after the edits: the edited one, else the request's first.
    pub fn get<'a>(&'a self, headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a [u8]> {
        match self.iter().find(|(n, _)| n == name) {
            Some((_, value)) => value.as_ref().map(HeaderValue::as_bytes),
            None => headers.get(name).map(HeaderValue::as_bytes),
        }
    }

    /// The request's headers as the signer sees them once edited: untouched request headers
    /// in map order (values of one name in arrival order), then the set ones.
    pub fn entries<'a>(&'a self, headers: &'a HeaderMap) -> HeaderEntries<'a> {
        self.entries_where(headers, |_| true)
    }

    /// [`entries`](Self::entries) whose name `keep` accepts.
    pub fn entries_where<'a>(
        &'a self,
        headers: &'a HeaderMap,
        keep: impl Fn(&str) -> bool,
    ) -> HeaderEntries<'a> {
        let mut out = HeaderEntries::new();
        for (name, value) in headers {
            if keep(name.as_str()) && !self.edits(name) {
                out.push((name.as_str(), value.as_bytes()));
            }
        }
        for (name, value) in self.iter() {
            if let Some(value) = value {
                if keep(name.as_str()) {
                    out.push((name.as_str(), value.as_bytes()));
                }
            }
        }
        out
    }

    /// Applies the edits to `headers`.
    pub fn apply(self, headers: &mut HeaderMap) {
        // One growth of the map for all new names rather than one per insert.
        headers.reserve(self.iter().filter(|(_, v)| v.is_some()).count());
        let mut ops = self.ops;
        // Taken in place: moving the inline list into an iterator would copy all of it.
        for (name, value) in ops.iter_mut().filter_map(Option::take) {
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

/// The headers of `headers` whose name `keep` accepts, in map order (values of one name in
/// arrival order): what a signer that has already written its own headers signs.
pub fn entries_where<'a>(headers: &'a HeaderMap, keep: impl Fn(&str) -> bool) -> HeaderEntries<'a> {
    let mut out = HeaderEntries::new();
    for (name, value) in headers {
        if keep(name.as_str()) {
            out.push((name.as_str(), value.as_bytes()));
        }
    }
    out
}

/// The first value of each of `names` on `headers`, found in one pass over the map: a
/// signer asks about a few names, and a hashed lookup for each costs more than the walk.
pub fn first_values<'a, const N: usize>(
    headers: &'a HeaderMap,
    names: [&HeaderName; N],
) -> [Option<&'a HeaderValue>; N] {
    let mut found = [None; N];
    for (name, value) in headers {
        for (slot, wanted) in found.iter_mut().zip(names) {
            if slot.is_none() && name == wanted {
                *slot = Some(value);
            }
        }
    }
    found
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
    HeaderValue::from_bytes(bytes).map_err(|_| invalid_header_value(what))
}

/// How many values [`recent_header_value`] keeps per thread: enough for the date, host and
/// length of one signer, or the dates of a few signers used in turn.
const RECENT_VALUES: usize = 4;

/// Like [`header_value`], for a value that repeats from request to request (a date that
/// changes once a second, a host, a length): the last few made on this thread are kept and
/// shared, so a repeat costs a reference count instead of an allocation, a copy, a check
/// and a free. Never for a secret: what is kept outlives the request.
pub fn recent_header_value(bytes: &[u8], what: &str) -> Result<HeaderValue> {
    thread_local! {
        static RECENT: RefCell<([Option<HeaderValue>; RECENT_VALUES], usize)> =
            const { RefCell::new(([const { None }; RECENT_VALUES], 0)) };
    }
    RECENT.with_borrow_mut(|(kept, next)| {
        if let Some(value) = kept.iter().flatten().find(|v| v.as_bytes() == bytes) {
            return Ok(value.clone());
        }
        // One allocation that clones share; `from_maybe_shared` takes `Bytes` as it is and
        // checks it, so a bad value is never kept.
        let shared = bytes::Bytes::from_owner(StackBuf::<24>::from_slice(bytes));
        let value =
            HeaderValue::from_maybe_shared(shared).map_err(|_| invalid_header_value(what))?;
        kept[*next] = Some(value.clone());
        *next = (*next + 1) % RECENT_VALUES;
        Ok(value)
    })
}

fn invalid_header_value(what: &str) -> Error {
    Error::config(format!("{what} is not a valid HTTP header value"))
}

/// Like [`header_value`], marked sensitive so HTTP stacks never log it.
pub fn sensitive_header_value(bytes: &[u8], what: &str) -> Result<HeaderValue> {
    let mut value = header_value(bytes, what)?;
    value.set_sensitive(true);
    Ok(value)
}

/// A sensitive header value that takes over `bytes`' buffer (no copy when its capacity is
/// its length): the authorization value a signer has just built.
pub fn sensitive_header_value_from(bytes: impl Into<Vec<u8>>, what: &str) -> Result<HeaderValue> {
    let mut value = HeaderValue::from_maybe_shared(bytes::Bytes::from(bytes.into()))
        .map_err(|_| invalid_header_value(what))?;
    value.set_sensitive(true);
    Ok(value)
}

/// The authorization header value from the buffer a signer built: taken over by `sign`
/// (`keep_text` false: no copy), copied for `signing_parts`, which still shows the text.
#[inline]
pub fn authorization_value(bytes: &mut Vec<u8>, keep_text: bool) -> Result<HeaderValue> {
    if keep_text {
        sensitive_header_value(bytes, "the authorization")
    } else {
        sensitive_header_value_from(std::mem::take(bytes), "the authorization")
    }
}

/// The session token of `key` as a sensitive header value (`None` for a long-term key).
#[inline]
pub fn session_token_value(key: &AccessKey) -> Result<Option<HeaderValue>> {
    key.session_token()
        .map(|token| sensitive_header_value(token.expose().as_bytes(), "the session token"))
        .transpose()
}

/// Adds to `entries` each of the signer's own headers that it will write (`Some`), so they
/// are signed with exactly the values `sign` then sends.
#[inline]
pub fn push_own_entries<'a, const N: usize>(
    entries: &mut HeaderEntries<'a>,
    own: [(&'a str, &'a Option<HeaderValue>); N],
) {
    for (name, value) in own {
        if let Some(value) = value {
            entries.push((name, value.as_bytes()));
        }
    }
}

/// Sets `name` to `value` when there is one: a signer's own header that it writes only in
/// some cases (a token, a host the request lacked).
#[inline]
pub fn insert_present(headers: &mut HeaderMap, name: HeaderName, value: Option<HeaderValue>) {
    if let Some(value) = value {
        headers.insert(name, value);
    }
}

/// Checks that `bytes` can be a header value without building one (`HeaderValue::from_bytes`'s
/// rule), so a check never costs an allocation. `what` names the value in the error.
pub fn check_header_value(bytes: &[u8], what: &str) -> Result<()> {
    if is_header_value(bytes) {
        Ok(())
    } else {
        Err(invalid_header_value(what))
    }
}

/// Whether `bytes` can be a header value (`HeaderValue::from_bytes`'s rule).
pub fn is_header_value(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|&b| (b >= 0x20 && b != 0x7f) || b == b'\t')
}

/// Checks that the AccessKey id can be written into an authorization header (memoised in
/// the key), before a signer edits anything.
pub fn check_access_key_id(key: &AccessKey) -> Result<()> {
    if key.id_is_header_safe() {
        Ok(())
    } else {
        Err(Error::config(
            "the access key id is not a valid HTTP header value",
        ))
    }
}

/// botocore's `_host_from_url`: the lower-case host (IPv6 bracketed) and `:port` only when
/// the port is not the scheme's default. Borrowed from the URI when it is already that.
pub fn host_from_uri(uri: &Uri) -> Option<Cow<'_, str>> {
    let authority = uri.authority()?.as_str();
    // The usual authority, a lower-case host name alone, is the host as it is.
    // Comparisons, not `matches!`, which compiles to a bit test that does not vectorise.
    let plain = |b: u8| !((b == b'@') | (b == b':') | (b == b'[') | b.is_ascii_uppercase());
    if all_bytes(authority.as_bytes(), plain, plain) {
        return (!authority.is_empty()).then_some(Cow::Borrowed(authority));
    }
    // `Uri::host` and `Uri::port_u16` each split the authority again; one walk over the part
    // after any user info answers both, and whether the host has upper case: the host ends
    // at the first `:`, or at the `]` of an IPv6 literal, which keeps its brackets.
    let host_port = authority_without_user_info(authority);
    let bracketed = host_port.starts_with('[');
    let (mut host_end, mut upper) = (host_port.len(), false);
    for (at, &byte) in host_port.as_bytes().iter().enumerate() {
        match byte {
            b':' if !bracketed => {
                host_end = at;
                break;
            }
            b']' if bracketed => {
                host_end = at + 1;
                break;
            }
            _ => upper |= byte.is_ascii_uppercase(),
        }
    }
    let host = &host_port[..host_end];
    if host.is_empty() {
        return None;
    }
    // The port is what follows the host, after a `:`.
    let port = host_port[host.len()..]
        .strip_prefix(':')
        .and_then(|port| port.parse::<u16>().ok())
        .filter(|port| {
            let default = match uri.scheme_str() {
                Some("https") => Some(443),
                Some("http") => Some(80),
                _ => None,
            };
            default != Some(*port)
        });
    match (!upper, port) {
        (true, None) => Some(Cow::Borrowed(host)),
        (_, None) => Some(Cow::Owned(host.to_ascii_lowercase())),
        (_, Some(port)) => Some(Cow::Owned(format!("{}:{port}", host.to_ascii_lowercase()))),
    }
}

/// The part of an authority after any `user:password@`.
fn authority_without_user_info(authority: &str) -> &str {
    let no_at = |b: u8| b != b'@';
    // Checked whole first: most authorities have no user info, and the check vectorises.
    if all_bytes(authority.as_bytes(), no_at, no_at) {
        return authority;
    }
    authority
        .rfind('@')
        .map_or(authority, |at| &authority[at + 1..])
}

/// The URI's `host[:port]` exactly as written, without user info (the configured endpoint
/// Huawei and Tencent sign).
pub fn authority_from_uri(uri: &Uri) -> Option<&str> {
    let host_port = authority_without_user_info(uri.authority()?.as_str());
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
        let seen: Vec<_> = edits.entries(&headers).into_iter().collect();
        assert_eq!(seen, vec![("x-b", &b"B"[..]), ("x-c", b"c")]);
        assert_eq!(edits.get(&headers, &HeaderName::from_static("x-a")), None);
        assert_eq!(headers.len(), 3, "entries() must not mutate");
        edits.apply(&mut headers);
        assert_eq!(headers.len(), 2);
        assert_eq!(headers["x-b"], "B");
        assert_eq!(headers["x-c"], "c");
    }

    #[test]
    fn authorization_values_are_taken_or_copied_and_present_headers_written() {
        let mut bad = b"line\nbreak".to_vec();
        let e = authorization_value(&mut bad, false).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Config);
        // Kept text: the buffer is copied, not taken.
        let mut kept = b"new".to_vec();
        let value = authorization_value(&mut kept, true).unwrap();
        assert_eq!((value.as_bytes(), &kept[..]), (&b"new"[..], &b"new"[..]));
        assert!(value.is_sensitive());
        let mut taken = b"newer".to_vec();
        assert_eq!(authorization_value(&mut taken, false).unwrap(), "newer");
        assert!(taken.is_empty(), "sign hands the buffer over");
        let mut headers = HeaderMap::new();
        insert_present(&mut headers, HeaderName::from_static("x-b"), Some(value));
        insert_present(&mut headers, HeaderName::from_static("x-c"), None);
        let names: Vec<_> = headers.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["x-b"]);
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
    fn first_values_takes_the_first_of_each_name() {
        let mut headers = HeaderMap::new();
        headers.append("x-a", HeaderValue::from_static("1"));
        headers.append("x-a", HeaderValue::from_static("2"));
        headers.append(http::header::HOST, HeaderValue::from_static("h"));
        let [a, host, none] = first_values(
            &headers,
            [
                &HeaderName::from_static("x-a"),
                &http::header::HOST,
                &http::header::DATE,
            ],
        );
        assert_eq!(
            (a.unwrap().as_bytes(), host.unwrap().as_bytes()),
            (&b"1"[..], &b"h"[..])
        );
        assert!(none.is_none());
    }

    /// The rules `host_from_uri` had when it asked `Uri::host` and `Uri::port_u16`.
    fn host_via_http(uri: &Uri) -> Option<String> {
        let host = uri.host().filter(|h| !h.is_empty())?;
        let port = uri.port_u16().filter(|port| {
            let default = match uri.scheme_str() {
                Some("https") => Some(443),
                Some("http") => Some(80),
                _ => None,
            };
            default != Some(*port)
        });
        Some(match port {
            None => host.to_ascii_lowercase(),
            Some(port) => format!("{}:{port}", host.to_ascii_lowercase()),
        })
    }

    #[test]
    fn host_from_uri_agrees_with_http_on_every_authority_shape() {
        let mut checked = 0;
        for scheme in ["https", "http", "ftp"] {
            for user in ["", "u@", "u:p@", "a@b@", "u:443@"] {
                for host in [
                    "Ex.COM",
                    "ex.com",
                    "[::1]",
                    "[FE80::1]",
                    "1.2.3.4",
                    "h",
                    // Past a 16-byte block, with upper case in the block and in the tail.
                    "bcc.bj.baidubce.com",
                    "Bcc.bj.baidubce.com",
                    "bcc.bj.baidubce.coM",
                    "ecs.cn-north-4.myhuaweicloud.com",
                    "[fe80:0000:0000:0000:0000:0000:0000:0001]",
                ] {
                    for port in [
                        "", ":443", ":80", ":8080", ":0", ":65535", ":65536", ":", ":1:2", "::80",
                    ] {
                        let text = format!("{scheme}://{user}{host}{port}/p");
                        let Ok(uri) = text.parse::<Uri>() else {
                            continue;
                        };
                        let ours = host_from_uri(&uri).map(Cow::into_owned);
                        assert_eq!(ours, host_via_http(&uri), "{text}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 300, "only {checked} URIs parsed");
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
        let u: Uri = "https://example.com/".parse().unwrap();
        assert!(matches!(
            host_from_uri(&u),
            Some(Cow::Borrowed("example.com"))
        ));
        let u: Uri = "ftp://example.com:21/".parse().unwrap();
        assert_eq!(host_from_uri(&u).as_deref(), Some("example.com:21"));
        let u: Uri = "https://user:pw@Host.example/".parse().unwrap();
        assert_eq!(authority_from_uri(&u), Some("Host.example"));
        let u: Uri = "/relative".parse().unwrap();
        assert_eq!(host_from_uri(&u), None);
        assert_eq!(authority_from_uri(&u), None);
    }

    #[test]
    fn recent_values_are_shared_only_for_the_same_bytes() {
        let first = recent_header_value(b"20240501T083000Z", "d").unwrap();
        let again = recent_header_value(b"20240501T083000Z", "d").unwrap();
        assert_eq!(first, "20240501T083000Z");
        assert_eq!(
            first.as_bytes().as_ptr(),
            again.as_bytes().as_ptr(),
            "a repeat shares the kept buffer"
        );
        assert!(!again.is_sensitive());
        // Prefixes, extensions and more values than are kept: each answer is its own bytes.
        let inputs: [&[u8]; 8] = [
            b"2024",
            b"20240501T083000",
            b"20240501T083000Z0",
            b"",
            b"a",
            b"b",
            b"c",
            b"20240501T083000Z",
        ];
        for _ in 0..3 {
            for bytes in inputs {
                assert_eq!(recent_header_value(bytes, "d").unwrap().as_bytes(), bytes);
            }
        }
        // A value too long for the inline room is kept all the same.
        let long = [b'x'; 100];
        assert_eq!(
            recent_header_value(&long, "d").unwrap().as_bytes(),
            &long[..]
        );
        // A bad value is refused, not echoed, and never kept.
        for _ in 0..2 {
            let e = recent_header_value(b"bad\nSECRET", "the date").unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Config);
            assert!(!format!("{e:?}{e}").contains("SECRET"));
        }
        assert_eq!(recent_header_value(b"ok", "d").unwrap(), "ok");
    }

    #[test]
    fn header_value_errors_do_not_echo_the_value() {
        let e = header_value(b"line\nbreak-SECRET", "the session token").unwrap_err();
        assert!(!format!("{e:?}{e}").contains("SECRET"));
        assert_eq!(e.kind(), crate::ErrorKind::Config);
        assert!(sensitive_header_value(b"tok", "t").unwrap().is_sensitive());
        for bytes in [
            &b"ok \t~"[..],
            b"\x80\xff",
            b"",
            b"a\x7fb",
            b"a\rb",
            b"\x00",
        ] {
            let checked = check_header_value(bytes, "v").is_ok();
            assert_eq!(checked, HeaderValue::from_bytes(bytes).is_ok(), "{bytes:?}");
        }
    }
}

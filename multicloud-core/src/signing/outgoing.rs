//! [`Outgoing`]: a request as it will be sent once signed, the original plus the edits its
//! signer plans, so that a signer computes over exactly what goes on the wire and the
//! request changes only once every check has passed.

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, HOST};
use http::{Request, Uri};

use crate::error::{Error, Result};

/// A request and the header edits its signer plans: what a signer reads, and writes to.
///
/// Made by [`RequestSigner`](super::RequestSigner)'s provided methods: [`Outgoing::new`] to
/// sign, or [`Outgoing::received`] to recompute the signature of a request that arrived,
/// over exactly the headers it says it signed.
#[derive(Debug)]
pub struct Outgoing<'r> {
    request: &'r Request<Bytes>,
    /// Names whose values are replaced by these (a list, not a map: a handful of edits is
    /// found faster by comparing names than by hashing them).
    set: Vec<(HeaderName, HeaderValue)>,
    /// Names removed (unless also in `set`).
    removed: Vec<HeaderName>,
    /// For a received request: the signed names it lists, and the host from its URI when
    /// it has no `Host` header.
    received: Option<(Vec<String>, Option<String>)>,
}

/// The edits a signer planned, to apply to the request it signed.
#[derive(Debug, Default)]
pub(crate) struct HeaderEdits {
    set: Vec<(HeaderName, HeaderValue)>,
    removed: Vec<HeaderName>,
}

impl HeaderEdits {
    /// Writes the edits: removed names go, then each set name's values become the planned ones.
    pub(crate) fn apply(self, request: &mut Request<Bytes>) {
        let headers = request.headers_mut();
        for name in &self.removed {
            headers.remove(name);
        }
        // A name's planned values are next to each other (every plan first drops the name's
        // earlier ones): the first replaces the request's, the others follow it.
        let mut previous: Option<HeaderName> = None;
        for (name, value) in self.set {
            if previous.as_ref() == Some(&name) {
                headers.append(&name, value);
            } else {
                headers.insert(&name, value);
            }
            previous = Some(name);
        }
    }
}

impl<'r> Outgoing<'r> {
    /// `request` with no edits yet.
    pub fn new(request: &'r Request<Bytes>) -> Self {
        Outgoing {
            request,
            set: Vec::new(),
            removed: Vec::new(),
            received: None,
        }
    }

    /// A received `request` whose signature covers exactly `signed_headers` (names as its
    /// authorization lists them); a listed `host` is `uri_host` when no `Host` is present.
    pub fn received(
        request: &'r Request<Bytes>,
        signed_headers: &[&str],
        uri_host: Option<String>,
    ) -> Self {
        // Each name once: a name is listed once per value by some algorithms (Huawei), and
        // every value of a listed name is read anyway.
        let mut names: Vec<String> = Vec::with_capacity(signed_headers.len());
        for name in signed_headers.iter().map(|n| n.to_ascii_lowercase()) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let host = match request.headers().contains_key(HOST) {
            true => None,
            false => uri_host,
        };
        Outgoing {
            request,
            set: Vec::new(),
            removed: Vec::new(),
            received: Some((names, host)),
        }
    }

    /// The request being signed, before the edits.
    pub fn request(&self) -> &'r Request<Bytes> {
        self.request
    }

    /// Whether this is a received request being checked (nothing is to be added to it).
    pub fn is_received(&self) -> bool {
        self.received.is_some()
    }

    /// The names a received request being checked lists as signed (lower-cased, each once);
    /// `None` when signing.
    pub fn listed_names(&self) -> Option<&[String]> {
        self.received.as_ref().map(|(names, _)| names.as_slice())
    }

    /// The first value of `name` as it will be sent.
    pub fn header(&self, name: &HeaderName) -> Option<&[u8]> {
        let planned = self.set.iter().find(|(n, _)| n == name).map(|(_, v)| v);
        let value = match (planned, self.removed.contains(name)) {
            (Some(value), _) => Some(value),
            (None, true) => None,
            (None, false) => self.request.headers().get(name),
        };
        value.map(HeaderValue::as_bytes)
    }

    /// Whether `name` will be sent.
    pub fn contains(&self, name: &HeaderName) -> bool {
        self.header(name).is_some()
    }

    /// Plans `name: value`, replacing every value of `name`. A value a header cannot carry is
    /// a [`Config`](crate::ErrorKind::Config) error naming `what` (never the value: it may be
    /// secret).
    pub fn set(&mut self, name: HeaderName, value: impl Into<Bytes>, what: &str) -> Result<()> {
        self.push(name, value.into(), what, false)
    }

    /// Plans `values` as every value of `name`, in order (a signer that rewrites what it
    /// signs, such as Huawei's stripped values).
    pub fn set_values(&mut self, name: HeaderName, values: Vec<HeaderValue>) {
        self.remove(name.clone());
        self.set
            .extend(values.into_iter().map(|value| (name.clone(), value)));
    }

    /// As [`set`](Self::set), with the value marked sensitive (kept out of HTTP logs and
    /// `Debug` by `http`): authorization and token headers.
    pub fn set_sensitive(
        &mut self,
        name: HeaderName,
        value: impl Into<Bytes>,
        what: &str,
    ) -> Result<()> {
        self.push(name, value.into(), what, true)
    }

    // `Bytes`, not `&[u8]`: a value made for the request moves in, uncopied.
    fn push(&mut self, name: HeaderName, value: Bytes, what: &str, sensitive: bool) -> Result<()> {
        let mut value = HeaderValue::from_maybe_shared(value).map_err(|_| {
            let why = "cannot be sent in an HTTP header (it holds a control character)";
            Error::config(format!("{what} {why}"))
        })?;
        value.set_sensitive(sensitive);
        self.set.retain(|(n, _)| *n != name);
        self.set.push((name, value));
        Ok(())
    }

    /// Plans `Host: host()` unless the request has a `Host` header; with neither, a
    /// [`Config`](crate::ErrorKind::Config) error.
    pub fn set_host_if_absent(&mut self, host: impl FnOnce() -> Option<String>) -> Result<()> {
        if self.contains(&HOST) {
            return Ok(());
        }
        let host = host().ok_or_else(|| {
            Error::config(
                "cannot sign a request without a host: give the URI an authority or set Host",
            )
        })?;
        self.set(HOST, host, "the host")
    }

    /// Plans the removal of every value of `name`.
    pub fn remove(&mut self, name: HeaderName) {
        self.set.retain(|(n, _)| *n != name);
        if self.request.headers().contains_key(&name) {
            self.removed.push(name);
        }
    }

    /// Every header as it will be sent (lower-case name, value) that `keep` accepts by name,
    /// values of one name in arrival order. For a received request: exactly its listed
    /// names, `keep` aside; a listed name that is absent is a [`Decode`](crate::ErrorKind::Decode)
    /// error.
    pub fn headers_where(&self, keep: impl Fn(&str) -> bool) -> Result<Vec<(&str, &[u8])>> {
        match &self.received {
            Some((names, host)) => self.listed(names, host.as_deref()),
            None => Ok(self.sent(keep)),
        }
    }

    /// Every header as it will be sent (for a received request: as received), whatever it
    /// lists: for algorithms whose list is not the set they sign (Baidu).
    pub fn all_headers(&self) -> Vec<(&str, &[u8])> {
        self.sent(|_| true)
    }

    fn sent(&self, keep: impl Fn(&str) -> bool) -> Vec<(&str, &[u8])> {
        let edited = |name: &HeaderName| {
            self.set.iter().any(|(n, _)| n == name) || self.removed.contains(name)
        };
        let headers = self.request.headers();
        let mut out = Vec::with_capacity(headers.len() + self.set.len());
        let kept = headers.iter().filter(|(name, _)| !edited(name));
        let planned = self.set.iter().map(|(name, value)| (name, value));
        for (name, value) in kept.chain(planned) {
            if keep(name.as_str()) {
                out.push((name.as_str(), value.as_bytes()));
            }
        }
        out
    }

    fn listed<'a>(
        &'a self,
        names: &'a [String],
        host: Option<&'a str>,
    ) -> Result<Vec<(&'a str, &'a [u8])>> {
        let headers = self.request.headers();
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let before = out.len();
            out.extend(
                headers
                    .get_all(name.as_str())
                    .iter()
                    .map(|v| (name.as_str(), v.as_bytes())),
            );
            if out.len() == before {
                match (name.as_str(), host) {
                    ("host", Some(host)) => out.push(("host", host.as_bytes())),
                    _ => {
                        return Err(Error::decode(format!(
                            "the request lists {name} as signed but does not carry it"
                        )))
                    }
                }
            }
        }
        Ok(out)
    }

    /// The planned edits, to [`apply`](HeaderEdits::apply) to the request.
    pub(crate) fn into_edits(self) -> HeaderEdits {
        HeaderEdits {
            set: self.set,
            removed: self.removed,
        }
    }
}

/// The URI's `host[:port]` exactly as written, without user info: the configured endpoint
/// Huawei, Tencent, Baidu and CTyun sign.
pub fn authority_from_uri(uri: &Uri) -> Option<String> {
    let authority = uri.authority()?.as_str();
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, rest)| rest);
    (!host_port.is_empty()).then(|| host_port.to_owned())
}

/// The host a signature covers when the request has no `Host` header, as botocore derives it:
/// the URI's host lower-cased (IPv6 kept in brackets), with the port unless it is the
/// scheme's default. `None` when the URI has no host.
pub(crate) fn host_from_uri(uri: &Uri) -> Option<String> {
    let host = uri.host().filter(|h| !h.is_empty())?.to_ascii_lowercase();
    let default_port = match uri.scheme_str() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    };
    match uri.port_u16() {
        Some(port) if Some(port) != default_port => Some(format!("{host}:{port}")),
        _ => Some(host),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request<Bytes> {
        Request::builder()
            .uri("https://Example.COM:443/p")
            .header("x-a", "1")
            .header("x-a", "2")
            .header("x-b", "3")
            .body(Bytes::new())
            .unwrap()
    }

    #[test]
    fn edits_show_in_the_view_and_reach_the_request_only_when_applied() {
        let req = request();
        let mut out = Outgoing::new(&req);
        out.set(HeaderName::from_static("x-a"), "9", "x-a").unwrap();
        out.remove(HeaderName::from_static("x-b"));
        out.set_sensitive(http::header::AUTHORIZATION, "secret-ish", "auth")
            .unwrap();
        let seen = out.headers_where(|_| true).unwrap();
        assert_eq!(seen, [("x-a", &b"9"[..]), ("authorization", b"secret-ish")]);
        assert_eq!(out.header(&HeaderName::from_static("x-b")), None);
        let mut req = req.clone();
        assert_eq!(req.headers().len(), 3);
        out.into_edits().apply(&mut req);
        assert_eq!(req.headers().get_all("x-a").iter().count(), 1);
        assert!(req.headers()["authorization"].is_sensitive());
        assert!(!req.headers().contains_key("x-b"));
    }

    #[test]
    fn a_received_request_shows_exactly_its_listed_headers() {
        let req = request();
        let out = Outgoing::received(&req, &["X-A", "host"], host_from_uri(req.uri()));
        let seen = out.headers_where(|_| false).unwrap();
        assert_eq!(
            seen,
            [("x-a", &b"1"[..]), ("x-a", b"2"), ("host", b"example.com")]
        );
        let missing = Outgoing::received(&req, &["x-c"], None);
        let err = missing.headers_where(|_| true).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Decode);
    }

    #[test]
    fn bad_values_are_config_errors_that_hide_the_value() {
        let req = request();
        let mut out = Outgoing::new(&req);
        let err = out
            .set(HeaderName::from_static("x-a"), "line\nbreak", "the region")
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Config);
        assert!(err.to_string().contains("the region") && !err.to_string().contains("line"));
    }

    #[test]
    fn host_from_uri_drops_default_ports_and_lower_cases() {
        let host = |u: &str| host_from_uri(&u.parse().unwrap());
        assert_eq!(host("https://Ex.COM:443/").as_deref(), Some("ex.com"));
        assert_eq!(host("http://ex.com:8080/").as_deref(), Some("ex.com:8080"));
        assert_eq!(
            host("https://[FE80::1]:80/").as_deref(),
            Some("[fe80::1]:80")
        );
        assert_eq!(host("/only/a/path"), None);
        let authority = |u: &str| authority_from_uri(&u.parse().unwrap());
        assert_eq!(
            authority("https://u:p@Ex.COM:443/").as_deref(),
            Some("Ex.COM:443")
        );
        assert_eq!(authority("/only/a/path"), None);
    }
}

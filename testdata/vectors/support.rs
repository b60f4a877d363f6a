//! Shared helpers for the published-vector tests: each provider crate's `tests/vectors.rs`
//! includes this file with `#[path]`, so the request-building rules live in one place.
//!
//! The vectors describe a request the way the official SDKs saw it: a decoded path and query
//! pairs. Here they become an `http::Request` the way a client puts them on the wire: query
//! pairs percent-encoded (unreserved kept), a raw space in the path written `%20` (no URI can
//! carry it), and header line folds (`\n` + spaces, which no `HeaderValue` can carry)
//! unfolded into spaces as RFC 9112 tells a recipient to do.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use bytes::Bytes;
use multicloud_core::signing::percent_encode;
use multicloud_core::AccessKey;
use serde_json::Value;
use time::OffsetDateTime;

/// The published vectors, as kept in the repository.
pub(crate) const PUBLISHED: &str = include_str!("published.json");

/// Every case, parsed once.
pub(crate) fn cases() -> &'static [Value] {
    static CASES: OnceLock<Vec<Value>> = OnceLock::new();
    CASES.get_or_init(|| {
        let doc: Value = serde_json::from_str(PUBLISHED).expect("published.json parses");
        doc["cases"].as_array().expect("cases array").clone()
    })
}

/// The case with `id`.
pub(crate) fn case(id: &str) -> &'static Value {
    cases()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no published case {id}"))
}

/// The ids of every case for `provider`.
pub(crate) fn ids_for(provider: &str) -> Vec<String> {
    cases()
        .iter()
        .filter(|c| c["provider"] == provider)
        .map(|c| c["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A string field, `None` for null or absent.
pub(crate) fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// `(name, value)` pairs of a `[[k, v], …]` array.
pub(crate) fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .map(|list| {
            list.iter()
                .map(|p| {
                    (
                        p[0].as_str().unwrap_or_default().to_owned(),
                        p[1].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The case's signing time (`input.timestamp`).
pub(crate) fn timestamp(input: &Value) -> OffsetDateTime {
    let t = text(input, "timestamp").expect("case has a timestamp");
    OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
        .expect("RFC 3339 timestamp")
}

/// The case's key, with its session token when `with_token`.
pub(crate) fn access_key(input: &Value, with_token: bool) -> AccessKey {
    let key = AccessKey::new(
        text(input, "access_key_id").unwrap_or_default(),
        text(input, "secret_access_key").unwrap_or_default(),
    );
    match text(input, "session_token") {
        Some(token) if with_token => key.with_session_token(token),
        _ => key,
    }
}

/// Header-value line folds unfolded into spaces.
pub(crate) fn unfold(value: &str) -> String {
    value.replace('\n', " ")
}

/// The wire query: each pair percent-encoded (unreserved kept), in the given order.
pub(crate) fn wire_query(query: &[(String, String)]) -> String {
    query
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                percent_encode(k.as_bytes()),
                percent_encode(v.as_bytes())
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The case's request as a client sends it; `host_if_none` stands in for a null host.
pub(crate) fn request(input: &Value, host_if_none: &str) -> http::Request<Bytes> {
    let scheme = text(input, "scheme").unwrap_or("https");
    let host = text(input, "host").unwrap_or(host_if_none);
    let path = text(input, "path").unwrap_or("/").replace(' ', "%20");
    let query = wire_query(&pairs(&input["query"]));
    let uri = if query.is_empty() {
        format!("{scheme}://{host}{path}")
    } else {
        format!("{scheme}://{host}{path}?{query}")
    };
    let body = match (text(input, "body"), text(input, "body_base64")) {
        (Some(b), _) => Bytes::from(b.to_owned()),
        (None, Some(b64)) => {
            use base64::Engine as _;
            Bytes::from(
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .expect("body_base64 decodes"),
            )
        }
        (None, None) => Bytes::new(),
    };
    let mut builder = http::Request::builder()
        .method(text(input, "method").unwrap_or("GET"))
        .uri(uri);
    for (name, value) in pairs(&input["headers"]) {
        builder = builder.header(name, unfold(&value));
    }
    builder.body(body).expect("case request builds")
}

/// Headers grouped by lower-case name, values in order (line folds unfolded).
pub(crate) fn grouped(
    headers: impl IntoIterator<Item = (String, String)>,
) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        out.entry(name.to_ascii_lowercase())
            .or_default()
            .push(unfold(&value));
    }
    out
}

/// The request's headers, grouped as [`grouped`] does.
pub(crate) fn grouped_request_headers(
    request: &http::Request<Bytes>,
) -> BTreeMap<String, Vec<String>> {
    grouped(request.headers().iter().map(|(n, v)| {
        (
            n.as_str().to_owned(),
            String::from_utf8_lossy(v.as_bytes()).into_owned(),
        )
    }))
}

/// Collects stage mismatches so one run reports every differing stage of a case.
#[derive(Default)]
pub(crate) struct Stages {
    id: String,
    failures: Vec<String>,
}

impl Stages {
    /// A checker for case `id`.
    pub(crate) fn new(id: &str) -> Self {
        Stages {
            id: id.to_owned(),
            failures: Vec::new(),
        }
    }

    /// Compares `got` with the case's `expected.<stage>` when the case gives one; returns
    /// whether the case gave it.
    pub(crate) fn check(&mut self, expected: &Value, stage: &str, got: &str) -> bool {
        match text(expected, stage) {
            Some(want) => {
                self.equal(stage, got, want);
                true
            }
            None => false,
        }
    }

    /// Records a mismatch of `stage` unless `got == want`.
    pub(crate) fn equal(&mut self, stage: &str, got: &str, want: &str) {
        if got != want {
            self.failures
                .push(format!("stage {stage}:\n  got:  {got:?}\n  want: {want:?}"));
        }
    }

    /// Panics with every recorded mismatch.
    pub(crate) fn finish(self) {
        assert!(
            self.failures.is_empty(),
            "case {} differs:\n{}",
            self.id,
            self.failures.join("\n")
        );
    }
}

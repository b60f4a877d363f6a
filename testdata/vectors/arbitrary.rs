//! Arbitrary signing inputs for the no-panic property tests of the five signers: each
//! provider crate's `tests/no_panic.rs` includes this file with `#[path]`.
//!
//! Methods (standard and extension), paths with dot segments, escapes (valid and broken),
//! sub-delims and non-ASCII; raw queries; repeated and special headers whose values may be
//! any bytes a `HeaderValue` accepts (invalid UTF-8 included); any body; keys and tokens of
//! any characters (control characters included); times across the whole supported range.

#![allow(dead_code)]

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::Method;
use multicloud_core::AccessKey;
use proptest::prelude::*;
use time::OffsetDateTime;

/// One generated signing input.
#[derive(Debug)]
pub(crate) struct Input {
    pub(crate) request: http::Request<Bytes>,
    pub(crate) key: AccessKey,
    pub(crate) time: OffsetDateTime,
    /// Free text for CTyun's request id.
    pub(crate) text: String,
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::POST),
        Just(Method::PUT),
        Just(Method::DELETE),
        "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,10}"
            .prop_map(|m| Method::from_bytes(m.as_bytes()).unwrap_or(Method::PATCH)),
    ]
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9._~-]{0,4}",
        Just(".".to_owned()),
        Just("..".to_owned()),
        Just(String::new()),
        "%[0-9A-Fa-f]{2}",
        "%[G-Zg-z%]{0,2}",
        "[!$&'()*+,;=:@]{1,3}",
        "\\PC{1,2}",
    ]
}

fn target() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just("https://example.com"),
            Just("http://EXAMPLE.com:8080"),
            Just("https://[::1]:443"),
            Just(""),
        ],
        proptest::collection::vec(segment(), 0..6),
        proptest::option::of("[a-zA-Z0-9=&%+._~*/!$',;:@ሴé-]{0,30}"),
    )
        .prop_map(|(base, segments, query)| {
            let mut uri = format!("{base}/{}", segments.join("/"));
            if let Some(q) = query {
                uri.push('?');
                uri.push_str(&q);
            }
            uri
        })
}

fn header_name() -> impl Strategy<Value = HeaderName> {
    prop_oneof![
        prop::sample::select(vec![
            "host",
            "content-type",
            "content-length",
            "content-md5",
            "date",
            "authorization",
            "user-agent",
            "x-amz-date",
            "x-amz-content-sha256",
            "x-amz-security-token",
            "x-sdk-date",
            "x-sdk-content-sha256",
            "x-tc-content-sha256",
            "x-bce-date",
            "x-bce-meta",
            "eop-date",
        ])
        .prop_map(HeaderName::from_static),
        "[a-z_][a-z0-9_-]{0,12}".prop_map(|n| {
            HeaderName::from_bytes(n.as_bytes()).unwrap_or(HeaderName::from_static("x-fallback"))
        }),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(HeaderName, HeaderValue)>> {
    proptest::collection::vec(
        (header_name(), proptest::collection::vec(any::<u8>(), 0..24)),
        0..8,
    )
    .prop_map(|raw| {
        raw.into_iter()
            .filter_map(|(name, value)| Some((name, HeaderValue::from_bytes(&value).ok()?)))
            .collect()
    })
}

fn any_text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..max).prop_map(|c| c.into_iter().collect())
}

fn key() -> impl Strategy<Value = AccessKey> {
    (
        prop_oneof![Just("AKIDEXAMPLE".to_owned()), any_text(12)],
        any_text(40),
        proptest::option::of(prop_oneof![Just("token".to_owned()), any_text(20)]),
    )
        .prop_map(|(id, secret, token)| {
            let key = AccessKey::new(id, secret);
            match token {
                Some(t) => key.with_session_token(t),
                None => key,
            }
        })
}

/// Times from year -9999 to 9999, the whole range `time` supports.
fn time() -> impl Strategy<Value = OffsetDateTime> {
    prop_oneof![
        (1_000_000_000i64..2_000_000_000i64),
        (-377_705_116_800i64..253_402_300_799i64),
    ]
    .prop_map(|s| OffsetDateTime::from_unix_timestamp(s).unwrap_or(OffsetDateTime::UNIX_EPOCH))
}

/// A complete arbitrary signing input.
pub(crate) fn input() -> impl Strategy<Value = Input> {
    (
        method(),
        target(),
        headers(),
        proptest::collection::vec(any::<u8>(), 0..64),
        key(),
        time(),
        prop_oneof![
            Just("27cfe4dc-e640-45f6-92ca-492ca73e8680".to_owned()),
            any_text(40)
        ],
    )
        .prop_map(|(method, uri, headers, body, key, time, text)| {
            // A few generated targets are not valid URIs (e.g. a raw '%' in a segment is
            // fine, a '#' is not); those fall back to a plain path so every case signs.
            let uri: http::Uri = uri.parse().unwrap_or_else(|_| http::Uri::from_static("/"));
            let mut request = http::Request::new(Bytes::from(body));
            *request.method_mut() = method;
            *request.uri_mut() = uri;
            for (name, value) in headers {
                request.headers_mut().append(name, value);
            }
            Input {
                request,
                key,
                time,
                text,
            }
        })
}

//! AWS Signature Version 4 (`AWS4-HMAC-SHA256`), as botocore's `SigV4Auth` and
//! `S3SigV4Auth` apply it: the canonical URI is the wire path with dot segments removed and
//! encoded again (`SigV4Auth`) or the path as sent (S3); the query is sorted as sent; every
//! header but botocore's blacklist is signed, whitespace runs collapsed, repeated names
//! joined with `,`.

use std::borrow::Cow;
use std::sync::Arc;

use http::header::{HeaderName, AUTHORIZATION, DATE};
use multicloud_core::signing::{
    derive_key, hmac_sha256_hex, percent_encode_path, sha256_hex, v4_canonical_request,
    v4_string_to_sign, DerivedKeyCache, HeaderBlock, Outgoing, Repeats, RequestSigner,
    SigningParts, SigningTime, ValueRule,
};
use multicloud_core::{AccessKey, ProviderKind, Result};
use time::OffsetDateTime;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");
const X_AMZ_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-amz-security-token");
const X_AMZ_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-amz-content-sha256");

/// Headers botocore never signs (`SIGNED_HEADERS_BLACKLIST`): proxies and tracers rewrite them.
#[rustfmt::skip]
const UNSIGNED: [&str; 14] = [
    "baggage", "connection", "expect", "keep-alive", "proxy-authenticate",
    "proxy-authorization", "te", "traceparent", "tracestate", "trailer", "transfer-encoding",
    "upgrade", "user-agent", "x-amzn-trace-id",
];

fn is_signed(name: &str) -> bool {
    !UNSIGNED.contains(&name)
}

/// Signs requests with AWS Signature Version 4 for one region and service.
///
/// Derived signing keys are kept in a [`DerivedKeyCache`] (by default the process-wide one).
#[derive(Debug, Clone)]
pub struct SigV4Signer {
    region: String,
    service: String,
    normalize_path: bool,
    content_sha256_header: bool,
    cache: Arc<DerivedKeyCache>,
}

impl SigV4Signer {
    /// A signer for `region` (e.g. `us-east-1`) and `service` (the signing name, e.g. `ec2`),
    /// normalising paths as `SigV4Auth` does.
    pub fn new(region: impl Into<String>, service: impl Into<String>) -> Self {
        SigV4Signer {
            region: region.into(),
            service: service.into(),
            normalize_path: true,
            content_sha256_header: false,
            cache: DerivedKeyCache::shared(),
        }
    }

    /// `true` (default): remove dot segments and encode the path again (`SigV4Auth`);
    /// `false`: sign the path exactly as sent (S3).
    pub fn with_normalized_path(mut self, normalize: bool) -> Self {
        self.normalize_path = normalize;
        self
    }

    /// `true`: add and sign `X-Amz-Content-SHA256` with the payload hash (S3 does).
    pub fn with_content_sha256_header(mut self, add: bool) -> Self {
        self.content_sha256_header = add;
        self
    }

    /// Keeps derived keys in `cache` instead of the process-wide one (capacity 0: derive for
    /// every request).
    pub fn with_key_cache(mut self, cache: Arc<DerivedKeyCache>) -> Self {
        self.cache = cache;
        self
    }
}

impl RequestSigner for SigV4Signer {
    /// Removes any `Authorization`; sets `X-Amz-Date` (or, when the request has a `Date`
    /// header, rewrites that one as botocore does), `X-Amz-Security-Token` for a session key,
    /// `X-Amz-Content-SHA256` when enabled, and `Host` when absent.
    fn prepare(&self, out: &mut Outgoing<'_>, key: &AccessKey, time: OffsetDateTime) -> Result<()> {
        let when = SigningTime::new(time)?;
        out.remove(AUTHORIZATION);
        // botocore rewrites a caller's `Date` and then sends no `X-Amz-Date`.
        if out.contains(&DATE) {
            out.set(DATE, when.rfc1123_minus_zero(), "Date")?;
            out.remove(X_AMZ_DATE);
        } else {
            out.set(X_AMZ_DATE, when.compact(), "X-Amz-Date")?;
        }
        if let Some(token) = key.session_token() {
            out.set_sensitive(
                X_AMZ_SECURITY_TOKEN,
                token.expose().to_owned(),
                "the session token",
            )?;
        }
        if self.content_sha256_header {
            let hash = sha256_hex(out.request().body());
            out.set(X_AMZ_CONTENT_SHA256, hash, "the payload hash")?;
        }
        let request = out.request();
        out.set_host_if_absent(|| self.uri_host(request.uri()))
    }

    fn compute(
        &self,
        out: &Outgoing<'_>,
        key: &AccessKey,
        time: OffsetDateTime,
    ) -> Result<SigningParts> {
        let when = SigningTime::new(time)?;
        let stamp = when.compact();
        // The scope's date is the stamp's first eight characters.
        let date = &stamp[..8];
        let request = out.request();
        let headers = HeaderBlock::new(
            out.headers_where(is_signed)?,
            ValueRule::CollapseWhitespace,
            Repeats::JoinWithComma,
        );
        // An `X-Amz-Content-SHA256` already there is the payload hash, verbatim.
        let body_hash;
        let payload_hash = match out.header(&X_AMZ_CONTENT_SHA256) {
            Some(value) => value,
            None => {
                body_hash = sha256_hex(request.body());
                body_hash.as_bytes()
            }
        };
        let path = match self.normalize_path {
            true => path_normalized_and_encoded(request.uri().path()),
            false => request.uri().path().into(),
        };
        let query = query_sorted_as_sent(request.uri().query().unwrap_or(""));
        let canonical =
            v4_canonical_request(request.method(), &path, &query, &headers, payload_hash);
        // `concat`, not `format!`: one exact allocation (this is a hot path).
        let scope = [date, "/", &self.region, "/", &self.service, "/aws4_request"].concat();
        let string_to_sign = v4_string_to_sign(ALGORITHM, &stamp, Some(&scope), &canonical);
        let signing_key = self.cache.get_or_derive(key, &scope, || {
            let rest: [&[u8]; 3] = [
                self.region.as_bytes(),
                self.service.as_bytes(),
                b"aws4_request",
            ];
            derive_key("AWS4", key.secret().expose(), date.as_bytes(), &rest)
        });
        let signature = hmac_sha256_hex(&signing_key[..], string_to_sign.as_bytes());
        Ok(SigningParts::v4(
            ALGORITHM,
            &["Credential=", key.id(), "/", &scope],
            canonical,
            string_to_sign,
            signature,
            headers.signed,
        ))
    }

    fn provider(&self) -> Option<ProviderKind> {
        Some(ProviderKind::Aws)
    }
}

/// botocore's `remove_dot_segments`: splits on `/`, drops empty and `.` segments, `..` pops,
/// keeps a leading `/`, and a trailing `/` only if a segment is left (so `//` collapses).
fn remove_dot_segments(path: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            s => kept.push(s),
        }
    }
    let mut out = String::with_capacity(path.len());
    if path.starts_with('/') {
        out.push('/');
    }
    out.push_str(&kept.join("/"));
    if path.ends_with('/') && !kept.is_empty() {
        out.push('/');
    }
    out
}

/// `SigV4Auth`: `quote(remove_dot_segments(path) or '/', safe='/~')`. The path is the
/// one on the wire, so an existing `%XX` is encoded again (`/a%20b` → `/a%2520b`).
fn path_normalized_and_encoded(path: &str) -> Cow<'_, str> {
    // The usual path: nothing to remove, nothing to encode.
    let plain = |b: &u8| b.is_ascii_alphanumeric() || b"-_.~/".contains(b);
    let dots = |segment: &str| segment == "." || segment == "..";
    let plain_path =
        path.starts_with('/') && !path.contains("//") && path.bytes().all(|b| plain(&b));
    if plain_path && !path.split('/').any(dots) {
        return Cow::Borrowed(path);
    }
    let normalized = remove_dot_segments(path);
    if normalized.is_empty() {
        return Cow::Borrowed("/");
    }
    Cow::Owned(percent_encode_path(normalized.as_bytes()))
}

/// The `&`-separated pieces of a raw query, each split at its first `=` (no `=` → empty
/// value); empty pieces are kept, as botocore keeps them. No pieces for an empty query.
fn split_query(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .split('&')
        .filter(move |_| !query.is_empty())
        .map(|piece| piece.split_once('=').unwrap_or((piece, "")))
}

/// The pairs as sent, sorted by (key, value) in byte order, joined `k=v&…` without
/// re-encoding.
fn query_sorted_as_sent(query: &str) -> String {
    if query.is_empty() {
        return String::new();
    }
    let mut pairs: Vec<(&str, &str)> = split_query(query).collect();
    pairs.sort_unstable();
    let mut out = String::with_capacity(query.len() + 1);
    for (k, v) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.extend([k, "=", v]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http::header::HOST;
    use http::{HeaderValue, Request};
    use time::macros::datetime;

    const PLANTED_SECRET: &str = "PLANTED-SECRET-4f3e2d";
    const PLANTED_TOKEN: &str = "PLANTED-TOKEN-9a8b7c";
    const T: OffsetDateTime = datetime!(2015-08-30 12:36:00 UTC);

    fn key() -> AccessKey {
        AccessKey::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    }

    fn get(uri: &str) -> Request<Bytes> {
        Request::get(uri).body(Bytes::new()).unwrap()
    }

    fn signer() -> SigV4Signer {
        SigV4Signer::new("us-east-1", "service").with_key_cache(Arc::new(DerivedKeyCache::new(8)))
    }

    fn uri_line(parts: &SigningParts) -> &str {
        parts.canonical_request.split('\n').nth(1).unwrap()
    }

    #[test]
    fn dot_segments_follow_botocore() {
        for (input, want) in [
            ("/", "/"),
            ("//", "/"),
            ("/./", "/"),
            ("/example/..", "/"),
            ("//example//", "/example/"),
            ("/a/b/../c/./d/", "/a/c/d/"),
            ("/../..", "/"),
            ("a/b", "a/b"),
        ] {
            assert_eq!(remove_dot_segments(input), want, "{input}");
        }
        assert_eq!(path_normalized_and_encoded(""), "/");
        assert_eq!(path_normalized_and_encoded("/a%20b/./c"), "/a%2520b/c");
    }

    #[test]
    fn the_query_is_sorted_as_sent() {
        assert_eq!(query_sorted_as_sent("b=2&a=1&a"), "a=&a=1&b=2");
        assert_eq!(query_sorted_as_sent(""), "");
        assert_eq!(query_sorted_as_sent("a&&b"), "=&a=&b=");
    }

    #[test]
    fn normalized_paths_encode_percent_again_but_s3_paths_do_not() {
        let req = get("https://example.amazonaws.com/a%20b/./c//d");
        let parts = signer().signing_parts(&req, &key(), T).unwrap();
        assert_eq!(uri_line(&parts), "/a%2520b/c/d");
        let s3 = signer().with_normalized_path(false);
        assert_eq!(
            uri_line(&s3.signing_parts(&req, &key(), T).unwrap()),
            "/a%20b/./c//d"
        );
    }

    #[test]
    fn a_date_header_replaces_x_amz_date_as_botocore_does() {
        let mut req = get("https://example.amazonaws.com/");
        req.headers_mut()
            .insert(DATE, "Mon, 01 Jan 2001 00:00:00 GMT".parse().unwrap());
        req.headers_mut()
            .insert(X_AMZ_DATE, "stale".parse().unwrap());
        signer().sign(&mut req, &key(), T).unwrap();
        assert_eq!(req.headers()[DATE], "Sun, 30 Aug 2015 12:36:00 -0000");
        assert!(req.headers().get(X_AMZ_DATE).is_none());
        let auth = req.headers()[AUTHORIZATION].to_str().unwrap();
        assert!(auth.contains("SignedHeaders=date;host,"), "{auth}");
        // The string to sign keeps the compact form.
        let parts = signer().signing_parts(&req, &key(), T).unwrap();
        assert!(parts
            .string_to_sign
            .starts_with("AWS4-HMAC-SHA256\n20150830T123600Z\n"));
    }

    #[test]
    fn whitespace_runs_collapse_including_unicode_spaces_and_repeats_join_with_commas() {
        let mut req = get("https://example.amazonaws.com/");
        let h = req.headers_mut();
        h.append(
            "x-a",
            HeaderValue::from_bytes(" a\u{a0}\u{a0}b\tc ".as_bytes()).unwrap(),
        );
        h.append("x-a", "  second ".parse().unwrap());
        h.append("user-agent", "never signed".parse().unwrap());
        let parts = signer().signing_parts(&req, &key(), T).unwrap();
        assert!(parts.canonical_request.contains("\nx-a:a b c,second\n"));
        assert_eq!(parts.signed_headers, "host;x-a;x-amz-date");
    }

    #[test]
    fn session_token_is_signed_and_sensitive_and_s3_adds_the_payload_hash() {
        let key = key().with_session_token("token-value");
        let mut req = Request::put("https://bucket.s3.amazonaws.com/k")
            .body(Bytes::from_static(b"Param1=value1"))
            .unwrap();
        let s3 = signer()
            .with_normalized_path(false)
            .with_content_sha256_header(true);
        s3.sign(&mut req, &key, T).unwrap();
        let h = req.headers();
        assert_eq!(h[X_AMZ_SECURITY_TOKEN], "token-value");
        assert!(h[X_AMZ_SECURITY_TOKEN].is_sensitive() && h[AUTHORIZATION].is_sensitive());
        let hash = "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e";
        assert_eq!(h[X_AMZ_CONTENT_SHA256], hash);
        let parts = s3.signing_parts(&req, &key, T).unwrap();
        assert_eq!(
            parts.signed_headers,
            "host;x-amz-content-sha256;x-amz-date;x-amz-security-token"
        );
        assert!(parts.canonical_request.ends_with(hash));
    }

    #[test]
    fn an_existing_content_sha256_header_is_the_payload_hash() {
        let mut req = get("https://example.amazonaws.com/");
        req.headers_mut()
            .insert(X_AMZ_CONTENT_SHA256, "UNSIGNED-PAYLOAD".parse().unwrap());
        let parts = signer().signing_parts(&req, &key(), T).unwrap();
        assert!(parts.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
    }

    #[test]
    fn host_comes_from_the_uri_lower_cased_without_default_port() {
        let mut req = get("https://EXAMPLE.amazonaws.com:443/");
        signer().sign(&mut req, &key(), T).unwrap();
        assert_eq!(req.headers()[HOST], "example.amazonaws.com");
        let mut req = get("/relative");
        let e = signer().sign(&mut req, &key(), T).unwrap_err();
        assert_eq!(e.kind(), multicloud_core::ErrorKind::Config);
        assert_eq!(e.provider(), Some(ProviderKind::Aws));
    }

    #[test]
    fn the_derived_key_is_cached_per_day() {
        let cache = Arc::new(DerivedKeyCache::new(8));
        let s = signer().with_key_cache(cache.clone());
        let req = get("https://example.amazonaws.com/");
        s.signing_parts(&req, &key(), T).unwrap();
        s.signing_parts(&req, &key(), T + time::Duration::hours(1))
            .unwrap();
        assert_eq!(cache.len(), 1);
        s.signing_parts(&req, &key(), T + time::Duration::days(1))
            .unwrap();
        assert_eq!(cache.len(), 2);
        // A disabled cache gives the same signature.
        let uncached = signer().with_key_cache(Arc::new(DerivedKeyCache::new(0)));
        assert_eq!(
            uncached.signing_parts(&req, &key(), T).unwrap(),
            s.signing_parts(&req, &key(), T).unwrap()
        );
    }

    #[test]
    fn a_verifier_recomputes_the_signature_over_the_listed_headers() {
        let mut req = get("https://example.amazonaws.com/?b=2&a=1");
        req.headers_mut().insert("x-custom", " v ".parse().unwrap());
        let sent = signer().signing_parts(&req, &key(), T).unwrap();
        signer().sign(&mut req, &key(), T).unwrap();
        assert_eq!(req.headers()[AUTHORIZATION], sent.authorization.as_str());
        // The HTTP stack adds headers after signing; they are not in SignedHeaders.
        req.headers_mut()
            .insert("accept-encoding", "gzip".parse().unwrap());
        let names: Vec<&str> = sent.signed_headers.split(';').collect();
        let again = signer()
            .signing_parts_for_headers(&req, &key(), T, &names)
            .unwrap();
        assert_eq!(again.signature, sent.signature);
        let missing = signer().signing_parts_for_headers(&req, &key(), T, &["x-nope"]);
        assert_eq!(
            missing.unwrap_err().kind(),
            multicloud_core::ErrorKind::Decode
        );
    }

    #[test]
    fn a_planted_secret_never_shows_in_debug_parts_or_errors() {
        let key = AccessKey::new("AKIDVISIBLE", PLANTED_SECRET).with_session_token(PLANTED_TOKEN);
        let s = signer();
        let mut req = get("https://example.amazonaws.com/");
        s.sign(&mut req, &key, T).unwrap();
        let parts = s.signing_parts(&req, &key, T).unwrap();
        let bad_token =
            AccessKey::new("AK", PLANTED_SECRET).with_session_token("bad\nPLANTED-TOKEN-9a8b7c");
        let err = s
            .sign(&mut get("https://example.amazonaws.com/"), &bad_token, T)
            .unwrap_err();
        let no_host = s.sign(&mut get("/x"), &key, T).unwrap_err();
        for shown in [
            format!("{s:?}"),
            format!("{parts:?}"),
            format!("{err:?} {err}"),
            format!("{no_host:?} {no_host}"),
            format!("{:?}", req.headers()),
        ] {
            assert!(!shown.contains(PLANTED_SECRET), "{shown}");
            assert!(!shown.contains(PLANTED_TOKEN), "{shown}");
            assert!(!shown.contains(&parts.signature), "{shown}");
        }
    }

    #[test]
    fn sign_adds_only_its_own_headers() {
        let session = key().with_session_token("tok");
        let mut req = get("https://ec2.us-east-1.amazonaws.com/");
        signer()
            .with_content_sha256_header(true)
            .sign(&mut req, &session, T)
            .unwrap();
        assert_eq!(
            req.headers().len(),
            5,
            "date, token, payload hash, host, authorization"
        );
        let mut plain = get("https://ec2.us-east-1.amazonaws.com/");
        signer().sign(&mut plain, &key(), T).unwrap();
        assert_eq!(plain.headers().len(), 3, "date, host, authorization");
    }
}

//! AWS Signature Version 4 (`AWS4-HMAC-SHA256`), as botocore's `SigV4Auth` and
//! `S3SigV4Auth` apply it.
//!
//! A short composition of `multicloud_core::signing`: the canonical URI is the wire path with
//! dot segments removed and encoded again (`SigV4Auth`) or the path as sent (S3); the query
//! is sorted as sent; every header but botocore's blacklist is signed, values trimmed and
//! whitespace runs collapsed, repeated names joined with `,`.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{HeaderName, AUTHORIZATION, DATE, HOST};
use http::Request;
use multicloud_core::signing::canonical::{sign_v4, upper_method, CanonicalSink, V4Signature, V4};
use multicloud_core::signing::hash::{derive_scoped_key, sha256_hex};
use multicloud_core::signing::headers::{HeaderEntry, Repeats, ValueRule};
use multicloud_core::signing::parts::{
    malformed_authorization, required, split_signed_headers, v4_params,
};
use multicloud_core::signing::request::{
    authorization_value, check_access_key_id, header_value, host_from_uri, insert_present,
    is_header_value, listed_entries, listed_names, missing_host, push_own_entries,
    recent_header_value, session_token_value, HeaderEntries, Listed,
};
use multicloud_core::signing::sink::Sink;
use multicloud_core::signing::timefmt::Stamp;
use multicloud_core::signing::{path, query, DerivedKeyCache, SigningTime};
use multicloud_core::{AccessKey, Error, ProviderKind, Result};
use time::OffsetDateTime;

pub use multicloud_core::signing::{ParsedAuthorization, SigningParts};

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");
const X_AMZ_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-amz-security-token");
const X_AMZ_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-amz-content-sha256");

/// Headers botocore never signs (`SIGNED_HEADERS_BLACKLIST`): proxies and tracers rewrite them.
fn is_unsigned_header(name: &str) -> bool {
    matches!(
        name,
        "baggage"
            | "connection"
            | "expect"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "traceparent"
            | "tracestate"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "user-agent"
            | "x-amzn-trace-id"
    )
}

/// Signs requests with AWS Signature Version 4 for one region and service.
///
/// Derived signing keys are cached per (key id, secret, date, region, service) in a bounded
/// cache shared by all signers of the process (see [`SigV4Signer::with_key_cache`]).
#[derive(Debug, Clone)]
pub struct SigV4Signer {
    region: String,
    service: String,
    /// Whether the region and service can go into the `Authorization` value: checked once.
    scope_is_header_safe: bool,
    normalize_path: bool,
    content_sha256_header: bool,
    cache: Arc<DerivedKeyCache>,
}

impl SigV4Signer {
    /// The most headers [`sign`](Self::sign) adds to a request: `X-Amz-Date`,
    /// `X-Amz-Security-Token`, `X-Amz-Content-SHA256`, `Host` and `Authorization`.
    ///
    /// A client that builds its header map with room for its own headers plus these
    /// (`HeaderMap::with_capacity`) spares the signer a regrowth of the map: past six
    /// headers, a map made empty reallocates and rehashes every header on the insert that
    /// outgrows it.
    pub const HEADERS_WRITTEN: usize = 5;

    /// A signer for `region` (e.g. `us-east-1`) and `service` (the signing name, e.g. `ec2`),
    /// normalising paths as `SigV4Auth` does.
    pub fn new(region: impl Into<String>, service: impl Into<String>) -> Self {
        let (region, service) = (region.into(), service.into());
        SigV4Signer {
            scope_is_header_safe: is_header_value(region.as_bytes())
                && is_header_value(service.as_bytes()),
            region,
            service,
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

    /// Uses `cache` for derived keys instead of the process-wide one (a cache of capacity 0
    /// derives the key for every request).
    pub fn with_key_cache(mut self, cache: Arc<DerivedKeyCache>) -> Self {
        self.cache = cache;
        self
    }

    /// The derived-key cache this signer uses.
    pub fn key_cache(&self) -> &DerivedKeyCache {
        &self.cache
    }

    /// Signs `request` at `time`: removes any `Authorization`, sets `X-Amz-Date` (or, when
    /// the request has a `Date` header, rewrites that one as botocore does),
    /// `X-Amz-Security-Token` for a session key, `X-Amz-Content-SHA256` when enabled, `Host`
    /// when absent, and `Authorization`. On error the request is left as it was.
    pub fn sign(
        &self,
        request: &mut Request<Bytes>,
        key: &AccessKey,
        time: OffsetDateTime,
    ) -> Result<()> {
        self.sign_in_place(request, key, time, false).map(drop)
    }

    /// The stages [`sign`](Self::sign) would compute, without touching `request`: the very
    /// same code signs a copy, keeping the canonical strings' text.
    pub fn signing_parts(
        &self,
        request: &Request<Bytes>,
        key: &AccessKey,
        time: OffsetDateTime,
    ) -> Result<SigningParts> {
        let mut copy = request.clone();
        Ok(self.sign_in_place(&mut copy, key, time, true)?.into_parts())
    }

    /// Recomputes a received request's signature over exactly `signed_headers` (lower-case
    /// names, as its `SignedHeaders=` lists them) as present on the request; nothing is
    /// added. `host` falls back to the URI when the request has no `Host` header.
    pub fn signing_parts_for_headers(
        &self,
        request: &Request<Bytes>,
        key: &AccessKey,
        time: OffsetDateTime,
        signed_headers: &[&str],
    ) -> Result<SigningParts> {
        let when = SigningTime::utc(time).map_err(aws)?;
        let names = listed_names(signed_headers, Listed::AllValues);
        let host = host_from_uri(request.uri());
        let mut entries = listed_entries(
            request.headers(),
            &names,
            host.as_deref(),
            Listed::AllValues,
        )
        .map_err(aws)?;
        let body_hash;
        let payload = match request.headers().get(&X_AMZ_CONTENT_SHA256) {
            Some(v) => v.as_bytes(),
            None => {
                body_hash = sha256_hex(request.body());
                body_hash.as_bytes()
            }
        };
        Ok(self
            .compute(request, key, &when.compact(), &mut entries, payload, true)?
            .into_parts())
    }

    /// Signs the request as it will be sent once the headers `sign` owns are written (per
    /// botocore's `_modify_request_before_signing`), then writes them and `Authorization`.
    /// Every check that can fail runs before the first edit.
    fn sign_in_place(
        &self,
        request: &mut Request<Bytes>,
        key: &AccessKey,
        time: OffsetDateTime,
        keep_text: bool,
    ) -> Result<V4Signature> {
        let when = SigningTime::utc(time).map_err(aws)?;
        // `YYYYMMDDTHHMMSSZ`: the string to sign's timestamp, and X-Amz-Date's value.
        let stamp = when.compact();
        check_access_key_id(key).map_err(aws)?;
        if !self.scope_is_header_safe {
            return Err(aws(Error::config(
                "the region or service is not a valid HTTP header value",
            )));
        }
        let token = session_token_value(key).map_err(aws)?;
        let content_sha256 = match self.content_sha256_header {
            true => Some(header_value(
                sha256_hex(request.body()).as_bytes(),
                "the payload hash",
            )?),
            false => None,
        };

        // One walk over the request's headers: what it signs, and which of the headers `sign`
        // writes are already there. Those are signed with the values `sign` will write (which
        // outlive `entries`, so they are declared first).
        let (date_value, host_value);
        let mut entries = HeaderEntries::new();
        let (mut had_authorization, mut had_date, mut had_host) = (false, false, false);
        for (name, value) in request.headers() {
            if *name == AUTHORIZATION {
                had_authorization = true;
                continue;
            }
            if *name == DATE {
                had_date = true;
                continue;
            }
            if *name == HOST {
                had_host = true;
            } else if *name == X_AMZ_DATE
                || (token.is_some() && *name == X_AMZ_SECURITY_TOKEN)
                || (content_sha256.is_some() && *name == X_AMZ_CONTENT_SHA256)
            {
                continue;
            }
            if !is_unsigned_header(name.as_str()) {
                entries.push((name.as_str(), value.as_bytes()));
            }
        }
        // botocore keeps a caller's Date (rewritten) and then sends no X-Amz-Date.
        let date_name = if had_date { DATE } else { X_AMZ_DATE };
        date_value = if had_date {
            recent_header_value(when.rfc1123_minus_zero().as_bytes(), "Date")?
        } else {
            recent_header_value(stamp.as_bytes(), "X-Amz-Date")?
        };
        host_value = match had_host {
            true => None,
            false => {
                let host = host_from_uri(request.uri()).ok_or_else(|| aws(missing_host()))?;
                Some(recent_header_value(host.as_bytes(), "the host").map_err(aws)?)
            }
        };
        entries.push((
            if had_date { "date" } else { "x-amz-date" },
            date_value.as_bytes(),
        ));
        push_own_entries(
            &mut entries,
            [
                ("x-amz-security-token", &token),
                ("x-amz-content-sha256", &content_sha256),
                ("host", &host_value),
            ],
        );

        let body_hash;
        let payload = match entries
            .iter()
            .find(|(name, _)| *name == "x-amz-content-sha256")
        {
            // An existing X-Amz-Content-SHA256 is the payload hash, verbatim.
            Some((_, value)) => *value,
            None => {
                body_hash = sha256_hex(request.body());
                body_hash.as_bytes()
            }
        };
        let mut signed = self.compute(request, key, &stamp, &mut entries, payload, keep_text)?;
        drop(entries);

        let authorization =
            authorization_value(&mut signed.authorization, keep_text).map_err(aws)?;
        // Every check has passed: now the request is edited.
        let headers = request.headers_mut();
        if had_authorization {
            headers.remove(AUTHORIZATION);
        }
        if had_date {
            headers.remove(X_AMZ_DATE);
        }
        headers.insert(date_name, date_value);
        insert_present(headers, X_AMZ_SECURITY_TOKEN, token);
        insert_present(headers, X_AMZ_CONTENT_SHA256, content_sha256);
        insert_present(headers, HOST, host_value);
        headers.insert(AUTHORIZATION, authorization);
        Ok(signed)
    }

    fn compute(
        &self,
        request: &Request<Bytes>,
        key: &AccessKey,
        stamp: &Stamp<16>,
        entries: &mut [HeaderEntry<'_>],
        payload_hash: &[u8],
        keep_text: bool,
    ) -> Result<V4Signature> {
        check_access_key_id(key).map_err(aws)?;
        // The scope date is the stamp's first eight characters.
        let date = &stamp.as_str()[..8];
        let (region, service) = (self.region.as_bytes(), self.service.as_bytes());
        let signing_key =
            self.cache
                .get_or_derive(key, &[b"AWS4", date.as_bytes(), region, service], || {
                    let secret = key.secret().expose();
                    derive_scoped_key(
                        "AWS4",
                        secret,
                        date.as_bytes(),
                        &[region, service, b"aws4_request"],
                    )
                });
        let v4 = V4 {
            algorithm: ALGORITHM,
            method: &upper_method(request.method()),
            timestamp: stamp.as_bytes(),
            scope: Some(&[date, &self.region, &self.service, "aws4_request"]),
            key_id: key.id(),
            rule: ValueRule::CollapseWhitespace,
            repeats: Repeats::JoinWithComma,
            payload_hash,
        };
        let uri = request.uri();
        let uri_and_query = |cr: &mut CanonicalSink| {
            if self.normalize_path {
                path::normalized_then_encoded(uri.path(), cr);
            } else {
                cr.put(uri.path().as_bytes());
            }
            cr.put_byte(b'\n');
            query::sorted_as_sent(uri.query().unwrap_or(""), cr);
            Ok(())
        };
        sign_v4(&v4, entries, uri_and_query, &signing_key, keep_text)
    }
}

fn aws(e: Error) -> Error {
    e.with_provider(ProviderKind::Aws)
}

/// Parses `AWS4-HMAC-SHA256 Credential=AK/date/region/service/aws4_request,
/// SignedHeaders=a;b, Signature=hex`.
pub fn parse_authorization(value: &str) -> Result<ParsedAuthorization> {
    parse(value).map_err(aws)
}

fn parse(value: &str) -> Result<ParsedAuthorization> {
    let params = v4_params(value, ALGORITHM)?;
    let credential = required(&params, "Credential", ALGORITHM)?;
    let mut scope_parts = credential.rsplitn(5, '/');
    let (terminator, service, region, date, id) = (
        scope_parts.next(),
        scope_parts.next(),
        scope_parts.next(),
        scope_parts.next(),
        scope_parts.next(),
    );
    let (Some("aws4_request"), Some(service), Some(region), Some(date), Some(id)) =
        (terminator, service, region, date, id)
    else {
        return Err(malformed_authorization(ALGORITHM, "bad Credential scope"));
    };
    Ok(ParsedAuthorization {
        algorithm: ALGORITHM.to_owned(),
        access_key_id: id.to_owned(),
        signed_headers: split_signed_headers(required(&params, "SignedHeaders", ALGORITHM)?),
        signature: required(&params, "Signature", ALGORITHM)?.to_owned(),
        scope: Some(credential[id.len() + 1..].to_owned()),
        date: Some(date.to_owned()),
        region: Some(region.to_owned()),
        service: Some(service.to_owned()),
        expiration_seconds: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
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
        let s = signer();
        let req = get("https://example.amazonaws.com/");
        s.signing_parts(&req, &key(), T).unwrap();
        s.signing_parts(&req, &key(), T + time::Duration::hours(1))
            .unwrap();
        assert_eq!(
            (s.key_cache().stats().hits, s.key_cache().stats().misses),
            (1, 1)
        );
        s.signing_parts(&req, &key(), T + time::Duration::days(1))
            .unwrap();
        assert_eq!(s.key_cache().stats().misses, 2);
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
        signer().sign(&mut req, &key(), T).unwrap();
        // The HTTP stack adds headers after signing; they are not in SignedHeaders.
        req.headers_mut()
            .insert("accept-encoding", "gzip".parse().unwrap());
        let sent = parse_authorization(req.headers()[AUTHORIZATION].to_str().unwrap()).unwrap();
        let names: Vec<&str> = sent.signed_headers.iter().map(String::as_str).collect();
        let again = signer()
            .signing_parts_for_headers(&req, &key(), T, &names)
            .unwrap();
        assert_eq!(again.signature, sent.signature);
        let missing = signer().signing_parts_for_headers(&req, &key(), T, &["x-nope"]);
        assert_eq!(
            missing.unwrap_err().kind(),
            multicloud_core::ErrorKind::Config
        );
    }

    #[test]
    fn parse_authorization_reads_every_field() {
        let p = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=abc",
        )
        .unwrap();
        assert_eq!(p.access_key_id, "AKIDEXAMPLE");
        assert_eq!(
            p.scope.as_deref(),
            Some("20150830/us-east-1/iam/aws4_request")
        );
        assert_eq!(p.date.as_deref(), Some("20150830"));
        assert_eq!(p.region.as_deref(), Some("us-east-1"));
        assert_eq!(p.service.as_deref(), Some("iam"));
        assert_eq!(p.signed_headers, ["host", "x-amz-date"]);
        assert_eq!(p.signature, "abc");
        for bad in [
            "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/other, SignedHeaders=a, Signature=b",
            "AWS4-HMAC-SHA256 Credential=AK/20150830, SignedHeaders=a, Signature=b",
            "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a, Signature=b",
        ] {
            let e = parse_authorization(bad).unwrap_err();
            assert_eq!(e.kind(), multicloud_core::ErrorKind::Decode);
            assert!(!e.to_string().contains("Signature=b"));
        }
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
    fn sign_adds_at_most_headers_written() {
        let session = key().with_session_token("tok");
        let mut req = get("https://ec2.us-east-1.amazonaws.com/");
        signer()
            .with_content_sha256_header(true)
            .sign(&mut req, &session, T)
            .unwrap();
        assert_eq!(req.headers().len(), SigV4Signer::HEADERS_WRITTEN);
        let mut plain = get("https://ec2.us-east-1.amazonaws.com/");
        signer().sign(&mut plain, &key(), T).unwrap();
        assert_eq!(plain.headers().len(), 3, "date, host, authorization");
    }
}

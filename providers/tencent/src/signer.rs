//! Tencent Cloud API 3.0 `TC3-HMAC-SHA256`, as `tencentcloud-sdk-python-common` applies it.
//!
//! A short composition of `multicloud_core::signing`: the canonical URI is always `/`, the
//! query is the GET query exactly as sent (empty for POST), only `content-type` and `host` are
//! signed, values as sent, and the key is derived per (date, service) and cached.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{Method, Request};
use multicloud_core::signing::canonical::{sign_v4, CanonicalSink, V4Signature, V4};
use multicloud_core::signing::hash::{derive_scoped_key, sha256_hex};
use multicloud_core::signing::headers::{HeaderEntry, Repeats, ValueRule};
use multicloud_core::signing::parts::{
    malformed_authorization, required, split_signed_headers, v4_params,
};
use multicloud_core::signing::request::{
    authority_from_uri, authorization_value, check_access_key_id, first_values, insert_present,
    is_header_value, listed_entries, listed_names, missing_host, push_own_entries,
    recent_header_value, session_token_value, HeaderEntries, Listed,
};
use multicloud_core::signing::sink::Sink;
use multicloud_core::signing::timefmt::{Decimal, Stamp};
use multicloud_core::signing::{DerivedKeyCache, SigningTime};
use multicloud_core::{AccessKey, Error, ProviderKind, Result};
use time::OffsetDateTime;

pub use multicloud_core::signing::{ParsedAuthorization, SigningParts};

const ALGORITHM: &str = "TC3-HMAC-SHA256";
const X_TC_TIMESTAMP: HeaderName = HeaderName::from_static("x-tc-timestamp");
const X_TC_TOKEN: HeaderName = HeaderName::from_static("x-tc-token");
const X_TC_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-tc-content-sha256");
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Signs Tencent Cloud API 3.0 requests with `TC3-HMAC-SHA256` for one service (`cvm`, …).
///
/// Derived keys are cached per (key id, secret, date, service) in a bounded cache shared by
/// all signers of the process (see [`Tc3Signer::with_key_cache`]).
#[derive(Debug, Clone)]
pub struct Tc3Signer {
    service: String,
    /// Whether the service can go into the `Authorization` value: checked once.
    service_is_header_safe: bool,
    unsigned_payload: bool,
    cache: Arc<DerivedKeyCache>,
}

impl Tc3Signer {
    /// The most headers [`sign`](Self::sign) adds to a request: `X-TC-Timestamp`,
    /// `X-TC-Token`, `X-TC-Content-SHA256`, `Content-Type`, `Host` and `Authorization`.
    ///
    /// A client that builds its header map with room for its own headers plus these
    /// (`HeaderMap::with_capacity`) spares the signer a regrowth of the map: past six
    /// headers, a map made empty reallocates and rehashes every header on the insert that
    /// outgrows it.
    pub const HEADERS_WRITTEN: usize = 6;

    /// A signer for `service`, the product name the SDK client is created with (`cvm`), not
    /// parsed from the host.
    pub fn new(service: impl Into<String>) -> Self {
        let service = service.into();
        Tc3Signer {
            service_is_header_safe: is_header_value(service.as_bytes()),
            service,
            unsigned_payload: false,
            cache: DerivedKeyCache::shared(),
        }
    }

    /// `true`: send `X-TC-Content-SHA256: UNSIGNED-PAYLOAD` and, as the SDK does, hash the
    /// literal string `UNSIGNED-PAYLOAD` instead of the body.
    pub fn with_unsigned_payload(mut self, unsigned: bool) -> Self {
        self.unsigned_payload = unsigned;
        self
    }

    /// Uses `cache` for derived keys instead of the process-wide one.
    pub fn with_key_cache(mut self, cache: Arc<DerivedKeyCache>) -> Self {
        self.cache = cache;
        self
    }

    /// The derived-key cache this signer uses.
    pub fn key_cache(&self) -> &DerivedKeyCache {
        &self.cache
    }

    /// Signs `request` at `time`: sets `X-TC-Timestamp`, `X-TC-Token` for a session key,
    /// `X-TC-Content-SHA256` when unsigned, `Content-Type` (`application/json`, or the form
    /// type for GET) and `Host` when absent, and `Authorization`. On error the request is
    /// left as it was.
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

    /// Recomputes a signature over exactly `signed_headers` as present on the request, with
    /// the rule of Tencent's API documentation (values trimmed and lower-cased), for requests
    /// from clients that sign more than the SDK's `content-type;host`. Nothing is added;
    /// `host` falls back to the URI authority.
    pub fn signing_parts_for_headers(
        &self,
        request: &Request<Bytes>,
        key: &AccessKey,
        time: OffsetDateTime,
        signed_headers: &[&str],
    ) -> Result<SigningParts> {
        let when = Tc3Time::at(time)?;
        let names = listed_names(signed_headers, Listed::AllValues);
        let host = authority_from_uri(request.uri());
        let mut entries =
            listed_entries(request.headers(), &names, host, Listed::AllValues).map_err(tencent)?;
        let [content_sha256] = first_values(request.headers(), [&X_TC_CONTENT_SHA256]);
        Ok(self
            .compute(
                request,
                key,
                &when,
                &mut entries,
                Reading {
                    rule: ValueRule::StripLowercase,
                    unsigned: is_unsigned_marker(content_sha256),
                },
                true,
            )?
            .into_parts())
    }

    /// Signs the request as it will be sent once the headers `sign` owns are written, then
    /// writes them and `Authorization`. Every check that can fail runs before the first edit.
    fn sign_in_place(
        &self,
        request: &mut Request<Bytes>,
        key: &AccessKey,
        time: OffsetDateTime,
        keep_text: bool,
    ) -> Result<V4Signature> {
        let when = Tc3Time::at(time)?;
        check_access_key_id(key).map_err(tencent)?;
        if !self.service_is_header_safe {
            return Err(tencent(Error::config(
                "the service is not a valid HTTP header value",
            )));
        }
        let timestamp = recent_header_value(when.timestamp.as_bytes(), "X-TC-Timestamp")?;
        let token = session_token_value(key).map_err(tencent)?;
        // One walk over the request's headers: the two the SDK signs (`content-type` and
        // `host`, no other), and which of the headers `sign` writes are already there.
        let (content_type, host_value);
        let mut entries = HeaderEntries::new();
        let (mut had_authorization, mut had_content_type, mut had_host) = (false, false, false);
        let mut content_sha256 = None;
        for (name, value) in request.headers() {
            if *name == AUTHORIZATION {
                had_authorization = true;
            } else if *name == CONTENT_TYPE {
                had_content_type = true;
                entries.push((name.as_str(), value.as_bytes()));
            } else if *name == HOST {
                had_host = true;
                entries.push((name.as_str(), value.as_bytes()));
            } else if *name == X_TC_CONTENT_SHA256 && content_sha256.is_none() {
                content_sha256 = Some(value);
            }
        }
        let unsigned = self.unsigned_payload || is_unsigned_marker(content_sha256);
        let is_get = request.method() == Method::GET;
        // The SDK always sends a Content-Type; these are its choices.
        content_type = (!had_content_type).then(|| {
            HeaderValue::from_static(if is_get {
                "application/x-www-form-urlencoded"
            } else {
                "application/json"
            })
        });
        host_value = match had_host {
            true => None,
            false => {
                let host =
                    authority_from_uri(request.uri()).ok_or_else(|| tencent(missing_host()))?;
                Some(recent_header_value(host.as_bytes(), "the host").map_err(tencent)?)
            }
        };
        push_own_entries(
            &mut entries,
            [("content-type", &content_type), ("host", &host_value)],
        );
        let mut signed = self.compute(
            request,
            key,
            &when,
            &mut entries,
            Reading {
                rule: ValueRule::AsSent,
                unsigned,
            },
            keep_text,
        )?;
        drop(entries);

        let authorization =
            authorization_value(&mut signed.authorization, keep_text).map_err(tencent)?;
        // Every check has passed: now the request is edited.
        let headers = request.headers_mut();
        if had_authorization {
            headers.remove(AUTHORIZATION);
        }
        headers.insert(X_TC_TIMESTAMP, timestamp);
        insert_present(headers, X_TC_TOKEN, token);
        if self.unsigned_payload {
            headers.insert(
                X_TC_CONTENT_SHA256,
                HeaderValue::from_static(UNSIGNED_PAYLOAD),
            );
        }
        insert_present(headers, CONTENT_TYPE, content_type);
        insert_present(headers, HOST, host_value);
        headers.insert(AUTHORIZATION, authorization);
        Ok(signed)
    }

    fn compute(
        &self,
        request: &Request<Bytes>,
        key: &AccessKey,
        when: &Tc3Time,
        entries: &mut [HeaderEntry<'_>],
        reading: Reading,
        keep_text: bool,
    ) -> Result<V4Signature> {
        check_access_key_id(key).map_err(tencent)?;
        let is_get = request.method() == Method::GET;
        let payload: &[u8] = match (reading.unsigned, is_get) {
            (true, _) => UNSIGNED_PAYLOAD.as_bytes(),
            (false, true) => b"",
            (false, false) => request.body(),
        };
        let payload_hash = sha256_hex(payload);
        let (date, stamp) = (when.date, when.timestamp);
        let service = self.service.as_bytes();
        let signing_key =
            self.cache
                .get_or_derive(key, &[b"TC3", date.as_bytes(), service], || {
                    let secret = key.secret().expose();
                    derive_scoped_key("TC3", secret, date.as_bytes(), &[service, b"tc3_request"])
                });
        let v4 = V4 {
            algorithm: ALGORITHM,
            method: request.method().as_str(),
            timestamp: stamp.as_bytes(),
            scope: Some(&[date.as_str(), &self.service, "tc3_request"]),
            key_id: key.id(),
            rule: reading.rule,
            repeats: Repeats::JoinWithComma,
            payload_hash: payload_hash.as_bytes(),
        };
        let uri_and_query = |cr: &mut CanonicalSink| {
            cr.put(b"/\n");
            if is_get {
                cr.put(request.uri().query().unwrap_or("").as_bytes());
            }
            Ok(())
        };
        sign_v4(&v4, entries, uri_and_query, &signing_key, keep_text)
    }
}

/// The signing time as TC3 writes it, formatted once: the scope date and the Unix
/// timestamp (the string to sign's, and `X-TC-Timestamp`'s value).
#[derive(Debug, Clone, Copy)]
struct Tc3Time {
    date: Stamp<10>,
    timestamp: Decimal,
}

impl Tc3Time {
    fn at(time: OffsetDateTime) -> Result<Self> {
        let when = SigningTime::utc(time).map_err(tencent)?;
        Ok(Tc3Time {
            date: when.dashed_date(),
            timestamp: when.unix_decimal(),
        })
    }
}

/// How [`Tc3Signer::compute`] reads a request.
#[derive(Debug, Clone, Copy)]
struct Reading {
    /// How header values are written.
    rule: ValueRule,
    /// Whether the literal `UNSIGNED-PAYLOAD` is hashed instead of the body.
    unsigned: bool,
}

/// Whether a request's `X-TC-Content-SHA256` asks for the SDK's unsigned payload.
fn is_unsigned_marker(value: Option<&HeaderValue>) -> bool {
    value.is_some_and(|v| v.as_bytes() == UNSIGNED_PAYLOAD.as_bytes())
}

fn tencent(e: Error) -> Error {
    e.with_provider(ProviderKind::Tencent)
}

/// Parses `TC3-HMAC-SHA256 Credential=SecretId/date/service/tc3_request,
/// SignedHeaders=a;b, Signature=hex`.
pub fn parse_authorization(value: &str) -> Result<ParsedAuthorization> {
    let parse = || -> Result<ParsedAuthorization> {
        let params = v4_params(value, ALGORITHM)?;
        let credential = required(&params, "Credential", ALGORITHM)?;
        let mut scope_parts = credential.rsplitn(4, '/');
        let (Some("tc3_request"), Some(service), Some(date), Some(id)) = (
            scope_parts.next(),
            scope_parts.next(),
            scope_parts.next(),
            scope_parts.next(),
        ) else {
            return Err(malformed_authorization(ALGORITHM, "bad Credential scope"));
        };
        Ok(ParsedAuthorization {
            algorithm: ALGORITHM.to_owned(),
            access_key_id: id.to_owned(),
            signed_headers: split_signed_headers(required(&params, "SignedHeaders", ALGORITHM)?),
            signature: required(&params, "Signature", ALGORITHM)?.to_owned(),
            scope: Some(credential[id.len() + 1..].to_owned()),
            date: Some(date.to_owned()),
            region: None,
            service: Some(service.to_owned()),
            expiration_seconds: None,
        })
    };
    parse().map_err(tencent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use multicloud_core::signing::hash::sha256_hex;
    use time::macros::datetime;

    const PLANTED_SECRET: &str = "PLANTED-SECRET-4f3e2d";
    const PLANTED_TOKEN: &str = "PLANTED-TOKEN-9a8b7c";
    const T: OffsetDateTime = datetime!(2019-02-25 16:44:25 UTC);

    fn key() -> AccessKey {
        AccessKey::new("AKIDEXAMPLE", "tencent-secret")
    }

    fn signer() -> Tc3Signer {
        Tc3Signer::new("cvm").with_key_cache(Arc::new(DerivedKeyCache::new(8)))
    }

    fn post(body: &'static [u8]) -> Request<Bytes> {
        Request::post("https://cvm.tencentcloudapi.com/")
            .header("content-type", "application/json")
            .body(Bytes::from_static(body))
            .unwrap()
    }

    #[test]
    fn unsigned_payload_hashes_the_literal_string() {
        let literal_hash = "438d4109ef0d676b8c2c7ed13cdfcb418e494d53b843d4634ce3b1085f07bb96";
        let mut req = post(br#"{"Limit": 1}"#);
        let s = signer().with_unsigned_payload(true);
        let parts = s.signing_parts(&req, &key(), T).unwrap();
        assert!(parts
            .canonical_request
            .ends_with(&format!("\n{literal_hash}")));
        s.sign(&mut req, &key(), T).unwrap();
        assert_eq!(req.headers()[X_TC_CONTENT_SHA256], UNSIGNED_PAYLOAD);
        // A verifier sees the header and hashes the literal too.
        let verifier = signer().signing_parts(&req, &key(), T).unwrap();
        assert_eq!(verifier.signature, parts.signature);
    }

    #[test]
    fn get_signs_the_query_as_sent_and_an_empty_payload() {
        let req = Request::get("https://cvm.tencentcloudapi.com/?Limit=1&Filters.0.Name=a+b")
            .body(Bytes::from_static(b"ignored"))
            .unwrap();
        let parts = signer().signing_parts(&req, &key(), T).unwrap();
        let lines: Vec<&str> = parts.canonical_request.split('\n').collect();
        assert_eq!(lines[..3], ["GET", "/", "Limit=1&Filters.0.Name=a+b"]);
        assert_eq!(lines[3], "content-type:application/x-www-form-urlencoded");
        assert_eq!(lines[lines.len() - 1], sha256_hex(b"").as_str());
    }

    #[test]
    fn only_content_type_and_host_are_signed_as_sent() {
        let mut req = post(b"{}");
        req.headers_mut()
            .insert(HOST, "CVM.TencentCloudAPI.com".parse().unwrap());
        req.headers_mut()
            .insert("x-tc-action", "DescribeInstances".parse().unwrap());
        let parts = signer().signing_parts(&req, &key(), T).unwrap();
        assert_eq!(parts.signed_headers, "content-type;host");
        assert!(parts
            .canonical_request
            .contains("\ncontent-type:application/json\nhost:CVM.TencentCloudAPI.com\n\n"));
        assert!(parts
            .string_to_sign
            .starts_with("TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"));
    }

    #[test]
    fn the_derived_key_is_cached_per_day_and_service() {
        let s = signer();
        let req = post(b"{}");
        s.signing_parts(&req, &key(), T).unwrap();
        s.signing_parts(&req, &key(), T + time::Duration::seconds(5))
            .unwrap();
        let stats = s.key_cache().stats();
        assert_eq!((stats.hits, stats.misses), (1, 1));
    }

    #[test]
    fn token_and_timestamp_headers_are_set() {
        let mut req = post(b"{}");
        signer()
            .sign(&mut req, &key().with_session_token("tok"), T)
            .unwrap();
        assert_eq!(req.headers()[X_TC_TIMESTAMP], "1551113065");
        assert_eq!(req.headers()[X_TC_TOKEN], "tok");
        assert!(req.headers()[X_TC_TOKEN].is_sensitive());
        assert_eq!(req.headers()[HOST], "cvm.tencentcloudapi.com");
    }

    #[test]
    fn parse_authorization_round_trips() {
        let mut req = post(b"{}");
        signer().sign(&mut req, &key(), T).unwrap();
        let p = parse_authorization(req.headers()[AUTHORIZATION].to_str().unwrap()).unwrap();
        assert_eq!(p.access_key_id, "AKIDEXAMPLE");
        assert_eq!(p.scope.as_deref(), Some("2019-02-25/cvm/tc3_request"));
        assert_eq!(
            (p.date.as_deref(), p.service.as_deref()),
            (Some("2019-02-25"), Some("cvm"))
        );
        assert_eq!(p.signed_headers, ["content-type", "host"]);
        let parts = signer().signing_parts(&req, &key(), T).unwrap();
        assert_eq!(p.signature, parts.signature);
        assert!(parse_authorization(
            "TC3-HMAC-SHA256 Credential=AK/2019-02-25/cvm, SignedHeaders=a, Signature=b"
        )
        .is_err());
    }

    #[test]
    fn a_planted_secret_never_shows_in_debug_parts_or_errors() {
        let key = AccessKey::new("AKIDVISIBLE", PLANTED_SECRET).with_session_token(PLANTED_TOKEN);
        let s = signer();
        let mut req = post(b"{}");
        s.sign(&mut req, &key, T).unwrap();
        let parts = s.signing_parts(&req, &key, T).unwrap();
        let bad =
            AccessKey::new("AK", PLANTED_SECRET).with_session_token("x\nPLANTED-TOKEN-9a8b7c");
        let err = s.sign(&mut post(b"{}"), &bad, T).unwrap_err();
        for shown in [
            format!("{s:?}"),
            format!("{parts:?}"),
            format!("{err:?} {err}"),
            format!("{:?}", req.headers()),
        ] {
            assert!(
                !shown.contains(PLANTED_SECRET) && !shown.contains(PLANTED_TOKEN),
                "{shown}"
            );
            assert!(!shown.contains(&parts.signature), "{shown}");
        }
    }

    #[test]
    fn sign_adds_at_most_headers_written() {
        let session = key().with_session_token("tok");
        let mut req = Request::post("https://cvm.tencentcloudapi.com/")
            .body(Bytes::from_static(b"{}"))
            .unwrap();
        signer()
            .with_unsigned_payload(true)
            .sign(&mut req, &session, T)
            .unwrap();
        assert_eq!(req.headers().len(), Tc3Signer::HEADERS_WRITTEN);
        // With `Host` and `Content-Type` already set, as the client sends them: timestamp
        // and authorization only.
        let mut sent = post(b"{}");
        sent.headers_mut()
            .insert(HOST, HeaderValue::from_static("cvm.tencentcloudapi.com"));
        let before = sent.headers().len();
        signer().sign(&mut sent, &key(), T).unwrap();
        assert_eq!(sent.headers().len(), before + 2);
    }
}

//! Huawei Cloud `SDK-HMAC-SHA256`, as `huaweicloudsdkcore`'s `Signer.sign` applies it.
//!
//! A short composition of `multicloud_core::signing`: the URI is decoded, re-encoded per
//! segment and always ends in `/`; the query is sorted on the decoded strings, then encoded;
//! every header whose name has no `_` is signed, values stripped at both ends; the signature
//! is a plain `HMAC(SK, string to sign)` with no derived key.

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{HeaderMap, Request};
use multicloud_core::signing::canonical::{sign_v4, upper_method, CanonicalSink, V4Signature, V4};
use multicloud_core::signing::hash::{sha256_hex, EMPTY_SHA256_HEX};
use multicloud_core::signing::headers::{HeaderEntry, Repeats, ValueRule};
use multicloud_core::signing::parts::{required, split_signed_headers, v4_params};
use multicloud_core::signing::request::{
    authority_from_uri, authorization_value, check_access_key_id, insert_present, listed_entries,
    listed_names, missing_host, push_own_entries, recent_header_value, session_token_value,
    HeaderEntries, Listed,
};
use multicloud_core::signing::sink::Sink;
use multicloud_core::signing::timefmt::Stamp;
use multicloud_core::signing::trim::strip_unicode;
use multicloud_core::signing::{path, query, SigningTime};
use multicloud_core::{AccessKey, Error, ProviderKind, Result};
use time::OffsetDateTime;

pub use multicloud_core::signing::{ParsedAuthorization, SigningParts};

const ALGORITHM: &str = "SDK-HMAC-SHA256";
const X_SDK_DATE: HeaderName = HeaderName::from_static("x-sdk-date");
const X_SDK_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-sdk-content-sha256");
const X_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-security-token");
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Signs requests with Huawei Cloud's `SDK-HMAC-SHA256` (AK/SK) algorithm.
///
/// The region is not part of this signature, so one signer serves every endpoint.
#[derive(Debug, Clone, Copy, Default)]
pub struct HuaweiSigner;

impl HuaweiSigner {
    /// The most headers [`sign`](Self::sign) adds to a request: `X-Sdk-Date`,
    /// `X-Security-Token`, `X-Sdk-Content-Sha256`, `Host` and `Authorization`.
    ///
    /// A client that builds its header map with room for its own headers plus these
    /// (`HeaderMap::with_capacity`) spares the signer a regrowth of the map: past six
    /// headers, a map made empty reallocates and rehashes every header on the insert that
    /// outgrows it.
    pub const HEADERS_WRITTEN: usize = 5;

    /// A signer.
    pub fn new() -> Self {
        HuaweiSigner
    }

    /// Signs `request`: sets `X-Sdk-Date` (unless the request has one, which is then the
    /// signing time and `time` is unused), `X-Security-Token` for a session key,
    /// `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` for a non-JSON `Content-Type`, `Host` when
    /// absent, and `Authorization`; header values are written back stripped, as the SDK does.
    ///
    /// `http` header names carry no case, so `content-type` counts as the `Content-Type` key
    /// the SDK looks for (its client always uses that spelling).
    ///
    /// As in the SDK, a request that already carries `Authorization` is not signed again (only
    /// the session token is attached).
    pub fn sign(
        &self,
        request: &mut Request<Bytes>,
        key: &AccessKey,
        time: OffsetDateTime,
    ) -> Result<()> {
        // A walk over the few names costs less than a hashed lookup.
        if request.headers().keys().any(|name| *name == AUTHORIZATION) {
            // The SDK still attaches the token, then leaves the request alone.
            if let Some(token) = session_token_value(key).map_err(huawei)? {
                request.headers_mut().insert(X_SECURITY_TOKEN, token);
            }
            return Ok(());
        }
        sign_in_place(request, key, time, false).map(drop)
    }

    /// The stages [`sign`](Self::sign) would compute, without touching `request` (an
    /// existing `Authorization` header is ignored): the very same code signs a copy,
    /// keeping the canonical strings' text.
    pub fn signing_parts(
        &self,
        request: &Request<Bytes>,
        key: &AccessKey,
        time: OffsetDateTime,
    ) -> Result<SigningParts> {
        let mut copy = request.clone();
        Ok(sign_in_place(&mut copy, key, time, true)?.into_parts())
    }

    /// Recomputes a received request's signature over exactly `signed_headers` (its
    /// `SignedHeaders=` list, lower-case; a name listed twice is signed twice, as the SDK
    /// does) as present on the request. The time is the request's `X-Sdk-Date` when it has
    /// one, else `time`. `host` falls back to the URI authority.
    pub fn signing_parts_for_headers(
        &self,
        request: &Request<Bytes>,
        key: &AccessKey,
        time: OffsetDateTime,
        signed_headers: &[&str],
    ) -> Result<SigningParts> {
        let stamp = signing_stamp(request.headers().get(X_SDK_DATE), time)?;
        let names = listed_names(signed_headers, Listed::LastValuePerOccurrence);
        let host = authority_from_uri(request.uri());
        let mut entries = listed_entries(
            request.headers(),
            &names,
            host,
            Listed::LastValuePerOccurrence,
        )
        .map_err(huawei)?;
        let rule = ValueRule::StripUnicode;
        Ok(compute(request, key, &stamp, &mut entries, rule, true)?.into_parts())
    }
}

fn huawei(e: Error) -> Error {
    e.with_provider(ProviderKind::Huawei)
}

/// The SDK reads a caller's `X-Sdk-Date` (any case) as the signing time; returned as the
/// `YYYYMMDDTHHMMSSZ` stamp, formatted once for the string to sign and `X-Sdk-Date`.
fn signing_stamp(header: Option<&HeaderValue>, time: OffsetDateTime) -> Result<Stamp<16>> {
    let time = match header {
        Some(value) => SigningTime::parse_compact(value.as_bytes()).ok_or_else(|| {
            huawei(Error::config(
                "X-Sdk-Date is not in the form yyyyMMdd'T'HHmmss'Z'",
            ))
        })?,
        None => time,
    };
    Ok(SigningTime::utc(time).map_err(huawei)?.compact())
}

/// Signs the request as it will be sent once the headers `sign` adds are written, then writes
/// them, in the SDK's order (content hash marker, date, host), and `Authorization`. Every
/// check that can fail runs before the first edit.
fn sign_in_place(
    request: &mut Request<Bytes>,
    key: &AccessKey,
    time: OffsetDateTime,
    keep_text: bool,
) -> Result<V4Signature> {
    check_access_key_id(key).map_err(huawei)?;
    if request.uri().path().is_empty() {
        return Err(no_path());
    }
    let token = session_token_value(key).map_err(huawei)?;
    // One walk over the request's headers: what it signs, and which of the headers `sign`
    // writes are already there (a caller's `X-Sdk-Date` is kept and is the signing time).
    let (date_value, host_value);
    let mut entries = HeaderEntries::new();
    let (mut had_authorization, mut had_host) = (false, false);
    let (mut content_type, mut date) = (None, None);
    // Whether a value arrives with whitespace at an end: the SDK sends it stripped. The
    // values `sign` writes never have any (but a session token may).
    let mut unstripped = token
        .as_ref()
        .is_some_and(|t| strip_unicode(t.as_bytes()).len() != t.len());
    for (name, value) in request.headers() {
        unstripped |= strip_unicode(value.as_bytes()).len() != value.len();
        if *name == AUTHORIZATION {
            had_authorization = true;
            continue;
        }
        if *name == CONTENT_TYPE {
            content_type = content_type.or(Some(value));
        } else if *name == X_SDK_DATE {
            date = date.or(Some(value));
        } else if *name == HOST {
            had_host = true;
        } else if token.is_some() && *name == X_SECURITY_TOKEN {
            continue;
        }
        if is_signed(name.as_str()) {
            entries.push((name.as_str(), value.as_bytes()));
        }
    }
    // Bodies that are not JSON (or BSON) are sent unsigned.
    let unsigned = content_type.map(HeaderValue::as_bytes).is_some_and(|ct| {
        !ct.is_empty()
            && !ct.starts_with(b"application/json")
            && !ct.starts_with(b"application/bson")
    });
    let stamp = signing_stamp(date, time)?;
    date_value = match date {
        Some(_) => None,
        None => Some(recent_header_value(stamp.as_bytes(), "X-Sdk-Date")?),
    };
    host_value = match had_host {
        true => None,
        false => {
            let host = authority_from_uri(request.uri()).ok_or_else(|| huawei(missing_host()))?;
            Some(recent_header_value(host.as_bytes(), "the host").map_err(huawei)?)
        }
    };
    if unsigned {
        // Replaces any value the caller set.
        entries.retain(|(name, _)| *name != "x-sdk-content-sha256");
        entries.push(("x-sdk-content-sha256", UNSIGNED_PAYLOAD.as_bytes()));
    }
    push_own_entries(
        &mut entries,
        [
            ("x-security-token", &token),
            ("x-sdk-date", &date_value),
            ("host", &host_value),
        ],
    );

    // Values with nothing to strip (the usual case, found by the walk) are signed as sent,
    // which is the same text without a second look at every value's ends.
    let rule = match unstripped {
        true => ValueRule::StripUnicode,
        false => ValueRule::AsSent,
    };
    let mut signed = compute(request, key, &stamp, &mut entries, rule, keep_text)?;
    drop(entries);

    let content_sha256 = unsigned.then(|| HeaderValue::from_static(UNSIGNED_PAYLOAD));
    let authorization =
        authorization_value(&mut signed.authorization, keep_text).map_err(huawei)?;
    // Every check has passed: now the request is edited, in the SDK's order.
    let headers = request.headers_mut();
    if had_authorization {
        headers.remove(AUTHORIZATION);
    }
    insert_present(headers, X_SECURITY_TOKEN, token);
    insert_present(headers, X_SDK_CONTENT_SHA256, content_sha256);
    insert_present(headers, X_SDK_DATE, date_value);
    insert_present(headers, HOST, host_value);
    headers.insert(AUTHORIZATION, authorization);
    if unstripped {
        write_back_stripped(headers);
    }
    Ok(signed)
}

fn no_path() -> Error {
    huawei(Error::config(
        "Huawei requests need a path (at least \"/\") to be signed",
    ))
}

/// The SDK signs every header whose name has no `_`.
fn is_signed(name: &str) -> bool {
    // Eight bytes at a time: a word has a `_` when `word ^ "________"` has a zero byte.
    const LOW: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    const UNDERSCORES: u64 = u64::from_ne_bytes([b'_'; 8]);
    let words = name.as_bytes().chunks_exact(8);
    let tail = words.remainder();
    let underscore_in_words = words.into_iter().any(|word| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let x = u64::from_ne_bytes(bytes) ^ UNDERSCORES;
        x.wrapping_sub(LOW) & !x & HIGH != 0
    });
    !underscore_in_words && !tail.contains(&b'_')
}

fn compute(
    request: &Request<Bytes>,
    key: &AccessKey,
    stamp: &Stamp<16>,
    entries: &mut [HeaderEntry<'_>],
    rule: ValueRule,
    keep_text: bool,
) -> Result<V4Signature> {
    check_access_key_id(key).map_err(huawei)?;
    let body = request.body();
    let body_hash;
    let payload: &[u8] = if body.is_empty() {
        EMPTY_SHA256_HEX.as_bytes()
    } else {
        match entries
            .iter()
            .find(|(n, _)| *n == X_SDK_CONTENT_SHA256.as_str())
        {
            // Read as the SDK does: after the value was stripped.
            Some((_, value)) if !strip_unicode(value).is_empty() => strip_unicode(value),
            _ => {
                body_hash = sha256_hex(body);
                body_hash.as_bytes()
            }
        }
    };
    let v4 = V4 {
        algorithm: ALGORITHM,
        method: &upper_method(request.method()),
        timestamp: stamp.as_bytes(),
        scope: None,
        key_id: key.id(),
        rule,
        repeats: Repeats::LinePerOccurrenceLastValue,
        payload_hash: payload,
    };
    let uri = request.uri();
    let uri_and_query = |cr: &mut CanonicalSink| {
        if !path::decoded_then_encoded_with_trailing_slash(uri.path(), cr) {
            return Err(no_path());
        }
        cr.put_byte(b'\n');
        query::sorted_decoded_then_encoded_raw(uri.query().unwrap_or(""), cr);
        Ok(())
    };
    sign_v4(&v4, entries, uri_and_query, key.secret_mac_key(), keep_text)
}

/// The SDK stores every header value stripped, so what is sent is what was signed.
fn write_back_stripped(headers: &mut HeaderMap) {
    for value in headers.values_mut() {
        let stripped = strip_unicode(value.as_bytes());
        if stripped.len() != value.as_bytes().len() {
            if let Ok(mut new) = HeaderValue::from_bytes(stripped) {
                new.set_sensitive(value.is_sensitive());
                *value = new;
            }
        }
    }
}

/// Parses `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`.
pub fn parse_authorization(value: &str) -> Result<ParsedAuthorization> {
    let parse = || -> Result<ParsedAuthorization> {
        let params = v4_params(value, ALGORITHM)?;
        Ok(ParsedAuthorization {
            algorithm: ALGORITHM.to_owned(),
            access_key_id: required(&params, "Access", ALGORITHM)?.to_owned(),
            signed_headers: split_signed_headers(required(&params, "SignedHeaders", ALGORITHM)?),
            signature: required(&params, "Signature", ALGORITHM)?.to_owned(),
            ..ParsedAuthorization::default()
        })
    };
    parse().map_err(huawei)
}

#[cfg(test)]
mod tests {
    use super::*;
    use multicloud_core::ErrorKind;
    use time::macros::datetime;

    #[test]
    fn a_name_is_signed_unless_an_underscore_is_anywhere_in_it() {
        for len in 0..=20 {
            assert!(is_signed(&"a".repeat(len)), "len {len}");
            for at in 0..len {
                let mut name = "x".repeat(len).into_bytes();
                name[at] = b'_';
                let name = String::from_utf8(name).unwrap();
                assert!(!is_signed(&name), "{name}");
                // Bytes on either side of `_` in value (`^`, `` ` ``) are not mistaken for it.
                let near = name.replace('_', if at % 2 == 0 { "^" } else { "`" });
                assert!(is_signed(&near), "{near}");
            }
        }
    }

    const PLANTED_SECRET: &str = "PLANTED-SECRET-4f3e2d";
    const PLANTED_TOKEN: &str = "PLANTED-TOKEN-9a8b7c";
    const T: OffsetDateTime = datetime!(2019-11-15 03:36:55 UTC);

    fn key() -> AccessKey {
        AccessKey::new(
            "QTWAOYTTINDUT2QVKYUC",
            "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
        )
    }

    fn parts_of(req: &Request<Bytes>) -> SigningParts {
        HuaweiSigner::new().signing_parts(req, &key(), T).unwrap()
    }

    fn line(parts: &SigningParts, n: usize) -> &str {
        parts.canonical_request.split('\n').nth(n).unwrap()
    }

    #[test]
    fn the_uri_always_ends_with_a_slash_and_encoded_slashes_split() {
        let req = Request::get("https://iam.myhuaweicloud.com/v3/projects")
            .body(Bytes::new())
            .unwrap();
        assert_eq!(line(&parts_of(&req), 1), "/v3/projects/");
        let req = Request::get("https://h.example/a%2Fb%20c/")
            .body(Bytes::new())
            .unwrap();
        assert_eq!(line(&parts_of(&req), 1), "/a/b%20c/");
    }

    #[test]
    fn the_query_sorts_on_decoded_strings() {
        let req = Request::get("https://h.example/?%C3%BCmlaut=1&~tilde=2&limit=2")
            .body(Bytes::new())
            .unwrap();
        assert_eq!(line(&parts_of(&req), 2), "limit=2&~tilde=2&%C3%BCmlaut=1");
    }

    #[test]
    fn underscore_headers_are_not_signed_and_values_are_stripped() {
        let mut req = Request::get("https://h.example/")
            .body(Bytes::new())
            .unwrap();
        req.headers_mut().insert("x_under", "no".parse().unwrap());
        req.headers_mut().insert(
            "x-pad",
            HeaderValue::from_bytes("\u{3000} v \u{a0}".as_bytes()).unwrap(),
        );
        let parts = parts_of(&req);
        assert_eq!(parts.signed_headers, "host;x-pad;x-sdk-date");
        assert!(parts.canonical_request.contains("\nx-pad:v\n"));
        HuaweiSigner::new().sign(&mut req, &key(), T).unwrap();
        assert_eq!(
            req.headers()["x-pad"],
            "v",
            "the stripped value is what is sent"
        );
        // A session token with whitespace at its ends is sent stripped too, as signed.
        let mut req = Request::get("https://h.example/")
            .body(Bytes::new())
            .unwrap();
        let key = key().with_session_token("\ttok ");
        let parts = HuaweiSigner::new().signing_parts(&req, &key, T).unwrap();
        assert!(parts.canonical_request.contains("\nx-security-token:tok\n"));
        HuaweiSigner::new().sign(&mut req, &key, T).unwrap();
        assert_eq!(req.headers()[X_SECURITY_TOKEN], "tok");
        // Values that need no stripping are left as they are.
        assert_eq!(req.headers()[X_SDK_DATE], "20191115T033655Z");
    }

    #[test]
    fn non_json_bodies_are_unsigned_but_empty_bodies_hash_empty() {
        let mut req = Request::post("https://h.example/")
            .header("content-type", "text/plain")
            .body(Bytes::from_static(b"data"))
            .unwrap();
        let parts = parts_of(&req);
        assert!(parts.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
        assert!(parts.signed_headers.contains("x-sdk-content-sha256"));
        *req.body_mut() = Bytes::new();
        assert!(parts_of(&req).canonical_request.ends_with(EMPTY_SHA256_HEX));
        let json = Request::post("https://h.example/")
            .header("content-type", "application/json;charset=UTF-8")
            .body(Bytes::from_static(b"{}"))
            .unwrap();
        let parts = parts_of(&json);
        assert!(parts
            .canonical_request
            .ends_with(sha256_hex(b"{}").as_str()));
        assert!(!parts.signed_headers.contains("x-sdk-content-sha256"));
    }

    #[test]
    fn a_caller_x_sdk_date_is_the_signing_time() {
        let mut req = Request::get("https://h.example/")
            .body(Bytes::new())
            .unwrap();
        req.headers_mut()
            .insert(X_SDK_DATE, "20200101T000000Z".parse().unwrap());
        let parts = parts_of(&req);
        assert!(parts
            .string_to_sign
            .starts_with("SDK-HMAC-SHA256\n20200101T000000Z\n"));
        req.headers_mut()
            .insert(X_SDK_DATE, "yesterday".parse().unwrap());
        let e = HuaweiSigner::new()
            .signing_parts(&req, &key(), T)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
    }

    #[test]
    fn a_request_with_authorization_is_left_alone() {
        let mut req = Request::get("https://h.example/")
            .header("authorization", "Bearer x")
            .body(Bytes::new())
            .unwrap();
        HuaweiSigner::new().sign(&mut req, &key(), T).unwrap();
        assert_eq!(req.headers()[AUTHORIZATION], "Bearer x");
        assert!(req.headers().get(X_SDK_DATE).is_none());
    }

    #[test]
    fn a_verifier_recomputes_the_signature_over_the_listed_headers() {
        let mut req = Request::get("https://h.example/v1/x?limit=1")
            .header("content-type", "application/json")
            .body(Bytes::new())
            .unwrap();
        let key = key().with_session_token("tok");
        HuaweiSigner::new().sign(&mut req, &key, T).unwrap();
        req.headers_mut()
            .insert("user-agent", "added later".parse().unwrap());
        let sent = parse_authorization(req.headers()[AUTHORIZATION].to_str().unwrap()).unwrap();
        assert_eq!(sent.access_key_id, "QTWAOYTTINDUT2QVKYUC");
        let names: Vec<&str> = sent.signed_headers.iter().map(String::as_str).collect();
        assert_eq!(
            names,
            ["content-type", "host", "x-sdk-date", "x-security-token"]
        );
        let later = T + time::Duration::minutes(3);
        let again = HuaweiSigner::new()
            .signing_parts_for_headers(&req, &key, later, &names)
            .unwrap();
        assert_eq!(
            again.signature, sent.signature,
            "X-Sdk-Date on the request wins"
        );
    }

    #[test]
    fn an_empty_path_cannot_be_signed() {
        let req = Request::get("h.example:443").body(Bytes::new()).unwrap();
        let e = HuaweiSigner::new()
            .signing_parts(&req, &key(), T)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
    }

    #[test]
    fn a_planted_secret_never_shows_in_debug_parts_or_errors() {
        let key = AccessKey::new("AKVISIBLE", PLANTED_SECRET).with_session_token(PLANTED_TOKEN);
        let mut req = Request::get("https://h.example/")
            .body(Bytes::new())
            .unwrap();
        HuaweiSigner::new().sign(&mut req, &key, T).unwrap();
        let parts = HuaweiSigner::new().signing_parts(&req, &key, T).unwrap();
        let bad =
            AccessKey::new("AK", PLANTED_SECRET).with_session_token("x\nPLANTED-TOKEN-9a8b7c");
        let err = HuaweiSigner::new()
            .sign(
                &mut Request::get("https://h.example/")
                    .body(Bytes::new())
                    .unwrap(),
                &bad,
                T,
            )
            .unwrap_err();
        for shown in [
            format!("{:?}", HuaweiSigner::new()),
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
        let key = key().with_session_token("tok");
        // A body that is not JSON is sent unsigned, which adds `X-Sdk-Content-Sha256`.
        let mut req = Request::post("https://ecs.cn-north-4.myhuaweicloud.com/v1/servers")
            .header("content-type", "text/plain")
            .body(Bytes::from_static(b"x"))
            .unwrap();
        HuaweiSigner::new().sign(&mut req, &key, T).unwrap();
        assert_eq!(req.headers().len(), 1 + HuaweiSigner::HEADERS_WRITTEN);
    }
}

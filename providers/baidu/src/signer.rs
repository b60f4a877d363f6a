//! Baidu AI Cloud `bce-auth-v1`, as `bce-python-sdk`'s `bce_v1_signer.sign` applies it.
//!
//! A short composition of `multicloud_core::signing`: the signing key is the *hex string*
//! `hex(HMAC(SK, prefix))`; the canonical request (which is what gets signed — there is no
//! payload hash) is the method, the path as sent, the query with whole `k=v` strings sorted,
//! and the encoded header lines of `host`, `content-md5`, `content-length`, `content-type`
//! and every `x-bce-*` header.

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_LENGTH, HOST};
use http::Request;
use multicloud_core::signing::hash::Hex64;
use multicloud_core::signing::headers::{encoded_sorted_lines, HeaderEntry};
use multicloud_core::signing::parts::{
    hex_signature_at_end, malformed_authorization, split_signed_headers,
};
use multicloud_core::signing::request::{
    authorization_value, check_access_key_id, entries_where, host_from_uri, insert_present,
    is_header_value, missing_host, push_own_entries, recent_header_value, session_token_value,
    HeaderEntries,
};
use multicloud_core::signing::sha::HmacKey;
use multicloud_core::signing::sink::{hash_text, Sink, Writer};
use multicloud_core::signing::timefmt::{Decimal, Stamp};
use multicloud_core::signing::{query, SigningTime};
use multicloud_core::{AccessKey, Error, ProviderKind, Result};
use time::OffsetDateTime;

pub use multicloud_core::signing::{ParsedAuthorization, SigningParts};

const ALGORITHM: &str = "bce-auth-v1";
const X_BCE_DATE: HeaderName = HeaderName::from_static("x-bce-date");
const X_BCE_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-bce-security-token");
/// Whether `name` is in the SDK's default `headers_to_sign`: `host`, `content-md5`,
/// `content-length` and `content-type`.
fn is_signed_by_default(name: &str) -> bool {
    // A `match` compares inline; a search of an array of names calls `memcmp` for each.
    matches!(
        name,
        "host" | "content-md5" | "content-length" | "content-type"
    )
}

/// Signs requests with Baidu AI Cloud's `bce-auth-v1` algorithm.
#[derive(Debug, Clone)]
pub struct BceSigner {
    /// The validity in seconds, in decimal as the auth string carries it (formatted once).
    expiration: Decimal,
    headers_to_sign: Vec<String>,
    /// Whether `headers_to_sign` can go into the `Authorization` value: checked once.
    names_are_header_safe: bool,
}

impl Default for BceSigner {
    fn default() -> Self {
        BceSigner::new()
    }
}

impl BceSigner {
    /// The most headers [`sign`](Self::sign) adds to a request: `Host`, `Content-Length`,
    /// `x-bce-date`, `x-bce-security-token` and `Authorization`.
    ///
    /// A client that builds its header map with room for its own headers plus these
    /// (`HeaderMap::with_capacity`) spares the signer a regrowth of the map: past six
    /// headers, a map made empty reallocates and rehashes every header on the insert that
    /// outgrows it.
    pub const HEADERS_WRITTEN: usize = 5;

    /// A signer with the SDK's defaults: 1800 s validity, the default header set.
    pub fn new() -> Self {
        BceSigner {
            expiration: Decimal::new(1800),
            headers_to_sign: Vec::new(),
            names_are_header_safe: true,
        }
    }

    /// How long the signature is valid, in seconds (the auth string carries it).
    pub fn with_expiration_seconds(mut self, seconds: u32) -> Self {
        self.expiration = Decimal::new(seconds.into());
        self
    }

    /// Signs these (lower-case) headers instead of the default set; `x-bce-*` headers are
    /// signed all the same, and the auth string lists exactly these names in this order. An
    /// empty list means the default set.
    pub fn with_headers_to_sign(mut self, names: Vec<String>) -> Self {
        self.headers_to_sign = names.into_iter().map(|n| n.to_ascii_lowercase()).collect();
        self.names_are_header_safe = self
            .headers_to_sign
            .iter()
            .all(|n| is_header_value(n.as_bytes()));
        self
    }

    /// Signs `request` at `time`: sets `Host` (lower-case, default port dropped) and
    /// `Content-Length` when absent, `x-bce-date` when absent (a caller's value is kept, as in
    /// the SDK), `x-bce-security-token` for a session key, and `Authorization`. On error the
    /// request is left as it was.
    pub fn sign(
        &self,
        request: &mut Request<Bytes>,
        key: &AccessKey,
        time: OffsetDateTime,
    ) -> Result<()> {
        self.sign_in_place(request, key, time, false).map(drop)
    }

    /// The stages [`sign`](Self::sign) would compute, without touching `request`: the very
    /// same code signs a copy, keeping the text. The canonical request is also the string
    /// to sign.
    pub fn signing_parts(
        &self,
        request: &Request<Bytes>,
        key: &AccessKey,
        time: OffsetDateTime,
    ) -> Result<SigningParts> {
        let mut copy = request.clone();
        let signed = self.sign_in_place(&mut copy, key, time, true)?;
        Ok(signed.into_parts(&self.headers_to_sign))
    }

    /// Signs the request as it will be sent once the headers `sign` owns are written, then
    /// writes them and `Authorization`. Every check that can fail runs before the first edit.
    fn sign_in_place(
        &self,
        request: &mut Request<Bytes>,
        key: &AccessKey,
        time: OffsetDateTime,
        keep_text: bool,
    ) -> Result<Signed> {
        // Formatted once, for the auth string and `x-bce-date`.
        let stamp = SigningTime::utc(time).map_err(baidu)?.iso_seconds();
        check_access_key_id(key).map_err(baidu)?;
        if !self.names_are_header_safe {
            return Err(baidu(Error::config(
                "a header name to sign is not valid in an HTTP header value",
            )));
        }
        let token = session_token_value(key).map_err(baidu)?;
        // One walk over the request's headers: all of them are candidates to sign, and it
        // finds which of the headers `sign` writes are already there.
        let (host, length, date);
        let mut entries = HeaderEntries::new();
        let (mut had_authorization, mut had_host, mut had_length, mut had_date) =
            (false, false, false, false);
        for (name, value) in request.headers() {
            if *name == AUTHORIZATION {
                had_authorization = true;
                continue;
            }
            if *name == HOST {
                had_host = true;
            } else if *name == CONTENT_LENGTH {
                had_length = true;
            } else if *name == X_BCE_DATE {
                had_date = true;
            } else if token.is_some() && *name == X_BCE_SECURITY_TOKEN {
                continue;
            }
            entries.push((name.as_str(), value.as_bytes()));
        }
        host = match had_host {
            true => None,
            false => {
                let host = host_from_uri(request.uri()).ok_or_else(|| baidu(missing_host()))?;
                Some(recent_header_value(host.as_bytes(), "the host").map_err(baidu)?)
            }
        };
        length = match had_length {
            true => None,
            // Every GET: a static value costs no look-up and no reference count.
            false if request.body().is_empty() => Some(HeaderValue::from_static("0")),
            false => {
                let len = Decimal::new(i64::try_from(request.body().len()).unwrap_or(i64::MAX));
                Some(recent_header_value(len.as_bytes(), "Content-Length")?)
            }
        };
        date = match had_date {
            true => None,
            false => Some(recent_header_value(stamp.as_bytes(), "x-bce-date")?),
        };
        push_own_entries(
            &mut entries,
            [
                ("host", &host),
                ("content-length", &length),
                ("x-bce-date", &date),
                ("x-bce-security-token", &token),
            ],
        );
        let mut signed = self.compute(
            request,
            key,
            &stamp,
            &entries,
            &self.headers_to_sign,
            keep_text,
        )?;
        drop(entries);

        let authorization =
            authorization_value(&mut signed.authorization, keep_text).map_err(baidu)?;
        // Every check has passed: now the request is edited.
        let headers = request.headers_mut();
        if had_authorization {
            headers.remove(AUTHORIZATION);
        }
        insert_present(headers, HOST, host);
        insert_present(headers, CONTENT_LENGTH, length);
        insert_present(headers, X_BCE_DATE, date);
        insert_present(headers, X_BCE_SECURITY_TOKEN, token);
        headers.insert(AUTHORIZATION, authorization);
        Ok(signed)
    }

    /// Recomputes a received request's signature with `signed_headers` as the auth string's
    /// header field (empty = the default set) over the headers as present on the request;
    /// nothing is added. `time` is the auth string's timestamp.
    pub fn signing_parts_for_headers(
        &self,
        request: &Request<Bytes>,
        key: &AccessKey,
        time: OffsetDateTime,
        signed_headers: &[&str],
    ) -> Result<SigningParts> {
        let stamp = SigningTime::utc(time).map_err(baidu)?.iso_seconds();
        let names: Vec<String> = signed_headers
            .iter()
            .map(|n| n.to_ascii_lowercase())
            .collect();
        let entries = entries_where(request.headers(), |name| name != "authorization");
        let signed = self.compute(request, key, &stamp, &entries, &names, true)?;
        Ok(signed.into_parts(&names))
    }

    /// Writes the canonical request straight into its HMAC (Baidu signs it directly) and
    /// keeps its text only when `keep_text`.
    fn compute(
        &self,
        request: &Request<Bytes>,
        key: &AccessKey,
        stamp: &Stamp<20>,
        entries: &[HeaderEntry<'_>],
        names: &[String],
        keep_text: bool,
    ) -> Result<Signed> {
        check_access_key_id(key).map_err(baidu)?;
        let expiration = self.expiration;
        // `bce-auth-v1/{id}/{timestamp}/{expiration}/{signed;headers}/{signature}`, sized
        // exactly; its first four fields are the prefix the signing key is made from.
        let list_len = names
            .iter()
            .map(|n| n.len() + 1)
            .sum::<usize>()
            .saturating_sub(1);
        let mut auth = Vec::with_capacity(
            ALGORITHM.len()
                + key.id().len()
                + stamp.as_bytes().len()
                + expiration.as_bytes().len()
                + list_len
                + 64
                + 5,
        );
        let prefix = [
            ALGORITHM.as_bytes(),
            key.id().as_bytes(),
            stamp.as_bytes(),
            expiration.as_bytes(),
        ];
        for field in prefix {
            if !auth.is_empty() {
                auth.put_byte(b'/');
            }
            auth.put(field);
        }
        // The 64 hex characters, not the 32 bytes, key the next HMAC.
        let hex_key = Hex64::new(&key.secret_mac_key().mac(&auth));
        auth.put_byte(b'/');
        for (n, name) in names.iter().enumerate() {
            if n > 0 {
                auth.put_byte(b';');
            }
            auth.put(name.as_bytes());
        }

        let mut mac = HmacKey::new(hex_key.as_bytes()).start();
        let canonical_request = hash_text(
            &mut mac,
            keep_text,
            CanonicalRequest {
                request,
                entries,
                names,
            },
        )?;

        auth.put_byte(b'/');
        auth.put(Hex64::new(&mac.finish()).as_bytes());
        Ok(Signed {
            authorization: auth,
            canonical_request,
        })
    }
}

/// The canonical request, which Baidu signs as it is: method, path as sent, query, and the
/// encoded lines of the headers `names` selects (the default set when empty) and every
/// `x-bce-*` header.
struct CanonicalRequest<'a, 'e> {
    request: &'a Request<Bytes>,
    entries: &'a [HeaderEntry<'e>],
    names: &'a [String],
}

impl Writer for CanonicalRequest<'_, '_> {
    fn write_to<S: Sink>(self, out: &mut S) -> Result<()> {
        let (uri, names) = (self.request.uri(), self.names);
        out.put(self.request.method().as_str().as_bytes());
        out.put_byte(b'\n');
        out.put(uri.path().as_bytes());
        out.put_byte(b'\n');
        query::encoded_then_sorted_as_strings_raw(uri.query().unwrap_or(""), out);
        out.put_byte(b'\n');
        let include = |name: &str| {
            name.starts_with("x-bce-")
                || if names.is_empty() {
                    is_signed_by_default(name)
                } else {
                    names.iter().any(|n| n == name)
                }
        };
        encoded_sorted_lines(self.entries, include, out);
        Ok(())
    }
}

/// What [`BceSigner::compute`] returns.
struct Signed {
    /// ASCII but for a non-ASCII key id.
    authorization: Vec<u8>,
    /// Empty unless the text was kept.
    canonical_request: Vec<u8>,
}

impl Signed {
    /// The stages as text, `names` being the auth string's header field.
    fn into_parts(self, names: &[String]) -> SigningParts {
        let auth = &self.authorization;
        SigningParts::from_bytes(
            &self.canonical_request,
            &self.canonical_request,
            hex_signature_at_end(auth),
            names.join(";"),
            String::from_utf8_lossy(auth).into_owned(),
        )
    }
}

fn baidu(e: Error) -> Error {
    e.with_provider(ProviderKind::Baidu)
}

/// Parses `bce-auth-v1/AK/timestamp/expiration/signed;headers/signature`.
pub fn parse_authorization(value: &str) -> Result<ParsedAuthorization> {
    let mut fields = value.splitn(6, '/');
    let (Some(ALGORITHM), Some(id), Some(timestamp), Some(expiration), Some(signed), Some(sig)) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return Err(baidu(malformed_authorization(
            ALGORITHM,
            "expected 6 '/' fields",
        )));
    };
    let expiration = expiration
        .parse::<u32>()
        .map_err(|_| baidu(malformed_authorization(ALGORITHM, "bad expiration")))?;
    Ok(ParsedAuthorization {
        algorithm: ALGORITHM.to_owned(),
        access_key_id: id.to_owned(),
        signed_headers: split_signed_headers(signed),
        signature: sig.to_owned(),
        date: Some(timestamp.to_owned()),
        expiration_seconds: Some(expiration),
        ..ParsedAuthorization::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use multicloud_core::signing::hash::{hmac_sha256, Hex64};
    use time::macros::datetime;

    const PLANTED_SECRET: &str = "PLANTED-SECRET-4f3e2d";
    const PLANTED_TOKEN: &str = "PLANTED-TOKEN-9a8b7c";
    const T: OffsetDateTime = datetime!(2015-04-27 08:23:49 UTC);

    fn key() -> AccessKey {
        AccessKey::new(
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        )
    }

    fn get(uri: &str) -> Request<Bytes> {
        Request::get(uri).body(Bytes::new()).unwrap()
    }

    #[test]
    fn query_sorts_whole_encoded_strings() {
        let req = get("https://bcc.bj.baidubce.com/v2/instance?a_b=1&a=1&a1=1&a.b=1&a-b=1");
        let parts = BceSigner::new().signing_parts(&req, &key(), T).unwrap();
        let query = parts.canonical_request.split('\n').nth(2).unwrap();
        assert_eq!(query, "a-b=1&a.b=1&a1=1&a=1&a_b=1");
    }

    #[test]
    fn the_signing_key_is_the_hex_string_of_the_first_hmac() {
        let req = get("https://bcc.bj.baidubce.com/v2/instance?maxKeys=1000");
        let parts = BceSigner::new().signing_parts(&req, &key(), T).unwrap();
        let prefix = "bce-auth-v1/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/2015-04-27T08:23:49Z/1800";
        let hex_key = Hex64::new(&hmac_sha256(
            b"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
            prefix.as_bytes(),
        ));
        let expected = Hex64::new(&hmac_sha256(
            hex_key.as_bytes(),
            parts.canonical_request.as_bytes(),
        ));
        assert_eq!(parts.signature, expected.as_str());
        assert_eq!(
            parts.authorization,
            format!("{prefix}//{}", expected.as_str())
        );
        assert_eq!(parts.signed_headers, "");
    }

    #[test]
    fn default_headers_and_every_x_bce_header_are_signed_empty_values_dropped() {
        let mut req = get("https://BCC.bj.baidubce.com:443/v2/instance");
        let h = req.headers_mut();
        h.insert("x-bce-request-id", " r1 ".parse().unwrap());
        h.insert("x-bce-empty", "  ".parse().unwrap());
        h.insert("user-agent", "not signed".parse().unwrap());
        let parts = BceSigner::new().signing_parts(&req, &key(), T).unwrap();
        let headers: Vec<&str> = parts.canonical_request.split('\n').skip(3).collect();
        assert_eq!(
            headers,
            [
                "content-length:0",
                "host:bcc.bj.baidubce.com",
                "x-bce-date:2015-04-27T08%3A23%3A49Z",
                "x-bce-request-id:r1",
            ]
        );
    }

    #[test]
    fn content_length_is_the_body_length_sent_and_signed() {
        for body in [&b""[..], b"{\"a\": 1}", &[b'x'; 1000][..]] {
            let mut req = Request::post("https://bcc.bj.baidubce.com/v2/instance")
                .body(Bytes::copy_from_slice(body))
                .unwrap();
            let parts = BceSigner::new().signing_parts(&req, &key(), T).unwrap();
            BceSigner::new().sign(&mut req, &key(), T).unwrap();
            let length = body.len().to_string();
            assert_eq!(req.headers()["content-length"], length.as_str());
            let line = format!("content-length:{length}");
            assert!(parts.canonical_request.contains(&line), "{line}");
        }
    }

    #[test]
    fn headers_to_sign_replace_the_default_set_and_are_listed_in_order() {
        let mut req = get("https://bcc.bj.baidubce.com/");
        req.headers_mut()
            .insert("content-type", "text/plain".parse().unwrap());
        let signer = BceSigner::new()
            .with_headers_to_sign(vec!["x-bce-date".into(), "Host".into()])
            .with_expiration_seconds(60);
        let parts = signer.signing_parts(&req, &key(), T).unwrap();
        assert_eq!(parts.signed_headers, "x-bce-date;host");
        assert!(parts.authorization.contains("/60/x-bce-date;host/"));
        assert!(!parts.canonical_request.contains("content-type"));
    }

    #[test]
    fn a_caller_x_bce_date_is_kept_but_the_prefix_uses_the_given_time() {
        let mut req = get("https://bcc.bj.baidubce.com/");
        req.headers_mut()
            .insert(X_BCE_DATE, "2000-01-01T00:00:00Z".parse().unwrap());
        let key = key().with_session_token("sts");
        BceSigner::new().sign(&mut req, &key, T).unwrap();
        assert_eq!(req.headers()[X_BCE_DATE], "2000-01-01T00:00:00Z");
        assert!(req.headers()[X_BCE_SECURITY_TOKEN].is_sensitive());
        let auth = req.headers()[AUTHORIZATION].to_str().unwrap();
        let parsed = parse_authorization(auth).unwrap();
        assert_eq!(parsed.date.as_deref(), Some("2015-04-27T08:23:49Z"));
        assert_eq!(parsed.expiration_seconds, Some(1800));
        assert!(parsed.signed_headers.is_empty());
        // A verifier recomputes over the received headers, extras included or not.
        req.headers_mut().insert("accept", "*/*".parse().unwrap());
        let again = BceSigner::new()
            .signing_parts_for_headers(&req, &key, T, &[])
            .unwrap();
        assert_eq!(again.signature, parsed.signature);
        assert!(parse_authorization("bce-auth-v1/ak/ts/x//sig").is_err());
        assert!(parse_authorization("bce-auth-v2/ak/ts/1800//sig").is_err());
    }

    #[test]
    fn a_planted_secret_never_shows_in_debug_parts_or_errors() {
        let key = AccessKey::new("AKVISIBLE", PLANTED_SECRET).with_session_token(PLANTED_TOKEN);
        let mut req = get("https://bcc.bj.baidubce.com/");
        BceSigner::new().sign(&mut req, &key, T).unwrap();
        let parts = BceSigner::new().signing_parts(&req, &key, T).unwrap();
        let bad =
            AccessKey::new("AK", PLANTED_SECRET).with_session_token("x\nPLANTED-TOKEN-9a8b7c");
        let err = BceSigner::new()
            .sign(&mut get("https://bcc.bj.baidubce.com/"), &bad, T)
            .unwrap_err();
        for shown in [
            format!("{:?}", BceSigner::new()),
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
        let key = key().with_session_token("sts");
        let mut req = get("https://bcc.bj.baidubce.com/v2/instance");
        BceSigner::new().sign(&mut req, &key, T).unwrap();
        assert_eq!(req.headers().len(), BceSigner::HEADERS_WRITTEN);
    }
}

//! China Telecom e-Surfing Cloud (CTyun) OpenAPI "EOP" signature, as
//! `ctyun-python-sdk-core`'s `sign_util.sign` applies it.
//!
//! Only the request id, the `Eop-date`, the query (keys raw, values encoded, sorted by key)
//! and the body hash are signed; the key is the chain
//! `HMAC(HMAC(HMAC(SK, eop-date), AK), yyyymmdd)` and the signature is Base64. `Eop-date` is
//! Beijing wall-clock time (UTC+08:00) with a literal `Z`. The request id is the
//! `ctyun-eop-request-id` header the caller puts on the request (a UUID per request), so the
//! signer stays a pure function of the request, the key and the time.

use base64::Engine as _;
use http::header::HeaderName;
use multicloud_core::signing::{
    decoded_query_pairs, derive_key, hmac_sha256, percent_encode, sha256_hex, Outgoing,
    RequestSigner, SigningParts, SigningTime,
};
use multicloud_core::{AccessKey, Error, ProviderKind, Result};
use time::OffsetDateTime;

const SIGNED_HEADERS: &str = "ctyun-eop-request-id;eop-date";
const REQUEST_ID: HeaderName = HeaderName::from_static("ctyun-eop-request-id");
const EOP_DATE: HeaderName = HeaderName::from_static("eop-date");
const EOP_AUTHORIZATION: HeaderName = HeaderName::from_static("eop-authorization");

/// Signs CTyun OpenAPI requests (`Eop-Authorization`).
///
/// The request must carry its `ctyun-eop-request-id` header (the caller makes the id, e.g. a
/// UUID); [`sign`](RequestSigner::sign) sets `Eop-date` and `Eop-Authorization`.
#[derive(Debug, Clone, Copy, Default)]
pub struct EopSigner;

impl EopSigner {
    /// A signer.
    pub fn new() -> Self {
        EopSigner
    }
}

/// The request id the request carries (its first value).
fn request_id<'o>(out: &'o Outgoing<'_>) -> Result<&'o [u8]> {
    out.header(&REQUEST_ID)
        .ok_or_else(|| match out.is_received() {
            true => Error::decode("the request carries no ctyun-eop-request-id header"),
            false => Error::config(
                "CTyun requests carry a ctyun-eop-request-id header (a UUID per request): \
             set it before signing",
            ),
        })
}

impl RequestSigner for EopSigner {
    /// Checks the request's `ctyun-eop-request-id` (a [`Config`](multicloud_core::ErrorKind::Config)
    /// error when absent) and sets `Eop-date` (Beijing time).
    fn prepare(&self, out: &mut Outgoing<'_>, _: &AccessKey, time: OffsetDateTime) -> Result<()> {
        let eop_date = SigningTime::new(time)?.beijing_compact();
        // One value, the one signed, even if the caller appended several.
        let id = request_id(out)?.to_vec();
        out.set(REQUEST_ID, id, "the request id")?;
        out.set(EOP_DATE, eop_date, "Eop-date")
    }

    /// EOP signs its string to sign directly, so the canonical request is that same string.
    fn compute(
        &self,
        out: &Outgoing<'_>,
        key: &AccessKey,
        time: OffsetDateTime,
    ) -> Result<SigningParts> {
        let eop_date = SigningTime::new(time)?.beijing_compact();
        let request = out.request();
        // `ctyun-eop-request-id:ID\neop-date:DATE\n\nQUERY\nhex(SHA256(body))`.
        let query = canonical_query(request.uri().query().unwrap_or(""));
        let mut string_to_sign = Vec::with_capacity(160 + query.len());
        string_to_sign.extend_from_slice(b"ctyun-eop-request-id:");
        string_to_sign.extend_from_slice(request_id(out)?);
        string_to_sign.extend_from_slice(b"\neop-date:");
        string_to_sign.extend_from_slice(eop_date.as_bytes());
        string_to_sign.extend_from_slice(b"\n\n");
        string_to_sign.extend_from_slice(&query);
        string_to_sign.push(b'\n');
        string_to_sign.extend_from_slice(body_sha256_hex(request.body()).as_bytes());

        let date = eop_date.as_bytes();
        let rest: [&[u8]; 2] = [key.id().as_bytes(), &date[..8]];
        let k_date = derive_key("", key.secret().expose(), date, &rest);
        let mac = hmac_sha256(&k_date[..], &string_to_sign);
        let signature = base64::engine::general_purpose::STANDARD.encode(mac);
        let authorization = [
            key.id(),
            " Headers=",
            SIGNED_HEADERS,
            " Signature=",
            &signature,
        ]
        .concat();
        Ok(SigningParts::new(
            string_to_sign.clone(),
            string_to_sign,
            signature,
            SIGNED_HEADERS.to_owned(),
            authorization,
        ))
    }

    fn authorization_header(&self) -> HeaderName {
        EOP_AUTHORIZATION
    }

    fn provider(&self) -> Option<ProviderKind> {
        Some(ProviderKind::Ctyun)
    }
}

/// `hex(SHA256(body))` as the SDK computes it: a falsy body — nothing, or the empty JSON
/// object `{}` it serialises to `''` before hashing — hashes as the empty string.
pub fn body_sha256_hex(body: &[u8]) -> String {
    let body: &[u8] = if body == b"{}" { b"" } else { body };
    sha256_hex(body)
}

/// A stable sort by decoded key, then `key=quote(value, safe='')` with the key written as
/// decoded (not encoded), joined with `&`.
fn canonical_query(query: &str) -> Vec<u8> {
    let mut pairs = decoded_query_pairs(query);
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::with_capacity(query.len() + 8);
    for (n, (k, v)) in pairs.iter().enumerate() {
        if n > 0 {
            out.push(b'&');
        }
        out.extend_from_slice(k);
        out.push(b'=');
        out.extend_from_slice(percent_encode(v).as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_query_is_stable_by_key_with_raw_keys() {
        assert_eq!(
            canonical_query("b=x%20y&a%20k=2&a%20k=1"),
            b"a k=2&a k=1&b=x%20y"
        );
    }
    use bytes::Bytes;
    use http::Request;
    use time::macros::datetime;

    const PLANTED_SECRET: &str = "PLANTED-SECRET-4f3e2d";
    const ID: &str = "27cfe4dc-e640-45f6-92ca-492ca73e8680";

    fn key() -> AccessKey {
        AccessKey::new("ctyun-ak", "ctyun-sk")
    }

    /// A POST carrying the request id, as the CTyun client sends it.
    fn post(uri: &str, body: &'static [u8]) -> Request<Bytes> {
        Request::post(uri)
            .header(REQUEST_ID, ID)
            .body(Bytes::from_static(body))
            .unwrap()
    }

    fn hmac_chain(secret: &[u8], first: &[u8], rest: &[&[u8]]) -> [u8; 32] {
        rest.iter()
            .fold(hmac_sha256(secret, first), |k, part| hmac_sha256(&k, part))
    }

    #[test]
    fn eop_date_is_beijing_time_and_16_utc_is_the_next_day() {
        let mut req = post(
            "https://ctecs-global.ctapi.ctyun.cn/v4/ecs/list-instances",
            b"",
        );
        let t = datetime!(2024-01-16 16:00:00 UTC);
        EopSigner::new().sign(&mut req, &key(), t).unwrap();
        assert_eq!(req.headers()[EOP_DATE], "20240117T000000Z");
        assert_eq!(req.headers()[REQUEST_ID], ID);
        // The key is scoped to that Beijing date.
        let k = hmac_chain(
            b"ctyun-sk",
            b"20240117T000000Z",
            &[b"ctyun-ak", b"20240117"],
        );
        let parts = EopSigner::new().signing_parts(&req, &key(), t).unwrap();
        let expected = base64::engine::general_purpose::STANDARD
            .encode(hmac_sha256(&k[..], parts.string_to_sign.as_bytes()));
        assert_eq!(parts.signature, expected);
        assert_eq!(parts.signature.len(), 44, "standard Base64 with padding");
        assert_eq!(
            req.headers()[EOP_AUTHORIZATION],
            format!("ctyun-ak Headers=ctyun-eop-request-id;eop-date Signature={expected}").as_str()
        );
        assert!(req.headers()[EOP_AUTHORIZATION].is_sensitive());
    }

    #[test]
    fn query_keys_are_signed_raw_and_values_encoded() {
        let req = post("https://h.example/x?region%20id=a%2Fb&aa=x%3Dy%26z", b"");
        let parts = EopSigner::new()
            .signing_parts(&req, &key(), OffsetDateTime::UNIX_EPOCH)
            .unwrap();
        let query = parts.string_to_sign.split('\n').nth(3).unwrap();
        assert_eq!(query, "aa=x%3Dy%26z&region id=a%2Fb");
    }

    #[test]
    fn an_empty_json_object_hashes_like_no_body() {
        assert_eq!(body_sha256_hex(b"{}"), body_sha256_hex(b""));
        assert_ne!(body_sha256_hex(b"{\"a\": 1}"), body_sha256_hex(b""));
    }

    #[test]
    fn a_request_without_a_request_id_is_refused() {
        let mut req = Request::post("https://h.example/")
            .body(Bytes::new())
            .unwrap();
        let e = EopSigner::new()
            .signing_parts(&req, &key(), OffsetDateTime::UNIX_EPOCH)
            .unwrap_err();
        assert_eq!(e.kind(), multicloud_core::ErrorKind::Config);
        assert_eq!(e.provider(), Some(ProviderKind::Ctyun));
        assert!(e.to_string().contains("ctyun-eop-request-id"), "{e}");
        assert!(EopSigner::new()
            .sign(&mut req, &key(), OffsetDateTime::UNIX_EPOCH)
            .is_err());
        assert!(req.headers().is_empty(), "a failed sign changes nothing");
    }

    #[test]
    fn a_verifier_recomputes_the_signature_from_the_received_request() {
        let mut req = post("https://h.example/?b=2&a=1", b"{\"a\": 1}");
        let t = datetime!(2024-01-16 16:00:00 UTC);
        let sent = EopSigner::new().signing_parts(&req, &key(), t).unwrap();
        EopSigner::new().sign(&mut req, &key(), t).unwrap();
        assert_eq!(
            req.headers()[EOP_AUTHORIZATION],
            sent.authorization.as_str()
        );
        let names: Vec<&str> = sent.signed_headers.split(';').collect();
        let again = EopSigner::new()
            .signing_parts_for_headers(&req, &key(), t, &names)
            .unwrap();
        assert_eq!(again.signature, sent.signature);
        req.headers_mut().remove(REQUEST_ID);
        let e = EopSigner::new()
            .signing_parts_for_headers(&req, &key(), t, &names)
            .unwrap_err();
        assert_eq!(e.kind(), multicloud_core::ErrorKind::Decode);
    }

    #[test]
    fn a_planted_secret_never_shows_in_debug_parts_or_errors() {
        let key = AccessKey::new("AKVISIBLE", PLANTED_SECRET);
        let mut req = post("https://h.example/", b"{}");
        EopSigner::new()
            .sign(&mut req, &key, OffsetDateTime::UNIX_EPOCH)
            .unwrap();
        let parts = EopSigner::new()
            .signing_parts(&req, &key, OffsetDateTime::UNIX_EPOCH)
            .unwrap();
        let no_id = Request::post("https://h.example/")
            .body(Bytes::new())
            .unwrap();
        let err = EopSigner::new()
            .signing_parts(&no_id, &key, OffsetDateTime::UNIX_EPOCH)
            .unwrap_err();
        let late = EopSigner::new()
            .signing_parts(&req, &key, datetime!(9999-12-31 23:00:00 UTC))
            .unwrap_err();
        for shown in [
            format!("{:?}", EopSigner::new()),
            format!("{parts:?}"),
            format!("{err:?} {err}"),
            format!("{late:?} {late}"),
            format!("{:?}", req.headers()),
        ] {
            assert!(!shown.contains(PLANTED_SECRET), "{shown}");
            assert!(!shown.contains(&parts.signature), "{shown}");
        }
    }

    #[test]
    fn sign_adds_only_its_own_headers() {
        let mut req = post(
            "https://ctecs-global.ctapi.ctyun.cn/v4/ecs/list-instances",
            b"{}",
        );
        let t = datetime!(2024-01-16 16:00:00 UTC);
        EopSigner::new().sign(&mut req, &key(), t).unwrap();
        assert_eq!(
            req.headers().len(),
            3,
            "the caller's request id, Eop-date, Eop-Authorization"
        );
        // A repeated request id is sent once, as signed.
        let mut twice = post("https://h.example/", b"");
        twice
            .headers_mut()
            .append(REQUEST_ID, "other".parse().unwrap());
        EopSigner::new().sign(&mut twice, &key(), t).unwrap();
        assert_eq!(twice.headers().get_all(REQUEST_ID).iter().count(), 1);
        assert_eq!(twice.headers()[REQUEST_ID], ID);
    }
}

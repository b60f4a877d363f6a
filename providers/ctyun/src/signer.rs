//! China Telecom e-Surfing Cloud (CTyun) OpenAPI "EOP" signature, as
//! `ctyun-python-sdk-core`'s `sign_util.sign` applies it.
//!
//! A short composition of `multicloud_core::signing`: only the request id, the `Eop-date`,
//! the query (keys raw, values encoded, sorted by key) and the body hash are signed; the key
//! is the chain `HMAC(HMAC(HMAC(SK, eop-date), AK), yyyymmdd)` and the signature is Base64.
//! `Eop-date` is Beijing wall-clock time (UTC+08:00) with a literal `Z`.

use base64::Engine as _;
use bytes::Bytes;
use http::header::HeaderName;
use http::Request;
use multicloud_core::signing::hash::{hmac_chain_keyed, push_hex, sha256, Hex64};
use multicloud_core::signing::parts::malformed_authorization;
use multicloud_core::signing::request::{
    authorization_value, check_access_key_id, check_header_value, header_value, recent_header_value,
};
use multicloud_core::signing::sha::HmacKey;
use multicloud_core::signing::sink::{hash_text, Sink, Writer};
use multicloud_core::signing::timefmt::Stamp;
use multicloud_core::signing::{query, SigningTime};
use multicloud_core::{AccessKey, Error, ProviderKind, Result};
use time::OffsetDateTime;

pub use multicloud_core::signing::{ParsedAuthorization, SigningParts};

const ALGORITHM: &str = "EOP";
const SIGNED_HEADERS: &str = "ctyun-eop-request-id;eop-date";
const REQUEST_ID: HeaderName = HeaderName::from_static("ctyun-eop-request-id");
const EOP_DATE: HeaderName = HeaderName::from_static("eop-date");
const EOP_AUTHORIZATION: HeaderName = HeaderName::from_static("eop-authorization");

/// Signs CTyun OpenAPI requests (`Eop-Authorization`).
#[derive(Debug, Clone, Copy, Default)]
pub struct EopSigner;

impl EopSigner {
    /// The most headers [`sign`](Self::sign) adds to a request: `ctyun-eop-request-id`,
    /// `Eop-date` and `Eop-Authorization`.
    ///
    /// A client that builds its header map with room for its own headers plus these
    /// (`HeaderMap::with_capacity`) spares the signer a regrowth of the map: past six
    /// headers, a map made empty reallocates and rehashes every header on the insert that
    /// outgrows it.
    pub const HEADERS_WRITTEN: usize = 3;

    /// A signer.
    pub fn new() -> Self {
        EopSigner
    }

    /// Signs `request` at `time` with `request_id` (the caller makes it, e.g. a UUID, so the
    /// signer stays deterministic): sets `ctyun-eop-request-id`, `Eop-date` and
    /// `Eop-Authorization`.
    pub fn sign(
        &self,
        request: &mut Request<Bytes>,
        key: &AccessKey,
        time: OffsetDateTime,
        request_id: &str,
    ) -> Result<()> {
        let signed = compute(request, key, time, request_id, false)?;
        // Every value is made (and checked) before the first edit.
        let request_id = header_value(request_id.as_bytes(), "the request id").map_err(ctyun)?;
        let eop_date = recent_header_value(signed.eop_date.as_bytes(), "Eop-date")?;
        let mut authorization = signed.authorization.into_bytes();
        let authorization = authorization_value(&mut authorization, false).map_err(ctyun)?;
        let headers = request.headers_mut();
        headers.insert(REQUEST_ID, request_id);
        headers.insert(EOP_DATE, eop_date);
        headers.insert(EOP_AUTHORIZATION, authorization);
        Ok(())
    }

    /// The stages [`sign`](Self::sign) would compute, without touching `request`. EOP signs
    /// its string to sign directly, so the canonical request is that same string.
    pub fn signing_parts(
        &self,
        request: &Request<Bytes>,
        key: &AccessKey,
        time: OffsetDateTime,
        request_id: &str,
    ) -> Result<SigningParts> {
        let signed = compute(request, key, time, request_id, true)?;
        let signature = signed.authorization[signed.authorization.len() - 44..].to_owned();
        Ok(SigningParts::from_bytes(
            &signed.string_to_sign,
            &signed.string_to_sign,
            signature,
            SIGNED_HEADERS.to_owned(),
            signed.authorization,
        ))
    }
}

fn ctyun(e: Error) -> Error {
    e.with_provider(ProviderKind::Ctyun)
}

/// `hex(SHA256(body))` as the SDK computes it: a falsy body — nothing, or the empty JSON
/// object `{}` it serialises to `''` before hashing — hashes as the empty string.
pub fn body_sha256_hex(body: &[u8]) -> String {
    let mut out = Vec::with_capacity(64);
    push_hex(&body_sha256(body), &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn body_sha256(body: &[u8]) -> [u8; 32] {
    sha256(if body == b"{}" { b"" } else { body })
}

/// What [`compute`] returns.
struct Signed {
    eop_date: Stamp<16>,
    authorization: String,
    /// Empty unless the text was kept.
    string_to_sign: Vec<u8>,
}

/// Writes the string to sign straight into its HMAC; keeps its text only when `keep_text`.
fn compute(
    request: &Request<Bytes>,
    key: &AccessKey,
    time: OffsetDateTime,
    request_id: &str,
    keep_text: bool,
) -> Result<Signed> {
    // A line break in the id would forge the header block of the string to sign.
    check_header_value(request_id.as_bytes(), "the request id").map_err(ctyun)?;
    check_access_key_id(key).map_err(ctyun)?;
    let eop_date = SigningTime::beijing(time).map_err(ctyun)?.compact();

    let k_date = hmac_chain_keyed(
        key.secret_mac_key(),
        eop_date.as_bytes(),
        &[key.id().as_bytes(), &eop_date.as_bytes()[..8]],
    );
    let mut mac = HmacKey::new(&k_date[..]).start();
    let string_to_sign = hash_text(
        &mut mac,
        keep_text,
        StringToSign {
            request,
            request_id,
            eop_date: &eop_date,
        },
    )?;

    let mut signature = [0u8; 44];
    let written = base64::engine::general_purpose::STANDARD
        .encode_slice(mac.finish(), &mut signature)
        .unwrap_or(0);
    let signature = std::str::from_utf8(&signature[..written]).unwrap_or_default();
    let mut authorization = String::with_capacity(
        key.id().len() + " Headers=".len() + SIGNED_HEADERS.len() + " Signature=".len() + 44,
    );
    authorization.push_str(key.id());
    authorization.push_str(" Headers=");
    authorization.push_str(SIGNED_HEADERS);
    authorization.push_str(" Signature=");
    authorization.push_str(signature);
    Ok(Signed {
        eop_date,
        authorization,
        string_to_sign,
    })
}

/// `ctyun-eop-request-id:ID\neop-date:DATE\n\nQUERY\nhex(SHA256(body))`.
struct StringToSign<'a> {
    request: &'a Request<Bytes>,
    request_id: &'a str,
    eop_date: &'a Stamp<16>,
}

impl Writer for StringToSign<'_> {
    fn write_to<S: Sink>(self, out: &mut S) -> Result<()> {
        out.put(b"ctyun-eop-request-id:");
        out.put(self.request_id.as_bytes());
        out.put(b"\neop-date:");
        out.put(self.eop_date.as_bytes());
        out.put(b"\n\n");
        let mut params = query::decoded_pairs(self.request.uri().query().unwrap_or(""));
        query::sorted_by_key_raw_key_encoded_value(&mut params, out);
        out.put_byte(b'\n');
        out.put(Hex64::new(&body_sha256(self.request.body())).as_bytes());
        Ok(())
    }
}

/// Parses `AK Headers=ctyun-eop-request-id;eop-date Signature=base64`.
pub fn parse_authorization(value: &str) -> Result<ParsedAuthorization> {
    let mut fields = value.split(' ').filter(|f| !f.is_empty());
    let id = fields
        .next()
        .ok_or_else(|| ctyun(malformed_authorization(ALGORITHM, "empty")))?;
    let mut parsed = ParsedAuthorization {
        algorithm: ALGORITHM.to_owned(),
        access_key_id: id.to_owned(),
        ..ParsedAuthorization::default()
    };
    let (mut headers, mut signature) = (None, None);
    for field in fields {
        match field.split_once('=') {
            Some(("Headers", list)) => headers = Some(list),
            Some(("Signature", sig)) => signature = Some(sig),
            _ => return Err(ctyun(malformed_authorization(ALGORITHM, "unknown field"))),
        }
    }
    let (Some(headers), Some(signature)) = (headers, signature) else {
        return Err(ctyun(malformed_authorization(
            ALGORITHM,
            "no Headers or Signature",
        )));
    };
    parsed.signed_headers = headers.split(';').map(str::to_owned).collect();
    parsed.signature = signature.to_owned();
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use multicloud_core::signing::hash::{hmac_chain, hmac_sha256};
    use time::macros::datetime;

    const PLANTED_SECRET: &str = "PLANTED-SECRET-4f3e2d";
    const ID: &str = "27cfe4dc-e640-45f6-92ca-492ca73e8680";

    fn key() -> AccessKey {
        AccessKey::new("ctyun-ak", "ctyun-sk")
    }

    fn post(uri: &str, body: &'static [u8]) -> Request<Bytes> {
        Request::post(uri).body(Bytes::from_static(body)).unwrap()
    }

    #[test]
    fn eop_date_is_beijing_time_and_16_utc_is_the_next_day() {
        let mut req = post(
            "https://ctecs-global.ctapi.ctyun.cn/v4/ecs/list-instances",
            b"",
        );
        let t = datetime!(2024-01-16 16:00:00 UTC);
        EopSigner::new().sign(&mut req, &key(), t, ID).unwrap();
        assert_eq!(req.headers()[EOP_DATE], "20240117T000000Z");
        assert_eq!(req.headers()[REQUEST_ID], ID);
        // The key is scoped to that Beijing date.
        let k = hmac_chain(
            b"ctyun-sk",
            b"20240117T000000Z",
            &[b"ctyun-ak", b"20240117"],
        );
        let parts = EopSigner::new().signing_parts(&req, &key(), t, ID).unwrap();
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
            .signing_parts(&req, &key(), OffsetDateTime::UNIX_EPOCH, ID)
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
    fn a_request_id_with_a_line_break_is_refused() {
        let req = post("https://h.example/", b"");
        let e = EopSigner::new()
            .signing_parts(&req, &key(), OffsetDateTime::UNIX_EPOCH, "a\nb")
            .unwrap_err();
        assert_eq!(e.kind(), multicloud_core::ErrorKind::Config);
    }

    #[test]
    fn parse_authorization_round_trips() {
        let mut req = post("https://h.example/", b"{}");
        EopSigner::new()
            .sign(&mut req, &key(), OffsetDateTime::UNIX_EPOCH, ID)
            .unwrap();
        let p = parse_authorization(req.headers()[EOP_AUTHORIZATION].to_str().unwrap()).unwrap();
        assert_eq!(p.access_key_id, "ctyun-ak");
        assert_eq!(p.signed_headers, ["ctyun-eop-request-id", "eop-date"]);
        assert!(p.signature.ends_with('='));
        assert!(parse_authorization("ak Signature=x").is_err());
        assert!(parse_authorization("").is_err());
    }

    #[test]
    fn a_planted_secret_never_shows_in_debug_parts_or_errors() {
        let key = AccessKey::new("AKVISIBLE", PLANTED_SECRET);
        let mut req = post("https://h.example/", b"{}");
        EopSigner::new()
            .sign(&mut req, &key, OffsetDateTime::UNIX_EPOCH, ID)
            .unwrap();
        let parts = EopSigner::new()
            .signing_parts(&req, &key, OffsetDateTime::UNIX_EPOCH, ID)
            .unwrap();
        let err = EopSigner::new()
            .signing_parts(&req, &key, OffsetDateTime::UNIX_EPOCH, "bad\nid")
            .unwrap_err();
        let late = EopSigner::new()
            .signing_parts(&req, &key, datetime!(9999-12-31 23:00:00 UTC), ID)
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
    fn sign_adds_at_most_headers_written() {
        let mut req = post(
            "https://ctecs-global.ctapi.ctyun.cn/v4/ecs/list-instances",
            b"{}",
        );
        let t = datetime!(2024-01-16 16:00:00 UTC);
        EopSigner::new().sign(&mut req, &key(), t, ID).unwrap();
        assert_eq!(req.headers().len(), EopSigner::HEADERS_WRITTEN);
    }
}

//! Tencent Cloud API 3.0 `TC3-HMAC-SHA256`, as `tencentcloud-sdk-python-common` applies it:
//! the canonical URI is always `/`, a GET signs its query exactly as sent and an empty
//! payload, only `content-type` and `host` are signed, and the key is derived per day and
//! service.

use std::sync::Arc;

use http::header::{HeaderName, AUTHORIZATION, CONTENT_TYPE};
use http::{Method, Uri};
use multicloud_core::signing::{
    authority_from_uri, derive_key, hmac_sha256_hex, sha256_hex, v4_canonical_request,
    v4_string_to_sign, DerivedKeyCache, HeaderBlock, Outgoing, Repeats, RequestSigner,
    SigningParts, SigningTime, ValueRule,
};
use multicloud_core::{AccessKey, ProviderKind, Result};
use time::OffsetDateTime;

const ALGORITHM: &str = "TC3-HMAC-SHA256";
const X_TC_TIMESTAMP: HeaderName = HeaderName::from_static("x-tc-timestamp");
const X_TC_TOKEN: HeaderName = HeaderName::from_static("x-tc-token");
const X_TC_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-tc-content-sha256");
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Signs Tencent Cloud API 3.0 requests with `TC3-HMAC-SHA256` for one service (`cvm`, …).
///
/// Derived signing keys are kept in a [`DerivedKeyCache`] (by default the process-wide one).
#[derive(Debug, Clone)]
pub struct Tc3Signer {
    service: String,
    unsigned_payload: bool,
    cache: Arc<DerivedKeyCache>,
}

impl Tc3Signer {
    /// A signer for `service`, the product name the SDK client is created with (`cvm`), not
    /// parsed from the host.
    pub fn new(service: impl Into<String>) -> Self {
        Tc3Signer {
            service: service.into(),
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

    /// Keeps derived keys in `cache` instead of the process-wide one.
    pub fn with_key_cache(mut self, cache: Arc<DerivedKeyCache>) -> Self {
        self.cache = cache;
        self
    }
}

impl RequestSigner for Tc3Signer {
    /// Removes any `Authorization`; sets `X-TC-Timestamp`, `X-TC-Token` for a session key,
    /// `X-TC-Content-SHA256` for an unsigned payload, and `Content-Type` and `Host` when
    /// absent (the SDK's choices).
    fn prepare(&self, out: &mut Outgoing<'_>, key: &AccessKey, time: OffsetDateTime) -> Result<()> {
        let when = SigningTime::new(time)?;
        out.remove(AUTHORIZATION);
        out.set(
            X_TC_TIMESTAMP,
            when.unix_seconds().to_string(),
            "X-TC-Timestamp",
        )?;
        if let Some(token) = key.session_token() {
            out.set_sensitive(X_TC_TOKEN, token.expose().to_owned(), "the session token")?;
        }
        if self.unsigned_payload {
            out.set(X_TC_CONTENT_SHA256, UNSIGNED_PAYLOAD, "X-TC-Content-SHA256")?;
        }
        // The SDK always sends a Content-Type; these are its choices.
        if !out.contains(&CONTENT_TYPE) {
            let content_type = match out.request().method() == Method::GET {
                true => "application/x-www-form-urlencoded",
                false => "application/json",
            };
            out.set(CONTENT_TYPE, content_type, "Content-Type")?;
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
        let (timestamp, date) = (when.unix_seconds().to_string(), when.dashed_date());
        let request = out.request();
        // The SDK signs values as sent; a gateway reads a received request's trimmed and
        // lower-cased, as the API documentation describes.
        let rule = match out.is_received() {
            true => ValueRule::StripLowercase,
            false => ValueRule::AsSent,
        };
        let signed = |name: &str| name == "content-type" || name == "host";
        let headers = HeaderBlock::new(out.headers_where(signed)?, rule, Repeats::JoinWithComma);
        let is_get = request.method() == Method::GET;
        let unsigned = out.header(&X_TC_CONTENT_SHA256) == Some(UNSIGNED_PAYLOAD.as_bytes());
        let payload: &[u8] = match (unsigned, is_get) {
            (true, _) => UNSIGNED_PAYLOAD.as_bytes(),
            (false, true) => b"",
            (false, false) => request.body(),
        };
        let query = match is_get {
            true => request.uri().query().unwrap_or(""),
            false => "",
        };
        let canonical = v4_canonical_request(
            request.method(),
            "/",
            query,
            &headers,
            sha256_hex(payload).as_bytes(),
        );
        // `concat`, not `format!`: one exact allocation (this is a hot path).
        let scope = [&date, "/", &self.service, "/tc3_request"].concat();
        let string_to_sign = v4_string_to_sign(ALGORITHM, &timestamp, Some(&scope), &canonical);
        let signing_key = self.cache.get_or_derive(key, &scope, || {
            let rest: [&[u8]; 2] = [self.service.as_bytes(), b"tc3_request"];
            derive_key("TC3", key.secret().expose(), date.as_bytes(), &rest)
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
        Some(ProviderKind::Tencent)
    }

    /// The endpoint as configured: `host[:port]` as written.
    fn uri_host(&self, uri: &Uri) -> Option<String> {
        authority_from_uri(uri)
    }
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
        let cache = Arc::new(DerivedKeyCache::new(8));
        let s = signer().with_key_cache(cache.clone());
        let req = post(b"{}");
        s.signing_parts(&req, &key(), T).unwrap();
        s.signing_parts(&req, &key(), T + time::Duration::seconds(5))
            .unwrap();
        assert_eq!(cache.len(), 1);
        Tc3Signer::new("cbs")
            .with_key_cache(cache.clone())
            .signing_parts(&req, &key(), T)
            .unwrap();
        assert_eq!(cache.len(), 2);
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
    fn sign_adds_only_its_own_headers() {
        let session = key().with_session_token("tok");
        let mut req = Request::post("https://cvm.tencentcloudapi.com/")
            .body(Bytes::from_static(b"{}"))
            .unwrap();
        signer()
            .with_unsigned_payload(true)
            .sign(&mut req, &session, T)
            .unwrap();
        // Timestamp, token, payload marker, content type, host, authorization.
        assert_eq!(req.headers().len(), 6);
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

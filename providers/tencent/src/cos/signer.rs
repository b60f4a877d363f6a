//! COS XML API signatures (`q-sign-algorithm=sha1`), as the official `cos-python-sdk-v5`
//! (`qcloud_cos/cos_auth.py`, `CosS3Auth`) computes them and COS's "Request Signature" page
//! describes them:
//!
//! ```text
//! KeyTime      = {start};{end}                      (unix seconds)
//! SignKey      = hex(HMAC-SHA1(SecretKey, KeyTime))
//! HttpString   = {method, lower-case}\n{path, decoded}\n{params}\n{headers}\n
//! StringToSign = sha1\n{KeyTime}\n{hex(SHA1(HttpString))}\n
//! Signature    = hex(HMAC-SHA1(SignKey as its hex text, StringToSign))
//! ```
//!
//! `params` and `headers` are `key=value` pairs joined with `&`: keys percent-encoded (only
//! `A-Z a-z 0-9 - _ . ~` kept) and then lower-cased — the escapes too, so `/` becomes `%2f` —
//! values percent-encoded, pairs sorted by key. The sorted keys, `;`-joined, are
//! `q-url-param-list` and `q-header-list`. Nothing here reads a clock.

use std::time::Duration;

use http::header::HeaderName;
use http::Uri;
use multicloud_core::signing::{
    decoded_query_pairs, hmac_sha1_hex, percent_decode, percent_encode, sha1_hex, Outgoing,
    QueryPair, RequestSigner, SigningParts,
};
use multicloud_core::{AccessKey, Error, ProviderKind, Result};
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// The header that carries a temporary key's session token; signed like any `x-cos-` header.
const X_COS_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-cos-security-token");

/// The headers the SDK signs besides `x-cos-*` and `x-ci-*` (its `filter_headers`).
const SIGNED_HEADERS: &[&str] = &[
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-type",
    "content-md5",
    "content-length",
    "expect",
    "expires",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-unmodified-since",
    "origin",
    "range",
    "transfer-encoding",
    "pic-operations",
];

/// The SDK starts the validity window a minute early, for clocks slightly ahead of the host's.
const EARLY_SECS: i64 = 60;
/// `CosS3Auth`'s default lifetime: 10 000 s after the signing time.
const DEFAULT_EXPIRY: Duration = Duration::from_secs(10_000);

/// Signs Tencent Cloud COS (XML API) requests: `Authorization: q-sign-algorithm=sha1&q-ak=…`.
///
/// The signature is valid from 60 s before the signing time to [`expiry`](Self::with_expiry)
/// after it (10 000 s by default, as `cos-python-sdk-v5`). Signed: the request's query
/// parameters, `host` (the URI's host name without its port, as the SDK signs it, unless the
/// request already carries a `Host` header), the headers the SDK signs (`content-type`,
/// `content-md5`, `range`, … and every `x-cos-*`/`x-ci-*`) and, for a temporary key, the
/// `x-cos-security-token` header this signer adds.
///
/// ```
/// use bytes::Bytes;
/// use multicloud_core::signing::RequestSigner;
/// use multicloud_core::AccessKey;
/// use multicloud_tencent::CosSigner;
/// use time::macros::datetime;
///
/// let mut request = http::Request::get("https://service.cos.myqcloud.com/?max-keys=2000")
///     .body(Bytes::new())?;
/// let key = AccessKey::new("AKIDEXAMPLE", "example-secret");
/// CosSigner::new().sign(&mut request, &key, datetime!(2025-03-01 08:00:00 UTC))?;
/// assert!(request.headers()["authorization"].to_str()?.starts_with(
///     "q-sign-algorithm=sha1&q-ak=AKIDEXAMPLE&q-sign-time=1740815940;1740826000&\
///      q-key-time=1740815940;1740826000&q-header-list=host&q-url-param-list=max-keys&q-signature="
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CosSigner {
    expiry: Duration,
}

impl Default for CosSigner {
    fn default() -> Self {
        CosSigner {
            expiry: DEFAULT_EXPIRY,
        }
    }
}

impl CosSigner {
    /// A signer with the SDK's validity window.
    pub fn new() -> Self {
        CosSigner::default()
    }

    /// Keeps each signature valid for `expiry` after the signing time.
    pub fn with_expiry(mut self, expiry: Duration) -> Self {
        self.expiry = expiry;
        self
    }
}

impl RequestSigner for CosSigner {
    /// Sets `x-cos-security-token` for a key with a session token. `Host` is signed but not
    /// set: the HTTP stack sends it.
    fn prepare(&self, out: &mut Outgoing<'_>, key: &AccessKey, _: OffsetDateTime) -> Result<()> {
        if let Some(token) = key.session_token() {
            out.set_sensitive(
                X_COS_SECURITY_TOKEN,
                token.expose().to_owned(),
                "the session token",
            )?;
        }
        Ok(())
    }

    /// `canonical_request` is the HttpString, `signed_headers` the `q-header-list`.
    fn compute(
        &self,
        out: &Outgoing<'_>,
        key: &AccessKey,
        time: OffsetDateTime,
    ) -> Result<SigningParts> {
        let request = out.request();
        let mut headers = out.headers_where(is_signed)?;
        let uri_host;
        if !out.is_received() && !headers.iter().any(|(name, _)| *name == "host") {
            uri_host = self.uri_host(request.uri()).ok_or_else(|| {
                Error::config(
                    "cannot sign a request without a host: give the URI an authority or set Host",
                )
            })?;
            headers.push(("host", uri_host.as_bytes()));
        }
        let params = decoded_query_pairs(request.uri().query().unwrap_or(""));
        let path = match request.uri().path() {
            "" => "/".to_owned(),
            path => String::from_utf8_lossy(&percent_decode(path.as_bytes())).into_owned(),
        };
        let start = time.unix_timestamp() - EARLY_SECS;
        // A huge expiry saturates instead of wrapping to a window that ended long ago.
        let expiry = i64::try_from(self.expiry.as_secs()).unwrap_or(i64::MAX);
        let end = time.unix_timestamp().saturating_add(expiry);
        let key_time = format!("{start};{end}");
        let method = request.method().as_str();
        Ok(compute(method, &path, &params, &headers, &key_time, key))
    }

    /// `urlparse(url).hostname`: lower-case, no port, IPv6 without brackets.
    fn uri_host(&self, uri: &Uri) -> Option<String> {
        let host = uri.host().filter(|h| !h.is_empty())?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        Some(host.to_ascii_lowercase())
    }

    fn provider(&self) -> Option<ProviderKind> {
        Some(ProviderKind::Tencent)
    }
}

fn is_signed(name: &str) -> bool {
    SIGNED_HEADERS.contains(&name) || name.starts_with("x-cos-") || name.starts_with("x-ci-")
}

/// Encodes and sorts `pairs` into the `k=v&…` form and its `;`-joined key list.
fn encode_pairs<'a>(pairs: impl Iterator<Item = (&'a [u8], &'a [u8])>) -> (String, String) {
    let mut encoded: Vec<(String, String)> = pairs
        .map(|(k, v)| (percent_encode(k).to_ascii_lowercase(), percent_encode(v)))
        .collect();
    // The SDK sorts (key, value) tuples; a repeated key (never sent by this crate) keeps one
    // pair per value, in value order, as the Go SDK does.
    encoded.sort_unstable();
    let pairs: Vec<String> = encoded.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let keys: Vec<&str> = encoded.iter().map(|(k, _)| k.as_str()).collect();
    (pairs.join("&"), keys.join(";"))
}

/// The signature of one request, from its parts as the SDK sees them.
fn compute(
    method: &str,
    path: &str,
    params: &[QueryPair<'_>],
    headers: &[(&str, &[u8])],
    key_time: &str,
    key: &AccessKey,
) -> SigningParts {
    let (params, param_list) = encode_pairs(params.iter().map(|(k, v)| (&k[..], &v[..])));
    let (headers, header_list) = encode_pairs(headers.iter().map(|(k, v)| (k.as_bytes(), *v)));
    let mut http_string = method.to_ascii_lowercase().into_bytes();
    for part in [path, &params, &headers] {
        http_string.push(b'\n');
        http_string.extend_from_slice(part.as_bytes());
    }
    http_string.push(b'\n');
    let string_to_sign = format!("sha1\n{key_time}\n{}\n", sha1_hex(&http_string));
    // The SDK keys the final HMAC with the hex text of SignKey, not its bytes.
    let secret = key.secret().expose().as_bytes();
    let sign_key = Zeroizing::new(hmac_sha1_hex(secret, key_time.as_bytes()));
    let signature = hmac_sha1_hex(sign_key.as_bytes(), string_to_sign.as_bytes());
    let authorization = format!(
        "q-sign-algorithm=sha1&q-ak={}&q-sign-time={key_time}&q-key-time={key_time}\
         &q-header-list={}&q-url-param-list={}&q-signature={signature}",
        key.id(),
        header_list,
        param_list,
    );
    SigningParts::new(
        http_string,
        string_to_sign,
        signature,
        header_list,
        authorization,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http::Request;
    use time::macros::datetime;

    fn get(uri: &str) -> Request<Bytes> {
        Request::get(uri).body(Bytes::new()).unwrap()
    }

    fn auth(request: &Request<Bytes>) -> &str {
        request.headers()["authorization"].to_str().unwrap()
    }

    /// `unquote(path)`, as the signer reads the request's path.
    fn decoded(path: &str) -> String {
        String::from_utf8(percent_decode(path.as_bytes()).into_owned()).unwrap()
    }

    /// The SecretKey of the worked examples on COS's "Request Signature" page (older revisions
    /// print it; newer ones mask it). It reproduces both published SignKeys below.
    const DOC_SECRET: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";

    fn doc_key() -> AccessKey {
        AccessKey::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", DOC_SECRET)
    }

    #[test]
    fn the_documented_upload_example_is_reproduced() {
        // PUT /exampleobject(腾讯云) with seven headers; the page publishes every stage and
        // masks the signature's last four characters.
        let headers: Vec<(&str, &[u8])> = vec![
            ("date", b"Thu, 16 May 2019 06:45:51 GMT"),
            (
                "host",
                b"examplebucket-1250000000.cos.ap-beijing.myqcloud.com",
            ),
            ("content-type", b"text/plain"),
            ("content-length", b"13"),
            ("content-md5", b"mQ/fVh815F3k6TAUm8m0eg=="),
            ("x-cos-acl", b"private"),
            ("x-cos-grant-read", br#"uin="100000000011""#),
        ];
        let path = decoded("/exampleobject(%E8%85%BE%E8%AE%AF%E4%BA%91)");
        let c = compute(
            "PUT",
            &path,
            &[],
            &headers,
            "1557989151;1557996351",
            &doc_key(),
        );
        assert_eq!(
            c.signed_headers,
            "content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read"
        );
        assert_eq!(
            c.canonical_request,
            "put\n/exampleobject(腾讯云)\n\ncontent-length=13&content-md5=mQ%2FfVh815F3k6TAUm8m0eg%3D%3D\
             &content-type=text%2Fplain&date=Thu%2C%2016%20May%202019%2006%3A45%3A51%20GMT\
             &host=examplebucket-1250000000.cos.ap-beijing.myqcloud.com&x-cos-acl=private\
             &x-cos-grant-read=uin%3D%22100000000011%22\n"
        );
        assert_eq!(
            c.string_to_sign,
            "sha1\n1557989151;1557996351\n8b2751e77f43a0995d6e9eb9477f4b685cca4172\n"
        );
        assert_eq!(
            hmac_sha1_hex(DOC_SECRET.as_bytes(), b"1557989151;1557996351"),
            "eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f"
        );
        assert!(
            c.signature
                .starts_with("3b8851a11a569213c17ba8fa7dcf2abec693"),
            "{}",
            c.signature
        );
        assert!(c.authorization.contains("&q-url-param-list=&q-signature="));
    }

    #[test]
    fn the_documented_download_example_is_reproduced() {
        let params = decoded_query_pairs(
            "response-content-type=application%2Foctet-stream\
             &response-cache-control=max-age%3D600",
        );
        let headers: Vec<(&str, &[u8])> = vec![
            ("date", b"Thu, 16 May 2019 06:55:53 GMT"),
            (
                "host",
                b"examplebucket-1250000000.cos.ap-beijing.myqcloud.com",
            ),
        ];
        let path = decoded("/exampleobject(%E8%85%BE%E8%AE%AF%E4%BA%91)");
        let key_time = "1557989753;1557996953";
        let c = compute("GET", &path, &params, &headers, key_time, &doc_key());
        assert_eq!(
            hmac_sha1_hex(DOC_SECRET.as_bytes(), key_time.as_bytes()),
            "937914bf490e9e8c189836aad2052e4feeb35eaf"
        );
        assert_eq!(
            sha1_hex(c.canonical_request.as_bytes()),
            "54ecfe22f59d3514fdc764b87a32d8133ea611e6"
        );
        assert!(c.authorization.contains(
            "&q-header-list=date;host&q-url-param-list=response-cache-control;response-content-type&"
        ));
        assert!(c
            .signature
            .starts_with("01681b8c9d798a678e43b685a9f1bba0f6c0"));
    }

    #[test]
    fn matches_the_official_sdk_and_signs_the_host_without_its_port() {
        // cos-python-sdk-v5 1.9.44 `CosS3Auth`, `time.time()` fixed at 2025-03-01T08:00:00Z,
        // for `GET http://127.0.0.1:8080/` with the simulator's demo admin key.
        let mut req = get("http://127.0.0.1:8080/");
        let key = AccessKey::new(
            "AKIDmcDemoTencentAdmin00000000000001",
            "mcDemoTencentAdminSecretKey00001",
        );
        CosSigner::new()
            .sign(&mut req, &key, datetime!(2025-03-01 08:00:00 UTC))
            .unwrap();
        assert_eq!(
            auth(&req),
            "q-sign-algorithm=sha1&q-ak=AKIDmcDemoTencentAdmin00000000000001\
             &q-sign-time=1740815940;1740826000&q-key-time=1740815940;1740826000\
             &q-header-list=host&q-url-param-list=\
             &q-signature=d693d73d257d905fe672b6e05646f4cb3cecf795"
        );
        assert!(req.headers()["authorization"].is_sensitive());
        // Host is signed, not set: the HTTP stack sends `127.0.0.1:8080` itself.
        assert!(req.headers().get("host").is_none());
    }

    #[test]
    fn a_session_token_is_sent_and_signed_and_query_parameters_are_signed() {
        // The same SDK, with `Token` and params {max-keys, marker} given to `CosS3Auth`.
        let mut req = get("https://service.cos.myqcloud.com/?max-keys=2000&marker=logs-1250000001");
        let key = AccessKey::new("AKIDEXAMPLE", "example-secret").with_session_token("tok/en+1");
        CosSigner::new()
            .sign(&mut req, &key, datetime!(2025-03-01 08:00:00 UTC))
            .unwrap();
        assert_eq!(
            auth(&req),
            "q-sign-algorithm=sha1&q-ak=AKIDEXAMPLE\
             &q-sign-time=1740815940;1740826000&q-key-time=1740815940;1740826000\
             &q-header-list=host;x-cos-security-token&q-url-param-list=marker;max-keys\
             &q-signature=ea68086b959f9a09a5583cda1efa65d8577dceea"
        );
        let token = &req.headers()["x-cos-security-token"];
        assert_eq!(token, "tok/en+1");
        assert!(token.is_sensitive());
    }

    #[test]
    fn keys_are_lower_cased_after_encoding_sorted_and_unsigned_headers_are_skipped() {
        // The same SDK: params {Max-Keys, Pre/Fix}, headers {X-COS-Meta-Note, Content-Type,
        // User-Agent}, an upper-case host with the default port, at 1700000000.
        let mut req =
            Request::get("https://Service.COS.myqcloud.com:443/?Max-Keys=10&Pre%2FFix=x%2Fy%20z~")
                .header("X-COS-Meta-Note", "v al/~*")
                .header("Content-Type", "text/plain")
                .header("User-Agent", "ua")
                .body(Bytes::new())
                .unwrap();
        let key = AccessKey::new("AKIDEXAMPLE", "example-secret");
        let time = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let parts = CosSigner::new().signing_parts(&req, &key, time).unwrap();
        assert_eq!(parts.signed_headers, "content-type;host;x-cos-meta-note");
        assert_eq!(
            parts.canonical_request,
            "get\n/\nmax-keys=10&pre%2ffix=x%2Fy%20z~\n\
             content-type=text%2Fplain&host=service.cos.myqcloud.com&x-cos-meta-note=v%20al%2F~%2A\n"
        );
        assert_eq!(
            parts.authorization,
            "q-sign-algorithm=sha1&q-ak=AKIDEXAMPLE\
             &q-sign-time=1699999940;1700010000&q-key-time=1699999940;1700010000\
             &q-header-list=content-type;host;x-cos-meta-note&q-url-param-list=max-keys;pre%2ffix\
             &q-signature=1926a4070c90aaec74bb7428b7a7ac9572e07e45"
        );
        // signing_parts agrees with sign and leaves the request alone.
        assert!(req.headers().get("authorization").is_none());
        CosSigner::new().sign(&mut req, &key, time).unwrap();
        assert_eq!(auth(&req), parts.authorization);
    }

    #[test]
    fn the_sign_time_comes_from_the_argument_and_the_expiry_is_configurable() {
        let key = AccessKey::new("AKIDEXAMPLE", "example-secret");
        let req = get("https://service.cos.myqcloud.com/");
        let at = |unix| OffsetDateTime::from_unix_timestamp(unix).unwrap();
        let a = CosSigner::new()
            .signing_parts(&req, &key, at(1000))
            .unwrap();
        let b = CosSigner::new()
            .signing_parts(&req, &key, at(1000))
            .unwrap();
        assert_eq!(a, b, "a pure function of its inputs");
        assert!(a
            .authorization
            .contains("&q-sign-time=940;11000&q-key-time=940;11000&"));
        let short = CosSigner::new()
            .with_expiry(Duration::from_secs(600))
            .signing_parts(&req, &key, at(1000))
            .unwrap();
        assert!(short.string_to_sign.starts_with("sha1\n940;1600\n"));
        assert_ne!(short.signature, a.signature);
    }

    #[test]
    fn a_host_header_already_on_the_request_is_signed_as_sent() {
        let req = Request::get("http://127.0.0.1:9000/")
            .header("host", "service.cos.myqcloud.com")
            .body(Bytes::new())
            .unwrap();
        let key = AccessKey::new("AKIDEXAMPLE", "example-secret");
        let parts = CosSigner::new()
            .signing_parts(&req, &key, datetime!(2025-03-01 08:00:00 UTC))
            .unwrap();
        assert!(parts
            .canonical_request
            .ends_with("\n\nhost=service.cos.myqcloud.com\n"));
    }

    #[test]
    fn a_verifier_recomputes_the_signature_with_the_uri_host() {
        let key = AccessKey::new("AKIDEXAMPLE", "example-secret").with_session_token("tok");
        let t = datetime!(2025-03-01 08:00:00 UTC);
        let mut req = get("https://Service.COS.myqcloud.com:8443/?max-keys=2");
        let parts = CosSigner::new().signing_parts(&req, &key, t).unwrap();
        CosSigner::new().sign(&mut req, &key, t).unwrap();
        let names: Vec<&str> = parts.signed_headers.split(';').collect();
        let again = CosSigner::new()
            .signing_parts_for_headers(&req, &key, t, &names)
            .unwrap();
        assert_eq!(again.signature, parts.signature);
    }

    #[test]
    fn sign_adds_only_its_own_headers() {
        let t = datetime!(2025-03-01 08:00:00 UTC);
        let session = AccessKey::new("AKIDEXAMPLE", "example-secret").with_session_token("tok");
        let mut req = get("https://service.cos.myqcloud.com/");
        CosSigner::new().sign(&mut req, &session, t).unwrap();
        assert_eq!(req.headers().len(), 2, "token, authorization");
        let mut plain = get("https://service.cos.myqcloud.com/");
        let key = AccessKey::new("AKIDEXAMPLE", "example-secret");
        CosSigner::new().sign(&mut plain, &key, t).unwrap();
        assert_eq!(plain.headers().len(), 1, "authorization");
    }

    #[test]
    fn secrets_stay_out_of_debug_and_errors() {
        let key =
            AccessKey::new("AKIDEXAMPLE", "planted-secret").with_session_token("planted\ntoken");
        let mut req = get("https://service.cos.myqcloud.com/");
        let err = CosSigner::new()
            .sign(&mut req, &key, datetime!(2025-03-01 08:00:00 UTC))
            .unwrap_err();
        assert!(!format!("{err:?}{err}").contains("planted"));
        assert_eq!(err.provider(), Some(ProviderKind::Tencent));
        assert!(req.headers().is_empty(), "a failed sign changes nothing");
        let parts = CosSigner::new()
            .signing_parts(
                &req,
                &AccessKey::new("AKIDEXAMPLE", "planted-secret"),
                datetime!(2025-03-01 08:00:00 UTC),
            )
            .unwrap();
        assert!(!format!("{parts:?}").contains(&parts.signature));
        let no_host = Request::get("/").body(Bytes::new()).unwrap();
        assert!(CosSigner::new()
            .signing_parts(&no_host, &key, datetime!(2025-03-01 08:00:00 UTC))
            .is_err());
    }
}

//! Huawei Cloud `SDK-HMAC-SHA256`, as `huaweicloudsdkcore`'s `Signer.sign` applies it: the
//! URI is decoded, re-encoded per segment and always ends in `/`; the query is sorted on the
//! decoded strings, then encoded; every header whose name has no `_` is signed, values
//! stripped at both ends (and sent stripped); the signature is a plain `HMAC(SK, string to
//! sign)` with no derived key.

use http::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use http::Uri;
use multicloud_core::signing::{
    authority_from_uri, decoded_query_pairs, hmac_sha256_hex, percent_decode, percent_encode_path,
    push_percent_encoded, sha256_hex, strip_unicode, v4_canonical_request, v4_string_to_sign,
    HeaderBlock, Outgoing, Repeats, RequestSigner, SigningParts, SigningTime, ValueRule,
    EMPTY_SHA256_HEX,
};
use multicloud_core::{AccessKey, Error, ProviderKind, Result};
use time::OffsetDateTime;

const ALGORITHM: &str = "SDK-HMAC-SHA256";
const X_SDK_DATE: HeaderName = HeaderName::from_static("x-sdk-date");
const X_SDK_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-sdk-content-sha256");
const X_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-security-token");
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The SDK signs every header whose name has no `_`.
fn is_signed(name: &str) -> bool {
    !name.contains('_')
}

/// Signs requests with Huawei Cloud's `SDK-HMAC-SHA256` (AK/SK) algorithm.
///
/// The region is not part of this signature, so one signer serves every endpoint.
#[derive(Debug, Clone, Copy, Default)]
pub struct HuaweiSigner;

impl HuaweiSigner {
    /// A signer.
    pub fn new() -> Self {
        HuaweiSigner
    }
}

impl RequestSigner for HuaweiSigner {
    /// Removes any `Authorization` (the SDK would leave a pre-signed request alone and send its
    /// stale signature: a wire-only quirk we do not copy); writes every header value back
    /// stripped, as the SDK stores them; sets `X-Security-Token` for a session key,
    /// `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` for a non-JSON `Content-Type`, `X-Sdk-Date`
    /// unless the request has one (which is then the signing time and `time` is unused), and
    /// `Host` (the URI authority as written) when absent.
    fn prepare(&self, out: &mut Outgoing<'_>, key: &AccessKey, time: OffsetDateTime) -> Result<()> {
        let request = out.request();
        if request.uri().path().is_empty() {
            return Err(no_path());
        }
        // First: the edits below replace what they set.
        write_back_stripped(out);
        out.remove(AUTHORIZATION);
        if let Some(token) = key.session_token() {
            // Sent stripped, as signed.
            let token = strip_unicode(token.expose().as_bytes());
            out.set_sensitive(X_SECURITY_TOKEN, token.to_vec(), "the session token")?;
        }
        // Bodies that are not JSON (or BSON) are sent unsigned. `http` names carry no case,
        // so `content-type` is the `Content-Type` key the SDK looks for (its client always
        // uses that spelling); the value is read as the caller gave it.
        let ct = request.headers().get(CONTENT_TYPE);
        let ct = ct.map_or(&b""[..], HeaderValue::as_bytes);
        let json = ct.starts_with(b"application/json") || ct.starts_with(b"application/bson");
        if !ct.is_empty() && !json {
            out.set(X_SDK_CONTENT_SHA256, UNSIGNED_PAYLOAD, "the payload marker")?;
        }
        // A caller's `X-Sdk-Date` is kept: it is the signing time (read in `signature`).
        if !out.contains(&X_SDK_DATE) {
            out.set(X_SDK_DATE, SigningTime::new(time)?.compact(), "X-Sdk-Date")?;
        }
        out.set_host_if_absent(|| self.uri_host(request.uri()))
    }

    fn compute(
        &self,
        out: &Outgoing<'_>,
        key: &AccessKey,
        time: OffsetDateTime,
    ) -> Result<SigningParts> {
        let request = out.request();
        let stamp = signing_stamp(out.header(&X_SDK_DATE), time)?;
        let entries = out.headers_where(is_signed)?;
        // An empty body hashes empty whatever the headers say; else a signed
        // `X-Sdk-Content-Sha256` (as the SDK reads it: stripped) is the payload hash.
        let marker = entries
            .iter()
            .find(|(name, _)| *name == X_SDK_CONTENT_SHA256.as_str())
            .map(|(_, value)| strip_unicode(value))
            .filter(|value| !value.is_empty());
        let body_hash;
        let payload = match (request.body().is_empty(), marker) {
            (true, _) => EMPTY_SHA256_HEX.as_bytes(),
            (false, Some(marker)) => marker,
            (false, None) => {
                body_hash = sha256_hex(request.body());
                body_hash.as_bytes()
            }
        };
        let path = canonical_uri(request.uri().path()).ok_or_else(no_path)?;
        let query = canonical_query(request.uri().query().unwrap_or(""));
        let headers = HeaderBlock::new(
            entries,
            ValueRule::StripUnicode,
            Repeats::LinePerValueLastValue,
        );
        let canonical = v4_canonical_request(request.method(), &path, &query, &headers, payload);
        let string_to_sign = v4_string_to_sign(ALGORITHM, &stamp, None, &canonical);
        let secret = key.secret().expose().as_bytes();
        let signature = hmac_sha256_hex(secret, string_to_sign.as_bytes());
        Ok(SigningParts::v4(
            ALGORITHM,
            &["Access=", key.id()],
            canonical,
            string_to_sign,
            signature,
            headers.signed,
        ))
    }

    /// The endpoint as configured: `host[:port]` as written.
    fn uri_host(&self, uri: &Uri) -> Option<String> {
        authority_from_uri(uri)
    }

    fn provider(&self) -> Option<ProviderKind> {
        Some(ProviderKind::Huawei)
    }
}

/// `unquote(path)`, split on `/` (so `%2F` becomes a separator), each segment
/// `quote(seg, safe='~')`, joined with `/`, and a `/` appended unless the result ends with one;
/// `None` for an empty path, which the SDK cannot sign (it raises `IndexError`).
fn canonical_uri(path: &str) -> Option<String> {
    if path.is_empty() {
        return None;
    }
    // The usual path has nothing to decode or encode; else encoding each segment and joining
    // with `/` equals encoding with `/` kept.
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-_.~/".contains(&b);
    let mut uri = match path.bytes().all(plain) {
        true => {
            // With room for the `/` that may follow.
            let mut uri = String::with_capacity(path.len() + 1);
            uri.push_str(path);
            uri
        }
        false => {
            let decoded = percent_decode(path.as_bytes());
            percent_encode_path(String::from_utf8_lossy(&decoded).as_bytes())
        }
    };
    if !uri.ends_with('/') {
        uri.push('/');
    }
    Some(uri)
}

/// The decoded pairs sorted by (key, value), Python tuple order on the raw strings, then
/// `quote(k, safe='~')=quote(v, safe='~')` joined with `&`.
fn canonical_query(query: &str) -> String {
    if is_canonical(query) {
        return query.to_owned();
    }
    let mut pairs = decoded_query_pairs(query);
    pairs.sort_unstable();
    let mut out = String::with_capacity(query.len() + 8);
    for (k, v) in &pairs {
        if !out.is_empty() {
            out.push('&');
        }
        push_percent_encoded(k, &mut out);
        out.push('=');
        push_percent_encoded(v, &mut out);
    }
    out
}

/// Whether `query` is already what [`canonical_query`] would make of it (the usual
/// `limit=100&offset=1`): pieces `k=v` of bytes that decoding and encoding leave alone, in
/// (key, value) order.
fn is_canonical(query: &str) -> bool {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-_.~".contains(&b);
    let mut previous: Option<(&str, &str)> = None;
    query.split('&').all(|piece| {
        let Some((k, v)) = piece.split_once('=') else {
            return false;
        };
        let in_order = previous.is_none_or(|p| p <= (k, v));
        previous = Some((k, v));
        in_order && k.bytes().chain(v.bytes()).all(plain)
    })
}

fn no_path() -> Error {
    Error::config("Huawei requests need a path (at least \"/\") to be signed")
}

/// The `X-Sdk-Date` signed: the SDK reads a caller's (any case) as the signing time.
fn signing_stamp(header: Option<&[u8]>, time: OffsetDateTime) -> Result<String> {
    let own = SigningTime::new(time).map(|t| t.compact());
    match header {
        // The usual case, the header `prepare` wrote: no need to parse it back.
        Some(value) if own.as_ref().is_ok_and(|own| value == own.as_bytes()) => own,
        Some(value) => {
            let parsed = SigningTime::parse_compact(value).ok_or_else(|| {
                Error::config("X-Sdk-Date is not in the form yyyyMMdd'T'HHmmss'Z'")
            })?;
            Ok(SigningTime::new(parsed)?.compact())
        }
        None => own,
    }
}

/// The SDK stores every header value stripped, so what is sent is what was signed: plans the
/// stripped values of each name that has a value with whitespace at an end.
fn write_back_stripped(out: &mut Outgoing<'_>) {
    let headers = out.request().headers();
    let stripped = |v: &HeaderValue| strip_unicode(v.as_bytes()).len() == v.len();
    if headers.values().all(stripped) {
        return;
    }
    for name in headers.keys() {
        let values = headers.get_all(name);
        if values.iter().all(stripped) {
            continue;
        }
        let stripped = values.iter().filter_map(|value| {
            // A part of a valid value is a valid value.
            let mut new = HeaderValue::from_bytes(strip_unicode(value.as_bytes())).ok()?;
            new.set_sensitive(value.is_sensitive());
            Some(new)
        });
        out.set_values(name.clone(), stripped.collect());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_uri_and_query_follow_the_sdk() {
        assert_eq!(canonical_uri(""), None);
        for (input, want) in [
            ("/", "/"),
            ("/v3/projects", "/v3/projects/"),
            ("/a%2Fb", "/a/b/"),
            ("/a%20b*", "/a%20b%2A/"),
            ("/%FF", "/%EF%BF%BD/"),
        ] {
            assert_eq!(canonical_uri(input).as_deref(), Some(want), "{input}");
        }
        for already in ["", "limit=100&offset=1", "a=1&a=2&b="] {
            assert_eq!(is_canonical(already), !already.is_empty(), "{already}");
            assert_eq!(canonical_query(already), already);
        }
        for not_yet in ["b=1&a=2", "a=%41", "a", "a=1&a=0", "a=b=c"] {
            assert!(!is_canonical(not_yet), "{not_yet}");
        }
        // Decoded order: `~` (0x7E) sorts before `ü`.
        assert_eq!(
            canonical_query("%C3%BC=1&~=2&a%20b=c%2Fd"),
            "a%20b=c%2Fd&~=2&%C3%BC=1"
        );
    }
    use bytes::Bytes;
    use http::header::HOST;
    use http::Request;
    use multicloud_core::ErrorKind;
    use time::macros::datetime;

    const PLANTED_SECRET: &str = "PLANTED-SECRET-4f3e2d";
    const PLANTED_TOKEN: &str = "PLANTED-TOKEN-9a8b7c";
    const T: OffsetDateTime = datetime!(2019-11-15 03:36:55 UTC);

    fn key() -> AccessKey {
        AccessKey::new(
            "QTWAOYTTINDUT2QVKYUC",
            "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
        )
    }

    fn get(uri: &str) -> Request<Bytes> {
        Request::get(uri).body(Bytes::new()).unwrap()
    }

    fn parts_of(req: &Request<Bytes>) -> SigningParts {
        HuaweiSigner::new().signing_parts(req, &key(), T).unwrap()
    }

    fn line(parts: &SigningParts, n: usize) -> &str {
        parts.canonical_request.split('\n').nth(n).unwrap()
    }

    #[test]
    fn a_name_is_signed_unless_an_underscore_is_anywhere_in_it() {
        for len in 0..=20 {
            assert!(is_signed(&"a".repeat(len)), "len {len}");
            for at in 0..len {
                let mut name = "x".repeat(len).into_bytes();
                name[at] = b'_';
                let name = String::from_utf8(name).unwrap();
                assert!(!is_signed(&name), "{name}");
                let near = name.replace('_', if at % 2 == 0 { "^" } else { "`" });
                assert!(is_signed(&near), "{near}");
            }
        }
    }

    #[test]
    fn the_uri_always_ends_with_a_slash_and_encoded_slashes_split() {
        let req = get("https://iam.myhuaweicloud.com/v3/projects");
        assert_eq!(line(&parts_of(&req), 1), "/v3/projects/");
        let req = get("https://h.example/a%2Fb%20c/");
        assert_eq!(line(&parts_of(&req), 1), "/a/b%20c/");
    }

    #[test]
    fn the_query_sorts_on_decoded_strings() {
        let req = get("https://h.example/?%C3%BCmlaut=1&~tilde=2&limit=2");
        assert_eq!(line(&parts_of(&req), 2), "limit=2&~tilde=2&%C3%BCmlaut=1");
    }

    #[test]
    fn underscore_headers_are_not_signed_and_values_are_stripped() {
        let mut req = get("https://h.example/");
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
        let mut req = get("https://h.example/");
        let key = key().with_session_token("\ttok ");
        let parts = HuaweiSigner::new().signing_parts(&req, &key, T).unwrap();
        assert!(parts.canonical_request.contains("\nx-security-token:tok\n"));
        HuaweiSigner::new().sign(&mut req, &key, T).unwrap();
        assert_eq!(req.headers()[X_SECURITY_TOKEN], "tok");
        assert!(req.headers()[X_SECURITY_TOKEN].is_sensitive());
        // Values that need no stripping are left as they are.
        assert_eq!(req.headers()[X_SDK_DATE], "20191115T033655Z");
    }

    #[test]
    fn repeated_names_sign_the_last_value_per_line_and_are_all_sent_stripped() {
        let mut req = get("https://h.example/");
        req.headers_mut().append("x-a", " 1 ".parse().unwrap());
        req.headers_mut().append("x-a", " 2 ".parse().unwrap());
        let parts = parts_of(&req);
        assert!(parts.canonical_request.contains("\nx-a:2\nx-a:2\n"));
        assert_eq!(parts.signed_headers, "host;x-a;x-a;x-sdk-date");
        HuaweiSigner::new().sign(&mut req, &key(), T).unwrap();
        let sent: Vec<_> = req.headers().get_all("x-a").iter().collect();
        assert_eq!(sent, ["1", "2"]);
        assert_eq!(req.headers()[AUTHORIZATION], parts.authorization.as_str());
        // A verifier reading the list back gets the same signature.
        let names: Vec<&str> = parts.signed_headers.split(';').collect();
        let again = HuaweiSigner::new()
            .signing_parts_for_headers(&req, &key(), T, &names)
            .unwrap();
        assert_eq!(again.signature, parts.signature);
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
        let mut req = get("https://h.example/");
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
        assert_eq!(e.provider(), Some(ProviderKind::Huawei));
    }

    #[test]
    fn a_pre_signed_request_is_signed_afresh() {
        let mut req = get("https://h.example/");
        req.headers_mut()
            .insert(AUTHORIZATION, "Bearer x".parse().unwrap());
        req.headers_mut()
            .append(AUTHORIZATION, HeaderValue::from_bytes(b"\xff ").unwrap());
        req.headers_mut().insert("x-pad", " v ".parse().unwrap());
        let key = key().with_session_token("tok");
        let parts = HuaweiSigner::new().signing_parts(&req, &key, T).unwrap();
        assert!(!parts.signed_headers.contains("authorization"));
        HuaweiSigner::new().sign(&mut req, &key, T).unwrap();
        let sent: Vec<_> = req.headers().get_all(AUTHORIZATION).iter().collect();
        assert_eq!(sent, [parts.authorization.as_str()]);
        assert_eq!(req.headers()[X_SECURITY_TOKEN], "tok");
        assert_eq!(req.headers()["x-pad"], "v", "sent stripped, as signed");
    }

    #[test]
    fn a_verifier_recomputes_the_signature_over_the_listed_headers() {
        let mut req = Request::get("https://h.example/v1/x?limit=1")
            .header("content-type", "application/json")
            .body(Bytes::new())
            .unwrap();
        let key = key().with_session_token("tok");
        let sent = HuaweiSigner::new().signing_parts(&req, &key, T).unwrap();
        HuaweiSigner::new().sign(&mut req, &key, T).unwrap();
        assert_eq!(req.headers()[AUTHORIZATION], sent.authorization.as_str());
        req.headers_mut()
            .insert("user-agent", "added later".parse().unwrap());
        assert!(sent
            .authorization
            .starts_with("SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, "));
        let names: Vec<&str> = sent.signed_headers.split(';').collect();
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
    fn the_host_is_the_uri_authority_as_written() {
        let mut req = get("https://ECS.example:443/");
        HuaweiSigner::new().sign(&mut req, &key(), T).unwrap();
        assert_eq!(req.headers()[HOST], "ECS.example:443");
        let e = HuaweiSigner::new().sign(&mut get("/x"), &key(), T);
        assert_eq!(e.unwrap_err().kind(), ErrorKind::Config);
    }

    #[test]
    fn an_empty_path_cannot_be_signed() {
        let req = get("h.example:443");
        let e = HuaweiSigner::new()
            .signing_parts(&req, &key(), T)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
    }

    #[test]
    fn a_planted_secret_never_shows_in_debug_parts_or_errors() {
        let key = AccessKey::new("AKVISIBLE", PLANTED_SECRET).with_session_token(PLANTED_TOKEN);
        let mut req = get("https://h.example/");
        HuaweiSigner::new().sign(&mut req, &key, T).unwrap();
        let parts = HuaweiSigner::new().signing_parts(&req, &key, T).unwrap();
        let bad =
            AccessKey::new("AK", PLANTED_SECRET).with_session_token("x\nPLANTED-TOKEN-9a8b7c");
        let err = HuaweiSigner::new()
            .sign(&mut get("https://h.example/"), &bad, T)
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
    fn sign_adds_only_its_own_headers() {
        let key = key().with_session_token("tok");
        // A body that is not JSON is sent unsigned, which adds `X-Sdk-Content-Sha256`.
        let mut req = Request::post("https://ecs.cn-north-4.myhuaweicloud.com/v1/servers")
            .header("content-type", "text/plain")
            .body(Bytes::from_static(b"x"))
            .unwrap();
        HuaweiSigner::new().sign(&mut req, &key, T).unwrap();
        assert_eq!(
            req.headers().len(),
            1 + 5,
            "content type; token, payload marker, date, host, authorization"
        );
    }
}

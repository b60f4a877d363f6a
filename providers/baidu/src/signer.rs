//! Baidu AI Cloud `bce-auth-v1`, as `bce-python-sdk`'s `bce_v1_signer.sign` applies it: the
//! signing key is the *hex string* `hex(HMAC(SK, prefix))`; the canonical request (which is
//! what gets signed — there is no payload hash) is the method, the path as sent, the query
//! with whole `k=v` strings sorted, and the encoded header lines of `host`, `content-md5`,
//! `content-length`, `content-type` and every `x-bce-*` header.

use bytes::Bytes;
use http::header::{HeaderName, AUTHORIZATION, CONTENT_LENGTH};
use http::Request;
use multicloud_core::signing::{
    decoded_query_pairs, hmac_sha256_hex, push_percent_encoded, Outgoing, RequestSigner,
    SigningParts, SigningTime,
};
use multicloud_core::{AccessKey, ProviderKind, Result, SecretString};
use time::OffsetDateTime;

const ALGORITHM: &str = "bce-auth-v1";
const X_BCE_DATE: HeaderName = HeaderName::from_static("x-bce-date");
const X_BCE_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-bce-security-token");

/// Whether `name` is in the SDK's default `headers_to_sign`: `host`, `content-md5`,
/// `content-length` and `content-type`.
fn is_signed_by_default(name: &str) -> bool {
    matches!(
        name,
        "host" | "content-md5" | "content-length" | "content-type"
    )
}

/// Signs requests with Baidu AI Cloud's `bce-auth-v1` algorithm.
#[derive(Debug, Clone)]
pub struct BceSigner {
    expiration_seconds: u32,
    headers_to_sign: Vec<String>,
}

impl Default for BceSigner {
    fn default() -> Self {
        BceSigner::new()
    }
}

impl BceSigner {
    /// A signer with the SDK's defaults: 1800 s validity, the default header set.
    pub fn new() -> Self {
        BceSigner {
            expiration_seconds: 1800,
            headers_to_sign: Vec::new(),
        }
    }

    /// How long the signature is valid, in seconds (the auth string carries it).
    pub fn with_expiration_seconds(mut self, seconds: u32) -> Self {
        self.expiration_seconds = seconds;
        self
    }

    /// Signs these headers (lower-cased) instead of the default set; `x-bce-*` headers are
    /// signed all the same, and the auth string lists exactly these names in this order. An
    /// empty list means the default set.
    pub fn with_headers_to_sign(mut self, names: Vec<String>) -> Self {
        self.headers_to_sign = names.into_iter().map(|n| n.to_ascii_lowercase()).collect();
        self
    }

    /// The signature of `request` over `entries` (its headers as sent), with `names` as the
    /// auth string's header field (empty: the default set).
    fn signature(
        &self,
        request: &Request<Bytes>,
        entries: &[(&str, &[u8])],
        names: &[String],
        key: &AccessKey,
        time: OffsetDateTime,
    ) -> Result<SigningParts> {
        let stamp = SigningTime::new(time)?.iso_seconds();
        // `concat`, not `format!`: one exact allocation (this is a hot path).
        let expiration = self.expiration_seconds.to_string();
        let prefix = [ALGORITHM, "/", key.id(), "/", &stamp, "/", &expiration].concat();
        // The 64 hex characters, not the 32 bytes, key the next HMAC.
        let secret = key.secret().expose().as_bytes();
        let signing_key = SecretString::new(hmac_sha256_hex(secret, prefix.as_bytes()));
        let include = |name: &str| {
            name.starts_with("x-bce-")
                || match names.is_empty() {
                    true => is_signed_by_default(name),
                    false => names.iter().any(|n| n == name),
                }
        };
        let signed: Vec<(&str, &[u8])> = entries
            .iter()
            .copied()
            .filter(|(name, _)| include(name))
            .collect();
        let uri = request.uri();
        let query = canonical_query(uri.query().unwrap_or(""));
        let lines = canonical_headers(&signed);
        let method = request.method().as_str();
        let canonical = [method, "\n", uri.path(), "\n", &query, "\n", &lines].concat();
        let signature = hmac_sha256_hex(signing_key.expose().as_bytes(), canonical.as_bytes());
        let list = names.join(";");
        let authorization = [&prefix, "/", &list, "/", &signature].concat();
        Ok(SigningParts::new(
            canonical.clone(),
            canonical,
            signature,
            list,
            authorization,
        ))
    }
}

impl RequestSigner for BceSigner {
    /// Removes any `Authorization`; sets `Host` (lower-case, default port dropped) and
    /// `Content-Length` when absent, `x-bce-date` when absent (a caller's value is kept, as in
    /// the SDK), and `x-bce-security-token` for a session key.
    fn prepare(&self, out: &mut Outgoing<'_>, key: &AccessKey, time: OffsetDateTime) -> Result<()> {
        let when = SigningTime::new(time)?;
        let request = out.request();
        out.remove(AUTHORIZATION);
        out.set_host_if_absent(|| self.uri_host(request.uri()))?;
        if !out.contains(&CONTENT_LENGTH) {
            let length = request.body().len().to_string();
            out.set(CONTENT_LENGTH, length, "Content-Length")?;
        }
        // A caller's `x-bce-date` is kept, as in the SDK (the prefix still uses `time`).
        if !out.contains(&X_BCE_DATE) {
            out.set(X_BCE_DATE, when.iso_seconds(), "x-bce-date")?;
        }
        if let Some(token) = key.session_token() {
            out.set_sensitive(
                X_BCE_SECURITY_TOKEN,
                token.expose().to_owned(),
                "the session token",
            )?;
        }
        Ok(())
    }

    /// The canonical request is also the string to sign. For a received request, the auth
    /// string's list is its header field (empty: the default set) but not the set signed:
    /// every `x-bce-*` header is signed listed or not, so every received header, `Authorization`
    /// aside, is a candidate.
    fn compute(
        &self,
        out: &Outgoing<'_>,
        key: &AccessKey,
        time: OffsetDateTime,
    ) -> Result<SigningParts> {
        let names = out.listed_names().unwrap_or(&self.headers_to_sign);
        let mut entries = out.all_headers();
        entries.retain(|(name, _)| *name != AUTHORIZATION.as_str());
        self.signature(out.request(), &entries, names, key, time)
    }

    fn provider(&self) -> Option<ProviderKind> {
        Some(ProviderKind::Baidu)
    }
}

/// Each decoded pair written `normalize(k)=normalize(v)`, those whole strings sorted bytewise
/// (so `a-b=` < `a.b=` < `a1=` < `a=`), joined with `&`.
fn canonical_query(query: &str) -> String {
    let mut pieces: Vec<String> = decoded_query_pairs(query)
        .iter()
        .map(|(k, v)| encoded_pair(k, b'=', v))
        .collect();
    pieces.sort_unstable();
    pieces.join("&")
}

/// `normalize(a)` `separator` `normalize(b)`, in one string.
fn encoded_pair(a: &[u8], separator: u8, b: &[u8]) -> String {
    let mut out = String::with_capacity(a.len() + b.len() + 8);
    push_percent_encoded(a, &mut out);
    out.push(char::from(separator));
    push_percent_encoded(b, &mut out);
    out
}

/// `value.strip()` on bytes: Python's ASCII whitespace (vertical tab included) at both ends.
fn strip_ascii(value: &[u8]) -> &[u8] {
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let start = value.iter().position(|b| !space(b)).unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !space(b))
        .map_or(start, |i| i + 1);
    &value[start..end]
}

/// Per header, `normalize(name):normalize(value.strip())`, empty stripped values dropped,
/// lines sorted bytewise and joined with `\n` (no final newline).
fn canonical_headers(entries: &[(&str, &[u8])]) -> String {
    let mut lines: Vec<String> = entries
        .iter()
        .map(|(name, value)| (name, strip_ascii(value)))
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| encoded_pair(name.as_bytes(), b':', value))
        .collect();
    lines.sort_unstable();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_query_and_headers_sort_encoded_strings() {
        // Whole strings: `a-b=` < `a.b=` < `a1=` < `a=`.
        assert_eq!(
            canonical_query("a=1&a1=2&a.b=3&a-b=4"),
            "a-b=4&a.b=3&a1=2&a=1"
        );
        let entries: Vec<(&str, &[u8])> = vec![
            ("x-bce-date", b"2024-01-01T00:00:00Z"),
            ("host", b" bcc "),
            ("empty", b" "),
        ];
        assert_eq!(
            canonical_headers(&entries),
            "host:bcc\nx-bce-date:2024-01-01T00%3A00%3A00Z"
        );
    }
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
        let hex_key = hmac_sha256_hex(b"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", prefix.as_bytes());
        let expected = hmac_sha256_hex(hex_key.as_bytes(), parts.canonical_request.as_bytes());
        assert_eq!(parts.signature, expected);
        assert_eq!(parts.string_to_sign, parts.canonical_request);
        assert_eq!(parts.authorization, format!("{prefix}//{expected}"));
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
        // A name no header value can carry fails before anything is written.
        let bad = BceSigner::new().with_headers_to_sign(vec!["a\nb".into()]);
        let before = req.headers().clone();
        let e = bad.sign(&mut req, &key(), T).unwrap_err();
        assert_eq!(e.kind(), multicloud_core::ErrorKind::Config);
        assert_eq!(req.headers(), &before);
    }

    #[test]
    fn a_caller_x_bce_date_is_kept_but_the_prefix_uses_the_given_time() {
        let mut req = get("https://bcc.bj.baidubce.com/");
        req.headers_mut()
            .insert(X_BCE_DATE, "2000-01-01T00:00:00Z".parse().unwrap());
        let key = key().with_session_token("sts");
        let sent = BceSigner::new().signing_parts(&req, &key, T).unwrap();
        BceSigner::new().sign(&mut req, &key, T).unwrap();
        assert_eq!(req.headers()[X_BCE_DATE], "2000-01-01T00:00:00Z");
        assert!(req.headers()[X_BCE_SECURITY_TOKEN].is_sensitive());
        assert_eq!(req.headers()[AUTHORIZATION], sent.authorization.as_str());
        // The timestamp is the given time, the expiration the default, the list empty.
        let prefix = format!("bce-auth-v1/{}/2015-04-27T08:23:49Z/1800//", key.id());
        assert!(sent.authorization.starts_with(&prefix));
        assert_eq!(sent.signed_headers, "");
        // A verifier recomputes over the received headers, extras included or not.
        req.headers_mut().insert("accept", "*/*".parse().unwrap());
        let again = BceSigner::new()
            .signing_parts_for_headers(&req, &key, T, &[])
            .unwrap();
        assert_eq!(again.signature, sent.signature);
    }

    #[test]
    fn a_verifier_with_a_header_list_reads_unlisted_x_bce_headers_too() {
        let signer = BceSigner::new().with_headers_to_sign(vec!["host".into()]);
        let mut req = get("https://bcc.bj.baidubce.com/v2/instance");
        req.headers_mut()
            .insert("x-bce-request-id", "r1".parse().unwrap());
        let sent = signer.signing_parts(&req, &key(), T).unwrap();
        signer.sign(&mut req, &key(), T).unwrap();
        assert_eq!(req.headers()[AUTHORIZATION], sent.authorization.as_str());
        assert_eq!(sent.signed_headers, "host");
        let again = signer
            .signing_parts_for_headers(&req, &key(), T, &["host"])
            .unwrap();
        assert_eq!(again.signature, sent.signature);
        assert!(again.canonical_request.contains("x-bce-request-id:r1"));
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
    fn sign_adds_only_its_own_headers() {
        let key = key().with_session_token("sts");
        let mut req = get("https://bcc.bj.baidubce.com/v2/instance");
        BceSigner::new().sign(&mut req, &key, T).unwrap();
        assert_eq!(
            req.headers().len(),
            5,
            "host, content length, date, token, authorization"
        );
    }
}

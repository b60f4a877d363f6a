//! The V4-style signature shared by AWS, Huawei and Tencent.
//!
//! All three hash the canonical request
//! `METHOD\nURI\nQUERY\n<name:value\n>…\n\nSIGNED;HEADERS\nPAYLOAD_HASH`, sign
//! `ALGORITHM\nTIMESTAMP\n[SCOPE\n]hex(SHA256(canonical request))` and send
//! `ALGORITHM Credential=<id>/<scope>, SignedHeaders=<list>, Signature=<hex>` (Huawei:
//! `Access=<id>` and no scope). [`sign_v4`] writes both strings straight into their hashes;
//! only when asked does it also keep their text (for `signing_parts`), from the very same
//! writers (see [`hash_text`]).

use super::hash::Hex64;
use super::headers::{self, HeaderEntry, Repeats, ValueRule};
use super::parts::{hex_signature_at_end, SigningParts};
use super::sha::{HmacKey, Sha256};
use super::sink::{hash_text, Sink, Writer};
use crate::error::Result;

/// Where a signer's URI and query lines go: the canonical request's SHA-256, or its text
/// when that is kept. The few writes of those lines go through one indirect call each; the
/// many writes of the rest are compiled for each sink.
pub struct CanonicalSink<'s>(&'s mut dyn Sink);

impl Sink for CanonicalSink<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.0.put(bytes);
    }

    #[inline]
    fn put_byte(&mut self, byte: u8) {
        self.0.put_byte(byte);
    }
}

impl std::fmt::Debug for CanonicalSink<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // It may feed an HMAC keyed with a secret: nothing of it is shown.
        f.write_str("CanonicalSink")
    }
}

/// The method, upper-cased as botocore and Huawei's SDK do (`request.method.upper()`).
pub fn upper_method(method: &http::Method) -> std::borrow::Cow<'_, str> {
    let m = method.as_str();
    if m.bytes().any(|b| b.is_ascii_lowercase()) {
        std::borrow::Cow::Owned(m.to_ascii_uppercase())
    } else {
        std::borrow::Cow::Borrowed(m)
    }
}

/// One V4-style signature to compute.
#[derive(Debug, Clone, Copy)]
pub struct V4<'a> {
    /// `AWS4-HMAC-SHA256`, `SDK-HMAC-SHA256`, `TC3-HMAC-SHA256`.
    pub algorithm: &'a str,
    /// The method as signed.
    pub method: &'a str,
    /// The timestamp line of the string to sign.
    pub timestamp: &'a [u8],
    /// The credential scope pieces, joined with `/` (`None`: Huawei's `Access=` form).
    pub scope: Option<&'a [&'a str]>,
    /// The AccessKey id.
    pub key_id: &'a str,
    /// How header values are written.
    pub rule: ValueRule,
    /// How repeated header names are signed.
    pub repeats: Repeats,
    /// The payload hash line.
    pub payload_hash: &'a [u8],
}

/// A computed V4-style signature.
pub struct V4Signature {
    /// The authorization header value (ASCII but for a non-ASCII key id or scope), ending
    /// in the 64 hex digits of the signature.
    pub authorization: Vec<u8>,
    signed: std::ops::Range<usize>,
    canonical_request: Vec<u8>,
    string_to_sign: Vec<u8>,
}

impl V4Signature {
    /// The stages as text (empty canonical strings unless [`sign_v4`] kept them).
    pub fn into_parts(self) -> SigningParts {
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        let auth = &self.authorization;
        SigningParts::from_bytes(
            &self.canonical_request,
            &self.string_to_sign,
            hex_signature_at_end(auth),
            text(&auth[self.signed]),
            text(auth),
        )
    }
}

impl std::fmt::Debug for V4Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("V4Signature")
            .field("authorization_len", &self.authorization.len())
            .finish_non_exhaustive()
    }
}

fn scope_len(scope: &[&str]) -> usize {
    scope
        .iter()
        .map(|p| p.len() + 1)
        .sum::<usize>()
        .saturating_sub(1)
}

fn put_scope(scope: &[&str], out: &mut impl Sink) {
    for (n, piece) in scope.iter().enumerate() {
        if n > 0 {
            out.put_byte(b'/');
        }
        out.put(piece.as_bytes());
    }
}

/// Signs `entries` (sorted here, stably by name) with `key`; `uri_and_query` writes the
/// canonical URI line, `\n` and the query line. Keeps the canonical strings' text only when
/// `keep_text`.
pub fn sign_v4(
    v4: &V4<'_>,
    entries: &mut [HeaderEntry<'_>],
    uri_and_query: impl FnOnce(&mut CanonicalSink) -> Result<()>,
    key: &HmacKey,
    keep_text: bool,
) -> Result<V4Signature> {
    headers::sort_by_name(entries);
    let list_len = headers::signed_list_len(entries, v4.repeats);

    // The authorization value, sized exactly (so the header takes the buffer as it is), up to
    // the signed-header list; the canonical request reads that list back from it.
    let credential = match v4.scope {
        Some(scope) => " Credential=".len() + v4.key_id.len() + 1 + scope_len(scope),
        None => " Access=".len() + v4.key_id.len(),
    };
    let mut auth = Vec::with_capacity(
        v4.algorithm.len()
            + credential
            + ", SignedHeaders=".len()
            + list_len
            + ", Signature=".len()
            + 64,
    );
    auth.put(v4.algorithm.as_bytes());
    match v4.scope {
        Some(scope) => {
            auth.put(b" Credential=");
            auth.put(v4.key_id.as_bytes());
            auth.put_byte(b'/');
            put_scope(scope, &mut auth);
        }
        None => {
            auth.put(b" Access=");
            auth.put(v4.key_id.as_bytes());
        }
    }
    auth.put(b", SignedHeaders=");
    let list_start = auth.len();
    headers::put_signed_list(entries, v4.repeats, &mut auth);
    let signed = list_start..auth.len();

    let mut hash = Sha256::new();
    let canonical_request = hash_text(
        &mut hash,
        keep_text,
        CanonicalRequest {
            v4,
            entries,
            signed_list: &auth[signed.clone()],
            uri_and_query,
        },
    )?;
    let mut mac = key.start();
    let string_to_sign = hash_text(
        &mut mac,
        keep_text,
        StringToSign {
            v4,
            hash: &Hex64::new(&hash.finish()),
        },
    )?;

    let signature = Hex64::new(&mac.finish());
    auth.put(b", Signature=");
    auth.put(signature.as_bytes());
    Ok(V4Signature {
        authorization: auth,
        signed,
        canonical_request,
        string_to_sign,
    })
}

/// `METHOD\nURI\nQUERY\n<name:value\n>…\n\nSIGNED;HEADERS\nPAYLOAD_HASH`.
struct CanonicalRequest<'a, 'e, F> {
    v4: &'a V4<'a>,
    entries: &'a [HeaderEntry<'e>],
    signed_list: &'a [u8],
    uri_and_query: F,
}

impl<F: FnOnce(&mut CanonicalSink) -> Result<()>> Writer for CanonicalRequest<'_, '_, F> {
    #[inline]
    fn write_to<S: Sink>(self, out: &mut S) -> Result<()> {
        let v4 = self.v4;
        out.put(v4.method.as_bytes());
        out.put_byte(b'\n');
        (self.uri_and_query)(&mut CanonicalSink(out))?;
        out.put_byte(b'\n');
        headers::header_block(self.entries, v4.rule, v4.repeats, out);
        out.put_byte(b'\n');
        out.put(self.signed_list);
        out.put_byte(b'\n');
        out.put(v4.payload_hash);
        Ok(())
    }
}

/// `ALGORITHM\nTIMESTAMP\n[SCOPE\n]HASH`.
struct StringToSign<'a> {
    v4: &'a V4<'a>,
    hash: &'a Hex64,
}

impl Writer for StringToSign<'_> {
    #[inline]
    fn write_to<S: Sink>(self, out: &mut S) -> Result<()> {
        let v4 = self.v4;
        out.put(v4.algorithm.as_bytes());
        out.put_byte(b'\n');
        out.put(v4.timestamp);
        out.put_byte(b'\n');
        if let Some(scope) = v4.scope {
            put_scope(scope, out);
            out.put_byte(b'\n');
        }
        out.put(self.hash.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::hash::{hmac_sha256_hex, sha256_hex};

    fn sign(scope: Option<&[&str]>, entries: &mut [HeaderEntry<'_>]) -> SigningParts {
        let v4 = V4 {
            algorithm: "ALG",
            method: "GET",
            timestamp: b"T",
            scope,
            key_id: "AK",
            rule: ValueRule::CollapseWhitespace,
            repeats: Repeats::JoinWithComma,
            payload_hash: b"HASH",
        };
        let uri = |out: &mut CanonicalSink| {
            out.put(b"/\nq=1");
            Ok(())
        };
        sign_v4(&v4, entries, uri, &HmacKey::new(b"k"), true)
            .unwrap()
            .into_parts()
    }

    #[test]
    fn canonical_request_layout_and_the_signature_over_its_text() {
        let mut entries: Vec<HeaderEntry<'_>> = vec![("x-b", b" 2  3 "), ("host", b"h")];
        let parts = sign(Some(&["d", "r", "s"]), &mut entries);
        assert_eq!(
            parts.canonical_request,
            "GET\n/\nq=1\nhost:h\nx-b:2 3\n\nhost;x-b\nHASH"
        );
        let hash = sha256_hex(parts.canonical_request.as_bytes());
        assert_eq!(
            parts.string_to_sign,
            format!("ALG\nT\nd/r/s\n{}", hash.as_str())
        );
        let mac = hmac_sha256_hex(b"k", parts.string_to_sign.as_bytes());
        assert_eq!(parts.signature, mac.as_str());
        assert_eq!(
            parts.authorization,
            format!(
                "ALG Credential=AK/d/r/s, SignedHeaders=host;x-b, Signature={}",
                mac.as_str()
            )
        );
        assert_eq!(parts.signed_headers, "host;x-b");
        let exact = sign_v4(
            &V4 {
                algorithm: "ALG",
                method: "GET",
                timestamp: b"T",
                scope: Some(&["d"]),
                key_id: "AK",
                rule: ValueRule::AsSent,
                repeats: Repeats::JoinWithComma,
                payload_hash: b"",
            },
            &mut [("host", b"h")],
            |_| Ok(()),
            &HmacKey::new(b"k"),
            false,
        )
        .unwrap();
        // Sized exactly, so the header value takes the buffer without copying it.
        assert_eq!(exact.authorization.capacity(), exact.authorization.len());
    }

    #[test]
    fn without_a_scope_the_access_form_is_written() {
        let parts = sign(None, &mut []);
        assert!(parts.string_to_sign.starts_with("ALG\nT\n"));
        assert_eq!(parts.string_to_sign.lines().count(), 3);
        assert!(parts
            .authorization
            .starts_with("ALG Access=AK, SignedHeaders=, Signature="));
    }

    #[test]
    fn text_is_only_kept_when_asked_and_the_signature_is_the_same() {
        let v4 = V4 {
            algorithm: "ALG",
            method: "GET",
            timestamp: b"T",
            scope: None,
            key_id: "AK",
            rule: ValueRule::AsSent,
            repeats: Repeats::JoinWithComma,
            payload_hash: b"HASH",
        };
        let key = HmacKey::new(b"k");
        let run = |keep| {
            let mut e: Vec<HeaderEntry<'_>> = vec![("host", b"h")];
            sign_v4(&v4, &mut e, |_| Ok(()), &key, keep)
                .unwrap()
                .into_parts()
        };
        let (lean, kept) = (run(false), run(true));
        assert!(lean.canonical_request.is_empty() && lean.string_to_sign.is_empty());
        assert!(!kept.canonical_request.is_empty());
        assert_eq!(lean.authorization, kept.authorization);
    }

    #[test]
    fn extension_methods_are_upper_cased() {
        let m = http::Method::from_bytes(b"patchy").unwrap();
        assert_eq!(upper_method(&m), "PATCHY");
        assert_eq!(upper_method(&http::Method::GET), "GET");
    }
}

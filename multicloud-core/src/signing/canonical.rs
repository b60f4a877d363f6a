//! The V4-style canonical request and string to sign shared by AWS, Huawei and Tencent.
//!
//! All three write
//! `METHOD\nURI\nQUERY\n<name:value\n>…\n\nSIGNED;HEADERS\nPAYLOAD_HASH` and sign
//! `ALGORITHM\nTIMESTAMP\n[SCOPE\n]hex(SHA256(canonical request))`.

use super::hash::{sha256, Hex64};
use super::headers::{canonical_headers, HeaderEntry, Repeats, ValueRule};

/// The method, upper-cased as botocore and Huawei's SDK do (`request.method.upper()`).
pub fn upper_method(method: &http::Method) -> std::borrow::Cow<'_, str> {
    let m = method.as_str();
    if m.bytes().any(|b| b.is_ascii_lowercase()) {
        std::borrow::Cow::Owned(m.to_ascii_uppercase())
    } else {
        std::borrow::Cow::Borrowed(m)
    }
}

/// Starts a canonical request with `METHOD\n`, sized for the usual request.
pub fn start(method: &str, capacity_hint: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity_hint);
    out.extend_from_slice(method.as_bytes());
    out.push(b'\n');
    out
}

/// Finishes a canonical request whose `METHOD\nURI\nQUERY` is already in `out`: appends
/// `\n`, the header block of `entries`, an empty line, the signed-header list, `\n` and the
/// payload hash. Returns the signed-header list.
pub fn finish(
    out: &mut Vec<u8>,
    entries: &mut [HeaderEntry<'_>],
    rule: ValueRule,
    repeats: Repeats,
    payload_hash: &[u8],
) -> String {
    out.push(b'\n');
    let signed = canonical_headers(entries, rule, repeats, out);
    out.push(b'\n');
    out.extend_from_slice(signed.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload_hash);
    signed
}

/// `ALGORITHM\nTIMESTAMP\n[SCOPE\n]hex(SHA256(canonical_request))`.
pub fn string_to_sign(
    algorithm: &str,
    timestamp: &[u8],
    scope: Option<&[u8]>,
    canonical_request: &[u8],
) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(algorithm.len() + timestamp.len() + scope.map_or(0, <[u8]>::len) + 68);
    out.extend_from_slice(algorithm.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(timestamp);
    out.push(b'\n');
    if let Some(scope) = scope {
        out.extend_from_slice(scope);
        out.push(b'\n');
    }
    out.extend_from_slice(Hex64::new(&sha256(canonical_request)).as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_request_layout_has_the_empty_line() {
        let mut cr = start("GET", 64);
        cr.extend_from_slice(b"/\n");
        let mut entries: Vec<HeaderEntry<'_>> = vec![("host", b"h")];
        let signed = finish(
            &mut cr,
            &mut entries,
            ValueRule::AsSent,
            Repeats::JoinWithComma,
            b"HASH",
        );
        assert_eq!(signed, "host");
        assert_eq!(cr, b"GET\n/\n\nhost:h\n\nhost\nHASH");
        let sts = string_to_sign("ALG", b"T", Some(b"S"), b"");
        assert_eq!(
            sts,
            b"ALG\nT\nS\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn extension_methods_are_upper_cased() {
        let m = http::Method::from_bytes(b"patchy").unwrap();
        assert_eq!(upper_method(&m), "PATCHY");
        assert_eq!(upper_method(&http::Method::GET), "GET");
    }
}

//! Percent-encoding as the clouds' SDKs write it (upper-case hex), and decoding.
//!
//! | function | keeps | used by |
//! |---|---|---|
//! | [`percent_encode`] | `A-Z a-z 0-9 - _ . ~` | AWS query, Huawei, Baidu `normalize`, CTyun values |
//! | [`percent_encode_path`] | the above and `/` | AWS path, Huawei URI, BOS paths |

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

/// Every byte but RFC 3986's unreserved ones is escaped.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Unreserved bytes and `/` are kept.
const UNRESERVED_SLASH: &AsciiSet = &UNRESERVED.remove(b'/');

/// `quote(x, safe='-_.~')`: every byte but `A-Z a-z 0-9 - _ . ~` written `%XX`.
pub fn percent_encode(input: &[u8]) -> String {
    percent_encoding::percent_encode(input, UNRESERVED).to_string()
}

/// Appends [`percent_encode`]`(input)` to `out` (no intermediate string).
pub fn push_percent_encoded(input: &[u8], out: &mut String) {
    out.extend(percent_encoding::percent_encode(input, UNRESERVED));
}

/// `quote(x, safe='/-_.~')`: as [`percent_encode`], keeping `/`.
pub fn percent_encode_path(input: &[u8]) -> String {
    percent_encoding::percent_encode(input, UNRESERVED_SLASH).to_string()
}

/// Decodes `%XX` escapes (either hex case) into bytes, as Python's `unquote_to_bytes`: a `%`
/// not followed by two hex digits stays literal, and `+` stays `+`.
pub fn percent_decode(input: &[u8]) -> Cow<'_, [u8]> {
    percent_encoding::percent_decode(input).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_every_byte_as_python_quote_does() {
        for b in 0..=255u8 {
            let kept = b.is_ascii_alphanumeric() || b"-_.~".contains(&b);
            let want = if kept {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            };
            assert_eq!(percent_encode(&[b]), want, "byte {b:#x}");
            let path_want = if b == b'/' { "/".to_owned() } else { want };
            assert_eq!(percent_encode_path(&[b]), path_want, "byte {b:#x}");
        }
        assert_eq!(percent_encode("a b/ሴ".as_bytes()), "a%20b%2F%E1%88%B4");
    }

    #[test]
    fn decodes_as_python_unquote() {
        assert_eq!(percent_decode(b"a%2Fb%zz%4").as_ref(), b"a/b%zz%4");
        assert_eq!(percent_decode(b"a+b").as_ref(), b"a+b");
    }
}

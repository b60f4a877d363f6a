//! Percent-encoding as the clouds' SDKs write it (upper-case hex), and decoding.
//!
//! | function | keeps | used by |
//! |---|---|---|
//! | [`percent_encode`] | `A-Z a-z 0-9 - _ . ~` | AWS query, Huawei, Baidu `normalize`, CTyun values |
//! | [`percent_encode_path`] | the above and `/` | AWS path, Huawei URI, BOS paths |

use std::borrow::Cow;

/// `quote(x, safe='-_.~')`: every byte but `A-Z a-z 0-9 - _ . ~` written `%XX`.
pub fn percent_encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len() + 8);
    encode_into(input, false, &mut out);
    out
}

/// Appends [`percent_encode`]`(input)` to `out` (no intermediate string).
pub fn push_percent_encoded(input: &[u8], out: &mut String) {
    encode_into(input, false, out);
}

/// `quote(x, safe='/-_.~')`: as [`percent_encode`], keeping `/`.
pub fn percent_encode_path(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len() + 8);
    encode_into(input, true, &mut out);
    out
}

/// A plain byte loop into the string's own buffer, checked as UTF-8 once at the end: values
/// are short, and per-piece `&str` pushes cost more than the bytes.
fn encode_into(input: &[u8], keep_slash: bool, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut bytes = std::mem::take(out).into_bytes();
    bytes.reserve(input.len());
    for &b in input {
        let kept = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/');
        match kept {
            true => bytes.push(b),
            false => {
                bytes.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
            }
        }
    }
    // The string was UTF-8 and only ASCII was added: the lossy branch never runs.
    *out = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
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

//! Percent-encoding sets the five clouds use, and a decoder.
//!
//! Every SDK escapes with upper-case hex. The sets differ only in what they keep:
//!
//! | set | keeps | used by |
//! |---|---|---|
//! | [`UNRESERVED`] | `A-Z a-z 0-9 - _ . ~` | AWS query (`quote(x, safe='-_.~')`), Huawei (`quote(x, safe='~')`), Baidu `normalize`, CTyun values |
//! | [`UNRESERVED_SLASH`] | the above and `/` | AWS path (`quote(path, safe='/~')`), Huawei URI, Baidu BOS paths |
//! | [`FORM`] | like [`UNRESERVED`], space written `+` | Tencent GET (`quote_plus`) |

use std::borrow::Cow;

use super::scan::all_bytes;
use super::sink::Sink;

/// A set of bytes written as themselves; every other byte becomes `%XX`.
#[derive(Clone, Copy)]
pub struct EncodeSet {
    keep: [bool; 256],
    /// The one byte kept beyond the unreserved ones (`-`, itself unreserved, when none):
    /// lets [`EncodeSet::is_encoded_form_of`] test long input by ranges, which compilers
    /// vectorise, instead of looking each byte up in `keep`.
    extra: u8,
    space_as_plus: bool,
    /// Each byte's encoded form (up to three bytes) and, last, its length: encoding is then a
    /// table copy per byte with no branch on the byte.
    forms: [[u8; 4]; 256],
}

impl std::fmt::Debug for EncodeSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept: String = (0u8..=255)
            .filter(|b| self.keep[*b as usize] && !b.is_ascii_alphanumeric())
            .map(char::from)
            .collect();
        f.debug_struct("EncodeSet")
            .field("alphanumerics_and", &kept)
            .field("space_as_plus", &self.space_as_plus)
            .finish()
    }
}

const fn unreserved_plus(extra: u8, space_as_plus: bool) -> EncodeSet {
    let mut keep = [false; 256];
    let mut b = 0usize;
    while b < 256 {
        let c = b as u8;
        keep[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~');
        b += 1;
    }
    if extra != 0 {
        keep[extra as usize] = true;
    }
    let mut forms = [[0u8; 4]; 256];
    let mut b = 0usize;
    while b < 256 {
        let c = b as u8;
        forms[b] = if keep[b] {
            [c, 0, 0, 1]
        } else if c == b' ' && space_as_plus {
            [b'+', 0, 0, 1]
        } else {
            let e = escape(c);
            [e[0], e[1], e[2], 3]
        };
        b += 1;
    }
    EncodeSet {
        keep,
        extra: if extra == 0 { b'-' } else { extra },
        space_as_plus,
        forms,
    }
}

/// RFC 3986 unreserved, or `extra`, by comparisons alone (no table), so a loop over a slice
/// runs many bytes per instruction.
#[inline]
fn is_unreserved_or(b: u8, extra: u8) -> bool {
    // `| 0x20` folds `A-Z` onto `a-z` and maps no other byte into `a-z`.
    ((b | 0x20).wrapping_sub(b'a') < 26)
        | (b.wrapping_sub(b'0') < 10)
        | (b == b'-')
        | (b == b'.')
        | (b == b'_')
        | (b == b'~')
        | (b == extra)
}

/// RFC 3986 unreserved characters only: `A-Z a-z 0-9 - _ . ~`.
pub static UNRESERVED: EncodeSet = unreserved_plus(0, false);

/// Unreserved characters and `/`, for paths.
pub static UNRESERVED_SLASH: EncodeSet = unreserved_plus(b'/', false);

/// `application/x-www-form-urlencoded` as Python's `quote_plus`: unreserved kept, space → `+`.
pub static FORM: EncodeSet = unreserved_plus(0, true);

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

#[inline]
const fn escape(b: u8) -> [u8; 3] {
    [
        b'%',
        HEX_UPPER[(b >> 4) as usize],
        HEX_UPPER[(b & 15) as usize],
    ]
}

impl EncodeSet {
    /// Whether `byte` is written as itself.
    #[inline]
    pub fn keeps(&self, byte: u8) -> bool {
        self.keep[byte as usize]
    }

    /// Writes `input`, percent-encoded, to `out`.
    pub fn encode_into(&self, input: &[u8], out: &mut impl Sink) {
        // Names, numbers and most values need no escape: one vectorised check, one copy.
        if self.is_encoded_form_of(input) {
            out.put(input);
            return;
        }
        // Else a chunk at a time through a stack buffer: every byte copies its three-byte
        // form and advances by its length, so mixed input costs no mispredicted branches.
        const CHUNK: usize = 32;
        let mut buf = [0u8; 3 * CHUNK + 1];
        for chunk in input.chunks(CHUNK) {
            let mut len = 0;
            for &b in chunk {
                // All four bytes in one store: the fourth (the length) is overwritten by the
                // next form or falls past `len`; the buffer has room for it after the last.
                let form = self.forms[usize::from(b)];
                buf[len..len + 4].copy_from_slice(&form);
                len += usize::from(form[3]);
            }
            out.put(&buf[..len]);
        }
    }

    /// `input`, percent-encoded, as a new string.
    pub fn encode(&self, input: &[u8]) -> String {
        let mut out = String::with_capacity(input.len());
        for &b in input {
            if self.keep[b as usize] {
                out.push(char::from(b));
            } else if b == b' ' && self.space_as_plus {
                out.push('+');
            } else {
                escape(b).iter().for_each(|&e| out.push(char::from(e)));
            }
        }
        out
    }

    /// Whether encoding `input` would leave it unchanged.
    #[inline(always)]
    pub fn is_encoded_form_of(&self, input: &[u8]) -> bool {
        // Comparisons over whole blocks; a table look-up per byte after them.
        all_bytes(
            input,
            |b| is_unreserved_or(b, self.extra),
            |b| self.keep[usize::from(b)],
        )
    }
}

/// Decodes `%XX` escapes (either hex case) into bytes, as Python's `unquote_to_bytes`: a `%`
/// not followed by two hex digits stays literal, and `+` stays `+`.
pub fn percent_decode(input: &[u8]) -> Cow<'_, [u8]> {
    if !input.contains(&b'%') {
        // The common case, found with a fast byte search.
        return Cow::Borrowed(input);
    }
    percent_encoding::percent_decode(input).into()
}

/// Decodes `%XX` escapes and reads the bytes as UTF-8, replacing invalid sequences with
/// U+FFFD — exactly what Python's `urllib.parse.unquote` returns.
pub fn percent_decode_lossy(input: &str) -> Cow<'_, str> {
    match percent_decode(input.as_bytes()) {
        Cow::Borrowed(_) => Cow::Borrowed(input),
        Cow::Owned(bytes) => match String::from_utf8(bytes) {
            Ok(s) => Cow::Owned(s),
            Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_check_agrees_with_the_table_on_every_byte() {
        for set in [&UNRESERVED, &UNRESERVED_SLASH, &FORM] {
            for b in 0..=255u8 {
                assert_eq!(
                    set.is_encoded_form_of(&[b]),
                    set.keeps(b),
                    "{b:#04x} {set:?}"
                );
                // Past a vector's width, where the loop runs many bytes at once, at every
                // place in the vector and in the bytes after it.
                for at in [0, 15, 16, 31, 47, 66] {
                    let mut long = [b'a'; 67];
                    long[at] = b;
                    assert_eq!(set.is_encoded_form_of(&long), set.keeps(b), "{b:#04x}");
                }
            }
        }
        assert!(!UNRESERVED.keeps(b'/') && UNRESERVED_SLASH.keeps(b'/'));
    }

    #[test]
    fn unreserved_escapes_everything_else_in_upper_case() {
        assert_eq!(
            UNRESERVED.encode("a b/~*+=%ሴ-_.".as_bytes()),
            "a%20b%2F~%2A%2B%3D%25%E1%88%B4-_."
        );
    }

    #[test]
    fn slash_set_keeps_slash_like_python_quote_safe_slash_tilde() {
        // quote('a b/~*+=%ሴ', safe='/~') == 'a%20b/~%2A%2B%3D%25%E1%88%B4'
        assert_eq!(
            UNRESERVED_SLASH.encode("a b/~*+=%ሴ".as_bytes()),
            "a%20b/~%2A%2B%3D%25%E1%88%B4"
        );
    }

    #[test]
    fn form_writes_space_as_plus_like_quote_plus() {
        // quote_plus('a b/~*') == 'a+b%2F~%2A'
        assert_eq!(FORM.encode(b"a b/~*"), "a+b%2F~%2A");
    }

    #[test]
    fn decode_keeps_broken_escapes_and_plus() {
        assert_eq!(&*percent_decode(b"%41%4a%zz%4+"), b"AJ%zz%4+");
        assert!(matches!(percent_decode(b"plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn lossy_decode_matches_python_unquote_replacement() {
        // unquote('%E1%88%B4%FF%E1a%2F') == 'ሴ\ufffd\ufffda/'
        assert_eq!(
            percent_decode_lossy("%E1%88%B4%FF%E1a%2F"),
            "ሴ\u{FFFD}\u{FFFD}a/"
        );
    }

    #[test]
    fn run_encoding_matches_the_string_form() {
        let input = "a b/~*ሴ".as_bytes();
        for set in [&UNRESERVED, &UNRESERVED_SLASH, &FORM] {
            let mut runs = Vec::new();
            set.encode_into(input, &mut runs);
            assert_eq!(runs, set.encode(input).into_bytes());
        }
    }

    #[test]
    fn streamed_encoding_matches_the_string_form_for_every_byte_anywhere() {
        for set in [&UNRESERVED, &UNRESERVED_SLASH, &FORM] {
            for byte in 0..=255u8 {
                // The byte first, inside a run that needs no escape, and past a 32-byte chunk.
                for (before, after) in [(0, 0), (3, 2), (40, 5), (0, 70)] {
                    let mut input = vec![b'k'; before];
                    input.push(byte);
                    input.extend(std::iter::repeat_n(b'%', after));
                    let mut streamed = Vec::new();
                    set.encode_into(&input, &mut streamed);
                    assert_eq!(
                        streamed,
                        set.encode(&input).into_bytes(),
                        "{set:?} {input:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn encoded_form_check() {
        assert!(UNRESERVED.is_encoded_form_of(b"abc-_.~"));
        assert!(!UNRESERVED.is_encoded_form_of(b"a/b"));
    }
}

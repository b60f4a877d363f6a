//! Header-value whitespace rules, as each SDK's Python applies them.
//!
//! Values arrive as bytes. Valid UTF-8 is read as text, so Python's Unicode whitespace
//! (U+00A0, U+3000, …) counts; anything else is handled byte by byte with the ASCII part of
//! the same set, so invalid UTF-8 never panics and is signed faithfully.

use super::sink::Sink;

/// Whether `c` is whitespace to Python's `str.split()` / `str.strip()` (`str.isspace`): Rust's
/// White_Space property plus the separators U+001C–U+001F.
#[inline]
pub fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

#[inline]
fn is_python_ascii_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f | b' ')
}

#[inline]
fn is_graphic_ascii(b: u8) -> bool {
    b.wrapping_sub(0x21) < 0x5e
}

/// Python `bytes.isspace` bytes: `' \t\n\r\x0b\x0c'`.
#[inline]
fn is_bytes_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// Writes `' '.join(value.split())` to `out`: trims and collapses every whitespace run
/// (AWS SigV4, botocore).
pub fn collapse_whitespace_into(value: &[u8], out: &mut impl Sink) {
    if is_already_collapsed(value) {
        out.put(value);
        return;
    }
    let text = if value.is_ascii() {
        None
    } else {
        std::str::from_utf8(value).ok()
    };
    let mut first = true;
    let mut emit = |word: &[u8]| {
        if !first {
            out.put_byte(b' ');
        }
        out.put(word);
        first = false;
    };
    match text {
        Some(text) => text
            .split(is_python_space)
            .filter(|w| !w.is_empty())
            .for_each(|w| emit(w.as_bytes())),
        None => value
            .split(|b| is_python_ascii_space(*b))
            .filter(|w| !w.is_empty())
            .for_each(emit),
    }
}

/// Whether `value` is ASCII with no whitespace but single inner spaces: the usual header
/// value, which collapsing leaves as it is. Eight bytes at a time in a register.
fn is_already_collapsed(value: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let (Some(&first), Some(&last)) = (value.first(), value.last()) else {
        return true;
    };
    if first == b' ' || last == b' ' {
        return false;
    }
    let mut previous_space = false;
    let mut words = value.chunks_exact(8);
    for word in &mut words {
        let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
        // A byte below 0x20 or from 0x7f up (exact as an existence test: a borrow or carry
        // only starts at a byte that is itself out of range).
        let below = w.wrapping_sub(0x20 * ONES) & !w & HIGH;
        let above = (w.wrapping_add(ONES) | w) & HIGH;
        if below | above != 0 {
            return false;
        }
        // The high bit of exactly each space byte; two in a row (across words too) fail.
        let z = w ^ (0x20 * ONES);
        let spaces = !(((z & !HIGH) + !HIGH) | z | !HIGH);
        if spaces & ((spaces << 8) | (u64::from(previous_space) << 7)) != 0 {
            return false;
        }
        previous_space = spaces >> 63 != 0;
    }
    for &b in words.remainder() {
        let space = b == b' ';
        if !(b' '..0x7f).contains(&b) || (space && previous_space) {
            return false;
        }
        previous_space = space;
    }
    true
}

/// `value.strip()` on text: Unicode whitespace at both ends (Huawei).
pub fn strip_unicode(value: &[u8]) -> &[u8] {
    if let (Some(&first), Some(&last)) = (value.first(), value.last()) {
        if is_graphic_ascii(first) && is_graphic_ascii(last) {
            // Neither end is whitespace in any reading: the usual value, returned as is.
            return value;
        }
    }
    if value.is_ascii() {
        return trim_bytes(value, is_python_ascii_space);
    }
    match std::str::from_utf8(value) {
        Ok(text) => text.trim_matches(is_python_space).as_bytes(),
        Err(_) => trim_bytes(value, is_python_ascii_space),
    }
}

/// `value.strip()` on bytes: ASCII whitespace at both ends (Baidu).
pub fn strip_ascii(value: &[u8]) -> &[u8] {
    trim_bytes(value, is_bytes_space)
}

fn trim_bytes(value: &[u8], space: impl Fn(u8) -> bool) -> &[u8] {
    let start = value.iter().position(|b| !space(*b)).unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !space(*b))
        .map_or(start, |i| i + 1);
    &value[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collapse(v: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        collapse_whitespace_into(v, &mut out);
        out
    }

    #[test]
    fn collapse_matches_python_split_join() {
        assert_eq!(collapse(b"  a   b \t c  "), b"a b c");
        assert_eq!(
            collapse(b"value1\n  value2\n     value3"),
            b"value1 value2 value3"
        );
        assert_eq!(collapse(b" \"a   b   c\""), b"\"a b c\"");
        assert_eq!(collapse(b"   "), b"");
        // U+00A0 and U+3000 are whitespace to Python; U+200B is not.
        assert_eq!(collapse("a\u{a0}\u{a0}b\u{3000}c".as_bytes()), b"a b c");
        assert_eq!(collapse("a\u{200b}b".as_bytes()), "a\u{200b}b".as_bytes());
        assert_eq!(collapse(b"a\x1fb"), b"a b");
    }

    /// The byte-at-a-time rule the word-at-a-time check must equal.
    fn collapsed_bytewise(value: &[u8]) -> bool {
        let mut previous_space = true;
        let mut ok = true;
        for &b in value {
            let space = b == b' ';
            ok &= (b' '..0x7f).contains(&b) && !(space && previous_space);
            previous_space = space;
        }
        ok && (!previous_space || value.is_empty())
    }

    #[test]
    fn the_word_check_equals_the_byte_rule() {
        // Every short value over an alphabet of the bytes that matter, at lengths that
        // straddle a word, plus each byte value alone at every position of 17 bytes.
        let alphabet = [b'a', b' ', b'\t', 0x1f, 0x7e, 0x7f, 0x80, 0xff];
        for len in 0..=5usize {
            for n in 0..alphabet.len().pow(len as u32) {
                let mut rest = n;
                let v: Vec<u8> = (0..len)
                    .map(|_| {
                        let b = alphabet[rest % alphabet.len()];
                        rest /= alphabet.len();
                        b
                    })
                    .collect();
                for pad in [0usize, 3, 7, 8, 13] {
                    let mut padded = vec![b'x'; pad];
                    padded.extend_from_slice(&v);
                    padded.extend(std::iter::repeat_n(b'y', pad % 5));
                    assert_eq!(
                        is_already_collapsed(&padded),
                        collapsed_bytewise(&padded),
                        "{padded:?}"
                    );
                }
            }
        }
        for at in 0..17 {
            for b in 0..=255u8 {
                let mut v = vec![b'k'; 17];
                v[at] = b;
                assert_eq!(is_already_collapsed(&v), collapsed_bytewise(&v), "{v:?}");
                if at > 0 {
                    v[at - 1] = b' ';
                    assert_eq!(is_already_collapsed(&v), collapsed_bytewise(&v), "{v:?}");
                }
            }
        }
    }

    #[test]
    fn the_fast_path_only_takes_values_collapsing_leaves_alone() {
        for v in [
            &b""[..],
            b"a",
            b"a b",
            b"application/json; charset=utf-8",
            b"~!",
        ] {
            assert!(is_already_collapsed(v), "{v:?}");
        }
        for v in [
            &b" "[..],
            b" a",
            b"a ",
            b"a  b",
            b"a\tb",
            b"a\x7fb",
            "é".as_bytes(),
        ] {
            assert!(!is_already_collapsed(v), "{v:?}");
        }
    }

    #[test]
    fn collapse_keeps_invalid_utf8_bytes() {
        assert_eq!(collapse(b" \xff\xa0 x "), b"\xff\xa0 x");
    }

    #[test]
    fn strips() {
        assert_eq!(strip_unicode("\u{a0} a b \u{3000}".as_bytes()), b"a b");
        assert_eq!(strip_unicode(b"\t x \x0b"), b"x");
        assert_eq!(strip_unicode(b"   "), b"");
        assert_eq!(strip_ascii(b" \x1cx\xa0 "), b"\x1cx\xa0");
        assert_eq!(strip_ascii(b""), b"");
    }
}

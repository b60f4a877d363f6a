//! Canonical query strings, one builder per sort rule.
//!
//! | builder | rule | cloud |
//! |---|---|---|
//! | [`sorted_as_sent`] | pairs as on the URL, sorted by (key, value) | AWS |
//! | [`sorted_decoded_then_encoded`] | decoded pairs sorted by (key, value), then `%XX`-encoded | Huawei |
//! | [`encoded_then_sorted_as_strings`] | whole `k=v` strings encoded, then sorted bytewise | Baidu |
//! | [`sorted_by_key_raw_key_encoded_value`] | stable sort by decoded key; key raw, value encoded | CTyun |
//!
//! Tencent signs its GET query exactly as sent and needs no builder.

use std::borrow::Cow;

use super::encode::{percent_decode, UNRESERVED};
use super::sink::Sink;
use super::stack::{StackBuf, StackVec};

/// A decoded query parameter: key and value bytes.
pub type QueryPair<'a> = (Cow<'a, [u8]>, Cow<'a, [u8]>);

/// The `&`-separated pieces of a raw query, empty ones included (none for an empty query).
fn pieces(query: &str) -> impl Iterator<Item = &str> {
    // A plain byte walk: queries are short, and `str::split`'s searcher costs more per piece
    // than the bytes it looks at.
    let mut rest = (!query.is_empty()).then_some(query);
    std::iter::from_fn(move || {
        let current = rest?;
        Some(match current.bytes().position(|b| b == b'&') {
            Some(at) => {
                rest = Some(&current[at + 1..]);
                &current[..at]
            }
            None => {
                rest = None;
                current
            }
        })
    })
}

/// A piece split at its first `=` (no `=` → empty value).
fn key_value(piece: &str) -> (&str, &str) {
    match piece.bytes().position(|b| b == b'=') {
        Some(at) => (&piece[..at], &piece[at + 1..]),
        None => (piece, ""),
    }
}

/// Splits a raw query on `&` and each piece at its first `=` (no `=` → empty value), keeping
/// empty pieces, exactly as botocore does with the query on the URL.
pub fn split_raw(query: &str) -> impl Iterator<Item = (&str, &str)> {
    pieces(query).map(key_value)
}

/// AWS: the pairs as sent, sorted by (key, value) — byte order, which is code-point order for
/// the encoded ASCII botocore puts on the URL — and joined as `k=v&…` without re-encoding.
pub fn sorted_as_sent(query: &str, out: &mut impl Sink) {
    // No parameters (every query-protocol POST): no list to build and move.
    if query.is_empty() {
        return;
    }
    let mut pairs: StackVec<(&str, &str), 16> = split_raw(query).collect();
    pairs.sort_unstable();
    for (n, (k, v)) in pairs.iter().enumerate() {
        if n > 0 {
            out.put_byte(b'&');
        }
        out.put(k.as_bytes());
        out.put_byte(b'=');
        out.put(v.as_bytes());
    }
}

/// Decoded query parameters, kept on the stack for the usual short query.
pub type QueryPairs<'a> = StackVec<QueryPair<'a>, 8>;

/// The parameters of a raw query, `%XX`-decoded (a `+` stays `+`). Empty pieces (`a&&b`) are
/// skipped: the SDKs that use this build their queries from parameter maps, which never
/// produce one (a lone `=` is a parameter with an empty name and value, and is kept).
pub fn decoded_pairs(query: &str) -> QueryPairs<'_> {
    pieces(query)
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (k, v) = key_value(piece);
            (percent_decode(k.as_bytes()), percent_decode(v.as_bytes()))
        })
        .collect()
}

/// Huawei: sorts the decoded pairs by (key, value) — Python tuple order on the raw strings —
/// then writes `quote(k, safe='~')=quote(v, safe='~')` joined with `&`.
pub fn sorted_decoded_then_encoded(pairs: &mut [QueryPair<'_>], out: &mut impl Sink) {
    pairs.sort_unstable();
    for (n, (k, v)) in pairs.iter().enumerate() {
        if n > 0 {
            out.put_byte(b'&');
        }
        UNRESERVED.encode_into(k, out);
        out.put_byte(b'=');
        UNRESERVED.encode_into(v, out);
    }
}

/// One `k=v` piece of a query that [`already_canonical`] has checked: its text and where
/// its only `=` is.
#[derive(Clone, Copy)]
struct Piece<'a> {
    text: &'a [u8],
    equals: usize,
}

impl<'a> Piece<'a> {
    fn key(&self) -> &'a [u8] {
        &self.text[..self.equals]
    }

    fn value(&self) -> &'a [u8] {
        &self.text[self.equals + 1..]
    }
}

/// Byte order, compared in line: keys and values are a few bytes, less than a call to
/// `memcmp` costs.
#[inline]
fn bytes_cmp(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.iter().cmp(b.iter())
}

/// Whether `query` is already written the way a builder that decodes, encodes with
/// [`UNRESERVED`] and sorts would write it: every piece `k=v` with exactly one `=`, every
/// other byte one that `UNRESERVED` keeps (so decoding and encoding change nothing), and
/// each piece in order after the one before (`in_order(previous, next)`). One walk over the
/// bytes finds the pieces and their `=` and checks the bytes.
fn already_canonical(query: &str, in_order: impl Fn(Piece<'_>, Piece<'_>) -> bool) -> bool {
    const NONE: usize = usize::MAX;
    let bytes = query.as_bytes();
    if bytes.is_empty() {
        return true;
    }
    let mut previous: Option<Piece<'_>> = None;
    // Closes the piece that ends at `end`: it must have its `=` and sort after the last.
    let mut close = |start: usize, end: usize, equals: usize| {
        if equals == NONE {
            return false;
        }
        let piece = Piece {
            text: &bytes[start..end],
            equals,
        };
        let ordered = previous.is_none_or(|p| in_order(p, piece));
        previous = Some(piece);
        ordered
    };
    let (mut start, mut equals) = (0, NONE);
    for (at, &b) in bytes.iter().enumerate() {
        if UNRESERVED.keeps(b) {
            continue;
        }
        match b {
            b'=' if equals == NONE => equals = at - start,
            b'&' => {
                if !close(start, at, equals) {
                    return false;
                }
                (start, equals) = (at + 1, NONE);
            }
            // A second `=`, or a byte that encoding would change.
            _ => return false,
        }
    }
    close(start, bytes.len(), equals)
}

/// Huawei's canonical query from the raw one: [`sorted_decoded_then_encoded`] of its
/// [`decoded_pairs`]. A query that is already in that form (the usual `limit=100&offset=1`)
/// is written as it is, with no list built.
pub fn sorted_decoded_then_encoded_raw(query: &str, out: &mut impl Sink) {
    // (key, value) order, as the slow path sorts the decoded tuples.
    let by_pair = |a: Piece<'_>, b: Piece<'_>| {
        bytes_cmp(a.key(), b.key())
            .then_with(|| bytes_cmp(a.value(), b.value()))
            .is_le()
    };
    if already_canonical(query, by_pair) {
        out.put(query.as_bytes());
    } else {
        sorted_decoded_then_encoded(&mut decoded_pairs(query), out);
    }
}

/// Baidu's canonical query from the raw one: [`encoded_then_sorted_as_strings`] of its
/// [`decoded_pairs`], written as it is when already in that form.
pub fn encoded_then_sorted_as_strings_raw(query: &str, out: &mut impl Sink) {
    let by_string = |a: Piece<'_>, b: Piece<'_>| bytes_cmp(a.text, b.text).is_le();
    if already_canonical(query, by_string) {
        out.put(query.as_bytes());
    } else {
        encoded_then_sorted_as_strings(&decoded_pairs(query), out);
    }
}

/// Baidu: writes each pair as `normalize(k)=normalize(v)` and sorts those whole strings
/// bytewise (so `a-b=` < `a.b=` < `a1=` < `a=` < `a_b=`), joined with `&`.
pub fn encoded_then_sorted_as_strings(pairs: &[QueryPair<'_>], out: &mut impl Sink) {
    // Each string is encoded once into a scratch buffer, then the strings sorted as bytes.
    let mut scratch: StackBuf<256> = StackBuf::new();
    let mut spans: StackVec<(usize, usize), 8> = StackVec::new();
    for (k, v) in pairs {
        let start = scratch.len();
        UNRESERVED.encode_into(k, &mut scratch);
        scratch.put_byte(b'=');
        UNRESERVED.encode_into(v, &mut scratch);
        spans.push((start, scratch.len()));
    }
    let text = scratch.as_slice();
    spans.sort_unstable_by(|a, b| text[a.0..a.1].cmp(&text[b.0..b.1]));
    for (n, (start, end)) in spans.iter().enumerate() {
        if n > 0 {
            out.put_byte(b'&');
        }
        out.put(&text[*start..*end]);
    }
}

/// CTyun: a stable sort by decoded key, then `key=quote(value, safe='')` with the key written
/// raw (not encoded), joined with `&`.
pub fn sorted_by_key_raw_key_encoded_value(pairs: &mut [QueryPair<'_>], out: &mut impl Sink) {
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    for (n, (k, v)) in pairs.iter().enumerate() {
        if n > 0 {
            out.put_byte(b'&');
        }
        out.put(k);
        out.put_byte(b'=');
        UNRESERVED.encode_into(v, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_entry_points_equal_the_decode_sort_encode_paths() {
        // Every query up to five bytes over an alphabet that hits each rule: separators,
        // escapes, a plus, prefixes that sort differently as pairs and as strings.
        let alphabet = b"ab=&%2+-_";
        let mut checked = 0;
        for len in 0..=5u32 {
            for n in 0..alphabet.len().pow(len) {
                let mut rest = n;
                let query: String = (0..len)
                    .map(|_| {
                        let c = char::from(alphabet[rest % alphabet.len()]);
                        rest /= alphabet.len();
                        c
                    })
                    .collect();
                let (mut fast, mut slow) = (Vec::new(), Vec::new());
                sorted_decoded_then_encoded_raw(&query, &mut fast);
                sorted_decoded_then_encoded(&mut decoded_pairs(&query), &mut slow);
                assert_eq!(fast, slow, "huawei {query:?}");
                let (mut fast, mut slow) = (Vec::new(), Vec::new());
                encoded_then_sorted_as_strings_raw(&query, &mut fast);
                encoded_then_sorted_as_strings(&decoded_pairs(&query), &mut slow);
                assert_eq!(fast, slow, "baidu {query:?}");
                checked += 1;
            }
        }
        assert!(checked > 60_000);
        // The usual queries take the fast path; order decides between the two rules.
        let by_text = |a: Piece<'_>, b: Piece<'_>| a.text <= b.text;
        assert!(already_canonical("limit=100&offset=1", by_text));
        assert!(!already_canonical("offset=1&limit=100", by_text));
        assert!(!already_canonical("a=%20", by_text));
        for not_pairs in ["a", "a=1=2", "a=1&", "&a=1", "a=1&&b=2", "b=1&a=1"] {
            assert!(!already_canonical(not_pairs, by_text), "{not_pairs:?}");
        }
        assert!(["", "=", "=&=", "a=&a=1"]
            .iter()
            .all(|q| already_canonical(q, by_text)));
    }

    fn run(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    fn pairs<'a>(list: &[(&'a str, &'a str)]) -> Vec<QueryPair<'a>> {
        list.iter()
            .map(|(k, v)| (Cow::Borrowed(k.as_bytes()), Cow::Borrowed(v.as_bytes())))
            .collect()
    }

    #[test]
    fn split_keeps_empty_pieces_and_missing_values() {
        let got: Vec<_> = split_raw("a=1&&b&c=x=y").collect();
        assert_eq!(got, [("a", "1"), ("", ""), ("b", ""), ("c", "x=y")]);
        assert_eq!(split_raw("").count(), 0);
    }

    #[test]
    fn aws_sorts_pairs_not_strings_and_keeps_encoding() {
        // ("a", …) < ("a-b", …) as tuples although "a-b=" < "a=" as strings.
        assert_eq!(
            run(|o| sorted_as_sent("a-b=2&a=1&%E1%88%B4=x&A=~&a=0", o)),
            "%E1%88%B4=x&A=~&a=0&a=1&a-b=2"
        );
    }

    #[test]
    fn huawei_sorts_decoded_strings_then_encodes() {
        // Decoded, "~tilde" (0x7E) sorts before "ümlaut" (0xC3…); encoded, "%C3" < "~".
        let mut p = decoded_pairs("%C3%BCmlaut=1&~tilde=2&b=a%2Fb&b=a%20b");
        assert_eq!(
            run(|o| sorted_decoded_then_encoded(&mut p, o)),
            "b=a%20b&b=a%2Fb&~tilde=2&%C3%BCmlaut=1"
        );
    }

    #[test]
    fn decoded_pairs_skip_empty_pieces_but_keep_a_lone_equals() {
        let p = decoded_pairs("&=&a&b=%20+&");
        let got: Vec<(&[u8], &[u8])> = p.iter().map(|(k, v)| (&k[..], &v[..])).collect();
        assert_eq!(got, [(&b""[..], &b""[..]), (b"a", b""), (b"b", b" +")]);
    }

    #[test]
    fn baidu_sorts_whole_encoded_strings() {
        let p = pairs(&[
            ("a", "1"),
            ("a_b", "1"),
            ("a1", "1"),
            ("a.b", "1"),
            ("a-b", "1"),
        ]);
        assert_eq!(
            run(|o| encoded_then_sorted_as_strings(&p, o)),
            "a-b=1&a.b=1&a1=1&a=1&a_b=1"
        );
        let p = pairs(&[("text", ""), ("text1", "测试"), ("text10", "test")]);
        assert_eq!(
            run(|o| encoded_then_sorted_as_strings(&p, o)),
            "text10=test&text1=%E6%B5%8B%E8%AF%95&text="
        );
    }

    #[test]
    fn ctyun_keeps_keys_raw_and_encodes_values() {
        let mut p = pairs(&[("b k", "x=y&z"), ("a", "1/2"), ("b k", "0")]);
        assert_eq!(
            run(|o| sorted_by_key_raw_key_encoded_value(&mut p, o)),
            "a=1%2F2&b k=x%3Dy%26z&b k=0"
        );
    }
}

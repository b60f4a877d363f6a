//! The canonical forms the clouds sign: URI paths, query strings and header blocks, each rule
//! named after what it does, with the cloud that uses it in its doc.

use std::borrow::Cow;

use super::encode::percent_decode;

/// A decoded query parameter: key and value bytes.
pub type QueryPair<'a> = (Cow<'a, [u8]>, Cow<'a, [u8]>);

/// The pairs of a raw query, `%XX`-decoded (`+` stays `+`); empty pieces are skipped (a lone
/// `=` is a pair of empty strings), as the SDKs that decode build queries from parameter
/// maps, which never make one.
pub fn decoded_query_pairs(query: &str) -> Vec<QueryPair<'_>> {
    query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| piece.split_once('=').unwrap_or((piece, "")))
        .map(|(k, v)| (percent_decode(k.as_bytes()), percent_decode(v.as_bytes())))
        .collect()
}

/// Whether `c` is whitespace to Python's `str.split()` / `str.strip()`: Rust's White_Space
/// property plus the separators U+001C–U+001F.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `bytes.isspace` bytes plus U+001C–U+001F: the ASCII part of `str.isspace`.
fn is_python_ascii_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f | b' ')
}

/// `' '.join(value.split())`: trims and collapses every whitespace run, Unicode spaces
/// included when the value is UTF-8 (AWS, botocore). Other bytes are split on ASCII space.
fn collapse_whitespace(value: &[u8]) -> Cow<'_, [u8]> {
    // The usual value, printable ASCII with single inner spaces, is already collapsed.
    let mut previous = b' ';
    let collapsed = value.iter().all(|&b| {
        let ok = b.is_ascii_graphic() || (b == b' ' && previous != b' ');
        previous = b;
        ok
    });
    if collapsed && previous != b' ' {
        return Cow::Borrowed(value);
    }
    Cow::Owned(collapse_runs(value))
}

fn collapse_runs(value: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(value) {
        Ok(text) => text
            .split(is_python_space)
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .into_bytes(),
        Err(_) => value
            .split(|b| is_python_ascii_space(*b))
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(&b' '),
    }
}

/// `value.strip()` on text: Unicode whitespace at both ends (Huawei); bytes that are not
/// UTF-8 are trimmed of ASCII whitespace.
pub fn strip_unicode(value: &[u8]) -> &[u8] {
    // The usual value: neither end is whitespace in any reading.
    let graphic = |b: Option<&u8>| b.is_some_and(u8::is_ascii_graphic);
    if graphic(value.first()) && graphic(value.last()) {
        return value;
    }
    match std::str::from_utf8(value) {
        Ok(text) => text.trim_matches(is_python_space).as_bytes(),
        Err(_) => trim_bytes(value, is_python_ascii_space),
    }
}

fn trim_bytes(value: &[u8], space: impl Fn(u8) -> bool) -> &[u8] {
    let start = value.iter().position(|b| !space(*b)).unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !space(*b))
        .map_or(start, |i| i + 1);
    &value[start..end]
}

/// How a header value is written into a canonical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRule {
    /// `' '.join(value.split())`: trimmed, every whitespace run collapsed to one space (AWS).
    CollapseWhitespace,
    /// [`strip_unicode`] (Huawei).
    StripUnicode,
    /// Exactly as sent (Tencent's SDK signs `content-type` and `host` untouched).
    AsSent,
    /// [`strip_unicode`], then lower-cased: how Tencent's API documentation (and gateway)
    /// reads a received request's headers.
    StripLowercase,
}

impl ValueRule {
    fn apply<'v>(self, value: &'v [u8]) -> Cow<'v, [u8]> {
        match self {
            ValueRule::CollapseWhitespace => collapse_whitespace(value),
            ValueRule::StripUnicode => Cow::Borrowed(strip_unicode(value)),
            ValueRule::AsSent => Cow::Borrowed(value),
            ValueRule::StripLowercase => {
                let trimmed = strip_unicode(value);
                Cow::Owned(match std::str::from_utf8(trimmed) {
                    Ok(text) => text.to_lowercase().into_bytes(),
                    Err(_) => trimmed.to_ascii_lowercase(),
                })
            }
        }
    }
}

/// How several values of one header name are signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeats {
    /// One line per name, the values joined with `,` in arrival order; the name is listed
    /// once (AWS).
    JoinWithComma,
    /// One line per value and the name listed once per value, every line carrying the name's
    /// last value: what Huawei's SDK makes of keys that differ only in case, as it
    /// canonicalises through a dict keyed by the lower-case name.
    LinePerValueLastValue,
}

/// A canonical header block (`name:value\n` per line, sorted by name) and its `;`-joined
/// signed-header list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderBlock {
    /// The `name:value\n` lines.
    pub lines: Vec<u8>,
    /// The signed names joined with `;`.
    pub signed: String,
}

impl HeaderBlock {
    /// Sorts `entries` (lower-case name, value as sent) by name, stably, and writes them as
    /// `rule` and `repeats` say.
    pub fn new(mut entries: Vec<(&str, &[u8])>, rule: ValueRule, repeats: Repeats) -> Self {
        entries.sort_by(|a, b| a.0.cmp(b.0));
        let mut block = HeaderBlock {
            lines: Vec::with_capacity(256),
            signed: String::with_capacity(64),
        };
        for group in entries.chunk_by(|a, b| a.0 == b.0) {
            let name = group[0].0;
            match repeats {
                Repeats::JoinWithComma => {
                    block.line(name, |lines| {
                        for (n, (_, value)) in group.iter().enumerate() {
                            if n > 0 {
                                lines.push(b',');
                            }
                            lines.extend_from_slice(&rule.apply(value));
                        }
                    });
                }
                Repeats::LinePerValueLastValue => {
                    let last = rule.apply(group[group.len() - 1].1);
                    for _ in group {
                        block.line(name, |lines| lines.extend_from_slice(&last));
                    }
                }
            }
        }
        block
    }

    fn line(&mut self, name: &str, value: impl FnOnce(&mut Vec<u8>)) {
        if !self.signed.is_empty() {
            self.signed.push(';');
        }
        self.signed.push_str(name);
        self.lines.extend_from_slice(name.as_bytes());
        self.lines.push(b':');
        value(&mut self.lines);
        self.lines.push(b'\n');
    }
}

/// The V4 family's canonical request (AWS, Huawei, Tencent): the upper-cased method, the
/// canonical URI, query and header lines, an empty line's `\n`, the signed-header list and
/// the payload hash, joined with `\n`.
pub fn v4_canonical_request(
    method: &http::Method,
    uri: &str,
    query: &str,
    headers: &HeaderBlock,
    payload_hash: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        uri.len() + query.len() + headers.lines.len() + headers.signed.len() + 96,
    );
    out.extend(method.as_str().bytes().map(|b| b.to_ascii_uppercase()));
    for piece in [uri.as_bytes(), query.as_bytes(), &headers.lines] {
        out.push(b'\n');
        out.extend_from_slice(piece);
    }
    out.push(b'\n');
    out.extend_from_slice(headers.signed.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload_hash);
    out
}

/// The V4 family's string to sign: `ALGORITHM\nTIMESTAMP\n[SCOPE\n]hex(SHA256(canonical))`
/// (Huawei's has no scope).
pub fn v4_string_to_sign(
    algorithm: &str,
    timestamp: &str,
    scope: Option<&str>,
    canonical_request: &[u8],
) -> String {
    let mut out = String::with_capacity(160);
    for line in [algorithm, timestamp].into_iter().chain(scope) {
        out.extend([line, "\n"]);
    }
    super::hash::push_hex(&super::hash::sha256(canonical_request), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoded_pairs_skip_empty_pieces_but_keep_a_lone_equals_sign() {
        let pairs = decoded_query_pairs("a=%2F&&b&=");
        let pairs: Vec<(&[u8], &[u8])> = pairs.iter().map(|(k, v)| (&k[..], &v[..])).collect();
        assert_eq!(pairs, [(&b"a"[..], &b"/"[..]), (b"b", b""), (b"", b"")]);
    }

    #[test]
    fn whitespace_rules_follow_python() {
        assert_eq!(&*collapse_whitespace(b"  a \t b\n c  "), b"a b c");
        assert_eq!(&*collapse_whitespace("a\u{a0}b".as_bytes()), b"a b");
        assert_eq!(&*collapse_whitespace(b"a b"), b"a b");
        assert_eq!(&*collapse_whitespace(b"a \xff  b"), b"a \xff b");
        assert_eq!(strip_unicode("\u{3000} a b \u{1f}".as_bytes()), b"a b");
    }

    #[test]
    fn header_blocks_join_or_repeat() {
        let entries: Vec<(&str, &[u8])> = vec![
            ("my-header1", b"value4"),
            ("host", b"example.amazonaws.com"),
            ("my-header1", b" value1 "),
        ];
        let aws = HeaderBlock::new(
            entries.clone(),
            ValueRule::CollapseWhitespace,
            Repeats::JoinWithComma,
        );
        assert_eq!(aws.signed, "host;my-header1");
        assert_eq!(
            aws.lines,
            b"host:example.amazonaws.com\nmy-header1:value4,value1\n"
        );
        let huawei = HeaderBlock::new(
            entries,
            ValueRule::StripUnicode,
            Repeats::LinePerValueLastValue,
        );
        assert_eq!(huawei.signed, "host;my-header1;my-header1");
        assert_eq!(
            huawei.lines,
            b"host:example.amazonaws.com\nmy-header1:value1\nmy-header1:value1\n"
        );
    }
}

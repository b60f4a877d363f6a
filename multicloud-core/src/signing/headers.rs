//! Canonical header blocks: which value rule, how repeated names combine, how lines sort.

use super::encode::UNRESERVED;
use super::request::HeaderEntries;
use super::sink::Sink;
use super::stack::{StackBuf, StackVec};
use super::trim::{collapse_whitespace_into, strip_ascii, strip_unicode};

/// One header as a signer sees it: the lower-case name and the raw value bytes.
pub type HeaderEntry<'a> = (&'a str, &'a [u8]);

/// How a header value is written into a canonical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRule {
    /// `' '.join(value.split())`: trim and collapse every whitespace run, Unicode spaces
    /// included (AWS SigV4, botocore).
    CollapseWhitespace,
    /// `value.strip()` on text: Unicode whitespace at both ends (Huawei).
    StripUnicode,
    /// Trimmed and lower-cased, as Tencent's API documentation describes.
    StripLowercase,
    /// Exactly as sent (Tencent's SDK signs `content-type` and `host` untouched).
    AsSent,
}

/// How several values of one header name are signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeats {
    /// One line per name, the values (each canonicalised) joined with `,` in arrival order;
    /// the name is listed once (AWS).
    JoinWithComma,
    /// One line per occurrence and the name listed once per occurrence, every line carrying
    /// the name's last value — what Huawei's SDK produces for keys that differ only in case,
    /// because it canonicalises through a dict keyed by the lower-case name.
    LinePerOccurrenceLastValue,
}

/// Writes `value` as `rule` says.
pub fn write_value(rule: ValueRule, value: &[u8], out: &mut impl Sink) {
    match rule {
        ValueRule::CollapseWhitespace => collapse_whitespace_into(value, out),
        ValueRule::StripUnicode => out.put(strip_unicode(value)),
        ValueRule::StripLowercase => {
            let trimmed = strip_unicode(value);
            match std::str::from_utf8(trimmed) {
                Ok(text) if !text.is_ascii() => out.put(text.to_lowercase().as_bytes()),
                _ => trimmed
                    .iter()
                    .for_each(|b| out.put_byte(b.to_ascii_lowercase())),
            }
        }
        ValueRule::AsSent => out.put(value),
    }
}

/// Sorts entries by name, stably, so values of one name keep their arrival order.
pub fn sort_by_name(entries: &mut [HeaderEntry<'_>]) {
    // Header names are short: an inline byte walk beats a call to `memcmp` per comparison.
    entries.sort_by(|a, b| a.0.bytes().cmp(b.0.bytes()));
}

/// Whether two names are the same: values of one name come from one map entry and share
/// its text, so the pointers usually answer without comparing bytes.
#[inline]
fn same_name(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
}

/// The names the signed-header list carries for `sorted` entries, in order.
pub fn signed_names<'e>(
    sorted: &'e [HeaderEntry<'e>],
    repeats: Repeats,
) -> impl Iterator<Item = &'e str> + 'e {
    sorted
        .iter()
        .enumerate()
        .filter(move |(i, (name, _))| {
            repeats == Repeats::LinePerOccurrenceLastValue
                || *i == 0
                || !same_name(sorted[i - 1].0, name)
        })
        .map(|(_, (name, _))| *name)
}

/// The length of the `;`-joined signed-header list of `sorted` entries.
pub fn signed_list_len(sorted: &[HeaderEntry<'_>], repeats: Repeats) -> usize {
    signed_names(sorted, repeats)
        .map(|n| n.len() + 1)
        .sum::<usize>()
        .saturating_sub(1)
}

/// Writes the `;`-joined signed-header list of `sorted` entries to `out`.
pub fn put_signed_list(sorted: &[HeaderEntry<'_>], repeats: Repeats, out: &mut impl Sink) {
    for (n, name) in signed_names(sorted, repeats).enumerate() {
        if n > 0 {
            out.put_byte(b';');
        }
        out.put(name.as_bytes());
    }
}

/// Writes the canonical header block of `sorted` entries (`name:value\n` lines) to `out`.
pub fn header_block(
    sorted: &[HeaderEntry<'_>],
    rule: ValueRule,
    repeats: Repeats,
    out: &mut impl Sink,
) {
    let mut i = 0;
    while i < sorted.len() {
        let name = sorted[i].0;
        let end = i
            + 1
            + sorted[i + 1..]
                .iter()
                .take_while(|e| same_name(e.0, name))
                .count();
        let group = &sorted[i..end];
        match repeats {
            Repeats::JoinWithComma => {
                out.put(name.as_bytes());
                out.put_byte(b':');
                for (n, (_, value)) in group.iter().enumerate() {
                    if n > 0 {
                        out.put_byte(b',');
                    }
                    write_value(rule, value, out);
                }
                out.put_byte(b'\n');
            }
            Repeats::LinePerOccurrenceLastValue => {
                let last = group[group.len() - 1].1;
                for _ in group {
                    out.put(name.as_bytes());
                    out.put_byte(b':');
                    write_value(rule, last, out);
                    out.put_byte(b'\n');
                }
            }
        }
        i = end;
    }
}

/// Sorts `entries` by name, appends their canonical header block to `block` and returns the
/// signed-header list.
pub fn canonical_headers(
    entries: &mut [HeaderEntry<'_>],
    rule: ValueRule,
    repeats: Repeats,
    block: &mut Vec<u8>,
) -> String {
    sort_by_name(entries);
    header_block(entries, rule, repeats, block);
    let mut signed = Vec::with_capacity(signed_list_len(entries, repeats));
    put_signed_list(entries, repeats, &mut signed);
    // Header names are ASCII, always.
    String::from_utf8(signed).unwrap_or_default()
}

/// How the lines `a:…` and `b:…` of two different names compare: by the names, except that
/// where one name ends the `:` that follows it is compared.
fn cmp_line_names(a: &str, b: &str) -> std::cmp::Ordering {
    let common = a.len().min(b.len());
    // Header names are short: an inline byte walk beats a call to `memcmp`.
    a.as_bytes()[..common]
        .iter()
        .cmp(&b.as_bytes()[..common])
        .then_with(|| {
            let next = |name: &str| name.as_bytes().get(common).copied().unwrap_or(b':');
            next(a).cmp(&next(b))
        })
}

/// Baidu's canonical headers: for every entry `include` accepts, the line
/// `normalize(name):normalize(value.strip())` (unreserved kept, all else `%XX`); entries whose
/// stripped value is empty are dropped; lines sorted bytewise and joined with `\n` (no final
/// newline).
pub fn encoded_sorted_lines(
    entries: &[HeaderEntry<'_>],
    include: impl Fn(&str) -> bool,
    out: &mut impl Sink,
) {
    let mut picked: HeaderEntries<'_> = StackVec::new();
    for (name, value) in entries {
        if include(name) {
            let value = strip_ascii(value);
            if !value.is_empty() {
                picked.push((name, value));
            }
        }
    }
    // The usual case: distinct names that encoding leaves alone. Then `name:` alone decides
    // where each line sorts, and each line can be encoded straight into `out`.
    if picked
        .iter()
        .all(|(name, _)| UNRESERVED.is_encoded_form_of(name.as_bytes()))
    {
        picked.sort_unstable_by(|a, b| cmp_line_names(a.0, b.0));
        if picked.windows(2).all(|pair| pair[0].0 != pair[1].0) {
            for (n, (name, value)) in picked.iter().enumerate() {
                if n > 0 {
                    out.put_byte(b'\n');
                }
                out.put(name.as_bytes());
                out.put_byte(b':');
                UNRESERVED.encode_into(value, out);
            }
            return;
        }
    }
    // Else each line is encoded once into a scratch buffer, then the lines sorted as bytes.
    let mut scratch: StackBuf<512> = StackBuf::new();
    let mut lines: StackVec<(usize, usize), 8> = StackVec::new();
    for (name, value) in &picked {
        let start = scratch.len();
        UNRESERVED.encode_into(name.as_bytes(), &mut scratch);
        scratch.put_byte(b':');
        UNRESERVED.encode_into(value, &mut scratch);
        lines.push((start, scratch.len()));
    }
    let text = scratch.as_slice();
    lines.sort_unstable_by(|a, b| text[a.0..a.1].cmp(&text[b.0..b.1]));
    for (n, (start, end)) in lines.iter().enumerate() {
        if n > 0 {
            out.put_byte(b'\n');
        }
        out.put(&text[*start..*end]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_style_joins_repeats_in_arrival_order_and_sorts_names() {
        let mut e: Vec<HeaderEntry<'_>> = vec![
            ("my-header1", b"value4"),
            ("host", b"example.amazonaws.com"),
            ("my-header1", b" value1 "),
            ("my-header1", b"value3"),
        ];
        let mut block = Vec::new();
        let signed = canonical_headers(
            &mut e,
            ValueRule::CollapseWhitespace,
            Repeats::JoinWithComma,
            &mut block,
        );
        assert_eq!(signed, "host;my-header1");
        assert_eq!(
            block,
            b"host:example.amazonaws.com\nmy-header1:value4,value1,value3\n"
        );
    }

    #[test]
    fn huawei_style_repeats_the_name_with_the_last_value() {
        let mut e: Vec<HeaderEntry<'_>> = vec![("x-a", b" 1 "), ("host", b"h"), ("x-a", b"2 ")];
        let mut block = Vec::new();
        let signed = canonical_headers(
            &mut e,
            ValueRule::StripUnicode,
            Repeats::LinePerOccurrenceLastValue,
            &mut block,
        );
        assert_eq!(signed, "host;x-a;x-a");
        assert_eq!(block, b"host:h\nx-a:2\nx-a:2\n");
    }

    #[test]
    fn lowercase_rule_trims_and_lowers() {
        let mut e: Vec<HeaderEntry<'_>> = vec![("x-tc-action", b" DescribeInstances ")];
        let mut block = Vec::new();
        canonical_headers(
            &mut e,
            ValueRule::StripLowercase,
            Repeats::JoinWithComma,
            &mut block,
        );
        assert_eq!(block, b"x-tc-action:describeinstances\n");
    }

    /// The one-scratch-buffer rule every Baidu header block must equal.
    fn lines_via_scratch(entries: &[HeaderEntry<'_>]) -> Vec<u8> {
        let mut lines: Vec<Vec<u8>> = entries
            .iter()
            .filter_map(|(name, value)| {
                let value = strip_ascii(value);
                (!value.is_empty()).then(|| {
                    let mut line = Vec::new();
                    UNRESERVED.encode_into(name.as_bytes(), &mut line);
                    line.push(b':');
                    UNRESERVED.encode_into(value, &mut line);
                    line
                })
            })
            .collect();
        lines.sort();
        lines.join(&b'\n')
    }

    #[test]
    fn lines_written_directly_sort_as_the_encoded_lines_do() {
        // Names that are prefixes of each other, repeated, or need escaping; values that
        // decide the order only when names tie.
        let names = ["a", "a-b", "a.b", "ab", "a_b", "a b", "b", "x-bce-date"];
        let values: [&[u8]; 4] = [b"1", b" 2 ", b"a:b", b""];
        for (i, first) in names.iter().enumerate() {
            for second in &names[i..] {
                for third in ["b", "a"] {
                    for v in values {
                        let e: Vec<HeaderEntry<'_>> =
                            vec![(first, v), (second, b"z/z"), (third, b"0"), (first, b"9")];
                        for take in 1..=e.len() {
                            let mut out = Vec::new();
                            encoded_sorted_lines(&e[..take], |_| true, &mut out);
                            assert_eq!(out, lines_via_scratch(&e[..take]), "{:?}", &e[..take]);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn baidu_lines_are_encoded_stripped_filtered_and_sorted_bytewise() {
        let e: Vec<HeaderEntry<'_>> = vec![
            ("x-bce-date", b"2015-04-27T08:23:49Z"),
            ("content-type", b" text/plain "),
            ("x-bce-empty", b"   "),
            ("user-agent", b"ua"),
            ("host", b"bj.bcebos.com"),
        ];
        let mut out = Vec::new();
        encoded_sorted_lines(
            &e,
            |n| n.starts_with("x-bce-") || n == "host" || n == "content-type",
            &mut out,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "content-type:text%2Fplain\nhost:bj.bcebos.com\nx-bce-date:2015-04-27T08%3A23%3A49Z"
        );
    }
}

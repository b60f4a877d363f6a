//! Small rendering helpers shared by the simulators: an XML writer, time formats and
//! opaque page tokens.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A minimal XML writer: elements are opened and closed explicitly, text is escaped.
#[derive(Debug, Default)]
pub struct Xml {
    buf: String,
}

/// Escapes `&`, `<`, `>`, `"` and `'` for XML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

impl Xml {
    /// A document starting with the `<?xml …?>` declaration.
    pub fn new() -> Self {
        Xml {
            buf: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        }
    }

    /// Opens `<tag xmlns="ns">`.
    pub fn open_ns(&mut self, tag: &str, ns: &str) -> &mut Self {
        self.buf
            .push_str(&format!("<{tag} xmlns=\"{}\">", escape(ns)));
        self
    }

    /// Opens `<tag>`.
    pub fn open(&mut self, tag: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    /// Closes `</tag>`.
    pub fn close(&mut self, tag: &str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    /// Writes `<tag>text</tag>`.
    pub fn leaf(&mut self, tag: &str, text: impl AsRef<str>) -> &mut Self {
        self.open(tag);
        self.buf.push_str(&escape(text.as_ref()));
        self.close(tag)
    }

    /// Writes `<tag>text</tag>` only when `text` is `Some`.
    pub fn leaf_opt(&mut self, tag: &str, text: Option<&str>) -> &mut Self {
        if let Some(t) = text {
            self.leaf(tag, t);
        }
        self
    }

    /// Writes escaped text inside the current element.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.buf.push_str(&escape(text));
        self
    }

    /// Writes `<tag/>`.
    pub fn empty(&mut self, tag: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.buf.push_str("/>");
        self
    }

    /// The document.
    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.buf)
    }
}

/// `2024-01-01T08:00:00.000Z` (EC2, S3, the AWS query APIs).
pub fn iso8601_millis(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// `2024-01-01T08:00:00Z`.
pub fn iso8601_secs(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `2024-01-01 16:00:00` in the given UTC offset (hours), e.g. Beijing time = 8.
pub fn local_datetime(t: OffsetDateTime, offset_hours: i8) -> String {
    let off = time::UtcOffset::from_hms(offset_hours, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let t = t.to_offset(off);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parses an RFC 3339 time.
pub fn parse_rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// An opaque page token for item offset `offset` (what clients echo back).
pub fn page_token(offset: usize) -> String {
    let raw = format!("mc1:{offset}");
    raw.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The offset inside a token from [`page_token`]; `None` for anything else.
pub fn parse_page_token(token: &str) -> Option<usize> {
    if token.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok())
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    text.strip_prefix("mc1:")?.parse().ok()
}

/// One page of `items` from `offset`, at most `limit` long, and the next offset if more
/// remain.
pub fn page<T>(items: &[T], offset: usize, limit: usize) -> (&[T], Option<usize>) {
    let start = offset.min(items.len());
    let end = start.saturating_add(limit).min(items.len());
    let next = (end < items.len()).then_some(end);
    (&items[start..end], next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_and_nests() {
        let mut x = Xml::new();
        x.open_ns("R", "urn:x")
            .leaf("a", "1 < 2 & 'q'")
            .empty("b")
            .close("R");
        let s = x.finish();
        assert!(s.ends_with("<R xmlns=\"urn:x\"><a>1 &lt; 2 &amp; &apos;q&apos;</a><b/></R>"));
    }

    #[test]
    fn tokens_round_trip_and_reject_junk() {
        assert_eq!(parse_page_token(&page_token(1234)), Some(1234));
        assert_eq!(parse_page_token("zz"), None);
        assert_eq!(parse_page_token("abc"), None);
        assert_eq!(parse_page_token(""), None);
    }

    #[test]
    fn pages_slice_and_report_next() {
        let v: Vec<u32> = (0..10).collect();
        assert_eq!(page(&v, 0, 4), (&v[0..4], Some(4)));
        assert_eq!(page(&v, 8, 4), (&v[8..10], None));
        assert_eq!(page(&v, 20, 4).0.len(), 0);
    }

    #[test]
    fn times_format_in_each_style() {
        let t = OffsetDateTime::from_unix_timestamp(1_704_067_200).unwrap();
        assert_eq!(iso8601_millis(t), "2024-01-01T00:00:00.000Z");
        assert_eq!(iso8601_secs(t), "2024-01-01T00:00:00Z");
        assert_eq!(local_datetime(t, 8), "2024-01-01 08:00:00");
        assert_eq!(parse_rfc3339("2024-01-01T00:00:00Z"), Some(t));
    }
}

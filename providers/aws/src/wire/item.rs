//! One `instancesSet/item` of a streamed `DescribeInstances` page ([`super::instances`]): its
//! elements in a flat arena of slices borrowed from the body, read as the general converter
//! ([`super::xml`]) reads an element (text, empty `…Set` list, list, object), written out as
//! that converter's `serde_json::Value` would be written, and looked up field by field for
//! the typed view.

use std::borrow::Cow;

/// EC2's list member name.
pub(super) const ITEM: &str = "item";
/// No node.
pub(super) const NONE: u32 = u32::MAX;

/// Appends a chunk of an element's text (most elements have one chunk, borrowed).
pub(super) fn append<'a>(text: &mut Cow<'a, str>, chunk: Cow<'a, str>) {
    if text.is_empty() {
        *text = chunk;
    } else {
        text.to_mut().push_str(&chunk);
    }
}

/// `text` as a JSON string, escaped exactly as serde_json escapes it: `"`, `\\`, and the
/// control characters (`\b`, `\f`, `\n`, `\r`, `\t`, others as `\u00xx`); nothing else.
pub(super) fn json_string(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    if !needs_escape(text.as_bytes()) {
        out.push_str(text);
        out.push('"');
        return;
    }
    let mut start = 0;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        // `b` is ASCII: `i` is a character boundary.
        out.push_str(&text[start..i]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

/// Whether `bytes` hold a quote, a backslash or a control character, eight bytes at a time
/// (the word tests of "Bit Twiddling Hacks": nonzero exactly when some byte matches).
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let control = x.wrapping_sub(ONES * 0x20) & !x & HIGH != 0;
        if control
            || has_zero(x ^ (ONES * u64::from(b'"')))
            || has_zero(x ^ (ONES * u64::from(b'\\')))
        {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

/// The first 16 bytes of `name` as a big-endian number, zero-padded: ordered as the names
/// are (XML names hold no NUL byte), equal only when those bytes are.
fn prefix(name: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let n = name.len().min(16);
    bytes[..n].copy_from_slice(&name.as_bytes()[..n]);
    u128::from_be_bytes(bytes)
}

/// One element of an item: its name, text, and children as a linked list of arena indices.
pub(super) struct Node<'a> {
    name: &'a str,
    text: Cow<'a, str>,
    first: u32,
    last: u32,
    next: u32,
    count: u32,
    /// Whether every child has the first child's name.
    same: bool,
}

/// The elements of one item, in document order; cleared, not freed, between items.
#[derive(Default)]
pub(super) struct Arena<'a> {
    nodes: Vec<Node<'a>>,
}

/// How the general converter reads an element (see [`super::xml`]).
pub(super) enum Kind<'n> {
    Text(&'n str),
    EmptyList,
    List,
    Object,
}

impl<'a> Arena<'a> {
    pub(super) fn clear(&mut self) {
        self.nodes.clear();
    }

    pub(super) fn push(&mut self, name: &'a str, parent: u32) -> u32 {
        let id = self.nodes.len() as u32;
        self.nodes.push(Node {
            name,
            text: Cow::Borrowed(""),
            first: NONE,
            last: NONE,
            next: NONE,
            count: 0,
            same: true,
        });
        if parent != NONE {
            let first = self.nodes[parent as usize].first;
            let last = self.nodes[parent as usize].last;
            if first == NONE {
                self.nodes[parent as usize].first = id;
            } else {
                self.nodes[last as usize].next = id;
                if self.nodes[first as usize].name != name {
                    self.nodes[parent as usize].same = false;
                }
            }
            let p = &mut self.nodes[parent as usize];
            p.last = id;
            p.count += 1;
        }
        id
    }

    pub(super) fn text(&mut self, node: u32, chunk: Cow<'a, str>) {
        append(&mut self.nodes[node as usize].text, chunk);
    }

    pub(super) fn node(&self, id: u32) -> &Node<'a> {
        &self.nodes[id as usize]
    }

    pub(super) fn children(&self, id: u32) -> impl Iterator<Item = u32> + '_ {
        let mut next = self.node(id).first;
        std::iter::from_fn(move || {
            let current = next;
            (current != NONE).then(|| {
                next = self.node(current).next;
                current
            })
        })
    }

    pub(super) fn kind(&self, id: u32) -> Kind<'_> {
        let n = self.node(id);
        if n.count == 0 {
            // EC2 names every list `…Set`; an empty one is an empty list.
            if n.text.is_empty() && n.name.ends_with("Set") {
                return Kind::EmptyList;
            }
            return Kind::Text(&n.text);
        }
        if n.same && (n.count > 1 || self.node(n.first).name == ITEM) {
            Kind::List
        } else {
            Kind::Object
        }
    }

    /// Writes element `id` as serde_json writes its `Value`: compact, keys sorted, names
    /// repeated among other names as one array. `keys` is scratch space shared by the levels.
    pub(super) fn write(&self, id: u32, out: &mut String, keys: &mut Vec<(u128, u32)>) {
        match self.kind(id) {
            Kind::Text(text) => json_string(out, text),
            Kind::EmptyList => out.push_str("[]"),
            Kind::List => {
                out.push('[');
                for (i, child) in self.children(id).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.write(child, out, keys);
                }
                out.push(']');
            }
            Kind::Object => {
                let start = keys.len();
                keys.extend(self.children(id).map(|c| (prefix(self.node(c).name), c)));
                // Byte order of the names (their first 16 bytes as one number, then the
                // rest), a repeated name's occurrences in document order (arena order, the
                // second number).
                keys[start..].sort_unstable();
                // Names sharing their first 16 bytes but not the rest (rare) are ordered by
                // the rest.
                let tied = |w: &[(u128, u32)]| {
                    w[0].0 == w[1].0 && self.node(w[0].1).name != self.node(w[1].1).name
                };
                if keys[start..].windows(2).any(tied) {
                    keys[start..].sort_unstable_by(|a, b| {
                        a.0.cmp(&b.0)
                            .then_with(|| self.node(a.1).name.cmp(self.node(b.1).name))
                            .then(a.1.cmp(&b.1))
                    });
                }
                out.push('{');
                let mut i = start;
                while i < keys.len() {
                    let (key, name) = (keys[i].0, self.node(keys[i].1).name);
                    let run = keys[i..]
                        .iter()
                        .take_while(|k| k.0 == key && self.node(k.1).name == name)
                        .count();
                    if i > start {
                        out.push(',');
                    }
                    json_string(out, name);
                    out.push(':');
                    if run > 1 {
                        out.push('[');
                    }
                    for j in i..i + run {
                        if j > i {
                            out.push(',');
                        }
                        self.write(keys[j].1, out, keys);
                    }
                    if run > 1 {
                        out.push(']');
                    }
                    i += run;
                }
                out.push('}');
                keys.truncate(start);
            }
        }
    }

    /// The children of object `id` named in `names`, each found at most once; `None` if
    /// `id` is not an object or a name repeats (the general path would make it an array).
    pub(super) fn fields<const N: usize>(
        &self,
        id: u32,
        names: [&str; N],
    ) -> Option<[Option<u32>; N]> {
        if !matches!(self.kind(id), Kind::Object) {
            return None;
        }
        let mut found = [None; N];
        for child in self.children(id) {
            let name = self.node(child).name;
            if let Some(slot) = names.iter().position(|n| *n == name) {
                if found[slot].replace(child).is_some() {
                    return None;
                }
            }
        }
        Some(found)
    }

    /// An optional text field: `Some(None)` when absent, `None` when not text.
    pub(super) fn opt_str(&self, field: Option<u32>) -> Option<Option<&str>> {
        match field.map(|id| self.kind(id)) {
            None => Some(None),
            Some(Kind::Text(text)) => Some(Some(text)),
            Some(_) => None,
        }
    }

    /// The members of a list field, read as [`super::list`] reads it: absent, empty or blank
    /// is no member, a single object is one; `None` for non-blank text.
    pub(super) fn members(&self, field: Option<u32>) -> Option<Vec<u32>> {
        let Some(id) = field else {
            return Some(Vec::new());
        };
        match self.kind(id) {
            Kind::EmptyList => Some(Vec::new()),
            Kind::Text(text) => text.trim().is_empty().then(Vec::new),
            Kind::List => Some(self.children(id).collect()),
            Kind::Object => Some(vec![id]),
        }
    }

    /// The members of a list field that are all objects, each read by `one`.
    pub(super) fn list<'n, T>(
        &'n self,
        field: Option<u32>,
        one: impl Fn(&'n Self, u32) -> Option<T>,
    ) -> Option<Vec<T>> {
        self.members(field)?
            .into_iter()
            .map(|id| one(self, id))
            .collect()
    }
}

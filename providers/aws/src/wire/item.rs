//! One `instancesSet/item` of a streamed `DescribeInstances` page ([`super::instances`]): its
//! elements in a flat arena of slices borrowed from the body, read as the general converter
//! ([`super::xml`]) reads an element (text, empty `…Set` list, list, object), written out as
//! that converter's `serde_json::Value` would be written, and looked up field by field for
//! the typed view.

use std::borrow::Cow;

/// EC2's list member name.
pub(super) const ITEM: &str = "item";
/// [`key`] of [`ITEM`].
const ITEM_KEY: u128 = key(ITEM);
/// No node.
pub(super) const NONE: u32 = u32::MAX;

/// Appends a chunk of an element's text (most elements have one chunk, borrowed).
#[inline]
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
/// (the word tests of "Bit Twiddling Hacks": nonzero exactly when some byte matches); the
/// last word overlaps the one before it instead of leaving a tail, and a string shorter than
/// a word is read byte by byte.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    let word = |chunk: &[u8]| {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        x.wrapping_sub(ONES * 0x20) & !x & HIGH != 0
            || has_zero(x ^ (ONES * u64::from(b'"')))
            || has_zero(x ^ (ONES * u64::from(b'\\')))
    };
    let Some(tail) = bytes.len().checked_sub(8) else {
        return bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
    };
    bytes.chunks_exact(8).any(word) || word(&bytes[tail..])
}

/// The first 16 bytes of `name` as a big-endian number, zero-padded: ordered as the names
/// are (XML names hold no NUL byte), equal only when those bytes are. Two names are equal
/// exactly when their keys and lengths are and, past 16 bytes, their rests.
pub(super) const fn key(name: &str) -> u128 {
    let bytes = name.as_bytes();
    let mut key = 0u128;
    let mut i = 0;
    while i < 16 {
        key <<= 8;
        if i < bytes.len() {
            key |= bytes[i] as u128;
        }
        i += 1;
    }
    key
}

/// [`key`] of the name at `body[start..start + len]`, read as one 16-byte load when the body
/// goes on that far (a name is always followed by at least its tag's `>`).
pub(super) fn key_at(body: &[u8], start: usize, len: usize) -> u128 {
    let Some(window) = body.get(start..start.wrapping_add(16)) else {
        return body
            .get(start..start + len)
            .and_then(|name| std::str::from_utf8(name).ok())
            .map_or(0, key);
    };
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(window);
    let word = u128::from_be_bytes(bytes);
    match len {
        0 => 0,
        1..=15 => word & (u128::MAX << (8 * (16 - len))),
        _ => word,
    }
}

/// Whether element `node` is named `name`, whose [`key`] is `key` (a constant).
#[inline]
pub(super) fn named(node: &Node<'_>, name: &str, key: u128) -> bool {
    same_name(node.name, node.key, name, key)
}

/// Whether names `a` and `b`, with keys `ka` and `kb`, are equal.
#[inline]
fn same_name(a: &str, ka: u128, b: &str, kb: u128) -> bool {
    ka == kb && a.len() == b.len() && (a.len() <= 16 || a == b)
}

/// One element of an item: its name, text, and children as a linked list of arena indices.
pub(super) struct Node<'a> {
    pub(super) name: &'a str,
    /// [`key`] of `name`.
    pub(super) key: u128,
    pub(super) text: Cow<'a, str>,
    pub(super) first: u32,
    last: u32,
    pub(super) next: u32,
    count: u32,
    /// Whether every child has the first child's name.
    same: bool,
    /// How the element reads, set when it closes ([`Arena::close`]).
    pub(super) reads: Reads,
}

/// [`Kind`] without the text.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Reads {
    Text,
    EmptyList,
    List,
    Object,
}

/// The elements of one item, in document order; cleared, not freed, between items.
#[derive(Default)]
pub(super) struct Arena<'a> {
    nodes: Vec<Node<'a>>,
}

/// The writer's scratch space: the keys of the objects being written (each level's after
/// its parent's), and the orders of the object shapes seen so far.
#[derive(Default)]
pub(super) struct Keys {
    keys: Vec<(u128, u32)>,
    shapes: Vec<Shape>,
}

/// The children's keys of an object, in document order, all different, and the order they
/// are written in (positions in the document order). An object whose children have the same
/// keys in the same order (most objects of a page: the items share their shape) is written
/// in this order without sorting: distinct keys alone decide the byte order of the names.
struct Shape {
    keys: Vec<u128>,
    order: Vec<u32>,
}

impl Keys {
    /// Objects with fewer children are sorted each time.
    const SHAPE_MIN: usize = 8;
    /// At most this many shapes are kept (per page).
    const SHAPES: usize = 16;

    /// Sorts `keys[start..]` (one object's children, in document order) as
    /// [`Arena::write`] writes them, by a known shape when there is one.
    fn sort<'n>(&mut self, start: usize, names: impl Fn(u32) -> &'n str) {
        let n = self.keys.len() - start;
        if n >= Self::SHAPE_MIN {
            let found = self.shapes.iter().position(|s| {
                s.keys.len() == n
                    && s.keys
                        .iter()
                        .zip(&self.keys[start..])
                        .all(|(a, b)| *a == b.0)
            });
            if let Some(shape) = found {
                let end = self.keys.len();
                for i in 0..n {
                    let position = self.shapes[shape].order[i] as usize;
                    self.keys.push(self.keys[start + position]);
                }
                self.keys.copy_within(end.., start);
                self.keys.truncate(end);
                return;
            }
        }
        let keep = n >= Self::SHAPE_MIN && self.shapes.len() < Self::SHAPES;
        let document: Vec<(u128, u32)> = if keep {
            self.keys[start..].to_vec()
        } else {
            Vec::new()
        };
        let keys = &mut self.keys[start..];
        // Byte order of the names (their first 16 bytes as one number, then the rest), a
        // repeated name's occurrences in document order (arena order, the second number).
        keys.sort_unstable();
        let tied = keys.windows(2).any(|w| w[0].0 == w[1].0);
        // Names sharing their first 16 bytes but not the rest (rare) are ordered by the rest.
        if tied {
            keys.sort_unstable_by(|a, b| {
                a.0.cmp(&b.0)
                    .then_with(|| names(a.1).cmp(names(b.1)))
                    .then(a.1.cmp(&b.1))
            });
        } else if keep {
            let order = keys
                .iter()
                .map(|k| document.binary_search_by_key(&k.1, |d| d.1).unwrap_or(0) as u32)
                .collect();
            let keys = document.iter().map(|d| d.0).collect();
            self.shapes.push(Shape { keys, order });
        }
    }
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

    /// Adds element `name` (whose [`key`] is `key`) as the last child of `parent`.
    #[inline]
    pub(super) fn push(&mut self, name: &'a str, key: u128, parent: u32) -> u32 {
        let id = self.nodes.len() as u32;
        self.nodes.push(Node {
            name,
            key,
            text: Cow::Borrowed(""),
            first: NONE,
            last: NONE,
            next: NONE,
            count: 0,
            same: true,
            reads: Reads::Text,
        });
        if parent != NONE {
            let first = self.nodes[parent as usize].first;
            let last = self.nodes[parent as usize].last;
            if first == NONE {
                self.nodes[parent as usize].first = id;
            } else {
                self.nodes[last as usize].next = id;
                let f = &self.nodes[first as usize];
                if !same_name(f.name, f.key, name, key) {
                    self.nodes[parent as usize].same = false;
                }
            }
            let p = &mut self.nodes[parent as usize];
            p.last = id;
            p.count += 1;
        }
        id
    }

    #[inline]
    pub(super) fn text(&mut self, node: u32, chunk: Cow<'a, str>) {
        append(&mut self.nodes[node as usize].text, chunk);
    }

    /// The elements, in document order.
    pub(super) fn nodes(&self) -> &[Node<'a>] {
        &self.nodes
    }

    pub(super) fn node(&self, id: u32) -> &Node<'a> {
        &self.nodes[id as usize]
    }

    /// Whether elements `a` and `b` have the same name.
    fn same(&self, a: u32, b: u32) -> bool {
        let (a, b) = (self.node(a), self.node(b));
        same_name(a.name, a.key, b.name, b.key)
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

    /// Records how element `id`, now complete, reads.
    pub(super) fn close(&mut self, id: u32) {
        let n = self.node(id);
        let reads = if n.count == 0 {
            // EC2 names every list `…Set`; an empty one is an empty list.
            if n.text.is_empty() && n.name.ends_with("Set") {
                Reads::EmptyList
            } else {
                Reads::Text
            }
        } else {
            let first = self.node(n.first);
            if n.same && (n.count > 1 || same_name(first.name, first.key, ITEM, ITEM_KEY)) {
                Reads::List
            } else {
                Reads::Object
            }
        };
        self.nodes[id as usize].reads = reads;
    }

    /// How complete element `id` reads.
    pub(super) fn kind(&self, id: u32) -> Kind<'_> {
        let n = self.node(id);
        match n.reads {
            Reads::Text => Kind::Text(&n.text),
            Reads::EmptyList => Kind::EmptyList,
            Reads::List => Kind::List,
            Reads::Object => Kind::Object,
        }
    }

    /// Writes element `id` as serde_json writes its `Value`: compact, keys sorted, names
    /// repeated among other names as one array. `keys` is scratch space shared by the levels.
    /// Each text written is noted in `spans` when given: where it starts and ends in `out`,
    /// and its element.
    pub(super) fn write(
        &self,
        id: u32,
        out: &mut String,
        scratch: &mut Keys,
        mut spans: Option<&mut Vec<(usize, usize, u32)>>,
    ) {
        match self.kind(id) {
            Kind::Text(text) => {
                let start = out.len();
                json_string(out, text);
                if let Some(spans) = spans {
                    spans.push((start, out.len(), id));
                }
            }
            Kind::EmptyList => out.push_str("[]"),
            Kind::List => {
                out.push('[');
                for (i, child) in self.children(id).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.write(child, out, scratch, spans.as_deref_mut());
                }
                out.push(']');
            }
            Kind::Object => {
                let start = scratch.keys.len();
                scratch
                    .keys
                    .extend(self.children(id).map(|c| (self.node(c).key, c)));
                scratch.sort(start, |c| self.node(c).name);
                out.push('{');
                let mut i = start;
                while i < scratch.keys.len() {
                    let (key, first) = scratch.keys[i];
                    let name = self.node(first).name;
                    let run = 1 + scratch.keys[i + 1..]
                        .iter()
                        .take_while(|k| k.0 == key && self.same(first, k.1))
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
                        self.write(scratch.keys[j].1, out, scratch, spans.as_deref_mut());
                    }
                    if run > 1 {
                        out.push(']');
                    }
                    i += run;
                }
                out.push('}');
                scratch.keys.truncate(start);
            }
        }
    }

    /// The children of object `id` that `slot` places (the slot of a wanted name, `None` for
    /// any other), each found at most once; `None` if `id` is not an object or a wanted name
    /// repeats (the general path would make it an array).
    pub(super) fn fields<const N: usize>(
        &self,
        id: u32,
        slot: impl Fn(&Node<'a>) -> Option<usize>,
    ) -> Option<[Option<u32>; N]> {
        if !matches!(self.kind(id), Kind::Object) {
            return None;
        }
        let mut found = [None; N];
        for child in self.children(id) {
            if let Some(slot) = slot(self.node(child)) {
                if found.get_mut(slot)?.replace(child).is_some() {
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

    /// The members of a list field, read as [`super::list`] reads it (absent, empty or blank
    /// is no member, a single object is one; `None` for non-blank text), each read by `one`.
    pub(super) fn list<'n, T>(
        &'n self,
        field: Option<u32>,
        one: impl Fn(&'n Self, u32) -> Option<T>,
    ) -> Option<Vec<T>> {
        let Some(id) = field else {
            return Some(Vec::new());
        };
        match self.kind(id) {
            Kind::EmptyList => Some(Vec::new()),
            Kind::Text(text) => text.trim().is_empty().then(Vec::new),
            Kind::List => {
                let mut out = Vec::with_capacity(self.node(id).count as usize);
                for child in self.children(id) {
                    out.push(one(self, child)?);
                }
                Some(out)
            }
            Kind::Object => Some(vec![one(self, id)?]),
        }
    }
}

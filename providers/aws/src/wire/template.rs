//! Items of a page written from a template: the JSON text of an item is a function of its
//! structure (the names, the tree, how each element reads) and of its texts. Most items of a
//! page share their structure, so the first item of each structure is written by walking its
//! arena ([`Arena::write`], which sorts each object's keys), and its text is kept with the
//! texts cut out; the next item of the same structure is written as those literal pieces
//! with its own texts escaped in between, with no walk and no sort.

use super::item::{json_string, Arena, Keys, Node, Reads};

/// An item's written text without its texts, and the structure it was written from.
pub(super) struct Template<'a> {
    /// Per element, in document order, what decides how it is written besides its text.
    frames: Vec<Frame<'a>>,
    /// The literal pieces, one after the other.
    literal: String,
    /// For each text written, in writing order: where its literal piece ends in `literal`,
    /// and the element whose text follows.
    texts: Vec<(u32, u32)>,
}

/// One element of a [`Template`]'s structure.
struct Frame<'a> {
    name: &'a str,
    key: u128,
    first: u32,
    next: u32,
    reads: Reads,
}

impl Frame<'_> {
    /// Whether `node` is written as this element is (its text aside).
    fn matches(&self, node: &Node<'_>) -> bool {
        self.key == node.key
            && self.first == node.first
            && self.next == node.next
            && self.reads == node.reads
            && self.name.len() == node.name.len()
            && (self.name.len() <= 16 || self.name == node.name)
    }
}

/// The templates of one page.
#[derive(Default)]
pub(super) struct Templates<'a> {
    kept: Vec<Template<'a>>,
    /// The one that matched last, tried first.
    last: usize,
}

impl<'a> Templates<'a> {
    /// At most this many structures are kept (per page).
    const MAX: usize = 16;

    /// Writes the item held by `arena` (its root the first element) into `out`, from a
    /// template when one has its structure, else by walking it (keeping a template).
    pub(super) fn write(&mut self, arena: &Arena<'a>, out: &mut String, keys: &mut Keys) {
        let nodes = arena.nodes();
        let found = std::iter::once(self.last)
            .chain(0..self.kept.len())
            .find(|&i| {
                self.kept.get(i).is_some_and(|t| {
                    t.frames.len() == nodes.len()
                        && t.frames.iter().zip(nodes).all(|(f, n)| f.matches(n))
                })
            });
        if let Some(i) = found {
            self.last = i;
            let t = &self.kept[i];
            let mut at = 0;
            for &(end, node) in &t.texts {
                out.push_str(&t.literal[at..end as usize]);
                json_string(out, &nodes[node as usize].text);
                at = end as usize;
            }
            out.push_str(&t.literal[at..]);
            return;
        }
        let start = out.len();
        let mut spans = Vec::new();
        arena.write(0, out, keys, Some(&mut spans));
        if self.kept.len() >= Self::MAX {
            return;
        }
        let written = &out[start..];
        let mut literal = String::with_capacity(written.len());
        let mut texts = Vec::with_capacity(spans.len());
        let mut at = 0;
        for (span_start, span_end, node) in spans {
            // Spans start and end next to ASCII quotes: character boundaries.
            literal.push_str(&written[at..span_start - start]);
            texts.push((literal.len() as u32, node));
            at = span_end - start;
        }
        literal.push_str(&written[at..]);
        let frames = nodes
            .iter()
            .map(|n| Frame {
                name: n.name,
                key: n.key,
                first: n.first,
                next: n.next,
                reads: n.reads,
            })
            .collect();
        self.kept.push(Template {
            frames,
            literal,
            texts,
        });
    }
}

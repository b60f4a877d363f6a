//! Items whose markup repeats an earlier item's, read without the tokenizer. Most items of
//! a page have the same tags in the same order; only their texts differ. The tags inside
//! an item the tokenizer read (each `<…>` exactly as sent) are kept as its skeleton; a later
//! item whose bytes are those tags, in order, with text free of `<` before each, gives the
//! tokenizer's events exactly: a text runs to the next `<`, and a tag's event depends only
//! on its bytes and on the elements open around it, the same here since the tags are the
//! same. So the item is matched byte for byte against the skeleton, and its events are
//! replayed from it (names and keys already known) while the tokenizer skips its bytes.

use super::item::key;

/// What a tag of a skeleton does.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Tag {
    Open,
    Close,
    Empty,
}

/// One tag of a skeleton: where its bytes are in the body (in the item it was read from),
/// what it does, and the local name and [`key`] of its element (for `Open` and `Empty`).
#[derive(Clone, Copy)]
pub(super) struct Op<'a> {
    pub(super) at: usize,
    pub(super) len: usize,
    pub(super) tag: Tag,
    pub(super) name: &'a str,
    pub(super) key: u128,
}

/// The skeletons of one page, and the one being recorded.
#[derive(Default)]
pub(super) struct Skeletons<'a> {
    kept: Vec<Vec<Op<'a>>>,
    /// The one that matched last, tried first.
    last: usize,
    /// The tags of the item being read by the tokenizer, `None` when it is not kept.
    recording: Option<Vec<Op<'a>>>,
    /// Where each tag of the matched skeleton starts in the item matched.
    starts: Vec<usize>,
}

impl<'a> Skeletons<'a> {
    /// At most this many skeletons are kept (per page).
    const MAX: usize = 16;

    /// Starts recording the tags of an item the tokenizer reads.
    pub(super) fn begin(&mut self) {
        let mut ops = self.recording.take().unwrap_or_default();
        ops.clear();
        self.recording = Some(ops);
    }

    /// Records a tag of the item being read: its element's name and key, and the tag's
    /// `content` (what the tokenizer gives between `<` or `</` and `>`, a slice of `body`)
    /// ending at `end`. A tag that cannot be placed drops the recording.
    pub(super) fn record(
        &mut self,
        body: &[u8],
        content: &[u8],
        end: usize,
        tag: Tag,
        (name, key): (&'a str, u128),
    ) {
        let Some(ops) = &mut self.recording else {
            return;
        };
        let opening = if tag == Tag::Close { 2 } else { 1 };
        let at = (content.as_ptr() as usize)
            .checked_sub(body.as_ptr() as usize)
            .and_then(|start| start.checked_sub(opening));
        match at {
            Some(at)
                if body.get(at) == Some(&b'<') && end > at && body.get(end - 1) == Some(&b'>') =>
            {
                ops.push(Op {
                    at,
                    len: end - at,
                    tag,
                    name,
                    key,
                });
            }
            _ => self.recording = None,
        }
    }

    /// Drops the recording (the item holds markup a skeleton does not replay).
    pub(super) fn abandon(&mut self) {
        self.recording = None;
    }

    /// Keeps the recording of the item just read, if it is one and there is room.
    pub(super) fn finish(&mut self) {
        if let Some(ops) = self.recording.take() {
            if !ops.is_empty() && self.kept.len() < Self::MAX {
                self.kept.push(ops);
            }
        }
    }

    /// The skeleton that the item whose content starts at `body[at..]` matches, with where
    /// each of its tags starts ([`Self::starts`]).
    pub(super) fn find(&mut self, body: &[u8], at: usize) -> Option<usize> {
        let found = std::iter::once(self.last)
            .chain(0..self.kept.len())
            .find(|&i| {
                self.kept
                    .get(i)
                    .is_some_and(|ops| matches(body, at, ops, &mut self.starts))
            })?;
        self.last = found;
        Some(found)
    }

    /// The tags of skeleton `i`.
    pub(super) fn ops(&self, i: usize) -> &[Op<'a>] {
        &self.kept[i]
    }

    /// Where each tag of the skeleton [`Self::find`] matched starts.
    pub(super) fn starts(&self) -> &[usize] {
        &self.starts
    }
}

/// Whether `body[at..]` is the tags of `ops`, each after a text without `<` (possibly
/// none); notes in `starts` where each tag starts.
fn matches(body: &[u8], mut at: usize, ops: &[Op<'_>], starts: &mut Vec<usize>) -> bool {
    starts.clear();
    for op in ops {
        if body.get(at) != Some(&b'<') {
            let Some(text) = body
                .get(at..)
                .and_then(|rest| rest.iter().position(|&b| b == b'<'))
            else {
                return false;
            };
            at += text;
        }
        let end = at + op.len;
        if body.get(at..end) != body.get(op.at..op.at + op.len) {
            return false;
        }
        starts.push(at);
        at = end;
    }
    true
}

/// The name and key an `Op` of a closing tag carries (none: the element is known).
pub(super) const CLOSE: (&str, u128) = ("", key(""));

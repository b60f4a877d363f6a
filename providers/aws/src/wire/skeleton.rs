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
    /// For each two skeletons `i` and `j`, how many of their first tags are the same
    /// (`shared[i][j]`): an item that matched the first `n` tags of `i` and not the next
    /// can match `j` only if `shared[i][j] == n` (fewer: `j` lacks a tag the item has; more:
    /// `j` has the next tag of `i`, which the item has not).
    shared: Vec<Vec<usize>>,
    /// The one that matched last, tried first.
    last: usize,
    /// The tags of the item being read by the tokenizer, `None` when it is not kept.
    recording: Option<Vec<Op<'a>>>,
    /// Where each tag of the matched skeleton starts in the item matched.
    starts: Vec<usize>,
}

impl<'a> Skeletons<'a> {
    /// At most this many skeletons are kept (per page; [`Self::find`] notes them in a `u32`).
    const MAX: usize = 16;

    /// Starts recording the tags of an item the tokenizer reads (unless no more are kept).
    pub(super) fn begin(&mut self) {
        if self.kept.len() >= Self::MAX {
            return;
        }
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

    /// Keeps the recording of the item just read from `body`, if it is one and there is
    /// room.
    pub(super) fn finish(&mut self, body: &[u8]) {
        if let Some(ops) = self.recording.take() {
            if !ops.is_empty() && self.kept.len() < Self::MAX {
                let shared: Vec<usize> = (self.kept.iter())
                    .map(|other| shared(body, other, &ops))
                    .chain([ops.len()])
                    .collect();
                for (row, &n) in self.shared.iter_mut().zip(&shared) {
                    row.push(n);
                }
                self.shared.push(shared);
                self.kept.push(ops);
            }
        }
    }

    /// The skeleton that the item whose content starts at `body[at..]` matches, with where
    /// each of its tags starts ([`Self::starts`]). The one that matched last is tried first;
    /// when a skeleton fails at a tag, only those sharing the tags before it, and not that
    /// one, are tried, from that tag on (a tag is never the start of another: both end at
    /// their first `>` outside quotes).
    pub(super) fn find(&mut self, body: &[u8], at: usize) -> Option<usize> {
        let mut current = self.last.min(self.kept.len().checked_sub(1)?);
        let (mut at, mut done) = (at, 0);
        // The skeletons tried, one bit each (at most 16).
        let mut tried = 0u32;
        self.starts.clear();
        loop {
            tried |= 1 << current;
            let ops = &self.kept[current][done..];
            match matches(body, &mut at, ops, &mut self.starts) {
                None => {
                    self.last = current;
                    return Some(current);
                }
                Some(matched) => done += matched,
            }
            let shared = &self.shared[current];
            current = (0..self.kept.len()).find(|&j| tried & 1 << j == 0 && shared[j] == done)?;
        }
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

/// Matches the tags of `ops` from `body[*at..]`, each after a text without `<` (possibly
/// none), noting in `starts` where each tag starts and moving `at` past it: `None` when all
/// match, else how many did.
fn matches(body: &[u8], at: &mut usize, ops: &[Op<'_>], starts: &mut Vec<usize>) -> Option<usize> {
    for (i, op) in ops.iter().enumerate() {
        let mut start = *at;
        if body.get(start) != Some(&b'<') {
            match body
                .get(start..)
                .and_then(|rest| memchr::memchr(b'<', rest))
            {
                Some(text) => start += text,
                None => return Some(i),
            }
        }
        let end = start + op.len;
        match (body.get(start..end), body.get(op.at..op.at + op.len)) {
            (Some(item), Some(tag)) if item == tag => {}
            _ => return Some(i),
        }
        starts.push(start);
        *at = end;
    }
    None
}

/// How many of the first tags of `a` and `b` (skeletons of `body`) are the same.
fn shared(body: &[u8], a: &[Op<'_>], b: &[Op<'_>]) -> usize {
    let bytes = |op: &Op<'_>| body.get(op.at..op.at + op.len);
    a.iter()
        .zip(b)
        .take_while(|(x, y)| bytes(x) == bytes(y))
        .count()
}

/// The name and key an `Op` of a closing tag carries (none: the element is known).
pub(super) const CLOSE: (&str, u128) = ("", key(""));

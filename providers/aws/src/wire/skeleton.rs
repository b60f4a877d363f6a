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
            match body.get(start..).and_then(markup) {
                Some(text) => start += text,
                None => return Some(i),
            }
        }
        let end = start + op.len;
        match (body.get(start..end), body.get(op.at..op.at + op.len)) {
            (Some(item), Some(tag)) if same(item, tag) => {}
            _ => return Some(i),
        }
        starts.push(start);
        *at = end;
    }
    None
}

/// Where the first `<` of `bytes` is, eight bytes at a time with the word test of
/// [`super::item::has_byte`]: its lowest flagged byte is the first match (bytes above it
/// may be flagged wrongly).
fn markup(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    let mut words = bytes.chunks_exact(8);
    for (i, chunk) in words.by_ref().enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ (ONES * u64::from(b'<'));
        let found = x.wrapping_sub(ONES) & !x & HIGH;
        if found != 0 {
            return Some(8 * i + found.trailing_zeros() as usize / 8);
        }
    }
    let rest = words.remainder();
    let at = bytes.len() - rest.len();
    rest.iter().position(|&b| b == b'<').map(|i| at + i)
}

/// How many of the first tags of `a` and `b` (skeletons of `body`) are the same.
fn shared(body: &[u8], a: &[Op<'_>], b: &[Op<'_>]) -> usize {
    let bytes = |op: &Op<'_>| body.get(op.at..op.at + op.len);
    a.iter()
        .zip(b)
        .take_while(|(x, y)| bytes(x) == bytes(y))
        .count()
}

/// Whether `a` and `b`, of the same length (a tag, a few dozen bytes), are equal: eight
/// bytes at a time, the last word overlapping the one before it.
fn same(a: &[u8], b: &[u8]) -> bool {
    let word = |s: &[u8]| {
        let mut w = [0u8; 8];
        w.copy_from_slice(s);
        u64::from_ne_bytes(w)
    };
    // Shorter tags (`<key>`, `</item>`): their first and last four bytes.
    let half = |s: &[u8]| {
        let mut w = [0u8; 4];
        w.copy_from_slice(s);
        u32::from_ne_bytes(w)
    };
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0..4 => a == b,
        4..8 => half(&a[..4]) == half(&b[..4]) && half(&a[n - 4..]) == half(&b[n - 4..]),
        _ => {
            a.chunks_exact(8)
                .zip(b.chunks_exact(8))
                .all(|(x, y)| word(x) == word(y))
                && word(&a[n - 8..]) == word(&b[n - 8..])
        }
    }
}

/// The name and key an `Op` of a closing tag carries (none: the element is known).
pub(super) const CLOSE: (&str, u128) = ("", key(""));

#[cfg(test)]
mod tests {
    #[test]
    fn tags_are_equal_exactly_when_their_bytes_are() {
        for len in 0..20 {
            let a: Vec<u8> = (0..len).map(|i| b'a' + i as u8).collect();
            assert!(super::same(&a, &a.clone()));
            for at in 0..len {
                let mut b = a.clone();
                b[at] = b'<';
                assert!(!super::same(&a, &b), "{len} {at}");
            }
            assert!(!super::same(&a, &[a.as_slice(), b">"].concat()));
        }
    }

    #[test]
    fn markup_is_found_at_every_position() {
        for len in 0..24 {
            for at in 0..=len {
                // Bytes the word test may flag wrongly above a match: `<` + 1 and 0x80.
                for filler in [b'a', b'=', 0x80] {
                    let mut bytes = vec![filler; len];
                    if at < len {
                        bytes[at] = b'<';
                        bytes[(at + 1)..].fill(b'=');
                    }
                    let want = bytes.iter().position(|&b| b == b'<');
                    assert_eq!(super::markup(&bytes), want, "{len} {at} {filler}");
                }
            }
        }
    }
}

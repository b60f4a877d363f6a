//! Shared by the providers' page-parser property tests (each includes it with `#[path]`):
//! byte-level edits of a valid document, and where a cut is still inside it.
//!
//! Case counts: proptest's default (256) in `cargo test`; `PROPTEST_CASES=10000` for the long
//! run (docs/testing.md).

use proptest::prelude::*;
use proptest::sample::Index;

/// One edit of a document's bytes, at a position chosen relative to its length.
#[derive(Debug, Clone)]
pub(crate) enum Mutation {
    /// The byte at the index becomes the given one.
    Replace(Index, u8),
    /// The byte at the index is removed.
    Delete(Index),
    /// The given byte is inserted before the index.
    Insert(Index, u8),
    /// The bytes from the first index to the second are repeated once.
    Repeat(Index, Index),
}

/// Bytes that matter to XML and JSON syntax, plus any byte.
fn byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => prop::sample::select(b"<>/&;\"'=![]{},:\\ \n0aZ?-".to_vec()),
        1 => any::<u8>(),
    ]
}

/// Any one [`Mutation`].
pub(crate) fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), byte()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        any::<Index>().prop_map(Mutation::Delete),
        (any::<Index>(), byte()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Repeat(a, b)),
    ]
}

/// `body` with `mutation` applied (a non-empty body is assumed).
pub(crate) fn apply(body: &[u8], mutation: &Mutation) -> Vec<u8> {
    let mut out = body.to_vec();
    match mutation {
        Mutation::Replace(i, b) => {
            let i = i.index(out.len());
            out[i] = *b;
        }
        Mutation::Delete(i) => {
            out.remove(i.index(out.len()));
        }
        Mutation::Insert(i, b) => out.insert(i.index(out.len() + 1), *b),
        Mutation::Repeat(a, b) => {
            let (a, b) = (a.index(out.len()), b.index(out.len()));
            let (from, to) = (a.min(b), a.max(b));
            let copy = out[from..to].to_vec();
            out.splice(to..to, copy);
        }
    }
    out
}

/// Whether a single-byte edit (not a repeat) keeps the item count of a document that still
/// parses: a repeat may legitimately duplicate whole items.
pub(crate) fn is_single_byte(mutation: &Mutation) -> bool {
    !matches!(mutation, Mutation::Repeat(..))
}

/// The length of `body` without trailing whitespace: every cut before it loses part of the
/// document.
pub(crate) fn content_len(body: &[u8]) -> usize {
    body.iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |p| p + 1)
}

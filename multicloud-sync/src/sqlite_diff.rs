//! The SQLite store's diff of a whole snapshot: new rows compared with the stored ones as
//! JSON text, so a resync decodes only the items whose text changed (and the removed ones).
//! `sqlite_texts.rs` writes what it finds.

use std::collections::HashMap;

use rusqlite::{params, Connection};

use crate::diff::{changed_fields, Change, Diff};
use crate::inventory::Snapshot;
use crate::item::{Item, ItemKey};
use crate::sqlite::{from_json, StoreError};
use crate::sqlite_texts::{Changes, StoredText};

/// What changed, found inside the transaction: positions in the new snapshot's rows, and
/// the stored texts they replace or that left.
pub(crate) struct Plan {
    /// Rows (by position) new to this snapshot, with the stored row of the same key whose
    /// text no longer decodes, if any.
    added: Vec<(usize, Option<StoredText>)>,
    /// Rows whose compared fields changed: position, key, fields, the stored item and text.
    changed: Vec<(usize, ItemKey, Vec<&'static str>, Item, StoredText)>,
    /// Rows whose text changed in fields the diff does not compare (a raw record).
    raw_only: Vec<(usize, StoredText)>,
    /// Stored rows no longer listed: key JSON, text, and the item when it decodes.
    removed: Vec<(String, StoredText, Option<Item>)>,
}

/// The stored rows of one snapshot: item JSON and text by key JSON.
fn stored_rows(
    c: &Connection,
    (p, a, region, kind): (&str, &str, &str, &str),
) -> Result<HashMap<String, (String, StoredText)>, StoreError> {
    let rows = c
        .prepare(
            "SELECT i.item_key, t.item, t.id, t.in_history FROM snapshot_items i \
             JOIN item_texts t ON t.id = i.text_id \
             WHERE i.provider = ?1 AND i.account = ?2 AND i.region = ?3 AND i.kind = ?4",
        )?
        .query_map(params![p, a, region, kind], |r| {
            let text = StoredText {
                id: r.get(2)?,
                in_history: r.get(3)?,
            };
            Ok((r.get(0)?, (r.get(1)?, text)))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// A stored value (item or key), or `None` (logged) when it no longer decodes: such a row is treated as
/// absent, so at worst its item shows up as added again, never as a removal.
pub(crate) fn decode_stored<T: serde::de::DeserializeOwned>(
    text: &str,
    region: &str,
    kind: &str,
) -> Option<T> {
    match from_json::<T>(text) {
        Ok(value) => Some(value),
        Err(e) => {
            tracing::warn!(region, kind, error = %e, "skipping a stored item that does not decode");
            None
        }
    }
}

/// Compares `rows` (the new snapshot's `(key JSON, item JSON)`, in key order) with what is
/// stored for `scope`.
pub(crate) fn plan(
    c: &Connection,
    scope: (&str, &str, &str, &str),
    rows: &[(String, String)],
) -> Result<Plan, StoreError> {
    let (_, _, region, kind) = scope;
    let mut stored = stored_rows(c, scope)?;
    let mut plan = Plan {
        added: Vec::new(),
        changed: Vec::new(),
        raw_only: Vec::new(),
        removed: Vec::new(),
    };
    for (i, (key, text)) in rows.iter().enumerate() {
        let Some((before, stored_text)) = stored.remove(key) else {
            plan.added.push((i, None));
            continue;
        };
        // The same text is the same item: nothing to decode.
        if before == *text {
            continue;
        }
        // A stored row that no longer decodes counts as absent: its item shows up as added.
        let Some(before) = decode_stored::<Item>(&before, region, kind) else {
            plan.added.push((i, Some(stored_text)));
            continue;
        };
        let after: Item = from_json(text)?;
        let fields = changed_fields(&before, &after);
        if fields.is_empty() {
            plan.raw_only.push((i, stored_text));
        } else {
            plan.changed
                .push((i, after.key(), fields, before, stored_text));
        }
    }
    let mut removed: Vec<(String, StoredText, Option<Item>)> = stored
        .into_iter()
        .map(|(key, (text, stored))| (key, stored, decode_stored::<Item>(&text, region, kind)))
        .collect();
    removed.sort_by_cached_key(|(_, _, item)| item.as_ref().map(Item::key));
    plan.removed = removed;
    Ok(plan)
}

impl Plan {
    /// The rows to write, for [`Changes::apply`].
    pub(crate) fn changes<'a>(&'a self, rows: &'a [(String, String)]) -> Changes<'a> {
        let row = |i: usize| (rows[i].0.as_str(), rows[i].1.as_str());
        Changes {
            added: self
                .added
                .iter()
                .map(|&(i, replacing)| (row(i).0, row(i).1, replacing))
                .collect(),
            changed: self
                .changed
                .iter()
                .map(|(i, key, fields, _, before)| {
                    (key.clone(), row(*i).0, fields.clone(), *before, row(*i).1)
                })
                .collect(),
            raw_only: self
                .raw_only
                .iter()
                .map(|&(i, before)| (row(i).0, row(i).1, before))
                .collect(),
            removed: self
                .removed
                .iter()
                .map(|(key, stored, _)| (key.as_str(), *stored))
                .collect(),
        }
    }

    /// The diff, with the new items copied from `snapshot` (whose items are in the rows'
    /// order); a copy shares its raw text with the snapshot's.
    pub(crate) fn into_diff(self, snapshot: &Snapshot) -> Diff {
        let items: Vec<(&ItemKey, &Item)> = snapshot.items.iter().collect();
        let take = |i: usize| items.get(i).map(|(k, v)| ((*k).clone(), (*v).clone()));
        let added = self
            .added
            .iter()
            .filter_map(|&(i, _)| take(i).map(|(_, item)| item))
            .collect();
        let changed = self
            .changed
            .into_iter()
            .filter_map(|(i, _, fields, before, _)| {
                let (key, after) = take(i)?;
                Some(Change {
                    key,
                    fields: fields.into_iter().map(str::to_owned).collect(),
                    before,
                    after,
                })
            })
            .collect();
        Diff {
            added,
            removed: self
                .removed
                .into_iter()
                .filter_map(|(_, _, item)| item)
                .collect(),
            changed,
        }
    }
}

//! The SQLite store's diff: new rows compared with the stored ones as JSON text, so a
//! resync decodes only the items whose text changed (and the removed ones), and the history
//! row is written from texts already made instead of serializing every item again.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};

use crate::diff::{changed_fields, Change, Diff};
use crate::inventory::Snapshot;
use crate::item::{Item, ItemKey};
use crate::sqlite::{from_json, to_json, StoreError};

/// What changed, found inside the transaction: positions in the new snapshot's rows, and
/// the stored items that left or changed (decoded).
pub(crate) struct Plan {
    /// Rows (by position) new to this snapshot.
    added: Vec<usize>,
    /// Rows whose compared fields changed: position, fields, the stored item.
    changed: Vec<(usize, Vec<&'static str>, Item)>,
    /// Stored items no longer listed, in key order.
    removed: Vec<Item>,
    /// The history row's JSON, when anything changed.
    pub(crate) json: Option<String>,
}

/// The stored rows of one snapshot, item JSON by key JSON; `None` when there is no snapshot.
fn stored_rows(
    c: &Connection,
    p: &str,
    a: &str,
    region: &str,
    kind: &str,
) -> Result<Option<HashMap<String, String>>, StoreError> {
    let exists: Option<i64> = c
        .query_row(
            "SELECT 1 FROM snapshots WHERE provider = ?1 AND account = ?2 AND region = ?3 AND kind = ?4",
            params![p, a, region, kind],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Ok(None);
    }
    let rows = c
        .prepare(
            "SELECT item_key, item FROM snapshot_items \
             WHERE provider = ?1 AND account = ?2 AND region = ?3 AND kind = ?4",
        )?
        .query_map(params![p, a, region, kind], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(rows))
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
/// stored for (`p`, `a`, `region`, `kind`).
pub(crate) fn plan(
    c: &Connection,
    (p, a, region, kind): (&str, &str, &str, &str),
    rows: &[(String, String)],
) -> Result<Plan, StoreError> {
    let mut stored = stored_rows(c, p, a, region, kind)?.unwrap_or_default();
    let mut plan = Plan {
        added: Vec::new(),
        changed: Vec::new(),
        removed: Vec::new(),
        json: None,
    };
    for (i, (key, text)) in rows.iter().enumerate() {
        let before = match stored.remove(key) {
            // The same text is the same item: nothing to decode.
            Some(before) if before == *text => continue,
            Some(before) => decode_stored::<Item>(&before, region, kind),
            None => None,
        };
        match before {
            None => plan.added.push(i),
            Some(before) => {
                let after: Item = from_json(text)?;
                let fields = changed_fields(&before, &after);
                if !fields.is_empty() {
                    plan.changed.push((i, fields, before));
                }
            }
        }
    }
    let mut removed: Vec<(ItemKey, Item)> = stored
        .values()
        .filter_map(|text| decode_stored::<Item>(text, region, kind))
        .map(|item| (item.key(), item))
        .collect();
    removed.sort_by(|x, y| x.0.cmp(&y.0));
    plan.removed = removed.into_iter().map(|(_, item)| item).collect();
    plan.json = history_json(&plan, rows)?;
    Ok(plan)
}

/// The [`Diff`]'s JSON, as `serde_json` writes it, from the rows' texts.
fn history_json(plan: &Plan, rows: &[(String, String)]) -> Result<Option<String>, StoreError> {
    let removed = plan
        .removed
        .iter()
        .map(to_json)
        .collect::<Result<Vec<_>, _>>()?;
    let befores = plan
        .changed
        .iter()
        .map(|(_, _, before)| to_json(before))
        .collect::<Result<Vec<_>, _>>()?;
    let changed: Vec<ChangedText<'_>> = plan
        .changed
        .iter()
        .zip(&befores)
        .map(|((i, fields, _), before)| ChangedText {
            key: &rows[*i].0,
            fields,
            before,
            after: &rows[*i].1,
        })
        .collect();
    let added: Vec<&str> = plan.added.iter().map(|&i| rows[i].1.as_str()).collect();
    let removed: Vec<&str> = removed.iter().map(String::as_str).collect();
    diff_json(&added, &removed, &changed)
}

/// One changed item's texts, for [`diff_json`].
pub(crate) struct ChangedText<'a> {
    /// The key's JSON.
    pub(crate) key: &'a str,
    /// The fields that differ.
    pub(crate) fields: &'a [&'static str],
    /// The stored item's JSON.
    pub(crate) before: &'a str,
    /// The new item's JSON.
    pub(crate) after: &'a str,
}

/// A [`Diff`]'s JSON, as `serde_json` writes it, assembled from item texts already at hand
/// (no item is serialized again); `None` when nothing changed. Both SQLite write paths
/// write their history rows with it.
pub(crate) fn diff_json(
    added: &[&str],
    removed: &[&str],
    changed: &[ChangedText<'_>],
) -> Result<Option<String>, StoreError> {
    if added.is_empty() && removed.is_empty() && changed.is_empty() {
        return Ok(None);
    }
    let texts = |out: &mut String, list: &[&str]| {
        for (n, text) in list.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            out.push_str(text);
        }
    };
    let mut out = String::from("{\"added\":[");
    texts(&mut out, added);
    out.push_str("],\"removed\":[");
    texts(&mut out, removed);
    out.push_str("],\"changed\":[");
    for (n, change) in changed.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str("{\"key\":");
        out.push_str(change.key);
        out.push_str(",\"fields\":");
        out.push_str(&to_json(&change.fields)?);
        out.push_str(",\"before\":");
        out.push_str(change.before);
        out.push_str(",\"after\":");
        out.push_str(change.after);
        out.push('}');
    }
    out.push_str("]}");
    Ok(Some(out))
}

impl Plan {
    /// The diff, with the new items copied from `snapshot` (whose items are in the rows'
    /// order); a copy shares its raw text with the snapshot's.
    pub(crate) fn into_diff(self, snapshot: &Snapshot) -> Diff {
        let items: Vec<(&ItemKey, &Item)> = snapshot.items.iter().collect();
        let take = |i: usize| items.get(i).map(|(k, v)| ((*k).clone(), (*v).clone()));
        let added = self
            .added
            .iter()
            .filter_map(|&i| take(i).map(|(_, item)| item))
            .collect();
        let changed = self
            .changed
            .into_iter()
            .filter_map(|(i, fields, before)| {
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
            removed: self.removed,
            changed,
        }
    }
}

//! The SQLite store's item texts (schema 5): each version of an item's JSON is written once,
//! to `item_texts`, and shared by the snapshot row that lists it and by every history row
//! that mentions it, which refers to it by id. Before, a first sync wrote every item twice
//! to the file (the snapshot row and the history row's "added"), and the history held a
//! copy of each text it named.
//!
//! A text is deleted exactly when nothing refers to it any more. `in_history` says whether
//! a history row (which is never rewritten) names it; a text not in the history is referred
//! to by its one snapshot row alone, so it goes when that row lets it go without the
//! history taking it: an item whose raw record alone changed (not reported), or a snapshot
//! overwritten by [`save_snapshot`](crate::SnapshotStore::save_snapshot), whose diff is
//! stored whole. Every write of a snapshot's rows goes through [`SnapshotRows`].

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::diff::{Change, Diff};
use crate::item::{Item, ItemKey};
use crate::sqlite_diff::decode_stored;
use crate::sqlite_util::{from_json, to_json, StoreError};

/// (provider, account, region, kind): one snapshot, as the tables key it.
pub(crate) type Scope<'a> = (&'a str, &'a str, &'a str, &'a str);

/// A stored item's text, as a snapshot row refers to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StoredText {
    /// Its id in `item_texts`.
    pub(crate) id: i64,
    /// Whether a history row names it (then it is kept when the snapshot lets it go).
    pub(crate) in_history: bool,
}

/// A history row as schema 5 writes it: the diff's items as text ids. Readers put each list
/// in key order, so writers may list ids in any order.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct HistoryRefs {
    pub(crate) added: Vec<i64>,
    pub(crate) removed: Vec<i64>,
    pub(crate) changed: Vec<ChangeRefs>,
}

/// A changed item in a [`HistoryRefs`].
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ChangeRefs {
    pub(crate) key: ItemKey,
    pub(crate) fields: Vec<String>,
    pub(crate) before: i64,
    pub(crate) after: i64,
}

/// A history row's diff, as stored (the `refs` column says which).
#[derive(Debug)]
pub(crate) enum HistoryJson {
    /// The diff whole, items included (what `save_snapshot` is given; schema 4 rows).
    Whole(String),
    /// A [`HistoryRefs`]: items as text ids.
    Refs(String),
}

impl HistoryRefs {
    pub(crate) fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// The history row's JSON; `None` when nothing changed (no row is written).
    pub(crate) fn json(&self) -> Result<Option<HistoryJson>, StoreError> {
        if self.is_empty() {
            return Ok(None);
        }
        to_json(self).map(|json| Some(HistoryJson::Refs(json)))
    }
}

/// The rows of one snapshot, changed inside one write transaction.
pub(crate) struct SnapshotRows<'t, 'c> {
    tx: &'t Transaction<'c>,
    scope: Scope<'t>,
}

impl<'t, 'c> SnapshotRows<'t, 'c> {
    pub(crate) fn new(tx: &'t Transaction<'c>, scope: Scope<'t>) -> Self {
        SnapshotRows { tx, scope }
    }

    fn insert_text(&self, text: &str, in_history: bool) -> Result<i64, StoreError> {
        self.tx
            .prepare_cached("INSERT INTO item_texts (item, in_history) VALUES (?1, ?2)")?
            .execute(params![text, in_history])?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Points the row of `key` at text `id`: a new row, or the stored one (`existed`).
    fn point(&self, key: &str, id: i64, existed: bool) -> Result<(), StoreError> {
        let (p, a, region, kind) = self.scope;
        let sql = if existed {
            "UPDATE snapshot_items SET text_id = ?6 WHERE provider = ?1 AND account = ?2 \
             AND region = ?3 AND kind = ?4 AND item_key = ?5"
        } else {
            "INSERT INTO snapshot_items (provider, account, region, kind, item_key, text_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        };
        self.tx
            .prepare_cached(sql)?
            .execute(params![p, a, region, kind, key, id])?;
        Ok(())
    }

    /// Stores `text` for the item `key` with no history row naming the text it replaces:
    /// a new item (`replacing` `None`), a stored row whose text no longer decodes, or an
    /// item whose raw record alone changed. `in_history` when this write's history row
    /// names the new text.
    pub(crate) fn add(
        &self,
        key: &str,
        text: &str,
        in_history: bool,
        replacing: Option<StoredText>,
    ) -> Result<i64, StoreError> {
        let id = self.insert_text(text, in_history)?;
        self.point(key, id, replacing.is_some())?;
        if let Some(before) = replacing {
            self.release(before, false)?;
        }
        Ok(id)
    }

    /// A reported change of the item `key`: this write's history row names both texts.
    pub(crate) fn change(
        &self,
        key: &str,
        before: StoredText,
        text: &str,
    ) -> Result<i64, StoreError> {
        let id = self.insert_text(text, true)?;
        self.point(key, id, true)?;
        self.release(before, true)?;
        Ok(id)
    }

    /// Stops listing the item `key`; the history row of this write names its text.
    pub(crate) fn remove(&self, key: &str, before: StoredText) -> Result<(), StoreError> {
        let (p, a, region, kind) = self.scope;
        self.tx
            .prepare_cached(
                "DELETE FROM snapshot_items WHERE provider = ?1 AND account = ?2 \
                 AND region = ?3 AND kind = ?4 AND item_key = ?5",
            )?
            .execute(params![p, a, region, kind, key])?;
        self.release(before, true)
    }

    /// A text its snapshot row no longer lists: kept for the history when `into_history`,
    /// else deleted unless an older history row names it.
    fn release(&self, text: StoredText, into_history: bool) -> Result<(), StoreError> {
        if text.in_history {
            return Ok(());
        }
        let sql = if into_history {
            "UPDATE item_texts SET in_history = 1 WHERE id = ?1"
        } else {
            "DELETE FROM item_texts WHERE id = ?1"
        };
        self.tx.prepare_cached(sql)?.execute([text.id])?;
        Ok(())
    }

    /// Drops every row of the snapshot, and the texts no history row names.
    pub(crate) fn clear(&self) -> Result<(), StoreError> {
        let (p, a, region, kind) = self.scope;
        self.tx.execute(
            "DELETE FROM item_texts WHERE in_history = 0 AND id IN (SELECT text_id \
             FROM snapshot_items WHERE provider = ?1 AND account = ?2 AND region = ?3 \
             AND kind = ?4)",
            params![p, a, region, kind],
        )?;
        self.tx.execute(
            "DELETE FROM snapshot_items WHERE provider = ?1 AND account = ?2 AND region = ?3 \
             AND kind = ?4",
            params![p, a, region, kind],
        )?;
        Ok(())
    }
}

/// What one snapshot write changes, found by either write path (`sqlite_diff.rs` for a
/// whole snapshot, `sqlite_stream.rs` for a staged one): keys and texts as JSON.
#[derive(Default)]
pub(crate) struct Changes<'a> {
    /// New items (or rows whose stored text no longer decodes): key, text, stored row.
    pub(crate) added: Vec<(&'a str, &'a str, Option<StoredText>)>,
    /// Reported changes: key, key JSON, fields, stored text, new text.
    pub(crate) changed: Vec<(ItemKey, &'a str, Vec<&'static str>, StoredText, &'a str)>,
    /// Items whose raw record alone changed: key, new text, stored text.
    pub(crate) raw_only: Vec<(&'a str, &'a str, StoredText)>,
    /// Items no longer listed: key, stored text.
    pub(crate) removed: Vec<(&'a str, StoredText)>,
}

impl Changes<'_> {
    /// Writes the changes to the snapshot's rows; returns the history row naming them.
    pub(crate) fn apply(self, rows: &SnapshotRows<'_, '_>) -> Result<HistoryRefs, StoreError> {
        let mut history = HistoryRefs::default();
        for (key, stored) in self.removed {
            rows.remove(key, stored)?;
            history.removed.push(stored.id);
        }
        for (key, text, replacing) in self.added {
            history.added.push(rows.add(key, text, true, replacing)?);
        }
        for (key, key_json, fields, before, text) in self.changed {
            let after = rows.change(key_json, before, text)?;
            history.changed.push(ChangeRefs {
                key,
                fields: fields.into_iter().map(str::to_owned).collect(),
                before: before.id,
                after,
            });
        }
        for (key, text, before) in self.raw_only {
            rows.add(key, text, false, Some(before))?;
        }
        Ok(history)
    }
}

/// Every text id named by the history rows in CTE `refs` (their `diff` column), as one
/// `SELECT` of a column of ids (repeats possible).
const NAMED_IDS: &str = "
    SELECT j.value FROM refs, json_each(refs.diff, '$.added') j
    UNION ALL SELECT j.value FROM refs, json_each(refs.diff, '$.removed') j
    UNION ALL SELECT json_extract(j.value, '$.before') FROM refs, json_each(refs.diff, '$.changed') j
    UNION ALL SELECT json_extract(j.value, '$.after') FROM refs, json_each(refs.diff, '$.changed') j";

/// Keeps the newest `limit` history rows of account (`p`, `a`), deleting older ones once
/// there are more than `limit + limit / 4` (so most writes pay only for one index probe,
/// and a prune is paid once per `limit / 4` writes), with the texts that only they named.
///
/// A text a pruned row named is kept when a newer row of its snapshot names it too; when
/// its snapshot still lists it, it is that row's alone again (`in_history` 0), so it goes
/// when the snapshot lets it go. Rows only ever name texts of their own snapshot, so only
/// the pruned rows' snapshots are read.
pub(crate) fn prune_history(
    tx: &Transaction<'_>,
    (p, a): (&str, &str),
    limit: usize,
) -> Result<(), StoreError> {
    let nth_newest = |n: usize| -> Result<Option<i64>, StoreError> {
        let offset = i64::try_from(n).unwrap_or(i64::MAX);
        Ok(tx
            .prepare_cached(
                "SELECT id FROM diffs WHERE provider = ?1 AND account = ?2 \
                 ORDER BY id DESC LIMIT 1 OFFSET ?3",
            )?
            .query_row(params![p, a, offset], |r| r.get::<_, i64>(0))
            .optional()?)
    };
    if nth_newest(limit.saturating_add(limit / 4))?.is_none() {
        return Ok(());
    }
    let Some(newest_pruned) = nth_newest(limit)? else {
        return Ok(());
    };
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS pruned_texts (id INTEGER PRIMARY KEY);
         DELETE FROM temp.pruned_texts;",
    )?;
    let pruned = "SELECT diff FROM diffs WHERE provider = ?1 AND account = ?2 AND id <= ?3 \
                  AND refs = 1";
    tx.execute(
        &format!("WITH refs AS ({pruned}) INSERT OR IGNORE INTO temp.pruned_texts {NAMED_IDS}"),
        params![p, a, newest_pruned],
    )?;
    // Still named by a newer row of one of the pruned rows' snapshots: kept as is.
    let kept = "SELECT diff FROM diffs WHERE provider = ?1 AND account = ?2 AND id > ?3 \
                AND refs = 1 AND (region, kind) IN (SELECT region, kind FROM diffs \
                WHERE provider = ?1 AND account = ?2 AND id <= ?3)";
    tx.execute(
        &format!("WITH refs AS ({kept}) DELETE FROM temp.pruned_texts WHERE id IN ({NAMED_IDS})"),
        params![p, a, newest_pruned],
    )?;
    // Still listed by a pruned row's snapshot: that snapshot's alone again.
    tx.execute(
        "UPDATE item_texts SET in_history = 0 WHERE id IN (SELECT id FROM temp.pruned_texts) \
         AND id IN (SELECT text_id FROM snapshot_items WHERE provider = ?1 AND account = ?2 \
         AND (region, kind) IN (SELECT region, kind FROM diffs WHERE provider = ?1 \
         AND account = ?2 AND id <= ?3))",
        params![p, a, newest_pruned],
    )?;
    tx.execute(
        "DELETE FROM item_texts WHERE in_history = 1 AND id IN (SELECT id FROM temp.pruned_texts)",
        [],
    )?;
    tx.execute(
        "DELETE FROM diffs WHERE provider = ?1 AND account = ?2 AND id <= ?3",
        params![p, a, newest_pruned],
    )?;
    tx.execute("DELETE FROM temp.pruned_texts", [])?;
    Ok(())
}

/// Deletes every text an account's snapshots or history rows refer to (before those rows
/// are deleted).
pub(crate) fn delete_account_texts(
    tx: &Transaction<'_>,
    (p, a): (&str, &str),
) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM item_texts WHERE id IN (SELECT text_id FROM snapshot_items \
         WHERE provider = ?1 AND account = ?2)",
        params![p, a],
    )?;
    tx.execute(
        &format!(
            "WITH refs AS (SELECT diff FROM diffs WHERE provider = ?1 AND account = ?2 \
             AND refs = 1) DELETE FROM item_texts WHERE id IN ({NAMED_IDS})"
        ),
        params![p, a],
    )?;
    Ok(())
}

/// A history row's diff: stored whole (`refs` false: schema 4 rows, and those
/// `save_snapshot` writes) or as text ids, each read and decoded here. An item whose text
/// no longer decodes is left out (logged), as when a snapshot is read.
pub(crate) fn read_history(
    c: &rusqlite::Connection,
    (region, kind): (&str, &str),
    diff: &str,
    refs: bool,
) -> Result<Diff, StoreError> {
    if !refs {
        return from_json(diff);
    }
    let history: HistoryRefs = from_json(diff)?;
    let mut text = c.prepare_cached("SELECT item FROM item_texts WHERE id = ?1")?;
    let mut item = |id: i64| -> Result<Option<Item>, StoreError> {
        let stored: Option<String> = text.query_row([id], |r| r.get(0)).optional()?;
        let Some(stored) = stored else {
            return Err(StoreError::Corrupt(format!(
                "a history row of the {kind} snapshot of {region} names item text {id}, \
                 which is gone"
            )));
        };
        Ok(decode_stored::<Item>(&stored, region, kind))
    };
    let by_key = |items: &mut Vec<Item>| items.sort_by_cached_key(Item::key);
    let mut added = Vec::with_capacity(history.added.len());
    for id in history.added {
        added.extend(item(id)?);
    }
    let mut removed = Vec::with_capacity(history.removed.len());
    for id in history.removed {
        removed.extend(item(id)?);
    }
    let mut changed = Vec::with_capacity(history.changed.len());
    for c in history.changed {
        if let (Some(before), Some(after)) = (item(c.before)?, item(c.after)?) {
            changed.push(Change {
                key: c.key,
                fields: c.fields,
                before,
                after,
            });
        }
    }
    by_key(&mut added);
    by_key(&mut removed);
    changed.sort_by(|x, y| x.key.cmp(&y.key));
    Ok(Diff {
        added,
        removed,
        changed,
    })
}

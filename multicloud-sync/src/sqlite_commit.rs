//! The commit of a staged snapshot (`sqlite_stream.rs`): one write transaction that diffs
//! the staged rows against the stored snapshot in SQL and writes only the difference.
//!
//! A writer that began on an empty snapshot (its generation unchanged since, so the snapshot
//! is still empty) takes a shorter way: its pages already wrote their texts to `item_texts`
//! (`sqlite_pending.rs`), so one `INSERT … SELECT` points the snapshot's rows at them and
//! nothing is read back unless the caller wants the items. Otherwise only rows whose text
//! differs are read back (and decoded only to name the changed fields), and a resync that
//! changed nothing writes no row.

use rusqlite::{params, TransactionBehavior};

use crate::diff::{changed_fields, Change, Diff};
use crate::item::{Item, ItemKey};
use crate::sqlite_diff::decode_stored;
use crate::sqlite_pending::release;
use crate::sqlite_stream::{generation, record_write, staging_table};
use crate::sqlite_texts::{Changes, HistoryRefs, Scope, SnapshotRows, StoredText};
use crate::sqlite_util::{from_json, StoreError};
use crate::writer::{CommittedSnapshot, DiffCounts, DiffDetail};

/// A staged row that is new, or whose text differs from the stored one.
struct Candidate {
    key_json: String,
    text: String,
    stored: Option<(String, StoredText)>,
}

/// A changed item: its stored and new versions.
struct Changed {
    key: ItemKey,
    key_json: String,
    fields: Vec<&'static str>,
    before: Item,
    stored: StoredText,
    after: Item,
    after_text: String,
}

/// What the commit found.
#[derive(Default)]
struct Found {
    /// Key JSON, text, and the stored row whose text no longer decodes, if any.
    added: Vec<(String, String, Option<StoredText>)>,
    changed: Vec<Changed>,
    /// Key JSON, new text, stored text.
    raw_only: Vec<(String, String, StoredText)>,
    /// Key JSON, stored text, and the item when it decodes.
    removed: Vec<(String, StoredText, Option<Item>)>,
}

/// Commits writer `run` of `scope`, which began at generation `began_at` and found the
/// snapshot empty then unless `compared` (and then wrote the text ranges starting at
/// `pending`).
pub(crate) fn commit_run(
    c: &mut rusqlite::Connection,
    scope: Scope<'_>,
    ((run, began_at, compared), pending): ((i64, i64, bool), &[i64]),
    (synced_at, history_limit): (&str, usize),
    detail: DiffDetail,
) -> Result<CommittedSnapshot, StoreError> {
    let (_, _, region, kind) = scope;
    // IMMEDIATE takes the write lock before the reads: a second writer of this snapshot
    // waits for this commit and then diffs against what it wrote.
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = generation(&tx, scope)?;
    if now != began_at {
        return Err(StoreError::Replaced(format!(
            "the {kind} snapshot of {region} was replaced by another writer while this \
             listing was staged; nothing was stored, and the next round syncs it again"
        )));
    }
    let staged = staging_table(run);
    let items: i64 = tx.query_row(&format!("SELECT count(*) FROM {staged}"), [], |r| r.get(0))?;
    let (history, counts, diff) = if compared {
        let found = find_changes(&tx, scope, &staged)?;
        let history = found.changes().apply(&SnapshotRows::new(&tx, scope))?;
        let counts = found.counts();
        let diff = match detail {
            DiffDetail::Counts => Diff::default(),
            _ => found.into_diff()?,
        };
        (history, counts, diff)
    } else {
        commit_texts(&tx, scope, &staged, (pending, detail))?
    };
    tx.execute_batch(&format!("DROP TABLE {staged}"))?;
    record_write(&tx, scope, synced_at, history.json()?, history_limit)?;
    tx.commit()?;
    Ok(CommittedSnapshot::new(
        usize::try_from(items).unwrap_or(0),
        counts,
        diff,
    ))
}

/// Stores the snapshot of a writer that began on an empty one: each staged row points at
/// the text its page already wrote to `item_texts` (`sqlite_pending.rs`), and the history
/// names them all as added; `pending` are the first ids of the writer's text ranges.
fn commit_texts(
    tx: &rusqlite::Transaction<'_>,
    (p, a, region, kind): Scope<'_>,
    staged: &str,
    (pending, detail): (&[i64], DiffDetail),
) -> Result<(HistoryRefs, DiffCounts, Diff), StoreError> {
    release(tx, pending)?;
    let added = tx.execute(
        &format!(
            "INSERT INTO snapshot_items (provider, account, region, kind, item_key, text_id) \
             SELECT ?1, ?2, ?3, ?4, item_key, text_id FROM {staged}"
        ),
        params![p, a, region, kind],
    )?;
    let history = HistoryRefs {
        added: tx
            .prepare(&format!("SELECT text_id FROM {staged}"))?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?,
        ..HistoryRefs::default()
    };
    let diff = match detail {
        DiffDetail::Counts => Diff::default(),
        _ => {
            // In the staging table's key order.
            let texts: Vec<String> = tx
                .prepare(&format!(
                    "SELECT t.item FROM {staged} s JOIN item_texts t ON t.id = s.text_id"
                ))?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let added = texts
                .iter()
                .map(|text| from_json::<Item>(text))
                .collect::<Result<Vec<_>, _>>()?;
            Diff {
                added,
                ..Diff::default()
            }
        }
    };
    Ok((history, DiffCounts::new(added, 0, 0), diff))
}

/// Reads the staged rows that are new or differ, and the stored rows no longer listed.
fn find_changes(
    tx: &rusqlite::Transaction<'_>,
    scope: Scope<'_>,
    staged: &str,
) -> Result<Found, StoreError> {
    let (p, a, region, kind) = scope;
    let mut found = Found::default();
    let candidates = tx
        .prepare(&format!(
            "SELECT s.item_key, s.item, t.item, t.id, t.in_history FROM {staged} s \
             LEFT JOIN snapshot_items i ON i.provider = ?1 AND i.account = ?2 \
             AND i.region = ?3 AND i.kind = ?4 AND i.item_key = s.item_key \
             LEFT JOIN item_texts t ON t.id = i.text_id \
             WHERE s.item IS NOT NULL AND (t.item IS NULL OR t.item <> s.item)"
        ))?
        .query_map(params![p, a, region, kind], |r| {
            let stored = match r.get::<_, Option<String>>(2)? {
                Some(text) => Some((
                    text,
                    StoredText {
                        id: r.get(3)?,
                        in_history: r.get(4)?,
                    },
                )),
                None => None,
            };
            Ok(Candidate {
                key_json: r.get(0)?,
                text: r.get(1)?,
                stored,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for candidate in candidates {
        classify(candidate, (region, kind), &mut found)?;
    }
    found.removed = tx
        .prepare(&format!(
            "SELECT i.item_key, t.item, t.id, t.in_history FROM snapshot_items i \
             JOIN item_texts t ON t.id = i.text_id \
             WHERE i.provider = ?1 AND i.account = ?2 AND i.region = ?3 AND i.kind = ?4 \
             AND NOT EXISTS (SELECT 1 FROM {staged} s WHERE s.item_key = i.item_key)"
        ))?
        .query_map(params![p, a, region, kind], |r| {
            let text: String = r.get(1)?;
            let stored = StoredText {
                id: r.get(2)?,
                in_history: r.get(3)?,
            };
            Ok((r.get(0)?, stored, text))
        })?
        .map(|row| {
            // A stored row that no longer decodes is dropped without being reported: at
            // worst an item goes unannounced, never a removal that did not happen.
            row.map(|(key, stored, text)| (key, stored, decode_stored::<Item>(&text, region, kind)))
        })
        .collect::<rusqlite::Result<_>>()?;
    Ok(found)
}

/// Files one candidate as added, changed, or changed in fields the diff does not compare
/// (such as a host's raw record: stored anew, not reported).
fn classify(
    candidate: Candidate,
    (region, kind): (&str, &str),
    found: &mut Found,
) -> Result<(), StoreError> {
    let Candidate {
        key_json,
        text,
        stored,
    } = candidate;
    let Some((before_text, stored)) = stored else {
        found.added.push((key_json, text, None));
        return Ok(());
    };
    // A stored row that no longer decodes counts as absent: its item shows up as added.
    let Some(before) = decode_stored::<Item>(&before_text, region, kind) else {
        found.added.push((key_json, text, Some(stored)));
        return Ok(());
    };
    let after: Item = from_json(&text)?;
    let fields = changed_fields(&before, &after);
    if fields.is_empty() {
        found.raw_only.push((key_json, text, stored));
    } else {
        found.changed.push(Changed {
            key: after.key(),
            key_json,
            fields,
            before,
            stored,
            after,
            after_text: text,
        });
    }
    Ok(())
}

impl Found {
    /// The rows to write.
    fn changes(&self) -> Changes<'_> {
        Changes {
            added: self
                .added
                .iter()
                .map(|(key, text, replacing)| (key.as_str(), text.as_str(), *replacing))
                .collect(),
            changed: self
                .changed
                .iter()
                .map(|c| {
                    let key = c.key.clone();
                    (
                        key,
                        c.key_json.as_str(),
                        c.fields.clone(),
                        c.stored,
                        c.after_text.as_str(),
                    )
                })
                .collect(),
            raw_only: self
                .raw_only
                .iter()
                .map(|(key, text, stored)| (key.as_str(), text.as_str(), *stored))
                .collect(),
            removed: self
                .removed
                .iter()
                .map(|(key, stored, _)| (key.as_str(), *stored))
                .collect(),
        }
    }

    fn counts(&self) -> DiffCounts {
        let removed = self.removed.iter().filter(|(_, _, item)| item.is_some());
        DiffCounts::new(self.added.len(), removed.count(), self.changed.len())
    }

    /// The diff with every item, decoded, each list in key order.
    fn into_diff(self) -> Result<Diff, StoreError> {
        let mut added = self
            .added
            .iter()
            .map(|(_, text, _)| from_json::<Item>(text))
            .collect::<Result<Vec<_>, _>>()?;
        added.sort_by_cached_key(Item::key);
        let mut removed: Vec<Item> = self
            .removed
            .into_iter()
            .filter_map(|(_, _, item)| item)
            .collect();
        removed.sort_by_cached_key(Item::key);
        let mut changed: Vec<Change> = self
            .changed
            .into_iter()
            .map(|c| Change {
                key: c.key,
                fields: c.fields.into_iter().map(str::to_owned).collect(),
                before: c.before,
                after: c.after,
            })
            .collect();
        changed.sort_by(|x, y| x.key.cmp(&y.key));
        Ok(Diff {
            added,
            removed,
            changed,
        })
    }
}

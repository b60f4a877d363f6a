//! A first sync's texts, written straight to `item_texts` as its pages arrive.
//!
//! A writer that began on an empty snapshot compares nothing, so it need not stage each
//! item's text and copy it into `item_texts` at commit (two B-tree inserts of every 1–2 KB
//! text, and the staged pages spilled to the temp file and read back): each page's texts
//! go to `item_texts` in one write transaction, and only (key, text id) is staged. Until
//! the commit points snapshot rows at them, no row names these texts, so each page also
//! records the range of ids it wrote in `pending_texts`:
//!
//! - the commit deletes its ranges' records in the transaction that makes the texts the
//!   snapshot's (and fails if one is gone: see the sweep);
//! - an abandoned or failed writer deletes its ranges' texts and records;
//! - what a crash left (a process that never came back to either) is swept when a store
//!   opens the file: texts of ranges recorded more than [`PENDING_TEXT_TTL`] ago. No
//!   listing of one (region, kind) takes that long, and another process's writer may still
//!   be staging a younger range.
//!
//! The texts of one page get consecutive ids: a table without AUTOINCREMENT gives each
//! new row one more than the largest id, and nothing else inserts in that transaction.

use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::sqlite_util::{JsonText, StoreError};

/// How long the texts a first sync wrote into an [`SqliteStore`](crate::SqliteStore) file
/// may stay uncommitted: a process that crashed mid-listing leaves them behind, and the
/// next [`open`](crate::SqliteStore::open) of the file after this long deletes them (a
/// younger range may be another process's listing still going on).
pub const PENDING_TEXT_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Writes one page's texts to `item_texts` and stages each row's (key, text id) in
/// `staged`; `rows` in key order. Returns the first id of the range recorded, if the page
/// had rows. An item listed twice keeps its last text; the earlier one is deleted.
pub(crate) fn stage_texts(
    c: &mut Connection,
    staged: &str,
    rows: &[(JsonText<'_>, JsonText<'_>)],
) -> Result<Option<i64>, StoreError> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut range: Option<(i64, i64)> = None;
    {
        let mut text =
            tx.prepare_cached("INSERT INTO item_texts (item, in_history) VALUES (?1, 1)")?;
        let mut stage = tx.prepare_cached(&format!(
            "INSERT OR IGNORE INTO {staged} (item_key, text_id) VALUES (?1, ?2)"
        ))?;
        for (key, item) in rows {
            text.execute(params![item])?;
            let id = tx.last_insert_rowid();
            range = match range {
                None => Some((id, id)),
                Some((first, last)) if id == last + 1 => Some((first, id)),
                Some(_) => {
                    return Err(StoreError::Corrupt(
                        "item texts did not get consecutive ids; the file's ids are exhausted"
                            .into(),
                    ))
                }
            };
            if stage.execute(params![key, id])? == 0 {
                replace_staged(&tx, staged, *key, id)?;
            }
        }
    }
    if let Some((first, last)) = range {
        tx.prepare_cached(
            "INSERT INTO pending_texts (first_id, last_id, staged_at) VALUES (?1, ?2, unixepoch())",
        )?
        .execute(params![first, last])?;
    }
    tx.commit()?;
    Ok(range.map(|(first, _)| first))
}

/// Points the staged row of `key`, staged before on this listing, at text `id`, and
/// deletes the text it named (an item listed twice: the last one wins, as in a snapshot).
fn replace_staged(
    tx: &Transaction<'_>,
    staged: &str,
    key: JsonText<'_>,
    id: i64,
) -> Result<(), StoreError> {
    let earlier: i64 = tx.query_row(
        &format!("SELECT text_id FROM {staged} WHERE item_key = ?1"),
        [key],
        |r| r.get(0),
    )?;
    tx.execute("DELETE FROM item_texts WHERE id = ?1", [earlier])?;
    tx.execute(
        &format!("UPDATE {staged} SET text_id = ?2 WHERE item_key = ?1"),
        params![key, id],
    )?;
    Ok(())
}

/// Deletes the records of the ranges starting at `firsts`, whose texts the commit in `tx`
/// makes the snapshot's. Fails (nothing is stored) if one was swept as a crashed writer's.
pub(crate) fn release(tx: &Transaction<'_>, firsts: &[i64]) -> Result<(), StoreError> {
    let mut delete = tx.prepare_cached("DELETE FROM pending_texts WHERE first_id = ?1")?;
    for first in firsts {
        if delete.execute([first])? == 0 {
            return Err(StoreError::Replaced(format!(
                "texts staged by this listing were swept after {} hours as a crashed \
                 writer's; nothing was stored, and the next round syncs it again",
                PENDING_TEXT_TTL.as_secs() / 3600
            )));
        }
    }
    Ok(())
}

/// Deletes the texts of the ranges starting at `firsts` and their records: a writer that
/// will never commit them.
pub(crate) fn discard(c: &mut Connection, firsts: &[i64]) -> Result<(), StoreError> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for first in firsts {
        delete_range(&tx, *first)?;
    }
    tx.commit()?;
    Ok(())
}

/// Deletes the texts and the record of the range starting at `first`, if recorded.
fn delete_range(tx: &Transaction<'_>, first: i64) -> Result<(), StoreError> {
    let last: Option<i64> = tx
        .query_row(
            "DELETE FROM pending_texts WHERE first_id = ?1 RETURNING last_id",
            [first],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(last) = last {
        tx.execute(
            "DELETE FROM item_texts WHERE id BETWEEN ?1 AND ?2",
            params![first, last],
        )?;
    }
    Ok(())
}

/// Deletes what writers that crashed left: every range recorded more than `older_than`
/// ago, texts and record. The number of ranges swept.
pub(crate) fn sweep(c: &mut Connection, older_than: Duration) -> Result<usize, StoreError> {
    let age = i64::try_from(older_than.as_secs()).unwrap_or(i64::MAX);
    let stale = |c: &Connection| -> Result<Vec<i64>, StoreError> {
        Ok(
            c.prepare("SELECT first_id FROM pending_texts WHERE staged_at < unixepoch() - ?1")?
                .query_map([age], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?,
        )
    };
    // Looked for first without the write lock: opening a file another process is writing
    // then waits for nothing when there is nothing to sweep.
    if stale(c)?.is_empty() {
        return Ok(0);
    }
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let firsts = stale(&tx)?;
    for first in &firsts {
        delete_range(&tx, *first)?;
    }
    tx.commit()?;
    Ok(firsts.len())
}

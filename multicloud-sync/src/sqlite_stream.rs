//! The SQLite store's page-by-page snapshot write: pages go into a temporary staging table
//! as they arrive (small pages a few together, [`WRITE_BATCH_BYTES`]), and the commit
//! (`sqlite_commit.rs`) diffs them against the stored snapshot in SQL, so neither the
//! listing nor the stored snapshot is ever held in memory whole.
//!
//! A writer of a snapshot that held nothing (a first sync) has nothing to compare: each
//! page's texts go straight to `item_texts` and only (key, text id) is staged
//! (`sqlite_pending.rs`), so its pages take the file's write lock for a moment each.
//!
//! Each staged item is first compared with its stored row: an item whose JSON text is
//! unchanged is staged as its key alone, so a resync stages keys, not items. That
//! comparison is only valid against the snapshot as it was, so every snapshot write bumps
//! the snapshot's generation, and a commit that finds another generation than its writer
//! began with stores nothing and fails `Transient` (the listing is synced again next
//! round). Only rows whose text differs are read back (and decoded only to name the
//! changed fields), and only those are written: a resync that changed nothing rewrites no
//! row.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use multicloud_core::Result;
use rusqlite::{params, Connection, OptionalExtension};
use time::OffsetDateTime;

use crate::item::{AccountRef, Item};
use crate::sqlite::SqliteStore;
use crate::sqlite_commit::commit_run;
use crate::sqlite_pending::{discard, stage_texts};
use crate::sqlite_texts::{prune_history, HistoryJson};
use crate::sqlite_util::{format_time, JsonText, StoreError};
use crate::writer::{CommittedSnapshot, DiffDetail, SnapshotWriter};

/// The staging table of writer `run` (`item` NULL: the same text as the stored row when
/// staged). Temporary, so it lives in this connection's own temp database (never in the
/// file's WAL) and vanishes with the connection, whatever a crash left in it. One table per
/// writer, dropped when it commits or is abandoned: dropping frees its pages at once, where
/// deleting its rows would copy each page to the temp journal first. Keyed by the item's
/// key alone, without a rowid, so a staged row is written to one B-tree, not two.
pub(crate) fn staging_table(run: i64) -> String {
    format!("temp.staged_{run}")
}

/// Creates writer `run`'s staging table (once, when the writer begins).
pub(crate) fn create_staging(c: &Connection, run: i64) -> std::result::Result<(), StoreError> {
    c.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {} (item_key TEXT PRIMARY KEY NOT NULL, item TEXT, \
         text_id INTEGER) WITHOUT ROWID",
        staging_table(run)
    ))?;
    Ok(())
}

/// Which snapshot a writer replaces.
#[derive(Debug)]
struct Scope {
    provider: String,
    account: String,
    region: String,
    kind: String,
}

impl Scope {
    /// (provider, account, region, kind), as the tables key them.
    fn keys(&self) -> (&str, &str, &str, &str) {
        (&self.provider, &self.account, &self.region, &self.kind)
    }
}

/// A snapshot being staged in an [`SqliteStore`]; made by its `begin_snapshot`.
pub(crate) struct SqliteSnapshotWriter {
    store: SqliteStore,
    scope: Arc<Scope>,
    /// This writer's rows in the staging table.
    run: i64,
    /// The snapshot's generation when the writer began.
    generation: i64,
    /// Whether the snapshot held items when the writer began: if not, nothing is compared
    /// (the generation check makes that safe at commit) and each page's texts go straight
    /// to `item_texts` (`sqlite_pending.rs`).
    compare: bool,
    /// The first ids of the ranges of texts this writer wrote to `item_texts` (without
    /// `compare`), which its commit makes the snapshot's and its drop otherwise deletes.
    pending: Vec<i64>,
    /// Pages encoded but not yet written: fewer than the store's
    /// [`WRITE_BATCH_BYTES`] together.
    held: Vec<EncodedPage>,
    /// Set once committed; otherwise dropping the writer clears its staged rows.
    finished: bool,
}

impl SqliteSnapshotWriter {
    pub(crate) fn new(
        store: SqliteStore,
        account: &AccountRef,
        region: &str,
        kind: &str,
        (run, generation, compare): (i64, i64, bool),
    ) -> Self {
        SqliteSnapshotWriter {
            store,
            scope: Arc::new(Scope {
                provider: account.provider.as_str().to_owned(),
                account: account.account.as_str().to_owned(),
                region: region.to_owned(),
                kind: kind.to_owned(),
            }),
            run,
            generation,
            compare,
            pending: Vec::new(),
            held: Vec::new(),
            finished: false,
        }
    }

    /// Writes the held pages in one transaction. Small provider pages (CTyun's 50 hosts,
    /// Tencent's 100) are written a few hundred KB at a time: each write transaction
    /// rewrites its last, part-filled B-tree pages and pays a commit, and 50-host
    /// transactions made a first sync 1.4x the cost of 1,000-host ones (`benches/store.rs`,
    /// `STORE_PAGE=50`).
    async fn flush(&mut self) -> Result<()> {
        if self.held.is_empty() {
            return Ok(());
        }
        let pages = std::mem::take(&mut self.held);
        let (run, scope) = (self.run, Arc::clone(&self.scope));
        // The pages come back to be freed here, on the thread that allocated them: freed
        // on the connection's thread, each page locked this thread's allocator arena.
        let pages = if self.compare {
            self.store
                .with_temp_tables(move |c| stage(c, &scope, run, &pages).map(|()| pages))
                .await?
        } else {
            // The texts go to the file: this takes its write lock.
            let (first, pages) = self
                .store
                .with_conn(move |c| {
                    let first = stage_texts(c, &staging_table(run), &rows(&pages))?;
                    Ok((first, pages))
                })
                .await?;
            self.pending.extend(first);
            pages
        };
        drop(pages);
        Ok(())
    }
}

impl fmt::Debug for SqliteSnapshotWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteSnapshotWriter")
            .field("scope", &self.scope)
            .field("run", &self.run)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl SnapshotWriter for SqliteSnapshotWriter {
    async fn write(&mut self, items: Vec<Item>) -> Result<()> {
        // Serialized here, on the caller's task, so jobs serialize in parallel and the
        // connection is held for the inserts alone.
        let page = EncodedPage::of(&items).map_err(|e| e.into_error(self.store.file()))?;
        drop(items);
        self.held.push(page);
        let held_bytes: usize = self.held.iter().map(|p| p.text.len()).sum();
        if held_bytes >= self.store.write_batch_bytes() {
            self.flush().await?;
        }
        Ok(())
    }

    async fn commit(
        mut self: Box<Self>,
        synced_at: OffsetDateTime,
        detail: DiffDetail,
    ) -> Result<CommittedSnapshot> {
        let synced_at = format_time(synced_at).map_err(|e| e.into_error(self.store.file()))?;
        self.flush().await?;
        let (scope, run) = (
            Arc::clone(&self.scope),
            (self.run, self.generation, self.compare),
        );
        let history_limit = self.store.history_limit();
        let pending = self.pending.clone();
        let committed = self
            .store
            .with_conn(move |c| {
                commit_run(
                    c,
                    scope.keys(),
                    (run, &pending),
                    (&synced_at, history_limit),
                    detail,
                )
            })
            .await;
        // Committed or failed, the commit's transaction removed or rolled back as one:
        // a failed commit still leaves staged rows, which the drop below clears.
        self.finished = committed.is_ok();
        committed
    }
}

impl Drop for SqliteSnapshotWriter {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        // An abandoned listing: clear its staged rows in the background (best effort; the
        // table is temporary, so they go with the connection in any case).
        // Texts it wrote to the file go too (else the next open of the file after
        // `PENDING_TEXT_TTL` sweeps them).
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let (store, run) = (self.store.clone(), self.run);
            let pending = std::mem::take(&mut self.pending);
            runtime.spawn(async move {
                let clear = move |c: &mut Connection| {
                    c.execute_batch(&format!("DROP TABLE IF EXISTS {}", staging_table(run)))?;
                    Ok(())
                };
                let cleared = if pending.is_empty() {
                    store.with_temp_tables(clear).await
                } else {
                    store
                        .with_conn(move |c| {
                            discard(c, &pending)?;
                            clear(c)
                        })
                        .await
                };
                if let Err(e) = cleared {
                    tracing::debug!(run, error = %e, "could not clear an abandoned snapshot's staged rows");
                }
            });
        }
    }
}

/// How many encoded bytes a writer holds before it writes them (about 170 hosts of 1.5 KB):
/// past a few hundred KB per transaction a first sync costs no less per host
/// (`benches/store.rs`, `STORE_PAGE=200` as 1,000), and a job never holds more than this
/// beyond the page in hand, whatever the account's size.
pub(crate) const WRITE_BATCH_BYTES: usize = 256 * 1024;

/// About the bytes an item's JSON takes besides its raw record: its key, and the
/// normalized fields.
const ITEM_FIELDS_ESTIMATE: usize = 512;

/// The length of an item's raw record's text.
fn raw_len(item: &Item) -> usize {
    item.as_host()
        .map(|host| host.raw.len())
        .or_else(|| item.as_resource().map(|resource| resource.raw.len()))
        .unwrap_or(0)
}

/// A page's keys and items as JSON, in one buffer: a page waiting for the connection holds
/// one allocation of about its encoded size, not two growable strings per item.
struct EncodedPage {
    /// serde_json's output, so UTF-8: bound as SQL text without checking it again.
    text: Vec<u8>,
    /// Where each row's key and item end in `text` (each starts where the previous ended).
    ends: Vec<(usize, usize)>,
}

impl EncodedPage {
    fn of(items: &[Item]) -> std::result::Result<Self, StoreError> {
        // Sized once from the raw texts (most of an item's JSON) plus room for the rest:
        // grown from empty, a page of 1,000 items was copied about twice over by the
        // doublings and once more by the shrink.
        let estimate: usize = items
            .iter()
            .map(|i| raw_len(i) + ITEM_FIELDS_ESTIMATE)
            .sum();
        let mut text = Vec::with_capacity(estimate);
        let mut ends = Vec::with_capacity(items.len());
        for item in items {
            serde_json::to_writer(&mut text, &item.key()).map_err(StoreError::Json)?;
            let key_end = text.len();
            serde_json::to_writer(&mut text, item).map_err(StoreError::Json)?;
            ends.push((key_end, text.len()));
        }
        // Only a poor estimate is trimmed (a page may wait for the connection a while).
        if text.capacity() > text.len() + text.len() / 4 {
            text.shrink_to_fit();
        }
        Ok(EncodedPage { text, ends })
    }

    /// Each row's key and item JSON, as listed.
    fn rows(&self) -> impl Iterator<Item = (JsonText<'_>, JsonText<'_>)> {
        let mut start = 0;
        self.ends.iter().map(move |&(key_end, end)| {
            let row = (
                JsonText(&self.text[start..key_end]),
                JsonText(&self.text[key_end..end]),
            );
            start = end;
            row
        })
    }
}

/// The rows of `pages` in key order: the lookups and inserts then walk the B-trees (stored
/// in key order) forwards instead of jumping between pages. The sort is stable, so a key
/// listed twice keeps its rows in listing order and the last one written wins.
fn rows(pages: &[EncodedPage]) -> Vec<(JsonText<'_>, JsonText<'_>)> {
    let mut rows: Vec<(JsonText<'_>, JsonText<'_>)> =
        pages.iter().flat_map(EncodedPage::rows).collect();
    // Byte order is the order of the texts as SQLite compares them (BINARY collation).
    rows.sort_by(|x, y| x.0 .0.cmp(y.0 .0));
    rows
}

/// Stages held pages of a writer that compares: an item whose text equals its stored row's
/// as its key alone, any other item whole.
fn stage(
    c: &mut Connection,
    scope: &Scope,
    run: i64,
    pages: &[EncodedPage],
) -> std::result::Result<(), StoreError> {
    let (p, a, region, kind) = scope.keys();
    let tx = c.transaction()?;
    {
        let mut stored = tx.prepare_cached(
            "SELECT t.item = ?6 FROM snapshot_items i JOIN item_texts t ON t.id = i.text_id \
             WHERE i.provider = ?1 AND i.account = ?2 AND i.region = ?3 AND i.kind = ?4 \
             AND i.item_key = ?5",
        )?;
        let mut insert = tx.prepare_cached(&format!(
            "INSERT OR REPLACE INTO {} (item_key, item) VALUES (?1, ?2)",
            staging_table(run)
        ))?;
        for (key, item) in rows(pages) {
            let same: Option<bool> = stored
                .query_row(params![p, a, region, kind, key, item], |r| r.get(0))
                .optional()?;
            let text = if same == Some(true) { None } else { Some(item) };
            insert.execute(params![key, text])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// What a writer of `scope` begins with: the snapshot's generation, and whether it holds
/// any item (a writer of an empty snapshot stages without comparing).
pub(crate) fn begin_state(
    c: &Connection,
    scope: (&str, &str, &str, &str),
) -> std::result::Result<(i64, bool), StoreError> {
    let (p, a, region, kind) = scope;
    let stored = c.query_row(
        "SELECT EXISTS (SELECT 1 FROM snapshot_items WHERE provider = ?1 AND account = ?2 \
         AND region = ?3 AND kind = ?4)",
        params![p, a, region, kind],
        |r| r.get(0),
    )?;
    Ok((generation(c, scope)?, stored))
}

/// The generation of the snapshot of `scope` (0 when it was never written).
pub(crate) fn generation(
    c: &Connection,
    (p, a, region, kind): (&str, &str, &str, &str),
) -> std::result::Result<i64, StoreError> {
    Ok(c.query_row(
        "SELECT generation FROM snapshot_generations \
         WHERE provider = ?1 AND account = ?2 AND region = ?3 AND kind = ?4",
        params![p, a, region, kind],
        |r| r.get(0),
    )
    .optional()?
    .unwrap_or(0))
}

/// Records a snapshot write of `scope` taken at `synced_at`: the account, the snapshot's
/// time, its generation bumped (what writers staged against an older one check), and the
/// history row when the diff was not empty. Every snapshot write calls it.
pub(crate) fn record_write(
    tx: &rusqlite::Transaction<'_>,
    (p, a, region, kind): (&str, &str, &str, &str),
    synced_at: &str,
    history: Option<HistoryJson>,
    history_limit: usize,
) -> std::result::Result<(), StoreError> {
    tx.execute(
        "INSERT OR IGNORE INTO accounts VALUES (?1, ?2)",
        params![p, a],
    )?;
    tx.execute(
        "INSERT OR REPLACE INTO snapshots VALUES (?1, ?2, ?3, ?4, ?5)",
        params![p, a, region, kind, synced_at],
    )?;
    tx.execute(
        "INSERT INTO snapshot_generations VALUES (?1, ?2, ?3, ?4, 1) \
         ON CONFLICT (provider, account, region, kind) DO UPDATE SET generation = generation + 1",
        params![p, a, region, kind],
    )?;
    if let Some(history) = history {
        let (diff, refs) = match history {
            HistoryJson::Whole(diff) => (diff, false),
            HistoryJson::Refs(diff) => (diff, true),
        };
        tx.execute(
            "INSERT INTO diffs (provider, account, region, kind, synced_at, diff, refs) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![p, a, region, kind, synced_at, diff, refs],
        )?;
        prune_history(tx, (p, a), history_limit)?;
    }
    Ok(())
}

/// How many rows are staged over every writer's table, of those with `condition` (SQL);
/// for tests.
#[cfg(test)]
pub(crate) fn staged_rows_where(
    c: &Connection,
    condition: &str,
) -> std::result::Result<i64, StoreError> {
    let tables: Vec<String> = c
        .prepare("SELECT name FROM temp.sqlite_master WHERE type = 'table' AND name LIKE 'staged\\_%' ESCAPE '\\'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut rows = 0;
    for table in tables {
        rows += c.query_row(
            &format!("SELECT count(*) FROM temp.{table} WHERE {condition}"),
            [],
            |r| r.get::<_, i64>(0),
        )?;
    }
    Ok(rows)
}

/// How many rows are staged over every writer's table; for tests.
#[cfg(test)]
pub(crate) fn staged_rows(c: &Connection) -> std::result::Result<i64, StoreError> {
    staged_rows_where(c, "1")
}

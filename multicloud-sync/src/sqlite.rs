//! A persistent [`SnapshotStore`] in one embedded SQLite file.
//!
//! rusqlite is synchronous, so the connection lives on a thread of its own and every call
//! is queued to it, never stalling the async workers. One connection is enough: SQLite
//! serializes writers anyway, and a sync stages its pages in a temporary table of that
//! connection (`sqlite_stream.rs`).
//!
//! Another connection holding the write lock (a second process, a backup) is waited for at
//! most [`SQLITE_BUSY_TIMEOUT`], then the call fails with a `Transient` error naming the file. After
//! such a failure the next calls try the lock once without waiting, until one succeeds: a
//! round of many jobs against a locked file fails within about one timeout, not one timeout
//! per job in turn. A failed job keeps its previous snapshot and is synced again next round.

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use multicloud_core::{AccountName, Error, ErrorKind, ProviderKind, Result};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::diff::Diff;
use crate::inventory::{Inventory, Snapshot};
use crate::item::{AccountRef, Item};
use crate::memory::DEFAULT_HISTORY_LIMIT;
use crate::snapshot::{DiffRecord, KnownRegion, RegionOrigin, SnapshotStore};
use crate::sqlite_pending::PENDING_TEXT_TTL;
use crate::sqlite_stream::SqliteSnapshotWriter;
use crate::sqlite_texts::{delete_account_texts, read_history, HistoryJson, SnapshotRows};
use crate::sqlite_thread::ConnThread;
pub(crate) use crate::sqlite_util::{
    blocking, format_time, from_json, parse_time, to_json, StoreError,
};
use crate::writer::SnapshotWriter;

// Tables, keyed by (provider, account name[, region, kind]) — never by AccessKey id.
// `snapshots` marks that a complete listing exists (even an empty one); `snapshot_items`
// lists its items by key, each pointing at its JSON in `item_texts`, which the history
// shares (`sqlite_texts.rs`); `pending_texts` holds the id ranges of texts a first sync
// wrote and has not committed yet (`sqlite_pending.rs`); `snapshot_generations` counts the
// writes of each snapshot (`sqlite_stream.rs`); `diffs` is the timestamped history of
// non-empty diffs (`refs`: items as text ids); `audit_checkpoint` the log objects audit
// intake consumed (`sqlite_audit.rs`).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS accounts (
    provider TEXT NOT NULL, account TEXT NOT NULL,
    PRIMARY KEY (provider, account));
CREATE TABLE IF NOT EXISTS regions (
    provider TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
    origin TEXT NOT NULL, first_seen TEXT NOT NULL,
    PRIMARY KEY (provider, account, region));
CREATE TABLE IF NOT EXISTS snapshots (
    provider TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (provider, account, region, kind));
CREATE TABLE IF NOT EXISTS item_texts (
    id INTEGER PRIMARY KEY, item TEXT NOT NULL, in_history INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pending_texts (
    first_id INTEGER PRIMARY KEY, last_id INTEGER NOT NULL, staged_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS snapshot_items (
    provider TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL,
    item_key TEXT NOT NULL, text_id INTEGER NOT NULL,
    PRIMARY KEY (provider, account, region, kind, item_key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS diffs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL,
    synced_at TEXT NOT NULL, diff TEXT NOT NULL, refs INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS diffs_by_account ON diffs (provider, account, id);
CREATE TABLE IF NOT EXISTS audit_checkpoint (
    provider TEXT NOT NULL, account TEXT NOT NULL, source TEXT NOT NULL, entry TEXT NOT NULL,
    consumed_at INTEGER NOT NULL,
    PRIMARY KEY (provider, account, source, entry));
CREATE TABLE IF NOT EXISTS snapshot_generations (
    provider TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL,
    generation INTEGER NOT NULL,
    PRIMARY KEY (provider, account, region, kind));
CREATE INDEX IF NOT EXISTS audit_checkpoint_by_age
    ON audit_checkpoint (provider, account, source, consumed_at);
";

#[cfg(test)]
pub(crate) const SCHEMA_FOR_TESTS: &str = SCHEMA;

/// Snapshots, diff history and known regions in an SQLite database file.
///
/// ```
/// use multicloud_core::{AccountName, ProviderKind};
/// use multicloud_sync::{AccountRef, SnapshotStore, SqliteStore};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = SqliteStore::open_in_memory().await?;
/// let account = AccountRef::new(ProviderKind::Aws, AccountName::new("prod")?);
/// assert!(store.inventory(&account).await?.is_empty());
/// # Ok::<(), multicloud_core::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// The connection, on its own thread (`sqlite_thread.rs`).
    conn: Arc<ConnThread>,
    /// The database file as given to [`open`](Self::open) (`:memory:` for an in-memory one),
    /// named in every error.
    file: Arc<str>,
    /// The last staging run handed to a snapshot writer.
    runs: Arc<AtomicI64>,
    /// How many history rows each account keeps ([`with_history_limit`](Self::with_history_limit)).
    history_limit: usize,
    /// How many encoded bytes a snapshot writer holds before it writes them
    /// ([`WRITE_BATCH_BYTES`](crate::sqlite_stream::WRITE_BATCH_BYTES); tests lower it).
    write_batch_bytes: usize,
}

/// The page size of a database file [`SqliteStore::open`] creates (bytes).
pub const SQLITE_PAGE_SIZE: i64 = 16_384;

/// How long a call waits for another connection's write lock before failing `Transient`.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_millis(250);

impl SqliteStore {
    /// Opens (or creates) the database at `path` and creates the tables if needed.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_owned();
        let file: Arc<str> = path.display().to_string().into();
        let conn = blocking(&file, move || {
            let conn = Connection::open(&path)?;
            // Only a new, empty file takes it; an existing file keeps its page size. Rows
            // are 1–2 KB of JSON each: on 4 KB pages a first sync wrote about twice the
            // pages and took 1.8x the time (`benches/store.rs`, docs/benchmarks.md).
            conn.pragma_update(None, "page_size", SQLITE_PAGE_SIZE)?;
            // WAL lets readers work while a sync writes; NORMAL sync is durable enough with WAL.
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            // A checkpoint every 4,096 WAL pages (64 MB of 16 KB pages) instead of 1,000: a
            // large first sync pays a quarter of the checkpoints' syncs (`benches/store.rs`:
            // about 10 % of its time).
            conn.pragma_update(None, "wal_autocheckpoint", 4096)?;
            Ok(conn)
        })
        .await?;
        Self::init(conn, file).await
    }

    /// A private in-memory database (for tests and examples).
    pub async fn open_in_memory() -> Result<Self> {
        let file: Arc<str> = ":memory:".into();
        let conn = blocking(&file, || Ok(Connection::open_in_memory()?)).await?;
        Self::init(conn, file).await
    }

    async fn init(conn: Connection, file: Arc<str>) -> Result<Self> {
        let conn = blocking(&file, move || {
            conn.busy_timeout(SQLITE_BUSY_TIMEOUT)?;
            let mut conn = conn;
            crate::sqlite_migrate::prepare(&mut conn, SCHEMA)?;
            // Texts a crashed first sync wrote and never committed (`sqlite_pending.rs`).
            let swept = crate::sqlite_pending::sweep(&mut conn, PENDING_TEXT_TTL)?;
            if swept > 0 {
                tracing::info!(
                    ranges = swept,
                    "deleted item texts of first syncs that never committed"
                );
            }
            // The staging tables' temp database: the file's page size (rows are 1-2 KB),
            // and one journal file kept between transactions instead of one created and
            // deleted by each (a stage or commit paid for both in the kernel).
            conn.pragma_update(Some("temp"), "page_size", SQLITE_PAGE_SIZE)?;
            conn.pragma_update(Some("temp"), "journal_mode", "PERSIST")?;
            Ok(conn)
        })
        .await?;
        let thread = ConnThread::start(conn).map_err(|e| {
            Error::new(
                ErrorKind::Transient,
                format!("snapshot store {file}: could not start its database thread"),
            )
            .with_source(e)
        })?;
        Ok(SqliteStore {
            conn: Arc::new(thread),
            file,
            runs: Arc::new(AtomicI64::new(0)),
            history_limit: DEFAULT_HISTORY_LIMIT,
            write_batch_bytes: crate::sqlite_stream::WRITE_BATCH_BYTES,
        })
    }

    /// Keeps the newest `limit` diff records per account (default
    /// [`DEFAULT_HISTORY_LIMIT`], as [`MemoryStore`](crate::MemoryStore) keeps), so a file
    /// synced on a schedule does not grow without end. Older records, and the item texts
    /// only they name, are deleted in batches: once an account has more than `limit +
    /// limit / 4` records, it is cut back to `limit` by the write that added the last one.
    /// `usize::MAX` keeps every record.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let store = multicloud_sync::SqliteStore::open_in_memory().await?.with_history_limit(100);
    /// assert_eq!(store.history_limit(), 100);
    /// # Ok::<(), multicloud_core::Error>(())
    /// # }).unwrap();
    /// ```
    #[must_use]
    pub fn with_history_limit(mut self, limit: usize) -> Self {
        self.history_limit = limit;
        self
    }

    /// How many diff records per account this store keeps (at least; see
    /// [`with_history_limit`](Self::with_history_limit)).
    pub fn history_limit(&self) -> usize {
        self.history_limit
    }

    /// How many encoded bytes a snapshot writer holds before it writes them.
    pub(crate) fn write_batch_bytes(&self) -> usize {
        self.write_batch_bytes
    }

    /// This store, with snapshot writers that write each page as it comes if `each_page`
    /// (tests that look at the file between pages), or hold small pages as by default.
    #[cfg(test)]
    pub(crate) fn writing_each_page(mut self, each_page: bool) -> Self {
        self.write_batch_bytes = if each_page {
            0
        } else {
            crate::sqlite_stream::WRITE_BATCH_BYTES
        };
        self
    }

    /// The database file, as named in errors.
    pub(crate) fn file(&self) -> &str {
        &self.file
    }

    pub(crate) async fn with_conn<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> std::result::Result<T, StoreError> + Send + 'static,
    {
        self.conn.call(&self.file, true, f).await
    }

    /// [`with_conn`](Self::with_conn) for work on this connection's temporary tables only:
    /// it can never find the file locked, so it leaves the locked state as it was (a staged
    /// page succeeding says nothing about the file's lock).
    pub(crate) async fn with_temp_tables<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> std::result::Result<T, StoreError> + Send + 'static,
    {
        self.conn.call(&self.file, false, f).await
    }
}

#[async_trait]
impl SnapshotStore for SqliteStore {
    async fn snapshot(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
    ) -> Result<Option<Snapshot>> {
        let (p, a) = keys(account);
        let region = region.to_owned();
        let kind = kind.to_owned();
        self.with_conn(move |c| load_snapshot(c, &p, &a, &region, &kind))
            .await
    }

    async fn save_snapshot(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
        snapshot: &Snapshot,
        diff: &Diff,
    ) -> Result<()> {
        let row = SnapshotRow::new(account, region, kind, snapshot)?;
        let diff_json = if diff.is_empty() {
            None
        } else {
            Some(HistoryJson::Whole(to_json(diff)?))
        };
        let limit = self.history_limit;
        self.with_conn(move |c| {
            let tx = c.transaction()?;
            row.write(&tx, diff_json, limit)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn replace_snapshot(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
        snapshot: &Snapshot,
    ) -> Result<Diff> {
        let row = SnapshotRow::new(account, region, kind, snapshot)?;
        let limit = self.history_limit;
        let plan = self
            .with_conn(move |c| {
                // IMMEDIATE takes the write lock before the read: a second writer of this
                // snapshot waits for the commit and then reads what this one wrote.
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                // Compared as JSON text: only rows whose text changed are decoded.
                let scope = (&*row.p, &*row.a, &*row.region, &*row.kind);
                let plan = crate::sqlite_diff::plan(&tx, scope, &row.rows)?;
                let history = plan
                    .changes(&row.rows)
                    .apply(&SnapshotRows::new(&tx, scope))?;
                let json = history.json()?;
                crate::sqlite_stream::record_write(&tx, scope, &row.synced_at, json, limit)?;
                tx.commit()?;
                Ok(plan)
            })
            .await?;
        Ok(plan.into_diff(snapshot))
    }

    async fn begin_snapshot(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
    ) -> Result<Option<Box<dyn SnapshotWriter>>> {
        let run = self.runs.fetch_add(1, Ordering::Relaxed) + 1;
        let (p, a) = keys(account);
        let scope = (region.to_owned(), kind.to_owned());
        let (generation, stored) = self
            .with_conn(move |c| {
                let state = crate::sqlite_stream::begin_state(c, (&p, &a, &scope.0, &scope.1))?;
                crate::sqlite_stream::create_staging(c, run)?;
                Ok(state)
            })
            .await?;
        Ok(Some(Box::new(SqliteSnapshotWriter::new(
            self.clone(),
            account,
            region,
            kind,
            (run, generation, stored),
        ))))
    }

    async fn inventory(&self, account: &AccountRef) -> Result<Inventory> {
        let (p, a) = keys(account);
        let account = account.clone();
        self.with_conn(move |c| {
            let mut inventory = Inventory::new(account);
            let scopes: Vec<(String, String)> = c
                .prepare("SELECT region, kind FROM snapshots WHERE provider = ?1 AND account = ?2")?
                .query_map(params![p, a], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (region, kind) in scopes {
                if let Some(s) = load_snapshot(c, &p, &a, &region, &kind)? {
                    inventory.insert(region, kind, s);
                }
            }
            Ok(inventory)
        })
        .await
    }

    async fn diffs(&self, account: &AccountRef, limit: usize) -> Result<Vec<DiffRecord>> {
        let (p, a) = keys(account);
        let account = account.clone();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with_conn(move |c| {
            let rows: Vec<(String, String, String, String, bool)> = c
                .prepare(
                    "SELECT region, kind, synced_at, diff, refs FROM diffs \
                     WHERE provider = ?1 AND account = ?2 ORDER BY id DESC LIMIT ?3",
                )?
                .query_map(params![p, a, limit], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
            rows.into_iter()
                .map(|(region, kind, synced_at, diff, refs)| {
                    let diff = read_history(c, (&region, &kind), &diff, refs)?;
                    Ok(DiffRecord {
                        account: account.clone(),
                        region,
                        kind,
                        synced_at: parse_time(&synced_at)?,
                        diff,
                    })
                })
                .collect()
        })
        .await
    }

    async fn known_regions(&self, account: &AccountRef) -> Result<Vec<KnownRegion>> {
        let (p, a) = keys(account);
        self.with_conn(move |c| {
            let rows: Vec<(String, String, String)> = c
                .prepare(
                    "SELECT region, origin, first_seen FROM regions \
                     WHERE provider = ?1 AND account = ?2 ORDER BY region",
                )?
                .query_map(params![p, a], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            rows.into_iter()
                .map(|(id, origin, first_seen)| {
                    Ok(KnownRegion {
                        id,
                        origin: match origin.as_str() {
                            "initial" => RegionOrigin::Initial,
                            "discovered" => RegionOrigin::Discovered,
                            other => {
                                return Err(StoreError::Corrupt(format!("region origin {other:?}")))
                            }
                        },
                        first_seen: parse_time(&first_seen)?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn add_known_regions(&self, account: &AccountRef, regions: &[KnownRegion]) -> Result<()> {
        if regions.is_empty() {
            return Ok(());
        }
        let (p, a) = keys(account);
        let mut rows = Vec::with_capacity(regions.len());
        for r in regions {
            let origin = match r.origin {
                RegionOrigin::Initial => "initial",
                RegionOrigin::Discovered => "discovered",
            };
            rows.push((r.id.clone(), origin, format_time(r.first_seen)?));
        }
        self.with_conn(move |c| {
            let tx = c.transaction()?;
            tx.execute(
                "INSERT OR IGNORE INTO accounts VALUES (?1, ?2)",
                params![p, a],
            )?;
            {
                let mut insert =
                    tx.prepare("INSERT OR IGNORE INTO regions VALUES (?1, ?2, ?3, ?4, ?5)")?;
                for (id, origin, first_seen) in &rows {
                    insert.execute(params![p, a, id, origin, first_seen])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn accounts(&self) -> Result<Vec<AccountRef>> {
        self.with_conn(|c| {
            let rows: Vec<(String, String)> = c
                .prepare("SELECT provider, account FROM accounts ORDER BY provider, account")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut out = rows
                .into_iter()
                .map(|(p, a)| {
                    let provider: ProviderKind = p
                        .parse()
                        .map_err(|_| StoreError::Corrupt(format!("provider {p:?}")))?;
                    let account = AccountName::new(a)
                        .map_err(|_| StoreError::Corrupt("empty account name".into()))?;
                    Ok(AccountRef::new(provider, account))
                })
                .collect::<std::result::Result<Vec<_>, StoreError>>()?;
            out.sort();
            Ok(out)
        })
        .await
    }

    async fn delete_account(&self, account: &AccountRef) -> Result<()> {
        let (p, a) = keys(account);
        self.with_conn(move |c| {
            let tx = c.transaction()?;
            delete_account_texts(&tx, (&p, &a))?;
            for table in [
                "snapshot_items",
                "snapshots",
                "snapshot_generations",
                "diffs",
                "regions",
                "accounts",
            ] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE provider = ?1 AND account = ?2"),
                    params![p, a],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }
}

fn load_snapshot(
    c: &Connection,
    p: &str,
    a: &str,
    region: &str,
    kind: &str,
) -> std::result::Result<Option<Snapshot>, StoreError> {
    let synced_at: Option<String> = c
        .query_row(
            "SELECT synced_at FROM snapshots WHERE provider = ?1 AND account = ?2 AND region = ?3 AND kind = ?4",
            params![p, a, region, kind],
            |r| r.get(0),
        )
        .optional()?;
    let Some(synced_at) = synced_at else {
        return Ok(None);
    };
    let items: Vec<String> = c
        .prepare(
            "SELECT t.item FROM snapshot_items i JOIN item_texts t ON t.id = i.text_id \
             WHERE i.provider = ?1 AND i.account = ?2 AND i.region = ?3 AND i.kind = ?4",
        )?
        .query_map(params![p, a, region, kind], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    // One row that no longer decodes must not hide the account's whole inventory: it is
    // skipped and logged. At worst it shows up as added again at the next sync, never as a
    // removal.
    let mut decoded = Vec::with_capacity(items.len());
    for json in &items {
        match from_json::<Item>(json) {
            Ok(item) => decoded.push(item),
            Err(e) => {
                tracing::warn!(region, kind, error = %e, "skipping a stored item that does not decode")
            }
        }
    }
    let items = decoded;
    Ok(Some(Snapshot::new(parse_time(&synced_at)?, items)))
}

/// A snapshot ready to be written: its keys and its items as JSON rows, in key order.
struct SnapshotRow {
    p: String,
    a: String,
    region: String,
    kind: String,
    synced_at: String,
    rows: Vec<(String, String)>,
}

impl SnapshotRow {
    fn new(
        account: &AccountRef,
        region: &str,
        kind: &str,
        snapshot: &Snapshot,
    ) -> std::result::Result<Self, StoreError> {
        let (p, a) = keys(account);
        let mut rows = Vec::with_capacity(snapshot.items.len());
        for (key, item) in &snapshot.items {
            rows.push((to_json(key)?, to_json(item)?));
        }
        Ok(SnapshotRow {
            p,
            a,
            region: region.to_owned(),
            kind: kind.to_owned(),
            synced_at: format_time(snapshot.synced_at)?,
            rows,
        })
    }

    /// Replaces the stored snapshot inside `tx` and appends `diff` (already JSON) if any.
    fn write(
        &self,
        tx: &rusqlite::Transaction<'_>,
        diff: Option<HistoryJson>,
        history_limit: usize,
    ) -> std::result::Result<(), StoreError> {
        let SnapshotRow {
            p,
            a,
            region,
            kind,
            synced_at,
            rows,
        } = self;
        let scope = (&**p, &**a, &**region, &**kind);
        crate::sqlite_stream::record_write(tx, scope, synced_at, diff, history_limit)?;
        // The diff given is stored whole, so no history row names these texts.
        let items = SnapshotRows::new(tx, scope);
        items.clear()?;
        for (key, item) in rows {
            items.add(key, item, false, None)?;
        }
        Ok(())
    }
}

fn keys(account: &AccountRef) -> (String, String) {
    (
        account.provider.as_str().to_owned(),
        account.account.as_str().to_owned(),
    )
}

//! A [`SnapshotStore`] in PostgreSQL, shared by any number of processes.
//!
//! The tables live in the `multicloud` schema and are created and upgraded by the library
//! (versioned migrations, `postgres_schema.rs`). Every write of a (account, region, kind)
//! snapshot is one transaction that first takes a transaction-scoped advisory lock on that
//! key, so two writers (two worker processes, or a retry of a job whose worker died) never
//! diff against the same previous snapshot; running the same job again writes the same
//! snapshot and an empty diff, never a duplicate. A non-empty diff also goes to the outbox in
//! that transaction ([`PostgresSnapshotStore::outbox`]).

use std::fmt;

use async_trait::async_trait;
use multicloud_core::{AccountName, ProviderKind, Result};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, PgConnection, Postgres, Row, Transaction};
use time::OffsetDateTime;

use crate::diff::Diff;
use crate::inventory::{Inventory, Snapshot};
use crate::item::{AccountRef, Item};
use crate::postgres_schema::{db_error, migrate, Target};
use crate::snapshot::{DiffRecord, KnownRegion, RegionOrigin, SnapshotStore};
use crate::sqlite::{from_json, to_json};

/// How many connections [`PostgresSnapshotStore::connect`] opens at most.
pub const DEFAULT_POOL_SIZE: u32 = 8;

/// Snapshots, diff history, known regions and the event outbox in a PostgreSQL database.
///
/// Cloning is cheap: clones share one connection pool. `Debug` and every error name the
/// database as `host:port/database`, never the password.
#[derive(Clone)]
pub struct PostgresSnapshotStore {
    pub(crate) pool: PgPool,
    pub(crate) target: Target,
    /// How many history rows each account keeps (`postgres_history.rs`).
    pub(crate) history_limit: usize,
}

impl fmt::Debug for PostgresSnapshotStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresSnapshotStore")
            .field("database", &self.target)
            .finish_non_exhaustive()
    }
}

impl PostgresSnapshotStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`), then creates or
    /// upgrades the tables. A database written by a newer multicloud is refused
    /// (`ErrorKind::Config`); an unreachable one is `ErrorKind::Transient`.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, DEFAULT_POOL_SIZE).await
    }

    /// [`connect`](Self::connect) with at most `connections` pooled connections.
    pub async fn connect_with(url: &str, connections: u32) -> Result<Self> {
        let options: PgConnectOptions = url
            .parse()
            .map_err(|e| db_error(&Target::unparsed(), "parse the database URL", e))?;
        let target = Target::of(&options);
        // One plain connection first: the pool would retry a refused connection until its
        // acquire timeout and then report only the timeout, hiding the cause.
        let probe = PgConnection::connect_with(&options)
            .await
            .map_err(|e| db_error(&target, "connect", e))?;
        let _ = probe.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(connections.max(1))
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| db_error(&target, "connect", e))?;
        migrate(&pool, &target).await?;
        Ok(PostgresSnapshotStore {
            pool,
            target,
            history_limit: crate::DEFAULT_HISTORY_LIMIT,
        })
    }

    /// The database as `host:port/database` (no credentials).
    pub fn database(&self) -> String {
        self.target.to_string()
    }

    pub(crate) fn err(&self, doing: &str) -> impl FnOnce(sqlx::Error) -> multicloud_core::Error {
        let target = self.target.clone();
        let doing = doing.to_owned();
        move |e| db_error(&target, &doing, e)
    }

    async fn begin(&self) -> Result<Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(self.err("begin"))
    }
}

/// Serializes writers of one (account, region, kind) until their transaction ends.
async fn lock_scope(
    tx: &mut Transaction<'_, Postgres>,
    (p, a): (&str, &str),
    region: &str,
    kind: &str,
) -> std::result::Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!(
            "snapshot\u{1f}{p}\u{1f}{a}\u{1f}{region}\u{1f}{kind}"
        ))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn load_snapshot(
    conn: &mut sqlx::PgConnection,
    (p, a): (&str, &str),
    region: &str,
    kind: &str,
) -> std::result::Result<Option<Snapshot>, sqlx::Error> {
    let synced_at: Option<OffsetDateTime> = sqlx::query_scalar(
        "SELECT synced_at FROM multicloud.snapshots \
         WHERE provider = $1 AND account = $2 AND region = $3 AND kind = $4",
    )
    .bind(p)
    .bind(a)
    .bind(region)
    .bind(kind)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(synced_at) = synced_at else {
        return Ok(None);
    };
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT item FROM multicloud.snapshot_items \
         WHERE provider = $1 AND account = $2 AND region = $3 AND kind = $4",
    )
    .bind(p)
    .bind(a)
    .bind(region)
    .bind(kind)
    .fetch_all(&mut *conn)
    .await?;
    // As in SQLite: a row that no longer decodes is skipped, never failing the inventory.
    let mut items = Vec::with_capacity(rows.len());
    for json in &rows {
        match from_json::<Item>(json) {
            Ok(item) => items.push(item),
            Err(e) => {
                tracing::warn!(region, kind, error = %e, "skipping a stored item that does not decode")
            }
        }
    }
    Ok(Some(Snapshot::new(synced_at, items)))
}

/// Replaces the snapshot inside `tx` and appends a non-empty `diff` to the history and the
/// outbox.
async fn write_snapshot(
    tx: &mut Transaction<'_, Postgres>,
    account: &AccountRef,
    region: &str,
    kind: &str,
    (snapshot, diff): (&Snapshot, &Diff),
    history_limit: usize,
) -> Result<()> {
    let (p, a) = (account.provider.as_str(), account.account.as_str());
    let mut keys = Vec::with_capacity(snapshot.items.len());
    let mut items = Vec::with_capacity(snapshot.items.len());
    for (key, item) in &snapshot.items {
        keys.push(to_json(key)?);
        items.push(to_json(item)?);
    }
    let diff_json = (!diff.is_empty()).then(|| to_json(diff)).transpose()?;
    let run = async {
        sqlx::query("INSERT INTO multicloud.accounts VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(p)
            .bind(a)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO multicloud.snapshots VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (provider, account, region, kind) DO UPDATE SET synced_at = EXCLUDED.synced_at",
        )
        .bind(p)
        .bind(a)
        .bind(region)
        .bind(kind)
        .bind(snapshot.synced_at)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "DELETE FROM multicloud.snapshot_items \
             WHERE provider = $1 AND account = $2 AND region = $3 AND kind = $4",
        )
        .bind(p)
        .bind(a)
        .bind(region)
        .bind(kind)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO multicloud.snapshot_items \
             SELECT $1, $2, $3, $4, k, i FROM UNNEST($5::text[], $6::text[]) AS t(k, i)",
        )
        .bind(p)
        .bind(a)
        .bind(region)
        .bind(kind)
        .bind(&keys)
        .bind(&items)
        .execute(&mut **tx)
        .await?;
        if let Some(diff_json) = &diff_json {
            sqlx::query(
                "INSERT INTO multicloud.diffs (provider, account, region, kind, synced_at, diff) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(p)
            .bind(a)
            .bind(region)
            .bind(kind)
            .bind(snapshot.synced_at)
            .bind(diff_json)
            .execute(&mut **tx)
            .await?;
            crate::postgres_history::prune_history(tx, (p, a), history_limit).await?;
            let record = DiffRecord::new(
                account.clone(),
                region,
                kind,
                snapshot.synced_at,
                diff.clone(),
            );
            let payload = to_json(&record).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
            crate::outbox::insert(tx, account, "synced", Some(region), Some(kind), &payload)
                .await?;
        }
        Ok::<_, sqlx::Error>(())
    };
    run.await.map_err(|e| {
        multicloud_core::Error::new(e_kind(&e), "snapshot store: writing a snapshot failed")
            .with_source(e)
    })
}

fn e_kind(e: &sqlx::Error) -> multicloud_core::ErrorKind {
    crate::postgres_schema::kind_of(e)
}

#[async_trait]
impl SnapshotStore for PostgresSnapshotStore {
    async fn snapshot(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
    ) -> Result<Option<Snapshot>> {
        let mut conn = self.pool.acquire().await.map_err(self.err("connect"))?;
        load_snapshot(&mut conn, keys(account), region, kind)
            .await
            .map_err(self.err("read a snapshot"))
    }

    async fn save_snapshot(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
        snapshot: &Snapshot,
        diff: &Diff,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        lock_scope(&mut tx, keys(account), region, kind)
            .await
            .map_err(self.err("lock a snapshot"))?;
        write_snapshot(
            &mut tx,
            account,
            region,
            kind,
            (snapshot, diff),
            self.history_limit,
        )
        .await?;
        tx.commit().await.map_err(self.err("commit a snapshot"))
    }

    async fn replace_snapshot(
        &self,
        account: &AccountRef,
        region: &str,
        kind: &str,
        snapshot: &Snapshot,
    ) -> Result<Diff> {
        let mut tx = self.begin().await?;
        // Locked before the read: a second writer waits for our commit, then reads it.
        lock_scope(&mut tx, keys(account), region, kind)
            .await
            .map_err(self.err("lock a snapshot"))?;
        let previous = load_snapshot(&mut tx, keys(account), region, kind)
            .await
            .map_err(self.err("read a snapshot"))?
            .map(|s| s.items)
            .unwrap_or_default();
        let diff = Diff::between(&previous, &snapshot.items);
        write_snapshot(
            &mut tx,
            account,
            region,
            kind,
            (snapshot, &diff),
            self.history_limit,
        )
        .await?;
        tx.commit().await.map_err(self.err("commit a snapshot"))?;
        Ok(diff)
    }

    async fn inventory(&self, account: &AccountRef) -> Result<Inventory> {
        let (p, a) = keys(account);
        // One read-only transaction at REPEATABLE READ: a consistent view across snapshots.
        let mut tx = self.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(self.err("read an inventory"))?;
        let scopes: Vec<(String, String)> = sqlx::query_as(
            "SELECT region, kind FROM multicloud.snapshots WHERE provider = $1 AND account = $2",
        )
        .bind(p)
        .bind(a)
        .fetch_all(&mut *tx)
        .await
        .map_err(self.err("read an inventory"))?;
        let mut inventory = Inventory::new(account.clone());
        for (region, kind) in scopes {
            if let Some(s) = load_snapshot(&mut tx, (p, a), &region, &kind)
                .await
                .map_err(self.err("read an inventory"))?
            {
                inventory.insert(region, kind, s);
            }
        }
        tx.commit().await.map_err(self.err("read an inventory"))?;
        Ok(inventory)
    }

    async fn diffs(&self, account: &AccountRef, limit: usize) -> Result<Vec<DiffRecord>> {
        let (p, a) = keys(account);
        let rows = sqlx::query(
            "SELECT region, kind, synced_at, diff FROM multicloud.diffs \
             WHERE provider = $1 AND account = $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(p)
        .bind(a)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(self.err("read diffs"))?;
        rows.iter()
            .map(|r| {
                let diff: String = r.try_get(3).map_err(self.err("read diffs"))?;
                Ok(DiffRecord::new(
                    account.clone(),
                    r.try_get::<String, _>(0).map_err(self.err("read diffs"))?,
                    r.try_get::<String, _>(1).map_err(self.err("read diffs"))?,
                    r.try_get(2).map_err(self.err("read diffs"))?,
                    from_json(&diff)?,
                ))
            })
            .collect()
    }

    async fn known_regions(&self, account: &AccountRef) -> Result<Vec<KnownRegion>> {
        let (p, a) = keys(account);
        let rows: Vec<(String, String, OffsetDateTime)> = sqlx::query_as(
            "SELECT region, origin, first_seen FROM multicloud.regions \
             WHERE provider = $1 AND account = $2 ORDER BY region",
        )
        .bind(p)
        .bind(a)
        .fetch_all(&self.pool)
        .await
        .map_err(self.err("read regions"))?;
        rows.into_iter()
            .map(|(id, origin, first_seen)| {
                let origin = match origin.as_str() {
                    "initial" => RegionOrigin::Initial,
                    "discovered" => RegionOrigin::Discovered,
                    other => {
                        return Err(multicloud_core::Error::decode(format!(
                            "snapshot store: region origin {other:?}"
                        )))
                    }
                };
                Ok(KnownRegion::new(id, origin, first_seen))
            })
            .collect()
    }

    async fn add_known_regions(&self, account: &AccountRef, regions: &[KnownRegion]) -> Result<()> {
        if regions.is_empty() {
            return Ok(());
        }
        let (p, a) = keys(account);
        let ids: Vec<&str> = regions.iter().map(|r| r.id.as_str()).collect();
        let origins: Vec<&str> = regions
            .iter()
            .map(|r| match r.origin {
                RegionOrigin::Initial => "initial",
                RegionOrigin::Discovered => "discovered",
            })
            .collect();
        let seen: Vec<OffsetDateTime> = regions.iter().map(|r| r.first_seen).collect();
        let mut tx = self.begin().await?;
        let run = async {
            sqlx::query("INSERT INTO multicloud.accounts VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(p)
                .bind(a)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO multicloud.regions \
                 SELECT $1, $2, r, o, f FROM UNNEST($3::text[], $4::text[], $5::timestamptz[]) \
                 AS t(r, o, f) ON CONFLICT DO NOTHING",
            )
            .bind(p)
            .bind(a)
            .bind(&ids)
            .bind(&origins)
            .bind(&seen)
            .execute(&mut *tx)
            .await?;
            Ok::<_, sqlx::Error>(())
        };
        run.await.map_err(self.err("record regions"))?;
        tx.commit().await.map_err(self.err("record regions"))
    }

    async fn accounts(&self) -> Result<Vec<AccountRef>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT provider, account FROM multicloud.accounts ORDER BY provider, account",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(self.err("list accounts"))?;
        let mut out = rows
            .into_iter()
            .map(|(p, a)| parse_account(&p, a))
            .collect::<Result<Vec<_>>>()?;
        out.sort();
        Ok(out)
    }

    async fn delete_account(&self, account: &AccountRef) -> Result<()> {
        let (p, a) = keys(account);
        let mut tx = self.begin().await?;
        for delete in [
            "DELETE FROM multicloud.snapshot_items WHERE provider = $1 AND account = $2",
            "DELETE FROM multicloud.snapshots WHERE provider = $1 AND account = $2",
            "DELETE FROM multicloud.diffs WHERE provider = $1 AND account = $2",
            "DELETE FROM multicloud.regions WHERE provider = $1 AND account = $2",
            "DELETE FROM multicloud.accounts WHERE provider = $1 AND account = $2",
        ] {
            sqlx::query(delete)
                .bind(p)
                .bind(a)
                .execute(&mut *tx)
                .await
                .map_err(self.err("delete an account"))?;
        }
        tx.commit().await.map_err(self.err("delete an account"))
    }
}

fn keys(account: &AccountRef) -> (&str, &str) {
    (account.provider.as_str(), account.account.as_str())
}

/// The account of a stored (provider, account) pair.
pub(crate) fn parse_account(provider: &str, account: String) -> Result<AccountRef> {
    let provider: ProviderKind = provider.parse().map_err(|_| {
        multicloud_core::Error::decode(format!("snapshot store: unknown provider {provider:?}"))
    })?;
    let account = AccountName::new(account)
        .map_err(|_| multicloud_core::Error::decode("snapshot store: empty account name"))?;
    Ok(AccountRef::new(provider, account))
}

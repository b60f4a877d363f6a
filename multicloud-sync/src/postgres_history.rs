//! How much history the PostgreSQL store keeps: the newest
//! [`with_history_limit`](PostgresSnapshotStore::with_history_limit) records per account,
//! older ones deleted in batches by the writes that add new ones.

use sqlx::{Postgres, Transaction};

use crate::postgres::PostgresSnapshotStore;

impl PostgresSnapshotStore {
    /// Keeps the newest `limit` diff records per account (default
    /// [`DEFAULT_HISTORY_LIMIT`](crate::DEFAULT_HISTORY_LIMIT), as the other stores keep),
    /// so a database synced on a schedule does not grow without end. Once an account has
    /// more than `limit + limit / 4` records, the write that added the last one deletes the
    /// oldest down to `limit`. `usize::MAX` keeps every record. The outbox is not affected.
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
}

/// Cuts account (`p`, `a`)'s history back to its newest `limit` records once it holds more
/// than `limit + limit / 4`, inside the write's transaction. One transaction at a time
/// prunes an account (a transaction-scoped advisory lock, tried without waiting): another
/// that finds one pruning leaves it to that one, so no two deletes of the same rows can
/// deadlock.
pub(crate) async fn prune_history(
    tx: &mut Transaction<'_, Postgres>,
    (p, a): (&str, &str),
    limit: usize,
) -> Result<(), sqlx::Error> {
    let offset = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let over: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM multicloud.diffs WHERE provider = $1 AND account = $2 \
         ORDER BY id DESC OFFSET $3 LIMIT 1",
    )
    .bind(p)
    .bind(a)
    .bind(offset(limit.saturating_add(limit / 4)))
    .fetch_optional(&mut **tx)
    .await?;
    if over.is_none() {
        return Ok(());
    }
    let ours: bool =
        sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("history\u{1f}{p}\u{1f}{a}"))
            .fetch_one(&mut **tx)
            .await?;
    if !ours {
        return Ok(());
    }
    sqlx::query(
        "DELETE FROM multicloud.diffs WHERE provider = $1 AND account = $2 AND id <= \
         (SELECT id FROM multicloud.diffs WHERE provider = $1 AND account = $2 \
         ORDER BY id DESC OFFSET $3 LIMIT 1)",
    )
    .bind(p)
    .bind(a)
    .bind(offset(limit))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

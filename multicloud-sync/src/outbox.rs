//! The event outbox of the PostgreSQL store: what a consumer in another process follows.

use multicloud_core::{CredentialStatus, Result};
use serde::Serialize;
use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::events::SyncEvent;
use crate::item::AccountRef;
use crate::postgres::{parse_account, PostgresSnapshotStore};

/// A serialization lock key of the outbox: writers take it (for their transaction) just
/// before inserting, so ids become visible in order.
const OUTBOX_LOCK: i64 = 0x6d63_6f75_7462_6f78; // "mcoutbox"

/// One event in the outbox, in the order written.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OutboxEvent {
    /// Increasing; read on with [`PostgresSnapshotStore::outbox`]`(id, …)`.
    pub id: i64,
    /// When it was written.
    pub at: OffsetDateTime,
    /// The account.
    pub account: AccountRef,
    /// `synced` (a non-empty diff), `sync_failed` or `credential_status`.
    pub event: String,
    /// The region, for `synced` and a job's `sync_failed`.
    pub region: Option<String>,
    /// The resource kind, for `synced` and a job's `sync_failed`.
    pub kind: Option<String>,
    /// JSON: a [`DiffRecord`](crate::DiffRecord) for `synced`; `{"kind", "message"}` for
    /// `sync_failed`; `{"from", "to"}` (debug text of the statuses) for `credential_status`.
    pub payload: String,
}

/// Appends an event inside the caller's transaction.
pub(crate) async fn insert(
    conn: &mut PgConnection,
    account: &AccountRef,
    event: &str,
    region: Option<&str>,
    kind: Option<&str>,
    payload: &str,
) -> std::result::Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(OUTBOX_LOCK)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO multicloud.outbox (provider, account, event, region, kind, payload) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(account.provider.as_str())
    .bind(account.account.as_str())
    .bind(event)
    .bind(region)
    .bind(kind)
    .bind(payload)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Serialize)]
struct Failure<'a> {
    kind: String,
    message: &'a str,
}

#[derive(Serialize)]
struct StatusChange {
    from: Option<String>,
    to: String,
}

impl PostgresSnapshotStore {
    /// Records `status` as the account's last AccessKey status (worker mode) and writes a
    /// `credential_status` event when it differs from the previous one.
    pub(crate) async fn record_credential_status(
        &self,
        account: &AccountRef,
        status: &CredentialStatus,
    ) -> Result<()> {
        let to = format!("{status:?}");
        let mut tx = self.pool.begin().await.map_err(self.err("begin"))?;
        let from: Option<Option<String>> = sqlx::query_scalar(
            "SELECT credential_status FROM multicloud.worker_accounts \
             WHERE provider = $1 AND account = $2 FOR UPDATE",
        )
        .bind(account.provider.as_str())
        .bind(account.account.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(self.err("read a key status"))?;
        let Some(from) = from else {
            return Ok(()); // removed meanwhile
        };
        if from.as_deref() == Some(to.as_str()) {
            return Ok(());
        }
        sqlx::query(
            "UPDATE multicloud.worker_accounts SET credential_status = $3 \
             WHERE provider = $1 AND account = $2",
        )
        .bind(account.provider.as_str())
        .bind(account.account.as_str())
        .bind(&to)
        .execute(&mut *tx)
        .await
        .map_err(self.err("record a key status"))?;
        let payload = serde_json::to_string(&StatusChange { from, to }).map_err(|e| {
            multicloud_core::Error::decode("outbox: an event does not serialize").with_source(e)
        })?;
        insert(&mut tx, account, "credential_status", None, None, &payload)
            .await
            .map_err(self.err("write the outbox"))?;
        tx.commit().await.map_err(self.err("record a key status"))
    }

    /// Deletes the outbox events with an id up to `through` (those a consumer has handled);
    /// how many. The outbox keeps every event until asked: with one consumer, call this
    /// with the last id it handled; with several, with the lowest of theirs.
    pub async fn trim_outbox(&self, through: i64) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM multicloud.outbox WHERE id <= $1")
            .bind(through)
            .execute(&self.pool)
            .await
            .map_err(self.err("trim the outbox"))?
            .rows_affected())
    }

    /// Up to `limit` outbox events with an id above `after`, oldest first. Start with
    /// `after = 0` and pass the last id seen: ids commit in order, so nothing is skipped.
    pub async fn outbox(&self, after: i64, limit: usize) -> Result<Vec<OutboxEvent>> {
        type Row = (
            i64,
            OffsetDateTime,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, at, provider, account, event, region, kind, payload \
             FROM multicloud.outbox WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(self.err("read the outbox"))?;
        rows.into_iter()
            .map(|(id, at, p, a, event, region, kind, payload)| {
                Ok(OutboxEvent {
                    id,
                    at,
                    account: parse_account(&p, a)?,
                    event,
                    region,
                    kind,
                    payload,
                })
            })
            .collect()
    }

    /// Writes a failed sync or an AccessKey status change to the outbox; other events are
    /// ignored (diffs are written with their snapshot). Returns whether it wrote one.
    ///
    /// Error messages carry no secret (the SDK's errors never do); status changes are
    /// written as their debug text.
    pub async fn record_event(&self, event: &SyncEvent) -> Result<bool> {
        let (account, name, region, kind, payload) = match event {
            SyncEvent::SyncFailed {
                account,
                region,
                kind,
                error,
            } => (
                account,
                "sync_failed",
                region.as_deref(),
                kind.as_deref(),
                serde_json::to_string(&Failure {
                    kind: format!("{:?}", error.kind()),
                    message: error.message(),
                }),
            ),
            SyncEvent::CredentialStatusChanged { account, from, to } => (
                account,
                "credential_status",
                None,
                None,
                serde_json::to_string(&StatusChange {
                    from: from.as_ref().map(|s| format!("{s:?}")),
                    to: format!("{to:?}"),
                }),
            ),
            _ => return Ok(false),
        };
        let payload = payload.map_err(|e| {
            multicloud_core::Error::decode("outbox: an event does not serialize").with_source(e)
        })?;
        let mut tx = self.pool.begin().await.map_err(self.err("begin"))?;
        insert(&mut tx, account, name, region, kind, &payload)
            .await
            .map_err(self.err("write the outbox"))?;
        tx.commit().await.map_err(self.err("write the outbox"))?;
        Ok(true)
    }
}

//! The SQLite store as an [`AuditCheckpoint`]: the audit-log objects a source consumed, in
//! the `audit_checkpoint` table, keyed by (provider, account name, source, entry) — never by
//! key id, so a rotated key keeps them — and timestamped so old ones can be forgotten.

use async_trait::async_trait;
use multicloud_core::audit::{AuditCheckpoint, CheckpointScope};
use multicloud_core::Result;
use rusqlite::params;
use time::OffsetDateTime;

use crate::sqlite::SqliteStore;

fn scope_keys(scope: &CheckpointScope) -> (String, String, String) {
    (
        scope.provider.as_str().to_owned(),
        scope.account.as_str().to_owned(),
        scope.source.clone(),
    )
}

#[async_trait]
impl AuditCheckpoint for SqliteStore {
    async fn consumed(&self, scope: &CheckpointScope, entries: &[String]) -> Result<Vec<String>> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let (p, a, s) = scope_keys(scope);
        let entries = entries.to_vec();
        self.with_conn(move |c| {
            let mut query = c.prepare_cached(
                "SELECT 1 FROM audit_checkpoint \
                 WHERE provider = ?1 AND account = ?2 AND source = ?3 AND entry = ?4",
            )?;
            let mut found = Vec::new();
            for entry in entries {
                if query.exists(params![p, a, s, entry])? {
                    found.push(entry);
                }
            }
            Ok(found)
        })
        .await
    }

    async fn mark(
        &self,
        scope: &CheckpointScope,
        entries: &[String],
        at: OffsetDateTime,
    ) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let (p, a, s) = scope_keys(scope);
        let entries = entries.to_vec();
        let at = at.unix_timestamp();
        self.with_conn(move |c| {
            // One transaction: a message's objects are marked together or not at all.
            let tx = c.transaction()?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT OR REPLACE INTO audit_checkpoint VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for entry in &entries {
                    insert.execute(params![p, a, s, entry, at])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn forget_before(&self, scope: &CheckpointScope, before: OffsetDateTime) -> Result<u64> {
        let (p, a, s) = scope_keys(scope);
        let before = before.unix_timestamp();
        self.with_conn(move |c| {
            let n = c.execute(
                "DELETE FROM audit_checkpoint \
                 WHERE provider = ?1 AND account = ?2 AND source = ?3 AND consumed_at < ?4",
                params![p, a, s, before],
            )?;
            Ok(n as u64)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use multicloud_core::{AccountName, ProviderKind};
    use time::macros::datetime;

    #[tokio::test]
    async fn consumed_entries_survive_reopening_and_old_ones_are_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("store.db");
        let scope = CheckpointScope::new(
            ProviderKind::Aws,
            AccountName::new("prod").unwrap(),
            "us-east-1/trail",
        );
        let other = CheckpointScope::new(
            ProviderKind::Aws,
            AccountName::new("dev").unwrap(),
            "us-east-1/trail",
        );
        let t0 = datetime!(2026-03-01 0:00 UTC);
        {
            let store = SqliteStore::open(&file).await.unwrap();
            store
                .mark(&scope, &["s3://b/old@1".into()], t0)
                .await
                .unwrap();
            store
                .mark(
                    &scope,
                    &["s3://b/new@2".into()],
                    t0 + time::Duration::days(10),
                )
                .await
                .unwrap();
        }
        let store = SqliteStore::open(&file).await.unwrap();
        let asked = [
            "s3://b/old@1".to_owned(),
            "s3://b/new@2".to_owned(),
            "x".to_owned(),
        ];
        assert_eq!(
            store.consumed(&scope, &asked).await.unwrap(),
            vec!["s3://b/old@1", "s3://b/new@2"]
        );
        assert!(store.consumed(&other, &asked).await.unwrap().is_empty());
        let forgotten = store
            .forget_before(&scope, t0 + time::Duration::days(5))
            .await
            .unwrap();
        assert_eq!(forgotten, 1);
        assert_eq!(
            store.consumed(&scope, &asked).await.unwrap(),
            vec!["s3://b/new@2"]
        );
    }
}

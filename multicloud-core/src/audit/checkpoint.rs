//! What an audit-log source has consumed, kept where a restart finds it.
//!
//! A source whose queue cannot be told "done" (an SQS queue the key may receive from but not
//! delete from) keeps the units it has handled (log objects) in an [`AuditCheckpoint`], so
//! that after a restart it skips them instead of handing their events over again. The
//! SQLite and memory snapshot stores of `multicloud-sync` implement it; [`MemoryCheckpoint`]
//! is the one for a single process.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::error::Result;
use crate::model::{AccountName, ProviderKind};

/// Whose checkpoint: the account (by the name the user gave it, never by key id, so a key
/// rotation keeps it) and the source within it (`us-east-1/trail-events`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CheckpointScope {
    /// The provider.
    pub provider: ProviderKind,
    /// The account's name.
    pub account: AccountName,
    /// The source within the account (a region and queue name, a topic).
    pub source: String,
}

impl CheckpointScope {
    /// The checkpoint of `source` in `provider`'s account `account`.
    pub fn new(provider: ProviderKind, account: AccountName, source: impl Into<String>) -> Self {
        CheckpointScope {
            provider,
            account,
            source: source.into(),
        }
    }
}

/// A persistent set of consumed entries (log objects as `bucket/key@etag`) per scope.
///
/// Entries are marked with the time they were consumed; [`forget_before`](Self::forget_before)
/// drops old ones, so the set stays bounded by what the source can still redeliver (an SQS
/// queue's retention).
#[async_trait]
pub trait AuditCheckpoint: Send + Sync + fmt::Debug {
    /// The subset of `entries` already marked in `scope`.
    async fn consumed(&self, scope: &CheckpointScope, entries: &[String]) -> Result<Vec<String>>;

    /// Marks `entries` consumed at `at` (marking again is harmless).
    async fn mark(
        &self,
        scope: &CheckpointScope,
        entries: &[String],
        at: OffsetDateTime,
    ) -> Result<()>;

    /// Forgets the entries of `scope` marked before `before`; returns how many.
    async fn forget_before(&self, scope: &CheckpointScope, before: OffsetDateTime) -> Result<u64>;
}

/// An [`AuditCheckpoint`] in memory: survives a consumer's restart within the process, not
/// the process's.
#[derive(Debug, Default)]
pub struct MemoryCheckpoint {
    entries: Mutex<HashMap<CheckpointScope, HashMap<String, OffsetDateTime>>>,
}

impl MemoryCheckpoint {
    /// An empty checkpoint.
    pub fn new() -> Self {
        MemoryCheckpoint::default()
    }

    /// How many entries `scope` holds.
    pub fn len(&self, scope: &CheckpointScope) -> usize {
        self.lock().get(scope).map_or(0, HashMap::len)
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<CheckpointScope, HashMap<String, OffsetDateTime>>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl AuditCheckpoint for MemoryCheckpoint {
    async fn consumed(&self, scope: &CheckpointScope, entries: &[String]) -> Result<Vec<String>> {
        let all = self.lock();
        let Some(marked) = all.get(scope) else {
            return Ok(Vec::new());
        };
        Ok(entries
            .iter()
            .filter(|e| marked.contains_key(*e))
            .cloned()
            .collect())
    }

    async fn mark(
        &self,
        scope: &CheckpointScope,
        entries: &[String],
        at: OffsetDateTime,
    ) -> Result<()> {
        let mut all = self.lock();
        let marked = all.entry(scope.clone()).or_default();
        for entry in entries {
            marked.insert(entry.clone(), at);
        }
        Ok(())
    }

    async fn forget_before(&self, scope: &CheckpointScope, before: OffsetDateTime) -> Result<u64> {
        let mut all = self.lock();
        let Some(marked) = all.get_mut(scope) else {
            return Ok(0);
        };
        let len = marked.len();
        marked.retain(|_, at| *at >= before);
        Ok((len - marked.len()) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[tokio::test]
    async fn marked_entries_are_found_per_scope_and_old_ones_forgotten() {
        let cp = MemoryCheckpoint::new();
        let account = AccountName::new("prod").unwrap();
        let a = CheckpointScope::new(ProviderKind::Aws, account.clone(), "us-east-1/q");
        let b = CheckpointScope::new(ProviderKind::Aws, account, "eu-west-1/q");
        let t0 = datetime!(2026-01-01 0:00 UTC);
        cp.mark(&a, &["x".into(), "y".into()], t0).await.unwrap();
        cp.mark(&a, &["z".into()], t0 + time::Duration::days(2))
            .await
            .unwrap();
        let asked = ["x".to_owned(), "w".to_owned(), "z".to_owned()];
        assert_eq!(cp.consumed(&a, &asked).await.unwrap(), vec!["x", "z"]);
        assert!(cp.consumed(&b, &asked).await.unwrap().is_empty());
        let forgotten = cp
            .forget_before(&a, t0 + time::Duration::days(1))
            .await
            .unwrap();
        assert_eq!(forgotten, 2);
        assert_eq!(cp.consumed(&a, &asked).await.unwrap(), vec!["z"]);
        assert_eq!(cp.len(&a), 1);
    }
}

//! Worker mode's data: the accounts the workers sync, with their policies, and the runs.

use std::fmt;

use async_trait::async_trait;
use multicloud_core::{CloudProvider, Error, Result};
use time::OffsetDateTime;

use crate::item::AccountRef;
use crate::policy::DefaultSyncPolicy;
use crate::postgres::{parse_account, PostgresSnapshotStore};

/// An account the sync workers keep up to date: its policy and how to reach it.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct WorkerAccount {
    /// The account.
    pub account: AccountRef,
    /// Its sync policy, as TOML ([`DefaultSyncPolicy::from_toml_str`]).
    pub policy: String,
    /// What a [`ProviderFactory`] needs to build the account's provider (endpoint, domain,
    /// where its key is kept). Stored as is: put references to secrets here, never secrets.
    pub settings: serde_json::Value,
}

impl fmt::Debug for WorkerAccount {
    // Settings are the caller's data: shown by their keys only, in case one holds a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&str> = self
            .settings
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        f.debug_struct("WorkerAccount")
            .field("account", &self.account)
            .field("policy", &self.policy)
            .field("settings_keys", &keys)
            .finish()
    }
}

impl WorkerAccount {
    /// `account`, synced on `policy` (TOML); fails with `ErrorKind::Config` naming the key
    /// when the policy does not load.
    pub fn new(account: AccountRef, policy: &str, settings: serde_json::Value) -> Result<Self> {
        parse_policy(policy)?;
        Ok(WorkerAccount {
            account,
            policy: policy.to_owned(),
            settings,
        })
    }

    /// The loaded policy.
    pub fn sync_policy(&self) -> Result<DefaultSyncPolicy> {
        parse_policy(&self.policy)
    }
}

fn parse_policy(policy: &str) -> Result<DefaultSyncPolicy> {
    DefaultSyncPolicy::from_toml_str(policy)
        .map_err(|e| Error::config(format!("worker account policy: {e}")))
}

/// Builds the provider of a [`WorkerAccount`] in a worker process (credentials come from
/// wherever the factory keeps them: environment, a secret store…).
#[async_trait]
pub trait ProviderFactory: Send + Sync + fmt::Debug {
    /// The provider for `account`, bound to `account.account`'s name.
    async fn provider(&self, account: &WorkerAccount) -> Result<std::sync::Arc<dyn CloudProvider>>;
}

/// One scheduled sync of an (account, feature) for one interval, as the workers ran it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerRun {
    /// The account.
    pub account: AccountRef,
    /// The feature (`host`, `cspm`) or `credential` (the AccessKey check).
    pub feature: String,
    /// The interval's number (time since the epoch, shifted per account, over the interval).
    pub slot: i64,
    /// The worker that ran it last.
    pub worker: String,
    /// How many times it started: 1, or more when a worker died during it.
    pub attempts: i32,
    /// When it last started.
    pub started_at: OffsetDateTime,
    /// When it finished; `None` while running, or when its worker died.
    pub finished_at: Option<OffsetDateTime>,
    /// Jobs (region × kind) that stored a snapshot, and those that failed.
    pub jobs: Option<(i32, i32)>,
}

impl PostgresSnapshotStore {
    /// Adds `account` to the worker accounts, or replaces its policy and settings.
    pub async fn put_worker_account(&self, account: &WorkerAccount) -> Result<()> {
        sqlx::query(
            "INSERT INTO multicloud.worker_accounts (provider, account, policy, settings) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (provider, account) \
             DO UPDATE SET policy = EXCLUDED.policy, settings = EXCLUDED.settings",
        )
        .bind(account.account.provider.as_str())
        .bind(account.account.account.as_str())
        .bind(&account.policy)
        .bind(account.settings.to_string())
        .execute(&self.pool)
        .await
        .map_err(self.err("write a worker account"))?;
        Ok(())
    }

    /// Removes `account` from the worker accounts (its inventory stays; see
    /// [`delete_account`](crate::SnapshotStore::delete_account)).
    pub async fn remove_worker_account(&self, account: &AccountRef) -> Result<()> {
        sqlx::query("DELETE FROM multicloud.worker_accounts WHERE provider = $1 AND account = $2")
            .bind(account.provider.as_str())
            .bind(account.account.as_str())
            .execute(&self.pool)
            .await
            .map_err(self.err("remove a worker account"))?;
        Ok(())
    }

    /// Every worker account, sorted.
    pub async fn worker_accounts(&self) -> Result<Vec<WorkerAccount>> {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT provider, account, policy, settings FROM multicloud.worker_accounts \
             ORDER BY provider, account",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(self.err("read worker accounts"))?;
        rows.into_iter()
            .map(|(p, a, policy, settings)| {
                Ok(WorkerAccount {
                    account: parse_account(&p, a)?,
                    policy,
                    settings: serde_json::from_str(&settings).map_err(|e| {
                        Error::decode("worker account settings do not decode").with_source(e)
                    })?,
                })
            })
            .collect()
    }

    /// The runs recorded so far, by account, feature and slot.
    pub async fn worker_runs(&self) -> Result<Vec<WorkerRun>> {
        type Row = (
            String,
            String,
            String,
            i64,
            String,
            i32,
            OffsetDateTime,
            Option<OffsetDateTime>,
            Option<i32>,
            Option<i32>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT provider, account, feature, slot, worker, attempts, started_at, finished_at, \
             jobs_ok, jobs_failed FROM multicloud.worker_runs \
             ORDER BY provider, account, feature, slot",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(self.err("read worker runs"))?;
        rows.into_iter()
            .map(
                |(p, a, feature, slot, worker, attempts, started_at, finished_at, ok, failed)| {
                    Ok(WorkerRun {
                        account: parse_account(&p, a)?,
                        feature,
                        slot,
                        worker,
                        attempts,
                        started_at,
                        finished_at,
                        jobs: ok.zip(failed),
                    })
                },
            )
            .collect()
    }
}

/// What [`PostgresSnapshotStore::prune_worker_history`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PrunedWorkerHistory {
    /// Finished runs ([`WorkerRun`]s).
    pub runs: u64,
    /// Jobs of the workers' queue that ended (done, killed, or failed for the last time).
    pub jobs: u64,
}

impl PostgresSnapshotStore {
    /// Deletes the finished runs and the ended jobs of the workers' queue that ended more
    /// than `older_than` ago (by the database's clock), so a database that workers sync
    /// every few minutes does not grow without end; running runs and pending jobs are never
    /// touched. [`SyncWorker`](crate::SyncWorker)s call it about hourly with their
    /// [`with_history_retention`](crate::SyncWorkerBuilder::with_history_retention).
    ///
    /// Keep `older_than` at least the longest interval a policy sets: a run and a job of
    /// the current interval are what keep it from being queued and run again.
    pub async fn prune_worker_history(
        &self,
        older_than: std::time::Duration,
    ) -> Result<PrunedWorkerHistory> {
        let seconds = older_than.as_secs_f64();
        let runs = sqlx::query(
            "DELETE FROM multicloud.worker_runs \
             WHERE finished_at < now() - make_interval(secs => $1)",
        )
        .bind(seconds)
        .execute(&self.pool)
        .await
        .map_err(self.err("prune worker runs"))?
        .rows_affected();
        // The states apalis itself treats as ended (its `vacuum` query).
        let jobs = sqlx::query(
            "DELETE FROM apalis.jobs WHERE job_type = $1 \
             AND done_at < now() - make_interval(secs => $2) \
             AND (status IN ('Done', 'Killed') OR (status = 'Failed' AND attempts >= max_attempts))",
        )
        .bind(crate::worker_job::QUEUE)
        .bind(seconds)
        .execute(&self.pool)
        .await
        .map_err(self.err("prune the job queue"))?
        .rows_affected();
        Ok(PrunedWorkerHistory { runs, jobs })
    }
}

#[cfg(test)]
mod tests {
    use multicloud_core::{AccountName, ErrorKind, ProviderKind};

    use super::*;

    fn prod() -> AccountRef {
        AccountRef::new(ProviderKind::Aws, AccountName::new("prod").unwrap())
    }

    #[test]
    fn debug_shows_the_settings_keys_never_their_values() {
        let settings =
            serde_json::json!({ "endpoint_url": "http://127.0.0.1:9", "token": "marker-93f1" });
        let account = WorkerAccount::new(prod(), "host_interval = \"1h\"", settings).unwrap();
        let shown = format!("{account:?}");
        assert!(
            shown.contains("token") && shown.contains("endpoint_url"),
            "{shown}"
        );
        assert!(!shown.contains("marker-93f1"), "{shown}");
    }

    #[test]
    fn a_policy_that_does_not_load_is_refused_naming_the_key() {
        let err = WorkerAccount::new(prod(), "host_interval = \"0s\"", serde_json::json!({}))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.message().contains("host_interval"), "{err}");
    }
}

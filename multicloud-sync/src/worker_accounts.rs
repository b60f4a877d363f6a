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

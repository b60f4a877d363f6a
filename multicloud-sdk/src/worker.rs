//! Worker mode over PostgreSQL (feature `postgres`): [`SyncWorker`] processes share the
//! accounts of one database; see `docs/scale-out.md`.
//!
//! [`EnvProviderFactory`] builds each account's provider from its settings
//! (`{"endpoint_url": "…"}`, optional) with the key of the cloud's standard environment
//! variables (`AWS_ACCESS_KEY_ID`, `TENCENTCLOUD_SECRET_ID`, …), as the `multicloud-worker`
//! binary does. With one key per account, implement [`ProviderFactory`] over your secret
//! store instead.

use std::sync::Arc;

use async_trait::async_trait;
use multicloud_core::{CloudProvider, Error, ProviderKind, Result};

pub use multicloud_sync::worker::{
    SyncWorker, SyncWorkerBuilder, DEFAULT_HISTORY_RETENTION, DEFAULT_WORKER_CONCURRENCY,
};
pub use multicloud_sync::{
    OutboxEvent, PostgresSnapshotStore, ProviderFactory, PrunedWorkerHistory, WorkerAccount,
    WorkerRun,
};

/// Builds providers with the key in the process environment and the account's
/// `endpoint_url` setting, for every cloud this build of the SDK includes.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnvProviderFactory;

#[async_trait]
impl ProviderFactory for EnvProviderFactory {
    async fn provider(&self, account: &WorkerAccount) -> Result<Arc<dyn CloudProvider>> {
        let name = account.account.account.as_str();
        let endpoint = account
            .settings
            .get("endpoint_url")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        macro_rules! build {
            ($builder:expr) => {{
                let mut builder = $builder.from_env();
                if let Some(url) = endpoint {
                    builder = builder.with_endpoint_url(url);
                }
                Ok(Arc::new(builder.build()?) as Arc<dyn CloudProvider>)
            }};
        }
        match account.account.provider {
            #[cfg(feature = "aws")]
            ProviderKind::Aws => build!(crate::aws::AwsProviderBuilder::new(name)),
            #[cfg(feature = "huawei")]
            ProviderKind::Huawei => build!(crate::huawei::HuaweiProviderBuilder::new(name)),
            #[cfg(feature = "tencent")]
            ProviderKind::Tencent => build!(crate::tencent::TencentProviderBuilder::new(name)),
            #[cfg(feature = "baidu")]
            ProviderKind::Baidu => build!(crate::baidu::BaiduProviderBuilder::new(name)),
            #[cfg(feature = "ctyun")]
            ProviderKind::Ctyun => build!(crate::ctyun::CtyunProviderBuilder::new(name)),
            #[allow(unreachable_patterns)]
            other => Err(Error::config(format!(
                "worker account {}: this build has no {other} provider (enable its feature)",
                account.account
            ))),
        }
    }
}

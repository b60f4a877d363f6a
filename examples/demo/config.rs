//! The demo's accounts file: a sync policy and the accounts to onboard.

use std::fmt;

use multicloud_sdk::sync::DefaultSyncPolicy;
use multicloud_sdk::{AccessKey, Domain, ProviderKind, StandardFeature};
use serde::Deserialize;

/// The whole file.
#[derive(Debug)]
pub(crate) struct DemoConfig {
    pub(crate) policy: DefaultSyncPolicy,
    pub(crate) accounts: Vec<AccountConfig>,
}

/// One account to onboard.
#[derive(Deserialize)]
pub(crate) struct AccountConfig {
    pub(crate) provider: ProviderKind,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) domain: Domain,
    pub(crate) access_key_id: String,
    secret_access_key: String,
    pub(crate) features: Vec<StandardFeature>,
}

impl AccountConfig {
    /// The account's AccessKey (the secret stays redacted in Debug output).
    pub(crate) fn access_key(&self) -> AccessKey {
        AccessKey::new(self.access_key_id.clone(), self.secret_access_key.clone())
    }
}

impl fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountConfig")
            .field("provider", &self.provider)
            .field("name", &self.name)
            .field("domain", &self.domain)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field("features", &self.features)
            .finish()
    }
}

#[derive(Deserialize)]
struct RawConfig {
    policy: toml::Value,
    account: Vec<AccountConfig>,
}

/// Parses the accounts file; the policy is validated by the sync crate's own parser.
pub(crate) fn parse(text: &str) -> Result<DemoConfig, Box<dyn std::error::Error>> {
    let raw: RawConfig = toml::from_str(text)?;
    let policy = DefaultSyncPolicy::from_toml_str(&toml::to_string(&raw.policy)?)?;
    Ok(DemoConfig {
        policy,
        accounts: raw.account,
    })
}

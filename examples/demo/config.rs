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

/// Parses the accounts file read from `origin` (a path, or the bundled file); the policy is
/// validated by the sync crate's own parser. An error says where (`origin:line:column`) and
/// what, never quoting the file (it holds secrets).
pub(crate) fn parse(origin: &str, text: &str) -> Result<DemoConfig, String> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let at = match e.span() {
            Some(span) => {
                let (line, column) = position(text, span.start);
                format!("{origin}:{line}:{column}")
            }
            None => origin.to_owned(),
        };
        format!("{at}: {}", e.message().trim())
    })?;
    let policy = toml::to_string(&raw.policy)
        .map_err(|e| e.to_string())
        .and_then(|policy| DefaultSyncPolicy::from_toml_str(&policy).map_err(|e| e.to_string()))
        .map_err(|e| format!("{origin}: [policy]: {e}"))?;
    Ok(DemoConfig {
        policy,
        accounts: raw.account,
    })
}

/// The 1-based line and column of byte `offset` in `text`.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

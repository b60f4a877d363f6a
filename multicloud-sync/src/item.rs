//! The account a set of snapshots belongs to; items and their keys live in core.

pub use multicloud_core::{Item, ItemKey};

use std::fmt;

use multicloud_core::{AccountName, CloudProvider, ProviderKind};
use serde::{Deserialize, Serialize};

/// The provider and account name that own a set of snapshots.
///
/// The account name is the key, never the AccessKey id: rotating a key keeps the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountRef {
    /// The cloud.
    pub provider: ProviderKind,
    /// The user's name for the account.
    pub account: AccountName,
}

impl AccountRef {
    /// The account `account` of `provider`.
    pub fn new(provider: ProviderKind, account: AccountName) -> Self {
        AccountRef { provider, account }
    }

    /// The account a provider instance is bound to.
    pub fn of(provider: &dyn CloudProvider) -> Self {
        AccountRef::new(provider.kind(), provider.account().clone())
    }
}

impl fmt::Display for AccountRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.provider, self.account)
    }
}

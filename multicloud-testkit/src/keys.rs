//! The keys a simulated cloud knows: secret, owner, status, domain and permissions.
//!
//! Permissions are endpoint names as the simulator reports them (`ec2:DescribeInstances`),
//! with a trailing `*` as a prefix wildcard (`ec2:Describe*`, `cfw:*`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::RwLock;

use multicloud_core::{AccessKey, Domain, SecretString};

/// Whether a key may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyStatus {
    /// The key works.
    Active,
    /// The key was disabled (deactivated); requests are refused as the provider does.
    Disabled,
}

/// Which endpoints a key's policy grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permissions {
    /// Everything.
    All,
    /// Only these endpoint patterns.
    Only(BTreeSet<String>),
    /// Everything except these endpoint patterns.
    AllExcept(BTreeSet<String>),
}

fn matches(pattern: &str, endpoint: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => endpoint.starts_with(prefix),
        None => pattern == endpoint,
    }
}

impl Permissions {
    /// A grant of only the given patterns.
    pub fn only<I, S>(patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Permissions::Only(patterns.into_iter().map(Into::into).collect())
    }

    /// A grant of everything but the given patterns.
    pub fn all_except<I, S>(patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Permissions::AllExcept(patterns.into_iter().map(Into::into).collect())
    }

    /// Whether `endpoint` is granted.
    pub fn allows(&self, endpoint: &str) -> bool {
        match self {
            Permissions::All => true,
            Permissions::Only(set) => set.iter().any(|p| matches(p, endpoint)),
            Permissions::AllExcept(set) => !set.iter().any(|p| matches(p, endpoint)),
        }
    }
}

/// One AccessKey the simulated cloud knows.
#[derive(Clone)]
pub struct SimKey {
    /// The AccessKey id.
    pub id: String,
    /// The secret.
    pub secret: SecretString,
    /// The account that owns the key (AWS account id, Tencent owner uin, …).
    pub account_id: String,
    /// The user that owns the key.
    pub user_name: String,
    /// The user id (AWS `AIDA…`, Tencent sub-account uin, Huawei user id).
    pub user_id: String,
    /// Active or disabled.
    pub status: KeyStatus,
    /// What the key's policy grants.
    pub permissions: Permissions,
    /// The domain (partition/edition) the key belongs to.
    pub domain: Domain,
    /// A short label for listings (`admin`, `readonly`, `disabled`, …).
    pub label: String,
    /// When a newly created key becomes known to the cloud (IAM propagation); `None` for
    /// a key known from the start.
    pub usable_from: Option<std::time::Instant>,
}

impl SimKey {
    /// An active key with every permission, in the International domain.
    pub fn new(
        id: impl Into<String>,
        secret: impl Into<String>,
        account_id: impl Into<String>,
    ) -> Self {
        let id = id.into();
        SimKey {
            user_name: "admin".into(),
            user_id: format!("user-{id}"),
            id,
            secret: SecretString::new(secret.into()),
            account_id: account_id.into(),
            status: KeyStatus::Active,
            permissions: Permissions::All,
            domain: Domain::International,
            label: "admin".into(),
            usable_from: None,
        }
    }

    /// Sets the owning user's name and id.
    pub fn with_user(mut self, name: impl Into<String>, id: impl Into<String>) -> Self {
        self.user_name = name.into();
        self.user_id = id.into();
        self
    }

    /// Sets the status.
    pub fn with_status(mut self, status: KeyStatus) -> Self {
        self.status = status;
        self
    }

    /// Sets the permissions.
    pub fn with_permissions(mut self, permissions: Permissions) -> Self {
        self.permissions = permissions;
        self
    }

    /// Sets the domain.
    pub fn with_domain(mut self, domain: Domain) -> Self {
        self.domain = domain;
        self
    }

    /// Sets the label.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Sets when the key becomes known to the cloud (see [`usable_from`](Self::usable_from)).
    pub fn with_usable_from(mut self, at: std::time::Instant) -> Self {
        self.usable_from = Some(at);
        self
    }

    /// Whether the key has propagated (the cloud knows it).
    pub fn has_propagated(&self) -> bool {
        self.usable_from
            .is_none_or(|at| std::time::Instant::now() >= at)
    }

    /// The key as an SDK [`AccessKey`], for signing test requests.
    pub fn access_key(&self) -> AccessKey {
        AccessKey::new(self.id.clone(), self.secret.expose().to_string())
    }

    /// Whether the key is active.
    pub fn is_active(&self) -> bool {
        self.status == KeyStatus::Active
    }
}

impl fmt::Debug for SimKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimKey")
            .field("id", &self.id)
            .field("secret", &self.secret)
            .field("account_id", &self.account_id)
            .field("user_name", &self.user_name)
            .field("status", &self.status)
            .field("permissions", &self.permissions)
            .field("domain", &self.domain)
            .field("label", &self.label)
            .finish()
    }
}

/// The keys of one simulated cloud; changeable while the simulator runs.
#[derive(Default)]
pub struct KeyStore {
    keys: RwLock<BTreeMap<String, SimKey>>,
}

impl fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<String> = self.read().keys().cloned().collect();
        f.debug_struct("KeyStore").field("ids", &ids).finish()
    }
}

impl KeyStore {
    /// A store holding these keys.
    pub fn new(keys: impl IntoIterator<Item = SimKey>) -> Self {
        let store = KeyStore::default();
        for k in keys {
            store.insert(k);
        }
        store
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, SimKey>> {
        self.keys.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, SimKey>> {
        self.keys.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds or replaces a key.
    pub fn insert(&self, key: SimKey) {
        self.write().insert(key.id.clone(), key);
    }

    /// Looks a key up by id; a key that has not propagated yet is not found.
    pub fn get(&self, id: &str) -> Option<SimKey> {
        self.read().get(id).filter(|k| k.has_propagated()).cloned()
    }

    /// Changes a key in place, propagated or not; false if unknown.
    pub fn update_even_unpropagated(&self, id: &str, change: impl FnOnce(&mut SimKey)) -> bool {
        self.update(id, change)
    }

    /// The first key with this label (`admin`, `readonly`, …).
    pub fn by_label(&self, label: &str) -> Option<SimKey> {
        self.read().values().find(|k| k.label == label).cloned()
    }

    /// Every key, sorted by id.
    pub fn all(&self) -> Vec<SimKey> {
        self.read().values().cloned().collect()
    }

    /// Removes a key (later requests get the provider's "unknown key" error).
    pub fn remove(&self, id: &str) -> Option<SimKey> {
        self.write().remove(id)
    }

    /// Sets a key's status; false if unknown.
    pub fn set_status(&self, id: &str, status: KeyStatus) -> bool {
        self.update(id, |k| k.status = status)
    }

    /// Sets a key's permissions; false if unknown.
    pub fn set_permissions(&self, id: &str, permissions: Permissions) -> bool {
        self.update(id, |k| k.permissions = permissions)
    }

    /// Changes a key in place; false if unknown.
    pub fn update(&self, id: &str, change: impl FnOnce(&mut SimKey)) -> bool {
        match self.write().get_mut(id) {
            Some(k) => {
                change(k);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_support_prefix_wildcards() {
        let ro = Permissions::only(["ec2:Describe*", "sts:GetCallerIdentity"]);
        assert!(ro.allows("ec2:DescribeInstances"));
        assert!(ro.allows("sts:GetCallerIdentity"));
        assert!(!ro.allows("s3:ListBuckets"));
        let no_write = Permissions::all_except(["cfw:Create*"]);
        assert!(no_write.allows("cfw:DescribeBlockIgnoreList"));
        assert!(!no_write.allows("cfw:CreateBlockIgnoreRuleNew"));
        assert!(Permissions::All.allows("anything"));
    }

    #[test]
    fn store_changes_status_and_never_prints_secrets() {
        let store = KeyStore::new([SimKey::new("AKIDTEST", "super-secret-value", "100")]);
        assert!(store.set_status("AKIDTEST", KeyStatus::Disabled));
        assert!(!store.get("AKIDTEST").map(|k| k.is_active()).unwrap_or(true));
        assert!(!store.set_status("nope", KeyStatus::Active));
        let dbg = format!("{:?} {:?}", store, store.get("AKIDTEST"));
        assert!(!dbg.contains("super-secret-value"));
        assert_eq!(
            store
                .get("AKIDTEST")
                .map(|k| k.access_key().id().to_string()),
            Some("AKIDTEST".into())
        );
    }
}

//! The simulated clouds' IAM / CAM write side: users, their attached policies, custom
//! policies, user groups (with the policies granted to them, in a cloud-defined scope) and
//! access keys, shared by the clouds' handlers.
//!
//! A key created here goes into the cloud's [`KeyStore`] with the permissions of the user's
//! policies, and is usable only after the [propagation delay](IamState::set_propagation_delay)
//! (until then the cloud answers as for an unknown key, as real IAM does for a few seconds).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::keys::{KeyStore, Permissions, SimKey};

/// One access key of a simulated user (its secret lives in the [`KeyStore`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimUserKey {
    /// The key id.
    pub id: String,
    /// Creation order (a sortable stand-in for the creation time).
    pub seq: u64,
    /// The key's description, as the cloud stores it.
    pub description: String,
}

/// One simulated IAM user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimUser {
    /// The user name.
    pub name: String,
    /// The cloud's user id (AWS `AIDA…`, Tencent uin, Huawei user id).
    pub id: String,
    /// The names of the attached policies, in attach order.
    pub policies: Vec<String>,
    /// Tags on the user.
    pub tags: BTreeMap<String, String>,
    /// The access keys, oldest first.
    pub keys: Vec<SimUserKey>,
}

/// One policy granted to a group, in a scope the cloud defines (Huawei: `domain` for
/// global services, `projects` for every region's project; empty where scopes do not exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimGrant {
    /// The policy's name.
    pub policy: String,
    /// Where it applies.
    pub scope: String,
}

/// One simulated user group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimGroup {
    /// The group name.
    pub name: String,
    /// The cloud's group id.
    pub id: String,
    /// The member users' names, in the order they joined.
    pub members: Vec<String>,
    /// The policies granted to the group, in grant order.
    pub grants: Vec<SimGrant>,
}

#[derive(Default)]
struct Inner {
    users: BTreeMap<String, SimUser>,
    groups: BTreeMap<String, SimGroup>,
    custom: BTreeMap<String, serde_json::Value>,
    seq: u64,
    delay: Duration,
}

/// The IAM state of one simulated cloud.
#[derive(Default)]
pub struct IamState {
    inner: Mutex<Inner>,
}

impl fmt::Debug for IamState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.lock();
        f.debug_struct("IamState")
            .field("users", &inner.users.keys().collect::<Vec<_>>())
            .field("groups", &inner.groups.keys().collect::<Vec<_>>())
            .field("custom", &inner.custom.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Why an IAM change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IamRefusal {
    /// The user (or policy) already exists.
    Exists,
    /// The user (or policy, or key) does not exist.
    NoSuchEntity,
    /// The user is at the cloud's key cap.
    KeyQuota,
    /// The user still has keys or policies.
    DeleteConflict,
}

impl IamState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets how long a new key stays unknown to the cloud (default: none).
    pub fn set_propagation_delay(&self, delay: Duration) {
        self.lock().delay = delay;
    }

    /// The next value of the state's counter (ids, creation order).
    pub fn next_seq(&self) -> u64 {
        let mut inner = self.lock();
        inner.seq += 1;
        inner.seq
    }

    /// The user `name`.
    pub fn user(&self, name: &str) -> Option<SimUser> {
        self.lock().users.get(name).cloned()
    }

    /// The user with id `id`.
    pub fn user_by_id(&self, id: &str) -> Option<SimUser> {
        self.lock().users.values().find(|u| u.id == id).cloned()
    }

    /// Every user, by name.
    pub fn users(&self) -> Vec<SimUser> {
        self.lock().users.values().cloned().collect()
    }

    /// Creates a user.
    pub fn create_user(&self, name: &str, id: &str) -> Result<SimUser, IamRefusal> {
        let mut inner = self.lock();
        if inner.users.contains_key(name) || inner.users.values().any(|u| u.id == id) {
            return Err(IamRefusal::Exists);
        }
        let user = SimUser {
            name: name.to_owned(),
            id: id.to_owned(),
            policies: Vec::new(),
            tags: BTreeMap::new(),
            keys: Vec::new(),
        };
        inner.users.insert(name.to_owned(), user.clone());
        Ok(user)
    }

    /// Deletes a user with no keys and no policies.
    pub fn delete_user(&self, name: &str) -> Result<(), IamRefusal> {
        let mut inner = self.lock();
        let user = inner.users.get(name).ok_or(IamRefusal::NoSuchEntity)?;
        if !user.keys.is_empty() || !user.policies.is_empty() {
            return Err(IamRefusal::DeleteConflict);
        }
        inner.users.remove(name);
        for g in inner.groups.values_mut() {
            g.members.retain(|m| m != name);
        }
        Ok(())
    }

    /// Changes a user's tags.
    pub fn tag_user(
        &self,
        name: &str,
        change: impl FnOnce(&mut BTreeMap<String, String>),
    ) -> Result<(), IamRefusal> {
        let mut inner = self.lock();
        let user = inner.users.get_mut(name).ok_or(IamRefusal::NoSuchEntity)?;
        change(&mut user.tags);
        Ok(())
    }

    /// Creates a custom policy.
    pub fn create_policy(&self, name: &str, doc: serde_json::Value) -> Result<(), IamRefusal> {
        let mut inner = self.lock();
        if inner.custom.contains_key(name) {
            return Err(IamRefusal::Exists);
        }
        inner.custom.insert(name.to_owned(), doc);
        Ok(())
    }

    /// The custom policy `name`'s document.
    pub fn custom_policy(&self, name: &str) -> Option<serde_json::Value> {
        self.lock().custom.get(name).cloned()
    }

    /// Every custom policy's name.
    pub fn custom_policies(&self) -> Vec<String> {
        self.lock().custom.keys().cloned().collect()
    }

    /// Deletes a custom policy attached to no one.
    pub fn delete_policy(&self, name: &str) -> Result<(), IamRefusal> {
        let mut inner = self.lock();
        if !inner.custom.contains_key(name) {
            return Err(IamRefusal::NoSuchEntity);
        }
        let on_user = inner
            .users
            .values()
            .any(|u| u.policies.iter().any(|p| p == name));
        let on_group = inner
            .groups
            .values()
            .any(|g| g.grants.iter().any(|p| p.policy == name));
        if on_user || on_group {
            return Err(IamRefusal::DeleteConflict);
        }
        inner.custom.remove(name);
        Ok(())
    }

    /// Attaches `policy` to the user (once) and refreshes its keys' permissions.
    pub fn attach(
        &self,
        keys: &KeyStore,
        user: &str,
        policy: &str,
        grants: impl Fn(&str, Option<&serde_json::Value>) -> Vec<String>,
    ) -> Result<(), IamRefusal> {
        {
            let mut inner = self.lock();
            let u = inner.users.get_mut(user).ok_or(IamRefusal::NoSuchEntity)?;
            if !u.policies.iter().any(|p| p == policy) {
                u.policies.push(policy.to_owned());
            }
        }
        self.refresh(keys, user, grants);
        Ok(())
    }

    /// Detaches `policy` from the user and refreshes its keys' permissions.
    pub fn detach(
        &self,
        keys: &KeyStore,
        user: &str,
        policy: &str,
        grants: impl Fn(&str, Option<&serde_json::Value>) -> Vec<String>,
    ) -> Result<(), IamRefusal> {
        {
            let mut inner = self.lock();
            let u = inner.users.get_mut(user).ok_or(IamRefusal::NoSuchEntity)?;
            let before = u.policies.len();
            u.policies.retain(|p| p != policy);
            if u.policies.len() == before {
                return Err(IamRefusal::NoSuchEntity);
            }
        }
        self.refresh(keys, user, grants);
        Ok(())
    }

    /// The endpoint patterns the user's policies grant.
    fn permissions(
        &self,
        user: &str,
        grants: &dyn Fn(&str, Option<&serde_json::Value>) -> Vec<String>,
    ) -> Permissions {
        let inner = self.lock();
        let mut patterns = Vec::new();
        if let Some(u) = inner.users.get(user) {
            for p in &u.policies {
                patterns.extend(grants(p, inner.custom.get(p)));
            }
        }
        Permissions::only(patterns)
    }

    fn refresh(
        &self,
        keys: &KeyStore,
        user: &str,
        grants: impl Fn(&str, Option<&serde_json::Value>) -> Vec<String>,
    ) {
        let permissions = self.permissions(user, &grants);
        let ids: Vec<String> = self
            .user(user)
            .map(|u| u.keys.iter().map(|k| k.id.clone()).collect())
            .unwrap_or_default();
        for id in ids {
            keys.update_even_unpropagated(&id, |k| k.permissions = permissions.clone());
        }
    }

    /// Creates a group.
    pub fn create_group(&self, name: &str, id: &str) -> Result<SimGroup, IamRefusal> {
        let mut inner = self.lock();
        if inner.groups.contains_key(name) || inner.groups.values().any(|g| g.id == id) {
            return Err(IamRefusal::Exists);
        }
        let group = SimGroup {
            name: name.to_owned(),
            id: id.to_owned(),
            members: Vec::new(),
            grants: Vec::new(),
        };
        inner.groups.insert(name.to_owned(), group.clone());
        Ok(group)
    }

    /// The group `name`.
    pub fn group(&self, name: &str) -> Option<SimGroup> {
        self.lock().groups.get(name).cloned()
    }

    /// The group with id `id`.
    pub fn group_by_id(&self, id: &str) -> Option<SimGroup> {
        self.lock().groups.values().find(|g| g.id == id).cloned()
    }

    /// Every group, by name.
    pub fn groups(&self) -> Vec<SimGroup> {
        self.lock().groups.values().cloned().collect()
    }

    /// The groups `user` is a member of.
    pub fn groups_of(&self, user: &str) -> Vec<SimGroup> {
        let inner = self.lock();
        inner
            .groups
            .values()
            .filter(|g| g.members.iter().any(|m| m == user))
            .cloned()
            .collect()
    }

    /// Deletes a group, whatever its members and grants (as Keystone does).
    pub fn delete_group(&self, name: &str) -> Result<SimGroup, IamRefusal> {
        self.lock()
            .groups
            .remove(name)
            .ok_or(IamRefusal::NoSuchEntity)
    }

    /// Changes a group: `change` returns `false` when there was nothing to change.
    fn change_group(
        &self,
        group: &str,
        change: impl FnOnce(&mut SimGroup, &BTreeMap<String, SimUser>) -> bool,
    ) -> Result<(), IamRefusal> {
        let mut inner = self.lock();
        let Inner { users, groups, .. } = &mut *inner;
        let g = groups.get_mut(group).ok_or(IamRefusal::NoSuchEntity)?;
        if change(g, users) {
            Ok(())
        } else {
            Err(IamRefusal::NoSuchEntity)
        }
    }

    /// Adds `user` to the group (once).
    pub fn add_member(&self, group: &str, user: &str) -> Result<(), IamRefusal> {
        self.change_group(group, |g, users| {
            if !users.contains_key(user) {
                return false;
            }
            if !g.members.iter().any(|m| m == user) {
                g.members.push(user.to_owned());
            }
            true
        })
    }

    /// Removes `user` from the group; `NoSuchEntity` if it is not a member.
    pub fn remove_member(&self, group: &str, user: &str) -> Result<(), IamRefusal> {
        self.change_group(group, |g, _| {
            let before = g.members.len();
            g.members.retain(|m| m != user);
            g.members.len() != before
        })
    }

    /// Grants `policy` to the group in `scope` (once).
    pub fn grant(&self, group: &str, policy: &str, scope: &str) -> Result<(), IamRefusal> {
        let grant = SimGrant {
            policy: policy.to_owned(),
            scope: scope.to_owned(),
        };
        self.change_group(group, |g, _| {
            if !g.grants.contains(&grant) {
                g.grants.push(grant);
            }
            true
        })
    }

    /// Revokes `policy` in `scope` from the group; `NoSuchEntity` if it was not granted.
    pub fn revoke(&self, group: &str, policy: &str, scope: &str) -> Result<(), IamRefusal> {
        self.change_group(group, |g, _| {
            let before = g.grants.len();
            g.grants
                .retain(|p| !(p.policy == policy && p.scope == scope));
            g.grants.len() != before
        })
    }

    /// Gives every key of `user` these permissions (clouds whose grants live on groups
    /// compute them themselves).
    pub fn apply_permissions(&self, keys: &KeyStore, user: &str, permissions: &Permissions) {
        let ids: Vec<String> = self
            .user(user)
            .map(|u| u.keys.iter().map(|k| k.id.clone()).collect())
            .unwrap_or_default();
        for id in ids {
            keys.update_even_unpropagated(&id, |k| k.permissions = permissions.clone());
        }
    }

    /// Creates an access key for the user (at most `cap` per user), usable after the
    /// propagation delay, with the permissions of the user's policies.
    #[allow(clippy::too_many_arguments)]
    pub fn create_key(
        &self,
        keys: &KeyStore,
        template: SimKey,
        user: &str,
        description: &str,
        cap: usize,
        grants: impl Fn(&str, Option<&serde_json::Value>) -> Vec<String>,
    ) -> Result<SimUserKey, IamRefusal> {
        let delay;
        let entry;
        {
            let mut inner = self.lock();
            inner.seq += 1;
            let seq = inner.seq;
            delay = inner.delay;
            let u = inner.users.get_mut(user).ok_or(IamRefusal::NoSuchEntity)?;
            if u.keys.len() >= cap {
                return Err(IamRefusal::KeyQuota);
            }
            entry = SimUserKey {
                id: template.id.clone(),
                seq,
                description: description.to_owned(),
            };
            u.keys.push(entry.clone());
        }
        let permissions = self.permissions(user, &grants);
        keys.insert(
            template
                .with_permissions(permissions)
                .with_usable_from(Instant::now() + delay),
        );
        Ok(entry)
    }

    /// Deletes the user's key `id` (from the user and the key store).
    pub fn delete_key(&self, keys: &KeyStore, user: &str, id: &str) -> Result<(), IamRefusal> {
        let mut inner = self.lock();
        let u = inner.users.get_mut(user).ok_or(IamRefusal::NoSuchEntity)?;
        let before = u.keys.len();
        u.keys.retain(|k| k.id != id);
        if u.keys.len() == before {
            return Err(IamRefusal::NoSuchEntity);
        }
        keys.remove(id);
        Ok(())
    }
}

//! Quick configuration for Huawei Cloud: the IAM calls ([`IamOps`]) the shared run in
//! [`multicloud_core::onboard`] drives, over IAM v3 (`iam.rs`).
//!
//! - **Main-account key only.** A Huawei account's root ("main account") user is the IAM
//!   user named after the account. The key's own record (`ShowPermanentAccessKey`) names
//!   its user, `KeystoneShowUser` that user's name, `KeystoneListAuthDomains` the account's:
//!   an IAM user's key (one that cannot even read its own user, or whose user has another
//!   name) is refused before anything changes.
//! - **Grants go to a group.** Huawei attaches permissions to user groups, not users: the
//!   user joins the group `<user>-group` (made or reused), and each permission is granted to
//!   it where its display mode says: global services (`AX`) on the account, project
//!   services (`XA`) in every project including regions opened later, both for `AA`
//!   (`Tenant Guest`). The guide's `siemBasePolicy` is made global, `siemNormalPolicy`
//!   project-level.
//! - **Keys**: two per user; a key this SDK made has the description [`KEY_MARK`].
//! - **Propagation** is waited out with at most five checks by default
//!   ([`default_propagation_wait`]): the gateway answers an AccessKey it does not know yet as
//!   unknown, and locks a key after more than five failed authentications in a row.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use multicloud_core::onboard::{
    IamOps, IamUser, KeyInfo, KeySwitch, PolicyDocument, PropagationWait,
};
use multicloud_core::OnboardSettings;
use multicloud_core::{
    AccessKey, CredentialStatus, Error, ErrorKind, Identity, OnboardOutcome, OnboardRequest,
    Onboarder, PrincipalType, ProviderKind, ResourceKind, Result, StandardFeature,
};
use tokio::sync::{Mutex, OnceCell};

use crate::client::{Client, Request, IAM_SHOW_ACCESS_KEY};
use crate::iam::{GrantScope, Iam, Role};
use crate::resources::{KINDS, SIEM_NORMAL};
use crate::{verify, wire};

/// The description of an access key this SDK made.
pub const KEY_MARK: &str = "made by multicloud";

/// The prefix put before the IAM user's name unless it already has it (configurable with
/// [`HuaweiProviderBuilder::with_user_prefix`](crate::HuaweiProviderBuilder::with_user_prefix)).
pub const DEFAULT_USER_PREFIX: &str = "multicloud-";

/// What follows the user's name in the name of its user group.
pub const GROUP_SUFFIX: &str = "-group";

/// Permanent access keys IAM allows per user.
const KEY_CAP: usize = 2;

/// The longest group name IAM takes.
const MAX_GROUP_NAME: usize = 64;

/// The features quick configuration grants for.
const FEATURES: &[StandardFeature] = &[
    StandardFeature::Host,
    StandardFeature::Cspm,
    StandardFeature::Response,
];

/// Five checks of a new key, 2 s apart at first, doubling to 16 s (checks at about 0, 2, 6,
/// 14 and 30 s): a few seconds more than other clouds need, and never more than five
/// refusals of the new key, after which the gateway would lock it for five minutes.
pub fn default_propagation_wait() -> PropagationWait {
    PropagationWait::new(5, Duration::from_secs(2), Duration::from_secs(16))
}

/// The user group of the IAM user `user`.
pub fn group_name(user: &str) -> String {
    format!("{user}{GROUP_SUFFIX}")
}

/// The policies `request.features` need (see [`crate::policy_documents`]); a feature the
/// provider does not offer is a `Config` error.
pub(crate) fn onboard_policies(request: &OnboardRequest) -> Result<Vec<PolicyDocument>> {
    if let Some(f) = request.features.iter().find(|f| !FEATURES.contains(f)) {
        return Err(Error::config(format!(
            "Huawei Cloud quick configuration grants host, cspm and response; {} is not \
             offered",
            f.as_str()
        )));
    }
    Ok(verify::policy_documents(&request.features))
}

/// The display mode a custom policy is made with: `siemNormalPolicy` holds project services
/// (CFW, WAF), `siemBasePolicy` global ones (IAM, RMS, OBS).
fn custom_kind(name: &str) -> &'static str {
    if name == SIEM_NORMAL {
        "XA"
    } else {
        "AX"
    }
}

/// Quick configuration for one Huawei Cloud account (see the module docs).
#[derive(Clone)]
pub struct HuaweiOnboarder {
    client: Client,
    settings: OnboardSettings,
}

impl fmt::Debug for HuaweiOnboarder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuaweiOnboarder")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl HuaweiOnboarder {
    pub(crate) fn new(client: Client, prefix: String, wait: PropagationWait) -> Self {
        HuaweiOnboarder {
            client,
            settings: OnboardSettings::new(prefix, wait),
        }
    }

    /// The user name for `name`: the configured prefix put in front unless it is already there.
    pub fn user_name(&self, name: &str) -> String {
        self.settings.user_name(name)
    }

    fn ops(&self, features: &[StandardFeature]) -> Ops {
        Ops {
            client: self.client.clone(),
            features: features.to_vec(),
            iam: OnceCell::new(),
            group: Mutex::new(None),
        }
    }
}

#[async_trait]
impl Onboarder for HuaweiOnboarder {
    fn policy_documents(&self, request: &OnboardRequest) -> Result<Vec<PolicyDocument>> {
        onboard_policies(request)
    }

    async fn onboard(&self, request: &OnboardRequest) -> Result<OnboardOutcome> {
        let docs = onboard_policies(request)?;
        let mut named = request.clone();
        named.user_name = self.user_name(&request.user_name);
        if group_name(&named.user_name).chars().count() > MAX_GROUP_NAME {
            return Err(Error::config(format!(
                "user name {:?} is too long: its group {:?} would pass IAM's {MAX_GROUP_NAME} \
                 characters",
                named.user_name,
                group_name(&named.user_name)
            )));
        }
        let ops = self.ops(&request.features);
        self.settings.onboard(&ops, &named, &docs).await
    }

    async fn rotate_key(
        &self,
        user_name: &str,
        old_key_id: &str,
        switch: &KeySwitch<'_>,
    ) -> Result<AccessKey> {
        let ops = self.ops(&[]);
        self.settings
            .rotate_key(&ops, user_name, old_key_id, switch)
            .await
    }
}

/// The user group this run uses, whether this run made it, and whether the user is known
/// to be in it.
#[derive(Debug, Clone)]
struct Group {
    id: String,
    made_here: bool,
    joined: bool,
}

/// The IAM calls of one run, made with the main account's key.
struct Ops {
    client: Client,
    features: Vec<StandardFeature>,
    iam: OnceCell<Iam>,
    group: Mutex<Option<Group>>,
}

impl fmt::Debug for Ops {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ops")
            .field("features", &self.features)
            .finish_non_exhaustive()
    }
}

fn permission_denied(e: &Error) -> bool {
    e.kind() == ErrorKind::PermissionDenied
}

impl Ops {
    async fn iam(&self) -> Result<&Iam> {
        self.iam
            .get_or_try_init(|| Iam::new(self.client.clone()))
            .await
    }

    /// The group of `user` (from this run, else looked up by name).
    async fn find_group(&self, user: &IamUser) -> Result<Option<Group>> {
        if let Some(g) = self.group.lock().await.clone() {
            return Ok(Some(g));
        }
        let id = self
            .iam()
            .await?
            .group_named(&group_name(&user.name))
            .await?;
        Ok(id.map(|id| Group {
            id,
            made_here: false,
            joined: false,
        }))
    }

    /// Makes (or reuses) the user's group and puts the user in it; the group's id.
    async fn join_group(&self, user: &IamUser) -> Result<String> {
        let iam = self.iam().await?;
        let mut memo = self.group.lock().await;
        let group = match memo.clone() {
            Some(g) => g,
            None => {
                let name = group_name(&user.name);
                let g = match iam.group_named(&name).await? {
                    Some(id) => Group {
                        id,
                        made_here: false,
                        joined: false,
                    },
                    None => Group {
                        id: iam.create_group(&name, "made by multicloud").await?,
                        made_here: true,
                        joined: false,
                    },
                };
                *memo = Some(g.clone());
                g
            }
        };
        if !group.joined {
            if !iam.is_member(&group.id, &user.id).await? {
                iam.add_member(&group.id, &user.id).await?;
            }
            if let Some(g) = memo.as_mut() {
                g.joined = true;
            }
        }
        Ok(group.id)
    }

    /// Deletes the group if this run made it.
    async fn drop_group(&self) -> Result<()> {
        let mut memo = self.group.lock().await;
        if let Some(g) = memo.as_ref().filter(|g| g.made_here) {
            self.iam().await?.delete_group(&g.id).await?;
            *memo = None;
        }
        Ok(())
    }

    /// The permission `name`: the account's custom policy for the guide's names, else a
    /// system one.
    async fn role(&self, name: &str) -> Result<Role> {
        let iam = self.iam().await?;
        let found = if verify::custom_policy(name).is_some() {
            iam.custom_role(name).await?
        } else {
            iam.system_role(name).await?
        };
        found.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("IAM has no permission named {name}"),
            )
            .with_provider(ProviderKind::Huawei)
        })
    }

    /// Who the key belongs to, `None` when it may not read its own IAM user (an IAM user's
    /// key: the main account may read everything).
    async fn key_owner(&self, iam: &Iam) -> Result<Option<(String, String)>> {
        let key_id = self.client.access_key_id().await?;
        let path = format!("/v3.0/OS-CREDENTIAL/credentials/{key_id}");
        let credential = match self
            .client
            .json(IAM_SHOW_ACCESS_KEY, &Request::get(path))
            .await
        {
            Ok(body) => body,
            Err(e) if permission_denied(&e) => return Ok(None),
            Err(e) => return Err(e),
        };
        let user_id = wire::text(&credential["credential"], "user_id").ok_or_else(|| {
            wire::decode_error(IAM_SHOW_ACCESS_KEY.name, None, "the key names no user")
        })?;
        match iam.user_name(&user_id).await {
            Ok(name) => Ok(Some((user_id, name))),
            Err(e) if permission_denied(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl IamOps for Ops {
    async fn caller(&self) -> Result<Identity> {
        let check = verify::check_key(&self.client).await?;
        if check.status != CredentialStatus::Valid {
            return Err(Error::new(
                ErrorKind::InvalidCredential,
                format!("the main account's key does not work: {:?}", check.status),
            ));
        }
        let iam = self.iam().await?;
        let key_id = self.client.access_key_id().await?;
        if self.client.is_temporary().await? {
            let principal = format!("temporary access key {key_id}");
            return Ok(Identity::new(
                iam.domain_id(),
                principal,
                PrincipalType::Role,
            ));
        }
        let account = iam.domain_name().await?;
        let Some((user_id, user)) = self.key_owner(iam).await? else {
            let principal = format!(
                "access key {key_id} of account {account}, whose user may not read its own \
                 IAM record"
            );
            return Ok(Identity::new(
                iam.domain_id(),
                principal,
                PrincipalType::User,
            ));
        };
        let kind = if user == account {
            PrincipalType::Root
        } else {
            PrincipalType::User
        };
        let principal = format!("IAM user {user} ({user_id}) of account {account}");
        Ok(Identity::new(iam.domain_id(), principal, kind))
    }

    async fn find_user(&self, name: &str) -> Result<Option<IamUser>> {
        let id = self.iam().await?.user_named(name).await?;
        Ok(id.map(|id| IamUser {
            name: name.to_owned(),
            id,
        }))
    }

    async fn create_user(&self, name: &str) -> Result<IamUser> {
        let iam = self.iam().await?;
        let id = iam.create_user(name, "made by multicloud").await?;
        let user = IamUser {
            name: name.to_owned(),
            id,
        };
        if let Err(e) = self.join_group(&user).await {
            // Take back what this call made: the journal only knows the user once it is
            // returned.
            let group = self.drop_group().await;
            let undone = iam.delete_user(&user.id).await;
            let tail = match (group, undone) {
                (Ok(()), Ok(())) => "; the new user was deleted".to_owned(),
                _ => format!("; could NOT undo: user {name} or its group"),
            };
            let message = format!("{}{tail}", e.message());
            return Err(e.with_message(message));
        }
        Ok(user)
    }

    async fn delete_user(&self, user: &IamUser) -> Result<()> {
        self.drop_group().await?;
        self.iam().await?.delete_user(&user.id).await
    }

    async fn ensure_policy(&self, policy: &PolicyDocument) -> Result<bool> {
        let Some(doc) = &policy.document else {
            return Ok(false);
        };
        let iam = self.iam().await?;
        if iam.custom_role(&policy.name).await?.is_some() {
            return Ok(false);
        }
        iam.create_custom(&policy.name, custom_kind(&policy.name), doc)
            .await?;
        Ok(true)
    }

    async fn delete_policy(&self, name: &str) -> Result<()> {
        let role = self.role(name).await?;
        self.iam().await?.delete_custom(&role.id).await
    }

    async fn attached(&self, user: &IamUser) -> Result<Vec<String>> {
        let Some(group) = self.find_group(user).await? else {
            return Ok(Vec::new());
        };
        let iam = self.iam().await?;
        // Grants to a group the user is not in give the user nothing.
        if !iam.is_member(&group.id, &user.id).await? {
            return Ok(Vec::new());
        }
        let global = iam.grants(&group.id, GrantScope::Global).await?;
        let projects = iam.grants(&group.id, GrantScope::AllProjects).await?;
        let has = |scope: GrantScope, id: &str| {
            let list = if scope == GrantScope::Global {
                &global
            } else {
                &projects
            };
            list.iter().any(|r| r.id == id)
        };
        let mut names: Vec<String> = Vec::new();
        for role in global.iter().chain(&projects) {
            let full = role.scopes().into_iter().all(|s| has(s, &role.id));
            if full && !names.contains(&role.display_name) {
                names.push(role.display_name.clone());
            }
        }
        Ok(names)
    }

    async fn attach(&self, user: &IamUser, policy: &PolicyDocument) -> Result<()> {
        let role = self.role(&policy.name).await?;
        let scopes = role.scopes();
        if scopes.is_empty() {
            return Err(Error::config(format!(
                "permission {} (display mode {}) cannot be granted anywhere",
                role.display_name, role.kind
            )));
        }
        let group = self.join_group(user).await?;
        let iam = self.iam().await?;
        let mut done = Vec::new();
        for scope in scopes {
            if let Err(e) = iam.set_grant(&group, &role.id, scope, true).await {
                // Half a grant is no grant: take back the scope already granted.
                for s in done {
                    let _ = iam.set_grant(&group, &role.id, s, false).await;
                }
                return Err(e);
            }
            done.push(scope);
        }
        Ok(())
    }

    async fn detach(&self, user: &IamUser, name: &str) -> Result<()> {
        let role = self.role(name).await?;
        let group = self.find_group(user).await?.ok_or_else(|| {
            Error::new(ErrorKind::NotFound, format!("{} has no group", user.name))
        })?;
        let iam = self.iam().await?;
        for scope in role.scopes() {
            match iam.set_grant(&group.id, &role.id, scope, false).await {
                Err(e) if e.kind() != ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        // A group this run made goes with its last grant (a rollback leaves nothing).
        if group.made_here
            && iam.grants(&group.id, GrantScope::Global).await?.is_empty()
            && iam
                .grants(&group.id, GrantScope::AllProjects)
                .await?
                .is_empty()
        {
            self.drop_group().await?;
        }
        Ok(())
    }

    async fn keys(&self, user: &IamUser) -> Result<Vec<KeyInfo>> {
        self.iam().await?.keys(&user.id, KEY_MARK).await
    }

    async fn create_key(&self, user: &IamUser) -> Result<AccessKey> {
        self.iam().await?.create_key(&user.id, KEY_MARK).await
    }

    async fn delete_key(&self, _user: &IamUser, key_id: &str) -> Result<()> {
        self.iam().await?.delete_key(key_id).await
    }

    async fn check_key(&self, key: &AccessKey) -> Result<()> {
        // A client of its own: the refusal latch of one check must not stop the next.
        let client = self.client.with_key(key.clone());
        let check = verify::check_key(&client).await?;
        if let CredentialStatus::Invalid { kind, code, .. } = &check.status {
            let mut e = Error::new(*kind, "the new key is not accepted yet");
            if let Some(code) = code {
                e = e.with_code(code.clone());
            }
            return Err(e);
        }
        let kinds: Vec<&ResourceKind> = KINDS
            .iter()
            .filter(|k| self.features.iter().any(|f| k.is_in(*f)))
            .collect();
        for kind in kinds {
            match verify::probe_read(&client, kind).await {
                // The key is allowed; the service has nothing to say (RMS with the
                // recorder off), which verify reports on its own.
                Err(e) if e.kind() == ErrorKind::Service => {
                    tracing::debug!(kind = kind.id, "probe answered a service error");
                }
                other => other?,
            }
        }
        Ok(())
    }

    fn key_cap(&self) -> usize {
        KEY_CAP
    }

    fn not_root(&self, identity: &Identity) -> String {
        let what = match identity.principal_type {
            PrincipalType::Role => "this is a temporary (security-token) key",
            _ => "this is an IAM user's key",
        };
        format!(
            "{what} ({}), not the main account's: a Huawei Cloud account's main (root) user \
             is the IAM user named after the account, and quick configuration creates IAM \
             users, user groups and keys with its permanent key, once; use the main \
             account's key, or grant the policies by hand (the `policy` command prints them)",
            identity.principal
        )
    }
}

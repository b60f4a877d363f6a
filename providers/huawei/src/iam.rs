//! The IAM v3 calls quick configuration makes (global endpoint `iam.myhuaweicloud.com`),
//! each one request, named as in the official SDK (`huaweicloudsdkiam` v3):
//!
//! - users: `KeystoneListUsers` (`GET /v3/users?domain_id&name`), `KeystoneShowUser`
//!   (`GET /v3/users/{id}`), `CreateUser` (`POST /v3.0/OS-USER/users`, programmatic access
//!   only), `KeystoneDeleteUser`;
//! - groups (Huawei grants permissions to user groups, not users): `KeystoneListGroups`,
//!   `KeystoneCreateGroup`, `KeystoneDeleteGroup`, `KeystoneCheckUserInGroup` /
//!   `KeystoneAddUserToGroup` (`HEAD`/`PUT /v3/groups/{group}/users/{user}`);
//! - permissions: `KeystoneListPermissions` (`GET /v3/roles?display_name`, system ones),
//!   `ListCustomPolicies` / `CreateCloudServiceCustomPolicy` / `DeleteCustomPolicy`
//!   (`/v3.0/OS-ROLE/roles`);
//! - grants, by scope: global services with `KeystoneAssociateGroupWithDomainPermission`
//!   (`PUT /v3/domains/{domain}/groups/{group}/roles/{role}`), every project (now and
//!   later) with `UpdateDomainGroupInheritRole` (`PUT /v3/OS-INHERIT/domains/{domain}/groups/
//!   {group}/roles/{role}/inherited_to_projects`), their listings and removals;
//! - permanent access keys: `CreatePermanentAccessKey`, `ListPermanentAccessKeys`,
//!   `DeletePermanentAccessKey` (`/v3.0/OS-CREDENTIAL/credentials`).

use http::Method;
use multicloud_core::onboard::KeyInfo;
use multicloud_core::{AccessKey, ErrorKind, Result};
use serde_json::{json, Value};

use crate::client::{Api, Client, Request, Scope, IAM_LIST_AUTH_DOMAINS};
use crate::wire;

const fn read(name: &'static str) -> Api {
    Api::read(name, "iam")
}

const fn write(name: &'static str) -> Api {
    Api::write(name, "iam")
}

pub(crate) const LIST_USERS: Api = read("iam:KeystoneListUsers");
pub(crate) const SHOW_USER: Api = read("iam:KeystoneShowUser");
pub(crate) const CREATE_USER: Api = write("iam:CreateUser");
pub(crate) const DELETE_USER: Api = write("iam:KeystoneDeleteUser");
pub(crate) const LIST_GROUPS: Api = read("iam:KeystoneListGroups");
pub(crate) const CREATE_GROUP: Api = write("iam:KeystoneCreateGroup");
pub(crate) const DELETE_GROUP: Api = write("iam:KeystoneDeleteGroup");
pub(crate) const CHECK_MEMBER: Api = read("iam:KeystoneCheckUserInGroup");
pub(crate) const ADD_MEMBER: Api = write("iam:KeystoneAddUserToGroup");
pub(crate) const LIST_ROLES: Api = read("iam:KeystoneListPermissions");
pub(crate) const LIST_CUSTOM: Api = read("iam:ListCustomPolicies");
pub(crate) const CREATE_CUSTOM: Api = write("iam:CreateCloudServiceCustomPolicy");
pub(crate) const DELETE_CUSTOM: Api = write("iam:DeleteCustomPolicy");
pub(crate) const LIST_DOMAIN_GRANTS: Api = read("iam:KeystoneListDomainPermissionsForGroup");
pub(crate) const GRANT_DOMAIN: Api = write("iam:KeystoneAssociateGroupWithDomainPermission");
pub(crate) const REVOKE_DOMAIN: Api = write("iam:KeystoneRemoveDomainPermissionFromGroup");
pub(crate) const LIST_PROJECT_GRANTS: Api = read("iam:KeystoneListAllProjectPermissionsForGroup");
pub(crate) const GRANT_PROJECTS: Api = write("iam:UpdateDomainGroupInheritRole");
pub(crate) const REVOKE_PROJECTS: Api = write("iam:DeleteDomainGroupInheritedRole");
pub(crate) const CREATE_KEY: Api = write("iam:CreatePermanentAccessKey");
pub(crate) const LIST_KEYS: Api = read("iam:ListPermanentAccessKeys");
pub(crate) const DELETE_KEY: Api = write("iam:DeletePermanentAccessKey");

/// Every IAM call of quick configuration (the rate-limit table adds them).
pub(crate) const APIS: &[Api] = &[
    LIST_USERS,
    SHOW_USER,
    CREATE_USER,
    DELETE_USER,
    LIST_GROUPS,
    CREATE_GROUP,
    DELETE_GROUP,
    CHECK_MEMBER,
    ADD_MEMBER,
    LIST_ROLES,
    LIST_CUSTOM,
    CREATE_CUSTOM,
    DELETE_CUSTOM,
    LIST_DOMAIN_GRANTS,
    GRANT_DOMAIN,
    REVOKE_DOMAIN,
    LIST_PROJECT_GRANTS,
    GRANT_PROJECTS,
    REVOKE_PROJECTS,
    CREATE_KEY,
    LIST_KEYS,
    DELETE_KEY,
];

/// Where a grant applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GrantScope {
    /// Global services (IAM, RMS, OBS): the account (domain) itself.
    Global,
    /// Every project, those of regions opened later too (`OS-INHERIT`).
    AllProjects,
}

/// A permission (system policy or role, or custom policy) as IAM lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Role {
    pub(crate) id: String,
    pub(crate) display_name: String,
    /// The display mode: `AX` global, `XA` projects, `AA` both.
    pub(crate) kind: String,
}

impl Role {
    /// The scopes the permission is granted in: global services for `AX`, every project
    /// for `XA`, both for `AA`.
    pub(crate) fn scopes(&self) -> Vec<GrantScope> {
        let mut out = Vec::new();
        if self.kind.starts_with('A') {
            out.push(GrantScope::Global);
        }
        if self.kind.ends_with('A') {
            out.push(GrantScope::AllProjects);
        }
        out
    }

    fn parse(v: &Value, action: &str) -> Result<Role> {
        let field = |k: &str| {
            wire::text(v, k).ok_or_else(|| {
                wire::decode_error(action, None, &format!("a permission without {k}"))
            })
        };
        Ok(Role {
            id: field("id")?,
            display_name: field("display_name")?,
            kind: wire::text(v, "type").unwrap_or_else(|| "AA".to_owned()),
        })
    }
}

/// IAM calls of one account, made with the client's key.
#[derive(Debug, Clone)]
pub(crate) struct Iam {
    client: Client,
    domain: String,
}

fn not_found(e: &multicloud_core::Error) -> bool {
    e.kind() == ErrorKind::NotFound
}

impl Iam {
    /// IAM of the key's account (looked up once).
    pub(crate) async fn new(client: Client) -> Result<Iam> {
        let domain = client.domain_id().await?;
        Ok(Iam { client, domain })
    }

    /// The account (domain) id.
    pub(crate) fn domain_id(&self) -> &str {
        &self.domain
    }

    fn request(&self, method: Method, path: String) -> Request {
        Request::get(path)
            .with_method(method)
            .scope(Scope::Domain(self.domain.clone()))
    }

    async fn json(&self, api: Api, request: Request) -> Result<Value> {
        self.client.json(api, &request).await
    }

    /// A call whose answer has no body to read (204, or a body this crate ignores).
    async fn call(&self, api: Api, request: Request) -> Result<()> {
        self.client.send(api, &request).await.map(drop)
    }

    fn list<'a>(body: &'a Value, field: &str, api: Api) -> Result<&'a Vec<Value>> {
        wire::list(body, field, api.name, None)
    }

    /// The id of the user or group `name` in a `users` / `groups` listing.
    async fn id_named(
        &self,
        api: Api,
        path: &str,
        field: &str,
        name: &str,
    ) -> Result<Option<String>> {
        let request = self
            .request(Method::GET, path.to_owned())
            .query("domain_id", &self.domain)
            .query("name", name);
        let body = self.json(api, request).await?;
        Ok(Self::list(&body, field, api)?
            .iter()
            .find(|u| wire::text(u, "name").as_deref() == Some(name))
            .and_then(|u| wire::text(u, "id")))
    }

    /// The id of the user `name`, if it exists.
    pub(crate) async fn user_named(&self, name: &str) -> Result<Option<String>> {
        self.id_named(LIST_USERS, "/v3/users", "users", name).await
    }

    /// The name of the user `id`.
    pub(crate) async fn user_name(&self, id: &str) -> Result<String> {
        let body = self
            .json(
                SHOW_USER,
                self.request(Method::GET, format!("/v3/users/{id}")),
            )
            .await?;
        wire::text(&body["user"], "name")
            .ok_or_else(|| wire::decode_error(SHOW_USER.name, None, "the user has no name"))
    }

    /// The account's name (its root user has the same name).
    pub(crate) async fn domain_name(&self) -> Result<String> {
        let body = self
            .client
            .json(IAM_LIST_AUTH_DOMAINS, &Request::get("/v3/auth/domains"))
            .await?;
        Self::list(&body, "domains", IAM_LIST_AUTH_DOMAINS)?
            .iter()
            .find(|d| wire::text(d, "id").as_deref() == Some(&self.domain))
            .and_then(|d| wire::text(d, "name"))
            .ok_or_else(|| {
                wire::decode_error(IAM_LIST_AUTH_DOMAINS.name, None, "the account has no name")
            })
    }

    /// The id of the user group `name`, if it exists.
    pub(crate) async fn group_named(&self, name: &str) -> Result<Option<String>> {
        self.id_named(LIST_GROUPS, "/v3/groups", "groups", name)
            .await
    }

    /// Creates an IAM user with programmatic access only; its id.
    pub(crate) async fn create_user(&self, name: &str, description: &str) -> Result<String> {
        let body = json!({"user": {"name": name, "domain_id": self.domain, "enabled": true,
            "access_mode": "programmatic", "description": description}});
        let request = self
            .request(Method::POST, "/v3.0/OS-USER/users".into())
            .json(body);
        let out = self.json(CREATE_USER, request).await?;
        wire::text(&out["user"], "id")
            .ok_or_else(|| wire::decode_error(CREATE_USER.name, None, "the new user has no id"))
    }

    /// Deletes the user `id`.
    pub(crate) async fn delete_user(&self, id: &str) -> Result<()> {
        let request = self.request(Method::DELETE, format!("/v3/users/{id}"));
        self.call(DELETE_USER, request).await
    }

    /// Creates a user group; its id.
    pub(crate) async fn create_group(&self, name: &str, description: &str) -> Result<String> {
        let body = json!({"group": {"name": name, "domain_id": self.domain,
            "description": description}});
        let out = self
            .json(
                CREATE_GROUP,
                self.request(Method::POST, "/v3/groups".into()).json(body),
            )
            .await?;
        wire::text(&out["group"], "id")
            .ok_or_else(|| wire::decode_error(CREATE_GROUP.name, None, "the new group has no id"))
    }

    /// Deletes the user group `id` (its members stay; its grants go).
    pub(crate) async fn delete_group(&self, id: &str) -> Result<()> {
        let request = self.request(Method::DELETE, format!("/v3/groups/{id}"));
        self.call(DELETE_GROUP, request).await
    }

    /// Whether the user is in the group.
    pub(crate) async fn is_member(&self, group: &str, user: &str) -> Result<bool> {
        let path = format!("/v3/groups/{group}/users/{user}");
        match self
            .call(CHECK_MEMBER, self.request(Method::HEAD, path))
            .await
        {
            Ok(()) => Ok(true),
            Err(e) if not_found(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Adds the user to the group.
    pub(crate) async fn add_member(&self, group: &str, user: &str) -> Result<()> {
        let path = format!("/v3/groups/{group}/users/{user}");
        self.call(ADD_MEMBER, self.request(Method::PUT, path)).await
    }

    /// The system permission shown as `name`, if there is one.
    pub(crate) async fn system_role(&self, name: &str) -> Result<Option<Role>> {
        let request = self
            .request(Method::GET, "/v3/roles".into())
            .query("display_name", name);
        let body = self.json(LIST_ROLES, request).await?;
        Self::find_role(&body, LIST_ROLES, name)
    }

    /// The account's custom policy `name`, if there is one.
    pub(crate) async fn custom_role(&self, name: &str) -> Result<Option<Role>> {
        let request = self
            .request(Method::GET, "/v3.0/OS-ROLE/roles".into())
            .query("page", 1)
            .query("per_page", 300);
        let body = self.json(LIST_CUSTOM, request).await?;
        Self::find_role(&body, LIST_CUSTOM, name)
    }

    fn find_role(body: &Value, api: Api, name: &str) -> Result<Option<Role>> {
        Self::list(body, "roles", api)?
            .iter()
            .find(|r| wire::text(r, "display_name").as_deref() == Some(name))
            .map(|r| Role::parse(r, api.name))
            .transpose()
    }

    /// Creates the custom policy `name` of display mode `kind` (`AX` or `XA`).
    pub(crate) async fn create_custom(&self, name: &str, kind: &str, policy: &Value) -> Result<()> {
        let body = json!({"role": {"display_name": name, "type": kind, "policy": policy,
            "description": "least-privilege policy made by multicloud"}});
        let request = self
            .request(Method::POST, "/v3.0/OS-ROLE/roles".into())
            .json(body);
        self.call(CREATE_CUSTOM, request).await
    }

    /// Deletes the custom policy `id`.
    pub(crate) async fn delete_custom(&self, id: &str) -> Result<()> {
        let request = self.request(Method::DELETE, format!("/v3.0/OS-ROLE/roles/{id}"));
        self.call(DELETE_CUSTOM, request).await
    }

    fn grants_path(&self, group: &str, scope: GrantScope, role: Option<&str>) -> String {
        let d = &self.domain;
        match (scope, role) {
            (GrantScope::Global, None) => format!("/v3/domains/{d}/groups/{group}/roles"),
            (GrantScope::Global, Some(r)) => format!("/v3/domains/{d}/groups/{group}/roles/{r}"),
            (GrantScope::AllProjects, None) => {
                format!("/v3/OS-INHERIT/domains/{d}/groups/{group}/roles/inherited_to_projects")
            }
            (GrantScope::AllProjects, Some(r)) => {
                format!("/v3/OS-INHERIT/domains/{d}/groups/{group}/roles/{r}/inherited_to_projects")
            }
        }
    }

    /// The permissions granted to the group in `scope`.
    pub(crate) async fn grants(&self, group: &str, scope: GrantScope) -> Result<Vec<Role>> {
        let api = match scope {
            GrantScope::Global => LIST_DOMAIN_GRANTS,
            GrantScope::AllProjects => LIST_PROJECT_GRANTS,
        };
        let path = self.grants_path(group, scope, None);
        let body = self.json(api, self.request(Method::GET, path)).await?;
        Self::list(&body, "roles", api)?
            .iter()
            .map(|r| Role::parse(r, api.name))
            .collect()
    }

    /// Grants (`on`) or revokes the permission `role` to the group in `scope`.
    pub(crate) async fn set_grant(
        &self,
        group: &str,
        role: &str,
        scope: GrantScope,
        on: bool,
    ) -> Result<()> {
        let (api, method) = match (scope, on) {
            (GrantScope::Global, true) => (GRANT_DOMAIN, Method::PUT),
            (GrantScope::Global, false) => (REVOKE_DOMAIN, Method::DELETE),
            (GrantScope::AllProjects, true) => (GRANT_PROJECTS, Method::PUT),
            (GrantScope::AllProjects, false) => (REVOKE_PROJECTS, Method::DELETE),
        };
        let path = self.grants_path(group, scope, Some(role));
        self.call(api, self.request(method, path)).await
    }

    /// The user's permanent access keys, oldest first; `mark` is the description of the
    /// keys this SDK made.
    pub(crate) async fn keys(&self, user: &str, mark: &str) -> Result<Vec<KeyInfo>> {
        let request = self
            .request(Method::GET, "/v3.0/OS-CREDENTIAL/credentials".into())
            .query("user_id", user);
        let body = self.json(LIST_KEYS, request).await?;
        let mut keys = Self::list(&body, "credentials", LIST_KEYS)?
            .iter()
            .map(|k| {
                let field = |f: &str| {
                    wire::text(k, f).ok_or_else(|| {
                        wire::decode_error(LIST_KEYS.name, None, &format!("a key without {f}"))
                    })
                };
                Ok(KeyInfo {
                    id: field("access")?,
                    created: field("create_time")?,
                    ours: wire::text(k, "description").as_deref() == Some(mark),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        keys.sort_by(|a, b| a.created.cmp(&b.created));
        Ok(keys)
    }

    /// Creates a permanent access key for the user, described as `description`.
    pub(crate) async fn create_key(&self, user: &str, description: &str) -> Result<AccessKey> {
        let body = json!({"credential": {"user_id": user, "description": description}});
        let request = self
            .request(Method::POST, "/v3.0/OS-CREDENTIAL/credentials".into())
            .json(body);
        let out = self.json(CREATE_KEY, request).await?;
        let credential = &out["credential"];
        let missing = |f: &str| wire::decode_error(CREATE_KEY.name, None, &format!("no {f}"));
        let id = wire::text(credential, "access").ok_or_else(|| missing("access"))?;
        let secret = credential["secret"]
            .as_str()
            .ok_or_else(|| missing("secret"))?;
        Ok(AccessKey::new(id, secret.to_owned()))
    }

    /// Deletes the permanent access key `id`.
    pub(crate) async fn delete_key(&self, id: &str) -> Result<()> {
        let path = format!("/v3.0/OS-CREDENTIAL/credentials/{id}");
        self.call(DELETE_KEY, self.request(Method::DELETE, path))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_modes_give_the_grant_scopes() {
        let role = |kind: &str| Role {
            id: "r".into(),
            display_name: "n".into(),
            kind: kind.into(),
        };
        assert_eq!(role("AX").scopes(), [GrantScope::Global]);
        assert_eq!(role("XA").scopes(), [GrantScope::AllProjects]);
        assert_eq!(
            role("AA").scopes(),
            [GrantScope::Global, GrantScope::AllProjects]
        );
        assert!(role("XX").scopes().is_empty());
    }

    #[test]
    fn every_iam_api_is_named_iam_colon_operation() {
        for api in APIS {
            let (svc, op) = api.name.split_once(':').unwrap();
            assert_eq!((svc, api.service), ("iam", "iam"));
            assert!(op.chars().next().unwrap().is_ascii_uppercase());
        }
    }
}

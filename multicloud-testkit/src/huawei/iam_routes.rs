//! Routing of IAM's write side (and the reads quick configuration needs): users, user
//! groups and their members, system and custom permissions (roles), group grants in the
//! global (domain) scope and in every project (`OS-INHERIT`), and permanent access keys.
//!
//! Paths and operation names are those of the official SDK (`huaweicloudsdkiam` v3,
//! `IamMeta`); the IAM actions are those 403 answers name, in IAM's `service:resource:verb`
//! form (not each one confirmed in a source).

use http::Method;

/// One IAM call of quick configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IamRoute {
    /// `KeystoneListUsers`: `GET /v3/users`.
    ListUsers,
    /// `KeystoneShowUser`: `GET /v3/users/{user_id}`.
    ShowUser { user_id: String },
    /// `CreateUser`: `POST /v3.0/OS-USER/users`.
    CreateUser,
    /// `KeystoneDeleteUser`: `DELETE /v3/users/{user_id}`.
    DeleteUser { user_id: String },
    /// `KeystoneListGroups`: `GET /v3/groups`.
    ListGroups,
    /// `KeystoneCreateGroup`: `POST /v3/groups`.
    CreateGroup,
    /// `KeystoneDeleteGroup`: `DELETE /v3/groups/{group_id}`.
    DeleteGroup { group_id: String },
    /// `KeystoneCheckUserInGroup`: `HEAD /v3/groups/{group_id}/users/{user_id}`.
    CheckMember { group_id: String, user_id: String },
    /// `KeystoneAddUserToGroup`: `PUT /v3/groups/{group_id}/users/{user_id}`.
    AddMember { group_id: String, user_id: String },
    /// `KeystoneRemoveUserFromGroup`: `DELETE /v3/groups/{group_id}/users/{user_id}`.
    RemoveMember { group_id: String, user_id: String },
    /// `KeystoneListPermissions`: `GET /v3/roles`.
    ListRoles,
    /// `ListCustomPolicies`: `GET /v3.0/OS-ROLE/roles`.
    ListCustomPolicies,
    /// `CreateCloudServiceCustomPolicy`: `POST /v3.0/OS-ROLE/roles`.
    CreatePolicy,
    /// `DeleteCustomPolicy`: `DELETE /v3.0/OS-ROLE/roles/{role_id}`.
    DeletePolicy { role_id: String },
    /// A group's grants: `KeystoneListDomainPermissionsForGroup`,
    /// `KeystoneAssociateGroupWithDomainPermission`, `KeystoneRemoveDomainPermissionFromGroup`
    /// (`/v3/domains/{domain_id}/groups/{group_id}/roles[/{role_id}]`), and in every project
    /// `KeystoneListAllProjectPermissionsForGroup`, `UpdateDomainGroupInheritRole`,
    /// `DeleteDomainGroupInheritedRole`
    /// (`/v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles[/{role_id}]/inherited_to_projects`).
    Grants {
        /// What is done: list, grant or revoke.
        op: GrantOp,
        /// `domain` (global services) or `projects` (every project, now and later).
        scope: &'static str,
        domain_id: String,
        group_id: String,
        /// The role, for a grant or a revocation.
        role_id: Option<String>,
    },
    /// `CreatePermanentAccessKey`: `POST /v3.0/OS-CREDENTIAL/credentials`.
    CreateKey,
    /// `ListPermanentAccessKeys`: `GET /v3.0/OS-CREDENTIAL/credentials`.
    ListKeys,
    /// `DeletePermanentAccessKey`: `DELETE /v3.0/OS-CREDENTIAL/credentials/{access_key}`.
    DeleteKey { access_key: String },
}

/// What a grants call does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GrantOp {
    List,
    Grant,
    Revoke,
}

/// The global (domain) scope.
pub(crate) const DOMAIN: &str = "domain";
/// Every project of the account.
pub(crate) const PROJECTS: &str = "projects";

impl IamRoute {
    /// The endpoint name (`iam:Operation`).
    pub(crate) fn endpoint(&self) -> &'static str {
        match self {
            IamRoute::ListUsers => "iam:KeystoneListUsers",
            IamRoute::ShowUser { .. } => "iam:KeystoneShowUser",
            IamRoute::CreateUser => "iam:CreateUser",
            IamRoute::DeleteUser { .. } => "iam:KeystoneDeleteUser",
            IamRoute::ListGroups => "iam:KeystoneListGroups",
            IamRoute::CreateGroup => "iam:KeystoneCreateGroup",
            IamRoute::DeleteGroup { .. } => "iam:KeystoneDeleteGroup",
            IamRoute::CheckMember { .. } => "iam:KeystoneCheckUserInGroup",
            IamRoute::AddMember { .. } => "iam:KeystoneAddUserToGroup",
            IamRoute::RemoveMember { .. } => "iam:KeystoneRemoveUserFromGroup",
            IamRoute::ListRoles => "iam:KeystoneListPermissions",
            IamRoute::ListCustomPolicies => "iam:ListCustomPolicies",
            IamRoute::CreatePolicy => "iam:CreateCloudServiceCustomPolicy",
            IamRoute::DeletePolicy { .. } => "iam:DeleteCustomPolicy",
            IamRoute::Grants { op, scope, .. } => match (op, *scope == DOMAIN) {
                (GrantOp::List, true) => "iam:KeystoneListDomainPermissionsForGroup",
                (GrantOp::Grant, true) => "iam:KeystoneAssociateGroupWithDomainPermission",
                (GrantOp::Revoke, true) => "iam:KeystoneRemoveDomainPermissionFromGroup",
                (GrantOp::List, false) => "iam:KeystoneListAllProjectPermissionsForGroup",
                (GrantOp::Grant, false) => "iam:UpdateDomainGroupInheritRole",
                (GrantOp::Revoke, false) => "iam:DeleteDomainGroupInheritedRole",
            },
            IamRoute::CreateKey => "iam:CreatePermanentAccessKey",
            IamRoute::ListKeys => "iam:ListPermanentAccessKeys",
            IamRoute::DeleteKey { .. } => "iam:DeletePermanentAccessKey",
        }
    }

    /// The IAM action the call needs.
    pub(crate) fn iam_action(&self) -> &'static str {
        match self {
            IamRoute::ListUsers => "iam:users:listUsers",
            IamRoute::ShowUser { .. } => "iam:users:getUser",
            IamRoute::CreateUser => "iam:users:createUser",
            IamRoute::DeleteUser { .. } => "iam:users:deleteUser",
            IamRoute::ListGroups => "iam:groups:listGroups",
            IamRoute::CreateGroup => "iam:groups:createGroup",
            IamRoute::DeleteGroup { .. } => "iam:groups:deleteGroup",
            IamRoute::CheckMember { .. } => "iam:permissions:checkUserInGroup",
            IamRoute::AddMember { .. } => "iam:permissions:addUserToGroup",
            IamRoute::RemoveMember { .. } => "iam:permissions:removeUserFromGroup",
            IamRoute::ListRoles | IamRoute::ListCustomPolicies => "iam:roles:listRoles",
            IamRoute::CreatePolicy => "iam:roles:createRole",
            IamRoute::DeletePolicy { .. } => "iam:roles:deleteRole",
            IamRoute::Grants { op, .. } => match op {
                GrantOp::List => "iam:permissions:listRolesForGroup",
                GrantOp::Grant => "iam:permissions:grantRoleToGroup",
                GrantOp::Revoke => "iam:permissions:revokeRoleFromGroup",
            },
            IamRoute::CreateKey => "iam:credentials:createCredential",
            IamRoute::ListKeys => "iam:credentials:listCredentials",
            IamRoute::DeleteKey { .. } => "iam:credentials:deleteCredential",
        }
    }

    /// Whether the call changes anything (only the account's root user may, here).
    pub(crate) fn is_write(&self) -> bool {
        !matches!(
            self,
            IamRoute::ListUsers
                | IamRoute::ShowUser { .. }
                | IamRoute::ListGroups
                | IamRoute::CheckMember { .. }
                | IamRoute::ListRoles
                | IamRoute::ListCustomPolicies
                | IamRoute::ListKeys
                | IamRoute::Grants {
                    op: GrantOp::List,
                    ..
                }
        )
    }
}

/// Routes an IAM request by method and path segments.
pub(crate) fn route(m: &Method, segs: &[&str]) -> Option<IamRoute> {
    let s = |i: usize| segs.get(i).map(|x| (*x).to_owned()).unwrap_or_default();
    let (get, post, put, delete, head) = (
        *m == Method::GET,
        *m == Method::POST,
        *m == Method::PUT,
        *m == Method::DELETE,
        *m == Method::HEAD,
    );
    let grants = |op, scope, role_id| IamRoute::Grants {
        op,
        scope,
        domain_id: s(if scope == DOMAIN { 2 } else { 3 }),
        group_id: s(if scope == DOMAIN { 4 } else { 5 }),
        role_id,
    };
    let op = if put { GrantOp::Grant } else { GrantOp::Revoke };
    Some(match segs {
        ["v3", "users"] if get => IamRoute::ListUsers,
        ["v3", "users", _] if get => IamRoute::ShowUser { user_id: s(2) },
        ["v3", "users", _] if delete => IamRoute::DeleteUser { user_id: s(2) },
        ["v3.0", "OS-USER", "users"] if post => IamRoute::CreateUser,
        ["v3", "groups"] if get => IamRoute::ListGroups,
        ["v3", "groups"] if post => IamRoute::CreateGroup,
        ["v3", "groups", _] if delete => IamRoute::DeleteGroup { group_id: s(2) },
        ["v3", "groups", _, "users", _] => {
            let (group_id, user_id) = (s(2), s(4));
            if head {
                IamRoute::CheckMember { group_id, user_id }
            } else if put {
                IamRoute::AddMember { group_id, user_id }
            } else if delete {
                IamRoute::RemoveMember { group_id, user_id }
            } else {
                return None;
            }
        }
        ["v3", "roles"] if get => IamRoute::ListRoles,
        ["v3.0", "OS-ROLE", "roles"] if get => IamRoute::ListCustomPolicies,
        ["v3.0", "OS-ROLE", "roles"] if post => IamRoute::CreatePolicy,
        ["v3.0", "OS-ROLE", "roles", _] if delete => IamRoute::DeletePolicy { role_id: s(3) },
        ["v3", "domains", _, "groups", _, "roles"] if get => grants(GrantOp::List, DOMAIN, None),
        ["v3", "domains", _, "groups", _, "roles", _] if put || delete => {
            grants(op, DOMAIN, Some(s(6)))
        }
        ["v3", "OS-INHERIT", "domains", _, "groups", _, "roles", "inherited_to_projects"]
            if get =>
        {
            grants(GrantOp::List, PROJECTS, None)
        }
        ["v3", "OS-INHERIT", "domains", _, "groups", _, "roles", _, "inherited_to_projects"]
            if put || delete =>
        {
            grants(op, PROJECTS, Some(s(7)))
        }
        ["v3.0", "OS-CREDENTIAL", "credentials"] if post => IamRoute::CreateKey,
        ["v3.0", "OS-CREDENTIAL", "credentials"] if get => IamRoute::ListKeys,
        ["v3.0", "OS-CREDENTIAL", "credentials", _] if delete => {
            IamRoute::DeleteKey { access_key: s(3) }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(m: Method, path: &str) -> Option<IamRoute> {
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        route(&m, &segs)
    }

    #[test]
    fn sdk_paths_map_to_operations() {
        let e = |m, p| r(m, p).map(|r| r.endpoint());
        assert_eq!(
            e(Method::POST, "/v3.0/OS-USER/users"),
            Some("iam:CreateUser")
        );
        assert_eq!(
            e(Method::HEAD, "/v3/groups/g1/users/u1"),
            Some("iam:KeystoneCheckUserInGroup")
        );
        assert_eq!(
            e(Method::PUT, "/v3/domains/d/groups/g/roles/r"),
            Some("iam:KeystoneAssociateGroupWithDomainPermission")
        );
        let inherit = r(
            Method::DELETE,
            "/v3/OS-INHERIT/domains/d/groups/g/roles/r/inherited_to_projects",
        )
        .unwrap();
        assert_eq!(inherit.endpoint(), "iam:DeleteDomainGroupInheritedRole");
        assert_eq!(
            inherit,
            IamRoute::Grants {
                op: GrantOp::Revoke,
                scope: PROJECTS,
                domain_id: "d".into(),
                group_id: "g".into(),
                role_id: Some("r".into()),
            }
        );
        assert_eq!(
            e(Method::DELETE, "/v3.0/OS-CREDENTIAL/credentials/AK1"),
            Some("iam:DeletePermanentAccessKey")
        );
        assert_eq!(e(Method::PATCH, "/v3/groups/g/users/u"), None);
        assert!(!r(Method::GET, "/v3/users").unwrap().is_write());
        assert!(r(Method::POST, "/v3/groups").unwrap().is_write());
    }
}

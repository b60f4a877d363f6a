//! IAM permissions (roles) as the simulator knows them, and what a user's group grants let
//! its keys call.
//!
//! A permission has a display mode (`type`): `AX` is granted in the global (domain) scope,
//! `XA` in projects, `AA` in both. A grant only covers the endpoints of its scope: global
//! services (IAM, RMS, OBS) in the domain scope, regional ones (ECS, CFW, WAF) in projects.
//! Custom policies (`Version` 1.1) grant every endpoint whose IAM action one of their
//! `Action` patterns matches (`*` matches any run of characters).

use serde_json::{json, Value};

use super::catalog::hex32;
use super::iam_routes::{DOMAIN, PROJECTS};
use super::routes::ACTIONS;
use crate::iam::IamState;
use crate::keys::Permissions;

/// A system permission: display name, internal name, type, endpoints granted in the
/// domain scope, endpoints granted in projects.
type SystemRole = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

/// The system permissions the onboarding guide names (plus one it does not, to test with).
const SYSTEM: &[SystemRole] = &[
    (
        "ECS ReadOnlyAccess",
        "ecs_readonly_policy",
        "XA",
        &[],
        &["ecs:ListServersDetails"],
    ),
    (
        "IAM ReadOnlyAccess",
        "iam_readonly_policy",
        "AX",
        &[
            "iam:KeystoneList*",
            "iam:KeystoneShow*",
            "iam:KeystoneCheck*",
            "iam:List*",
            "iam:Show*",
        ],
        &[],
    ),
    (
        "Tenant Guest",
        "readonly",
        "AA",
        &["rms:*", "obs:*"],
        &["ecs:ListServersDetails", "cfw:List*", "waf:List*"],
    ),
    (
        "Tenant Administrator",
        "te_admin",
        "AA",
        &["rms:*", "obs:*"],
        &["ecs:*", "cfw:*", "waf:*"],
    ),
];

/// Services served in the global (domain) scope.
const GLOBAL_SERVICES: &[&str] = &["iam", "rms", "obs"];

/// One permission, system or custom.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Role {
    pub(crate) id: String,
    pub(crate) display_name: String,
    /// `AX`, `XA` or `AA`.
    pub(crate) kind: String,
    /// The custom policy document (`None` for a system permission).
    pub(crate) policy: Option<Value>,
    system: Option<&'static SystemRole>,
}

impl Role {
    /// Whether the role may be granted in `scope`.
    pub(crate) fn fits(&self, scope: &str) -> bool {
        match scope {
            DOMAIN => self.kind.starts_with('A'),
            PROJECTS => self.kind.ends_with('A'),
            _ => false,
        }
    }

    /// The role as `KeystoneListPermissions` and the group-grant listings show it.
    pub(crate) fn to_json(&self, domain_id: &str) -> Value {
        let name = self
            .system
            .map_or_else(|| format!("custom_{}", &self.id[..8]), |s| s.1.to_owned());
        let (catalog, flag, domain) = match self.system {
            Some(_) => ("BASE", "fine_grained", Value::Null),
            None => ("CUSTOMED", "", Value::String(domain_id.to_owned())),
        };
        let policy = self
            .policy
            .clone()
            .unwrap_or_else(|| json!({"Version": "1.1", "Statement": []}));
        json!({
            "id": self.id,
            "name": name,
            "display_name": self.display_name,
            "type": self.kind,
            "catalog": catalog,
            "flag": flag,
            "domain_id": domain,
            "description": "",
            "policy": policy,
            "links": {"self": format!("https://iam.myhuaweicloud.com/v3/roles/{}", self.id)},
        })
    }

    /// The endpoint patterns the role grants in `scope`.
    fn patterns(&self, scope: &str) -> Vec<String> {
        if !self.fits(scope) {
            return Vec::new();
        }
        if let Some(s) = self.system {
            let list = if scope == DOMAIN { s.3 } else { s.4 };
            return list.iter().map(|p| (*p).to_owned()).collect();
        }
        let statements = self
            .policy
            .as_ref()
            .and_then(|p| p["Statement"].as_array().cloned())
            .unwrap_or_default();
        let mut out = Vec::new();
        for st in statements.iter().filter(|s| s["Effect"] == "Allow") {
            for action in st["Action"].as_array().into_iter().flatten() {
                let Some(action) = action.as_str() else {
                    continue;
                };
                for (endpoint, needed) in ACTIONS.iter().chain(super::iam_write::ACTIONS) {
                    let service = endpoint.split(':').next().unwrap_or_default();
                    let global = GLOBAL_SERVICES.contains(&service);
                    if global == (scope == DOMAIN) && glob(action, needed) {
                        out.push((*endpoint).to_owned());
                    }
                }
            }
        }
        out
    }
}

/// `pattern` with `*` matching any run of characters, case-insensitively (IAM actions are).
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.to_ascii_lowercase(), text.to_ascii_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == t;
    }
    let mut rest = t.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else {
                return false;
            };
            rest = &rest[at + part.len()..];
        }
    }
    true
}

/// The id of the system permission `display_name`.
pub(crate) fn system_id(display_name: &str) -> String {
    hex32(&format!("role:{display_name}"))
}

/// The id of the custom policy `display_name` of account `domain_id`.
pub(crate) fn custom_id(domain_id: &str, display_name: &str) -> String {
    hex32(&format!("custom:{domain_id}:{display_name}"))
}

/// Every system permission.
pub(crate) fn system_roles() -> Vec<Role> {
    SYSTEM
        .iter()
        .map(|s| Role {
            id: system_id(s.0),
            display_name: s.0.to_owned(),
            kind: s.2.to_owned(),
            policy: None,
            system: Some(s),
        })
        .collect()
}

/// Every custom policy of account `domain_id` (stored in [`IamState`] as its role body).
pub(crate) fn custom_roles(iam: &IamState, domain_id: &str) -> Vec<Role> {
    iam.custom_policies()
        .into_iter()
        .filter_map(|name| {
            let body = iam.custom_policy(&name)?;
            Some(Role {
                id: custom_id(domain_id, &name),
                kind: body["type"].as_str().unwrap_or("AX").to_owned(),
                policy: Some(body["policy"].clone()),
                display_name: name,
                system: None,
            })
        })
        .collect()
}

/// The permission with id `id` (system, or custom of `domain_id`).
pub(crate) fn role_by_id(iam: &IamState, domain_id: &str, id: &str) -> Option<Role> {
    system_roles()
        .into_iter()
        .chain(custom_roles(iam, domain_id))
        .find(|r| r.id == id)
}

/// The permission named `display_name`.
pub(crate) fn role_by_name(iam: &IamState, domain_id: &str, display_name: &str) -> Option<Role> {
    system_roles()
        .into_iter()
        .chain(custom_roles(iam, domain_id))
        .find(|r| r.display_name == display_name)
}

/// What `user`'s groups let its keys call.
pub(crate) fn permissions_of(iam: &IamState, domain_id: &str, user: &str) -> Permissions {
    let mut patterns = Vec::new();
    for group in iam.groups_of(user) {
        for grant in &group.grants {
            if let Some(role) = role_by_name(iam, domain_id, &grant.policy) {
                patterns.extend(role.patterns(&grant.scope));
            }
        }
    }
    Permissions::only(patterns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_iam_actions() {
        assert!(glob("iam:*:get*", "iam:credentials:getCredential"));
        assert!(glob("cfw:ipMember:create", "cfw:ipmember:create"));
        assert!(!glob("cfw:ipMember:create", "cfw:ipMember:delete"));
        assert!(glob("*", "anything"));
        assert!(!glob("rms:*:list", "rms:resources:summarize"));
    }

    #[test]
    fn grants_cover_only_their_scope() {
        let iam = IamState::default();
        let ecs = role_by_name(&iam, "d", "ECS ReadOnlyAccess").unwrap();
        assert!(ecs.fits(PROJECTS) && !ecs.fits(DOMAIN));
        assert!(ecs.patterns(DOMAIN).is_empty());
        iam.create_policy(
            "base",
            json!({"type": "AX", "policy": {"Version": "1.1", "Statement": [
                {"Effect": "Allow", "Action": ["rms:resources:list", "cfw:ipMember:create"]}]}}),
        )
        .unwrap();
        let base = role_by_name(&iam, "d", "base").unwrap();
        assert_eq!(base.patterns(DOMAIN), ["rms:ListAllResources"]);
        assert_eq!(base.id, custom_id("d", "base"));
        assert_eq!(
            role_by_id(&iam, "d", &base.id).unwrap().display_name,
            "base"
        );
    }
}

//! IAM's write side: users, user groups and their members, custom policies, group grants
//! (global or in every project) and permanent access keys, over the shared
//! [`IamState`](crate::iam::IamState), with IAM's errors:
//!
//! - user name taken: 400 `1109` "The username already exists." (IAM's error-code table);
//!   the account's own user cannot be deleted: 400 `1107`;
//! - key quota reached (two per user): 400 `{"error": {"message": "akSkNumExceed"}}`, the
//!   documented example of `CreatePermanentAccessKey`;
//! - unknown user, group, role or key: Keystone's 404 "Could not find …";
//! - group or custom-policy name taken, a policy still granted: Keystone's 409 (shape
//!   unconfirmed); a permission granted in a scope its display mode does not allow: 400
//!   (unconfirmed);
//! - any change made with the key of an IAM user rather than the account's root user (the
//!   user named after the account): 403 "Policy doesn't allow … to be performed." Real IAM
//!   also lets members of the `admin` group through; the simulator keeps changes root-only.
//!
//! A user's keys get the permissions its groups' grants give (`iam_roles.rs`), refreshed on
//! every change; a new key is unknown to the gateway for the IAM state's propagation delay.

use serde_json::{json, Value};

use super::catalog::{hex32, DEMO_DOMAIN_NAME};
use super::errors;
use super::handlers::ok;
use super::iam_roles::{self, custom_id, permissions_of, role_by_id, Role};
use super::iam_routes::{GrantOp, IamRoute};
use super::wire::iso_micros;
use crate::iam::IamRefusal;
use crate::keys::SimKey;
use crate::sim::{AuthedKey, SimContext, SimRequest, SimResponse};

/// The IAM actions of these calls, for custom policies (`Action` patterns).
pub(crate) const ACTIONS: &[(&str, &str)] = &[
    ("iam:KeystoneListUsers", "iam:users:listUsers"),
    ("iam:KeystoneShowUser", "iam:users:getUser"),
    ("iam:KeystoneListGroups", "iam:groups:listGroups"),
    ("iam:KeystoneListPermissions", "iam:roles:listRoles"),
    ("iam:ListCustomPolicies", "iam:roles:listRoles"),
    (
        "iam:ListPermanentAccessKeys",
        "iam:credentials:listCredentials",
    ),
];

/// Access keys per user.
const KEY_CAP: usize = 2;

const IAM_URL: &str = "https://iam.myhuaweicloud.com";

fn no_content(ctx: &SimContext<'_>) -> SimResponse {
    SimResponse {
        status: 204,
        headers: vec![("X-Request-Id".into(), ctx.request_id.into())],
        body: Vec::new(),
    }
}

fn created(body: &Value, ctx: &SimContext<'_>) -> SimResponse {
    SimResponse::json(201, body).with_header("X-Request-Id", ctx.request_id)
}

fn not_found(what: &str, id: &str, ctx: &SimContext<'_>) -> SimResponse {
    errors::keystone(
        404,
        "Not Found",
        &format!("Could not find {what}: {id}."),
        ctx.request_id,
    )
}

fn conflict(message: &str, ctx: &SimContext<'_>) -> SimResponse {
    errors::keystone(409, "Conflict", message, ctx.request_id)
}

fn bad_request(message: &str, ctx: &SimContext<'_>) -> SimResponse {
    errors::keystone(400, "Bad Request", message, ctx.request_id)
}

/// A user as Keystone shows it.
fn user_json(name: &str, id: &str, domain_id: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "domain_id": domain_id,
        "enabled": true,
        "access_mode": "programmatic",
        "description": "",
        "pwd_status": false,
        "links": {"self": format!("{IAM_URL}/v3/users/{id}")},
    })
}

fn group_json(name: &str, id: &str, domain_id: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "domain_id": domain_id,
        "description": "",
        "links": {"self": format!("{IAM_URL}/v3/groups/{id}")},
    })
}

/// The users of the account: those IAM made, and those of the known keys (the root user).
fn users(ctx: &SimContext<'_>, account: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = ctx
        .iam
        .users()
        .into_iter()
        .map(|u| (u.name, u.id))
        .collect();
    for k in ctx
        .keys
        .all()
        .into_iter()
        .filter(|k| k.account_id == account)
    {
        if !out.iter().any(|(n, _)| *n == k.user_name) {
            out.push((k.user_name, k.user_id));
        }
    }
    out
}

/// Recomputes the permissions of the keys of `user`.
fn refresh(ctx: &SimContext<'_>, account: &str, user: &str) {
    let permissions = permissions_of(ctx.iam, account, user);
    ctx.iam.apply_permissions(ctx.keys, user, &permissions);
}

fn refresh_group(ctx: &SimContext<'_>, account: &str, group: &str) {
    for member in ctx.iam.group(group).map(|g| g.members).unwrap_or_default() {
        refresh(ctx, account, &member);
    }
}

/// `1..=64` letters, digits, spaces, `-`, `_`, `.`, not starting with a digit or space.
fn valid_user_name(name: &str) -> bool {
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| !c.is_ascii_digit() && c != ' ');
    first_ok
        && name.chars().count() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " -_.".contains(c))
}

/// One IAM call of quick configuration.
pub(crate) fn handle(
    route: &IamRoute,
    req: &SimRequest,
    key: &AuthedKey,
    ctx: &SimContext<'_>,
) -> SimResponse {
    let account = key.account_id.as_str();
    if route.is_write() && key.user_name != DEMO_DOMAIN_NAME {
        return errors::permission_denied("iam", route.iam_action(), ctx.request_id);
    }
    let foreign = |d: Option<&str>| d.is_some_and(|d| d != account);
    if foreign(req.query_param("domain_id")) {
        return errors::permission_denied("iam", route.iam_action(), ctx.request_id);
    }
    let body = req.json_body().unwrap_or(Value::Null);
    match route {
        IamRoute::ListUsers | IamRoute::ListGroups => {
            let list: Vec<Value> = if *route == IamRoute::ListUsers {
                users(ctx, account)
                    .iter()
                    .map(|(n, id)| user_json(n, id, account))
                    .collect()
            } else {
                ctx.iam
                    .groups()
                    .iter()
                    .map(|g| group_json(&g.name, &g.id, account))
                    .collect()
            };
            let list: Vec<Value> = list
                .into_iter()
                .filter(|v| req.query_param("name").is_none_or(|n| v["name"] == n))
                .collect();
            let field = if *route == IamRoute::ListUsers {
                "users"
            } else {
                "groups"
            };
            ok(&json!({field: list, "links": {"self": IAM_URL}}), ctx)
        }
        IamRoute::ShowUser { user_id } => match users(ctx, account)
            .into_iter()
            .find(|(_, id)| id == user_id)
        {
            Some((name, id)) => ok(&json!({"user": user_json(&name, &id, account)}), ctx),
            None => not_found("user", user_id, ctx),
        },
        IamRoute::CreateUser => {
            let name = body["user"]["name"].as_str().unwrap_or_default();
            if !valid_user_name(name) || foreign(body["user"]["domain_id"].as_str()) {
                return errors::gateway(400, "1101", "Invalid username.", ctx.request_id);
            }
            let id = hex32(&format!("user:{account}:{name}:{}", ctx.iam.next_seq()));
            let taken = name == DEMO_DOMAIN_NAME || ctx.iam.create_user(name, &id).is_err();
            if taken {
                let msg = "The username already exists.";
                return errors::gateway(400, "1109", msg, ctx.request_id);
            }
            created(&json!({"user": user_json(name, &id, account)}), ctx)
        }
        IamRoute::DeleteUser { user_id } => {
            let Some(user) = ctx.iam.user_by_id(user_id) else {
                if users(ctx, account).iter().any(|(_, id)| id == user_id) {
                    let msg = "The account administrator cannot be deleted.";
                    return errors::gateway(400, "1107", msg, ctx.request_id);
                }
                return not_found("user", user_id, ctx);
            };
            match ctx.iam.delete_user(&user.name) {
                Ok(()) => no_content(ctx),
                Err(_) => conflict("The user still has access keys.", ctx),
            }
        }
        IamRoute::CreateGroup => {
            let name = body["group"]["name"].as_str().unwrap_or_default();
            if name.is_empty() || name.chars().count() > 64 {
                return bad_request("Invalid group name.", ctx);
            }
            let id = hex32(&format!("group:{account}:{name}:{}", ctx.iam.next_seq()));
            match ctx.iam.create_group(name, &id) {
                Ok(g) => created(&json!({"group": group_json(&g.name, &g.id, account)}), ctx),
                Err(_) => conflict("Conflict occurred attempting to store group.", ctx),
            }
        }
        IamRoute::DeleteGroup { group_id } => match ctx.iam.group_by_id(group_id) {
            Some(g) => {
                let _ = ctx.iam.delete_group(&g.name);
                for member in &g.members {
                    refresh(ctx, account, member);
                }
                no_content(ctx)
            }
            None => not_found("group", group_id, ctx),
        },
        IamRoute::CheckMember { group_id, user_id }
        | IamRoute::AddMember { group_id, user_id }
        | IamRoute::RemoveMember { group_id, user_id } => {
            let Some(g) = ctx.iam.group_by_id(group_id) else {
                return not_found("group", group_id, ctx);
            };
            let Some(u) = ctx.iam.user_by_id(user_id) else {
                return not_found("user", user_id, ctx);
            };
            let result = match route {
                IamRoute::CheckMember { .. } => {
                    if g.members.contains(&u.name) {
                        Ok(())
                    } else {
                        Err(IamRefusal::NoSuchEntity)
                    }
                }
                IamRoute::AddMember { .. } => ctx.iam.add_member(&g.name, &u.name),
                _ => ctx.iam.remove_member(&g.name, &u.name),
            };
            refresh(ctx, account, &u.name);
            match result {
                Ok(()) => no_content(ctx),
                // A HEAD answer has no body.
                Err(_) if matches!(route, IamRoute::CheckMember { .. }) => SimResponse {
                    status: 404,
                    ..no_content(ctx)
                },
                Err(_) => not_found("user in group", user_id, ctx),
            }
        }
        IamRoute::ListRoles | IamRoute::ListCustomPolicies => {
            let custom =
                *route == IamRoute::ListCustomPolicies || req.query_param("domain_id").is_some();
            let roles = if custom {
                iam_roles::custom_roles(ctx.iam, account)
            } else {
                iam_roles::system_roles()
            };
            let list: Vec<Value> = roles
                .iter()
                .filter(|r| {
                    req.query_param("display_name")
                        .is_none_or(|n| r.display_name == n)
                })
                .map(|r| r.to_json(account))
                .collect();
            ok(
                &json!({"roles": list, "total_number": list.len(), "links": {"self": IAM_URL}}),
                ctx,
            )
        }
        IamRoute::CreatePolicy => create_policy(&body["role"], account, ctx),
        IamRoute::DeletePolicy { role_id } => {
            let Some(role) = role_by_id(ctx.iam, account, role_id).filter(|r| r.policy.is_some())
            else {
                return not_found("role", role_id, ctx);
            };
            match ctx.iam.delete_policy(&role.display_name) {
                Ok(()) => ok(&json!({"message": "Delete success"}), ctx),
                Err(_) => conflict("The policy is still granted.", ctx),
            }
        }
        IamRoute::Grants {
            op,
            scope,
            domain_id,
            group_id,
            role_id,
        } => {
            if domain_id != account {
                return errors::permission_denied("iam", route.iam_action(), ctx.request_id);
            }
            let Some(group) = ctx.iam.group_by_id(group_id) else {
                return not_found("group", group_id, ctx);
            };
            if *op == GrantOp::List {
                let list: Vec<Value> = group
                    .grants
                    .iter()
                    .filter(|g| g.scope == *scope)
                    .filter_map(|g| iam_roles::role_by_name(ctx.iam, account, &g.policy))
                    .map(|r| r.to_json(account))
                    .collect();
                return ok(&json!({"roles": list, "links": {"self": IAM_URL}}), ctx);
            }
            let role_id = role_id.clone().unwrap_or_default();
            let Some(role) = role_by_id(ctx.iam, account, &role_id) else {
                return not_found("role", &role_id, ctx);
            };
            grant(&group.name, &role, scope, *op, account, ctx)
        }
        IamRoute::CreateKey => create_key(&body["credential"], key, ctx),
        IamRoute::ListKeys => {
            let user_id = req.query_param("user_id").unwrap_or_default();
            let list: Vec<Value> = ctx
                .iam
                .user_by_id(user_id)
                .map(|u| u.keys)
                .unwrap_or_default()
                .iter()
                .map(|k| {
                    json!({"user_id": user_id, "access": k.id, "status": "active",
                        "create_time": key_time(ctx, k.seq), "description": k.description})
                })
                .collect();
            ok(&json!({"credentials": list}), ctx)
        }
        IamRoute::DeleteKey { access_key } => {
            let owner = ctx
                .iam
                .users()
                .into_iter()
                .find(|u| u.keys.iter().any(|k| k.id == *access_key));
            match owner {
                Some(u) if ctx.iam.delete_key(ctx.keys, &u.name, access_key).is_ok() => {
                    no_content(ctx)
                }
                _ => not_found("credential", access_key, ctx),
            }
        }
    }
}

/// `CreateCloudServiceCustomPolicy`.
fn create_policy(role: &Value, account: &str, ctx: &SimContext<'_>) -> SimResponse {
    let name = role["display_name"].as_str().unwrap_or_default();
    let kind = role["type"].as_str().unwrap_or_default();
    let statements = role["policy"]["Statement"].as_array().map_or(0, Vec::len);
    if name.is_empty() || !matches!(kind, "AX" | "XA") {
        return bad_request("display_name and a type of AX or XA are required.", ctx);
    }
    if role["policy"]["Version"] != "1.1" || !(1..=8).contains(&statements) {
        return bad_request(
            "The policy must be Version 1.1 with 1 to 8 statements.",
            ctx,
        );
    }
    let stored =
        json!({"type": kind, "policy": role["policy"], "description": role["description"]});
    if ctx.iam.create_policy(name, stored).is_err() {
        return conflict("A custom policy with this name already exists.", ctx);
    }
    let id = custom_id(account, name);
    match role_by_id(ctx.iam, account, &id) {
        Some(r) => created(&json!({"role": r.to_json(account)}), ctx),
        None => not_found("role", &id, ctx),
    }
}

/// A grant or revocation of `role` to `group` in `scope`.
fn grant(
    group: &str,
    role: &Role,
    scope: &str,
    op: GrantOp,
    account: &str,
    ctx: &SimContext<'_>,
) -> SimResponse {
    let result = if op == GrantOp::Grant {
        if !role.fits(scope) {
            let msg = format!(
                "Permission {} (type {}) cannot be granted in the {scope} scope.",
                role.display_name, role.kind
            );
            return bad_request(&msg, ctx);
        }
        ctx.iam.grant(group, &role.display_name, scope)
    } else {
        ctx.iam.revoke(group, &role.display_name, scope)
    };
    refresh_group(ctx, account, group);
    match result {
        Ok(()) => no_content(ctx),
        Err(_) => not_found("role assignment", &role.id, ctx),
    }
}

/// `CreatePermanentAccessKey`: a key for the user (two at most), known to the gateway after
/// the propagation delay.
fn create_key(credential: &Value, key: &AuthedKey, ctx: &SimContext<'_>) -> SimResponse {
    let user_id = credential["user_id"].as_str().unwrap_or_default();
    let Some(user) = ctx.iam.user_by_id(user_id) else {
        return not_found("user", user_id, ctx);
    };
    let description = credential["description"].as_str().unwrap_or_default();
    let n = ctx.iam.next_seq();
    let id = format!("HPUAMCSIM{n:011}");
    let secret = format!("mcSimHwSecret{:016x}{n:011}", rand::random::<u64>());
    let template = SimKey::new(id.clone(), secret.clone(), key.account_id.clone())
        .with_user(user.name.clone(), user.id.clone())
        .with_label(format!("iam:{}", user.name));
    let entry = ctx.iam.create_key(
        ctx.keys,
        template,
        &user.name,
        description,
        KEY_CAP,
        |_, _| Vec::new(),
    );
    let entry = match entry {
        Ok(e) => e,
        Err(IamRefusal::KeyQuota) => {
            let body = json!({"error": {"message": "akSkNumExceed", "code": 400,
                "title": "Bad Request", "error_msg": null, "error_code": null}});
            return SimResponse::json(400, &body).with_header("X-Request-Id", ctx.request_id);
        }
        Err(_) => return not_found("user", user_id, ctx),
    };
    refresh(ctx, &key.account_id, &user.name);
    created(
        &json!({"credential": {"access": id, "secret": secret, "status": "active",
            "user_id": user.id, "description": description,
            "create_time": key_time(ctx, entry.seq)}}),
        ctx,
    )
}

/// A creation time that sorts in creation order (one second per key).
fn key_time(ctx: &SimContext<'_>, seq: u64) -> String {
    iso_micros(ctx.now - time::Duration::days(1) + time::Duration::seconds(seq as i64))
}

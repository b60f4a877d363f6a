//! CAM's write side (2019-01-16): sub-users, preset and custom policies (attached by
//! `PolicyId`), access keys (two per user, with a `Description`), with CAM's errors
//! (`InvalidParameter.SubUserNameInUse`, `ResourceNotFound.UserNotExist`,
//! `FailedOperation.PolicyNameInUse`, `ResourceNotFound.PolicyIdNotFound`,
//! `OperationDenied.AccessKeyOverLimit`, `OperationDenied.HaveKeys`) and
//! `OperationDenied.SubUin` for every change made with a sub-user's key.

use serde_json::{json, Value};

use crate::iam::IamRefusal;
use crate::keys::SimKey;
use crate::render::local_datetime;

use super::errors::{self, TcError};
use super::route::{int, string};
use super::Call;

/// The CAM actions the simulator answers.
pub(crate) const ACTIONS: &[&str] = &[
    "GetUserAppId",
    "ListUsers",
    "GetUser",
    "ListPolicies",
    "ListAttachedUserPolicies",
    "ListAccessKeys",
    "AddUser",
    "DeleteUser",
    "CreatePolicy",
    "DeletePolicy",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "CreateAccessKey",
    "DeleteAccessKey",
];

/// Access keys per user.
const KEY_CAP: usize = 2;

/// Preset policies: (id, name, endpoints granted).
const PRESET: &[(u64, &str, &[&str])] = &[
    (
        1,
        "QcloudCVMReadOnlyAccess",
        &["cvm:Describe*", "vpc:Describe*"],
    ),
    (2, "QcloudCBSReadOnlyAccess", &["cbs:Describe*"]),
    (3, "QcloudCLBReadOnlyAccess", &["clb:Describe*"]),
    (4, "QcloudVPCReadOnlyAccess", &["vpc:Describe*"]),
    (5, "QcloudCDBReadOnlyAccess", &["cdb:Describe*"]),
    (6, "QcloudRedisReadOnlyAccess", &["redis:Describe*"]),
    (7, "QcloudCamReadOnlyAccess", &["cam:List*", "cam:Get*"]),
    (8, "QcloudCOSReadOnlyAccess", &["cos:Get*"]),
    (9, "QcloudTAGReadOnlyAccess", &["tag:Get*"]),
    (10, "QcloudCFWFullAccess", &["cfw:*"]),
    (11, "QcloudWAFFullAccess", &["waf:*"]),
];

/// Custom policy ids start here (as real ids are large numbers).
const CUSTOM_BASE: u64 = 200_000_000;

/// Calls every key may make: the identity and region calls need no authorization.
const ALWAYS: &[&str] = &[
    "sts:GetCallerIdentity",
    "cam:GetUserAppId",
    "region:DescribeRegions",
];

/// The endpoint patterns a policy grants.
pub(crate) fn grants(name: &str, custom: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = ALWAYS.iter().map(|s| (*s).to_owned()).collect();
    if let Some(doc) = custom {
        for st in doc["statement"].as_array().into_iter().flatten() {
            match &st["action"] {
                Value::String(a) => out.push(a.clone()),
                Value::Array(list) => {
                    out.extend(list.iter().filter_map(Value::as_str).map(str::to_owned))
                }
                _ => {}
            }
        }
    } else if let Some((_, _, p)) = PRESET.iter().find(|(_, n, _)| *n == name) {
        out.extend(p.iter().map(|s| (*s).to_owned()));
    }
    out
}

fn custom_id(call: &Call<'_>, name: &str) -> Option<u64> {
    let names = call.ctx.iam.custom_policies();
    names
        .iter()
        .position(|n| n == name)
        .map(|i| CUSTOM_BASE + i as u64)
}

/// The policy with id `id`: its name, if it exists.
fn policy_name(call: &Call<'_>, id: u64) -> Option<String> {
    if let Some((_, n, _)) = PRESET.iter().find(|(i, _, _)| *i == id) {
        return Some((*n).to_owned());
    }
    let names = call.ctx.iam.custom_policies();
    id.checked_sub(CUSTOM_BASE)
        .and_then(|i| names.get(i as usize).cloned())
}

fn policy_id_of(call: &Call<'_>, name: &str) -> Option<u64> {
    PRESET
        .iter()
        .find(|(_, n, _)| *n == name)
        .map(|(i, _, _)| *i)
        .or_else(|| custom_id(call, name))
}

fn user_not_exist() -> TcError {
    TcError::new("ResourceNotFound.UserNotExist", "user does not exist")
}

fn policy_not_found() -> TcError {
    TcError::new(
        "ResourceNotFound.PolicyIdNotFound",
        "the resource specified by PolicyId does not exist",
    )
}

fn uin_param(call: &Call<'_>, name: &str) -> Result<String, TcError> {
    match int(&call.params, name)? {
        Some(n) => Ok(n.to_string()),
        None => Err(errors::missing(name)),
    }
}

fn user_by_uin(call: &Call<'_>, uin: &str) -> Result<crate::iam::SimUser, TcError> {
    call.ctx.iam.user_by_id(uin).ok_or_else(user_not_exist)
}

/// One CAM call (other than the identity and listing calls in `identity.rs`).
pub(crate) fn handle(call: &Call<'_>, action: &str) -> Result<Value, TcError> {
    let write = !(action.starts_with("Get") || action.starts_with("List"));
    if write && call.key.user_id != call.key.account_id {
        return Err(TcError::new(
            "OperationDenied.SubUin",
            "sub-users may not perform this operation; use the root account",
        ));
    }
    let iam = call.ctx.iam;
    let keys = call.ctx.keys;
    let now = local_datetime(call.ctx.now, 8);
    match action {
        "GetUser" => {
            let name = string(&call.params, "Name").ok_or_else(|| errors::missing("Name"))?;
            let u = iam.user(name).ok_or_else(user_not_exist)?;
            Ok(json!({
                "Uin": u.id.parse::<u64>().unwrap_or(0),
                "Name": u.name,
                "Uid": u.id.parse::<u64>().unwrap_or(0) + 1,
                "Remark": u.tags.get("remark").cloned().unwrap_or_default(),
                "ConsoleLogin": 0,
                "CountryCode": "86",
                "Email": "",
            }))
        }
        "AddUser" => {
            let name = string(&call.params, "Name").ok_or_else(|| errors::missing("Name"))?;
            let uin = (100_020_000_000 + iam.next_seq()).to_string();
            let u = iam.create_user(name, &uin).map_err(|_| {
                TcError::new(
                    "InvalidParameter.SubUserNameInUse",
                    "the sub-user name is already in use",
                )
            })?;
            if let Some(remark) = string(&call.params, "Remark") {
                let _ = iam.tag_user(name, |t| {
                    t.insert("remark".into(), remark.to_owned());
                });
            }
            Ok(json!({
                "Uin": u.id.parse::<u64>().unwrap_or(0),
                "Name": u.name,
                "Password": "",
                "Uid": u.id.parse::<u64>().unwrap_or(0) + 1,
            }))
        }
        "DeleteUser" => {
            let name = string(&call.params, "Name").ok_or_else(|| errors::missing("Name"))?;
            iam.delete_user(name).map_err(|r| match r {
                IamRefusal::DeleteConflict => TcError::new(
                    "OperationDenied.HaveKeys",
                    "the user still has API keys or policies",
                ),
                _ => user_not_exist(),
            })?;
            Ok(json!({}))
        }
        "ListPolicies" => {
            let keyword = string(&call.params, "Keyword").unwrap_or("");
            let scope = string(&call.params, "Scope").unwrap_or("All");
            let mut list = Vec::new();
            if scope != "Local" {
                for (id, name, _) in PRESET.iter().filter(|(_, n, _)| n.contains(keyword)) {
                    list.push(json!({"PolicyId": id, "PolicyName": name, "Type": 2,
                        "AddTime": "2019-01-01 00:00:00", "CreateMode": 2, "Description": ""}));
                }
            }
            if scope != "QCS" {
                for name in iam.custom_policies().iter().filter(|n| n.contains(keyword)) {
                    list.push(
                        json!({"PolicyId": custom_id(call, name), "PolicyName": name,
                        "Type": 1, "AddTime": now, "CreateMode": 1, "Description": ""}),
                    );
                }
            }
            Ok(json!({"TotalNum": list.len(), "List": list, "ServiceTypeList": []}))
        }
        "CreatePolicy" => {
            let name =
                string(&call.params, "PolicyName").ok_or_else(|| errors::missing("PolicyName"))?;
            let text = string(&call.params, "PolicyDocument")
                .ok_or_else(|| errors::missing("PolicyDocument"))?;
            let doc: Value = serde_json::from_str(text).map_err(|_| {
                TcError::new(
                    "InvalidParameter.PolicyDocumentError",
                    "PolicyDocument is not valid",
                )
            })?;
            iam.create_policy(name, doc).map_err(|_| {
                TcError::new(
                    "FailedOperation.PolicyNameInUse",
                    "the policy name is already in use",
                )
            })?;
            Ok(json!({"PolicyId": custom_id(call, name)}))
        }
        "DeletePolicy" => {
            let ids: Vec<u64> = match &call.params["PolicyId"] {
                Value::Array(a) => a.iter().filter_map(Value::as_u64).collect(),
                v => v.as_u64().into_iter().collect(),
            };
            if ids.is_empty() {
                return Err(errors::missing("PolicyId"));
            }
            for id in ids {
                let name = policy_name(call, id).ok_or_else(policy_not_found)?;
                iam.delete_policy(&name).map_err(|_| policy_not_found())?;
            }
            Ok(json!({}))
        }
        "AttachUserPolicy" | "DetachUserPolicy" => {
            let uin_field = if action == "AttachUserPolicy" {
                "AttachUin"
            } else {
                "DetachUin"
            };
            let uin = uin_param(call, uin_field)?;
            let id = int(&call.params, "PolicyId")?.ok_or_else(|| errors::missing("PolicyId"))?;
            let name = policy_name(call, id as u64).ok_or_else(policy_not_found)?;
            let u = user_by_uin(call, &uin)?;
            let result = if action == "AttachUserPolicy" {
                iam.attach(keys, &u.name, &name, grants)
            } else {
                iam.detach(keys, &u.name, &name, grants)
            };
            result.map_err(|_| policy_not_found())?;
            Ok(json!({}))
        }
        "ListAttachedUserPolicies" => {
            let uin = uin_param(call, "TargetUin")?;
            let u = user_by_uin(call, &uin)?;
            let list: Vec<Value> = u
                .policies
                .iter()
                .map(|p| {
                    json!({"PolicyId": policy_id_of(call, p).unwrap_or(0).to_string(),
                        "PolicyName": p, "AddTime": now, "CreateMode": 1, "PolicyType": "User"})
                })
                .collect();
            Ok(json!({"TotalNum": list.len(), "List": list}))
        }
        "ListAccessKeys" => {
            let uin = uin_param(call, "TargetUin")?;
            let u = user_by_uin(call, &uin)?;
            let list: Vec<Value> = u
                .keys
                .iter()
                .map(|k| {
                    json!({"AccessKeyId": k.id, "Status": "Active",
                        "CreateTime": created(call, k.seq), "Description": k.description})
                })
                .collect();
            Ok(json!({"AccessKeys": list}))
        }
        "CreateAccessKey" => {
            let uin = uin_param(call, "TargetUin")?;
            let u = user_by_uin(call, &uin)?;
            let description = string(&call.params, "Description").unwrap_or("");
            let caller_domain = keys
                .get(&call.key.key_id)
                .map_or(multicloud_core::Domain::China, |k| k.domain);
            let n = iam.next_seq();
            let id = format!("AKIDmcSim{n:024}");
            let secret = format!("mcSimTcSecret{:016x}{n:03}", rand::random::<u64>());
            let template = SimKey::new(id.clone(), secret.clone(), call.key.account_id.clone())
                .with_user(u.name.clone(), u.id.clone())
                .with_domain(caller_domain)
                .with_label(format!("cam:{}", u.name));
            let entry = iam
                .create_key(keys, template, &u.name, description, KEY_CAP, grants)
                .map_err(|r| match r {
                    IamRefusal::KeyQuota => TcError::new(
                        "OperationDenied.AccessKeyOverLimit",
                        "each account supports at most two AccessKeys",
                    ),
                    _ => user_not_exist(),
                })?;
            Ok(
                json!({"AccessKey": {"AccessKeyId": id, "SecretAccessKey": secret,
                "Status": "Active", "CreateTime": created(call, entry.seq),
                "Description": description}}),
            )
        }
        "DeleteAccessKey" => {
            let uin = uin_param(call, "TargetUin")?;
            let id = string(&call.params, "AccessKeyId")
                .ok_or_else(|| errors::missing("AccessKeyId"))?;
            let u = user_by_uin(call, &uin)?;
            iam.delete_key(keys, &u.name, id).map_err(|_| {
                TcError::new("ResourceNotFound.SecretNotExist", "the key does not exist")
            })?;
            Ok(json!({}))
        }
        other => Err(errors::invalid_action(other)),
    }
}

/// A creation time that sorts in creation order (one second per key).
fn created(call: &Call<'_>, seq: u64) -> String {
    local_datetime(
        call.ctx.now - time::Duration::days(1) + time::Duration::seconds(seq as i64),
        8,
    )
}

//! IAM's write side (query API 2010-05-08): users, managed and custom policies, access keys
//! and user tags, with IAM's errors (`EntityAlreadyExists` 409, `NoSuchEntity` 404,
//! `LimitExceeded` 409 at two keys per user, `DeleteConflict` 409) and a refusal of every
//! change to a key that is not the root user's.

use serde_json::Value;

use crate::iam::IamRefusal;
use crate::keys::SimKey;
use crate::render::{iso8601_millis, Xml};

use super::errors::{self, AwsError};
use super::route::{list_param, param, partition_name, Service};
use super::Call;

/// The IAM actions the simulator answers, reads first.
pub(crate) const ACTIONS: &[&str] = &[
    "ListUsers",
    "GetUser",
    "ListAttachedUserPolicies",
    "ListAccessKeys",
    "ListUserTags",
    "CreateUser",
    "DeleteUser",
    "CreatePolicy",
    "DeletePolicy",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "CreateAccessKey",
    "DeleteAccessKey",
    "TagUser",
    "UntagUser",
];

/// Access keys per user.
const KEY_CAP: usize = 2;

/// The AWS managed policies the simulator knows, with the endpoints each grants.
const MANAGED: &[(&str, &[&str])] = &[
    ("AmazonEC2ReadOnlyAccess", &["ec2:Describe*"]),
    ("AmazonRDSReadOnlyAccess", &["rds:Describe*"]),
    (
        "ElasticLoadBalancingReadOnly",
        &["elasticloadbalancing:Describe*"],
    ),
    ("AmazonS3ReadOnlyAccess", &["s3:Get*", "s3:List*"]),
    ("IAMReadOnlyAccess", &["iam:Get*", "iam:List*"]),
    (
        "ReadOnlyAccess",
        &["ec2:Describe*", "rds:Describe*", "s3:Get*", "s3:List*"],
    ),
];

/// The endpoint patterns a policy grants: a managed one from [`MANAGED`], a custom one from
/// its statements' `Action`s.
pub(crate) fn grants(name: &str, custom: Option<&Value>) -> Vec<String> {
    if let Some(doc) = custom {
        let mut out = Vec::new();
        for st in doc["Statement"].as_array().into_iter().flatten() {
            match &st["Action"] {
                Value::String(a) => out.push(a.clone()),
                Value::Array(list) => {
                    out.extend(list.iter().filter_map(Value::as_str).map(str::to_owned))
                }
                _ => {}
            }
        }
        return out;
    }
    MANAGED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, p)| p.iter().map(|s| (*s).to_owned()).collect())
        .unwrap_or_default()
}

fn doc(call: &Call<'_>, action: &str, body: impl FnOnce(&mut Xml)) -> String {
    let mut x = Xml::new();
    let root = format!("{action}Response");
    let result = format!("{action}Result");
    x.open_ns(&root, call.route.service.xmlns()).open(&result);
    body(&mut x);
    x.close(&result).open("ResponseMetadata");
    x.leaf("RequestId", call.ctx.request_id)
        .close("ResponseMetadata")
        .close(&root);
    x.finish()
}

/// An answer with no result element (`DeleteUser`, `AttachUserPolicy`, …).
fn empty(call: &Call<'_>, action: &str) -> String {
    let mut x = Xml::new();
    let root = format!("{action}Response");
    x.open_ns(&root, call.route.service.xmlns())
        .open("ResponseMetadata")
        .leaf("RequestId", call.ctx.request_id)
        .close("ResponseMetadata")
        .close(&root);
    x.finish()
}

fn required<'a>(call: &'a Call<'_>, name: &str) -> Result<&'a str, AwsError> {
    param(&call.params, name).ok_or_else(|| {
        AwsError::new(
            400,
            "ValidationError",
            format!("1 validation error detected: Value null at '{name}' failed to satisfy constraint: Member must not be null"),
        )
    })
}

fn no_user(name: &str) -> AwsError {
    AwsError::new(
        404,
        "NoSuchEntity",
        format!("The user with name {name} cannot be found."),
    )
}

fn refusal(r: IamRefusal, what: &str) -> AwsError {
    match r {
        IamRefusal::Exists => AwsError::new(
            409,
            "EntityAlreadyExists",
            format!("{what} already exists."),
        ),
        IamRefusal::NoSuchEntity => {
            AwsError::new(404, "NoSuchEntity", format!("{what} cannot be found."))
        }
        IamRefusal::KeyQuota => AwsError::new(
            409,
            "LimitExceeded",
            format!("Cannot exceed quota for AccessKeysPerUser: {KEY_CAP}"),
        ),
        IamRefusal::DeleteConflict => AwsError::new(
            409,
            "DeleteConflict",
            format!("Cannot delete entity, must remove dependent entities first ({what})."),
        ),
    }
}

fn user_arn(call: &Call<'_>, name: &str) -> String {
    format!(
        "arn:{}:iam::{}:user/{name}",
        partition_name(call.route.domain),
        call.key.account_id
    )
}

/// Whether `arn` names an AWS managed policy (`arn:{p}:iam::aws:policy/Name`), and its name.
fn policy_of(call: &Call<'_>, arn: &str) -> Result<(bool, String), AwsError> {
    let not_found = || {
        AwsError::new(
            404,
            "NoSuchEntity",
            format!("Policy {arn} does not exist or is not attachable."),
        )
    };
    let partition = partition_name(call.route.domain);
    let managed = format!("arn:{partition}:iam::aws:policy/");
    let custom = format!("arn:{partition}:iam::{}:policy/", call.key.account_id);
    if let Some(name) = arn.strip_prefix(&managed) {
        return if MANAGED.iter().any(|(n, _)| *n == name) {
            Ok((true, name.to_owned()))
        } else {
            Err(not_found())
        };
    }
    if let Some(name) = arn.strip_prefix(&custom) {
        return if call.ctx.iam.custom_policy(name).is_some() {
            Ok((false, name.to_owned()))
        } else {
            Err(not_found())
        };
    }
    Err(AwsError::new(
        400,
        "InvalidInput",
        format!("ARN {arn} is not valid."),
    ))
}

fn open_user(x: &mut Xml, call: &Call<'_>, name: &str, id: &str) {
    x.open("User")
        .leaf("Path", "/")
        .leaf("UserName", name)
        .leaf("UserId", id)
        .leaf("Arn", user_arn(call, name))
        .leaf("CreateDate", iso8601_millis(call.ctx.now))
        .close("User");
}

/// One IAM call.
pub(crate) fn handle(call: &Call<'_>, action: &str) -> Result<String, AwsError> {
    let write = !(action.starts_with("Get") || action.starts_with("List"));
    if write && call.key.user_name != "root" {
        // The simulator's rule: IAM changes are the root user's alone.
        return Err(errors::denied(
            Service::Iam,
            &call.caller_arn(),
            &format!("iam:{action}"),
        ));
    }
    let iam = call.ctx.iam;
    match action {
        "ListUsers" => super::query::list_users(call),
        "GetUser" => {
            let name = required(call, "UserName")?;
            let u = iam.user(name).ok_or_else(|| no_user(name))?;
            Ok(doc(call, action, |x| open_user(x, call, &u.name, &u.id)))
        }
        "CreateUser" => {
            let name = required(call, "UserName")?;
            let id = format!("AIDAMCSIM{:011}", iam.next_seq());
            let u = iam
                .create_user(name, &id)
                .map_err(|r| refusal(r, &format!("User with name {name}")))?;
            let mut n = 1;
            while let Some(k) = param(&call.params, &format!("Tags.member.{n}.Key")) {
                let v = param(&call.params, &format!("Tags.member.{n}.Value")).unwrap_or("");
                let _ = iam.tag_user(name, |t| {
                    t.insert(k.to_owned(), v.to_owned());
                });
                n += 1;
            }
            Ok(doc(call, action, |x| open_user(x, call, &u.name, &u.id)))
        }
        "DeleteUser" => {
            let name = required(call, "UserName")?;
            iam.delete_user(name)
                .map_err(|r| refusal(r, &format!("The user with name {name}")))?;
            Ok(empty(call, action))
        }
        "TagUser" => {
            let name = required(call, "UserName")?;
            let mut n = 1;
            let mut tags = Vec::new();
            while let Some(k) = param(&call.params, &format!("Tags.member.{n}.Key")) {
                let v = param(&call.params, &format!("Tags.member.{n}.Value")).unwrap_or("");
                tags.push((k.to_owned(), v.to_owned()));
                n += 1;
            }
            iam.tag_user(name, |t| t.extend(tags))
                .map_err(|_| no_user(name))?;
            Ok(empty(call, action))
        }
        "UntagUser" => {
            let name = required(call, "UserName")?;
            let gone = list_param(&call.params, "TagKeys.member");
            iam.tag_user(name, |t| t.retain(|k, _| !gone.contains(k)))
                .map_err(|_| no_user(name))?;
            Ok(empty(call, action))
        }
        "ListUserTags" => {
            let name = required(call, "UserName")?;
            let u = iam.user(name).ok_or_else(|| no_user(name))?;
            Ok(doc(call, action, |x| {
                x.open("Tags");
                for (k, v) in &u.tags {
                    x.open("member")
                        .leaf("Key", k)
                        .leaf("Value", v)
                        .close("member");
                }
                x.close("Tags").leaf("IsTruncated", "false");
            }))
        }
        "CreatePolicy" => {
            let name = required(call, "PolicyName")?;
            let text = required(call, "PolicyDocument")?;
            let parsed: Value = serde_json::from_str(text).map_err(|_| {
                AwsError::new(400, "MalformedPolicyDocument", "Syntax errors in policy.")
            })?;
            iam.create_policy(name, parsed)
                .map_err(|r| refusal(r, &format!("A policy called {name}")))?;
            let arn = format!(
                "arn:{}:iam::{}:policy/{name}",
                partition_name(call.route.domain),
                call.key.account_id
            );
            Ok(doc(call, action, |x| {
                x.open("Policy")
                    .leaf("PolicyName", name)
                    .leaf("PolicyId", format!("ANPAMCSIM{:011}", iam.next_seq()))
                    .leaf("Arn", arn)
                    .leaf("Path", "/")
                    .leaf("DefaultVersionId", "v1")
                    .leaf("AttachmentCount", "0")
                    .leaf("IsAttachable", "true")
                    .close("Policy");
            }))
        }
        "DeletePolicy" => {
            let arn = required(call, "PolicyArn")?;
            let (managed, name) = policy_of(call, arn)?;
            if managed {
                return Err(AwsError::new(
                    400,
                    "InvalidInput",
                    "An AWS managed policy cannot be deleted.",
                ));
            }
            iam.delete_policy(&name)
                .map_err(|r| refusal(r, &format!("Policy {arn}")))?;
            Ok(empty(call, action))
        }
        "AttachUserPolicy" | "DetachUserPolicy" => {
            let name = required(call, "UserName")?;
            let arn = required(call, "PolicyArn")?;
            let (_, policy) = policy_of(call, arn)?;
            if iam.user(name).is_none() {
                return Err(no_user(name));
            }
            let result = if action == "AttachUserPolicy" {
                iam.attach(call.ctx.keys, name, &policy, grants)
            } else {
                iam.detach(call.ctx.keys, name, &policy, grants)
            };
            result.map_err(|r| refusal(r, &format!("Policy {arn} on user {name}")))?;
            Ok(empty(call, action))
        }
        "ListAttachedUserPolicies" => {
            let name = required(call, "UserName")?;
            let u = iam.user(name).ok_or_else(|| no_user(name))?;
            let partition = partition_name(call.route.domain);
            Ok(doc(call, action, |x| {
                x.open("AttachedPolicies");
                for p in &u.policies {
                    let arn = if MANAGED.iter().any(|(n, _)| n == p) {
                        format!("arn:{partition}:iam::aws:policy/{p}")
                    } else {
                        format!("arn:{partition}:iam::{}:policy/{p}", call.key.account_id)
                    };
                    x.open("member")
                        .leaf("PolicyName", p)
                        .leaf("PolicyArn", arn)
                        .close("member");
                }
                x.close("AttachedPolicies").leaf("IsTruncated", "false");
            }))
        }
        "ListAccessKeys" => {
            let name = required(call, "UserName")?;
            let u = iam.user(name).ok_or_else(|| no_user(name))?;
            Ok(doc(call, action, |x| {
                x.open("AccessKeyMetadata");
                for k in &u.keys {
                    x.open("member")
                        .leaf("UserName", &u.name)
                        .leaf("AccessKeyId", &k.id)
                        .leaf("Status", "Active")
                        .leaf("CreateDate", created(call, k.seq))
                        .close("member");
                }
                x.close("AccessKeyMetadata").leaf("IsTruncated", "false");
            }))
        }
        "CreateAccessKey" => {
            let name = required(call, "UserName")?;
            let u = iam.user(name).ok_or_else(|| no_user(name))?;
            let n = iam.next_seq();
            let id = format!("AKIAMCSIM{n:011}");
            let secret = format!("mcSimAwsSecret{:016x}{n:010}", rand::random::<u64>());
            let template = SimKey::new(id.clone(), secret.clone(), call.key.account_id.clone())
                .with_user(u.name.clone(), u.id.clone())
                .with_domain(call.route.domain)
                .with_label(format!("iam:{}", u.name));
            let entry = iam
                .create_key(call.ctx.keys, template, name, "", KEY_CAP, grants)
                .map_err(|r| refusal(r, &format!("The user with name {name}")))?;
            Ok(doc(call, action, |x| {
                x.open("AccessKey")
                    .leaf("UserName", name)
                    .leaf("AccessKeyId", &id)
                    .leaf("Status", "Active")
                    .leaf("SecretAccessKey", &secret)
                    .leaf("CreateDate", created(call, entry.seq))
                    .close("AccessKey");
            }))
        }
        "DeleteAccessKey" => {
            let name = required(call, "UserName")?;
            let id = required(call, "AccessKeyId")?;
            iam.delete_key(call.ctx.keys, name, id).map_err(|_| {
                AwsError::new(
                    404,
                    "NoSuchEntity",
                    format!("The Access Key with id {id} cannot be found."),
                )
            })?;
            Ok(empty(call, action))
        }
        other => Err(errors::unknown_action(Service::Iam, other)),
    }
}

/// A creation date that sorts in creation order (one second per key after the base time).
fn created(call: &Call<'_>, seq: u64) -> String {
    let base = call.ctx.now - time::Duration::days(1);
    iso8601_millis(base + time::Duration::seconds(seq as i64))
}

//! Quick configuration for AWS: the policy documents per feature, and the IAM calls
//! ([`IamOps`]) the shared run in [`multicloud_core::onboard`] drives.
//!
//! IAM query API, version 2010-05-08, global endpoint: `GetUser`, `CreateUser`, `DeleteUser`,
//! `CreatePolicy`, `DeletePolicy`, `ListAttachedUserPolicies`, `AttachUserPolicy`,
//! `DetachUserPolicy`, `ListAccessKeys`, `CreateAccessKey`, `DeleteAccessKey`, and
//! `TagUser` / `ListUserTags` / `UntagUser` for the key description (the console keeps an
//! access key's description as a user tag whose key is the access key id: a key whose tag
//! value is [`KEY_MARK`] is one this SDK made). IAM allows two access keys per user.

use std::fmt;

use async_trait::async_trait;
use serde_json::{json, Value};

use multicloud_core::onboard::{
    IamOps, IamUser, KeyInfo, KeySwitch, PolicyDocument, PropagationWait,
};
use multicloud_core::OnboardSettings;
use multicloud_core::{
    grants_for, AccessKey, CredentialStatus, Domain, Error, ErrorKind, Identity, OnboardOutcome,
    OnboardRequest, Onboarder, ResourceKind, Result, StandardFeature,
};

use crate::client::{AwsClient, Params};
use crate::endpoints::{Partition, Service};
use crate::resources::KINDS;
use crate::verify;
use crate::wire::xml::QUERY_LISTS;

/// The value of the user tag that marks an access key as made by this SDK.
pub const KEY_MARK: &str = "made by multicloud";

/// The prefix put before the user name unless it already has it (configurable with
/// [`AwsProviderBuilder::with_user_prefix`](crate::AwsProviderBuilder::with_user_prefix)).
pub const DEFAULT_USER_PREFIX: &str = "multicloud-";

/// The custom policy of agentless scanning (volumes and snapshots read block by block).
pub const AGENTLESS_POLICY: &str = "MulticloudAgentlessScanPolicy";

/// The custom policy of audit-log intake (the SQS queue CloudTrail's bucket notifies).
pub const AUDIT_LOG_POLICY: &str = "MulticloudAuditLogReadPolicy";

/// The parameter naming the SQS queue of audit-log intake.
pub const QUEUE_ARN: &str = "queue_arn";

/// Access keys IAM allows per user.
const KEY_CAP: usize = 2;

/// The policies `features` need in `domain`: the managed policies of their kinds (the ones
/// verify tells to grant), then the custom documents. Audit-log intake needs
/// `params["queue_arn"]`.
///
/// ```
/// use multicloud_core::{Domain, OnboardRequest, StandardFeature};
///
/// let request = OnboardRequest::new("secops", vec![StandardFeature::AuditLog])
///     .with_param("queue_arn", "arn:aws:sqs:us-east-1:123456789012:trail-events");
/// let docs = multicloud_aws::policy_documents(Domain::International, &request).unwrap();
/// let sqs = docs.iter().find(|d| d.is_custom()).unwrap().render();
/// assert!(sqs.contains("arn:aws:sqs:us-east-1:123456789012:trail-events"));
/// ```
pub fn policy_documents(domain: Domain, request: &OnboardRequest) -> Result<Vec<PolicyDocument>> {
    let kinds: Vec<&ResourceKind> = KINDS
        .iter()
        .filter(|k| request.features.iter().any(|f| k.is_in(*f)))
        .collect();
    let mut docs: Vec<PolicyDocument> = grants_for(kinds)
        .into_iter()
        .map(PolicyDocument::managed)
        .collect();
    if request.features.contains(&StandardFeature::Agentless) {
        if domain == Domain::China {
            return Err(Error::config(
                "AWS China offers no agentless scanning (it needs EBS direct APIs)",
            ));
        }
        docs.push(PolicyDocument::custom(AGENTLESS_POLICY, agentless_policy()));
    }
    if request.features.contains(&StandardFeature::AuditLog) {
        let arn = request.params.get(QUEUE_ARN).ok_or_else(|| {
            Error::config(
                "audit-log intake needs the SQS queue's ARN: set the parameter queue_arn \
                 (arn:aws:sqs:{region}:{account}:{queue})",
            )
        })?;
        if !arn.starts_with("arn:aws") || arn.split(':').count() != 6 || !arn.contains(":sqs:") {
            return Err(Error::config(format!(
                "queue_arn {arn:?} is not an SQS queue ARN (arn:aws:sqs:{{region}}:{{account}}:{{queue}})"
            )));
        }
        docs.push(PolicyDocument::custom(AUDIT_LOG_POLICY, sqs_policy(arn)));
    }
    Ok(docs)
}

/// Agentless scanning: read volumes and snapshots, snapshot a volume, read the snapshot's
/// blocks through the EBS direct APIs, and delete only snapshots tagged as the scanner's.
fn agentless_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DescribeVolumesAndSnapshots",
                "Effect": "Allow",
                "Action": [
                    "ec2:DescribeInstances",
                    "ec2:DescribeVolumes",
                    "ec2:DescribeSnapshots",
                    "ec2:CreateSnapshot",
                    "ec2:CreateTags"
                ],
                "Resource": "*"
            },
            {
                "Sid": "ReadSnapshotBlocks",
                "Effect": "Allow",
                "Action": ["ebs:ListSnapshotBlocks", "ebs:ListChangedBlocks", "ebs:GetSnapshotBlock"],
                "Resource": "*"
            },
            {
                "Sid": "DeleteOwnSnapshots",
                "Effect": "Allow",
                "Action": "ec2:DeleteSnapshot",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:ResourceTag/multicloud-scan": "true"}}
            }
        ]
    })
}

/// Audit-log intake: receive and delete the queue's messages and read its attributes.
fn sqs_policy(queue_arn: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "ReadAuditQueue",
            "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            "Resource": queue_arn
        }]
    })
}

/// Quick configuration for one AWS account (see [`policy_documents`] for what it attaches).
#[derive(Clone)]
pub struct AwsOnboarder {
    client: AwsClient,
    domain: Domain,
    settings: OnboardSettings,
}

impl fmt::Debug for AwsOnboarder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsOnboarder")
            .field("domain", &self.domain)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl AwsOnboarder {
    pub(crate) fn new(
        client: AwsClient,
        domain: Domain,
        prefix: String,
        wait: PropagationWait,
    ) -> Self {
        AwsOnboarder {
            client,
            domain,
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
            partition: Partition::of(self.domain),
            features: features.to_vec(),
        }
    }
}

#[async_trait]
impl Onboarder for AwsOnboarder {
    fn policy_documents(&self, request: &OnboardRequest) -> Result<Vec<PolicyDocument>> {
        policy_documents(self.domain, request)
    }

    async fn onboard(&self, request: &OnboardRequest) -> Result<OnboardOutcome> {
        let docs = self.policy_documents(request)?;
        let mut named = request.clone();
        named.user_name = self.user_name(&request.user_name);
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

/// The IAM calls, made with the root key.
struct Ops {
    client: AwsClient,
    partition: Partition,
    features: Vec<StandardFeature>,
}

impl fmt::Debug for Ops {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ops")
            .field("partition", &self.partition)
            .finish_non_exhaustive()
    }
}

/// The members of a query-protocol list (`<X><member>…</member></X>`), empty when absent.
fn members(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Object(o)) if !o.is_empty() => vec![Value::Object(o.clone())],
        _ => Vec::new(),
    }
}

fn text(v: &Value, field: &str, action: &str) -> Result<String> {
    v.get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Error::decode(format!("{action} answer has no {field}")))
}

impl Ops {
    async fn call(&self, action: &str, params: Params) -> Result<Value> {
        let endpoint = self.client.resolver().global(Service::Iam);
        let write = !(action.starts_with("Get") || action.starts_with("List"));
        let out = if write {
            self.client.query_write(&endpoint, action, &params).await?
        } else {
            self.client
                .query(&endpoint, action, &params, QUERY_LISTS)
                .await?
        };
        let key = format!("{action}Result");
        Ok(out.doc.get(&key).cloned().unwrap_or(Value::Null))
    }

    fn managed_arn(&self, name: &str) -> String {
        format!("arn:{}:iam::aws:policy/{name}", self.partition.name())
    }

    async fn custom_arn(&self, name: &str) -> Result<String> {
        let account = verify::account_id(&self.client).await?;
        Ok(format!(
            "arn:{}:iam::{account}:policy/{name}",
            self.partition.name()
        ))
    }

    async fn arn_of(&self, name: &str) -> Result<String> {
        if name == AGENTLESS_POLICY || name == AUDIT_LOG_POLICY {
            self.custom_arn(name).await
        } else {
            Ok(self.managed_arn(name))
        }
    }
}

#[async_trait]
impl IamOps for Ops {
    async fn caller(&self) -> Result<Identity> {
        let check = verify::check_key(&self.client).await?;
        match (check.status, check.identity) {
            (CredentialStatus::Valid, Some(identity)) => Ok(identity),
            (status, _) => Err(Error::new(
                ErrorKind::InvalidCredential,
                format!("the root key does not work: {status:?}"),
            )),
        }
    }

    async fn find_user(&self, name: &str) -> Result<Option<IamUser>> {
        match self
            .call("GetUser", Params::new().with("UserName", name))
            .await
        {
            Ok(out) => {
                let user = out.get("User").cloned().unwrap_or_default();
                Ok(Some(IamUser {
                    name: text(&user, "UserName", "GetUser")?,
                    id: text(&user, "UserId", "GetUser")?,
                }))
            }
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn create_user(&self, name: &str) -> Result<IamUser> {
        let params = Params::new()
            .with("UserName", name)
            .with("Tags.member.1.Key", "created-by")
            .with("Tags.member.1.Value", "multicloud");
        let out = self.call("CreateUser", params).await?;
        let user = out.get("User").cloned().unwrap_or_default();
        Ok(IamUser {
            name: text(&user, "UserName", "CreateUser")?,
            id: text(&user, "UserId", "CreateUser")?,
        })
    }

    async fn delete_user(&self, user: &IamUser) -> Result<()> {
        self.call("DeleteUser", Params::new().with("UserName", &user.name))
            .await
            .map(drop)
    }

    async fn ensure_policy(&self, policy: &PolicyDocument) -> Result<bool> {
        let Some(doc) = &policy.document else {
            return Ok(false);
        };
        let params = Params::new()
            .with("PolicyName", &policy.name)
            .with("PolicyDocument", doc.to_string())
            .with("Description", "least-privilege policy made by multicloud");
        match self.call("CreatePolicy", params).await {
            Ok(_) => Ok(true),
            Err(e) if e.code() == Some("EntityAlreadyExists") => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn delete_policy(&self, name: &str) -> Result<()> {
        let arn = self.custom_arn(name).await?;
        self.call("DeletePolicy", Params::new().with("PolicyArn", arn))
            .await
            .map(drop)
    }

    async fn attached(&self, user: &IamUser) -> Result<Vec<String>> {
        let out = self
            .call(
                "ListAttachedUserPolicies",
                Params::new().with("UserName", &user.name),
            )
            .await?;
        members(out.get("AttachedPolicies"))
            .iter()
            .map(|p| text(p, "PolicyName", "ListAttachedUserPolicies"))
            .collect()
    }

    async fn attach(&self, user: &IamUser, policy: &PolicyDocument) -> Result<()> {
        let arn = self.arn_of(&policy.name).await?;
        let params = Params::new()
            .with("UserName", &user.name)
            .with("PolicyArn", arn);
        self.call("AttachUserPolicy", params).await.map(drop)
    }

    async fn detach(&self, user: &IamUser, name: &str) -> Result<()> {
        let arn = self.arn_of(name).await?;
        let params = Params::new()
            .with("UserName", &user.name)
            .with("PolicyArn", arn);
        self.call("DetachUserPolicy", params).await.map(drop)
    }

    async fn keys(&self, user: &IamUser) -> Result<Vec<KeyInfo>> {
        let out = self
            .call("ListAccessKeys", Params::new().with("UserName", &user.name))
            .await?;
        let tags = self
            .call("ListUserTags", Params::new().with("UserName", &user.name))
            .await?;
        let tags = members(tags.get("Tags"));
        let ours = |id: &str| {
            tags.iter().any(|t| {
                t.get("Key").and_then(Value::as_str) == Some(id)
                    && t.get("Value").and_then(Value::as_str) == Some(KEY_MARK)
            })
        };
        let mut keys = members(out.get("AccessKeyMetadata"))
            .iter()
            .map(|k| {
                let id = text(k, "AccessKeyId", "ListAccessKeys")?;
                Ok(KeyInfo {
                    ours: ours(&id),
                    created: text(k, "CreateDate", "ListAccessKeys")?,
                    id,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        keys.sort_by(|a, b| a.created.cmp(&b.created));
        Ok(keys)
    }

    async fn create_key(&self, user: &IamUser) -> Result<AccessKey> {
        let out = self
            .call(
                "CreateAccessKey",
                Params::new().with("UserName", &user.name),
            )
            .await?;
        let key = out.get("AccessKey").cloned().unwrap_or_default();
        let id = text(&key, "AccessKeyId", "CreateAccessKey")?;
        let secret = key
            .get("SecretAccessKey")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::decode("CreateAccessKey answer has no SecretAccessKey"))?;
        let access_key = AccessKey::new(id.clone(), secret.to_owned());
        let tag = Params::new()
            .with("UserName", &user.name)
            .with("Tags.member.1.Key", &id)
            .with("Tags.member.1.Value", KEY_MARK);
        if let Err(e) = self.call("TagUser", tag).await {
            // An unmarked key would never be rotated by us: take it back.
            let _ = self.delete_key(user, &id).await;
            return Err(e);
        }
        Ok(access_key)
    }

    async fn delete_key(&self, user: &IamUser, key_id: &str) -> Result<()> {
        let params = Params::new()
            .with("UserName", &user.name)
            .with("AccessKeyId", key_id);
        self.call("DeleteAccessKey", params).await?;
        let untag = Params::new()
            .with("UserName", &user.name)
            .with("TagKeys.member.1", key_id);
        // The description tag of a deleted key is only clutter: best effort.
        let _ = self.call("UntagUser", untag).await;
        Ok(())
    }

    async fn check_key(&self, key: &AccessKey) -> Result<()> {
        let client = self.client.with_key(key.clone());
        let check = verify::check_key(&client).await?;
        if let CredentialStatus::Invalid { kind, code, .. } = &check.status {
            let mut e = Error::new(*kind, "the new key is not accepted yet");
            if let Some(code) = code {
                e = e.with_code(code.clone());
            }
            return Err(e);
        }
        for kind in KINDS
            .iter()
            .filter(|k| self.features.iter().any(|f| k.is_in(*f)))
        {
            verify::probe_read(&client, kind).await?;
        }
        Ok(())
    }

    fn key_cap(&self) -> usize {
        KEY_CAP
    }

    fn not_root(&self, identity: &Identity) -> String {
        let what = match identity.principal_type {
            multicloud_core::PrincipalType::User => "this is an IAM user key",
            multicloud_core::PrincipalType::Role => "this is a temporary (assumed-role) key",
            _ => "this is not the root user's key",
        };
        format!(
            "{what} ({}), not the account's root key: quick configuration creates IAM users \
             and needs the root user's access key once; use the root key, or grant the \
             policies by hand (the `policy` command prints them)",
            identity.principal
        )
    }
}

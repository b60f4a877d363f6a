//! Quick configuration for Tencent Cloud: the policy documents per feature, and the CAM
//! calls ([`IamOps`]) the shared run in [`multicloud_core::onboard`] drives.
//!
//! CAM API 3.0, version 2019-01-16 (`cam.tencentcloudapi.com`): `GetUser`, `AddUser`,
//! `DeleteUser`, `ListPolicies` (a preset policy is attached by its `PolicyId`),
//! `CreatePolicy`, `DeletePolicy`, `ListAttachedUserPolicies`, `AttachUserPolicy`,
//! `DetachUserPolicy`, `ListAccessKeys`, `CreateAccessKey` (its `Description` marks a key
//! this SDK made: [`KEY_MARK`]) and `DeleteAccessKey`. CAM allows two keys per user.

use std::fmt;

use async_trait::async_trait;
use serde_json::{json, Value};

use multicloud_core::onboard::{
    IamOps, IamUser, KeyInfo, KeySwitch, PolicyDocument, PropagationWait,
};
use multicloud_core::OnboardSettings;
use multicloud_core::{
    grants_for, AccessKey, CredentialStatus, Error, ErrorKind, Identity, OnboardOutcome,
    OnboardRequest, Onboarder, PrincipalType, ResourceKind, Result, StandardFeature,
};

use crate::api::{self, Api};
use crate::client::Client;
use crate::resources::KINDS;
use crate::verify;

/// The `Description` of an access key this SDK made.
pub const KEY_MARK: &str = "made-by-multicloud";

/// The prefix put before the sub-user's name unless it already has it (configurable with
/// [`TencentProviderBuilder::with_user_prefix`](crate::TencentProviderBuilder::with_user_prefix)).
pub const DEFAULT_USER_PREFIX: &str = "multicloud-";

/// The custom policy of audit-log intake (the guide's `ciemPolicy`): read one CLS topic.
pub const CIEM_POLICY: &str = "ciemPolicy";

/// Parameters `ciemPolicy` is filled with: the CLS topic, its logset, their region and the
/// root account's uin (onboarding fills `root_uin` from the key itself).
pub const CIEM_PARAMS: [&str; 4] = ["topic_id", "logset_id", "region", "root_uin"];

const KEY_CAP: usize = 2;

/// The policies `request.features` need: the preset policies of their kinds (the ones
/// verify tells to grant), then `ciemPolicy` for audit-log intake.
///
/// ```
/// use multicloud_core::{OnboardRequest, StandardFeature};
///
/// let request = OnboardRequest::new("secops", vec![StandardFeature::AuditLog])
///     .with_param("topic_id", "t-1")
///     .with_param("logset_id", "l-1")
///     .with_param("region", "ap-guangzhou")
///     .with_param("root_uin", "100012345678");
/// let docs = multicloud_tencent::policy_documents(&request).unwrap();
/// let ciem = docs.iter().find(|d| d.name == "ciemPolicy").unwrap().render();
/// assert!(ciem.contains("qcs::cls:ap-guangzhou:uin/100012345678:topic/t-1"));
/// ```
pub fn policy_documents(request: &OnboardRequest) -> Result<Vec<PolicyDocument>> {
    let kinds: Vec<&ResourceKind> = KINDS
        .iter()
        .filter(|k| request.features.iter().any(|f| k.is_in(*f)))
        .collect();
    let mut docs: Vec<PolicyDocument> = grants_for(kinds)
        .into_iter()
        .map(PolicyDocument::managed)
        .collect();
    if request.features.contains(&StandardFeature::AuditLog) {
        let get = |name: &str| {
            request.params.get(name).map(String::as_str).ok_or_else(|| {
                Error::config(format!(
                    "ciemPolicy needs the parameter {name} (all of: {})",
                    CIEM_PARAMS.join(", ")
                ))
            })
        };
        let (topic, logset, region, root) = (
            get("topic_id")?,
            get("logset_id")?,
            get("region")?,
            get("root_uin")?,
        );
        multicloud_core::validate_region_id(region)?;
        docs.push(PolicyDocument::custom(
            CIEM_POLICY,
            json!({
                "version": "2.0",
                "statement": [{
                    "effect": "allow",
                    "action": [
                        "cls:DescribeTopics",
                        "cls:DescribeLogsets",
                        "cls:DescribeKafkaConsumer",
                        "cls:SearchLog"
                    ],
                    "resource": [
                        format!("qcs::cls:{region}:uin/{root}:topic/{topic}"),
                        format!("qcs::cls:{region}:uin/{root}:logset/{logset}")
                    ]
                }]
            }),
        ));
    }
    Ok(docs)
}

/// Quick configuration for one Tencent Cloud account (see [`policy_documents`] for what it attaches).
#[derive(Clone)]
pub struct TencentOnboarder {
    client: Client,
    settings: OnboardSettings,
}

impl fmt::Debug for TencentOnboarder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TencentOnboarder")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl TencentOnboarder {
    pub(crate) fn new(client: Client, prefix: String, wait: PropagationWait) -> Self {
        TencentOnboarder {
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
        }
    }
}

#[async_trait]
impl Onboarder for TencentOnboarder {
    fn policy_documents(&self, request: &OnboardRequest) -> Result<Vec<PolicyDocument>> {
        policy_documents(request)
    }

    async fn onboard(&self, request: &OnboardRequest) -> Result<OnboardOutcome> {
        let ops = self.ops(&request.features);
        let mut named = request.clone();
        named.user_name = self.user_name(&request.user_name);
        if request.features.contains(&StandardFeature::AuditLog)
            && !request.params.contains_key("root_uin")
        {
            let me = ops.caller().await?;
            named = named.with_param("root_uin", me.account_id);
        }
        let docs = policy_documents(&named)?;
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

/// The CAM calls, made with the root account's key.
struct Ops {
    client: Client,
    features: Vec<StandardFeature>,
}

impl fmt::Debug for Ops {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ops")
            .field("features", &self.features)
            .finish_non_exhaustive()
    }
}

fn text(v: &Value, field: &str, action: &str) -> Result<String> {
    match v.get(field) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(Error::decode(format!("{action} answer has no {field}"))),
    }
}

fn uin(user: &IamUser) -> Result<u64> {
    user.id
        .parse()
        .map_err(|_| Error::decode(format!("sub-user uin {:?} is not a number", user.id)))
}

impl Ops {
    async fn call(&self, api: Api, params: Value) -> Result<Value> {
        Ok(self.client.call(api, None, &params).await?.body)
    }

    /// The id of the policy `name` (preset or custom).
    async fn policy_id(&self, name: &str) -> Result<u64> {
        let out = self
            .call(
                api::CAM_LIST_POLICIES,
                json!({"Keyword": name, "Scope": "All", "Rp": 200, "Page": 1}),
            )
            .await?;
        out["List"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["PolicyName"] == name)
            .and_then(|p| match &p["PolicyId"] {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.parse().ok(),
                _ => None,
            })
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!("CAM has no policy named {name}"),
                )
            })
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
                format!("the root account's key does not work: {status:?}"),
            )),
        }
    }

    async fn find_user(&self, name: &str) -> Result<Option<IamUser>> {
        match self.call(api::CAM_GET_USER, json!({"Name": name})).await {
            Ok(out) => Ok(Some(IamUser {
                name: text(&out, "Name", "GetUser")?,
                id: text(&out, "Uin", "GetUser")?,
            })),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn create_user(&self, name: &str) -> Result<IamUser> {
        let out = self
            .call(
                api::CAM_ADD_USER,
                json!({"Name": name, "Remark": "made by multicloud", "ConsoleLogin": 0, "UseApi": 0}),
            )
            .await?;
        Ok(IamUser {
            name: text(&out, "Name", "AddUser")?,
            id: text(&out, "Uin", "AddUser")?,
        })
    }

    async fn delete_user(&self, user: &IamUser) -> Result<()> {
        self.call(api::CAM_DELETE_USER, json!({"Name": user.name}))
            .await
            .map(drop)
    }

    async fn ensure_policy(&self, policy: &PolicyDocument) -> Result<bool> {
        let Some(doc) = &policy.document else {
            return Ok(false);
        };
        let params = json!({
            "PolicyName": policy.name,
            "PolicyDocument": doc.to_string(),
            "Description": "least-privilege policy made by multicloud",
        });
        match self.call(api::CAM_CREATE_POLICY, params).await {
            Ok(_) => Ok(true),
            Err(e) if e.code() == Some("FailedOperation.PolicyNameInUse") => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn delete_policy(&self, name: &str) -> Result<()> {
        let id = self.policy_id(name).await?;
        self.call(api::CAM_DELETE_POLICY, json!({"PolicyId": [id]}))
            .await
            .map(drop)
    }

    async fn attached(&self, user: &IamUser) -> Result<Vec<String>> {
        let out = self
            .call(
                api::CAM_LIST_ATTACHED_USER_POLICIES,
                json!({"TargetUin": uin(user)?, "Rp": 200, "Page": 1}),
            )
            .await?;
        out["List"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| text(p, "PolicyName", "ListAttachedUserPolicies"))
            .collect()
    }

    async fn attach(&self, user: &IamUser, policy: &PolicyDocument) -> Result<()> {
        let id = self.policy_id(&policy.name).await?;
        self.call(
            api::CAM_ATTACH_USER_POLICY,
            json!({"PolicyId": id, "AttachUin": uin(user)?}),
        )
        .await
        .map(drop)
    }

    async fn detach(&self, user: &IamUser, name: &str) -> Result<()> {
        let id = self.policy_id(name).await?;
        self.call(
            api::CAM_DETACH_USER_POLICY,
            json!({"PolicyId": id, "DetachUin": uin(user)?}),
        )
        .await
        .map(drop)
    }

    async fn keys(&self, user: &IamUser) -> Result<Vec<KeyInfo>> {
        let out = self
            .call(api::CAM_LIST_ACCESS_KEYS, json!({"TargetUin": uin(user)?}))
            .await?;
        let mut keys = out["AccessKeys"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|k| {
                Ok(KeyInfo {
                    id: text(k, "AccessKeyId", "ListAccessKeys")?,
                    created: text(k, "CreateTime", "ListAccessKeys")?,
                    ours: k["Description"] == KEY_MARK,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        keys.sort_by(|a, b| a.created.cmp(&b.created));
        Ok(keys)
    }

    async fn create_key(&self, user: &IamUser) -> Result<AccessKey> {
        let out = self
            .call(
                api::CAM_CREATE_ACCESS_KEY,
                json!({"TargetUin": uin(user)?, "Description": KEY_MARK}),
            )
            .await?;
        let key = &out["AccessKey"];
        let id = text(key, "AccessKeyId", "CreateAccessKey")?;
        let secret = key["SecretAccessKey"]
            .as_str()
            .ok_or_else(|| Error::decode("CreateAccessKey answer has no SecretAccessKey"))?;
        Ok(AccessKey::new(id, secret.to_owned()))
    }

    async fn delete_key(&self, user: &IamUser, key_id: &str) -> Result<()> {
        self.call(
            api::CAM_DELETE_ACCESS_KEY,
            json!({"AccessKeyId": key_id, "TargetUin": uin(user)?}),
        )
        .await
        .map(drop)
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
        let kinds: Vec<&ResourceKind> = KINDS
            .iter()
            .filter(|k| self.features.iter().any(|f| k.is_in(*f)))
            .filter(|k| !k.list_actions.is_empty())
            .collect();
        if !kinds.is_empty() {
            let region = verify::probe_region(&client).await;
            for kind in kinds {
                verify::probe_read(&client, kind, &region).await?;
            }
        }
        Ok(())
    }

    fn key_cap(&self) -> usize {
        KEY_CAP
    }

    fn not_root(&self, identity: &Identity) -> String {
        let what = match identity.principal_type {
            PrincipalType::User => "this is a CAM sub-user key",
            PrincipalType::Role => "this is a temporary (CAM role) key",
            _ => "this is not the root account's key",
        };
        format!(
            "{what} ({}), not the root account's: quick configuration creates CAM sub-users \
             and needs the root account's API key once; use it, or grant the policies by hand \
             (the `policy` command prints them)",
            identity.principal
        )
    }
}

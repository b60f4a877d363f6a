//! The provider trait every cloud implements, and the optional capability traits.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use async_trait::async_trait;
use futures::stream::{BoxStream, StreamExt};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::audit::AuditLogSource;
use crate::error::{Error, Result};
use crate::feature::{Feature, StandardFeature};
use crate::item::Item;
use crate::kind::{ItemClass, KindScope, ResourceKind};
use crate::model::{AccountName, CloudResource, Domain, Host, ProviderKind, Region};
use crate::onboard::{KeySwitch, PolicyDocument};
use crate::secret::AccessKey;
use crate::verify::{CredentialStatus, Identity, VerifyReport};

/// What the identity call said about a key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyCheck {
    /// The key's state.
    pub status: CredentialStatus,
    /// Who the key belongs to, when the provider said.
    pub identity: Option<Identity>,
}

impl KeyCheck {
    /// A key in state `status`, belonging to `identity` when known.
    pub fn new(status: CredentialStatus, identity: Option<Identity>) -> Self {
        KeyCheck { status, identity }
    }
}

/// One onboarded account of one cloud.
///
/// Object-safe: keep providers as `Arc<dyn CloudProvider>`. A provider declares its
/// [resource kinds](crate::kind) once ([`resource_kinds`](Self::resource_kinds)); verify
/// probes exactly their actions and listing runs per (region, kind), so one denied API never
/// hides another kind. Listings are lazily paging streams: nothing is fetched until the
/// stream is polled, and each page is requested only when the previous one is consumed.
///
/// Contract for implementers:
/// - [`check_key`](Self::check_key) and the probes never retry an authentication failure
///   (some clouds lock a key after repeated failures).
/// - [`probe_read`](Self::probe_read) makes one cheap call of the kind's main listing action;
///   [`probe_write`](Self::probe_write) checks write actions only without side effects.
/// - [`list`](Self::list) yields only items of the kind asked for; a failed page yields `Err`
///   and ends the stream; items already yielded stay valid.
/// - Only regions with [`RegionStatus::Enabled`](crate::RegionStatus::Enabled) are scanned.
#[async_trait]
pub trait CloudProvider: Send + Sync + fmt::Debug {
    /// Which cloud this is.
    fn kind(&self) -> ProviderKind;

    /// The user's name for this account.
    fn account(&self) -> &AccountName;

    /// The edition / partition the account lives in.
    fn domain(&self) -> Domain;

    /// Every resource kind of this provider, declared once, in listing order.
    fn resource_kinds(&self) -> &'static [ResourceKind];

    /// The standard features this provider offers in its domain.
    fn features(&self) -> &[StandardFeature];

    /// The identity call: is the key valid, and whose is it? `Err` only when the check
    /// could not run (configuration).
    async fn check_key(&self) -> Result<KeyCheck>;

    /// One cheap call of `kind`'s main listing action: `Ok` when allowed.
    async fn probe_read(&self, kind: &ResourceKind) -> Result<()>;

    /// A side-effect-free check of `kind`'s write actions (a dry run, a permission
    /// simulation), or `None` when the provider has none: the writes are then reported as
    /// not checked, never as allowed.
    async fn probe_write(&self, kind: &ResourceKind) -> Option<Result<()>> {
        let _ = kind;
        None
    }

    /// Checks the key, then the permissions of every kind of `features` (one probe per kind,
    /// in parallel; stops at the first authentication refusal).
    ///
    /// Returns `Ok` with a report even when the key is bad: the report says what is wrong.
    /// `Err` means the check itself could not run (e.g. a configuration error).
    async fn verify(&self, features: &[&dyn Feature]) -> Result<VerifyReport> {
        crate::probe::verify(self, features).await
    }

    /// The kinds of `features` this provider offers, each once, in declaration order.
    fn kinds_of(&self, features: &[&dyn Feature]) -> Vec<&'static ResourceKind> {
        let offered = self.features();
        let wanted: Vec<&&dyn Feature> = features
            .iter()
            .filter(|f| f.standard().is_none_or(|s| offered.contains(&s)))
            .collect();
        self.resource_kinds()
            .iter()
            .filter(|k| wanted.iter().any(|f| f.includes(k)))
            .collect()
    }

    /// The regions the account can see, with their opt-in state.
    async fn regions(&self) -> Result<Vec<Region>>;

    /// The items of `kind`, page by page: in `region` for a regional kind, account-wide
    /// (`region` is `None`) for a global one.
    fn list(
        &self,
        kind: &ResourceKind,
        region: Option<&Region>,
    ) -> BoxStream<'static, Result<Item>>;

    /// The hosts in `region`, page by page.
    fn hosts(&self, region: &Region) -> BoxStream<'static, Result<Host>> {
        let streams: Vec<_> = self
            .resource_kinds()
            .iter()
            .filter(|k| k.item == ItemClass::Host)
            .map(|k| self.list(k, Some(region)))
            .collect();
        futures::stream::iter(streams)
            .flatten()
            .map(|item| match item? {
                Item::Host(host) => Ok(host),
                Item::Resource(r) => Err(wrong_item("host", &r.service, &r.resource_type)),
            })
            .boxed()
    }

    /// The cloud resources of every regional kind in `region`; each kind fails on its own.
    fn cloud_resources(&self, region: &Region) -> BoxStream<'static, Result<CloudResource>> {
        self.resources_of(KindScope::Regional, Some(region))
    }

    /// The cloud resources of every global kind (IAM users, buckets, …).
    fn global_resources(&self) -> BoxStream<'static, Result<CloudResource>> {
        self.resources_of(KindScope::Global, None)
    }

    /// The resources of every resource kind of `scope`, one listing after the other.
    fn resources_of(
        &self,
        scope: KindScope,
        region: Option<&Region>,
    ) -> BoxStream<'static, Result<CloudResource>> {
        let streams: Vec<_> = self
            .resource_kinds()
            .iter()
            .filter(|k| k.item == ItemClass::Resource && k.scope == scope)
            .map(|k| self.list(k, region))
            .collect();
        futures::stream::iter(streams)
            .flatten()
            .map(|item| match item? {
                Item::Resource(r) => Ok(r),
                Item::Host(h) => Err(wrong_item("resource", "host", &h.id)),
            })
            .boxed()
    }

    /// The IP-blocking capability, when the provider has one.
    fn ip_blocker(&self) -> Option<&dyn IpBlocker> {
        None
    }

    /// The audit-log capability, when the provider has one.
    fn audit_log_source(&self) -> Option<&dyn AuditLogSource> {
        None
    }

    /// The quick-configuration capability, when the provider has one.
    fn onboarder(&self) -> Option<&dyn Onboarder> {
        None
    }
}

fn wrong_item(wanted: &str, what: &str, which: &str) -> Error {
    Error::decode(format!(
        "a {wanted} listing yielded {what} {which}: the provider mixed up its kinds"
    ))
}

/// Where an IP block lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum BlockTarget {
    /// The cloud firewall's inbound block list.
    CloudFirewall,
    /// A WAF instance or protected domain, named as the provider names it.
    Waf {
        /// The WAF instance id or protected domain.
        scope: String,
    },
}

/// A request to block one IP address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BlockRequest {
    /// The address to block.
    pub ip: IpAddr,
    /// Where to block it.
    pub target: BlockTarget,
    /// The region the firewall or WAF lives in.
    pub region: String,
    /// A note stored with the rule (shown in the console).
    pub comment: Option<String>,
    /// When the provider supports it, the time the block lapses on its own.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

impl BlockRequest {
    /// Blocks `ip` at `target` in `region`, with no comment and no expiry.
    pub fn new(ip: IpAddr, target: BlockTarget, region: impl Into<String>) -> Self {
        BlockRequest {
            ip,
            target,
            region: region.into(),
            comment: None,
            expires_at: None,
        }
    }

    /// Sets the note stored with the rule.
    pub fn with_comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// Sets when the block lapses (where the provider supports it).
    pub fn with_expires_at(mut self, expires_at: OffsetDateTime) -> Self {
        self.expires_at = Some(expires_at);
        self
    }
}

/// A block rule as it exists in the cloud.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BlockRule {
    /// The provider's rule id (what unblock removes).
    pub rule_id: String,
    /// The blocked address or range, as stored.
    pub ip: String,
    /// Where the rule lives.
    pub target: BlockTarget,
    /// The region.
    pub region: String,
    /// The provider's rule exactly as received.
    pub raw: serde_json::Value,
}

impl BlockRule {
    /// The rule `rule_id` blocking `ip` at `target` in `region`, with no raw item.
    pub fn new(
        rule_id: impl Into<String>,
        ip: impl Into<String>,
        target: BlockTarget,
        region: impl Into<String>,
    ) -> Self {
        BlockRule {
            rule_id: rule_id.into(),
            ip: ip.into(),
            target,
            region: region.into(),
            raw: serde_json::Value::Null,
        }
    }

    /// Sets the provider's raw rule.
    pub fn with_raw(mut self, raw: serde_json::Value) -> Self {
        self.raw = raw;
        self
    }
}

/// Response actions: block and unblock IPs in a cloud firewall or WAF.
///
/// Blocking is idempotent (blocking twice leaves one rule) and unblocking removes exactly the
/// rule that was made, never using a delete-all.
#[async_trait]
pub trait IpBlocker: Send + Sync + fmt::Debug {
    /// Blocks `request.ip`, or returns the existing rule if it is already blocked.
    async fn block_ip(&self, request: &BlockRequest) -> Result<BlockRule>;

    /// Removes exactly `rule`.
    async fn unblock_ip(&self, rule: &BlockRule) -> Result<()>;

    /// The current block rules at `target` in `region`.
    fn list_blocks(
        &self,
        target: &BlockTarget,
        region: &str,
    ) -> BoxStream<'static, Result<BlockRule>>;
}

/// A request to turn a root key into a least-privilege sub-account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OnboardRequest {
    /// The sub-account user to create (or reuse).
    pub user_name: String,
    /// The features the new key must serve; decides the policies attached.
    pub features: Vec<StandardFeature>,
    /// Values the custom policy documents are filled with (`queue_arn`, `topic_id`, …; each
    /// provider's `policy_documents` names the ones it reads).
    pub params: BTreeMap<String, String>,
}

impl OnboardRequest {
    /// Creates (or reuses) `user_name` with the policies `features` need.
    pub fn new(user_name: impl Into<String>, features: Vec<StandardFeature>) -> Self {
        OnboardRequest {
            user_name: user_name.into(),
            features,
            params: BTreeMap::new(),
        }
    }

    /// Sets a value a custom policy document is filled with.
    pub fn with_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }
}

/// What quick configuration created.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OnboardOutcome {
    /// The sub-account user.
    pub user_name: String,
    /// The new key; store it, then delete the root key. Its secret is shown only here.
    pub access_key: AccessKey,
    /// The policies attached to the user (all of them the features need).
    pub policies: Vec<String>,
    /// Whether this run created the user (`false`: an existing one was reused).
    pub created_user: bool,
    /// The policies this run attached (empty on a rerun with the same features).
    pub newly_attached: Vec<String>,
    /// Keys this run deleted to stay under the cloud's per-user cap (only ones it made).
    pub deleted_keys: Vec<String>,
}

impl OnboardOutcome {
    /// The user, its new key and the policies attached.
    pub fn new(user_name: impl Into<String>, access_key: AccessKey, policies: Vec<String>) -> Self {
        OnboardOutcome {
            user_name: user_name.into(),
            access_key,
            policies,
            created_user: false,
            newly_attached: Vec::new(),
            deleted_keys: Vec::new(),
        }
    }

    /// Sets whether the user was created by this run.
    pub fn with_created_user(mut self, created: bool) -> Self {
        self.created_user = created;
        self
    }

    /// Sets the policies attached and the keys deleted by this run.
    pub fn with_changes(mut self, newly_attached: Vec<String>, deleted_keys: Vec<String>) -> Self {
        self.newly_attached = newly_attached;
        self.deleted_keys = deleted_keys;
        self
    }
}

/// Quick configuration: a root key creates a least-privilege sub-account and its key.
///
/// See [`crate::onboard`] for the run every provider shares.
#[async_trait]
pub trait Onboarder: Send + Sync + fmt::Debug {
    /// The policies `request.features` need, from the provider's kinds (managed policies) and
    /// its guide's custom documents filled with `request.params`. What
    /// [`onboard`](Self::onboard) attaches, and what a user grants by hand.
    fn policy_documents(&self, request: &OnboardRequest) -> Result<Vec<PolicyDocument>>;

    /// Creates (or reuses) the user, attaches the policies and issues a new key.
    async fn onboard(&self, request: &OnboardRequest) -> Result<OnboardOutcome>;

    /// Issues a new key for `user_name`, checks it works, calls `switch` with it (start
    /// using it there), then deletes `old_key_id`. Returns the new key.
    async fn rotate_key(
        &self,
        user_name: &str,
        old_key_id: &str,
        switch: &KeySwitch<'_>,
    ) -> Result<AccessKey>;
}

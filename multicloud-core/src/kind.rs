//! Resource kinds: the unit of verify, listing and sync.
//!
//! Each provider declares its kinds once, as a static table ([`CloudProvider::resource_kinds`]):
//! what the kind lists, the API actions its listing calls, the managed policy that grants
//! them, whether it is regional or global, and which standard features it belongs to.
//! Verify probes exactly these actions, and the sync engine lists and stores each
//! (region, kind) on its own, so one denied API never hides another kind.
//!
//! [`CloudProvider::resource_kinds`]: crate::CloudProvider::resource_kinds
//!
//! ```
//! use multicloud_core::{ItemClass, KindScope, ResourceKind, StandardFeature};
//!
//! const VPCS: ResourceKind = ResourceKind::resources("ec2", "vpc", KindScope::Regional)
//!     .with_id("ec2.vpc")
//!     .with_features(&[StandardFeature::Cspm])
//!     .with_list_actions(&["ec2:DescribeVpcs"])
//!     .with_grant("AmazonVPCReadOnlyAccess");
//! assert_eq!(VPCS.id, "ec2.vpc");
//! assert_eq!(VPCS.item, ItemClass::Resource);
//! assert!(VPCS.is_in(StandardFeature::Cspm));
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::feature::StandardFeature;

/// Whether a kind is listed once per region or once per account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KindScope {
    /// Listed in every selected region.
    Regional,
    /// Listed once for the account (IAM users, the bucket list, …).
    Global,
}

/// What a kind's listing yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemClass {
    /// [`Host`](crate::Host)s.
    Host,
    /// [`CloudResource`](crate::CloudResource)s.
    Resource,
    /// Nothing to inventory: the kind exists for its permissions only (a capability such as
    /// audit-log intake).
    None,
}

/// One kind of resource of one provider, declared once.
///
/// The `id` is the kind's stable name, used as the store key: `host` for the provider's
/// virtual machines, `"{service}.{resource_type}"` for cloud resources (so an item tells its
/// kind, see [`Item::kind_id`](crate::Item::kind_id)), and any other unique name for a kind
/// with no inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ResourceKind {
    /// The stable id (see the type's docs).
    pub id: &'static str,
    /// What the listing yields.
    pub item: ItemClass,
    /// The service of the listed resources (`ec2`, `cvm`, …).
    pub service: &'static str,
    /// The resource type inside the service (`vpc`, `instance`, …).
    pub resource_type: &'static str,
    /// Regional or global.
    pub scope: KindScope,
    /// The standard features this kind serves.
    pub features: &'static [StandardFeature],
    /// Every read action the listing calls, the main listing call first (verify probes it).
    pub list_actions: &'static [&'static str],
    /// Per-item calls that enrich an item (tags, a bucket's location). When refused, items
    /// are kept with the field marked unknown (see
    /// [`CloudResource::unknown`](crate::CloudResource::unknown)).
    pub enrich_actions: &'static [&'static str],
    /// Write actions a capability of this kind uses (e.g. creating a block rule).
    pub write_actions: &'static [&'static str],
    /// The managed policy (as the cloud's console names it) that grants every action above.
    pub grant: &'static str,
}

impl ResourceKind {
    /// A provider's hosts: id `host`, listed per region.
    pub const fn hosts(service: &'static str) -> Self {
        ResourceKind {
            id: "host",
            item: ItemClass::Host,
            service,
            resource_type: "instance",
            scope: KindScope::Regional,
            features: &[],
            list_actions: &[],
            enrich_actions: &[],
            write_actions: &[],
            grant: "",
        }
    }

    /// Cloud resources of `service`/`resource_type`. The id must be
    /// `"{service}.{resource_type}"`; it is passed whole because `const` code cannot join
    /// strings, and [`check_declarations`] verifies it.
    pub const fn resources(
        service: &'static str,
        resource_type: &'static str,
        scope: KindScope,
    ) -> Self {
        ResourceKind {
            id: "",
            item: ItemClass::Resource,
            service,
            resource_type,
            scope,
            features: &[],
            list_actions: &[],
            enrich_actions: &[],
            write_actions: &[],
            grant: "",
        }
    }

    /// A kind with no inventory (a capability's permissions only), named `id`.
    pub const fn capability(id: &'static str, service: &'static str, scope: KindScope) -> Self {
        ResourceKind {
            id,
            item: ItemClass::None,
            service,
            resource_type: "",
            scope,
            features: &[],
            list_actions: &[],
            enrich_actions: &[],
            write_actions: &[],
            grant: "",
        }
    }

    /// Sets the id (required for [`resources`](Self::resources)).
    pub const fn with_id(mut self, id: &'static str) -> Self {
        self.id = id;
        self
    }

    /// Sets the standard features this kind serves.
    pub const fn with_features(mut self, features: &'static [StandardFeature]) -> Self {
        self.features = features;
        self
    }

    /// Sets the read actions of the listing, main call first.
    pub const fn with_list_actions(mut self, actions: &'static [&'static str]) -> Self {
        self.list_actions = actions;
        self
    }

    /// Sets the per-item enrichment actions.
    pub const fn with_enrich_actions(mut self, actions: &'static [&'static str]) -> Self {
        self.enrich_actions = actions;
        self
    }

    /// Sets the write actions of the kind's capability.
    pub const fn with_write_actions(mut self, actions: &'static [&'static str]) -> Self {
        self.write_actions = actions;
        self
    }

    /// Sets the managed policy that grants the kind's actions.
    pub const fn with_grant(mut self, policy: &'static str) -> Self {
        self.grant = policy;
        self
    }

    /// Whether the kind serves `feature`.
    pub fn is_in(&self, feature: StandardFeature) -> bool {
        self.features.contains(&feature)
    }

    /// Whether the sync engine lists and stores this kind.
    pub fn has_inventory(&self) -> bool {
        self.item != ItemClass::None
    }

    /// The action verify probes for reading: the main listing call.
    pub fn probe_action(&self) -> Option<&'static str> {
        self.list_actions.first().copied()
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

/// Checks a provider's declaration table: ids unique and following the naming rule, every
/// inventory kind with a listing action and a grant. Provider crates call it in a test.
pub fn check_declarations(kinds: &[ResourceKind]) -> std::result::Result<(), String> {
    for (n, kind) in kinds.iter().enumerate() {
        if kinds[..n].iter().any(|k| k.id == kind.id) {
            return Err(format!("kind {} is declared twice", kind.id));
        }
        match kind.item {
            ItemClass::Host if kind.id != "host" => {
                return Err(format!("the host kind is named {}, not host", kind.id));
            }
            ItemClass::Resource => {
                let expected = format!("{}.{}", kind.service, kind.resource_type);
                if kind.id != expected {
                    return Err(format!("kind {} must be named {expected}", kind.id));
                }
            }
            _ => {}
        }
        if kind.id.is_empty() {
            return Err("a kind has no id".to_owned());
        }
        if kind.list_actions.is_empty() && kind.write_actions.is_empty() {
            return Err(format!("kind {} declares no action", kind.id));
        }
        if kind.has_inventory() && kind.list_actions.is_empty() {
            return Err(format!(
                "kind {} is inventoried but has no listing",
                kind.id
            ));
        }
        if kind.grant.is_empty() {
            return Err(format!("kind {} names no policy to grant", kind.id));
        }
        if kind.features.is_empty() {
            return Err(format!("kind {} serves no feature", kind.id));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTS: ResourceKind = ResourceKind::hosts("ec2")
        .with_features(&[StandardFeature::Host])
        .with_list_actions(&["ec2:DescribeInstances"])
        .with_grant("AmazonEC2ReadOnlyAccess");

    #[test]
    fn declarations_are_checked() {
        let vpc = ResourceKind::resources("ec2", "vpc", KindScope::Regional)
            .with_id("ec2.vpc")
            .with_features(&[StandardFeature::Cspm])
            .with_list_actions(&["ec2:DescribeVpcs"])
            .with_grant("AmazonVPCReadOnlyAccess");
        assert_eq!(check_declarations(&[HOSTS, vpc]), Ok(()));
        assert!(check_declarations(&[HOSTS, HOSTS])
            .unwrap_err()
            .contains("twice"));
        let misnamed = vpc.with_id("vpcs");
        assert!(check_declarations(&[misnamed])
            .unwrap_err()
            .contains("ec2.vpc"));
        let no_grant = vpc.with_grant("");
        assert!(check_declarations(&[no_grant])
            .unwrap_err()
            .contains("policy"));
        let no_listing = vpc.with_list_actions(&[]);
        assert!(check_declarations(&[no_listing]).is_err());
        let blocker = ResourceKind::capability("cfw.block", "cfw", KindScope::Regional)
            .with_features(&[StandardFeature::Response])
            .with_write_actions(&["cfw:CreateBlockIgnoreRuleList"])
            .with_grant("QcloudCFWFullAccess");
        assert_eq!(check_declarations(&[blocker]), Ok(()));
        assert!(!blocker.has_inventory());
        assert_eq!(HOSTS.probe_action(), Some("ec2:DescribeInstances"));
    }
}

//! One inventory item (a host or a cloud resource) and the key it is diffed by.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{CloudResource, Host};

/// What an item is identified by within one account: hosts by id, resources by service,
/// type and id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemKey {
    /// A host.
    Host {
        /// The instance id.
        id: String,
    },
    /// A cloud resource.
    Resource {
        /// The service (`s3`, `cbs`, …).
        service: String,
        /// The type inside the service.
        resource_type: String,
        /// The resource id.
        id: String,
    },
}

impl fmt::Display for ItemKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemKey::Host { id } => write!(f, "host/{id}"),
            ItemKey::Resource {
                service,
                resource_type,
                id,
            } => write!(f, "{service}/{resource_type}/{id}"),
        }
    }
}

/// One inventory item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "item", rename_all = "snake_case")]
pub enum Item {
    /// A host (Host feature).
    Host(Host),
    /// A cloud resource (Cspm feature).
    Resource(CloudResource),
}

impl Item {
    /// The key this item is diffed and stored by.
    pub fn key(&self) -> ItemKey {
        match self {
            Item::Host(h) => ItemKey::Host { id: h.id.clone() },
            Item::Resource(r) => ItemKey::Resource {
                service: r.service.clone(),
                resource_type: r.resource_type.clone(),
                id: r.id.clone(),
            },
        }
    }

    /// The host, when this is one.
    pub fn as_host(&self) -> Option<&Host> {
        match self {
            Item::Host(h) => Some(h),
            Item::Resource(_) => None,
        }
    }

    /// The resource, when this is one.
    pub fn as_resource(&self) -> Option<&CloudResource> {
        match self {
            Item::Resource(r) => Some(r),
            Item::Host(_) => None,
        }
    }

    /// The id of the [resource kind](crate::ResourceKind) this item belongs to: `host`, or
    /// `"{service}.{resource_type}"`.
    pub fn kind_id(&self) -> Cow<'static, str> {
        match self {
            Item::Host(_) => Cow::Borrowed("host"),
            Item::Resource(r) => Cow::Owned(format!("{}.{}", r.service, r.resource_type)),
        }
    }

    /// The item's name, when it has one.
    pub fn name(&self) -> Option<&str> {
        match self {
            Item::Host(h) => h.name.as_deref(),
            Item::Resource(r) => r.name.as_deref(),
        }
    }
}

impl From<Host> for Item {
    fn from(h: Host) -> Self {
        Item::Host(h)
    }
}

impl From<CloudResource> for Item {
    fn from(r: CloudResource) -> Self {
        Item::Resource(r)
    }
}

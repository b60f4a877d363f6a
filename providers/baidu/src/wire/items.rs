//! Typed views of BCE documents and items (field names from the BCE API docs; providers.md
//! §4.b–4.d). Only the fields the shared model needs are typed; the raw item is kept.

use serde::Deserialize;

/// A BCE tag.
#[derive(Debug, Deserialize)]
pub(crate) struct Tag {
    #[serde(rename = "tagKey", default)]
    pub(crate) key: String,
    #[serde(rename = "tagValue", default)]
    pub(crate) value: Option<String>,
}

/// `describeRegions`' answer.
#[derive(Debug, Deserialize)]
pub(crate) struct RegionList {
    /// Required: a document without it is not this answer.
    pub(crate) regions: Vec<Region>,
}

/// One region.
#[derive(Debug, Deserialize)]
pub(crate) struct Region {
    #[serde(rename = "regionId")]
    pub(crate) id: String,
    #[serde(rename = "regionName", default)]
    pub(crate) name: Option<String>,
}

/// The fields of a BCC instance the host model uses.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Instance {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) spec: Option<String>,
    pub(crate) instance_type: Option<String>,
    pub(crate) zone_name: Option<String>,
    pub(crate) internal_ip: Option<String>,
    pub(crate) public_ip: Option<String>,
    pub(crate) ipv6: Option<String>,
    pub(crate) os_name: Option<String>,
    pub(crate) os_version: Option<String>,
    pub(crate) image_name: Option<String>,
    pub(crate) vpc_id: Option<String>,
    pub(crate) create_time: Option<String>,
}

/// BOS `ListBuckets`' answer.
#[derive(Debug, Deserialize)]
pub(crate) struct BucketList {
    /// The account that owns the buckets.
    #[serde(default)]
    pub(crate) owner: Option<Owner>,
    /// Required (`null` is refused).
    pub(crate) buckets: Vec<serde_json::Value>,
}

/// A bucket owner: the account.
#[derive(Debug, Deserialize)]
pub(crate) struct Owner {
    #[serde(default)]
    pub(crate) id: String,
    #[serde(rename = "displayName", default)]
    pub(crate) display_name: Option<String>,
}

/// The fields of a bucket the resource model uses.
#[derive(Debug, Deserialize)]
pub(crate) struct Bucket {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) location: Option<String>,
}

/// IAM `ListUser`'s answer.
#[derive(Debug, Deserialize)]
pub(crate) struct UserList {
    /// Required (`null` is refused).
    pub(crate) users: Vec<serde_json::Value>,
}

/// The fields of an IAM user the resource model uses.
#[derive(Debug, Deserialize)]
pub(crate) struct User {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) name: Option<String>,
}

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

/// IAM `ListUser`'s answer.
#[derive(Debug, Deserialize)]
pub(crate) struct UserList {
    /// Required (`null` is refused).
    pub(crate) users: Vec<serde_json::Value>,
}

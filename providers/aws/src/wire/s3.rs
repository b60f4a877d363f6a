//! S3 shapes (`rest-xml`): `ListBuckets` and `GetBucketLocation`.

use serde::Deserialize;
use serde_json::Value;

use super::{decode, into_object, take_list};
use multicloud_core::Result;

/// `ListAllMyBucketsResult` (the `Buckets` are moved out by [`list_buckets`]).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ListBuckets {
    pub(crate) continuation_token: Option<String>,
}

/// One `ListBuckets` page: its own fields and the raw `Bucket` items, moved out of `doc`.
pub(crate) fn list_buckets(doc: Value) -> Result<(ListBuckets, Vec<Value>)> {
    const WHAT: &str = "ListBuckets";
    let page: ListBuckets = decode(&doc, WHAT)?;
    let buckets = take_list(&mut into_object(doc, WHAT)?, "Buckets", WHAT)?;
    Ok((page, buckets))
}

/// `Bucket`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Bucket {
    pub(crate) name: String,
    pub(crate) bucket_region: Option<String>,
}

/// The region a `GetBucketLocation` `LocationConstraint` names: empty means us-east-1 and the
/// legacy `EU` means eu-west-1 (S3 API reference, GetBucketLocation).
pub(crate) fn location_to_region(constraint: &str) -> String {
    match constraint.trim() {
        "" => "us-east-1".to_owned(),
        "EU" => "eu-west-1".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::xml::{parse, S3_LISTS};

    #[test]
    fn list_buckets_decodes_names_regions_and_token() {
        let xml = br#"<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Owner><ID>abc</ID><DisplayName>me</DisplayName></Owner>
  <Buckets><Bucket><Name>logs</Name><CreationDate>2024-01-01T00:00:00.000Z</CreationDate><BucketRegion>eu-west-1</BucketRegion></Bucket></Buckets>
  <ContinuationToken>next</ContinuationToken>
</ListAllMyBucketsResult>"#;
        let (root, doc) = parse(xml, S3_LISTS).unwrap();
        assert_eq!(root, "ListAllMyBucketsResult");
        let (out, buckets) = list_buckets(doc).unwrap();
        assert_eq!(out.continuation_token.as_deref(), Some("next"));
        let b: Bucket = decode(&buckets[0], "bucket").unwrap();
        assert_eq!(b.name, "logs");
        assert_eq!(b.bucket_region.as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn location_constraint_special_values() {
        assert_eq!(location_to_region(""), "us-east-1");
        assert_eq!(location_to_region("EU"), "eu-west-1");
        assert_eq!(location_to_region("ap-south-1"), "ap-south-1");
    }
}

//! Query-protocol shapes (STS, IAM, RDS, ELBv2): the payload sits in `<{Action}Result>`, names
//! are UpperCamelCase, lists are `member` (RDS: the member shape's name).

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::{decode, into_object, list, take_list, QueryTag};
use multicloud_core::{Error, Result};

/// The `<{action}Result>` element of a query-protocol response document.
pub(crate) fn result<'a>(doc: &'a Value, action: &str) -> Result<&'a Value> {
    let key = format!("{action}Result");
    match doc.get(&key) {
        Some(v) => Ok(v),
        None => Err(Error::decode(format!(
            "{action} response has no <{key}> element"
        ))),
    }
}

/// One page of a query-protocol listing: the page's own fields (`T`, decoded from the
/// `<{action}Result>`) and the raw items under `items`, moved out of the document.
pub(crate) fn listing<T: DeserializeOwned>(
    doc: Value,
    action: &str,
    items: &str,
) -> Result<(T, Vec<Value>)> {
    let page: T = decode_result(&doc, action)?;
    let key = format!("{action}Result");
    let result = into_object(doc, action)?.remove(&key).unwrap_or_default();
    let items = take_list(&mut into_object(result, action)?, items, action)?;
    Ok((page, items))
}

/// STS `GetCallerIdentity` result.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CallerIdentity {
    pub(crate) account: String,
    pub(crate) arn: String,
}

/// IAM `ListUsers` result (the `Users` themselves are moved out by [`listing`]).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ListUsers {
    pub(crate) is_truncated: Option<String>,
    pub(crate) marker: Option<String>,
}

/// IAM `User` (as listed: `ListUsers` does not return tags, but the shape allows them).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct User {
    pub(crate) user_name: String,
    pub(crate) user_id: String,
    #[serde(deserialize_with = "list", default)]
    pub(crate) tags: Vec<QueryTag>,
}

/// RDS `DescribeDBInstances` result (the `DBInstances` are moved out by [`listing`]).
#[derive(Debug, Deserialize)]
pub(crate) struct DescribeDbInstances {
    #[serde(rename = "Marker")]
    pub(crate) marker: Option<String>,
}

/// RDS `DBInstance`.
#[derive(Debug, Deserialize)]
pub(crate) struct DbInstance {
    #[serde(rename = "DBInstanceIdentifier")]
    pub(crate) identifier: String,
    #[serde(rename = "TagList", deserialize_with = "list", default)]
    pub(crate) tags: Vec<QueryTag>,
}

/// ELBv2 `DescribeLoadBalancers` result (the `LoadBalancers` are moved out by [`listing`]).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DescribeLoadBalancers {
    pub(crate) next_marker: Option<String>,
}

/// ELBv2 `LoadBalancer`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LoadBalancer {
    pub(crate) load_balancer_arn: String,
    pub(crate) load_balancer_name: Option<String>,
}

/// ELBv2 `DescribeTags` result.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DescribeTags {
    #[serde(deserialize_with = "list", default)]
    pub(crate) tag_descriptions: Vec<TagDescription>,
}

/// One resource's tags in ELBv2 `DescribeTags`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TagDescription {
    pub(crate) resource_arn: String,
    #[serde(deserialize_with = "list", default)]
    pub(crate) tags: Vec<QueryTag>,
}

/// Decodes the `<{action}Result>` of `doc` as `T`.
pub(crate) fn decode_result<T: DeserializeOwned>(doc: &Value, action: &str) -> Result<T> {
    decode(result(doc, action)?, action)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::xml::{parse, QUERY_LISTS, RDS_LISTS};

    #[test]
    fn caller_identity_decodes_from_the_documented_shape() {
        let xml = br#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/secops</Arn>
    <UserId>AIDAEXAMPLEUSERID</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>0d1f</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;
        let (_, doc) = parse(xml, QUERY_LISTS).unwrap();
        let id: CallerIdentity = decode_result(&doc, "GetCallerIdentity").unwrap();
        assert_eq!(id.account, "123456789012");
        assert_eq!(id.arn, "arn:aws:iam::123456789012:user/secops");
        let err = decode_result::<CallerIdentity>(&doc, "ListUsers").unwrap_err();
        assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode);
    }

    #[test]
    fn rds_instances_and_tags_decode_with_rds_member_names() {
        let xml = br#"<DescribeDBInstancesResponse><DescribeDBInstancesResult>
  <DBInstances><DBInstance><DBInstanceIdentifier>db-1</DBInstanceIdentifier>
    <TagList><Tag><Key>env</Key><Value>prod</Value></Tag></TagList></DBInstance></DBInstances>
  <Marker>m2</Marker>
</DescribeDBInstancesResult></DescribeDBInstancesResponse>"#;
        let (_, doc) = parse(xml, RDS_LISTS).unwrap();
        let (out, items): (DescribeDbInstances, _) =
            listing(doc, "DescribeDBInstances", "DBInstances").unwrap();
        assert_eq!(out.marker.as_deref(), Some("m2"));
        let db: DbInstance = decode(&items[0], "db").unwrap();
        assert_eq!(db.identifier, "db-1");
        assert_eq!(db.tags[0].key, "env");
    }
}

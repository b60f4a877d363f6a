//! Typed views of the answers this crate reads field by field.

use serde::Deserialize;
use serde_json::Value;

/// `sts:GetCallerIdentity`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CallerIdentity {
    pub(crate) arn: String,
    pub(crate) account_id: String,
    #[serde(default)]
    pub(crate) user_id: String,
    #[serde(default)]
    pub(crate) principal_id: String,
    #[serde(default, rename = "Type")]
    pub(crate) kind: String,
}

/// `cam:GetUserAppId`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UserAppId {
    #[serde(deserialize_with = "string_or_number")]
    pub(crate) uin: String,
    #[serde(deserialize_with = "string_or_number")]
    pub(crate) owner_uin: String,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a string or number, got {other}"
        ))),
    }
}

/// One entry of `region:DescribeRegions`' `RegionSet`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RegionInfo {
    pub(crate) region: String,
    #[serde(default)]
    pub(crate) region_name: Option<String>,
    #[serde(default)]
    pub(crate) region_state: Option<String>,
}

/// `region:DescribeRegions`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RegionList {
    /// Required (checked with [`required`](super::required)): `None` means absent or null.
    #[serde(default)]
    pub(crate) region_set: Option<Vec<RegionInfo>>,
}

/// The fields of a CVM `InstanceSet` item this SDK normalizes.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct CvmInstance {
    pub(crate) instance_id: String,
    pub(crate) instance_name: Option<String>,
    pub(crate) instance_state: Option<String>,
    pub(crate) instance_type: Option<String>,
    pub(crate) private_ip_addresses: Option<Vec<String>>,
    pub(crate) public_ip_addresses: Option<Vec<String>>,
    pub(crate) os_name: Option<String>,
    pub(crate) virtual_private_cloud: Option<CvmVpc>,
    pub(crate) placement: Option<CvmPlacement>,
    pub(crate) created_time: Option<String>,
}

/// `VirtualPrivateCloud` of a CVM instance.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct CvmVpc {
    pub(crate) vpc_id: Option<String>,
}

/// `Placement` of a CVM instance.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub(crate) struct CvmPlacement {
    pub(crate) zone: Option<String>,
}

/// `tag:GetResources`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TagResources {
    #[serde(default)]
    pub(crate) pagination_token: Option<String>,
    /// Required (checked with [`required`](super::required)): `None` means absent or null.
    #[serde(default)]
    pub(crate) resource_tag_mapping_list: Option<Vec<Value>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::read_response;
    #[test]
    fn caller_identity_and_app_id_parse_documented_samples() {
        let resp = read_response(
            "sts:GetCallerIdentity",
            200,
            br#"{"Response":{"Type":"CAMUser","AccountId":"1000262001","UserId":"1000261002","PrincipalId":"1000261002","Arn":"qcs::cam:1000262001:uin/1000261002","RequestId":"1c87"}}"#,
        )
        .unwrap();
        let id: CallerIdentity = resp.parse("sts:GetCallerIdentity").unwrap();
        assert_eq!(id.account_id, "1000262001");
        assert_eq!(id.kind, "CAMUser");
        let app = read_response(
            "cam:GetUserAppId",
            200,
            br#"{"Response":{"Uin":"12345678","OwnerUin":12345678,"AppId":1250000000,"RequestId":"6fd8"}}"#,
        )
        .unwrap();
        let app: UserAppId = app.parse("cam:GetUserAppId").unwrap();
        assert_eq!(app.owner_uin, "12345678");
    }
}

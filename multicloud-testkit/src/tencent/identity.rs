//! Identity and regions: STS `GetCallerIdentity`, CAM `GetUserAppId` and `ListUsers`,
//! region `DescribeRegions` (2022-06-27, `Product` required).

use serde_json::{json, Value};

use crate::render::local_datetime;

use super::errors::{self, TcError};
use super::profile::APP_ID;
use super::route::string;
use super::Call;

/// Products `DescribeRegions` answers for.
const PRODUCTS: &[&str] = &[
    "cvm", "cbs", "clb", "vpc", "cdb", "redis", "cfw", "waf", "tag", "cos", "cam",
];

/// STS `GetCallerIdentity`: the owner account, the sub-account and its ARN.
pub(crate) fn get_caller_identity(call: &Call<'_>) -> Result<Value, TcError> {
    let k = call.key;
    Ok(json!({
        "Arn": format!("qcs::cam::uin/{}:uin/{}", k.account_id, k.user_id),
        "AccountId": k.account_id,
        "UserId": k.user_id,
        "PrincipalId": k.user_id,
        "Type": "CAMUser",
    }))
}

/// CAM `GetUserAppId`.
pub(crate) fn get_user_app_id(call: &Call<'_>) -> Result<Value, TcError> {
    Ok(json!({"Uin": call.key.user_id, "OwnerUin": call.key.account_id, "AppId": APP_ID}))
}

/// CAM `ListUsers` (no paging): every sub-account.
pub(crate) fn list_users(call: &Call<'_>) -> Result<Value, TcError> {
    let users: Vec<Value> = call
        .ctx
        .inventory
        .resources_of("cam", "user")
        .iter()
        .enumerate()
        .map(|(i, u)| {
            json!({
                "Uin": u.id.parse::<u64>().unwrap_or(0),
                "Name": u.name,
                "Uid": 11_000_000 + i as u64,
                "Remark": "",
                "ConsoleLogin": 1,
                "PhoneNum": "",
                "CountryCode": "86",
                "Email": "",
                "CreateTime": local_datetime(u.created_at, 8),
                "NickName": u.name,
            })
        })
        .collect();
    Ok(json!({"Data": users}))
}

/// region `DescribeRegions`.
pub(crate) fn describe_regions(call: &Call<'_>) -> Result<Value, TcError> {
    let product = string(&call.params, "Product").ok_or_else(|| errors::missing("Product"))?;
    if !PRODUCTS.contains(&product) {
        return Err(errors::invalid_value(format!(
            "The product `{product}` is not supported."
        )));
    }
    let set: Vec<Value> = call
        .ctx
        .inventory
        .regions
        .iter()
        .map(|r| {
            json!({
                "Region": r.id,
                "RegionName": r.name,
                "RegionState": if r.opted_in { "AVAILABLE" } else { "UNAVAILABLE" },
            })
        })
        .collect();
    Ok(json!({"TotalCount": set.len(), "RegionSet": set}))
}

//! Resource pools from ECS `list-regions`: pools the API can drive are
//! [`RegionStatus::Enabled`]; those marked `openapiAvailable: false` are listed as
//! [`RegionStatus::Unavailable`] and never scanned.

use multicloud_core::{Region, RegionStatus, Result};

use crate::client::{Api, ApiCall, Client, Verb};
use crate::wire::items::{RegionItem, RegionList};
use crate::wire::required;

/// ctecs `GET /v4/region/list-regions`: also the identity call.
pub(crate) const LIST_REGIONS: Api = Api {
    action: "region:ListRegions",
    endpoint: "ctecs",
    method: Verb::Get,
    path: "/v4/region/list-regions",
};

/// Every resource pool of the account, in the order listed.
pub(crate) async fn list(client: &Client) -> Result<Vec<Region>> {
    let list: RegionList = client.send(&ApiCall::new(LIST_REGIONS), None).await?;
    let pools = required(LIST_REGIONS.action, "regionList", None, list.region_list)?;
    Ok(pools.into_iter().map(pool).collect())
}

/// One pool as a [`Region`]. Only a pool marked `openapiAvailable: false` is left out: a
/// listing without the field says nothing against the pool.
fn pool(p: RegionItem) -> Region {
    let status = if p.openapi_available == Some(false) {
        RegionStatus::Unavailable
    } else {
        RegionStatus::Enabled
    };
    Region::new(p.region_id, status).with_name(p.region_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pools_marked_unavailable_are_left_out() {
        let list: RegionList = serde_json::from_value(serde_json::json!({"regionList": [
            {"regionID": "a", "regionName": "华东1", "openapiAvailable": true},
            {"regionID": "b", "regionName": "内蒙6", "openapiAvailable": false},
            {"regionID": "c"}
        ]}))
        .unwrap();
        let statuses: Vec<_> = list
            .region_list
            .unwrap()
            .into_iter()
            .map(|p| pool(p).status)
            .collect();
        assert_eq!(
            statuses,
            [
                RegionStatus::Enabled,
                RegionStatus::Unavailable,
                RegionStatus::Enabled
            ]
        );
    }
}

//! Resource pools from ECS `list-regions`: pools the API can drive are
//! [`RegionStatus::Enabled`]; the others (no `openapiAvailable`) are listed as
//! [`RegionStatus::Unavailable`] and never scanned.

use multicloud_core::{Region, RegionStatus, Result};

use crate::client::{Api, ApiCall, Client, Verb};
use crate::wire::items::RegionList;
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
    Ok(pools
        .into_iter()
        .map(|p| {
            let status = if p.openapi_available == Some(true) {
                RegionStatus::Enabled
            } else {
                RegionStatus::Unavailable
            };
            Region::new(p.region_id, status).with_name(p.region_name)
        })
        .collect())
}

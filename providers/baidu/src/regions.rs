//! Regions from BCC `describeRegions` (`POST /v2/region/describeRegions` on the region-less
//! `bcc.baidubce.com`): every region the account can use. BCE has no opt-in, so each listed
//! region is enabled.

use multicloud_core::{Region, Result};

use crate::api::DESCRIBE_REGIONS;
use crate::client::Client;
use crate::endpoints;
use crate::wire::{self, RegionList};

/// The body of `describeRegions`: every region (an empty object; `region` would filter).
const ALL_REGIONS: &str = "{}";

/// The account's regions.
pub(crate) async fn list(client: &Client) -> Result<Vec<Region>> {
    let body = client
        .call(&DESCRIBE_REGIONS, None, &[], Some(ALL_REGIONS))
        .await?;
    let doc: RegionList = wire::parse(DESCRIBE_REGIONS.name, None, &body)?;
    doc.regions
        .into_iter()
        .map(|r| {
            if !endpoints::is_valid_region(&r.id) {
                return Err(wire::decode_error(
                    DESCRIBE_REGIONS.name,
                    None,
                    &format!("region id {:?} cannot be part of a host name", r.id),
                ));
            }
            Ok(Region::enabled(r.id).with_name(r.name.filter(|n| !n.is_empty())))
        })
        .collect()
}

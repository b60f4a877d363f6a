//! Regions from the Region service (`region:DescribeRegions` 2022-06-27, `Product=cvm`).
//!
//! CVM's own `DescribeRegions` (2017-03-12) is documented as no longer updated, so regions
//! opened since then would never be scanned; the Region service is the maintained list.

use multicloud_core::{Region, RegionStatus, Result};
use serde_json::json;

use crate::api::REGION_DESCRIBE_REGIONS;
use crate::client::Client;
use crate::wire::{self, ApiResponse, RegionList};

/// The regions where CVM is offered, as the account sees them.
pub(crate) async fn list(client: &Client) -> Result<Vec<Region>> {
    let resp = client
        .call(REGION_DESCRIBE_REGIONS, None, &json!({"Product": "cvm"}))
        .await?;
    from_response(&resp)
}

fn from_response(resp: &ApiResponse) -> Result<Vec<Region>> {
    let list: RegionList = resp.parse(REGION_DESCRIBE_REGIONS.action)?;
    let set = wire::required(
        list.region_set,
        resp,
        REGION_DESCRIBE_REGIONS.action,
        "RegionSet",
    )?;
    let mut regions: Vec<Region> = set
        .into_iter()
        .filter(|r| !r.region.is_empty())
        .map(|r| {
            let status = match r.region_state.as_deref() {
                // Absent state: the service lists only what it offers.
                Some("AVAILABLE") | None => RegionStatus::Enabled,
                Some(_) => RegionStatus::Unavailable,
            };
            Region::new(r.region, status).with_name(r.region_name.filter(|n| !n.is_empty()))
        })
        .collect();
    regions.sort_by(|a, b| a.id.cmp(&b.id));
    regions.dedup_by(|a, b| a.id == b.id);
    Ok(regions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::read_response;

    #[test]
    fn the_documented_sample_maps_to_enabled_regions_with_names() {
        let body = r#"{"Response":{"TotalCount":3,"RequestId":"2b41","RegionSet":[
            {"RegionIdMC":null,"LocationMC":null,"RegionState":"AVAILABLE","RegionNameMC":null,"Region":"ap-guangzhou","RegionTypeMC":null,"RegionName":"华南地区(广州)"},
            {"Region":"ap-shanghai","RegionName":"华东地区(上海)","RegionState":"AVAILABLE"},
            {"Region":"ap-closed","RegionName":"old","RegionState":"UNAVAILABLE"}]}}"#;
        let resp = read_response("region:DescribeRegions", 200, body.as_bytes()).unwrap();
        let regions = from_response(&resp).unwrap();
        assert_eq!(regions.len(), 3);
        assert_eq!(regions[1].id, "ap-guangzhou");
        assert_eq!(regions[1].name.as_deref(), Some("华南地区(广州)"));
        assert_eq!(regions[1].status, RegionStatus::Enabled);
        assert_eq!(regions[0].id, "ap-closed");
        assert_eq!(regions[0].status, RegionStatus::Unavailable);
    }

    #[test]
    fn a_missing_or_null_region_set_is_a_decode_error_not_zero_regions() {
        for body in [
            r#"{"Response":{"TotalCount":0,"RequestId":"rr"}}"#,
            r#"{"Response":{"RegionSet":null,"RequestId":"rr"}}"#,
        ] {
            let resp = read_response("region:DescribeRegions", 200, body.as_bytes()).unwrap();
            let err = from_response(&resp).unwrap_err();
            assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode);
            assert_eq!(err.request_id(), Some("rr"));
            assert!(err.to_string().contains("RegionSet"), "{err}");
        }
        let resp = read_response(
            "region:DescribeRegions",
            200,
            br#"{"Response":{"RegionSet":[],"RequestId":"rr"}}"#,
        )
        .unwrap();
        assert!(from_response(&resp).unwrap().is_empty());
    }
}

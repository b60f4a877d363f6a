//! Regions: EC2 `DescribeRegions` with `AllRegions=true`, so regions the account has not
//! opted in to are listed (and reported) too.

use multicloud_core::{Region, RegionStatus, Result};

use crate::client::{AwsClient, Params};
use crate::endpoints::{Partition, Service};
use crate::wire::decode;
use crate::wire::ec2::{DescribeRegions, RegionInfo};
use crate::wire::xml::EC2_LISTS;

/// Every region of the partition, with its opt-in status.
pub(crate) async fn list(client: &AwsClient) -> Result<Vec<Region>> {
    let home = client.resolver().partition().home_region();
    let endpoint = client.resolver().regional(Service::Ec2, home)?;
    let params = Params::new().with("AllRegions", "true");
    let out = client
        .query(&endpoint, "DescribeRegions", &params, EC2_LISTS)
        .await?;
    let regions: DescribeRegions = decode(&out.doc, "DescribeRegions")?;
    let partition = client.resolver().partition();
    let mut list: Vec<Region> = regions
        .regions
        .into_iter()
        .map(|info| in_partition(region_from(info), partition))
        .collect();
    list.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(list)
}

/// `opt-in-not-required` and `opted-in` are usable; `not-opted-in` is reported, never
/// scanned. No status at all (older API versions, aws-cn, compatible endpoints) means the
/// region is usable.
fn region_from(info: RegionInfo) -> Region {
    let status = match info.opt_in_status.as_deref().map(str::trim) {
        Some("not-opted-in") => RegionStatus::NotOptedIn,
        _ => RegionStatus::Enabled,
    };
    Region::new(info.region_name, status)
}

/// Real AWS lists only its own partition's regions, but compatible endpoints (emulators,
/// proxies) may list every partition's: a region of another partition cannot be reached with
/// this key, so it is reported as unavailable rather than scanned.
fn in_partition(mut region: Region, partition: Partition) -> Region {
    if !partition.contains_region(&region.id) {
        region.status = RegionStatus::Unavailable;
    }
    region
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::xml::parse;

    #[test]
    fn opt_in_status_decides_what_is_scanned() {
        let xml = br#"<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <regionInfo>
    <item><regionName>ap-east-1</regionName><regionEndpoint>ec2.ap-east-1.amazonaws.com</regionEndpoint><optInStatus>not-opted-in</optInStatus></item>
    <item><regionName>us-east-1</regionName><regionEndpoint>ec2.us-east-1.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>
    <item><regionName>af-south-1</regionName><optInStatus>opted-in</optInStatus></item>
    <item><regionName>cn-north-1</regionName></item>
  </regionInfo>
</DescribeRegionsResponse>"#;
        let (_, doc) = parse(xml, EC2_LISTS).unwrap();
        let out: DescribeRegions = decode(&doc, "DescribeRegions").unwrap();
        let regions: Vec<Region> = out.regions.into_iter().map(region_from).collect();
        let status = |id: &str| regions.iter().find(|r| r.id == id).unwrap().status;
        assert_eq!(status("ap-east-1"), RegionStatus::NotOptedIn);
        assert_eq!(status("us-east-1"), RegionStatus::Enabled);
        assert_eq!(status("af-south-1"), RegionStatus::Enabled);
        assert_eq!(status("cn-north-1"), RegionStatus::Enabled);
    }

    #[test]
    fn regions_of_another_partition_are_unavailable() {
        let check = |id: &str, partition| in_partition(Region::enabled(id), partition).status;
        assert_eq!(
            check("cn-north-1", Partition::Aws),
            RegionStatus::Unavailable
        );
        assert_eq!(
            check("us-gov-west-1", Partition::Aws),
            RegionStatus::Unavailable
        );
        assert_eq!(check("us-east-1", Partition::Aws), RegionStatus::Enabled);
        assert_eq!(check("il-central-1", Partition::Aws), RegionStatus::Enabled);
        assert_eq!(
            check("cn-northwest-1", Partition::AwsCn),
            RegionStatus::Enabled
        );
        assert_eq!(
            check("us-east-1", Partition::AwsCn),
            RegionStatus::Unavailable
        );
    }
}

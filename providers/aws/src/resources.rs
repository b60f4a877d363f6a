//! Cloud products for CSPM, as [`CloudResource`]s: per region VPCs, security groups, EBS
//! volumes and snapshots (EC2), RDS DB instances and ELBv2 load balancers; account-wide S3
//! buckets (each with its region) and IAM users.
//!
//! Each product is its own lazily paged listing. A failed listing yields its error and
//! ends, and the next product is still listed, so one denied service never hides the others.

use futures::stream::{self, BoxStream, StreamExt};
use serde_json::Value;

use multicloud_core::{paginate, CloudResource, Page, Result, Tags};

use crate::client::{AwsClient, Params};
use crate::endpoints::Service;
use crate::wire::ec2::{self as ec2_wire, TaggedResource};
use crate::wire::query::{self as query_wire, DbInstance, LoadBalancer, User};
use crate::wire::s3::{self as s3_wire, Bucket};
use crate::wire::xml::{EC2_LISTS, QUERY_LISTS, RDS_LISTS, S3_LISTS};
use crate::wire::{decode, ec2_tags, non_empty, query_tags};

/// One page's items, each typed and raw, and the page's continuation token.
type Listed<T> = (Vec<(T, Value)>, Option<String>);

/// The `region` of resources that belong to no region.
pub(crate) const GLOBAL: &str = "global";

/// One EC2 `Describe*` listing.
#[derive(Debug, Clone, Copy)]
struct Ec2Listing {
    action: &'static str,
    list_key: &'static str,
    resource_type: &'static str,
    /// Fixed parameters: snapshots are limited to the account's own (`Owner.1=self`), the
    /// public and shared ones are not its inventory.
    params: &'static [(&'static str, &'static str)],
}

const VPCS: Ec2Listing = Ec2Listing {
    action: "DescribeVpcs",
    list_key: "vpcSet",
    resource_type: "vpc",
    params: &[],
};
const SECURITY_GROUPS: Ec2Listing = Ec2Listing {
    action: "DescribeSecurityGroups",
    list_key: "securityGroupInfo",
    resource_type: "security_group",
    params: &[],
};
const VOLUMES: Ec2Listing = Ec2Listing {
    action: "DescribeVolumes",
    list_key: "volumeSet",
    resource_type: "volume",
    params: &[],
};
const SNAPSHOTS: Ec2Listing = Ec2Listing {
    action: "DescribeSnapshots",
    list_key: "snapshotSet",
    resource_type: "snapshot",
    params: &[("Owner.1", "self")],
};

/// Every regional product of `region`.
pub(crate) fn regional(
    client: AwsClient,
    region: String,
) -> BoxStream<'static, Result<CloudResource>> {
    let listings = vec![
        ec2(client.clone(), region.clone(), VPCS),
        ec2(client.clone(), region.clone(), SECURITY_GROUPS),
        ec2(client.clone(), region.clone(), VOLUMES),
        ec2(client.clone(), region.clone(), SNAPSHOTS),
        rds(client.clone(), region.clone()),
        load_balancers(client, region),
    ];
    stream::iter(listings).flatten().boxed()
}

/// The agentless-scan inventory of `region`: EBS volumes and the account's snapshots.
pub(crate) fn agentless(
    client: AwsClient,
    region: String,
) -> BoxStream<'static, Result<CloudResource>> {
    let listings = vec![
        ec2(client.clone(), region.clone(), VOLUMES),
        ec2(client, region, SNAPSHOTS),
    ];
    stream::iter(listings).flatten().boxed()
}

/// The account-wide products: S3 buckets and IAM users.
pub(crate) fn global(client: AwsClient) -> BoxStream<'static, Result<CloudResource>> {
    stream::iter(vec![buckets(client.clone()), users(client)])
        .flatten()
        .boxed()
}

fn ec2(
    client: AwsClient,
    region: String,
    listing: Ec2Listing,
) -> BoxStream<'static, Result<CloudResource>> {
    paginate(move |token: Option<String>| {
        let client = client.clone();
        let region = region.clone();
        async move {
            let endpoint = client.resolver().regional(Service::Ec2, &region)?;
            let mut params = Params::new();
            for (name, value) in listing.params {
                params = params.with(*name, *value);
            }
            let params = params
                .with("MaxResults", client.page_size(5, 1000).to_string())
                .with_opt("NextToken", token);
            let out = client
                .query(&endpoint, listing.action, &params, EC2_LISTS)
                .await?;
            let (resources, next) = ec2_page(out.doc, &region, listing)?;
            Ok(Page::new(resources, next))
        }
    })
}

/// The resources of one EC2 `Describe*` document, and its continuation token.
fn ec2_page(
    doc: Value,
    region: &str,
    listing: Ec2Listing,
) -> Result<(Vec<CloudResource>, Option<String>)> {
    let (items, next) = ec2_wire::page(doc, listing.list_key)?;
    let resources = items
        .into_iter()
        .map(|raw| ec2_resource(raw, region, listing.resource_type))
        .collect::<Result<Vec<_>>>()?;
    Ok((resources, next))
}

fn ec2_resource(raw: Value, region: &str, resource_type: &str) -> Result<CloudResource> {
    // The typed view borrows from `raw`, so it is used up before `raw` moves on.
    let (id, name, tags) = {
        let r: TaggedResource<'_> = decode(&raw, resource_type)?;
        let tags = ec2_tags(&r.tag_set);
        let id = match resource_type {
            "vpc" => r.vpc_id,
            "security_group" => r.group_id,
            "volume" => r.volume_id,
            _ => r.snapshot_id,
        };
        let id = id.ok_or_else(|| {
            multicloud_core::Error::decode(format!("an EC2 {resource_type} item has no id"))
        })?;
        // Security groups have a real name; the rest are named by their `Name` tag, as in
        // the console.
        let name =
            non_empty(r.group_name).or_else(|| tags.get("Name").filter(|n| !n.is_empty()).cloned());
        (id.to_owned(), name, tags)
    };
    Ok(resource("ec2", resource_type, id, name, region, tags, raw))
}

fn rds(client: AwsClient, region: String) -> BoxStream<'static, Result<CloudResource>> {
    paginate(move |marker: Option<String>| {
        let client = client.clone();
        let region = region.clone();
        async move {
            let endpoint = client.resolver().regional(Service::Rds, &region)?;
            let params = Params::new()
                .with("MaxRecords", client.page_size(20, 100).to_string())
                .with_opt("Marker", marker);
            let out = client
                .query(&endpoint, "DescribeDBInstances", &params, RDS_LISTS)
                .await?;
            let (resources, next) = rds_page(out.doc, &region)?;
            Ok(Page::new(resources, next))
        }
    })
}

/// The DB instances of one `DescribeDBInstances` document, and its marker.
fn rds_page(doc: Value, region: &str) -> Result<(Vec<CloudResource>, Option<String>)> {
    let (page, items): (query_wire::DescribeDbInstances, _) =
        query_wire::listing(doc, "DescribeDBInstances", "DBInstances")?;
    let mut resources = Vec::with_capacity(items.len());
    for raw in items {
        let db: DbInstance = decode(&raw, "DBInstance")?;
        let tags = query_tags(&db.tags);
        let id = db.identifier;
        resources.push(resource(
            "rds",
            "db_instance",
            id.clone(),
            Some(id),
            region,
            tags,
            raw,
        ));
    }
    Ok((resources, page.marker))
}

/// ELBv2 `DescribeTags` takes at most 20 ARNs per call.
const TAGS_PER_CALL: usize = 20;

fn load_balancers(client: AwsClient, region: String) -> BoxStream<'static, Result<CloudResource>> {
    paginate(move |marker: Option<String>| {
        let client = client.clone();
        let region = region.clone();
        async move {
            let endpoint = client.resolver().regional(Service::Elbv2, &region)?;
            let params = Params::new()
                .with("PageSize", client.page_size(1, 400).to_string())
                .with_opt("Marker", marker);
            let out = client
                .query(&endpoint, "DescribeLoadBalancers", &params, QUERY_LISTS)
                .await?;
            let (listed, next) = listed_load_balancers(out.doc)?;
            // DescribeLoadBalancers carries no tags; fetch them for this page's ARNs.
            let mut tags = std::collections::HashMap::new();
            for chunk in listed.chunks(TAGS_PER_CALL) {
                let mut params = Params::new();
                for (n, (lb, _)) in chunk.iter().enumerate() {
                    params = params.with(
                        format!("ResourceArns.member.{}", n + 1),
                        lb.load_balancer_arn.clone(),
                    );
                }
                let out = client
                    .query(&endpoint, "DescribeTags", &params, QUERY_LISTS)
                    .await?;
                let described: query_wire::DescribeTags =
                    query_wire::decode_result(&out.doc, "DescribeTags")?;
                for d in described.tag_descriptions {
                    tags.insert(d.resource_arn, query_tags(&d.tags));
                }
            }
            let resources = listed
                .into_iter()
                .map(|(lb, raw)| {
                    let t = tags.remove(&lb.load_balancer_arn).unwrap_or_default();
                    let name = non_empty(lb.load_balancer_name.as_deref());
                    resource(
                        "elasticloadbalancing",
                        "load_balancer",
                        lb.load_balancer_arn,
                        name,
                        &region,
                        t,
                        raw,
                    )
                })
                .collect();
            Ok(Page::new(resources, next))
        }
    })
}

/// The load balancers of one `DescribeLoadBalancers` document, each with its raw item, and
/// the next marker.
fn listed_load_balancers(doc: Value) -> Result<Listed<LoadBalancer>> {
    let (page, items): (query_wire::DescribeLoadBalancers, _) =
        query_wire::listing(doc, "DescribeLoadBalancers", "LoadBalancers")?;
    let mut listed = Vec::with_capacity(items.len());
    for raw in items {
        let lb: LoadBalancer = decode(&raw, "LoadBalancer")?;
        listed.push((lb, raw));
    }
    Ok((listed, page.next_marker))
}

fn buckets(client: AwsClient) -> BoxStream<'static, Result<CloudResource>> {
    paginate(move |token: Option<String>| {
        let client = client.clone();
        async move {
            let endpoint = client.resolver().global(Service::S3);
            let query = [
                ("max-buckets", Some(client.page_size(1, 10_000).to_string())),
                ("continuation-token", token),
            ];
            let query: Vec<(&str, Option<String>)> =
                query.into_iter().filter(|(_, v)| v.is_some()).collect();
            let out = client
                .rest_get(
                    &endpoint,
                    "s3:ListAllMyBuckets",
                    "ListAllMyBucketsResult",
                    "/",
                    &query,
                    S3_LISTS,
                )
                .await?;
            let (listed, next) = listed_buckets(out.doc)?;
            let mut resources = Vec::with_capacity(listed.len());
            for (bucket, raw) in listed {
                let region = match non_empty(bucket.bucket_region.as_deref()) {
                    Some(region) => region,
                    None => bucket_location(&client, &bucket.name).await?,
                };
                let name = bucket.name;
                resources.push(resource(
                    "s3",
                    "bucket",
                    name.clone(),
                    Some(name),
                    &region,
                    Tags::new(),
                    raw,
                ));
            }
            Ok(Page::new(resources, next))
        }
    })
}

/// The buckets of one `ListBuckets` document, each with its raw item, and the next token.
fn listed_buckets(doc: Value) -> Result<Listed<Bucket>> {
    let (page, items) = s3_wire::list_buckets(doc)?;
    let mut listed = Vec::with_capacity(items.len());
    for raw in items {
        let bucket: Bucket = decode(&raw, "Bucket")?;
        listed.push((bucket, raw));
    }
    Ok((listed, page.continuation_token))
}

/// `GetBucketLocation`, for endpoints whose `ListBuckets` does not report `BucketRegion`.
async fn bucket_location(client: &AwsClient, bucket: &str) -> Result<String> {
    let (endpoint, path) = client.resolver().s3_bucket(bucket);
    let out = client
        .rest_get(
            &endpoint,
            "s3:GetBucketLocation",
            "LocationConstraint",
            &path,
            &[("location", None)],
            S3_LISTS,
        )
        .await?;
    let constraint = out.doc.as_str().unwrap_or_default();
    Ok(s3_wire::location_to_region(constraint))
}

fn users(client: AwsClient) -> BoxStream<'static, Result<CloudResource>> {
    paginate(move |marker: Option<String>| {
        let client = client.clone();
        async move {
            let endpoint = client.resolver().global(Service::Iam);
            let params = Params::new()
                .with("MaxItems", client.page_size(1, 1000).to_string())
                .with_opt("Marker", marker);
            let out = client
                .query(&endpoint, "ListUsers", &params, QUERY_LISTS)
                .await?;
            let (resources, next) = users_page(out.doc)?;
            Ok(Page::new(resources, next))
        }
    })
}

/// The users of one `ListUsers` document, and the marker of the next page, if any.
fn users_page(doc: Value) -> Result<(Vec<CloudResource>, Option<String>)> {
    let (page, items): (query_wire::ListUsers, _) = query_wire::listing(doc, "ListUsers", "Users")?;
    let mut resources = Vec::with_capacity(items.len());
    for raw in items {
        let user: User = decode(&raw, "User")?;
        let tags = query_tags(&user.tags);
        resources.push(resource(
            "iam",
            "user",
            user.user_id,
            Some(user.user_name),
            GLOBAL,
            tags,
            raw,
        ));
    }
    // IAM pages end with IsTruncated=false; a leftover Marker then means nothing.
    let next = match page.is_truncated.as_deref() {
        Some("true") => page.marker,
        _ => None,
    };
    Ok((resources, next))
}

fn resource(
    service: &str,
    resource_type: &str,
    id: String,
    name: Option<String>,
    region: &str,
    tags: Tags,
    raw: Value,
) -> CloudResource {
    CloudResource::new(service, resource_type, id, region)
        .with_name(name)
        .with_tags(tags)
        .with_raw(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::xml::parse;

    fn ec2_items(xml: &[u8], key: &str) -> Vec<Value> {
        let (_, doc) = parse(xml, EC2_LISTS).unwrap();
        ec2_wire::page(doc, key).unwrap().0
    }

    #[test]
    fn ec2_pages_map_exactly_as_pinned() {
        use crate::wire::golden::{check, fixture};
        for (name, listing) in [
            ("describe_volumes", VOLUMES),
            ("describe_security_groups", SECURITY_GROUPS),
        ] {
            let (_, doc) = parse(&fixture(&format!("{name}.xml")), EC2_LISTS).unwrap();
            let page = ec2_page(doc, "us-east-1", listing).unwrap();
            assert!(!page.0.is_empty(), "{name}");
            check(&format!("{name}.resources.json"), &page);
        }
    }

    #[test]
    fn query_and_s3_pages_map_exactly_as_pinned() {
        use crate::wire::golden::{check, fixture};
        let doc = |name: &str, lists| parse(&fixture(&format!("{name}.xml")), lists).unwrap().1;
        let rds = rds_page(doc("describe_db_instances", RDS_LISTS), "us-east-1").unwrap();
        check("describe_db_instances.resources.json", &rds);
        let users = users_page(doc("list_users", QUERY_LISTS)).unwrap();
        check("list_users.resources.json", &users);
        let (lbs, next) =
            listed_load_balancers(doc("describe_load_balancers", QUERY_LISTS)).unwrap();
        let lbs: Vec<_> = lbs
            .into_iter()
            .map(|(lb, raw)| (lb.load_balancer_arn, lb.load_balancer_name, raw))
            .collect();
        check("describe_load_balancers.listed.json", &(lbs, next));
        let (buckets, next) = listed_buckets(doc("list_buckets", S3_LISTS)).unwrap();
        let buckets: Vec<_> = buckets
            .into_iter()
            .map(|(b, raw)| (b.name, b.bucket_region, raw))
            .collect();
        check("list_buckets.listed.json", &(buckets, next));
    }

    #[test]
    fn ec2_products_map_ids_names_and_tags() {
        let vpcs = ec2_items(
            br#"<DescribeVpcsResponse><vpcSet><item><vpcId>vpc-1</vpcId><cidrBlock>10.0.0.0/16</cidrBlock>
            <isDefault>false</isDefault><tagSet><item><key>Name</key><value>main</value></item></tagSet></item></vpcSet></DescribeVpcsResponse>"#,
            "vpcSet",
        );
        let r = ec2_resource(vpcs[0].clone(), "us-east-1", "vpc").unwrap();
        assert_eq!(
            (r.service.as_str(), r.resource_type.as_str(), r.id.as_str()),
            ("ec2", "vpc", "vpc-1")
        );
        assert_eq!(r.name.as_deref(), Some("main"));
        assert_eq!(r.raw["cidrBlock"], "10.0.0.0/16");

        let sgs = ec2_items(
            br#"<R><securityGroupInfo><item><ownerId>1</ownerId><groupId>sg-1</groupId><groupName>web</groupName>
            <groupDescription>d</groupDescription><ipPermissions/><tagSet><item><key>Name</key><value>tagname</value></item></tagSet></item></securityGroupInfo></R>"#,
            "securityGroupInfo",
        );
        let r = ec2_resource(sgs[0].clone(), "us-east-1", "security_group").unwrap();
        assert_eq!(r.id, "sg-1");
        assert_eq!(
            r.name.as_deref(),
            Some("web"),
            "the group name wins over the Name tag"
        );
        assert_eq!(r.tags.get("Name").map(String::as_str), Some("tagname"));

        let vols = ec2_items(
            br#"<R><volumeSet><item><volumeId>vol-1</volumeId><size>8</size><availabilityZone>us-east-1a</availabilityZone></item></volumeSet></R>"#,
            "volumeSet",
        );
        let r = ec2_resource(vols[0].clone(), "us-east-1", "volume").unwrap();
        assert_eq!((r.id.as_str(), r.name.as_deref()), ("vol-1", None));
        assert_eq!(r.raw["size"], "8");

        let snaps = ec2_items(
            br#"<R><snapshotSet><item><snapshotId>snap-1</snapshotId><volumeId>vol-1</volumeId><ownerId>123</ownerId></item></snapshotSet></R>"#,
            "snapshotSet",
        );
        let r = ec2_resource(snaps[0].clone(), "us-east-1", "snapshot").unwrap();
        assert_eq!(r.id, "snap-1");

        let err = ec2_resource(serde_json::json!({"size": "8"}), "r", "volume").unwrap_err();
        assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode);
    }
}

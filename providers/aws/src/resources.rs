//! The resource kinds of AWS, declared once: hosts (EC2 instances); per region VPCs,
//! security groups, EBS volumes and snapshots (EC2), RDS DB instances and ELBv2 load
//! balancers; account-wide S3 buckets (each with its region) and IAM users.
//!
//! Each kind is its own lazily paged listing, so one denied service never hides the others.
//! Per-item calls (a bucket's location, load balancer tags) degrade per item: a refused
//! call leaves the field unknown on the item and is not sent again in that listing.

use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde_json::Value;

use multicloud_core::{
    paginate_capped, CloudResource, Error, ErrorKind, Item, KindScope, Page, ResourceKind, Result,
    StandardFeature, Tags, UnknownField,
};

use crate::client::{AwsClient, Params};
use crate::endpoints::Service;
use crate::wire::ec2::{self as ec2_wire, TaggedResource};
use crate::wire::query::{self as query_wire, DbInstance, LoadBalancer, User};
use crate::wire::xml::{EC2_LISTS, QUERY_LISTS, RDS_LISTS};
use crate::wire::{decode, ec2_tags, non_empty, query_tags};

use crate::buckets::buckets;

/// One page's items, each typed and raw, and the page's continuation token.
pub(crate) type Listed<T> = (Vec<(T, Value)>, Option<String>);

/// The `region` of resources that belong to no region.
pub(crate) const GLOBAL: &str = "global";

/// One EC2 `Describe*` listing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ec2Listing {
    action: &'static str,
    list_key: &'static str,
    resource_type: &'static str,
    /// Fixed parameters: snapshots are limited to the account's own (`Owner.1=self`), the
    /// public and shared ones are not its inventory.
    params: &'static [(&'static str, &'static str)],
}

pub(crate) const VPCS: Ec2Listing = Ec2Listing {
    action: "DescribeVpcs",
    list_key: "vpcSet",
    resource_type: "vpc",
    params: &[],
};
pub(crate) const SECURITY_GROUPS: Ec2Listing = Ec2Listing {
    action: "DescribeSecurityGroups",
    list_key: "securityGroupInfo",
    resource_type: "security_group",
    params: &[],
};
pub(crate) const VOLUMES: Ec2Listing = Ec2Listing {
    action: "DescribeVolumes",
    list_key: "volumeSet",
    resource_type: "volume",
    params: &[],
};
pub(crate) const SNAPSHOTS: Ec2Listing = Ec2Listing {
    action: "DescribeSnapshots",
    list_key: "snapshotSet",
    resource_type: "snapshot",
    params: &[("Owner.1", "self")],
};

const CSPM: &[StandardFeature] = &[StandardFeature::Cspm];
const CSPM_AGENTLESS: &[StandardFeature] = &[StandardFeature::Cspm, StandardFeature::Agentless];

/// Every kind, in listing order. The grants are the narrowest AWS managed policies that
/// allow each kind's actions (`ReadOnlyAccess` allows them all).
pub(crate) static KINDS: [ResourceKind; 9] = [
    ResourceKind::hosts("ec2")
        .with_features(&[StandardFeature::Host])
        .with_list_actions(&["ec2:DescribeInstances"])
        .with_grant("AmazonEC2ReadOnlyAccess"),
    ResourceKind::resources("ec2", "vpc", KindScope::Regional)
        .with_id("ec2.vpc")
        .with_features(CSPM)
        .with_list_actions(&["ec2:DescribeVpcs"])
        .with_grant("AmazonEC2ReadOnlyAccess"),
    ResourceKind::resources("ec2", "security_group", KindScope::Regional)
        .with_id("ec2.security_group")
        .with_features(CSPM)
        .with_list_actions(&["ec2:DescribeSecurityGroups"])
        .with_grant("AmazonEC2ReadOnlyAccess"),
    ResourceKind::resources("ec2", "volume", KindScope::Regional)
        .with_id("ec2.volume")
        .with_features(CSPM_AGENTLESS)
        .with_list_actions(&["ec2:DescribeVolumes"])
        .with_grant("AmazonEC2ReadOnlyAccess"),
    ResourceKind::resources("ec2", "snapshot", KindScope::Regional)
        .with_id("ec2.snapshot")
        .with_features(CSPM_AGENTLESS)
        .with_list_actions(&["ec2:DescribeSnapshots", "sts:GetCallerIdentity"])
        .with_grant("AmazonEC2ReadOnlyAccess"),
    ResourceKind::resources("rds", "db_instance", KindScope::Regional)
        .with_id("rds.db_instance")
        .with_features(CSPM)
        .with_list_actions(&["rds:DescribeDBInstances"])
        .with_grant("AmazonRDSReadOnlyAccess"),
    ResourceKind::resources("elasticloadbalancing", "load_balancer", KindScope::Regional)
        .with_id("elasticloadbalancing.load_balancer")
        .with_features(CSPM)
        .with_list_actions(&["elasticloadbalancing:DescribeLoadBalancers"])
        .with_enrich_actions(&["elasticloadbalancing:DescribeTags"])
        .with_grant("ElasticLoadBalancingReadOnly"),
    ResourceKind::resources("s3", "bucket", KindScope::Global)
        .with_id("s3.bucket")
        .with_features(CSPM)
        .with_list_actions(&["s3:ListAllMyBuckets"])
        .with_enrich_actions(&["s3:GetBucketLocation"])
        .with_grant("AmazonS3ReadOnlyAccess"),
    // The onboarding guide grants IAM read with the Host feature too (host context).
    ResourceKind::resources("iam", "user", KindScope::Global)
        .with_id("iam.user")
        .with_features(&[StandardFeature::Host, StandardFeature::Cspm])
        .with_list_actions(&["iam:ListUsers"])
        .with_grant("IAMReadOnlyAccess"),
];

/// The items of `kind` in `region` (global kinds: `region` is ignored).
pub(crate) fn list(
    client: AwsClient,
    kind: &ResourceKind,
    region: Option<String>,
) -> BoxStream<'static, Result<Item>> {
    let regional = |region: Option<String>| {
        region.ok_or_else(|| Error::config(format!("the AWS kind {kind} is listed per region")))
    };
    let resources = match (kind.id, kind.scope) {
        ("host", _) => {
            return match regional(region) {
                Ok(region) => crate::hosts::list(client, region)
                    .map_ok(Item::Host)
                    .boxed(),
                Err(e) => stream::once(async move { Err(e) }).boxed(),
            }
        }
        ("s3.bucket", _) => buckets(client),
        ("iam.user", _) => users(client),
        (id, KindScope::Regional) => match regional(region) {
            Ok(region) => match id {
                "ec2.vpc" => ec2(client, region, VPCS),
                "ec2.security_group" => ec2(client, region, SECURITY_GROUPS),
                "ec2.volume" => ec2(client, region, VOLUMES),
                "ec2.snapshot" => own_snapshots(client, region),
                "rds.db_instance" => rds(client, region),
                "elasticloadbalancing.load_balancer" => load_balancers(client, region),
                other => unknown_kind(other),
            },
            Err(e) => stream::once(async move { Err(e) }).boxed(),
        },
        (other, _) => unknown_kind(other),
    };
    resources.map_ok(Item::Resource).boxed()
}

fn unknown_kind(id: &str) -> BoxStream<'static, Result<CloudResource>> {
    let error = Error::config(format!("AWS has no resource kind {id}"));
    stream::once(async move { Err(error) }).boxed()
}

/// The account's own snapshots: `Owner=self` is asked for, and each item's `ownerId` is
/// checked too, so a server that ignores the filter cannot slip public or shared snapshots
/// into the inventory.
fn own_snapshots(client: AwsClient, region: String) -> BoxStream<'static, Result<CloudResource>> {
    // The region is checked before the identity call, so a bad one sends nothing at all.
    if let Err(e) = multicloud_core::validate_region_id(&region) {
        return stream::once(async move { Err(e) }).boxed();
    }
    let account = {
        let client = client.clone();
        async move { crate::verify::account_id(&client).await }
    };
    stream::once(account)
        .map_ok(move |account| {
            ec2(client.clone(), region.clone(), SNAPSHOTS).try_filter(move |snapshot| {
                let owner = snapshot
                    .raw
                    .parse::<SnapshotOwner>()
                    .ok()
                    .and_then(|o| o.owner_id);
                std::future::ready(owner.as_deref() == Some(account.as_str()))
            })
        })
        .try_flatten()
        .boxed()
}

/// The one field of an EBS snapshot's raw item the owner filter reads.
#[derive(serde::Deserialize)]
struct SnapshotOwner {
    #[serde(rename = "ownerId")]
    owner_id: Option<String>,
}

fn ec2(
    client: AwsClient,
    region: String,
    listing: Ec2Listing,
) -> BoxStream<'static, Result<CloudResource>> {
    let cap = client.page_cap(&format!("ec2:{}", listing.action), Some(&region));
    paginate_capped(cap, move |token: Option<String>| {
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
pub(crate) fn ec2_page(
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
    let cap = client.page_cap("rds:DescribeDBInstances", Some(&region));
    paginate_capped(cap, move |marker: Option<String>| {
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
pub(crate) fn rds_page(doc: Value, region: &str) -> Result<(Vec<CloudResource>, Option<String>)> {
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
    let refused: Arc<std::sync::Mutex<Option<ErrorKind>>> = Arc::default();
    let cap = client.page_cap("elasticloadbalancing:DescribeLoadBalancers", Some(&region));
    paginate_capped(cap, move |marker: Option<String>| {
        let client = client.clone();
        let region = region.clone();
        let tags_refused = Arc::clone(&refused);
        async move {
            let endpoint = client.resolver().regional(Service::Elbv2, &region)?;
            let params = Params::new()
                .with("PageSize", client.page_size(1, 400).to_string())
                .with_opt("Marker", marker);
            let out = client
                .query(&endpoint, "DescribeLoadBalancers", &params, QUERY_LISTS)
                .await?;
            let (listed, next) = listed_load_balancers(out.doc)?;
            // DescribeLoadBalancers carries no tags; fetch them for this page's ARNs. A
            // refused or failed DescribeTags leaves the tags unknown and is not retried in
            // this listing.
            let mut tags = std::collections::HashMap::new();
            let mut tags_unknown = *tags_refused.lock().unwrap_or_else(|p| p.into_inner());
            for chunk in listed.chunks(TAGS_PER_CALL) {
                if tags_unknown.is_some() {
                    break;
                }
                let mut params = Params::new();
                for (n, (lb, _)) in chunk.iter().enumerate() {
                    params = params.with(
                        format!("ResourceArns.member.{}", n + 1),
                        lb.load_balancer_arn.clone(),
                    );
                }
                let described = match client
                    .query(&endpoint, "DescribeTags", &params, QUERY_LISTS)
                    .await
                    .and_then(|out| {
                        query_wire::decode_result::<query_wire::DescribeTags>(
                            &out.doc,
                            "DescribeTags",
                        )
                    }) {
                    Ok(described) => described,
                    Err(e) if e.is_auth_failure() => return Err(e),
                    Err(e) => {
                        tracing::warn!(region = %region, error = %e, "load balancer tags unknown; not asking again in this listing");
                        tags_unknown = Some(e.kind());
                        *tags_refused.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.kind());
                        break;
                    }
                };
                for d in described.tag_descriptions {
                    tags.insert(d.resource_arn, query_tags(&d.tags));
                }
            }
            let resources = listed
                .into_iter()
                .map(|(lb, raw)| {
                    let t = tags.remove(&lb.load_balancer_arn).unwrap_or_default();
                    let name = non_empty(lb.load_balancer_name.as_deref());
                    let balancer = resource(
                        "elasticloadbalancing",
                        "load_balancer",
                        lb.load_balancer_arn,
                        name,
                        &region,
                        t,
                        raw,
                    );
                    match tags_unknown {
                        Some(reason) => balancer.with_unknown(UnknownField::new(
                            "tags",
                            "elasticloadbalancing:DescribeTags",
                            reason,
                        )),
                        None => balancer,
                    }
                })
                .collect();
            Ok(Page::new(resources, next))
        }
    })
}

/// The load balancers of one `DescribeLoadBalancers` document, each with its raw item, and
/// the next marker.
pub(crate) fn listed_load_balancers(doc: Value) -> Result<Listed<LoadBalancer>> {
    let (page, items): (query_wire::DescribeLoadBalancers, _) =
        query_wire::listing(doc, "DescribeLoadBalancers", "LoadBalancers")?;
    let mut listed = Vec::with_capacity(items.len());
    for raw in items {
        let lb: LoadBalancer = decode(&raw, "LoadBalancer")?;
        listed.push((lb, raw));
    }
    Ok((listed, page.next_marker))
}

fn users(client: AwsClient) -> BoxStream<'static, Result<CloudResource>> {
    let cap = client.page_cap("iam:ListUsers", None);
    paginate_capped(cap, move |marker: Option<String>| {
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
pub(crate) fn users_page(doc: Value) -> Result<(Vec<CloudResource>, Option<String>)> {
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

pub(crate) fn resource(
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
    use crate::buckets::listed_buckets;
    use crate::wire::xml::S3_LISTS;

    #[test]
    fn the_kinds_are_well_declared() {
        assert_eq!(multicloud_core::kind::check_declarations(&KINDS), Ok(()));
    }
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
        assert_eq!(r.raw.to_value()["cidrBlock"], "10.0.0.0/16");

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
        assert_eq!(r.raw.to_value()["size"], "8");

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

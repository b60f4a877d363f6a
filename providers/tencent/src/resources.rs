//! The resource kinds of Tencent Cloud, declared once, and their listings.
//!
//! Regional products are listed with each product's own `Describe*` action, because the tag
//! service (`tag:GetResources`) only knows resources that carry tags. Global kinds are CAM
//! sub-users (`cam:ListUsers`), every COS bucket (`cos:GetService`, see `cos.rs`, tagged from
//! the tag service) and, as `tag.resource`, tagged resources of services this crate has no
//! dedicated listing for (so nothing is reported twice). The block lists of the cloud
//! firewall and WAF are kinds with no inventory: they exist for their permissions.

use std::sync::{Arc, Mutex};

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use multicloud_core::pagination::{paginate_capped, Page};
use multicloud_core::{
    CloudResource, Error, ErrorKind, Item, KindScope, ProviderKind, ResourceKind, Result,
    StandardFeature, UnknownField,
};
use serde_json::{json, Value};

use crate::api::{self, Api};
use crate::client::Client;
use crate::paging::{offset_stream, stop_after_error, OffsetListing};
use crate::wire::{self, TagResources};

/// One regional product listed by an offset-paged `Describe*` action.
#[derive(Debug)]
pub(crate) struct Product {
    /// The normalized service name (`cbs`, `clb`, …).
    pub(crate) service: &'static str,
    /// The normalized resource type.
    pub(crate) resource_type: &'static str,
    pub(crate) api: Api,
    pub(crate) list_field: &'static str,
    pub(crate) id_field: &'static str,
    pub(crate) name_field: &'static str,
    pub(crate) tags_field: &'static str,
    /// VPC actions take `Offset`/`Limit` as strings.
    pub(crate) string_paging: bool,
}

/// Every regional product, in listing order. `Limit` 100 is within each action's maximum
/// (CBS, CLB, VPC: 100; CDB: 2000; Redis: 1000).
pub(crate) const PRODUCTS: &[Product] = &[
    Product {
        service: "cbs",
        resource_type: "disk",
        api: api::CBS_DESCRIBE_DISKS,
        list_field: "DiskSet",
        id_field: "DiskId",
        name_field: "DiskName",
        tags_field: "Tags",
        string_paging: false,
    },
    Product {
        service: "clb",
        resource_type: "load_balancer",
        api: api::CLB_DESCRIBE_LOAD_BALANCERS,
        list_field: "LoadBalancerSet",
        id_field: "LoadBalancerId",
        name_field: "LoadBalancerName",
        tags_field: "Tags",
        string_paging: false,
    },
    Product {
        service: "vpc",
        resource_type: "vpc",
        api: api::VPC_DESCRIBE_VPCS,
        list_field: "VpcSet",
        id_field: "VpcId",
        name_field: "VpcName",
        tags_field: "TagSet",
        string_paging: true,
    },
    Product {
        service: "vpc",
        resource_type: "security_group",
        api: api::VPC_DESCRIBE_SECURITY_GROUPS,
        list_field: "SecurityGroupSet",
        id_field: "SecurityGroupId",
        name_field: "SecurityGroupName",
        tags_field: "TagSet",
        string_paging: true,
    },
    Product {
        service: "cdb",
        resource_type: "mysql_instance",
        api: api::CDB_DESCRIBE_DB_INSTANCES,
        list_field: "Items",
        id_field: "InstanceId",
        name_field: "InstanceName",
        tags_field: "TagList",
        string_paging: false,
    },
    Product {
        service: "redis",
        resource_type: "instance",
        api: api::REDIS_DESCRIBE_INSTANCES,
        list_field: "InstanceSet",
        id_field: "InstanceId",
        name_field: "InstanceName",
        tags_field: "InstanceTags",
        string_paging: false,
    },
];

const PAGE_SIZE: u64 = 100;

/// Services with a dedicated listing; the tag service is not asked about them. COS is not
/// among them: its buckets from the tag service lend their tags to `GetService`'s buckets.
const COVERED: &[&str] = &["cvm", "cbs", "clb", "vpc", "cdb", "redis", "cam"];

const CSPM: &[StandardFeature] = &[StandardFeature::Cspm];

/// Every kind, in listing order, with the narrowest preset policy granting its actions
/// (`ReadOnlyAccess` grants every read).
pub(crate) static KINDS: [ResourceKind; 12] = [
    ResourceKind::hosts("cvm")
        .with_features(&[StandardFeature::Host])
        .with_list_actions(&["cvm:DescribeInstances"])
        .with_grant("QcloudCVMReadOnlyAccess"),
    ResourceKind::resources("cbs", "disk", KindScope::Regional)
        .with_id("cbs.disk")
        .with_features(CSPM)
        .with_list_actions(&["cbs:DescribeDisks"])
        .with_grant("QcloudCBSReadOnlyAccess"),
    ResourceKind::resources("clb", "load_balancer", KindScope::Regional)
        .with_id("clb.load_balancer")
        .with_features(CSPM)
        .with_list_actions(&["clb:DescribeLoadBalancers"])
        .with_grant("QcloudCLBReadOnlyAccess"),
    ResourceKind::resources("vpc", "vpc", KindScope::Regional)
        .with_id("vpc.vpc")
        .with_features(CSPM)
        .with_list_actions(&["vpc:DescribeVpcs"])
        .with_grant("QcloudVPCReadOnlyAccess"),
    ResourceKind::resources("vpc", "security_group", KindScope::Regional)
        .with_id("vpc.security_group")
        .with_features(CSPM)
        .with_list_actions(&["vpc:DescribeSecurityGroups"])
        .with_grant("QcloudVPCReadOnlyAccess"),
    ResourceKind::resources("cdb", "mysql_instance", KindScope::Regional)
        .with_id("cdb.mysql_instance")
        .with_features(CSPM)
        .with_list_actions(&["cdb:DescribeDBInstances"])
        .with_grant("QcloudCDBReadOnlyAccess"),
    ResourceKind::resources("redis", "instance", KindScope::Regional)
        .with_id("redis.instance")
        .with_features(CSPM)
        .with_list_actions(&["redis:DescribeInstances"])
        .with_grant("QcloudRedisReadOnlyAccess"),
    ResourceKind::resources("cam", "user", KindScope::Global)
        .with_id("cam.user")
        .with_features(CSPM)
        .with_list_actions(&["cam:ListUsers"])
        .with_grant("QcloudCamReadOnlyAccess"),
    ResourceKind::resources("cos", "bucket", KindScope::Global)
        .with_id("cos.bucket")
        .with_features(CSPM)
        .with_list_actions(&["cos:GetService"])
        .with_enrich_actions(&["tag:GetResources"])
        .with_grant("QcloudCOSReadOnlyAccess"),
    ResourceKind::resources("tag", "resource", KindScope::Global)
        .with_id("tag.resource")
        .with_features(CSPM)
        .with_list_actions(&["tag:GetResources"])
        .with_grant("QcloudTAGReadOnlyAccess"),
    ResourceKind::capability("cfw.block", "cfw", KindScope::Regional)
        .with_features(&[StandardFeature::Response])
        .with_list_actions(&["cfw:DescribeBlockIgnoreList"])
        .with_write_actions(&[
            "cfw:CreateBlockIgnoreRuleNew",
            "cfw:DeleteBlockIgnoreRuleList",
        ])
        .with_grant("QcloudCFWFullAccess"),
    ResourceKind::capability("waf.block", "waf", KindScope::Regional)
        .with_features(&[StandardFeature::Response])
        .with_list_actions(&["waf:DescribeIpAccessControl"])
        .with_write_actions(&["waf:CreateIpAccessControl", "waf:DeleteIpAccessControlV2"])
        .with_grant("QcloudWAFFullAccess"),
];

/// The items of `kind` in `region` (global kinds: `region` is ignored). The stream ends
/// after the first failed page, as the [`CloudProvider`](multicloud_core::CloudProvider)
/// contract says.
pub(crate) fn list(
    client: Client,
    kind: &ResourceKind,
    region: Option<String>,
) -> BoxStream<'static, Result<Item>> {
    let fail = |e: Error| stream::once(async move { Err(e) }).boxed();
    let resources = match (kind.id, region) {
        ("host", Some(region)) => {
            return crate::hosts::list(client, region)
                .map_ok(Item::Host)
                .boxed()
        }
        ("cam.user", _) => stream::once(async move { cam_users(&client).await })
            .map_ok(|users| stream::iter(users.into_iter().map(Ok)))
            .try_flatten()
            .boxed(),
        ("cos.bucket", _) => buckets(client),
        ("tag.resource", _) => tagged_elsewhere(client)
            .try_filter(|r| std::future::ready(!is_cos_bucket(r)))
            .map_ok(as_tag_resource)
            .boxed(),
        (id, Some(region)) => match PRODUCTS.iter().find(|p| p.kind_id() == id) {
            Some(product) => list_product(client, region, product),
            None => fail(unknown_kind(id)),
        },
        (id, None) => fail(unknown_kind(id)),
    };
    stop_after_error(resources.map_ok(Item::Resource)).boxed()
}

fn unknown_kind(id: &str) -> Error {
    Error::config(format!(
        "Tencent Cloud has no resource kind {id} listed that way (regional kinds need a region)"
    ))
    .with_provider(ProviderKind::Tencent)
}

impl Product {
    /// The id of this product's kind.
    fn kind_id(&self) -> String {
        format!("{}.{}", self.service, self.resource_type)
    }
}

fn is_cos_bucket(r: &CloudResource) -> bool {
    r.service == "cos" && r.resource_type == "bucket"
}

/// A resource known only through the tag service, as the `tag.resource` kind: its id is the
/// full six-part resource name (unique across services), its name the service's own id, and
/// its real service and type stay readable in the name and the raw item.
fn as_tag_resource(r: CloudResource) -> CloudResource {
    let full = r
        .raw
        .to_value()
        .get("Resource")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}/{}/{}", r.service, r.resource_type, r.id));
    CloudResource::new("tag", "resource", full, r.region)
        .with_name(Some(format!("{}/{}/{}", r.service, r.resource_type, r.id)))
        .with_tags(r.tags)
        .with_raw(r.raw)
}

/// Every COS bucket, tagged from the tag service. A refused or failed tag listing leaves
/// the buckets with their tags unknown instead of failing the bucket listing.
fn buckets(client: Client) -> BoxStream<'static, Result<CloudResource>> {
    let tags_failed: Arc<Mutex<Option<ErrorKind>>> = Arc::default();
    let record = Arc::clone(&tags_failed);
    let tagged = tagged_elsewhere(client.clone())
        .filter_map(move |item| {
            let kept = match item {
                Ok(r) if is_cos_bucket(&r) => Some(Ok(r)),
                Ok(_) => None,
                Err(e) if e.is_auth_failure() => Some(Err(e)),
                Err(e) => {
                    tracing::warn!(error = %e, "bucket tags unknown: the tag service failed");
                    *record.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.kind());
                    None
                }
            };
            std::future::ready(kept)
        })
        .boxed();
    crate::cos::with_every_bucket(tagged, client)
        .try_filter(|r| std::future::ready(is_cos_bucket(r)))
        .map_ok(
            move |bucket| match *tags_failed.lock().unwrap_or_else(|p| p.into_inner()) {
                Some(reason) => {
                    bucket.with_unknown(UnknownField::new("tags", "tag:GetResources", reason))
                }
                None => bucket,
            },
        )
        .boxed()
}

fn list_product(
    client: Client,
    region: String,
    p: &'static Product,
) -> BoxStream<'static, Result<CloudResource>> {
    let listing = OffsetListing {
        api: p.api.name(),
        page_size: PAGE_SIZE,
        id_field: p.id_field,
        cap: client.page_cap(&p.api.name(), Some(&region)),
    };
    let map_region = region.clone();
    offset_stream(
        listing,
        move |offset| {
            let client = client.clone();
            let region = region.clone();
            async move {
                let params = if p.string_paging {
                    json!({"Offset": offset.to_string(), "Limit": PAGE_SIZE.to_string()})
                } else {
                    json!({"Offset": offset, "Limit": PAGE_SIZE})
                };
                let resp = client.call(p.api, Some(&region), &params).await?;
                wire::offset_page(
                    resp,
                    p.api.action,
                    Some(&region),
                    p.list_field,
                    Some("TotalCount"),
                )
            }
        },
        move |item| to_resource(p, item, &map_region),
    )
}

/// Maps one listed item; the item itself is kept as [`CloudResource::raw`].
pub(crate) fn to_resource(p: &Product, item: Value, region: &str) -> Result<CloudResource> {
    let id = wire::text(&item, p.id_field).ok_or_else(|| {
        Error::decode(format!("a {} item without {}", p.api.name(), p.id_field))
            .with_provider(ProviderKind::Tencent)
    })?;
    Ok(CloudResource::new(p.service, p.resource_type, id, region)
        .with_name(wire::text(&item, p.name_field))
        .with_tags(wire::tags(&item, p.tags_field))
        .with_raw(item))
}

async fn cam_users(client: &Client) -> Result<Vec<CloudResource>> {
    // ListUsers has no paging: it returns every sub-user at once.
    let resp = client.call(api::CAM_LIST_USERS, None, &json!({})).await?;
    let page = wire::offset_page(resp, api::CAM_LIST_USERS.action, None, "Data", None)?;
    page.items.into_iter().map(cam_user).collect()
}

pub(crate) fn cam_user(item: Value) -> Result<CloudResource> {
    let id = wire::text(&item, "Uin").ok_or_else(|| {
        Error::decode("a cam:ListUsers item without Uin").with_provider(ProviderKind::Tencent)
    })?;
    Ok(CloudResource::new("cam", "user", id, "global")
        .with_name(wire::text(&item, "Name"))
        .with_raw(item))
}

/// Tagged resources of services not in [`COVERED`], from `tag:GetResources`
/// (`PaginationToken`/`MaxResults` ≤ 200).
fn tagged_elsewhere(client: Client) -> BoxStream<'static, Result<CloudResource>> {
    let cap = client.page_cap(&api::TAG_GET_RESOURCES.name(), None);
    let pages = paginate_capped(cap, move |token: Option<String>| {
        let client = client.clone();
        async move {
            let mut params = json!({"MaxResults": 200});
            if let Some(token) = token {
                params["PaginationToken"] = Value::String(token);
            }
            let resp = client.call(api::TAG_GET_RESOURCES, None, &params).await?;
            let page: TagResources = resp.parse(api::TAG_GET_RESOURCES.action)?;
            let list = wire::required(
                page.resource_tag_mapping_list,
                &resp,
                api::TAG_GET_RESOURCES.action,
                "ResourceTagMappingList",
            )?;
            let items: Vec<CloudResource> = list.into_iter().filter_map(tagged_resource).collect();
            Ok(Page::new(items, page.pagination_token))
        }
    });
    pages.boxed()
}

/// A `ResourceTagMappingList` entry, when its service has no dedicated listing.
/// The name is six segments: `qcs::{service}:{region}:uin/{uin}:{prefix}/{id}`.
fn tagged_resource(item: Value) -> Option<CloudResource> {
    let name = wire::text(&item, "Resource")?;
    let parts: Vec<&str> = name.splitn(6, ':').collect();
    let [_, _, service, region, _, tail] = parts.as_slice() else {
        return None;
    };
    if service.is_empty() || COVERED.contains(service) {
        return None;
    }
    // COS names a bucket without a prefix: `qcs::cos:{region}:uid/{appid}:{bucket}`.
    let default_type = if *service == "cos" {
        "bucket"
    } else {
        "resource"
    };
    let (resource_type, id) = tail.split_once('/').unwrap_or((default_type, tail));
    let region = if region.is_empty() { "global" } else { region };
    Some(
        CloudResource::new(*service, resource_type, id, region)
            .with_tags(wire::tags(&item, "Tags"))
            .with_raw(item),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kinds_are_well_declared_and_every_product_is_one() {
        assert_eq!(multicloud_core::kind::check_declarations(&KINDS), Ok(()));
        for p in PRODUCTS {
            let kind = KINDS.iter().find(|k| k.id == p.kind_id()).unwrap();
            assert_eq!(kind.probe_action(), Some(p.api.name().as_str()));
        }
    }

    fn product(service: &str, ty: &str) -> &'static Product {
        PRODUCTS
            .iter()
            .find(|p| p.service == service && p.resource_type == ty)
            .unwrap()
    }

    #[test]
    fn a_cbs_disk_from_the_documented_sample_is_mapped() {
        let item = json!({"DiskId":"disk-b94t5dzt","DiskName":"test","DiskState":"ATTACHED",
            "Placement":{"ProjectId":0,"Zone":"ap-guangzhou-2"},"Tags":[{"Key":"env","Value":"dev"}],
            "DiskType":"CLOUD_BASIC","DiskSize":10});
        let r = to_resource(product("cbs", "disk"), item, "ap-guangzhou").unwrap();
        assert_eq!(r.key(), ("cbs", "disk", "disk-b94t5dzt"));
        assert_eq!(r.name.as_deref(), Some("test"));
        assert_eq!(r.tags.get("env").map(String::as_str), Some("dev"));
        assert_eq!(r.raw.to_value()["DiskSize"], 10);
    }

    #[test]
    fn clb_cdb_redis_and_vpc_items_use_their_own_fields() {
        let clb = to_resource(
            product("clb", "load_balancer"),
            json!({"LoadBalancerId":"lb-1","LoadBalancerName":"web","Tags":[{"TagKey":"a","TagValue":"b"}]}),
            "r",
        )
        .unwrap();
        assert_eq!(
            (clb.id.as_str(), clb.tags.get("a").map(String::as_str)),
            ("lb-1", Some("b"))
        );
        let cdb = to_resource(
            product("cdb", "mysql_instance"),
            json!({"InstanceId":"cdb-1","InstanceName":"db","TagList":[{"TagKey":"k","TagValue":"v"}]}),
            "r",
        )
        .unwrap();
        assert_eq!(cdb.tags.len(), 1);
        let redis = to_resource(
            product("redis", "instance"),
            json!({"InstanceId":"crs-1","InstanceName":"cache","InstanceTags":[{"TagKey":"k","TagValue":"v"}]}),
            "r",
        )
        .unwrap();
        assert_eq!(redis.name.as_deref(), Some("cache"));
        let sg = to_resource(
            product("vpc", "security_group"),
            json!({"SecurityGroupId":"sg-1","SecurityGroupName":"default","TagSet":[]}),
            "r",
        )
        .unwrap();
        assert_eq!(sg.key(), ("vpc", "security_group", "sg-1"));
    }

    #[test]
    fn cam_users_use_the_numeric_uin_as_id() {
        let u = cam_user(json!({"Uin":100000546533u64,"Name":"test124","Uid":1001774})).unwrap();
        assert_eq!(u.id, "100000546533");
        assert_eq!(u.name.as_deref(), Some("test124"));
        assert_eq!(u.region, "global");
    }

    #[test]
    fn tagged_resources_of_uncovered_services_are_parsed_and_covered_ones_skipped() {
        let kafka = tagged_resource(json!({
            "Resource":"qcs::ckafka:ap-shanghai:uin/123:ckafkaId/ckafka-xx",
            "Tags":[{"TagKey":"env","TagValue":"prod"}]}))
        .unwrap();
        assert_eq!(kafka.key(), ("ckafka", "ckafkaId", "ckafka-xx"));
        let listed = as_tag_resource(kafka.clone());
        assert_eq!(
            listed.key(),
            (
                "tag",
                "resource",
                "qcs::ckafka:ap-shanghai:uin/123:ckafkaId/ckafka-xx"
            )
        );
        assert_eq!(listed.name.as_deref(), Some("ckafka/ckafkaId/ckafka-xx"));
        assert_eq!(kafka.region, "ap-shanghai");
        assert_eq!(kafka.tags.get("env").map(String::as_str), Some("prod"));
        assert!(
            tagged_resource(json!({"Resource":"qcs::cvm:ap-beijing:uin/1:instance/ins-1"}))
                .is_none()
        );
        assert!(tagged_resource(json!({"Resource":"garbage"})).is_none());
        let bucket = tagged_resource(json!({
            "Resource":"qcs::cos:ap-guangzhou:uid/1250000001:logs-1250000001",
            "Tags":[{"TagKey":"env","TagValue":"prod"}]}))
        .unwrap();
        assert_eq!(bucket.key(), ("cos", "bucket", "logs-1250000001"));
    }
}

//! CTyun's resource kinds, declared once, and one small adapter per product of the
//! onboarding guide (ECS, Kafka, Redis DCS2, ZOS object storage, RocketMQ, ELB, EBS).
//!
//! The products disagree on everything a lister cares about: the region travels as a
//! `regionId` header (Kafka, Redis, RocketMQ), a `regionID` query parameter (ELB, EBS, ZOS)
//! or in the JSON body (ECS); pages are `pageNo`, `pageNum` or `pageIndex`, or there are none
//! (ELB, RocketMQ); the list sits in `data`, `rows`, `bucketList`, `diskList`,
//! `prodInstList` or is the `returnObj` itself. Each [`Product`] states its conventions;
//! one lister applies them, and one mapping makes a [`CloudResource`].

use futures::stream::{self, BoxStream, StreamExt};
use multicloud_core::{
    CloudResource, Error, Item, KindScope, ProviderKind, ResourceKind, Result, StandardFeature,
    Tags,
};
use serde_json::Value;

use crate::client::{Api, ApiCall, Client, Verb};
use crate::hosts;
use crate::paging::{by_page_number, NumberedPage};
use crate::wire::items::{count, field};

const HOST_AND_CSPM: &[StandardFeature] = &[StandardFeature::Host, StandardFeature::Cspm];
const CSPM: &[StandardFeature] = &[StandardFeature::Cspm];

/// Every kind of this provider, in listing order. ECS instances are the hosts; they serve
/// CSPM too, as the guide's ECS product, so they are listed once, not twice.
pub(crate) static KINDS: [ResourceKind; 7] = [
    ResourceKind::hosts("ecs")
        .with_features(HOST_AND_CSPM)
        .with_list_actions(&["ecs:ListInstances"])
        .with_grant("ecs viewer"),
    ResourceKind::resources("ctgkafka", "instance", KindScope::Regional)
        .with_id("ctgkafka.instance")
        .with_features(CSPM)
        .with_list_actions(&["kafka:QueryInstances"])
        .with_grant("KAFKA viewer"),
    ResourceKind::resources("dcs2", "instance", KindScope::Regional)
        .with_id("dcs2.instance")
        .with_features(CSPM)
        .with_list_actions(&["dcs:DescribeInstances"])
        .with_grant("Distributed Cache Redis Viewer"),
    ResourceKind::resources("zos", "bucket", KindScope::Global)
        .with_id("zos.bucket")
        .with_features(CSPM)
        .with_list_actions(&["zos:ListBuckets"])
        .with_grant("zos viewer"),
    ResourceKind::resources("rocketmq", "instance", KindScope::Regional)
        .with_id("rocketmq.instance")
        .with_features(CSPM)
        .with_list_actions(&["rocketmq:ListInstances"])
        .with_grant("RocketMQ-MQ2 viewer"),
    ResourceKind::resources("ctelb", "loadbalancer", KindScope::Regional)
        .with_id("ctelb.loadbalancer")
        .with_features(CSPM)
        .with_list_actions(&["elb:ListLoadBalancer"])
        .with_grant("elb admin"),
    ResourceKind::resources("ebs", "disk", KindScope::Regional)
        .with_id("ebs.disk")
        .with_features(CSPM)
        .with_list_actions(&["ebs:ListEbs"])
        .with_grant("ebs viewer"),
];

/// How a product takes the resource pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RegionIn {
    /// A `regionId` header.
    Header,
    /// A `regionID` query parameter.
    Query,
    /// `regionID=public`: every public pool at once (the account-wide listing).
    AllPublic,
}

/// How a product pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Paging {
    /// Numbered pages from 1: the page parameter's name and the largest page size used.
    Numbered { page: &'static str, max: u32 },
    /// One answer with every item.
    None,
}

/// One product's listing conventions.
#[derive(Debug, Clone, Copy)]
struct Product {
    kind_id: &'static str,
    api: Api,
    region_in: RegionIn,
    paging: Paging,
    /// The list's field in `returnObj`, or `""` when `returnObj` is the list.
    list: &'static str,
    /// The total's field, when the product reports one.
    total: Option<&'static str>,
    id: &'static str,
    name: &'static str,
}

const fn get(action: &'static str, endpoint: &'static str, path: &'static str) -> Api {
    Api {
        action,
        endpoint,
        method: Verb::Get,
        path,
    }
}

/// The products' adapters (providers.md §5.d).
const PRODUCTS: [Product; 6] = [
    // Kafka pages up to 40,000 per doc; 100 keeps answers small.
    Product {
        kind_id: "ctgkafka.instance",
        api: get("kafka:QueryInstances", "ctgkafka", "/v3/instances/query"),
        region_in: RegionIn::Header,
        paging: Paging::Numbered {
            page: "pageNum",
            max: 100,
        },
        list: "data",
        total: Some("total"),
        id: "prodInstId",
        name: "instanceName",
    },
    Product {
        kind_id: "dcs2.instance",
        api: get(
            "dcs:DescribeInstances",
            "dcs2",
            "/v2/instanceManageMgrServant/describeInstances",
        ),
        region_in: RegionIn::Header,
        paging: Paging::Numbered {
            page: "pageIndex",
            max: 100,
        },
        list: "rows",
        total: Some("total"),
        id: "prodInstId",
        name: "instanceName",
    },
    Product {
        kind_id: "zos.bucket",
        api: get("zos:ListBuckets", "zos", "/v4/oss/list-buckets"),
        region_in: RegionIn::AllPublic,
        paging: Paging::Numbered {
            page: "pageNo",
            max: 50,
        },
        list: "bucketList",
        total: Some("totalCount"),
        id: "bucket",
        name: "bucket",
    },
    // The RocketMQ host name and region passing are not documented (providers.md §5.d):
    // `rocketmq` and the `regionId` header of the other middleware products are assumed.
    Product {
        kind_id: "rocketmq.instance",
        api: get("rocketmq:ListInstances", "rocketmq", "/v2/instance/list"),
        region_in: RegionIn::Header,
        paging: Paging::None,
        list: "prodInstList",
        total: None,
        id: "prodInstId",
        name: "prodInstName",
    },
    Product {
        kind_id: "ctelb.loadbalancer",
        api: get("elb:ListLoadBalancer", "ctelb", "/v4/elb/list-loadbalancer"),
        region_in: RegionIn::Query,
        paging: Paging::None,
        list: "",
        total: None,
        id: "ID",
        name: "name",
    },
    Product {
        kind_id: "ebs.disk",
        api: get("ebs:ListEbs", "ebs", "/v4/ebs/list-ebs"),
        region_in: RegionIn::Query,
        paging: Paging::Numbered {
            page: "pageNo",
            max: 300,
        },
        list: "diskList",
        total: Some("totalCount"),
        id: "diskID",
        name: "diskName",
    },
];

fn product(kind_id: &str) -> Option<&'static Product> {
    PRODUCTS.iter().find(|p| p.kind_id == kind_id)
}

fn kind_of(kind_id: &str) -> Option<&'static ResourceKind> {
    KINDS.iter().find(|k| k.id == kind_id)
}

impl Product {
    /// The call for page `page_no` of `page_size` items in `region`.
    fn call(&self, region: Option<&str>, page_no: u32, page_size: u32) -> ApiCall {
        let mut call = ApiCall::new(self.api);
        match (self.region_in, region) {
            (RegionIn::Header, Some(r)) => call = call.header("regionId", r),
            (RegionIn::Query, Some(r)) => call = call.query("regionID", r),
            (RegionIn::AllPublic, _) => call = call.query("regionID", "public"),
            (_, None) => {}
        }
        if let Paging::Numbered { page, .. } = self.paging {
            call = call.query(page, page_no).query("pageSize", page_size);
        }
        call
    }

    /// One page: its items (required) and total.
    async fn page(
        &self,
        client: &Client,
        region: Option<&str>,
        page_no: u32,
        page_size: u32,
    ) -> Result<NumberedPage> {
        let call = self.call(region, page_no, page_size);
        let mut obj: Value = client.send(&call, region).await?;
        let total = self.total.and_then(|t| obj.get(t)).and_then(count);
        let list = if self.list.is_empty() {
            obj
        } else {
            obj.get_mut(self.list)
                .map(Value::take)
                .unwrap_or(Value::Null)
        };
        let Value::Array(items) = list else {
            let at = region.map(|r| format!(" in {r}")).unwrap_or_default();
            let field = if self.list.is_empty() { "" } else { self.list };
            return Err(Error::decode(format!(
                "{}{at}: returnObj{}{field} is missing, null or not a list; the answer is not the listing asked for",
                self.api.action,
                if field.is_empty() { "" } else { "." },
            ))
            .with_provider(ProviderKind::Ctyun)
            .with_action(self.api.action));
        };
        Ok(NumberedPage { items, total })
    }

    /// One item as a [`CloudResource`] of `kind`; the region is the item's own `regionID`
    /// when it has one (buckets of the account-wide listing), else the pool listed.
    fn resource(&self, kind: &ResourceKind, region: Option<&str>, raw: Value) -> CloudResource {
        let id = field(&raw, self.id).unwrap_or_default();
        let region = field(&raw, "regionID")
            .or_else(|| region.map(str::to_owned))
            .unwrap_or_else(|| "global".to_owned());
        CloudResource::new(kind.service, kind.resource_type, id, region)
            .with_name(field(&raw, self.name))
            .with_tags(labels(&raw))
            .with_raw(raw)
    }
}

/// Redis `labels[{key, value}]`; the other products return no tags in their listings.
fn labels(raw: &Value) -> Tags {
    raw.get("labels")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|l| Some((field(l, "key")?, field(l, "value").unwrap_or_default())))
        .collect()
}

fn unknown_kind(kind: &ResourceKind) -> Error {
    Error::config(format!("kind {} is not a CTyun kind", kind.id))
}

fn missing_region(kind: &ResourceKind) -> Error {
    Error::config(format!(
        "kind {} is listed per resource pool: pass the region",
        kind.id
    ))
}

/// The items of `kind` in `region` (`None` for the global ZOS listing).
pub(crate) fn list(
    client: Client,
    kind: &ResourceKind,
    region: Option<String>,
) -> BoxStream<'static, Result<Item>> {
    if kind.id == "host" {
        return match region {
            Some(r) => hosts::list(client, r),
            None => stream::iter([Err(missing_region(kind))]).boxed(),
        };
    }
    let (Some(product), Some(kind)) = (product(kind.id), kind_of(kind.id)) else {
        return stream::iter([Err(unknown_kind(kind))]).boxed();
    };
    if kind.scope == KindScope::Regional && region.is_none() {
        return stream::iter([Err(missing_region(kind))]).boxed();
    }
    let items = match product.paging {
        Paging::Numbered { max, .. } => {
            let size = client.page_size(max);
            let r = region.clone();
            let cap = client.page_cap(product.api.action, region.as_deref());
            by_page_number(cap, product.api.action, size, product.id, move |n| {
                let (client, r) = (client.clone(), r.clone());
                async move { product.page(&client, r.as_deref(), n, size).await }
            })
        }
        Paging::None => {
            let r = region.clone();
            stream::once(async move { product.page(&client, r.as_deref(), 1, 0).await })
                .flat_map(|page| match page {
                    Ok(p) => stream::iter(p.items.into_iter().map(Ok).collect::<Vec<_>>()),
                    Err(e) => stream::iter(vec![Err(e)]),
                })
                .boxed()
        }
    };
    items
        .map(move |item| {
            item.map(|raw| Item::Resource(product.resource(kind, region.as_deref(), raw)))
        })
        .boxed()
}

/// One cheap call of `kind`'s listing in `region`: the first page of one item.
pub(crate) async fn probe(
    client: &Client,
    kind: &ResourceKind,
    region: Option<&str>,
) -> Result<()> {
    if kind.id == "host" {
        let region = region.ok_or_else(|| missing_region(kind))?;
        return hosts::page(client, region, 1, 1).await.map(|_| ());
    }
    let product = product(kind.id).ok_or_else(|| unknown_kind(kind))?;
    let region = if kind.scope == KindScope::Global {
        None
    } else {
        region
    };
    product.page(client, region, 1, 1).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_declarations_pass_the_core_checks() {
        assert_eq!(multicloud_core::kind::check_declarations(&KINDS), Ok(()));
        for kind in KINDS.iter().filter(|k| k.id != "host") {
            let p = product(kind.id).expect("every resource kind has an adapter");
            assert_eq!(kind.probe_action(), Some(p.api.action), "{}", kind.id);
        }
        let grants = multicloud_core::grants_for(KINDS.iter());
        assert_eq!(
            grants,
            [
                "ecs viewer",
                "KAFKA viewer",
                "Distributed Cache Redis Viewer",
                "zos viewer",
                "RocketMQ-MQ2 viewer",
                "elb admin",
                "ebs viewer"
            ]
        );
    }

    #[test]
    fn each_product_passes_region_and_page_its_own_way() {
        let q = |id: &str| {
            let call = product(id).unwrap().call(Some("r1"), 2, 10);
            format!("{call:?}")
        };
        assert!(q("ctgkafka.instance").contains("(\"pageNum\", \"2\")"));
        assert!(q("ctgkafka.instance").contains("(\"regionId\", \"r1\")"));
        assert!(q("dcs2.instance").contains("(\"pageIndex\", \"2\")"));
        assert!(q("ebs.disk").contains("(\"regionID\", \"r1\")"));
        assert!(q("zos.bucket").contains("(\"regionID\", \"public\")"));
        assert!(!q("ctelb.loadbalancer").contains("pageSize"));
    }

    #[test]
    fn an_item_maps_with_its_own_region_and_labels() {
        let zos = product("zos.bucket").unwrap();
        let r = zos.resource(
            kind_of("zos.bucket").unwrap(),
            None,
            json!({"bucket": "logs", "regionID": "r9"}),
        );
        assert_eq!((r.id.as_str(), r.region.as_str()), ("logs", "r9"));
        let dcs = product("dcs2.instance").unwrap();
        let r = dcs.resource(
            kind_of("dcs2.instance").unwrap(),
            Some("r1"),
            json!({"prodInstId": "i1", "instanceName": "cache", "labels": [{"key": "env", "value": "prod"}]}),
        );
        assert_eq!(r.tags.get("env").map(String::as_str), Some("prod"));
        assert_eq!(r.region, "r1");
        assert_eq!(r.service, "dcs2");
    }
}

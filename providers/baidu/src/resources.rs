//! The resource kinds of BCE, declared once, and their listers.
//!
//! One kind per product, each granted by its own system policy (the onboarding guide's
//! names), so verify names exactly the policies a partly granted key lacks and one product
//! denied, not activated or failing never hides another (every kind has its own listing
//! action, so each can be denied alone). BCC instances are the `host` kind, in both the
//! Host and the CSPM features. BOS buckets and IAM users are account-wide.

use futures::stream::{self, BoxStream, StreamExt};
use multicloud_core::{
    CloudResource, Error, Item, KindScope, ResourceKind, Result, StandardFeature,
};
use serde_json::Value;

use crate::api::{self, Api};
use crate::client::Client;
use crate::endpoints::HOME_REGION;
use crate::paging::{MapItem, MarkerList};
use crate::wire::{self, BucketList, UserList};
use crate::{errors, hosts};

/// BCC instances serve both: the guide's CSPM, and the host list a library user wants.
const HOST_AND_CSPM: &[StandardFeature] = &[StandardFeature::Host, StandardFeature::Cspm];
const CSPM: &[StandardFeature] = &[StandardFeature::Cspm];

/// Every kind, in listing order.
pub(crate) static KINDS: [ResourceKind; 10] = [
    ResourceKind::hosts("bcc")
        .with_features(HOST_AND_CSPM)
        .with_list_actions(&[api::BCC_INSTANCES.name])
        .with_grant(api::BCC_INSTANCES.grant),
    ResourceKind::resources("vpc", "vpc", KindScope::Regional)
        .with_id("vpc.vpc")
        .with_features(CSPM)
        .with_list_actions(&[api::VPCS.name])
        .with_grant(api::VPCS.grant),
    ResourceKind::resources("scs", "instance", KindScope::Regional)
        .with_id("scs.instance")
        .with_features(CSPM)
        .with_list_actions(&[api::REDIS.name])
        .with_grant(api::REDIS.grant),
    ResourceKind::resources("kafka", "cluster", KindScope::Regional)
        .with_id("kafka.cluster")
        .with_features(CSPM)
        .with_list_actions(&[api::KAFKA.name])
        .with_grant(api::KAFKA.grant),
    ResourceKind::resources("mongodb", "instance", KindScope::Regional)
        .with_id("mongodb.instance")
        .with_features(CSPM)
        .with_list_actions(&[api::MONGODB.name])
        .with_grant(api::MONGODB.grant),
    ResourceKind::resources("rds", "instance", KindScope::Regional)
        .with_id("rds.instance")
        .with_features(CSPM)
        .with_list_actions(&[api::RDS.name])
        .with_grant(api::RDS.grant),
    ResourceKind::resources("blb", "blb", KindScope::Regional)
        .with_id("blb.blb")
        .with_features(CSPM)
        .with_list_actions(&[api::BLB.name])
        .with_grant(api::BLB.grant),
    ResourceKind::resources("blb", "appblb", KindScope::Regional)
        .with_id("blb.appblb")
        .with_features(CSPM)
        .with_list_actions(&[api::APP_BLB.name])
        .with_grant(api::APP_BLB.grant),
    ResourceKind::resources("bos", "bucket", KindScope::Global)
        .with_id("bos.bucket")
        .with_features(CSPM)
        .with_list_actions(&[api::BOS_BUCKETS.name])
        .with_grant(api::BOS_BUCKETS.grant),
    ResourceKind::resources("iam", "user", KindScope::Global)
        .with_id("iam.user")
        .with_features(CSPM)
        .with_list_actions(&[api::IAM_USERS.name])
        .with_grant(api::IAM_USERS.grant),
];

/// How a regional product's items become resources.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Product {
    /// The kind's id.
    pub(crate) kind: &'static str,
    /// The listing.
    pub(crate) list: MarkerList,
    /// The item's id field.
    pub(crate) id_field: &'static str,
    /// The item's name field.
    pub(crate) name_field: &'static str,
}

const fn product(
    kind: &'static str,
    api: &'static Api,
    items_key: &'static str,
    id_field: &'static str,
    name_field: &'static str,
) -> Product {
    Product {
        kind,
        list: MarkerList {
            api,
            items_key,
            extra: &[],
        },
        id_field,
        name_field,
    }
}

/// The regional products (their items key and id/name fields: providers.md §4.d).
pub(crate) const PRODUCTS: &[Product] = &[
    product("vpc.vpc", &api::VPCS, "vpcs", "vpcId", "name"),
    product(
        "scs.instance",
        &api::REDIS,
        "instances",
        "instanceId",
        "instanceName",
    ),
    product(
        "kafka.cluster",
        &api::KAFKA,
        "clusters",
        "clusterId",
        "name",
    ),
    Product {
        kind: "mongodb.instance",
        list: MarkerList {
            api: &api::MONGODB,
            items_key: "dbInstances",
            // Without it the MongoDB list is not paged by marker.
            extra: &[("manner", "marker")],
        },
        id_field: "dbInstanceId",
        name_field: "dbInstanceName",
    },
    product(
        "rds.instance",
        &api::RDS,
        "instances",
        "instanceId",
        "instanceName",
    ),
    product("blb.blb", &api::BLB, "blbList", "blbId", "name"),
    product("blb.appblb", &api::APP_BLB, "blbList", "blbId", "name"),
];

fn product_of(kind: &ResourceKind) -> Option<&'static Product> {
    PRODUCTS.iter().find(|p| p.kind == kind.id)
}

/// Maps a raw item of `product` in `region` to a resource; a missing id is a decode error.
fn to_resource(product: &Product, raw: Value, region: &str) -> Result<CloudResource> {
    let Some(id) = wire::str_field(&raw, product.id_field).map(str::to_owned) else {
        return Err(wire::decode_error(
            product.list.api.name,
            Some(region),
            &format!(
                "an item of `{}` has no `{}`",
                product.list.items_key, product.id_field
            ),
        ));
    };
    let (service, resource_type) = product.kind.split_once('.').unwrap_or((product.kind, ""));
    let name = wire::str_field(&raw, product.name_field).map(str::to_owned);
    Ok(CloudResource::new(service, resource_type, id, region)
        .with_name(name)
        .with_tags(wire::tags(&raw))
        .with_raw(raw))
}

macro_rules! mapper {
    ($index:expr) => {{
        fn map(raw: Value, region: Option<&str>) -> Result<Item> {
            to_resource(&PRODUCTS[$index], raw, region.unwrap_or_default()).map(Item::Resource)
        }
        map as MapItem
    }};
}

/// One item mapper per entry of [`PRODUCTS`], in the same order (listings take plain `fn`s).
pub(crate) const MAPPERS: [MapItem; 7] = [
    mapper!(0),
    mapper!(1),
    mapper!(2),
    mapper!(3),
    mapper!(4),
    mapper!(5),
    mapper!(6),
];

fn failed(error: Error) -> BoxStream<'static, Result<Item>> {
    stream::once(async move { Err(error) }).boxed()
}

/// The items of `kind` in `region` (`None` for the account-wide kinds).
pub(crate) fn list(
    client: &Client,
    kind: &ResourceKind,
    region: Option<&str>,
) -> BoxStream<'static, Result<Item>> {
    let client = client.clone();
    match kind.id {
        "bos.bucket" => return stream::once(buckets(client)).flat_map(flatten).boxed(),
        "iam.user" => return stream::once(users(client)).flat_map(flatten).boxed(),
        _ => {}
    }
    let Some(region) = region.map(str::to_owned) else {
        return failed(Error::config(format!(
            "{} is listed per region: pass a region",
            kind.id
        )));
    };
    if kind.id == "host" {
        return hosts::LISTING.stream(client, Some(region), hosts::map_item);
    }
    match PRODUCTS.iter().position(|p| p.kind == kind.id) {
        Some(i) => PRODUCTS[i].list.stream(client, Some(region), MAPPERS[i]),
        None => failed(Error::config(format!("{} is not a kind of BCE", kind.id))),
    }
}

fn flatten(items: Result<Vec<Item>>) -> BoxStream<'static, Result<Item>> {
    match items {
        Ok(items) => stream::iter(items.into_iter().map(Ok)).boxed(),
        Err(e) => failed(e),
    }
}

/// A call that is "not in use" when the product is not activated.
async fn call_in_use(
    client: &Client,
    api: &Api,
    region: Option<&str>,
) -> Result<Option<bytes::Bytes>> {
    match client.call(api, region, &[], None).await {
        Ok(body) => Ok(Some(body)),
        Err(e) if errors::is_not_activated(&e) => {
            tracing::info!(
                action = api.name,
                "product not activated (OptInRequired): not in use"
            );
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Every bucket of the account (one call on `bj.bcebos.com`; BOS lists all regions' buckets
/// from any region's host). A bucket's region is its `location`.
async fn buckets(client: Client) -> Result<Vec<Item>> {
    let Some(body) = call_in_use(&client, &api::BOS_BUCKETS, Some(HOME_REGION)).await? else {
        return Ok(Vec::new());
    };
    buckets_page(&body)
}

/// The buckets of one BOS `ListBuckets` answer; an answer without `buckets` is an error.
pub(crate) fn buckets_page(body: &[u8]) -> Result<Vec<Item>> {
    let action = api::BOS_BUCKETS.name;
    let doc: BucketList = wire::parse(action, None, body)?;
    doc.buckets
        .into_iter()
        .map(|raw| {
            let Some(name) = wire::str_field(&raw, "name").map(str::to_owned) else {
                return Err(wire::decode_error(action, None, "a bucket has no `name`"));
            };
            let region = wire::str_field(&raw, "location")
                .unwrap_or("global")
                .to_owned();
            Ok(Item::Resource(
                CloudResource::new("bos", "bucket", name.clone(), region)
                    .with_name(Some(name))
                    .with_raw(raw),
            ))
        })
        .collect()
}

/// Every IAM user of the account.
async fn users(client: Client) -> Result<Vec<Item>> {
    let Some(body) = call_in_use(&client, &api::IAM_USERS, None).await? else {
        return Ok(Vec::new());
    };
    users_page(&body)
}

/// The users of one IAM `ListUser` answer; an answer without `users` is an error.
pub(crate) fn users_page(body: &[u8]) -> Result<Vec<Item>> {
    let action = api::IAM_USERS.name;
    let doc: UserList = wire::parse(action, None, body)?;
    doc.users
        .into_iter()
        .map(|raw| {
            let Some(id) = wire::str_field(&raw, "id").map(str::to_owned) else {
                return Err(wire::decode_error(action, None, "a user has no `id`"));
            };
            let name = wire::str_field(&raw, "name").map(str::to_owned);
            Ok(Item::Resource(
                CloudResource::new("iam", "user", id, "global")
                    .with_name(name)
                    .with_raw(raw),
            ))
        })
        .collect()
}

/// One cheap call of `kind`'s main listing (`maxKeys=1` where paged). A product not
/// activated passes: it is not in use, so there is nothing to grant for it.
pub(crate) async fn probe(client: &Client, kind: &ResourceKind) -> Result<()> {
    match kind.id {
        "bos.bucket" => {
            let body = call_in_use(client, &api::BOS_BUCKETS, Some(HOME_REGION)).await?;
            if let Some(body) = body {
                wire::parse::<BucketList>(api::BOS_BUCKETS.name, None, &body)?;
            }
            Ok(())
        }
        "iam.user" => {
            let body = call_in_use(client, &api::IAM_USERS, None).await?;
            if let Some(body) = body {
                wire::parse::<UserList>(api::IAM_USERS.name, None, &body)?;
            }
            Ok(())
        }
        "host" => hosts::LISTING
            .page(client, Some(HOME_REGION), None, 1)
            .await
            .map(drop),
        _ => match product_of(kind) {
            Some(p) => p
                .list
                .page(client, Some(HOME_REGION), None, 1)
                .await
                .map(drop),
            None => Err(Error::config(format!("{} is not a kind of BCE", kind.id))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use multicloud_core::kind::check_declarations;
    use serde_json::json;

    #[test]
    fn declarations_pass_the_core_checks_and_name_one_policy_per_product() {
        assert_eq!(check_declarations(&KINDS), Ok(()));
        let grants: Vec<&str> = KINDS.iter().map(|k| k.grant).collect();
        for policy in [
            "BCCReadAccessPolicy",
            "RedisReadAccessPolicy",
            "KAFKAReadAccessPolicy",
            "MONGODBReadAccessPolicy",
            "RDSReadAccessPolicy",
            "VPCReadAccessPolicy",
            "BOSLISTANDReadAccessPolicy",
            "BLBReadAccessPolicy",
            "IAMReadAccessPolicy",
        ] {
            assert!(grants.contains(&policy), "{policy}");
        }
        // Each kind can be denied alone: no two kinds share their listing action.
        for (n, kind) in KINDS.iter().enumerate() {
            assert!(
                KINDS[..n]
                    .iter()
                    .all(|k| k.probe_action() != kind.probe_action()),
                "{}",
                kind.id
            );
        }
        // Every regional resource kind has a lister, and mappers line up with products.
        for kind in KINDS
            .iter()
            .filter(|k| k.scope == KindScope::Regional && k.id != "host")
        {
            assert!(product_of(kind).is_some(), "{}", kind.id);
        }
        for (i, p) in PRODUCTS.iter().enumerate() {
            let raw = json!({ p.id_field: "x-1", p.name_field: "n" });
            let item = MAPPERS[i](raw, Some("gz")).unwrap();
            assert_eq!(item.kind_id(), p.kind);
            assert_eq!(item.name(), Some("n"));
        }
    }

    #[test]
    fn an_item_without_its_id_is_a_decode_error() {
        let err = MAPPERS[2](json!({"name":"k"}), Some("gz")).unwrap_err();
        assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode);
        assert!(err.to_string().contains("clusterId"));
    }
}

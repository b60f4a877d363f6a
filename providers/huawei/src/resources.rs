//! The resource kinds of Huawei Cloud, declared once, and their listings.
//!
//! - `host`: ECS servers per region (`hosts.rs`), granted by `ECS ReadOnlyAccess`.
//! - Cloud products through RMS `ListAllResources`: one global, marker-paged call per
//!   resource type (`type=vpc.vpcs`, …), each type its own kind, so one failing type never
//!   hides another. Granted by `Tenant Guest`. RMS also lists ECS servers; those come from
//!   ECS as hosts, not from here.
//! - `obs.buckets`: the bucket list from OBS itself (OBS signature), with each bucket's
//!   location.
//! - Capabilities with no inventory: `iam.region` (IAM read, for region names), and the
//!   Response kinds `iam.credential`, `cfw.block` and `waf.block`, granted by the onboarding
//!   guide's custom policies `siemBasePolicy` and `siemNormalPolicy` (see
//!   [`crate::verify::custom_policies`]).

use futures::stream::{self, BoxStream, StreamExt};
use multicloud_core::{
    paginate_capped, CloudResource, Error, ErrorKind, Item, KindScope, Page, ProviderKind, Region,
    ResourceKind, Result, StandardFeature, UnknownField,
};
use serde_json::Value;

use crate::client::{Client, Request, Scope, OBS_LIST_BUCKETS, RMS_LIST_ALL_RESOURCES};
use crate::wire::{self, decode_error};
use crate::{hosts, obs};

/// The policy granting ECS reads.
pub(crate) const ECS_READ: &str = "ECS ReadOnlyAccess";
/// The policy granting IAM reads.
pub(crate) const IAM_READ: &str = "IAM ReadOnlyAccess";
/// The policy granting reads of every service but IAM.
pub(crate) const TENANT_GUEST: &str = "Tenant Guest";
/// The onboarding guide's global custom policy (IAM read, RMS, OBS read).
pub(crate) const SIEM_BASE: &str = "siemBasePolicy";
/// The onboarding guide's project custom policy (CFW address groups, WAF IP rules).
pub(crate) const SIEM_NORMAL: &str = "siemNormalPolicy";

const HOST: &[StandardFeature] = &[StandardFeature::Host];
const CSPM: &[StandardFeature] = &[StandardFeature::Cspm];
const HOST_CSPM: &[StandardFeature] = &[StandardFeature::Host, StandardFeature::Cspm];
const RESPONSE: &[StandardFeature] = &[StandardFeature::Response];

const RMS: &[&str] = &["rms:ListAllResources"];

const fn rms(
    provider: &'static str,
    resource_type: &'static str,
    id: &'static str,
) -> ResourceKind {
    ResourceKind::resources(provider, resource_type, KindScope::Global)
        .with_id(id)
        .with_features(CSPM)
        .with_list_actions(RMS)
        .with_grant(TENANT_GUEST)
}

/// Every kind, in listing order.
pub(crate) static KINDS: [ResourceKind; 12] = [
    ResourceKind::hosts("ecs")
        .with_features(HOST)
        .with_list_actions(&["ecs:ListServersDetails"])
        .with_grant(ECS_READ),
    ResourceKind::capability("iam.region", "iam", KindScope::Global)
        .with_features(HOST_CSPM)
        .with_list_actions(&["iam:KeystoneListRegions"])
        .with_grant(IAM_READ),
    rms("vpc", "vpcs", "vpc.vpcs"),
    rms("vpc", "securitygroups", "vpc.securitygroups"),
    rms("vpc", "publicips", "vpc.publicips"),
    rms("evs", "volumes", "evs.volumes"),
    rms("elb", "loadbalancers", "elb.loadbalancers"),
    rms("rds", "instances", "rds.instances"),
    ResourceKind::resources("obs", "buckets", KindScope::Global)
        .with_id("obs.buckets")
        .with_features(CSPM)
        .with_list_actions(&["obs:ListBuckets"])
        .with_grant(TENANT_GUEST),
    ResourceKind::capability("iam.credential", "iam", KindScope::Global)
        .with_features(RESPONSE)
        .with_list_actions(&["iam:ShowPermanentAccessKey"])
        .with_grant(SIEM_BASE),
    ResourceKind::capability("cfw.block", "cfw", KindScope::Regional)
        .with_features(RESPONSE)
        .with_list_actions(&[
            "cfw:ListFirewallDetail",
            "cfw:ListAddressSets",
            "cfw:ListAddressItems",
        ])
        .with_write_actions(&["cfw:AddAddressItem", "cfw:DeleteAddressItem"])
        .with_grant(SIEM_NORMAL),
    ResourceKind::capability("waf.block", "waf", KindScope::Regional)
        .with_features(RESPONSE)
        .with_list_actions(&["waf:ListPolicy", "waf:ListWhiteblackipRule"])
        .with_write_actions(&["waf:CreateWhiteblackipRule", "waf:DeleteWhiteBlackIpRule"])
        .with_grant(SIEM_NORMAL),
];

/// The largest RMS `limit`.
pub(crate) const RMS_MAX_PAGE_SIZE: u32 = 200;
/// The largest OBS `max-keys`.
pub(crate) const OBS_MAX_PAGE_SIZE: u32 = 1000;

/// Page sizes of the listings (clamped to each API's maximum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageSize(pub(crate) u32);

fn failed<T: Send + 'static>(e: Error) -> BoxStream<'static, Result<T>> {
    stream::once(async move { Err(e) }).boxed()
}

/// The items of `kind` (in `region` for the host kind).
pub(crate) fn list(
    client: Client,
    kind: &ResourceKind,
    region: Option<&Region>,
    page_size: PageSize,
) -> BoxStream<'static, Result<Item>> {
    match (kind.id, region) {
        ("host", Some(r)) => hosts::list(client, r.id.clone(), page_size.0)
            .map(|h| h.map(Item::Host))
            .boxed(),
        ("host", None) => failed(Error::config("the host kind is listed per region")),
        ("obs.buckets", _) => buckets(client, page_size.0)
            .map(|r| r.map(Item::Resource))
            .boxed(),
        (_, _) if kind.list_actions == RMS => {
            rms_listing(client, kind.service, kind.resource_type, page_size.0)
                .map(|r| r.map(Item::Resource))
                .boxed()
        }
        _ => failed(
            Error::config(format!("kind {} has no inventory to list", kind.id))
                .with_provider(ProviderKind::Huawei),
        ),
    }
}

/// One `ListAllResources` request.
pub(crate) fn rms_request(
    domain_id: &str,
    rms_type: Option<&str>,
    limit: u32,
    marker: Option<&str>,
) -> Request {
    let mut r = Request::get(format!(
        "/v1/resource-manager/domains/{domain_id}/all-resources"
    ))
    .query("limit", limit)
    .scope(Scope::Domain(domain_id.to_owned()));
    if let Some(t) = rms_type {
        r = r.query("type", t);
    }
    if let Some(m) = marker.filter(|m| !m.is_empty()) {
        r = r.query("marker", m);
    }
    r
}

/// Streams the RMS resources of `provider.resource_type`, marker-paged (`limit` 1..=200),
/// leaving out those RMS reports as `state: deleted`.
pub(crate) fn rms_listing(
    client: Client,
    provider: &'static str,
    resource_type: &'static str,
    page_size: u32,
) -> BoxStream<'static, Result<CloudResource>> {
    let limit = page_size.clamp(1, RMS_MAX_PAGE_SIZE);
    let rms_type = format!("{provider}.{resource_type}");
    let cap = client.page_cap(
        &format!("{} of {rms_type}", RMS_LIST_ALL_RESOURCES.name),
        None,
    );
    paginate_capped(cap, move |marker: Option<String>| {
        let client = client.clone();
        let rms_type = rms_type.clone();
        async move {
            let domain = client.domain_id().await?;
            let request = rms_request(&domain, Some(&rms_type), limit, marker.as_deref());
            let body = client.json(RMS_LIST_ALL_RESOURCES, &request).await?;
            let (out, next) = rms_page(&body, provider, resource_type)?;
            Ok(Page::new(out, next))
        }
    })
}

/// The resources of `provider.resource_type` in one `ListAllResources` answer, and its next
/// marker; an answer without its `resources` list is an error.
pub(crate) fn rms_page(
    body: &Value,
    provider: &str,
    resource_type: &str,
) -> Result<(Vec<CloudResource>, Option<String>)> {
    let items = wire::list(body, "resources", RMS_LIST_ALL_RESOURCES.name, None)?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        // RMS keeps deleted resources for a while (`state: deleted`).
        if wire::text(item, "state").as_deref() == Some("deleted") {
            continue;
        }
        let r = to_resource(item.clone())?;
        // Only this kind's items, whatever the server filtered.
        if r.service == provider && r.resource_type == resource_type {
            out.push(r);
        }
    }
    let next = body
        .get("page_info")
        .and_then(|p| wire::text(p, "next_marker"));
    Ok((out, next))
}

/// Maps one RMS `ResourceEntity`.
pub(crate) fn to_resource(item: Value) -> Result<CloudResource> {
    let action = RMS_LIST_ALL_RESOURCES.name;
    let (Some(id), Some(provider), Some(ty)) = (
        wire::text(&item, "id"),
        wire::text(&item, "provider"),
        wire::text(&item, "type"),
    ) else {
        return Err(decode_error(
            action,
            None,
            "a resource without id, provider or type",
        ));
    };
    let region = wire::text(&item, "region_id").unwrap_or_else(|| "global".to_owned());
    let tags = item
        .get("tags")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(CloudResource::new(provider, ty, id, region)
        .with_name(wire::text(&item, "name"))
        .with_tags(tags)
        .with_raw(item))
}

/// Streams every OBS bucket, with the region from its `Location`.
pub(crate) fn buckets(client: Client, page_size: u32) -> BoxStream<'static, Result<CloudResource>> {
    let max_keys = page_size.clamp(1, OBS_MAX_PAGE_SIZE);
    let cap = client.page_cap(OBS_LIST_BUCKETS.name, None);
    paginate_capped(cap, move |marker: Option<String>| {
        let client = client.clone();
        async move {
            let page = obs::list_page(&client, marker.as_deref(), max_keys).await?;
            let buckets = page.buckets.map(|b| b.bucket).unwrap_or_default();
            let next = if page.is_truncated == Some(true) {
                page.next_marker
                    .clone()
                    .or_else(|| buckets.last().map(|b| b.name.clone()))
            } else {
                None
            };
            let items = buckets
                .into_iter()
                .map(|b| {
                    let raw = serde_json::to_value(&b).unwrap_or(Value::Null);
                    let location = b.location.clone().filter(|l| !l.is_empty());
                    let r = CloudResource::new(
                        "obs",
                        "buckets",
                        b.name.clone(),
                        location.clone().unwrap_or_default(),
                    )
                    .with_name(Some(b.name))
                    .with_raw(raw);
                    match location {
                        Some(_) => r,
                        None => r.with_unknown(UnknownField::new(
                            "region",
                            OBS_LIST_BUCKETS.name,
                            ErrorKind::Decode,
                        )),
                    }
                })
                .collect();
            Ok(Page::new(items, next))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn declarations_pass_the_core_checks() {
        multicloud_core::kind::check_declarations(&KINDS).unwrap();
    }

    #[test]
    fn every_kind_action_is_an_api_this_crate_calls() {
        for kind in &KINDS {
            for action in kind.list_actions.iter().chain(kind.write_actions) {
                assert!(
                    crate::client::APIS.iter().any(|a| a.name == *action),
                    "{} declares {action}",
                    kind.id
                );
            }
        }
    }

    #[test]
    fn an_rms_entity_maps_with_region_tags_and_raw() {
        let r = to_resource(json!({
            "id": "v1", "name": "prod", "provider": "vpc", "type": "vpcs",
            "region_id": "cn-north-4", "tags": {"env": "prod"}, "properties": {}
        }))
        .unwrap();
        assert_eq!(r.key(), ("vpc", "vpcs", "v1"));
        assert_eq!(r.region, "cn-north-4");
        assert_eq!(r.tags["env"], "prod");
        assert!(to_resource(json!({"id": "x"})).is_err());
    }

    #[test]
    fn rms_requests_filter_by_type_and_page_by_marker() {
        let r = rms_request("d1", Some("vpc.vpcs"), 200, Some("m1"));
        assert_eq!(r.path, "/v1/resource-manager/domains/d1/all-resources");
        assert_eq!(
            r.query,
            [
                ("limit", "200".to_owned()),
                ("type", "vpc.vpcs".to_owned()),
                ("marker", "m1".to_owned())
            ]
        );
    }
}

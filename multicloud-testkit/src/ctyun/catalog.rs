//! CTyun's simulated catalog: resource pools (regions), demo keys and id formats.

use multicloud_core::Domain;
use rand::rngs::SmallRng;
use sha2::{Digest, Sha256};

use crate::fixture::{random_alnum, random_uuid, region};
use crate::inventory::SimRegion;
use crate::keys::{KeyStatus, Permissions, SimKey};

/// One resource pool: `(regionCode, regionName, province, multi-AZ, openapiAvailable)`.
///
/// Pools without `openapiAvailable` are listed by `list-regions` but refuse API calls
/// (`Openapi.RegionInfo.AccessFailed`); they are the "not opted in" regions of this cloud.
pub(crate) const POOLS: &[(&str, &str, &str, bool, bool)] = &[
    ("cn-huadong1", "华东1", "江苏", true, true),
    ("cn-huabei2", "华北2", "北京", true, true),
    ("cn-huanan2", "华南2", "广东", true, true),
    ("cn-xinan1", "西南1", "重庆", true, true),
    ("cn-shanghai36", "上海36", "上海", false, true),
    ("cn-neimeng6", "内蒙6", "内蒙古", false, false),
    ("cn-nanning23", "南宁23", "广西", false, false),
];

/// The demo account id.
pub const DEMO_ACCOUNT_ID: &str = "c7a1e3b5d9f24c68a0b2d4f6e8a0c2e4";
/// AK of the demo key with every permission (CTyun AKs are 32 characters).
pub const ADMIN_AK: &str = "3f9c0a7e5b2d4e8f9a1c3e5b7d9f1a2c";
/// AK of the read-only demo key (ECS and region calls only).
pub const READONLY_AK: &str = "4a0d1b8f6c3e5f9a0b2d4f6c8e0a2b3d";
/// AK of the disabled demo key.
pub const DISABLED_AK: &str = "5b1e2c9a7d4f6a0b1c3e5a7d9f1b3c4e";
/// AK of a key of the International edition (eSurfing Cloud): valid there, unknown to the
/// Chinese edition this simulator serves.
pub const INTL_AK: &str = "6c2f3d0b8e5a7b1c2d4f6b8e0a2c4d5f";

/// The `regionID` of a pool code (CTyun pool ids are 32 hex characters).
pub fn region_id(region_code: &str) -> String {
    let d = Sha256::digest(format!("ctyun-pool:{region_code}").as_bytes());
    hex::encode(&d[..16])
}

/// The pool entry of a `regionID`.
pub(crate) fn pool(
    region_id_value: &str,
) -> Option<&'static (&'static str, &'static str, &'static str, bool, bool)> {
    POOLS.iter().find(|p| region_id(p.0) == region_id_value)
}

/// The catalog as [`SimRegion`]s (`id` = `regionID`, `opted_in` = `openapiAvailable`).
pub(crate) fn regions() -> Vec<SimRegion> {
    POOLS
        .iter()
        .map(|(code, name, _, _, api)| region(&region_id(code), name, *api, *api, Domain::China))
        .collect()
}

/// Zones: `az1`..`az3` in multi-AZ pools, `default` in single-AZ ones.
pub(crate) fn zone_of(region_id_value: &str, i: usize) -> String {
    match pool(region_id_value) {
        Some(p) if p.3 => format!("az{}", i % 3 + 1),
        _ => "default".into(),
    }
}

/// Ids: hosts and images are UUIDs, VPCs `vpc-…`, subnets `subnet-…`.
pub(crate) fn id_gen(rng: &mut SmallRng, kind: &str) -> String {
    match kind {
        "vpc" => format!("vpc-{}", random_alnum(rng, 10)),
        "subnet" => format!("subnet-{}", random_alnum(rng, 10)),
        _ => random_uuid(rng),
    }
}

/// The demo keys: `admin`, `readonly`, `disabled` and `intl` (International edition).
pub(crate) fn demo_keys() -> Vec<SimKey> {
    let key = |ak: &str, sk: &str, user: &str, label: &str| {
        SimKey::new(ak, sk, DEMO_ACCOUNT_ID)
            .with_user(user, format!("{}{}", &ak[..16], &DEMO_ACCOUNT_ID[16..]))
            .with_domain(Domain::China)
            .with_label(label)
    };
    vec![
        key(
            ADMIN_AK,
            "a7c9e1b3d5f70a2c4e6b8d0f2a4c6e8b",
            "secops-admin",
            "admin",
        ),
        key(
            READONLY_AK,
            "b8d0f2a4c6e81b3d5f7a9c1e3b5d7f9a",
            "secops-readonly",
            "readonly",
        )
        .with_permissions(Permissions::only(["ecs:*", "region:*"])),
        key(
            DISABLED_AK,
            "c9e1a3b5d7f92c4e6a8b0d2f4a6c8e0b",
            "former-employee",
            "disabled",
        )
        .with_status(KeyStatus::Disabled),
        key(
            INTL_AK,
            "d0f2b4c6e8a03d5f7b9c1e3a5c7e9f1d",
            "intl-admin",
            "intl",
        )
        .with_domain(Domain::International),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_ids_are_32_hex_and_round_trip() {
        let id = region_id("cn-huadong1");
        assert_eq!(id.len(), 32);
        assert_eq!(pool(&id).map(|p| p.1), Some("华东1"));
        assert_eq!(zone_of(&id, 4), "az2");
        assert_eq!(zone_of(&region_id("cn-shanghai36"), 0), "default");
    }

    #[test]
    fn keys_are_32_characters() {
        for k in demo_keys() {
            assert_eq!(k.id.len(), 32);
            assert_eq!(k.secret.expose().len(), 32);
        }
    }
}

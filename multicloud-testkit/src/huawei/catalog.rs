//! Huawei Cloud's simulated catalog: regions, project ids, demo keys and id formats.

use multicloud_core::Domain;
use rand::rngs::SmallRng;
use sha2::{Digest, Sha256};

use crate::fixture::{random_uuid, region};
use crate::inventory::SimRegion;
use crate::keys::{KeyStatus, Permissions, SimKey};

/// `(id, English name, Chinese name, has a project in the demo account)`.
///
/// Huawei has no opt-in: a region "exists" for an account when the account has the region's
/// project. Regions without one are listed by `GET /v3/regions` but not by
/// `GET /v3/auth/projects`, and the SDK cannot resolve a project id for them.
pub(crate) const REGIONS: &[(&str, &str, &str, bool)] = &[
    ("cn-north-4", "CN North-Beijing4", "华北-北京四", true),
    ("cn-east-3", "CN East-Shanghai1", "华东-上海一", true),
    ("cn-south-1", "CN South-Guangzhou", "华南-广州", true),
    ("ap-southeast-1", "CN-Hong Kong", "中国-香港", true),
    ("ap-southeast-3", "AP-Singapore", "亚太-新加坡", true),
    (
        "cn-southwest-2",
        "CN Southwest-Guiyang1",
        "西南-贵阳一",
        true,
    ),
    ("cn-north-1", "CN North-Beijing1", "华北-北京一", true),
    ("cn-east-2", "CN East-Shanghai2", "华东-上海二", true),
    ("ap-southeast-2", "AP-Bangkok", "亚太-曼谷", true),
    ("af-south-1", "AF-Johannesburg", "非洲-约翰内斯堡", false),
    ("la-south-2", "LA-Santiago", "拉美-圣地亚哥", false),
    ("tr-west-1", "TR-Istanbul", "土耳其-伊斯坦布尔", false),
    ("eu-west-101", "EU-Dublin", "欧洲-都柏林", false),
];

/// The demo account's domain id (Huawei account ids are 32 hex characters).
pub const DEMO_DOMAIN_ID: &str = "0d6f1a2b3c4d4e5f8a9b0c1d2e3f4a5b";
/// The demo account's name.
pub const DEMO_DOMAIN_NAME: &str = "multicloud-sim";
/// AK of the demo key with every permission.
pub const ADMIN_AK: &str = "HPUASIMADMIN00000001";
/// AK of the demo key limited to read-only calls (no CFW/WAF writes, no IAM key lookup).
pub const READONLY_AK: &str = "HPUASIMREADONLY00002";
/// AK of the demo key that is disabled.
pub const DISABLED_AK: &str = "HPUASIMDISABLED00003";

/// The name of the project every Huawei account has next to its region projects.
pub(crate) const MOS_PROJECT: &str = "MOS";

/// The Chinese name of a region, for `locales.zh-cn`.
pub(crate) fn zh_name(id: &str) -> &'static str {
    REGIONS
        .iter()
        .find(|r| r.0 == id)
        .map(|r| r.2)
        .unwrap_or("")
}

/// The region catalog as [`SimRegion`]s (`opted_in` = the account has the region's project).
pub(crate) fn regions() -> Vec<SimRegion> {
    REGIONS
        .iter()
        .map(|(id, en, _, has_project)| region(id, en, *has_project, true, Domain::China))
        .collect()
}

pub(crate) fn hex32(input: &str) -> String {
    let digest = Sha256::digest(input.as_bytes());
    hex::encode(&digest[..16])
}

/// The id of the project named `name` (a region id, or `MOS`) in account `domain_id`.
///
/// Deterministic, so tests and the simulator agree without a lookup.
pub fn project_id(domain_id: &str, name: &str) -> String {
    hex32(&format!("project:{domain_id}:{name}"))
}

/// A user id for a user name in an account (32 hex characters, like IAM's).
pub(crate) fn user_id(domain_id: &str, user: &str) -> String {
    hex32(&format!("user:{domain_id}:{user}"))
}

/// Ids for hosts, VPCs, subnets and images: UUIDs, as ECS and VPC use.
pub(crate) fn id_gen(rng: &mut SmallRng, _kind: &str) -> String {
    random_uuid(rng)
}

/// The read-only grant of the limited demo key.
pub(crate) fn readonly_permissions() -> Permissions {
    Permissions::only([
        "iam:KeystoneListAuthProjects",
        "iam:KeystoneListAuthDomains",
        "iam:KeystoneListProjects",
        "iam:KeystoneListRegions",
        "ecs:*",
        "rms:*",
        "obs:*",
        "cfw:List*",
        "waf:List*",
    ])
}

/// A key of the demo account's root user, the IAM user named after the account (what a
/// "main account" key is): quick configuration needs one. Not seeded; insert it.
pub fn root_key(access_key_id: &str, secret: &str) -> SimKey {
    SimKey::new(access_key_id, secret, DEMO_DOMAIN_ID)
        .with_user(DEMO_DOMAIN_NAME, user_id(DEMO_DOMAIN_ID, DEMO_DOMAIN_NAME))
        .with_domain(Domain::China)
        .with_label("root")
}

/// The three demo keys: `admin`, `readonly` and `disabled`.
pub(crate) fn demo_keys() -> Vec<SimKey> {
    let key = |ak: &str, sk: &str, user: &str, label: &str| {
        SimKey::new(ak, sk, DEMO_DOMAIN_ID)
            .with_user(user, user_id(DEMO_DOMAIN_ID, user))
            .with_domain(Domain::China)
            .with_label(label)
    };
    vec![
        key(
            ADMIN_AK,
            "SimSecretAdminHuawei0000000000000000001",
            "secops-admin",
            "admin",
        ),
        key(
            READONLY_AK,
            "SimSecretReadonlyHuawei00000000000000002",
            "secops-readonly",
            "readonly",
        )
        .with_permissions(readonly_permissions()),
        key(
            DISABLED_AK,
            "SimSecretDisabledHuawei00000000000000003",
            "former-employee",
            "disabled",
        )
        .with_status(KeyStatus::Disabled),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_ids_are_stable_32_hex() {
        let a = project_id(DEMO_DOMAIN_ID, "cn-north-4");
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a, project_id(DEMO_DOMAIN_ID, "cn-north-4"));
        assert_ne!(a, project_id(DEMO_DOMAIN_ID, "cn-east-3"));
    }

    #[test]
    fn demo_keys_cover_admin_readonly_disabled() {
        let keys = demo_keys();
        assert_eq!(keys.len(), 3);
        assert!(keys
            .iter()
            .all(|k| k.id.len() == 20 && k.account_id == DEMO_DOMAIN_ID));
        assert!(!keys[2].is_active());
        assert!(!keys[1].permissions.allows("cfw:AddBlackWhiteList"));
        assert!(keys[1].permissions.allows("cfw:ListBlackWhiteLists"));
    }
}

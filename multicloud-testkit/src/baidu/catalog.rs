//! Baidu AI Cloud's simulated catalog: regions, demo keys and id formats.

use multicloud_core::Domain;
use rand::rngs::SmallRng;
use rand::Rng;

use crate::fixture::{random_alnum, random_hex, region};
use crate::inventory::SimRegion;
use crate::keys::{KeyStatus, Permissions, SimKey};

/// `(region id, name as DescribeRegions prints it, available to the demo account)`.
///
/// BCE has no opt-in; regions marked unavailable stand for regions where the account cannot
/// use BCC (DescribeRegions does not list them and their hosts do not resolve). These are
/// all eleven BCC regions (`bcc.{region}.baidubce.com`); an inventory may enable any of them.
pub(crate) const REGIONS: &[(&str, &str, bool)] = &[
    ("bj", "华北-北京", true),
    ("gz", "华南-广州", true),
    ("su", "华东-苏州", true),
    ("bd", "华北-保定", true),
    ("fwh", "华中-武汉", true),
    ("hkg", "中国香港", true),
    ("cd", "西南-成都", true),
    ("nj", "华东-南京", true),
    ("yq", "华北-阳泉", false),
    ("sin", "新加坡", false),
    ("fsh", "华东-上海", false),
];

/// The demo account id (BCE account ids are 32 hex characters).
pub const DEMO_ACCOUNT_ID: &str = "7c3f2a1b9d8e4f60a1b2c3d4e5f60718";
/// AK of the demo key with every permission.
pub const ADMIN_AK: &str = "5b1c9d3e7f2a4b6c8d0e1f2a3b4c5d6e";
/// AK of the read-only demo key (BCC, VPC and BOS reads only).
pub const READONLY_AK: &str = "6c2d0e4f8a3b5c7d9e1f2a3b4c5d6e7f";
/// AK of the disabled demo key.
pub const DISABLED_AK: &str = "7d3e1f5a9b4c6d8e0f2a3b4c5d6e7f80";

/// The catalog as [`SimRegion`]s.
pub(crate) fn regions() -> Vec<SimRegion> {
    REGIONS
        .iter()
        .map(|(id, name, available)| region(id, name, *available, true, Domain::China))
        .collect()
}

/// Whether `id` is a region of the catalog.
pub(crate) fn is_region(id: &str) -> bool {
    REGIONS.iter().any(|r| r.0 == id)
}

fn mixed_alnum(rng: &mut SmallRng, n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..n)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect()
}

/// Ids: hosts `i-YufwpQAe`, VPCs `vpc-…`, subnets `sbn-…`, images `m-…`.
pub(crate) fn id_gen(rng: &mut SmallRng, kind: &str) -> String {
    match kind {
        "host" => format!("i-{}", mixed_alnum(rng, 8)),
        "vpc" => format!("vpc-{}", random_alnum(rng, 12)),
        "subnet" => format!("sbn-{}", random_alnum(rng, 12)),
        "image" => format!("m-{}", mixed_alnum(rng, 8)),
        _ => random_hex(rng, 8),
    }
}

/// Zones: `cn-{region}-a` … `cn-{region}-c`.
pub(crate) fn zone_of(region: &str, i: usize) -> String {
    format!("cn-{region}-{}", (b'a' + (i % 3) as u8) as char)
}

/// The three demo keys: `admin`, `readonly` and `disabled`.
pub(crate) fn demo_keys() -> Vec<SimKey> {
    let key = |ak: &str, sk: &str, user: &str, label: &str| {
        SimKey::new(ak, sk, DEMO_ACCOUNT_ID)
            .with_user(user, format!("{}{}", &ak[..16], &DEMO_ACCOUNT_ID[..16]))
            .with_domain(Domain::China)
            .with_label(label)
    };
    vec![
        key(
            ADMIN_AK,
            "0a1b2c3d4e5f40718293a4b5c6d7e8f9",
            "secops-admin",
            "admin",
        ),
        key(
            READONLY_AK,
            "1b2c3d4e5f60718293a4b5c6d7e8f90a",
            "secops-readonly",
            "readonly",
        )
        .with_permissions(Permissions::only(["bcc:*", "vpc:*", "bos:*"])),
        key(
            DISABLED_AK,
            "2c3d4e5f60718293a4b5c6d7e8f90a1b",
            "former-employee",
            "disabled",
        )
        .with_status(KeyStatus::Disabled),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn ids_look_like_bce_ids() {
        let mut rng = SmallRng::seed_from_u64(1);
        let host = id_gen(&mut rng, "host");
        assert!(host.starts_with("i-") && host.len() == 10);
        assert!(id_gen(&mut rng, "vpc").starts_with("vpc-"));
        assert!(id_gen(&mut rng, "subnet").starts_with("sbn-"));
        assert_eq!(zone_of("gz", 1), "cn-gz-b");
    }

    #[test]
    fn keys_are_32_hex() {
        for k in demo_keys() {
            assert_eq!(k.id.len(), 32);
            assert_eq!(k.secret.expose().len(), 32);
        }
    }
}

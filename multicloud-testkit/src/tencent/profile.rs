//! What the simulated Tencent Cloud looks like: regions, id formats, products and the
//! seeded demo keys.

use multicloud_core::{Domain, ProviderKind};
use rand::rngs::SmallRng;
use rand::Rng;

use crate::fixture::{random_alnum, region, InstanceTypeSpec, ProviderProfile, ResourceSpec};
use crate::keys::{KeyStatus, Permissions, SimKey};

/// The owner (root account) uin of the demo keys.
pub const OWNER_UIN: &str = "100012345678";
/// The APPID of the demo account.
pub const APP_ID: u64 = 1_250_000_001;

/// The demo keys: `(label, SecretId, SecretKey, sub-account uin)`. Fake, valid only here.
pub const DEMO_KEYS: &[(&str, &str, &str, &str)] = &[
    (
        "admin",
        "AKIDmcDemoTencentAdmin00000000000001",
        "mcDemoTencentAdminSecretKey00001",
        "100012340001",
    ),
    (
        "readonly",
        "AKIDmcDemoTencentReadOnly00000000001",
        "mcDemoTencentReadOnlySecretKey01",
        "100012340002",
    ),
    (
        "disabled",
        "AKIDmcDemoTencentDisabled00000000001",
        "mcDemoTencentDisabledSecretKey01",
        "100012340003",
    ),
    (
        "intl",
        "AKIDmcDemoTencentIntl000000000000001",
        "mcDemoTencentIntlSecretKey000001",
        "100012340004",
    ),
];

/// Write calls the `readonly` key is denied (block/unblock IPs, open Kafka consumption).
pub const WRITE_ENDPOINTS: &[&str] = &[
    "cfw:Create*",
    "cfw:Delete*",
    "waf:Create*",
    "waf:Delete*",
    "cls:OpenKafkaConsumer",
];

fn ids(rng: &mut SmallRng, kind: &str) -> String {
    let prefix = match kind {
        "host" => "ins",
        "image" => "img",
        other => other,
    };
    format!("{prefix}-{}", random_alnum(rng, 8))
}

fn zone_of(region: &str, n: usize) -> String {
    format!("{region}-{}", n % 3 + 3)
}

/// The demo keys as [`SimKey`]s.
pub fn demo_keys() -> Vec<SimKey> {
    DEMO_KEYS
        .iter()
        .map(|(label, id, secret, uin)| {
            let key = SimKey::new(*id, *secret, OWNER_UIN)
                .with_user(format!("mc-{label}"), *uin)
                .with_domain(Domain::China)
                .with_label(*label);
            match *label {
                "readonly" => {
                    key.with_permissions(Permissions::all_except(WRITE_ENDPOINTS.iter().copied()))
                }
                "disabled" => key.with_status(KeyStatus::Disabled),
                "intl" => key.with_domain(Domain::International),
                _ => key,
            }
        })
        .collect()
}

/// The Tencent Cloud profile.
pub fn profile() -> ProviderProfile {
    let cn = Domain::China;
    let intl = Domain::International;
    ProviderProfile {
        provider: ProviderKind::Tencent,
        regions: vec![
            region("ap-guangzhou", "华南地区(广州)", true, true, cn),
            region("ap-shanghai", "华东地区(上海)", true, true, cn),
            region("ap-singapore", "亚太东南(新加坡)", true, true, intl),
            region("ap-beijing", "华北地区(北京)", true, true, cn),
            region("ap-chengdu", "西南地区(成都)", true, true, cn),
            region("ap-nanjing", "华东地区(南京)", true, true, cn),
            region("ap-hongkong", "港澳台地区(中国香港)", true, true, intl),
            region("ap-tokyo", "亚太东北(东京)", true, true, intl),
            region("na-siliconvalley", "美国西部(硅谷)", true, true, intl),
            region("eu-frankfurt", "欧洲地区(法兰克福)", true, true, intl),
            // Finance zones need an allow-list: listed, but unavailable to this account.
            region("ap-shenzhen-fsi", "华南地区(深圳金融)", false, false, cn),
        ],
        id_gen: ids,
        zone_of,
        instance_types: vec![
            InstanceTypeSpec::new("S5.MEDIUM4", 2, 4096),
            InstanceTypeSpec::new("S5.LARGE8", 4, 8192),
            InstanceTypeSpec::new("SA2.MEDIUM4", 2, 4096),
            InstanceTypeSpec::new("M5.LARGE32", 4, 32768),
            InstanceTypeSpec::new("C5.2XLARGE16", 8, 16384),
        ],
        os_images: vec![
            "TencentOS Server 3.1 (TK4)".into(),
            "Ubuntu Server 22.04 LTS 64bit".into(),
            "CentOS 7.9 64bit".into(),
            "Windows Server 2022 数据中心版 64位中文版".into(),
        ],
        public_ip_prefix: "119".into(),
        resources: vec![
            ResourceSpec::regional("cbs", "disk", "disk", |rng, _| ids(rng, "disk")).with_attrs(|rng, _| {
                serde_json::json!({
                    "size": ([50, 100, 200, 500][rng.gen_range(0..4)]),
                    "type": (["CLOUD_PREMIUM", "CLOUD_SSD", "CLOUD_BSSD"][rng.gen_range(0..3)]),
                    "encrypted": rng.gen_bool(0.4),
                })
            }),
            ResourceSpec::regional("clb", "loadbalancer", "clb", |rng, _| ids(rng, "lb"))
                .with_attrs(|rng, _| serde_json::json!({"open": rng.gen_bool(0.6)})),
            ResourceSpec::regional("vpc", "security-group", "sg", |rng, _| ids(rng, "sg")),
            ResourceSpec::regional("cdb", "instance", "mysql", |rng, _| ids(rng, "cdb")).with_attrs(|rng, _| {
                serde_json::json!({"version": (["5.7", "8.0"][rng.gen_range(0..2)]), "memory": 4000, "volume": 200})
            }),
            ResourceSpec::regional("redis", "instance", "redis", |rng, _| ids(rng, "crs"))
                .with_attrs(|rng, _| serde_json::json!({"size": ([1024, 4096, 8192][rng.gen_range(0..3)])})),
            ResourceSpec::regional("cos", "bucket", "bucket", |rng, name| {
                format!("{name}-{}", APP_ID + rng.gen_range(0..1) as u64)
            }),
            ResourceSpec::regional("waf", "domain", "site", |rng, _| format!("waf_{}", random_alnum(rng, 10)))
                .with_attrs(|rng, _| {
                    serde_json::json!({
                        "instance_id": format!("waf_{}", random_alnum(rng, 10)),
                        "edition": (["sparta-waf", "clb-waf"][rng.gen_range(0..2)]),
                    })
                }),
            ResourceSpec::regional("cam", "user", "user", |rng, _| format!("1000{}", rng.gen_range(10_000_000u64..99_999_999)))
                .global(),
        ],
        vpc_resource: Some(("vpc".into(), "vpc".into())),
        demo_keys: demo_keys(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_keys_have_tencent_lengths() {
        for k in demo_keys() {
            assert_eq!(k.id.len(), 36, "{}", k.id);
            assert!(k.id.starts_with("AKID"));
            assert_eq!(k.secret.expose().len(), 32, "{}", k.id);
        }
    }

    #[test]
    fn ids_have_tencent_shapes() {
        use rand::SeedableRng;
        let mut rng = SmallRng::seed_from_u64(1);
        let id = ids(&mut rng, "host");
        assert!(id.starts_with("ins-") && id.len() == 12, "{id}");
        assert!(zone_of("ap-guangzhou", 0).starts_with("ap-guangzhou-"));
    }
}

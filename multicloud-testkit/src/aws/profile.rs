//! What the simulated AWS looks like: regions of both partitions, id formats, instance
//! types, products and the seeded demo keys.

use multicloud_core::{Domain, ProviderKind};
use rand::rngs::SmallRng;
use rand::Rng;

use crate::fixture::{random_hex, region, InstanceTypeSpec, ProviderProfile, ResourceSpec};
use crate::keys::{KeyStatus, Permissions, SimKey};

/// The account id of the International demo keys.
pub const ACCOUNT_ID: &str = "123456789012";
/// The account id of the China-partition demo key.
pub const CHINA_ACCOUNT_ID: &str = "210987654321";

/// The demo keys: `(label, id, secret)`. Secrets are fake and only valid here.
pub const DEMO_KEYS: &[(&str, &str, &str)] = &[
    (
        "admin",
        "AKIAMCDEMOADMIN00001",
        "mcDemoAwsAdminSecretKey00000000000000001",
    ),
    (
        "ec2-only",
        "AKIAMCDEMOEC2ONLY001",
        "mcDemoAwsEc2OnlySecretKey000000000000001",
    ),
    (
        "disabled",
        "AKIAMCDEMODISABLED01",
        "mcDemoAwsDisabledSecretKey00000000000001",
    ),
    (
        "china",
        "AKIAMCDEMOCHINA00001",
        "mcDemoAwsChinaSecretKey00000000000000001",
    ),
];

fn upper_alnum(rng: &mut SmallRng, n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    (0..n)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect()
}

fn ids(rng: &mut SmallRng, kind: &str) -> String {
    let h = random_hex(rng, 9);
    let h17 = &h[..17];
    match kind {
        "host" => format!("i-{h17}"),
        "vpc" => format!("vpc-{h17}"),
        "subnet" => format!("subnet-{h17}"),
        "image" => format!("ami-{h17}"),
        other => format!("{other}-{h17}"),
    }
}

fn zone_of(region: &str, n: usize) -> String {
    format!("{region}{}", (b'a' + (n % 3) as u8) as char)
}

/// The demo keys as [`SimKey`]s.
pub fn demo_keys() -> Vec<SimKey> {
    DEMO_KEYS
        .iter()
        .map(|(label, id, secret)| {
            let (account, domain) = if *label == "china" {
                (CHINA_ACCOUNT_ID, Domain::China)
            } else {
                (ACCOUNT_ID, Domain::International)
            };
            let user_id = format!("AIDA{}", &id[4..]);
            let key = SimKey::new(*id, *secret, account)
                .with_user(format!("mc-{label}"), user_id)
                .with_domain(domain)
                .with_label(*label);
            match *label {
                "ec2-only" => key.with_permissions(Permissions::only(["ec2:*", "sts:*"])),
                "disabled" => key.with_status(KeyStatus::Disabled),
                _ => key,
            }
        })
        .collect()
}

/// The AWS profile.
pub fn profile() -> ProviderProfile {
    let intl = Domain::International;
    let cn = Domain::China;
    ProviderProfile {
        provider: ProviderKind::Aws,
        regions: vec![
            region("us-east-1", "US East (N. Virginia)", true, true, intl),
            region("cn-north-1", "China (Beijing)", true, true, cn),
            region("eu-west-1", "Europe (Ireland)", true, true, intl),
            region("ap-southeast-1", "Asia Pacific (Singapore)", true, true, intl),
            region("us-west-2", "US West (Oregon)", true, true, intl),
            region("cn-northwest-1", "China (Ningxia)", true, true, cn),
            region("eu-central-1", "Europe (Frankfurt)", true, true, intl),
            region("ap-northeast-1", "Asia Pacific (Tokyo)", true, true, intl),
            region("sa-east-1", "South America (Sao Paulo)", true, true, intl),
            region("ap-east-1", "Asia Pacific (Hong Kong)", true, false, intl),
            region("me-south-1", "Middle East (Bahrain)", false, false, intl),
            region("af-south-1", "Africa (Cape Town)", false, false, intl),
        ],
        id_gen: ids,
        zone_of,
        instance_types: vec![
            InstanceTypeSpec::new("t3.micro", 2, 1024),
            InstanceTypeSpec::new("t3.medium", 2, 4096),
            InstanceTypeSpec::new("m5.large", 2, 8192),
            InstanceTypeSpec::new("m5.xlarge", 4, 16384),
            InstanceTypeSpec::new("c5.2xlarge", 8, 16384),
            InstanceTypeSpec::new("r5.large", 2, 16384),
        ],
        os_images: vec![
            "Amazon Linux 2023".into(),
            "Ubuntu 22.04".into(),
            "Red Hat Enterprise Linux 9".into(),
            "Windows Server 2022".into(),
        ],
        public_ip_prefix: "54".into(),
        resources: vec![
            ResourceSpec::regional("s3", "bucket", "bucket", |rng, name| {
                format!("mc-{name}-{}", random_hex(rng, 3))
            }),
            ResourceSpec::regional("rds", "db-instance", "db", |_, name| name.to_string())
                .with_attrs(|rng, _| {
                    let engines = [("mysql", "8.0.35", 3306), ("postgres", "15.4", 5432), ("mariadb", "10.11.6", 3306)];
                    let (engine, version, port) = engines[rng.gen_range(0..engines.len())];
                    serde_json::json!({
                        "engine": engine, "engine_version": version, "port": port,
                        "class": (["db.t3.medium", "db.m5.large", "db.r6g.large"][rng.gen_range(0..3)]),
                        "public": rng.gen_bool(0.3), "encrypted": rng.gen_bool(0.7),
                    })
                }),
            ResourceSpec::regional("elasticloadbalancing", "loadbalancer", "lb", |rng, _| {
                random_hex(rng, 8)
            })
            .with_attrs(|rng, _| {
                let t = if rng.gen_bool(0.7) { "application" } else { "network" };
                let s = if rng.gen_bool(0.6) { "internet-facing" } else { "internal" };
                serde_json::json!({"type": t, "scheme": s})
            }),
            ResourceSpec::regional("ec2", "security-group", "sg", |rng, _| {
                format!("sg-{}", &random_hex(rng, 9)[..17])
            }),
            ResourceSpec::regional("ec2", "volume", "vol", |rng, _| {
                format!("vol-{}", &random_hex(rng, 9)[..17])
            })
            .with_attrs(|rng, _| {
                serde_json::json!({
                    "size": ([8, 20, 100, 500][rng.gen_range(0..4)]),
                    "type": (["gp3", "gp2", "io2", "st1"][rng.gen_range(0..4)]),
                    "encrypted": rng.gen_bool(0.6),
                })
            }),
            ResourceSpec::regional("ec2", "snapshot", "snap", |rng, _| {
                format!("snap-{}", &random_hex(rng, 9)[..17])
            })
            .with_attrs(|rng, _| {
                serde_json::json!({
                    "size": ([8, 20, 100][rng.gen_range(0..3)]),
                    "volume_id": format!("vol-{}", &random_hex(rng, 9)[..17]),
                    "encrypted": rng.gen_bool(0.5),
                })
            }),
            ResourceSpec::regional("iam", "user", "user", |rng, _| {
                format!("AIDA{}", upper_alnum(rng, 17))
            })
            .global(),
        ],
        vpc_resource: Some(("ec2".into(), "vpc".into())),
        demo_keys: demo_keys(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_keys_look_like_aws_keys() {
        for k in demo_keys() {
            assert_eq!(k.id.len(), 20, "{}", k.id);
            assert!(k.id.starts_with("AKIA"));
            assert_eq!(k.secret.expose().len(), 40);
        }
    }

    #[test]
    fn ids_have_aws_shapes() {
        use rand::SeedableRng;
        let mut rng = SmallRng::seed_from_u64(1);
        let id = ids(&mut rng, "host");
        assert!(id.starts_with("i-") && id.len() == 19, "{id}");
        assert!(ids(&mut rng, "vpc").starts_with("vpc-"));
    }
}

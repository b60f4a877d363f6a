//! Deterministic fixtures: what a provider looks like ([`ProviderProfile`]) and a seeded
//! builder that fills an [`Inventory`] from it ([`FixtureBuilder`]).
//!
//! The same profile, seed and sizes always give the same inventory (ids, IPs, names, tags),
//! so tests can assert exact values and syncs can be diffed.

use std::fmt;

use multicloud_core::ProviderKind;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use time::{Duration, OffsetDateTime};

use crate::inventory::{Inventory, SimHost, SimHostState, SimRegion, SimResource, GLOBAL};
use crate::keys::SimKey;

/// Generates a provider-format id. The `&str` is a kind (`host`, `vpc`, `subnet`, `image`)
/// for [`ProviderProfile::id_gen`], or the resource's name for [`ResourceSpec::id`].
pub type IdGen = fn(&mut SmallRng, &str) -> String;

/// Generates provider-specific attributes for a resource, given its region.
pub type AttrGen = fn(&mut SmallRng, &str) -> serde_json::Value;

/// An instance type with its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceTypeSpec {
    /// The provider's type name (`t3.medium`, `S5.MEDIUM4`, …).
    pub name: String,
    /// vCPUs.
    pub cpu: u32,
    /// Memory in MiB.
    pub memory_mb: u32,
}

impl InstanceTypeSpec {
    /// A type spec.
    pub fn new(name: impl Into<String>, cpu: u32, memory_mb: u32) -> Self {
        InstanceTypeSpec {
            name: name.into(),
            cpu,
            memory_mb,
        }
    }
}

/// One kind of cloud-product resource the provider lists (from providers.md §d).
#[derive(Debug, Clone)]
pub struct ResourceSpec {
    /// The service (`s3`, `rds`, `cdb`, …).
    pub service: String,
    /// The resource type within the service.
    pub resource_type: String,
    /// Whether the resource lives in no region (region [`GLOBAL`]).
    pub global: bool,
    /// The name prefix (`bucket`, `db`, …); names are `{prefix}-{nnn}`.
    pub name_prefix: String,
    /// Makes the id from the name.
    pub id: IdGen,
    /// Makes provider-specific attributes.
    pub attrs: AttrGen,
}

impl ResourceSpec {
    /// A regional resource spec with no extra attributes.
    pub fn regional(service: &str, resource_type: &str, name_prefix: &str, id: IdGen) -> Self {
        ResourceSpec {
            service: service.into(),
            resource_type: resource_type.into(),
            global: false,
            name_prefix: name_prefix.into(),
            id,
            attrs: |_, _| serde_json::Value::Object(Default::default()),
        }
    }

    /// Marks the resource global.
    pub fn global(mut self) -> Self {
        self.global = true;
        self
    }

    /// Sets the attribute generator.
    pub fn with_attrs(mut self, attrs: AttrGen) -> Self {
        self.attrs = attrs;
        self
    }
}

/// What one provider looks like, for the fixture builder and the key store.
///
/// Each provider module offers `pub fn profile() -> ProviderProfile`.
#[derive(Clone)]
pub struct ProviderProfile {
    /// The provider.
    pub provider: ProviderKind,
    /// The region catalog in preference order (hosts go to the first opted-in ones).
    pub regions: Vec<SimRegion>,
    /// Generates ids of hosts, VPCs, subnets and images (the `&str` is the kind).
    pub id_gen: IdGen,
    /// Names the `n`th availability zone of a region.
    pub zone_of: fn(&str, usize) -> String,
    /// Instance types to pick from.
    pub instance_types: Vec<InstanceTypeSpec>,
    /// OS names to pick from.
    pub os_images: Vec<String>,
    /// The first octet(s) of generated public IPs, e.g. `"54"`.
    pub public_ip_prefix: String,
    /// The product resources the provider lists.
    pub resources: Vec<ResourceSpec>,
    /// When set, each generated VPC is also a resource of this `(service, resource_type)`.
    pub vpc_resource: Option<(String, String)>,
    /// The well-known demo keys the simulator starts with.
    pub demo_keys: Vec<SimKey>,
}

impl fmt::Debug for ProviderProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderProfile")
            .field("provider", &self.provider)
            .field("regions", &self.regions.len())
            .field("instance_types", &self.instance_types.len())
            .field("resources", &self.resources.len())
            .field("demo_keys", &self.demo_keys.len())
            .finish()
    }
}

impl ProviderProfile {
    /// The regions hosts are placed in: the first `n` opted-in regions of the catalog.
    pub fn host_regions(&self, n: usize) -> Vec<String> {
        self.regions
            .iter()
            .filter(|r| r.opted_in)
            .take(n.max(1))
            .map(|r| r.id.clone())
            .collect()
    }
}

/// A region of a catalog, for building profiles.
pub fn region(
    id: &str,
    name: &str,
    opted_in: bool,
    default_enabled: bool,
    domain: multicloud_core::Domain,
) -> SimRegion {
    SimRegion {
        id: id.into(),
        name: name.into(),
        opted_in,
        default_enabled,
        domain,
    }
}

/// Lower-case hex of `n` random bytes (for ids like `i-0abc…`).
pub fn random_hex(rng: &mut SmallRng, n: usize) -> String {
    (0..n).map(|_| format!("{:02x}", rng.gen::<u8>())).collect()
}

/// `n` random characters from `[a-z0-9]` (for ids like `ins-r8hr2upy`).
pub fn random_alnum(rng: &mut SmallRng, n: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..n)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect()
}

/// A random RFC 4122 version-4 style UUID (deterministic from the RNG).
pub fn random_uuid(rng: &mut SmallRng) -> String {
    let h = random_hex(rng, 16);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// A VPC id with its subnet ids.
type Network = (String, Vec<String>);

/// Makes hosts one after the other from a profile; used by the builder and for live
/// additions to a running simulator.
pub struct HostGen {
    profile: ProviderProfile,
    rng: SmallRng,
    counter: u64,
    networks: Vec<(String, Vec<Network>)>,
    images: Vec<String>,
}

impl fmt::Debug for HostGen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostGen")
            .field("provider", &self.profile.provider)
            .field("counter", &self.counter)
            .finish()
    }
}

const ROLES: &[&str] = &[
    "web", "api", "db", "cache", "worker", "batch", "bastion", "etl",
];
const ENVS: &[&str] = &["prod", "staging", "dev"];
const TEAMS: &[&str] = &["payments", "search", "platform", "data", "secops"];

fn base_time() -> OffsetDateTime {
    // 2024-01-01T00:00:00Z: a fixed origin keeps fixtures independent of the wall clock.
    OffsetDateTime::from_unix_timestamp(1_704_067_200).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl HostGen {
    /// A generator for `profile`, seeded.
    pub fn new(profile: ProviderProfile, seed: u64) -> Self {
        let mut rng = SmallRng::seed_from_u64(seed);
        let images = profile
            .os_images
            .iter()
            .map(|_| (profile.id_gen)(&mut rng, "image"))
            .collect();
        HostGen {
            profile,
            rng,
            counter: 0,
            networks: Vec::new(),
            images,
        }
    }

    /// The VPCs (with their subnets) of a region, created on first use: two per region.
    fn network(&mut self, region: &str) -> &[Network] {
        if let Some(i) = self.networks.iter().position(|(r, _)| r == region) {
            return &self.networks[i].1;
        }
        let mut vpcs = Vec::new();
        for _ in 0..2 {
            let vpc = (self.profile.id_gen)(&mut self.rng, "vpc");
            let subnets = (0..2)
                .map(|_| (self.profile.id_gen)(&mut self.rng, "subnet"))
                .collect();
            vpcs.push((vpc, subnets));
        }
        self.networks.push((region.to_string(), vpcs));
        self.networks.last().map(|n| n.1.as_slice()).unwrap_or(&[])
    }

    /// Every VPC made so far, as `(region, vpc id, subnet ids)`.
    pub fn vpcs(&self) -> Vec<(String, String, Vec<String>)> {
        self.networks
            .iter()
            .flat_map(|(r, vpcs)| {
                vpcs.iter()
                    .map(move |(v, s)| (r.clone(), v.clone(), s.clone()))
            })
            .collect()
    }

    /// The next host, in `region`.
    pub fn next_host(&mut self, region: &str) -> SimHost {
        let n = self.counter;
        self.counter += 1;
        let region_idx = self
            .profile
            .regions
            .iter()
            .position(|r| r.id == region)
            .unwrap_or(0);
        let (vpc_id, subnet_id) = {
            let pick_vpc = self.rng.gen_range(0..2usize);
            let pick_subnet = self.rng.gen_range(0..2usize);
            let net = self.network(region).to_vec();
            let (v, s) = &net[pick_vpc % net.len().max(1)];
            (v.clone(), s[pick_subnet % s.len().max(1)].clone())
        };
        let id = (self.profile.id_gen)(&mut self.rng, "host");
        let role = ROLES[self.rng.gen_range(0..ROLES.len())];
        let name = format!("{role}-{n:04}");
        let zone = (self.profile.zone_of)(region, self.rng.gen_range(0..3));
        let state = match self.rng.gen_range(0..20u32) {
            0 => SimHostState::Pending,
            1..=2 => SimHostState::Stopped,
            _ => SimHostState::Running,
        };
        let ty = if self.profile.instance_types.is_empty() {
            InstanceTypeSpec::new("standard", 2, 4096)
        } else {
            let i = self.rng.gen_range(0..self.profile.instance_types.len());
            self.profile.instance_types[i].clone()
        };
        let (os, image_id) = if self.profile.os_images.is_empty() {
            ("Linux".to_string(), String::new())
        } else {
            let i = self.rng.gen_range(0..self.profile.os_images.len());
            (self.profile.os_images[i].clone(), self.images[i].clone())
        };
        let private_ip = format!(
            "10.{}.{}.{}",
            region_idx % 256,
            (n / 250) % 256,
            n % 250 + 2
        );
        let public_ip = (self.rng.gen_range(0..10u32) < 6).then(|| {
            format!(
                "{}.{}.{}.{}",
                self.profile.public_ip_prefix,
                (n >> 16) % 256,
                (n >> 8) % 256,
                n % 256
            )
        });
        let created_at = base_time()
            + Duration::days(self.rng.gen_range(0..500))
            + Duration::seconds(self.rng.gen_range(0..86_400));
        let mut tags = vec![("Name".to_string(), name.clone())];
        if self.rng.gen_range(0..10u32) < 8 {
            tags.push(("env".into(), ENVS[self.rng.gen_range(0..ENVS.len())].into()));
            tags.push((
                "team".into(),
                TEAMS[self.rng.gen_range(0..TEAMS.len())].into(),
            ));
        }
        SimHost {
            id,
            name,
            region: region.to_string(),
            zone,
            state,
            instance_type: ty.name,
            private_ip,
            public_ip,
            os,
            vpc_id,
            subnet_id,
            created_at,
            tags,
            image_id,
            cpu: ty.cpu,
            memory_mb: ty.memory_mb,
        }
    }
}

/// Builds a seeded [`Inventory`] from a [`ProviderProfile`].
///
/// ```
/// use multicloud_testkit::{aws, FixtureBuilder};
///
/// let inv = FixtureBuilder::new(aws::profile()).seed(7).hosts(10).regions(2).build();
/// assert_eq!(inv.hosts().len(), 10);
/// let again = FixtureBuilder::new(aws::profile()).seed(7).hosts(10).regions(2).build();
/// assert_eq!(inv.hosts(), again.hosts());
/// ```
#[derive(Debug, Clone)]
pub struct FixtureBuilder {
    profile: ProviderProfile,
    seed: u64,
    hosts: usize,
    regions: usize,
    resources_per_service: usize,
}

impl FixtureBuilder {
    /// A builder with seed 42, 20 hosts over 3 regions and 3 resources per service.
    pub fn new(profile: ProviderProfile) -> Self {
        FixtureBuilder {
            profile,
            seed: 42,
            hosts: 20,
            regions: 3,
            resources_per_service: 3,
        }
    }

    /// Sets the RNG seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the number of hosts.
    pub fn hosts(mut self, n: usize) -> Self {
        self.hosts = n;
        self
    }

    /// Sets how many regions hosts and regional resources are spread over.
    pub fn regions(mut self, r: usize) -> Self {
        self.regions = r;
        self
    }

    /// Sets how many resources each product spec gets.
    pub fn resources_per_service(mut self, k: usize) -> Self {
        self.resources_per_service = k;
        self
    }

    /// The profile this builder uses.
    pub fn profile(&self) -> &ProviderProfile {
        &self.profile
    }

    /// The seed this builder uses.
    pub fn seed_value(&self) -> u64 {
        self.seed
    }

    /// Builds the inventory.
    pub fn build(&self) -> Inventory {
        self.build_with_generator().0
    }

    /// Builds the inventory and returns the host generator, positioned after the fixture's
    /// hosts, for adding more hosts to a running simulator.
    pub fn build_with_generator(&self) -> (Inventory, HostGen) {
        let mut inv = Inventory::new(self.profile.regions.clone());
        let regions = self.profile.host_regions(self.regions);
        let mut gen = HostGen::new(self.profile.clone(), self.seed);
        let hosts: Vec<SimHost> = (0..self.hosts)
            .map(|i| gen.next_host(&regions[i % regions.len().max(1)]))
            .collect();
        inv.extend_hosts(hosts);
        let mut rng = SmallRng::seed_from_u64(self.seed ^ 0x005e_ed0f_f1c7);
        for spec in &self.profile.resources {
            for i in 0..self.resources_per_service {
                let region = if spec.global {
                    GLOBAL.to_string()
                } else {
                    regions[i % regions.len().max(1)].clone()
                };
                let name = format!("{}-{:03}", spec.name_prefix, i + 1);
                let id = (spec.id)(&mut rng, &name);
                let attrs = (spec.attrs)(&mut rng, &region);
                let created_at = base_time() + Duration::days(rng.gen_range(0..400));
                let env = ENVS[rng.gen_range(0..ENVS.len())];
                inv.add_resource(SimResource {
                    service: spec.service.clone(),
                    resource_type: spec.resource_type.clone(),
                    id,
                    name,
                    region,
                    tags: vec![("env".into(), env.into())],
                    created_at,
                    attrs,
                });
            }
        }
        if let Some((service, ty)) = &self.profile.vpc_resource {
            // Make sure every host region has its network even with zero hosts there.
            for r in &regions {
                gen.network(r);
            }
            for (i, (region, vpc, subnets)) in gen.vpcs().into_iter().enumerate() {
                inv.add_resource(SimResource {
                    service: service.clone(),
                    resource_type: ty.clone(),
                    id: vpc,
                    name: format!("vpc-{:03}", i + 1),
                    region,
                    tags: vec![("env".into(), ENVS[i % ENVS.len()].into())],
                    created_at: base_time(),
                    attrs: serde_json::json!({
                        "cidr": format!("10.{}.0.0/16", i % 256),
                        "subnets": subnets,
                        "is_default": i % 2 == 0,
                    }),
                });
            }
        }
        (inv, gen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use multicloud_core::Domain;

    fn profile() -> ProviderProfile {
        ProviderProfile {
            provider: ProviderKind::Aws,
            regions: vec![
                region("r-1", "One", true, true, Domain::International),
                region("r-2", "Two", false, false, Domain::International),
                region("r-3", "Three", true, true, Domain::China),
            ],
            id_gen: |rng, kind| format!("{kind}-{}", random_hex(rng, 4)),
            zone_of: |r, i| format!("{r}{}", (b'a' + i as u8) as char),
            instance_types: vec![InstanceTypeSpec::new("small", 1, 1024)],
            os_images: vec!["Ubuntu 22.04".into(), "Windows Server 2022".into()],
            public_ip_prefix: "54".into(),
            resources: vec![
                ResourceSpec::regional("db", "instance", "db", |_, name| name.to_string()),
                ResourceSpec::regional("iam", "user", "user", |rng, _| random_hex(rng, 4)).global(),
            ],
            vpc_resource: Some(("ec2".into(), "vpc".into())),
            demo_keys: vec![],
        }
    }

    #[test]
    fn same_seed_same_world() {
        let a = FixtureBuilder::new(profile()).seed(1).hosts(50).build();
        let b = FixtureBuilder::new(profile()).seed(1).hosts(50).build();
        let c = FixtureBuilder::new(profile()).seed(2).hosts(50).build();
        assert_eq!(a.hosts(), b.hosts());
        assert_eq!(a.resources(), b.resources());
        assert_ne!(a.hosts(), c.hosts());
    }

    #[test]
    fn hosts_go_only_to_opted_in_regions_and_ips_are_unique() {
        let inv = FixtureBuilder::new(profile()).hosts(600).regions(5).build();
        assert_eq!(inv.hosts().len(), 600);
        assert!(inv.hosts_in("r-2").is_empty());
        assert_eq!(inv.hosts_in("r-1").len(), 300);
        assert_eq!(inv.hosts_in("r-3").len(), 300);
        let mut ips: Vec<_> = inv.hosts().iter().map(|h| h.private_ip.clone()).collect();
        ips.sort();
        ips.dedup();
        assert_eq!(ips.len(), 600);
        assert!(inv.hosts().iter().any(|h| h.is_windows()));
        assert!(inv.hosts().iter().any(|h| h.public_ip.is_none()));
    }

    #[test]
    fn resources_cover_every_spec_and_vpcs_match_hosts() {
        let inv = FixtureBuilder::new(profile())
            .resources_per_service(4)
            .build();
        assert_eq!(inv.resources_of("db", "instance").len(), 4);
        let users = inv.resources_of("iam", "user");
        assert_eq!(users.len(), 4);
        assert!(users.iter().all(|u| u.region == GLOBAL));
        let vpcs = inv.resources_of("ec2", "vpc");
        for h in inv.hosts() {
            assert!(vpcs
                .iter()
                .any(|v| v.id == h.vpc_id && v.region == h.region));
        }
    }

    #[test]
    fn uuids_look_like_uuids() {
        let mut rng = SmallRng::seed_from_u64(3);
        let u = random_uuid(&mut rng);
        assert_eq!(u.len(), 36);
        assert_eq!(u.matches('-').count(), 4);
        assert_eq!(random_alnum(&mut rng, 8).len(), 8);
    }
}

//! The scale bench's world: which clouds, how many regions and hosts, generated once per run
//! from the testkit's host generator (the same shapes the simulators render everywhere else).

use multicloud_core::Domain;
use multicloud_testkit::fixture::region;
use multicloud_testkit::{CloudSim, HostGen, Inventory, SimKey};

/// Twenty real AWS region ids of the commercial partition.
const AWS_REGIONS: [&str; 20] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "sa-east-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "eu-south-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "me-central-1",
    "il-central-1",
];

/// Twenty real Tencent Cloud region ids.
const TENCENT_REGIONS: [&str; 20] = [
    "ap-guangzhou",
    "ap-shanghai",
    "ap-beijing",
    "ap-chengdu",
    "ap-chongqing",
    "ap-nanjing",
    "ap-hongkong",
    "ap-singapore",
    "ap-bangkok",
    "ap-jakarta",
    "ap-seoul",
    "ap-tokyo",
    "ap-mumbai",
    "na-siliconvalley",
    "na-ashburn",
    "eu-frankfurt",
    "sa-saopaulo",
    "ap-shanghai-fsi",
    "ap-shenzhen-fsi",
    "ap-beijing-fsi",
];

/// One simulated cloud of the bench.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cloud {
    /// AWS: EC2 `DescribeInstances`, `NextToken` pages of up to 1,000.
    Aws,
    /// Tencent Cloud: CVM `DescribeInstances`, `Offset`/`Limit` pages of up to 100.
    Tencent,
}

impl Cloud {
    /// Every cloud the bench knows.
    pub(crate) const ALL: [Cloud; 2] = [Cloud::Aws, Cloud::Tencent];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Tencent => "tencent",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Cloud> {
        Cloud::ALL.into_iter().find(|c| c.name() == name.trim())
    }

    /// Hosts per `DescribeInstances` page at the provider's default page size.
    pub(crate) fn page_size(self) -> usize {
        match self {
            Cloud::Aws => 1000,
            Cloud::Tencent => 100,
        }
    }

    /// The action that lists hosts, as the front counts it.
    pub(crate) fn host_action(self) -> &'static str {
        "DescribeInstances"
    }

    /// The region ids, at most 20.
    pub(crate) fn regions(self, n: usize) -> Vec<&'static str> {
        let all: &[&'static str] = match self {
            Cloud::Aws => &AWS_REGIONS,
            Cloud::Tencent => &TENCENT_REGIONS,
        };
        all.iter().copied().take(n).collect()
    }

    pub(crate) fn sim(self) -> Box<dyn SimFactory> {
        match self {
            Cloud::Aws => Box::new(multicloud_testkit::aws::AwsSim::new()),
            Cloud::Tencent => Box::new(multicloud_testkit::tencent::TencentSim::new()),
        }
    }

    /// The seeded key the bench signs with (the profile's `admin` demo key).
    pub(crate) fn admin_key(self) -> SimKey {
        let profile = self.sim().profile_of();
        match profile.demo_keys.into_iter().find(|k| k.label == "admin") {
            Some(key) => key,
            None => panic!("{}: no seeded admin key", self.name()),
        }
    }
}

/// A simulator value, boxed so the bench can pick one at run time.
pub(crate) trait SimFactory {
    fn profile_of(&self) -> multicloud_testkit::ProviderProfile;
}

impl<S: CloudSim> SimFactory for S {
    fn profile_of(&self) -> multicloud_testkit::ProviderProfile {
        self.profile()
    }
}

/// `hosts` hosts spread evenly over `regions` regions of `cloud`, every region enabled in
/// the admin key's domain; seeded, so every run serves the same world.
pub(crate) fn inventory(cloud: Cloud, regions: usize, hosts: usize) -> Inventory {
    let mut profile = cloud.sim().profile_of();
    let domain: Domain = cloud.admin_key().domain;
    let ids = cloud.regions(regions);
    profile.regions = ids
        .iter()
        .map(|id| region(id, id, true, true, domain))
        .collect();
    let mut gen = HostGen::new(profile.clone(), 2026);
    let mut inventory = Inventory::new(profile.regions.clone());
    let per_region = hosts_per_region(hosts, ids.len());
    for (id, n) in ids.iter().zip(per_region) {
        inventory.extend_hosts((0..n).map(|_| gen.next_host(id)));
    }
    inventory
}

/// How `hosts` split over `regions`: the first `hosts % regions` get one more.
pub(crate) fn hosts_per_region(hosts: usize, regions: usize) -> Vec<usize> {
    let regions = regions.max(1);
    (0..regions)
        .map(|i| hosts / regions + usize::from(i < hosts % regions))
        .collect()
}

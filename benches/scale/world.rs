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

/// Twenty real Huawei Cloud region ids: the first twenty `*.myhuaweicloud.com` regions of the
/// official SDK's `EcsRegion` (huaweicloudsdkecs).
const HUAWEI_REGIONS: [&str; 20] = [
    "cn-north-1",
    "cn-north-4",
    "cn-south-1",
    "cn-east-2",
    "cn-east-3",
    "cn-southwest-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "af-south-1",
    "sa-brazil-1",
    "la-north-2",
    "cn-south-4",
    "na-mexico-1",
    "la-south-2",
    "cn-south-2",
    "cn-north-9",
    "cn-north-2",
    "ap-southeast-4",
    "tr-west-1",
];

/// Every BCC region of Baidu's own endpoint list (`BCCEndpoints` of
/// `baidubce/baiducloud-cce-cni-driver`, `bcc.{region}.baidubce.com`): eleven, not twenty.
const BAIDU_REGIONS: [&str; 11] = [
    "bj", "gz", "su", "hkg", "fwh", "bd", "sin", "fsh", "yq", "nj", "cd",
];

/// Real CTyun resource-pool `regionID`s: the thirteen 4.0 pools of the table in
/// `ctyun-it/terraform-provider-ctyun`'s README (太原4, 西南2-贵州, 郑州5, 青岛20, 武汉41,
/// 西南1, 华南2, 华北2, 南宁23, 上海36, 长沙42, 南昌5, 华东1).
const CTYUN_REGIONS: [&str; 13] = [
    "200000002689",
    "200000002927",
    "200000002586",
    "200000001703",
    "200000001781",
    "200000002368",
    "200000002530",
    "200000001852",
    "200000001704",
    "200000001790",
    "200000002401",
    "200000002527",
    "bb9fdb42056f11eda1610242ac110002",
];

/// One simulated cloud of the bench.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cloud {
    /// AWS: EC2 `DescribeInstances`, `NextToken` pages of up to 1,000.
    Aws,
    /// Tencent Cloud: CVM `DescribeInstances`, `Offset`/`Limit` pages of up to 100.
    Tencent,
    /// Huawei Cloud: ECS `ListServersDetails`, page-number pages of 1,000 (the provider's
    /// default page size, the API's largest `limit`).
    Huawei,
    /// Baidu AI Cloud: BCC `ListInstances` (`GET /v2/instance`), marker pages of 1,000
    /// (`maxKeys`, the provider's default and BCE's largest).
    Baidu,
    /// CTyun: ECS `list-instances`, `pageNo` pages of 50 (the documented largest
    /// `pageSize`, the provider's default).
    Ctyun,
}

impl Cloud {
    /// Every cloud the bench knows.
    pub(crate) const ALL: [Cloud; 5] = [
        Cloud::Aws,
        Cloud::Tencent,
        Cloud::Huawei,
        Cloud::Baidu,
        Cloud::Ctyun,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Tencent => "tencent",
            Cloud::Huawei => "huawei",
            Cloud::Baidu => "baidu",
            Cloud::Ctyun => "ctyun",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Cloud> {
        Cloud::ALL.into_iter().find(|c| c.name() == name.trim())
    }

    /// Hosts per list page at the provider's default page size (`providers/*/src`: AWS and
    /// Tencent `hosts.rs`, Huawei `provider.rs` `DEFAULT_PAGE_SIZE`, Baidu `client.rs`
    /// `MAX_PAGE_SIZE`, CTyun `hosts.rs` `MAX_PAGE_SIZE`).
    pub(crate) fn page_size(self) -> usize {
        match self {
            Cloud::Aws | Cloud::Huawei | Cloud::Baidu => 1000,
            Cloud::Tencent => 100,
            Cloud::Ctyun => 50,
        }
    }

    /// The action that lists hosts, as the front counts it.
    pub(crate) fn host_action(self) -> &'static str {
        match self {
            Cloud::Aws | Cloud::Tencent => "DescribeInstances",
            Cloud::Huawei => "ListServersDetails",
            Cloud::Baidu => "ListInstances",
            Cloud::Ctyun => "list-instances",
        }
    }

    /// The calls of the provider's region listing, in order: each waits for the one before
    /// (Huawei reads the account's projects, then the region catalog).
    pub(crate) fn region_calls(self) -> &'static [&'static str] {
        match self {
            Cloud::Aws | Cloud::Tencent => &["DescribeRegions"],
            Cloud::Huawei => &["KeystoneListAuthProjects", "KeystoneListRegions"],
            Cloud::Baidu => &["describeRegions"],
            Cloud::Ctyun => &["list-regions"],
        }
    }

    /// The region ids, at most `n` (Baidu has 11 BCC regions, the CTyun list 13 pools).
    pub(crate) fn regions(self, n: usize) -> Vec<&'static str> {
        let all: &[&'static str] = match self {
            Cloud::Aws => &AWS_REGIONS,
            Cloud::Tencent => &TENCENT_REGIONS,
            Cloud::Huawei => &HUAWEI_REGIONS,
            Cloud::Baidu => &BAIDU_REGIONS,
            Cloud::Ctyun => &CTYUN_REGIONS,
        };
        all.iter().copied().take(n).collect()
    }

    pub(crate) fn sim(self) -> Box<dyn SimFactory> {
        match self {
            Cloud::Aws => Box::new(multicloud_testkit::aws::AwsSim::new()),
            Cloud::Tencent => Box::new(multicloud_testkit::tencent::TencentSim::new()),
            Cloud::Huawei => Box::new(multicloud_testkit::huawei::HuaweiSim::new()),
            Cloud::Baidu => Box::new(multicloud_testkit::baidu::BaiduSim::new()),
            Cloud::Ctyun => Box::new(multicloud_testkit::ctyun::CtyunSim::new()),
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

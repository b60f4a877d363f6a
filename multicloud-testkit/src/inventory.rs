//! The neutral world model every simulator renders in its own wire shapes.
//!
//! Hosts are kept sorted by `(region, id)` and resources by `(service, resource_type,
//! region, id)`, so a page of one region's hosts is a slice found by binary search: listing
//! thousands of hosts page by page stays linear overall.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use multicloud_core::Domain;
use time::OffsetDateTime;

/// The region id used for resources that live in no region (IAM users, CAM users).
pub const GLOBAL: &str = "global";

/// A region of the simulated cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimRegion {
    /// The provider's region id, e.g. `us-east-1`, `ap-guangzhou`.
    pub id: String,
    /// The display name, e.g. `US East (N. Virginia)`, `华南地区(广州)`.
    pub name: String,
    /// Whether the account can use the region (AWS opt-in regions start out `false`).
    pub opted_in: bool,
    /// Whether the region opts in by default (AWS: `opt-in-not-required`).
    pub default_enabled: bool,
    /// The domain (partition/edition) the region belongs to.
    pub domain: Domain,
}

/// The neutral power state of a host; each simulator maps it to its own vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimHostState {
    /// Being created or started.
    Pending,
    /// Running.
    Running,
    /// Being stopped.
    Stopping,
    /// Stopped.
    Stopped,
    /// Terminated (still listed for a while, as EC2 does).
    Terminated,
}

/// A virtual machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimHost {
    /// The provider-format id (`i-0abc…`, `ins-…`, a UUID, …).
    pub id: String,
    /// The display name.
    pub name: String,
    /// The region id.
    pub region: String,
    /// The availability zone id.
    pub zone: String,
    /// The power state.
    pub state: SimHostState,
    /// The instance type / flavor name.
    pub instance_type: String,
    /// The primary private IPv4 address.
    pub private_ip: String,
    /// The public IPv4 address, if any.
    pub public_ip: Option<String>,
    /// The OS name, e.g. `Ubuntu 22.04`, `Windows Server 2022`.
    pub os: String,
    /// The VPC id.
    pub vpc_id: String,
    /// The subnet id.
    pub subnet_id: String,
    /// The creation time.
    pub created_at: OffsetDateTime,
    /// Tags in insertion order (a `Name` tag is included where the provider uses one).
    pub tags: Vec<(String, String)>,
    /// The image id.
    pub image_id: String,
    /// The number of vCPUs.
    pub cpu: u32,
    /// The memory size in MiB.
    pub memory_mb: u32,
}

impl SimHost {
    /// Whether the OS is Windows (for `platform` fields).
    pub fn is_windows(&self) -> bool {
        self.os.to_ascii_lowercase().contains("windows")
    }

    /// The value of tag `key`, if present.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A cloud product resource (bucket, database, load balancer, VPC, user, …).
#[derive(Debug, Clone, PartialEq)]
pub struct SimResource {
    /// The service, e.g. `s3`, `rds`, `cdb`, `vpc`.
    pub service: String,
    /// The resource type within the service, e.g. `bucket`, `db-instance`, `security-group`.
    pub resource_type: String,
    /// The provider-format id.
    pub id: String,
    /// The display name.
    pub name: String,
    /// The region id, or [`GLOBAL`].
    pub region: String,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// The creation time.
    pub created_at: OffsetDateTime,
    /// Provider-specific attributes (engine, CIDR, …) the simulator renders.
    pub attrs: serde_json::Value,
}

impl SimResource {
    /// A string attribute, or `""`.
    pub fn attr_str(&self, key: &str) -> &str {
        self.attrs.get(key).and_then(|v| v.as_str()).unwrap_or("")
    }
}

/// The world of one simulated cloud.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// All regions of the catalog, enabled or not.
    pub regions: Vec<SimRegion>,
    hosts: Vec<SimHost>,
    resources: Vec<SimResource>,
}

fn host_key(h: &SimHost) -> (&str, &str) {
    (h.region.as_str(), h.id.as_str())
}

fn resource_key(r: &SimResource) -> (&str, &str, &str, &str) {
    (&r.service, &r.resource_type, &r.region, &r.id)
}

impl Inventory {
    /// An inventory with these regions and nothing in them.
    pub fn new(regions: Vec<SimRegion>) -> Self {
        Inventory {
            regions,
            hosts: Vec::new(),
            resources: Vec::new(),
        }
    }

    /// A region by id.
    pub fn region(&self, id: &str) -> Option<&SimRegion> {
        self.regions.iter().find(|r| r.id == id)
    }

    /// Sets whether the account has opted in to a region; false if the region is unknown.
    pub fn set_opted_in(&mut self, id: &str, opted_in: bool) -> bool {
        match self.regions.iter_mut().find(|r| r.id == id) {
            Some(r) => {
                r.opted_in = opted_in;
                true
            }
            None => false,
        }
    }

    /// All hosts, sorted by `(region, id)`.
    pub fn hosts(&self) -> &[SimHost] {
        &self.hosts
    }

    /// The hosts of one region, sorted by id.
    pub fn hosts_in(&self, region: &str) -> &[SimHost] {
        let start = self.hosts.partition_point(|h| h.region.as_str() < region);
        let end = self.hosts.partition_point(|h| h.region.as_str() <= region);
        &self.hosts[start..end]
    }

    /// A host by id.
    pub fn host(&self, id: &str) -> Option<&SimHost> {
        self.hosts.iter().find(|h| h.id == id)
    }

    /// Adds a host (replacing one with the same id).
    pub fn add_host(&mut self, host: SimHost) {
        self.remove_host(&host.id);
        let pos = self
            .hosts
            .partition_point(|h| host_key(h) < host_key(&host));
        self.hosts.insert(pos, host);
    }

    /// Adds many hosts at once (one sort instead of one insertion each: fixtures of tens of
    /// thousands of hosts build in linear-logarithmic time). Ids are assumed unique.
    pub fn extend_hosts(&mut self, hosts: impl IntoIterator<Item = SimHost>) {
        self.hosts.extend(hosts);
        self.hosts.sort_by(|a, b| host_key(a).cmp(&host_key(b)));
    }

    /// Removes a host by id, returning it.
    pub fn remove_host(&mut self, id: &str) -> Option<SimHost> {
        let pos = self.hosts.iter().position(|h| h.id == id)?;
        Some(self.hosts.remove(pos))
    }

    /// Changes a host in place; returns false if there is no such host. Changing the
    /// region or id keeps the order invariant.
    pub fn update_host(&mut self, id: &str, change: impl FnOnce(&mut SimHost)) -> bool {
        match self.remove_host(id) {
            Some(mut h) => {
                change(&mut h);
                self.add_host(h);
                true
            }
            None => false,
        }
    }

    /// All resources, sorted by `(service, resource_type, region, id)`.
    pub fn resources(&self) -> &[SimResource] {
        &self.resources
    }

    /// The resources of one service and type, in every region.
    pub fn resources_of(&self, service: &str, resource_type: &str) -> &[SimResource] {
        let k = (service, resource_type);
        let start = self
            .resources
            .partition_point(|r| (r.service.as_str(), r.resource_type.as_str()) < k);
        let end = self
            .resources
            .partition_point(|r| (r.service.as_str(), r.resource_type.as_str()) <= k);
        &self.resources[start..end]
    }

    /// The resources of one service and type in one region (or [`GLOBAL`]).
    pub fn resources_in(&self, service: &str, resource_type: &str, region: &str) -> &[SimResource] {
        let all = self.resources_of(service, resource_type);
        let start = all.partition_point(|r| r.region.as_str() < region);
        let end = all.partition_point(|r| r.region.as_str() <= region);
        &all[start..end]
    }

    /// A resource by service and id.
    pub fn resource(&self, service: &str, id: &str) -> Option<&SimResource> {
        self.resources
            .iter()
            .find(|r| r.service == service && r.id == id)
    }

    /// Adds a resource (replacing one with the same service, type and id).
    pub fn add_resource(&mut self, resource: SimResource) {
        self.resources.retain(|r| {
            !(r.service == resource.service
                && r.resource_type == resource.resource_type
                && r.id == resource.id)
        });
        let pos = self
            .resources
            .partition_point(|r| resource_key(r) < resource_key(&resource));
        self.resources.insert(pos, resource);
    }

    /// Removes a resource by service and id, returning it.
    pub fn remove_resource(&mut self, service: &str, id: &str) -> Option<SimResource> {
        let pos = self
            .resources
            .iter()
            .position(|r| r.service == service && r.id == id)?;
        Some(self.resources.remove(pos))
    }
}

/// Whether a firewall/WAF rule blocks, allows or only logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockAction {
    /// Deny traffic from/to the address.
    Block,
    /// Allow traffic (allow-list).
    Allow,
    /// Log only (Huawei WAF `white: 2`).
    Log,
}

/// A firewall or WAF IP rule, as created through the simulated API.
#[derive(Debug, Clone, PartialEq)]
pub struct SimBlockRule {
    /// The rule id the API returned.
    pub id: String,
    /// The product: `cfw` or `waf`.
    pub product: String,
    /// What the rule hangs off: a CFW protected object, a WAF policy id, a WAF domain.
    pub scope: String,
    /// The IP address or CIDR.
    pub ip: String,
    /// Block, allow or log.
    pub action: BlockAction,
    /// The provider's direction value as sent (e.g. Tencent `"1,0"`, Huawei `"0"`).
    pub direction: String,
    /// The comment/description.
    pub comment: String,
    /// When the rule was created (simulator clock).
    pub created_at: OffsetDateTime,
    /// When the rule expires; `None` = permanent.
    pub expires_at: Option<OffsetDateTime>,
    /// Provider-specific fields echoed back in listings.
    pub attrs: serde_json::Value,
}

/// The firewall/WAF rule lists of one simulated cloud (changed by API handlers).
pub struct BlockRules {
    rules: Mutex<Vec<SimBlockRule>>,
    seq: AtomicU64,
}

impl Default for BlockRules {
    fn default() -> Self {
        BlockRules {
            rules: Mutex::new(Vec::new()),
            seq: AtomicU64::new(1),
        }
    }
}

impl fmt::Debug for BlockRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockRules")
            .field("len", &self.len())
            .finish()
    }
}

impl BlockRules {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<SimBlockRule>> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next value of a counter, for deterministic rule ids (1, 2, 3, …).
    pub fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed)
    }

    /// Adds a rule.
    pub fn insert(&self, rule: SimBlockRule) {
        self.lock().push(rule);
    }

    /// The rules matching `filter`, in creation order.
    pub fn list(&self, filter: impl Fn(&SimBlockRule) -> bool) -> Vec<SimBlockRule> {
        self.lock().iter().filter(|r| filter(r)).cloned().collect()
    }

    /// Every rule, in creation order.
    pub fn all(&self) -> Vec<SimBlockRule> {
        self.lock().clone()
    }

    /// Removes the rule with this id, returning it.
    pub fn remove(&self, id: &str) -> Option<SimBlockRule> {
        let mut rules = self.lock();
        let pos = rules.iter().position(|r| r.id == id)?;
        Some(rules.remove(pos))
    }

    /// Removes the rules matching `filter`, returning how many went.
    pub fn remove_where(&self, filter: impl Fn(&SimBlockRule) -> bool) -> usize {
        let mut rules = self.lock();
        let before = rules.len();
        rules.retain(|r| !filter(r));
        before - rules.len()
    }

    /// Changes the rule with this id in place; false if absent.
    pub fn update(&self, id: &str, change: impl FnOnce(&mut SimBlockRule)) -> bool {
        match self.lock().iter_mut().find(|r| r.id == id) {
            Some(r) => {
                change(r);
                true
            }
            None => false,
        }
    }

    /// How many rules there are.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(id: &str, region: &str) -> SimHost {
        SimHost {
            id: id.into(),
            name: id.into(),
            region: region.into(),
            zone: format!("{region}a"),
            state: SimHostState::Running,
            instance_type: "t3.micro".into(),
            private_ip: "10.0.0.1".into(),
            public_ip: None,
            os: "Ubuntu 22.04".into(),
            vpc_id: "vpc-1".into(),
            subnet_id: "subnet-1".into(),
            created_at: OffsetDateTime::UNIX_EPOCH,
            tags: vec![],
            image_id: "ami-1".into(),
            cpu: 2,
            memory_mb: 1024,
        }
    }

    #[test]
    fn hosts_stay_grouped_by_region_through_mutation() {
        let mut inv = Inventory::new(vec![]);
        inv.add_host(host("i-3", "us-west-2"));
        inv.add_host(host("i-1", "us-east-1"));
        inv.add_host(host("i-2", "us-east-1"));
        assert_eq!(inv.hosts_in("us-east-1").len(), 2);
        assert_eq!(inv.hosts_in("us-west-2")[0].id, "i-3");
        assert!(inv.hosts_in("eu-west-1").is_empty());
        assert!(inv.update_host("i-1", |h| h.region = "us-west-2".into()));
        assert_eq!(inv.hosts_in("us-east-1").len(), 1);
        assert_eq!(inv.hosts_in("us-west-2").len(), 2);
        assert!(inv.remove_host("i-2").is_some());
        assert!(inv.hosts_in("us-east-1").is_empty());
        assert!(!inv.update_host("i-9", |_| {}));
    }

    #[test]
    fn resources_are_found_by_service_type_and_region() {
        let mut inv = Inventory::new(vec![]);
        for (svc, ty, region, id) in [
            ("rds", "db", "us-east-1", "db-2"),
            ("rds", "db", "eu-west-1", "db-1"),
            ("s3", "bucket", "us-east-1", "b-1"),
        ] {
            inv.add_resource(SimResource {
                service: svc.into(),
                resource_type: ty.into(),
                id: id.into(),
                name: id.into(),
                region: region.into(),
                tags: vec![],
                created_at: OffsetDateTime::UNIX_EPOCH,
                attrs: serde_json::json!({"engine": "mysql"}),
            });
        }
        assert_eq!(inv.resources_of("rds", "db").len(), 2);
        assert_eq!(inv.resources_in("rds", "db", "us-east-1")[0].id, "db-2");
        assert_eq!(
            inv.resource("s3", "b-1").map(|r| r.attr_str("engine")),
            Some("mysql")
        );
        assert!(inv.remove_resource("rds", "db-1").is_some());
        assert_eq!(inv.resources_of("rds", "db").len(), 1);
    }

    #[test]
    fn block_rules_add_list_remove() {
        let rules = BlockRules::default();
        let id = rules.next_seq().to_string();
        rules.insert(SimBlockRule {
            id: id.clone(),
            product: "cfw".into(),
            scope: "global".into(),
            ip: "1.2.3.4".into(),
            action: BlockAction::Block,
            direction: "1,0".into(),
            comment: String::new(),
            created_at: OffsetDateTime::UNIX_EPOCH,
            expires_at: None,
            attrs: serde_json::Value::Null,
        });
        assert_eq!(rules.list(|r| r.ip == "1.2.3.4").len(), 1);
        assert!(rules.update(&id, |r| r.comment = "x".into()));
        assert_eq!(rules.remove(&id).map(|r| r.comment), Some("x".into()));
        assert!(rules.is_empty());
    }
}

//! A scriptable fake cloud: regions, hosts and resources in a shared map, failures per
//! (region, kind), listing delays, and counters for assertions.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt};
use multicloud_core::{
    AccountName, CloudProvider, CloudResource, CredentialStatus, Domain, Error, ErrorKind, Host,
    HostState, Item, ItemClass, KeyCheck, KindScope, ProviderKind, Region, ResourceKind, Result,
    StandardFeature,
};
use serde_json::json;
use time::macros::datetime;
use time::OffsetDateTime;

use crate::GLOBAL_REGION;

pub(crate) const T0: OffsetDateTime = datetime!(2024-05-01 08:00 UTC);

#[derive(Debug, Default)]
pub(crate) struct World {
    pub(crate) regions: Vec<Region>,
    pub(crate) hosts: BTreeMap<String, Vec<Host>>,
    pub(crate) resources: BTreeMap<String, Vec<CloudResource>>,
    /// (region or "global", kind id) listings that yield one item, then fail.
    pub(crate) failing: BTreeSet<(String, String)>,
    /// (region or "global", kind id) listings refused with this error before any item.
    pub(crate) refusing: BTreeMap<(String, String), ErrorKind>,
    /// Resource listings yield every resource of the region, whatever its kind (a bug).
    pub(crate) mislabel: bool,
    pub(crate) regions_fail: bool,
    pub(crate) credential: Option<CredentialStatus>,
    pub(crate) listing_delay: Duration,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) host_listings: AtomicUsize,
    /// Listings of regional resource kinds (one per region and kind).
    pub(crate) resource_listings: AtomicUsize,
    /// Listings of global kinds.
    pub(crate) global_listings: AtomicUsize,
    pub(crate) verify_calls: AtomicUsize,
    pub(crate) in_flight: AtomicUsize,
    pub(crate) max_in_flight: AtomicUsize,
}

impl Counters {
    pub(crate) fn get(counter: &AtomicUsize) -> usize {
        counter.load(Ordering::SeqCst)
    }
}

struct InFlight(Arc<Counters>);

impl InFlight {
    fn enter(c: &Arc<Counters>) -> Self {
        let now = c.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        c.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(Arc::clone(c))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FakeCloud {
    account: AccountName,
    /// Never used for keys: the engine must not care which AccessKey is in use.
    pub(crate) key_id: String,
    features: Vec<StandardFeature>,
    pub(crate) world: Arc<Mutex<World>>,
    pub(crate) counters: Arc<Counters>,
}

impl FakeCloud {
    pub(crate) fn new(account: &str) -> Self {
        FakeCloud {
            account: AccountName::new(account).unwrap(),
            key_id: "AKIAFAKE0001".into(),
            features: vec![StandardFeature::Host, StandardFeature::Cspm],
            world: Arc::default(),
            counters: Arc::default(),
        }
    }

    /// The same account and world seen through a different key (a rotation).
    pub(crate) fn with_key(mut self, key_id: &str) -> Self {
        self.key_id = key_id.into();
        self
    }

    pub(crate) fn with_features(mut self, features: &[StandardFeature]) -> Self {
        self.features = features.to_vec();
        self
    }

    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap()
    }

    pub(crate) fn arc(&self) -> Arc<dyn CloudProvider> {
        Arc::new(self.clone())
    }

    /// Enabled regions, each with hosts `<region>-h1..=hN`.
    pub(crate) fn seed(&self, regions: &[&str], hosts_per_region: usize) -> &Self {
        let mut w = self.world();
        for r in regions {
            w.regions.push(Region::enabled(*r));
            let hosts = (1..=hosts_per_region)
                .map(|i| host(r, &format!("{r}-h{i}")))
                .collect();
            w.hosts.insert((*r).to_owned(), hosts);
        }
        drop(w);
        self
    }

    fn listing<T: Send + 'static>(
        &self,
        items: Vec<T>,
        fail: bool,
        refuse: Option<ErrorKind>,
    ) -> BoxStream<'static, Result<T>> {
        let delay = self.world().listing_delay;
        let counters = Arc::clone(&self.counters);
        stream::once(async move {
            let _busy = InFlight::enter(&counters);
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if let Some(kind) = refuse {
                return stream::iter(vec![Err(Error::new(kind, "injected refusal"))]);
            }
            let mut out: Vec<Result<T>> = items.into_iter().map(Ok).collect();
            if fail {
                // A first page arrives, then the next page fails: a partial listing.
                out.truncate(1);
                out.push(Err(
                    Error::new(ErrorKind::Transient, "injected 503").with_http_status(503)
                ));
            }
            stream::iter(out)
        })
        .flatten()
        .boxed()
    }
}

pub(crate) fn host(region: &str, id: &str) -> Host {
    Host::new(id, region, HostState::Running)
        .with_name(Some(format!("name-{id}")))
        .with_instance_type(Some("t3.micro".into()))
        .with_zone(Some(format!("{region}a")))
        .with_private_ips(vec!["10.0.0.1".parse().unwrap()])
        .with_os(Some("linux".into()))
        .with_vpc_id(Some("vpc-1".into()))
        .with_created_at(Some(T0))
        .with_raw(json!({ "InstanceId": id }))
}

pub(crate) fn resource(region: &str, service: &str, kind: &str, id: &str) -> CloudResource {
    CloudResource::new(service, kind, id, region)
        .with_name(Some(id.into()))
        .with_raw(json!({ "Id": id }))
}

#[async_trait]
impl CloudProvider for FakeCloud {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Aws
    }

    fn account(&self) -> &AccountName {
        &self.account
    }

    fn domain(&self) -> Domain {
        Domain::International
    }

    fn features(&self) -> &[StandardFeature] {
        &self.features
    }

    fn resource_kinds(&self) -> &'static [ResourceKind] {
        &FAKE_KINDS
    }

    async fn check_key(&self) -> Result<KeyCheck> {
        self.counters.verify_calls.fetch_add(1, Ordering::SeqCst);
        let credential = self
            .world()
            .credential
            .clone()
            .ok_or_else(|| Error::new(ErrorKind::Transient, "identity endpoint unreachable"))?;
        Ok(KeyCheck::new(credential, None))
    }

    async fn probe_read(&self, _kind: &ResourceKind) -> Result<()> {
        Ok(())
    }

    async fn regions(&self) -> Result<Vec<Region>> {
        let w = self.world();
        if w.regions_fail {
            return Err(Error::new(ErrorKind::Throttled, "injected throttling"));
        }
        Ok(w.regions.clone())
    }

    fn list(
        &self,
        kind: &ResourceKind,
        region: Option<&Region>,
    ) -> BoxStream<'static, Result<Item>> {
        let scope = region.map_or(GLOBAL_REGION, |r| r.id.as_str()).to_owned();
        let counter = match (kind.item, region) {
            (ItemClass::Host, _) => &self.counters.host_listings,
            (_, Some(_)) => &self.counters.resource_listings,
            (_, None) => &self.counters.global_listings,
        };
        counter.fetch_add(1, Ordering::SeqCst);
        let (items, fail, refuse) = {
            let w = self.world();
            let items: Vec<Item> = if kind.item == ItemClass::Host {
                let hosts = w.hosts.get(&scope).cloned().unwrap_or_default();
                hosts.into_iter().map(Item::Host).collect()
            } else {
                let resources = w.resources.get(&scope).cloned().unwrap_or_default();
                resources
                    .into_iter()
                    .map(Item::Resource)
                    .filter(|i| w.mislabel || i.kind_id() == kind.id)
                    .collect()
            };
            let key = (scope.clone(), kind.id.to_owned());
            (
                items,
                w.failing.contains(&key),
                w.refusing.get(&key).copied(),
            )
        };
        self.listing(items, fail, refuse)
    }
}

/// The fake's kinds: hosts, two regional products and one global one.
pub(crate) static FAKE_KINDS: [ResourceKind; 5] = [
    ResourceKind::hosts("ec2")
        .with_features(&[StandardFeature::Host])
        .with_list_actions(&["ec2:DescribeInstances"])
        .with_grant("AmazonEC2ReadOnlyAccess"),
    ResourceKind::resources("s3", "bucket", KindScope::Regional)
        .with_id("s3.bucket")
        .with_features(&[StandardFeature::Cspm])
        .with_list_actions(&["s3:ListAllMyBuckets"])
        .with_grant("AmazonS3ReadOnlyAccess"),
    ResourceKind::resources("rds", "db_instance", KindScope::Regional)
        .with_id("rds.db_instance")
        .with_features(&[StandardFeature::Cspm])
        .with_list_actions(&["rds:DescribeDBInstances"])
        .with_grant("AmazonRDSReadOnlyAccess"),
    ResourceKind::resources("iam", "user", KindScope::Global)
        .with_id("iam.user")
        .with_features(&[StandardFeature::Cspm])
        .with_list_actions(&["iam:ListUsers"])
        .with_grant("IAMReadOnlyAccess"),
    ResourceKind::capability("waf.block", "waf", KindScope::Regional)
        .with_features(&[StandardFeature::Response])
        .with_write_actions(&["waf:CreateIPSet"])
        .with_grant("AWSWAFFullAccess"),
];

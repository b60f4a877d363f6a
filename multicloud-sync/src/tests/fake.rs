//! A scriptable fake cloud: regions, hosts and resources in a shared map, failures per
//! (region, feature), listing delays, and counters for assertions.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt};
use multicloud_core::{
    AccountName, CloudProvider, CloudResource, CredentialStatus, Domain, Error, ErrorKind, Host,
    HostState, ProviderKind, Region, Result, StandardFeature, VerifyReport,
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
    /// (region or "global", feature) listings that yield one item, then fail.
    pub(crate) failing: BTreeSet<(String, StandardFeature)>,
    pub(crate) regions_fail: bool,
    pub(crate) credential: Option<CredentialStatus>,
    pub(crate) listing_delay: Duration,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) host_listings: AtomicUsize,
    pub(crate) resource_listings: AtomicUsize,
    pub(crate) global_listings: AtomicUsize,
    pub(crate) verify_calls: AtomicUsize,
    in_flight: AtomicUsize,
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
    ) -> BoxStream<'static, Result<T>> {
        let delay = self.world().listing_delay;
        let counters = Arc::clone(&self.counters);
        stream::once(async move {
            let _busy = InFlight::enter(&counters);
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
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

    async fn verify(&self, features: &[StandardFeature]) -> Result<VerifyReport> {
        self.counters.verify_calls.fetch_add(1, Ordering::SeqCst);
        let credential = self
            .world()
            .credential
            .clone()
            .ok_or_else(|| Error::new(ErrorKind::Transient, "identity endpoint unreachable"))?;
        let checks = features
            .iter()
            .map(|f| multicloud_core::FeatureCheck::new(*f, multicloud_core::FeatureStatus::Ok))
            .collect();
        Ok(VerifyReport::new(
            ProviderKind::Aws,
            self.account.clone(),
            Domain::International,
            credential,
        )
        .with_features(checks))
    }

    async fn regions(&self) -> Result<Vec<Region>> {
        let w = self.world();
        if w.regions_fail {
            return Err(Error::new(ErrorKind::Throttled, "injected throttling"));
        }
        Ok(w.regions.clone())
    }

    fn hosts(&self, region: &Region) -> BoxStream<'static, Result<Host>> {
        self.counters.host_listings.fetch_add(1, Ordering::SeqCst);
        let (items, fail) = {
            let w = self.world();
            let items = w.hosts.get(&region.id).cloned().unwrap_or_default();
            (
                items,
                w.failing
                    .contains(&(region.id.clone(), StandardFeature::Host)),
            )
        };
        self.listing(items, fail)
    }

    fn cloud_resources(&self, region: &Region) -> BoxStream<'static, Result<CloudResource>> {
        self.counters
            .resource_listings
            .fetch_add(1, Ordering::SeqCst);
        let (items, fail) = {
            let w = self.world();
            let items = w.resources.get(&region.id).cloned().unwrap_or_default();
            (
                items,
                w.failing
                    .contains(&(region.id.clone(), StandardFeature::Cspm)),
            )
        };
        self.listing(items, fail)
    }

    fn global_resources(&self) -> BoxStream<'static, Result<CloudResource>> {
        self.counters.global_listings.fetch_add(1, Ordering::SeqCst);
        let (items, fail) = {
            let w = self.world();
            let items = w.resources.get(GLOBAL_REGION).cloned().unwrap_or_default();
            (
                items,
                w.failing
                    .contains(&(GLOBAL_REGION.to_owned(), StandardFeature::Cspm)),
            )
        };
        self.listing(items, fail)
    }
}

//! The running simulator: a wiremock server behind the loopback TCP relay (`front.rs`, which can drop connections and cut bodies), and
//! the [`SimCloud`] handle tests and the binary hold.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};

use bytes::Bytes;
use multicloud_core::{Clock, ProviderKind, SystemClock};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

use crate::faults::{FaultKind, FaultState};
use crate::fixture::{FixtureBuilder, HostGen, ProviderProfile};
use crate::front::{Front, FAULT_HEADER, NO_BODY_HEADER};
use crate::inventory::{BlockRules, Inventory, SimHost};
use crate::keys::{KeyStore, SimKey};
use crate::recorder::{Outcome, RecordedRequest, Recorder};
use crate::sim::{parse_form, CloudSim, SimContext, SimRequest, SimResponse};

/// Everything one simulator shares between the handle and the request path.
struct Shared {
    sim: Arc<dyn CloudSim>,
    profile: ProviderProfile,
    inventory: RwLock<Inventory>,
    block_rules: BlockRules,
    keys: KeyStore,
    iam: crate::iam::IamState,
    faults: FaultState,
    recorder: Recorder,
    clock: Arc<dyn Clock>,
    seq: AtomicU64,
    host_gen: Mutex<HostGen>,
}

/// Configures and starts a [`SimCloud`].
pub struct SimCloudBuilder {
    sim: Arc<dyn CloudSim>,
    fixture: FixtureBuilder,
    inventory: Option<Inventory>,
    keys: Option<Vec<SimKey>>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for SimCloudBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimCloudBuilder")
            .field("provider", &self.sim.provider())
            .field("fixture", &self.fixture)
            .finish()
    }
}

impl SimCloudBuilder {
    /// Sets the fixture seed (also seeds fault probabilities).
    pub fn seed(mut self, seed: u64) -> Self {
        self.fixture = self.fixture.seed(seed);
        self
    }

    /// Sets the number of seeded hosts.
    pub fn hosts(mut self, n: usize) -> Self {
        self.fixture = self.fixture.hosts(n);
        self
    }

    /// Sets how many regions hosts are spread over.
    pub fn regions(mut self, r: usize) -> Self {
        self.fixture = self.fixture.regions(r);
        self
    }

    /// Sets how many resources each product gets.
    pub fn resources_per_service(mut self, k: usize) -> Self {
        self.fixture = self.fixture.resources_per_service(k);
        self
    }

    /// Starts from this inventory instead of a generated fixture.
    pub fn inventory(mut self, inventory: Inventory) -> Self {
        self.inventory = Some(inventory);
        self
    }

    /// Starts with these keys instead of the profile's demo keys.
    pub fn keys(mut self, keys: Vec<SimKey>) -> Self {
        self.keys = Some(keys);
        self
    }

    /// Uses this clock for signature-time checks (e.g. a `ManualClock`).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Starts the simulator on 127.0.0.1 (a random port).
    pub async fn start(self) -> io::Result<SimCloud> {
        let (generated, host_gen) = self.fixture.build_with_generator();
        let seed = self.fixture.seed_value();
        let profile = self.fixture.profile().clone();
        let keys = self.keys.unwrap_or_else(|| profile.demo_keys.clone());
        let shared = Arc::new(Shared {
            sim: self.sim,
            profile,
            inventory: RwLock::new(self.inventory.unwrap_or(generated)),
            block_rules: BlockRules::default(),
            keys: KeyStore::new(keys),
            iam: crate::iam::IamState::default(),
            faults: FaultState::new(seed),
            recorder: Recorder::default(),
            clock: self.clock,
            seq: AtomicU64::new(0),
            // Live additions continue from a different stream than the fixture's hosts.
            host_gen: Mutex::new(host_gen),
        });
        let mock = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        Mock::given(any())
            .respond_with(Responder {
                shared: shared.clone(),
            })
            .mount(&mock)
            .await;
        let front = Front::start(*mock.address()).await?;
        Ok(SimCloud {
            shared,
            front,
            _mock: mock,
        })
    }
}

/// A running simulated cloud. Dropping it stops the server.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use multicloud_testkit::{aws::AwsSim, SimCloud};
///
/// let cloud = SimCloud::builder(AwsSim::new()).hosts(100).seed(7).start().await?;
/// println!("AWS simulator at {}", cloud.base_url());
/// cloud.faults().on("ec2:DescribeInstances").throttle_every(3);
/// assert_eq!(cloud.count("ec2:DescribeInstances"), 0);
/// # Ok(()) }
/// ```
pub struct SimCloud {
    shared: Arc<Shared>,
    front: Front,
    _mock: MockServer,
}

impl fmt::Debug for SimCloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimCloud")
            .field("provider", &self.provider())
            .field("base_url", &self.base_url())
            .finish()
    }
}

impl SimCloud {
    /// A builder for a simulator of `sim`, with its profile's fixture defaults.
    pub fn builder(sim: impl CloudSim) -> SimCloudBuilder {
        let profile = sim.profile();
        SimCloudBuilder {
            sim: Arc::new(sim),
            fixture: FixtureBuilder::new(profile),
            inventory: None,
            keys: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// Starts `sim` with the default fixture (seed 42, 20 hosts, 3 regions).
    pub async fn start(sim: impl CloudSim) -> io::Result<SimCloud> {
        SimCloud::builder(sim).start().await
    }

    /// The provider simulated.
    pub fn provider(&self) -> ProviderKind {
        self.shared.sim.provider()
    }

    /// The profile the fixture was built from.
    pub fn profile(&self) -> &ProviderProfile {
        &self.shared.profile
    }

    /// The socket address clients connect to.
    pub fn address(&self) -> SocketAddr {
        self.front.addr()
    }

    /// `http://127.0.0.1:PORT`, with no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.front.addr())
    }

    /// The keys (change status and permissions while running).
    pub fn keys(&self) -> &KeyStore {
        &self.shared.keys
    }

    /// The IAM / CAM state (users, policies, keys made through the write APIs).
    pub fn iam(&self) -> &crate::iam::IamState {
        &self.shared.iam
    }

    /// The fault rules.
    pub fn faults(&self) -> &FaultState {
        &self.shared.faults
    }

    /// The request log.
    pub fn recorder(&self) -> &Recorder {
        &self.shared.recorder
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorder.requests()
    }

    /// How many requests `endpoint` received (`"*"` = all).
    pub fn count(&self, endpoint: &str) -> usize {
        self.shared.recorder.count(endpoint)
    }

    /// How many requests `endpoint` (`"*"` = all) received for `region`.
    pub fn count_in(&self, endpoint: &str, region: &str) -> usize {
        self.shared.recorder.count_in(endpoint, region)
    }

    /// The firewall/WAF rules created through the API.
    pub fn block_rules(&self) -> &BlockRules {
        &self.shared.block_rules
    }

    /// Reads the inventory (do not hold the guard across an `.await`).
    pub fn inventory(&self) -> RwLockReadGuard<'_, Inventory> {
        self.shared
            .inventory
            .read()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Changes the inventory; later requests see the change (syncs then produce diffs).
    pub fn mutate<T>(&self, change: impl FnOnce(&mut Inventory) -> T) -> T {
        let mut guard = self
            .shared
            .inventory
            .write()
            .unwrap_or_else(|p| p.into_inner());
        change(&mut guard)
    }

    /// Adds (or replaces) a host.
    pub fn add_host(&self, host: SimHost) {
        self.mutate(|inv| inv.add_host(host));
    }

    /// Generates a new realistic host in `region` (deterministic after the fixture), adds
    /// it and returns it.
    pub fn add_generated_host(&self, region: &str) -> SimHost {
        let host = self
            .shared
            .host_gen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .next_host(region);
        self.add_host(host.clone());
        host
    }

    /// Removes a host by id, returning it.
    pub fn remove_host(&self, id: &str) -> Option<SimHost> {
        self.mutate(|inv| inv.remove_host(id))
    }

    /// Changes a host in place; false if absent.
    pub fn update_host(&self, id: &str, change: impl FnOnce(&mut SimHost)) -> bool {
        self.mutate(|inv| inv.update_host(id, change))
    }

    /// Stops the server; open connections are closed.
    pub fn shutdown(self) {
        drop(self);
    }
}

/// A deterministic, UUID-shaped request id for the `seq`th request.
pub fn request_id(seq: u64) -> String {
    // splitmix64: cheap, well-spread, and reproducible.
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let a = mix(seq.wrapping_add(0x9e37_79b9_7f4a_7c15));
    let b = mix(a);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

struct Responder {
    shared: Arc<Shared>,
}

impl Responder {
    fn to_sim_request(req: &wiremock::Request) -> SimRequest {
        let host = req
            .headers
            .get(http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .unwrap_or_else(|| req.url.authority().to_string());
        let raw_query = req.url.query().map(str::to_string);
        SimRequest {
            method: req.method.clone(),
            host,
            path: req.url.path().to_string(),
            query: raw_query
                .as_deref()
                .map(|q| parse_form(q.as_bytes()))
                .unwrap_or_default(),
            raw_query,
            headers: req.headers.clone(),
            body: Bytes::from(req.body.clone()),
        }
    }

    fn answer(&self, req: &SimRequest, seq: u64) -> Answer {
        let sh = &self.shared;
        let endpoint = sh.sim.endpoint_of(req);
        let ep = endpoint.as_deref().unwrap_or("");
        let inventory = sh.inventory.read().unwrap_or_else(|p| p.into_inner());
        let rid = request_id(seq);
        let ctx = SimContext {
            inventory: &inventory,
            block_rules: &sh.block_rules,
            keys: &sh.keys,
            iam: &sh.iam,
            now: sh.clock.now(),
            faults: &sh.faults,
            endpoint: ep,
            region: None,
            request_id: &rid,
        };
        let region = sh.sim.region_of(req, &ctx);
        let ctx = SimContext {
            region: region.as_deref(),
            ..ctx
        };
        let decision = sh.faults.decide_in(ep, ctx.region);
        let mut truncate = false;
        let (outcome, resp) = match decision.fault {
            Some(FaultKind::DropConnection) => (
                Outcome::Fault(FaultKind::DropConnection),
                SimResponse {
                    status: 500,
                    headers: vec![(FAULT_HEADER.into(), "drop".into())],
                    body: Vec::new(),
                },
            ),
            Some(FaultKind::Throttle) => (
                Outcome::Fault(FaultKind::Throttle),
                sh.sim.throttle_response(req, &ctx),
            ),
            Some(FaultKind::ServerError) => (
                Outcome::Fault(FaultKind::ServerError),
                sh.sim.server_error_response(req, &ctx),
            ),
            Some(FaultKind::ClockSkew) => (
                Outcome::Fault(FaultKind::ClockSkew),
                sh.sim.clock_skew_response(req, &ctx),
            ),
            Some(FaultKind::RawBody) => {
                let raw = decision.raw_body.clone().unwrap_or_default();
                (
                    Outcome::Fault(FaultKind::RawBody),
                    SimResponse {
                        status: 200,
                        headers: vec![("Content-Type".into(), raw.content_type)],
                        body: raw.body,
                    },
                )
            }
            other => {
                truncate = other == Some(FaultKind::TruncateBody);
                let (outcome, resp) = if endpoint.is_none() {
                    let r = sh.sim.unknown_route_response(req, &ctx);
                    (Outcome::UnknownRoute { status: r.status }, r)
                } else {
                    match sh.sim.authenticate(req, &ctx) {
                        Err(r) => (Outcome::Refused { status: r.status }, r),
                        Ok(key) => {
                            let r = sh.sim.handle(req, &key, &ctx);
                            (
                                Outcome::Handled {
                                    status: r.status,
                                    key_id: key.key_id,
                                },
                                r,
                            )
                        }
                    }
                };
                if truncate {
                    (Outcome::Fault(FaultKind::TruncateBody), resp)
                } else {
                    (outcome, resp)
                }
            }
        };
        let mut resp = resp;
        if truncate {
            resp.headers.push((FAULT_HEADER.into(), "truncate".into()));
        }
        Answer {
            endpoint,
            region,
            outcome,
            resp,
            latency: decision.latency,
        }
    }
}

/// What the simulator decided for one request.
struct Answer {
    endpoint: Option<String>,
    region: Option<String>,
    outcome: Outcome,
    resp: SimResponse,
    latency: Option<std::time::Duration>,
}

impl Respond for Responder {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let seq = self.shared.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let req = Self::to_sim_request(request);
        let Answer {
            endpoint,
            region,
            outcome,
            resp,
            latency,
        } = self.answer(&req, seq);
        let mut template = ResponseTemplate::new(resp.status);
        let mut latency = latency;
        for (k, v) in &resp.headers {
            if k == crate::sim::DELAY_HEADER {
                let held = v.parse().map(std::time::Duration::from_millis).ok();
                latency = latency.max(held);
                continue;
            }
            template = template.append_header(k.as_str(), v.as_str());
        }
        if req.method == http::Method::HEAD {
            template = template.append_header(NO_BODY_HEADER, "1");
        }
        template = template.set_body_bytes(resp.body);
        if let Some(d) = latency {
            template = template.set_delay(d);
        }
        self.shared.recorder.push(RecordedRequest {
            seq,
            endpoint,
            region,
            request: req,
            outcome,
        });
        template
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_unique_and_uuid_shaped() {
        let ids: std::collections::BTreeSet<String> = (1..1000).map(request_id).collect();
        assert_eq!(ids.len(), 999);
        let one = request_id(1);
        assert_eq!(one.len(), 36);
        assert_eq!(one, request_id(1));
    }
}

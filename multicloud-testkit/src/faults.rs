//! Fault injection, configured per endpoint name (or `"*"` for every endpoint), optionally
//! scoped to one region.
//!
//! ```
//! use std::time::Duration;
//! use multicloud_testkit::{FaultKind, FaultState, Trigger};
//!
//! let faults = FaultState::new(7);
//! faults.on("ec2:DescribeInstances").throttle_every(3).latency(Duration::from_millis(5));
//! faults.on("*").server_error(Trigger::first(1));
//! faults.on("cvm:DescribeInstances").in_region("ap-guangzhou").server_error(Trigger::Always);
//! assert!(!faults.pagination_loop("ec2:DescribeInstances"));
//! let in_region = |r| faults.decide_in("cvm:DescribeInstances", Some(r)).fault;
//! assert_eq!(in_region("ap-guangzhou"), Some(FaultKind::ServerError));
//! assert_eq!(in_region("ap-shanghai"), None);
//! ```
//!
//! Every rule keeps its own call counter, started when the rule is set, so
//! `throttle_every(3)` fails the 3rd, 6th, 9th … call made after it was configured. A
//! region-scoped rule counts only the calls to its region. The region of a request is what
//! the simulator's [`CloudSim::region_of`](crate::CloudSim::region_of) says; a request with
//! no region matches only unscoped rules.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// The endpoint name that matches every endpoint.
pub const ALL_ENDPOINTS: &str = "*";

/// When a fault fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// On every call.
    Always,
    /// On every `k`-th call (the `k`th, `2k`th, …).
    EveryNth(u64),
    /// On the first `n` calls, then never.
    FirstN(u64),
    /// With probability `p` (0..=1), drawn from the simulator's seeded RNG.
    Probability(f64),
}

impl Trigger {
    /// On every `k`-th call.
    pub fn every(k: u64) -> Self {
        Trigger::EveryNth(k.max(1))
    }

    /// On the first `n` calls.
    pub fn first(n: u64) -> Self {
        Trigger::FirstN(n)
    }

    /// With probability `p`.
    pub fn probability(p: f64) -> Self {
        Trigger::Probability(p.clamp(0.0, 1.0))
    }
}

/// A fault that replaces or breaks the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    /// The connection is closed without a response.
    DropConnection,
    /// The provider's throttling error.
    Throttle,
    /// The provider's 5xx error.
    ServerError,
    /// The provider's clock-skew error.
    ClockSkew,
    /// An HTTP 200 with a body set by the test (see [`EndpointFaults::raw_body`]) instead of
    /// the real answer: an HTML page, another action's document, an error envelope, a
    /// document without its list.
    RawBody,
    /// The real response, cut off half-way through the body.
    TruncateBody,
}

impl FaultKind {
    /// Every kind, in the order they are checked.
    pub const ALL: [FaultKind; 6] = [
        FaultKind::DropConnection,
        FaultKind::Throttle,
        FaultKind::ServerError,
        FaultKind::ClockSkew,
        FaultKind::RawBody,
        FaultKind::TruncateBody,
    ];
}

#[derive(Debug, Clone)]
struct Rule {
    trigger: Trigger,
    seen: u64,
}

#[derive(Debug, Clone, Default)]
struct EndpointRules {
    rules: BTreeMap<FaultKind, Rule>,
    latency: Option<Duration>,
    pagination_loop: bool,
    endless_pagination: bool,
    raw_body: Option<RawBody>,
}

/// The answer a [`FaultKind::RawBody`] fault sends, with HTTP 200.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawBody {
    /// The `Content-Type` header sent with it.
    pub content_type: String,
    /// The body, sent as is.
    pub body: Vec<u8>,
}

/// What the fault rules decided for one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultDecision {
    /// Added latency before the response.
    pub latency: Option<Duration>,
    /// The fault that fires, if any (the first in [`FaultKind::ALL`] order).
    pub fault: Option<FaultKind>,
    /// The answer to send when `fault` is [`FaultKind::RawBody`] (from the most specific
    /// scope whose raw-body rule fired).
    pub raw_body: Option<RawBody>,
}

/// Which calls a set of rules applies to: an endpoint (or `"*"`), in one region or all.
type Scope = (String, Option<String>);

/// The fault rules of one simulator.
pub struct FaultState {
    endpoints: Mutex<BTreeMap<Scope, EndpointRules>>,
    rng: Mutex<SmallRng>,
}

impl fmt::Debug for FaultState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let eps: Vec<String> = self
            .lock()
            .keys()
            .map(|(ep, region)| match region {
                Some(r) => format!("{ep}@{r}"),
                None => ep.clone(),
            })
            .collect();
        f.debug_struct("FaultState")
            .field("endpoints", &eps)
            .finish()
    }
}

impl Default for FaultState {
    fn default() -> Self {
        FaultState::new(0)
    }
}

impl FaultState {
    /// No faults; probabilities draw from an RNG seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        FaultState {
            endpoints: Mutex::new(BTreeMap::new()),
            rng: Mutex::new(SmallRng::seed_from_u64(seed)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Scope, EndpointRules>> {
        self.endpoints.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The rules of one endpoint (`"*"` = every endpoint) in every region, to configure;
    /// [`EndpointFaults::in_region`] narrows them to one region.
    pub fn on(&self, endpoint: impl Into<String>) -> EndpointFaults<'_> {
        EndpointFaults {
            state: self,
            endpoint: endpoint.into(),
            region: None,
        }
    }

    /// The rules of one endpoint (`"*"` = every endpoint) for calls to `region` only; same as
    /// `on(endpoint).in_region(region)`.
    pub fn on_region(
        &self,
        endpoint: impl Into<String>,
        region: impl Into<String>,
    ) -> EndpointFaults<'_> {
        self.on(endpoint).in_region(region)
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Whether the pagination-loop fault is on for `endpoint` (unscoped rules only).
    pub fn pagination_loop(&self, endpoint: &str) -> bool {
        self.pagination_loop_in(endpoint, None)
    }

    /// Whether the pagination-loop fault is on for a call to `endpoint` in `region`.
    pub fn pagination_loop_in(&self, endpoint: &str, region: Option<&str>) -> bool {
        let map = self.lock();
        scopes(endpoint, region).any(|s| map.get(&s).is_some_and(|r| r.pagination_loop))
    }

    /// Whether the endless-pagination fault is on for a call to `endpoint` in `region`.
    pub fn endless_pagination_in(&self, endpoint: &str, region: Option<&str>) -> bool {
        let map = self.lock();
        scopes(endpoint, region).any(|s| map.get(&s).is_some_and(|r| r.endless_pagination))
    }

    /// Decides the faults for one call to `endpoint` with no known region (advancing the
    /// counters of the unscoped rules).
    pub fn decide(&self, endpoint: &str) -> FaultDecision {
        self.decide_in(endpoint, None)
    }

    /// Decides the faults for one call to `endpoint` in `region` (advancing the counters of
    /// every matching rule). Latency comes from the most specific matching scope.
    pub fn decide_in(&self, endpoint: &str, region: Option<&str>) -> FaultDecision {
        let mut map = self.lock();
        let mut decision = FaultDecision::default();
        let mut fired = Vec::new();
        for scope in scopes(endpoint, region) {
            let Some(rules) = map.get_mut(&scope) else {
                continue;
            };
            if decision.latency.is_none() {
                decision.latency = rules.latency;
            }
            for (kind, rule) in rules.rules.iter_mut() {
                rule.seen += 1;
                let fire = match rule.trigger {
                    Trigger::Always => true,
                    Trigger::EveryNth(k) => rule.seen % k.max(1) == 0,
                    Trigger::FirstN(n) => rule.seen <= n,
                    Trigger::Probability(p) => {
                        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
                        rng.gen_bool(p.clamp(0.0, 1.0))
                    }
                };
                if fire {
                    fired.push(*kind);
                    if *kind == FaultKind::RawBody && decision.raw_body.is_none() {
                        decision.raw_body = rules.raw_body.clone();
                    }
                }
            }
        }
        decision.fault = fired.into_iter().min();
        decision
    }

    fn edit(&self, scope: Scope, change: impl FnOnce(&mut EndpointRules)) {
        let mut map = self.lock();
        change(map.entry(scope).or_default());
    }
}

/// The scopes matching a call, most specific first: the endpoint in the region, the
/// endpoint, then the same for `"*"` (which is not repeated for a call named `"*"`).
fn scopes(endpoint: &str, region: Option<&str>) -> impl Iterator<Item = Scope> {
    let endpoints = if endpoint == ALL_ENDPOINTS {
        vec![ALL_ENDPOINTS]
    } else {
        vec![endpoint, ALL_ENDPOINTS]
    };
    let mut out = Vec::with_capacity(4);
    for ep in endpoints {
        if let Some(r) = region {
            out.push((ep.to_string(), Some(r.to_string())));
        }
        out.push((ep.to_string(), None));
    }
    out.into_iter()
}

/// A builder over one endpoint's rules (in every region, or in one); every method applies
/// at once and returns itself for chaining.
#[derive(Debug)]
pub struct EndpointFaults<'a> {
    state: &'a FaultState,
    endpoint: String,
    region: Option<String>,
}

impl EndpointFaults<'_> {
    /// Scopes the rules set *after* this call to requests for `region` (as the simulator's
    /// [`CloudSim::region_of`](crate::CloudSim::region_of) reads it), so one region can fail
    /// while the others answer normally.
    pub fn in_region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    fn scope(&self) -> Scope {
        (self.endpoint.clone(), self.region.clone())
    }

    fn set(self, kind: FaultKind, trigger: Trigger) -> Self {
        self.state.edit(self.scope(), |r| {
            r.rules.insert(kind, Rule { trigger, seen: 0 });
        });
        self
    }

    /// Throttles with the provider's real code when `trigger` fires.
    pub fn throttle(self, trigger: Trigger) -> Self {
        self.set(FaultKind::Throttle, trigger)
    }

    /// Throttles every `k`-th call.
    pub fn throttle_every(self, k: u64) -> Self {
        self.throttle(Trigger::every(k))
    }

    /// Throttles with probability `p` (seeded).
    pub fn throttle_with_probability(self, p: f64) -> Self {
        self.throttle(Trigger::probability(p))
    }

    /// Answers with the provider's 5xx error when `trigger` fires.
    pub fn server_error(self, trigger: Trigger) -> Self {
        self.set(FaultKind::ServerError, trigger)
    }

    /// Closes the connection without answering when `trigger` fires.
    pub fn drop_connection(self, trigger: Trigger) -> Self {
        self.set(FaultKind::DropConnection, trigger)
    }

    /// Sends the real response cut off half-way through the body when `trigger` fires.
    pub fn truncate_body(self, trigger: Trigger) -> Self {
        self.set(FaultKind::TruncateBody, trigger)
    }

    /// Answers HTTP 200 with `body` (sent as is, with `content_type`) instead of the real
    /// response when `trigger` fires: a wrong-shaped success, for the parsers' wire checks.
    pub fn raw_body(
        self,
        trigger: Trigger,
        content_type: impl Into<String>,
        body: impl Into<Vec<u8>>,
    ) -> Self {
        let raw = RawBody {
            content_type: content_type.into(),
            body: body.into(),
        };
        self.state.edit(self.scope(), |r| r.raw_body = Some(raw));
        self.set(FaultKind::RawBody, trigger)
    }

    /// Rejects the request as too far from the server clock when `trigger` fires.
    pub fn clock_skew(self, trigger: Trigger) -> Self {
        self.set(FaultKind::ClockSkew, trigger)
    }

    /// Delays every response by `delay`.
    pub fn latency(self, delay: Duration) -> Self {
        self.state.edit(self.scope(), |r| r.latency = Some(delay));
        self
    }

    /// Makes the endpoint return the same next-page token forever.
    pub fn pagination_loop(self) -> Self {
        self.state.edit(self.scope(), |r| r.pagination_loop = true);
        self
    }

    /// Makes the endpoint page forever without ever repeating itself: a fresh next-page
    /// token on every page (token-paged listings), or a total no client can reach
    /// (offset-paged listings report a `TotalCount` of 10⁹). Only a page cap ends such a
    /// listing.
    pub fn endless_pagination(self) -> Self {
        self.state
            .edit(self.scope(), |r| r.endless_pagination = true);
        self
    }

    /// Removes one kind of fault from this endpoint.
    pub fn remove(self, kind: FaultKind) -> Self {
        self.state.edit(self.scope(), |r| {
            r.rules.remove(&kind);
        });
        self
    }

    /// Removes every rule of this endpoint in this scope (latency and pagination loop
    /// included): `on(e).clear()` leaves `on(e).in_region(r)` rules in place.
    pub fn clear(self) -> Self {
        self.state.lock().remove(&self.scope());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nth_counts_from_when_the_rule_was_set() {
        let f = FaultState::new(1);
        assert_eq!(f.decide("a").fault, None);
        f.on("a").throttle_every(3);
        let fired: Vec<bool> = (0..6).map(|_| f.decide("a").fault.is_some()).collect();
        assert_eq!(fired, [false, false, true, false, false, true]);
        assert_eq!(f.decide("b").fault, None);
    }

    #[test]
    fn wildcard_applies_everywhere_and_drop_wins_over_throttle() {
        let f = FaultState::new(1);
        f.on("*").throttle(Trigger::Always);
        f.on("a")
            .drop_connection(Trigger::first(1))
            .latency(Duration::from_secs(2));
        let d = f.decide("a");
        assert_eq!(d.fault, Some(FaultKind::DropConnection));
        assert_eq!(d.latency, Some(Duration::from_secs(2)));
        assert_eq!(f.decide("a").fault, Some(FaultKind::Throttle));
        assert_eq!(f.decide("z").fault, Some(FaultKind::Throttle));
        f.on("*").clear();
        assert_eq!(f.decide("z").fault, None);
    }

    #[test]
    fn probability_is_seeded_and_roughly_right() {
        let run = |seed| {
            let f = FaultState::new(seed);
            f.on("a").throttle_with_probability(0.25);
            (0..400)
                .map(|_| f.decide("a").fault.is_some())
                .collect::<Vec<_>>()
        };
        let a = run(9);
        assert_eq!(a, run(9));
        let hits = a.iter().filter(|x| **x).count();
        assert!((60..140).contains(&hits), "hits = {hits}");
    }

    #[test]
    fn region_scoped_rules_hit_only_their_region_and_count_separately() {
        let f = FaultState::new(0);
        f.on_region("a", "r1").server_error(Trigger::every(2));
        f.on("*").in_region("r2").pagination_loop();
        let d = |r: Option<&str>| f.decide_in("a", r).fault;
        assert_eq!(d(Some("r2")), None);
        assert_eq!(d(None), None);
        // r1's counter only sees r1's calls.
        let r1: Vec<_> = (0..4).map(|_| d(Some("r1"))).collect();
        assert_eq!(
            r1,
            [
                None,
                Some(FaultKind::ServerError),
                None,
                Some(FaultKind::ServerError)
            ]
        );
        assert!(f.pagination_loop_in("b", Some("r2")));
        assert!(!f.pagination_loop_in("b", Some("r1")));
        assert!(!f.pagination_loop("b"));
        // An unscoped rule applies in every region; clearing it keeps the scoped one.
        f.on("a").throttle(Trigger::Always);
        assert_eq!(d(Some("r3")), Some(FaultKind::Throttle));
        f.on("a").clear();
        assert_eq!(d(Some("r3")), None);
        assert_eq!(d(Some("r1")), None);
        assert_eq!(d(Some("r1")), Some(FaultKind::ServerError));
        assert_eq!(
            format!("{f:?}"),
            r#"FaultState { endpoints: ["*@r2", "a@r1"] }"#
        );
        f.on_region("a", "r1").clear();
        assert_eq!(d(Some("r1")), None);
    }

    #[test]
    fn raw_body_fires_in_its_region_with_the_most_specific_body() {
        let f = FaultState::new(0);
        f.on("a")
            .raw_body(Trigger::Always, "text/html", "<html>everywhere</html>");
        f.on_region("a", "r1")
            .raw_body(Trigger::first(1), "application/json", "{}");
        let d = f.decide_in("a", Some("r1"));
        assert_eq!(d.fault, Some(FaultKind::RawBody));
        let raw = d.raw_body.expect("a body");
        assert_eq!(
            (raw.content_type.as_str(), raw.body.as_slice()),
            ("application/json", &b"{}"[..])
        );
        // r1's own rule is spent: the unscoped rule answers.
        let d = f.decide_in("a", Some("r1"));
        assert_eq!(d.raw_body.expect("a body").body, b"<html>everywhere</html>");
        // A replacing fault wins over the raw body; no rule, no body.
        f.on("a").server_error(Trigger::first(1));
        assert_eq!(
            f.decide_in("a", Some("r2")).fault,
            Some(FaultKind::ServerError)
        );
        f.on("a").clear();
        assert_eq!(f.decide_in("a", Some("r2")), FaultDecision::default());
    }

    #[test]
    fn endless_pagination_is_scoped_like_the_loop() {
        let f = FaultState::new(0);
        f.on_region("a", "r1").endless_pagination();
        assert!(f.endless_pagination_in("a", Some("r1")));
        assert!(!f.endless_pagination_in("a", Some("r2")));
        assert!(!f.pagination_loop_in("a", Some("r1")));
        f.on_region("a", "r1").clear();
        assert!(!f.endless_pagination_in("a", Some("r1")));
    }

    #[test]
    fn pagination_loop_and_clear() {
        let f = FaultState::new(0);
        f.on("a").pagination_loop().clock_skew(Trigger::Always);
        assert!(f.pagination_loop("a"));
        assert!(!f.pagination_loop("b"));
        assert_eq!(f.decide("a").fault, Some(FaultKind::ClockSkew));
        f.on("a").remove(FaultKind::ClockSkew);
        assert_eq!(f.decide("a").fault, None);
        f.clear();
        assert!(!f.pagination_loop("a"));
    }
}

//! The HTTP client every call goes through: build the request, sign it with
//! `SDK-HMAC-SHA256` at the clock's time on every attempt, send it through the transport,
//! classify the answer (`errors.rs`).
//!
//! Two pieces of per-account state live here:
//!
//! - **The refusal latch.** The first `APIGW.0301` the gateway answers for a key is
//!   remembered, and every later call with that same key fails at once with it, without
//!   sending anything: Huawei locks a key after more than five failed authentications in a
//!   row, so a sync fanning out over regions and kinds must not keep knocking. A wrong secret
//!   or unknown key stays refused until the credential gives another key; a locked key for
//!   the 5 minutes of the lock, a disabled key or frozen account for 15 minutes.
//! - **The projects.** Most APIs need the region's project id in the path, RMS the account
//!   (domain) id: both come from one `GET /v3/auth/projects`, fetched once (concurrent
//!   callers wait for the same answer) and fetched again when a region without a known
//!   project is asked for (at most once a minute).

use std::fmt;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::Method;
use multicloud_core::signing::RequestSigner;
use multicloud_core::transport::{CallInfo, HttpResponse, Transport};
use multicloud_core::{
    AccessKey, Clock, Credential, Error, ErrorKind, PageCap, ProviderKind, Result,
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::endpoints::Endpoints;
use crate::errors::{self, AuthRefusal, AUTH_FAILED};
use crate::projects::{self, Projects};
use crate::signer::HuaweiSigner;
use crate::wire;

/// One Huawei API: the name calls are limited, logged and reported by, and where it lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Api {
    /// `service:Operation`, the operation named as in the official SDK (`ecs:ListServersDetails`).
    pub(crate) name: &'static str,
    /// The host prefix (`ecs`, `iam`, …).
    pub(crate) service: &'static str,
    /// Whether the call only reads (and may be retried after a timeout).
    pub(crate) read_only: bool,
}

impl Api {
    pub(crate) const fn read(name: &'static str, service: &'static str) -> Self {
        Api {
            name,
            service,
            read_only: true,
        }
    }

    pub(crate) const fn write(name: &'static str, service: &'static str) -> Self {
        Api {
            name,
            service,
            read_only: false,
        }
    }
}

/// IAM `KeystoneListAuthProjects`: the key's projects (any valid key may call it).
pub(crate) const IAM_LIST_AUTH_PROJECTS: Api = Api::read("iam:KeystoneListAuthProjects", "iam");
/// IAM `KeystoneListAuthDomains`: the key's account (any valid key may call it).
pub(crate) const IAM_LIST_AUTH_DOMAINS: Api = Api::read("iam:KeystoneListAuthDomains", "iam");
/// IAM `KeystoneListRegions`.
pub(crate) const IAM_LIST_REGIONS: Api = Api::read("iam:KeystoneListRegions", "iam");
/// IAM `ShowPermanentAccessKey`.
pub(crate) const IAM_SHOW_ACCESS_KEY: Api = Api::read("iam:ShowPermanentAccessKey", "iam");
/// ECS `ListServersDetails`.
pub(crate) const ECS_LIST_SERVERS: Api = Api::read("ecs:ListServersDetails", "ecs");
/// RMS `ListAllResources`.
pub(crate) const RMS_LIST_ALL_RESOURCES: Api = Api::read("rms:ListAllResources", "rms");
/// OBS `ListBuckets` (sent by `obs.rs` with the OBS signature).
pub(crate) const OBS_LIST_BUCKETS: Api = Api::read("obs:ListBuckets", "obs");
/// CFW `ListFirewallDetail`.
pub(crate) const CFW_LIST_FIREWALLS: Api = Api::read("cfw:ListFirewallDetail", "cfw");
/// CFW `ListAddressSets`.
pub(crate) const CFW_LIST_ADDRESS_SETS: Api = Api::read("cfw:ListAddressSets", "cfw");
/// CFW `ListAddressItems`.
pub(crate) const CFW_LIST_ADDRESS_ITEMS: Api = Api::read("cfw:ListAddressItems", "cfw");
/// CFW `AddAddressItem`.
pub(crate) const CFW_ADD_ADDRESS_ITEM: Api = Api::write("cfw:AddAddressItem", "cfw");
/// CFW `DeleteAddressItem`.
pub(crate) const CFW_DELETE_ADDRESS_ITEM: Api = Api::write("cfw:DeleteAddressItem", "cfw");
/// WAF `ListPolicy`.
pub(crate) const WAF_LIST_POLICIES: Api = Api::read("waf:ListPolicy", "waf");
/// WAF `ListWhiteblackipRule`.
pub(crate) const WAF_LIST_RULES: Api = Api::read("waf:ListWhiteblackipRule", "waf");
/// WAF `CreateWhiteblackipRule`.
pub(crate) const WAF_CREATE_RULE: Api = Api::write("waf:CreateWhiteblackipRule", "waf");
/// WAF `DeleteWhiteBlackIpRule`.
pub(crate) const WAF_DELETE_RULE: Api = Api::write("waf:DeleteWhiteBlackIpRule", "waf");

/// Every API this crate calls (the rate-limit table and the tests check against it).
pub(crate) const APIS: &[Api] = &[
    IAM_LIST_AUTH_PROJECTS,
    IAM_LIST_AUTH_DOMAINS,
    IAM_LIST_REGIONS,
    IAM_SHOW_ACCESS_KEY,
    ECS_LIST_SERVERS,
    RMS_LIST_ALL_RESOURCES,
    OBS_LIST_BUCKETS,
    CFW_LIST_FIREWALLS,
    CFW_LIST_ADDRESS_SETS,
    CFW_LIST_ADDRESS_ITEMS,
    CFW_ADD_ADDRESS_ITEM,
    CFW_DELETE_ADDRESS_ITEM,
    WAF_LIST_POLICIES,
    WAF_LIST_RULES,
    WAF_CREATE_RULE,
    WAF_DELETE_RULE,
];

/// Which scope id a call carries (`X-Project-Id` / `X-Domain-Id`, as the SDK sends them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    /// No scope header.
    None,
    /// A project-scoped call.
    Project(String),
    /// A domain-scoped call.
    Domain(String),
}

/// One request, before signing.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: Method,
    /// The region of a regional service, `None` for a global one.
    pub(crate) region: Option<String>,
    /// The path, already encoded (ids are hex or UUIDs).
    pub(crate) path: String,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<Value>,
    pub(crate) scope: Scope,
}

impl Request {
    /// A `GET` of `path`.
    pub(crate) fn get(path: impl Into<String>) -> Self {
        Request {
            method: Method::GET,
            region: None,
            path: path.into(),
            query: Vec::new(),
            body: None,
            scope: Scope::None,
        }
    }

    /// A request with another method.
    pub(crate) fn with_method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// Sent to the service's host in `region`.
    pub(crate) fn in_region(mut self, region: &str) -> Self {
        self.region = Some(region.to_owned());
        self
    }

    /// Adds a query parameter.
    pub(crate) fn query(mut self, name: &'static str, value: impl ToString) -> Self {
        self.query.push((name, value.to_string()));
        self
    }

    /// A JSON body.
    pub(crate) fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// The scope header.
    pub(crate) fn scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }
}

/// `RFC 3986` unreserved characters stay, everything else is `%XX`.
pub(crate) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A refused key, remembered so that it is never sent again.
struct Refused {
    key_id: String,
    fingerprint: [u8; 32],
    refusal: AuthRefusal,
    message: String,
    until: Option<OffsetDateTime>,
}

/// Identifies a key and secret without keeping the secret.
fn fingerprint(key: &AccessKey) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(key.id().as_bytes());
    h.update([0]);
    h.update(key.secret().expose().as_bytes());
    h.finalize().into()
}

/// How long a refusal is remembered for the same key.
fn hold(refusal: AuthRefusal) -> Option<Duration> {
    match refusal {
        AuthRefusal::Locked => Some(Duration::minutes(5)),
        AuthRefusal::Frozen => Some(Duration::minutes(15)),
        AuthRefusal::WrongSecret | AuthRefusal::UnknownKey | AuthRefusal::Other => None,
    }
}

/// Sends Huawei Cloud calls for one account. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    endpoints: Endpoints,
    credential: Arc<dyn Credential>,
    transport: Transport,
    clock: Arc<dyn Clock>,
    refused: Mutex<Option<Refused>>,
    projects: tokio::sync::Mutex<Option<Arc<Projects>>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoints", &self.inner.endpoints)
            .field("credential", &self.inner.credential)
            .finish_non_exhaustive()
    }
}

/// How long a projects answer is trusted before a missing region triggers a new lookup.
const PROJECTS_REFRESH: Duration = Duration::minutes(1);

impl Client {
    pub(crate) fn new(
        endpoints: Endpoints,
        credential: Arc<dyn Credential>,
        transport: Transport,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Client {
            inner: Arc::new(Inner {
                endpoints,
                credential,
                transport,
                clock,
                refused: Mutex::new(None),
                projects: tokio::sync::Mutex::new(None),
            }),
        }
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// A client for the same account and transport signing with `key` (its own refusal
    /// latch and projects cache).
    pub(crate) fn with_key(&self, key: AccessKey) -> Client {
        Client::new(
            self.inner.endpoints.clone(),
            Arc::new(multicloud_core::StaticCredential::new(key)),
            self.inner.transport.clone(),
            self.inner.clock.clone(),
        )
    }

    /// The page cap of the listing `api` in `region` (`None`: account-wide), from the
    /// transport's [`LimitConfig::max_pages`](multicloud_core::transport::LimitConfig::max_pages).
    pub(crate) fn page_cap(&self, api: &str, region: Option<&str>) -> PageCap {
        self.transport().page_cap(api, region)
    }

    pub(crate) fn endpoints(&self) -> &Endpoints {
        &self.inner.endpoints
    }

    pub(crate) fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    /// The AccessKey id the credential gives now (never its secret).
    pub(crate) async fn access_key_id(&self) -> Result<String> {
        Ok(self.inner.credential.access_key().await?.id().to_owned())
    }

    /// Whether the credential gives a temporary key (one with a security token).
    pub(crate) async fn is_temporary(&self) -> Result<bool> {
        Ok(self
            .inner
            .credential
            .access_key()
            .await?
            .session_token()
            .is_some())
    }

    /// The key to sign with, unless it was refused before (then the remembered refusal).
    pub(crate) async fn key_for(&self, api: &str) -> Result<AccessKey> {
        let key = self.inner.credential.access_key().await?;
        // A blank or garbled key is refused here, before any request could count against it.
        key.validate()?;
        let mut latch = self.inner.refused.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = latch.as_ref() {
            let same = r.key_id == key.id() && r.fingerprint == fingerprint(&key);
            let expired = r.until.is_some_and(|t| self.inner.clock.now() >= t);
            if same && !expired {
                let error = Error::new(
                    r.refusal.kind(),
                    format!(
                        "not sent: Huawei Cloud already refused this key ({}): {} \
                         (Huawei Cloud said: {})",
                        r.refusal,
                        r.refusal.diagnosis(),
                        r.message
                    ),
                )
                .with_provider(ProviderKind::Huawei)
                .with_code(AUTH_FAILED)
                .with_action(api.to_owned());
                return Err(error);
            }
            *latch = None;
        }
        Ok(key)
    }

    /// Remembers an `APIGW.0301` refusal of `key`.
    pub(crate) fn note_refusal(&self, key: &AccessKey, error: &Error) {
        let Some(refusal) = errors::refusal_of(error) else {
            return;
        };
        let message = error.message();
        let said = message
            .split_once("(Huawei Cloud said: ")
            .map_or(message, |(_, m)| m.trim_end_matches(')'));
        let until = hold(refusal).map(|d| self.inner.clock.now() + d);
        tracing::warn!(
            provider = "huawei",
            refusal = %refusal,
            "the key was refused; no further call will be sent with it"
        );
        *self.inner.refused.lock().unwrap_or_else(|p| p.into_inner()) = Some(Refused {
            key_id: key.id().to_owned(),
            fingerprint: fingerprint(key),
            refusal,
            message: said.to_owned(),
            until,
        });
    }

    /// Sends `request` as `api` through the transport, signing every attempt; a failed
    /// answer is classified by `errors.rs`.
    pub(crate) async fn send(&self, api: Api, request: &Request) -> Result<HttpResponse> {
        let inner = &self.inner;
        let key = self.key_for(api.name).await?;
        if let Some(region) = request.region.as_deref() {
            multicloud_core::validate_region_id(region)?;
        }
        let base = inner.endpoints.base(api.service, request.region.as_deref());
        let mut url = format!("{base}{}", request.path);
        if !request.query.is_empty() {
            let q: Vec<String> = request
                .query
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            url.push('?');
            url.push_str(&q.join("&"));
        }
        let body = match &request.body {
            Some(v) => Bytes::from(serde_json::to_vec(v).map_err(|e| {
                Error::new(ErrorKind::Config, format!("cannot encode the body: {e}"))
            })?),
            None => Bytes::new(),
        };
        let call = CallInfo::new(ProviderKind::Huawei, api.name).with_idempotent(api.read_only);
        let signer = HuaweiSigner::new();
        let result = inner
            .transport
            .execute(
                &call,
                |_attempt| {
                    let mut builder = http::Request::builder()
                        .method(request.method.clone())
                        .uri(&url)
                        .header("content-type", "application/json");
                    builder = match &request.scope {
                        Scope::None => builder,
                        Scope::Project(id) => builder.header("x-project-id", id),
                        Scope::Domain(id) => builder.header("x-domain-id", id),
                    };
                    let mut req = builder.body(body.clone()).map_err(|e| {
                        Error::config(format!("cannot build the {} request: {e}", api.name))
                    })?;
                    signer.sign(&mut req, &key, inner.clock.now())?;
                    Ok(req)
                },
                &errors::classify,
            )
            .await;
        if let Err(e) = &result {
            self.note_refusal(&key, e);
        }
        result
    }

    /// Sends `request` and decodes the JSON answer.
    pub(crate) async fn json(&self, api: Api, request: &Request) -> Result<Value> {
        let response = self.send(api, request).await?;
        parse_json(api, request.region.as_deref(), &response.body)
    }

    /// The key's projects, from the cache unless `refresh` (one lookup at a time).
    pub(crate) async fn projects(&self, refresh: bool) -> Result<Arc<Projects>> {
        let mut cached = self.inner.projects.lock().await;
        if let (false, Some(p)) = (refresh, cached.as_ref()) {
            return Ok(p.clone());
        }
        let body = self
            .json(IAM_LIST_AUTH_PROJECTS, &Request::get("/v3/auth/projects"))
            .await?;
        let projects = Arc::new(projects::parse(&body, self.inner.clock.now())?);
        *cached = Some(projects.clone());
        Ok(projects)
    }

    /// The account (domain) id: from the projects, else `GET /v3/auth/domains`.
    pub(crate) async fn domain_id(&self) -> Result<String> {
        if let Some(id) = &self.projects(false).await?.domain_id {
            return Ok(id.clone());
        }
        let body = self
            .json(IAM_LIST_AUTH_DOMAINS, &Request::get("/v3/auth/domains"))
            .await?;
        let domains = wire::list(&body, "domains", IAM_LIST_AUTH_DOMAINS.name, None)?;
        domains
            .first()
            .and_then(|d| wire::text(d, "id"))
            .ok_or_else(|| {
                wire::decode_error(
                    IAM_LIST_AUTH_DOMAINS.name,
                    None,
                    "the key sees no account (domain)",
                )
            })
    }

    /// The project id of `region`; looks again (at most once a minute) when the cached
    /// answer has none, then reports the region as having no project.
    pub(crate) async fn project_id(&self, region: &str) -> Result<String> {
        // A region name that is not an id is refused before the projects lookup is sent.
        multicloud_core::validate_region_id(region)?;
        let mut projects = self.projects(false).await?;
        if projects.project_of(region).is_none()
            && self.inner.clock.now() - projects.fetched_at >= PROJECTS_REFRESH
        {
            projects = self.projects(true).await?;
        }
        projects
            .project_of(region)
            .map(str::to_owned)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::WrongDomainOrRegion,
                    format!(
                        "region {region} has no project in this account: the account does not \
                         use this region, so nothing in it can be listed (this is not an empty \
                         region)"
                    ),
                )
                .with_provider(ProviderKind::Huawei)
            })
    }
}

/// Decodes an answer of `api` (sent in `region`) as JSON.
pub(crate) fn parse_json(api: Api, region: Option<&str>, body: &[u8]) -> Result<Value> {
    serde_json::from_slice(body).map_err(|e| {
        Error::decode(format!(
            "{} answered a body that is not JSON{}: {e}",
            api.name,
            region.map(|r| format!(" in {r}")).unwrap_or_default()
        ))
        .with_provider(ProviderKind::Huawei)
        .with_action(api.name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("a b/c=d"), "a%20b%2Fc%3Dd");
        assert_eq!(encode("ecs.cloudservers"), "ecs.cloudservers");
    }

    #[test]
    fn every_api_is_named_service_colon_operation() {
        for api in APIS {
            let (svc, op) = api.name.split_once(':').unwrap();
            assert_eq!(svc, api.service, "{}", api.name);
            assert!(op.chars().next().unwrap().is_ascii_uppercase());
        }
    }
}

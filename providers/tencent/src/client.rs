//! The provider builder and the API 3.0 client every listing goes through.
//!
//! [`TencentProviderBuilder`] gathers the account, key source, domain, endpoint override,
//! transport and clock. [`Client::call`] sends one action: the body is serialized once, each
//! attempt is signed with TC3-HMAC-SHA256 at the clock's current time, and
//! [`TencentClassifier`] turns `Response.Error` (sent with HTTP 200) into an error kind from
//! the code table in `codes.rs`.

use std::fmt;
use std::sync::Arc;

use multicloud_core::transport::{CallInfo, HttpResponse, ResponseClassifier, Transport};
use multicloud_core::{
    AccountName, Clock, Credential, Domain, EnvCredential, Error, ProviderKind, Result,
    StandardFeature, SystemClock,
};
use serde_json::Value;

use crate::api::{Api, PreparedCall};
use crate::endpoint::Endpoints;
use crate::provider::TencentProvider;
use crate::signer::Tc3Signer;
use crate::wire::{self, ApiResponse};
use multicloud_core::signing::RequestSigner;

/// Builds a [`TencentProvider`].
///
/// ```
/// use multicloud_core::{AccessKey, CloudProvider, Domain, StaticCredential};
/// use multicloud_tencent::TencentProviderBuilder;
///
/// let provider = TencentProviderBuilder::new("prod")
///     .with_credential(StaticCredential::new(AccessKey::new("AKIDEXAMPLE", "example-secret")))
///     .with_domain(Domain::International)
///     .build()?;
/// assert_eq!(provider.account().as_str(), "prod");
/// # Ok::<(), multicloud_core::Error>(())
/// ```
pub struct TencentProviderBuilder {
    account: String,
    credential: Option<Arc<dyn Credential>>,
    domain: Domain,
    endpoint_url: Option<String>,
    transport: Option<Transport>,
    clock: Arc<dyn Clock>,
    features: Vec<StandardFeature>,
}

impl fmt::Debug for TencentProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TencentProviderBuilder")
            .field("account", &self.account)
            .field("credential", &self.credential)
            .field("domain", &self.domain)
            .field("endpoint_url", &self.endpoint_url)
            .field("custom_transport", &self.transport.is_some())
            .finish()
    }
}

impl TencentProviderBuilder {
    /// A builder for the account the user calls `account_name`, on the China site.
    pub fn new(account_name: impl Into<String>) -> Self {
        TencentProviderBuilder {
            account: account_name.into(),
            credential: None,
            domain: Domain::China,
            endpoint_url: None,
            transport: None,
            clock: Arc::new(SystemClock),
            features: crate::verify::FEATURES.to_vec(),
        }
    }

    /// Signs with keys from `credential`.
    pub fn with_credential(mut self, credential: impl Credential + 'static) -> Self {
        self.credential = Some(Arc::new(credential));
        self
    }

    /// Reads the key from `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY` and
    /// `TENCENTCLOUD_SESSION_TOKEN`/`TENCENTCLOUD_TOKEN` when a request is made.
    pub fn from_env(self) -> Self {
        self.with_credential(EnvCredential::from_env(ProviderKind::Tencent))
    }

    /// Chooses the China site (`*.tencentcloudapi.com`, the default) or the International
    /// site (`*.intl.tencentcloudapi.com`).
    pub fn with_domain(mut self, domain: Domain) -> Self {
        self.domain = domain;
        self
    }

    /// Sends every service's requests to this one URL (a simulator or proxy), e.g.
    /// `http://127.0.0.1:40123`. Requests are signed for that host.
    pub fn with_endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Sends through `transport` instead of one built with this crate's rate limits. Add
    /// them to your own with [`rate_limits`](crate::rate_limits).
    pub fn with_transport(mut self, transport: Transport) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Takes request timestamps from `clock` (default: the system clock).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Validates the settings and builds the provider.
    ///
    /// Fails with [`Config`](multicloud_core::ErrorKind::Config) for an empty account name, a
    /// missing credential or an invalid endpoint URL.
    pub fn build(self) -> Result<TencentProvider> {
        let account = AccountName::new(self.account)?;
        let credential = self.credential.ok_or_else(|| {
            Error::config("no credential: call with_credential(...) or from_env()")
        })?;
        let endpoints = match &self.endpoint_url {
            Some(url) => Endpoints::with_override(self.domain, url)?,
            None => Endpoints::new(self.domain),
        };
        let transport = match self.transport {
            Some(t) => t,
            None => Transport::builder()
                .with_limits(crate::limits::rate_limits(Default::default()))
                .build()?,
        };
        let client = Client {
            inner: Arc::new(Inner {
                endpoints,
                credential,
                transport,
                clock: self.clock,
            }),
        };
        Ok(TencentProvider::new(account, client, self.features))
    }
}

/// Sends API 3.0 calls for one account. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    endpoints: Endpoints,
    credential: Arc<dyn Credential>,
    transport: Transport,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoints", &self.inner.endpoints)
            .field("credential", &self.inner.credential)
            .finish()
    }
}

impl Client {
    /// The domain the client talks to.
    pub(crate) fn domain(&self) -> Domain {
        self.inner.endpoints.domain()
    }

    /// The transport in use.
    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// Where requests go (COS builds its own URL from these).
    pub(crate) fn endpoints(&self) -> &Endpoints {
        &self.inner.endpoints
    }

    /// The key source.
    pub(crate) fn credential(&self) -> &dyn Credential {
        self.inner.credential.as_ref()
    }

    /// The clock requests are signed at.
    pub(crate) fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    /// Sends `api` with `params` (to `region`, or globally for `None`) and returns the
    /// `Response` object, or the classified error.
    pub(crate) async fn call(
        &self,
        api: Api,
        region: Option<&str>,
        params: &Value,
    ) -> Result<ApiResponse> {
        let inner = &self.inner;
        let prepared = PreparedCall::new(api, region, inner.endpoints.target(api.service), params)?;
        let key = inner.credential.access_key().await?;
        let signer = Tc3Signer::new(api.service);
        let call = CallInfo::new(ProviderKind::Tencent, api.name()).with_idempotent(api.read_only);
        let response = inner
            .transport
            .execute(
                &call,
                |_attempt| {
                    let mut request = prepared.unsigned_request()?;
                    signer.sign(&mut request, &key, inner.clock.now())?;
                    Ok(request)
                },
                &TencentClassifier,
            )
            .await?;
        wire::read_response(&call.api, response.status.as_u16(), &response.body)
    }
}

/// Classifies Tencent Cloud API 3.0 responses: the body's `Response.Error.Code` decides,
/// whatever the HTTP status; a body without the envelope is judged by its status.
#[derive(Debug, Clone, Copy, Default)]
pub struct TencentClassifier;

impl ResponseClassifier for TencentClassifier {
    fn classify(&self, call: &CallInfo, response: &HttpResponse) -> Result<()> {
        wire::check_response(&call.api, response.status.as_u16(), &response.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, StatusCode};
    use multicloud_core::{AccessKey, ErrorKind, StaticCredential};

    #[test]
    fn classifier_reads_the_envelope_not_the_status() {
        let call = CallInfo::read_only(ProviderKind::Tencent, "cvm:DescribeInstances");
        let throttled = HttpResponse::new(
            StatusCode::OK,
            HeaderMap::new(),
            r#"{"Response":{"Error":{"Code":"RequestLimitExceeded.UinLimitExceeded","Message":"m"},"RequestId":"r1"}}"#,
        );
        let err = TencentClassifier.classify(&call, &throttled).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Throttled);
        assert_eq!(err.request_id(), Some("r1"));
        let ok = HttpResponse::new(
            StatusCode::OK,
            HeaderMap::new(),
            r#"{"Response":{"RequestId":"r2"}}"#,
        );
        assert!(TencentClassifier.classify(&call, &ok).is_ok());
        let gateway = HttpResponse::new(StatusCode::SERVICE_UNAVAILABLE, HeaderMap::new(), "busy");
        assert_eq!(
            TencentClassifier
                .classify(&call, &gateway)
                .unwrap_err()
                .kind(),
            ErrorKind::Transient
        );
    }

    #[test]
    fn build_needs_a_credential_and_a_valid_endpoint() {
        let err = TencentProviderBuilder::new("prod").build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        let key = StaticCredential::new(AccessKey::new("AKIDx", "s"));
        let err = TencentProviderBuilder::new("prod")
            .with_credential(key.clone())
            .with_endpoint_url("not a url")
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        let err = TencentProviderBuilder::new(" ")
            .with_credential(key)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
    }

    #[test]
    fn the_default_transport_carries_the_documented_rate_limits() {
        let p = TencentProviderBuilder::new("prod")
            .with_credential(StaticCredential::new(AccessKey::new("AKIDx", "s")))
            .build()
            .unwrap();
        let limit = p
            .transport()
            .limits()
            .limit_for(ProviderKind::Tencent, "cvm:DescribeInstances");
        assert_eq!(
            limit.rate,
            Some(multicloud_core::transport::Rate::per_second(40))
        );
    }
}

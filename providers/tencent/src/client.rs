//! The API 3.0 client every listing goes through.
//!
//! [`Client::call`] sends one action: the body is serialized once, each
//! attempt is signed with TC3-HMAC-SHA256 at the clock's current time, and
//! [`TencentClassifier`] turns `Response.Error` (sent with HTTP 200) into an error kind from
//! the code table in `errors.rs`.

use std::fmt;
use std::sync::Arc;

use multicloud_core::transport::{CallInfo, HttpResponse, ResponseClassifier, Transport};
use multicloud_core::{
    validate_region_id, Clock, Credential, Domain, Error, PageCap, ProviderKind, Result,
};
use serde_json::Value;

use crate::api::{Api, PreparedCall};
use crate::endpoints::Endpoints;
use crate::signer::Tc3Signer;
use crate::wire::{self, ApiResponse};
use multicloud_core::signing::RequestSigner;

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
    /// A client over its parts.
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
            }),
        }
    }

    /// A client like this one (endpoints, transport, clock) signing with `key` instead.
    pub(crate) fn with_key(&self, key: multicloud_core::AccessKey) -> Client {
        Client::new(
            self.inner.endpoints.clone(),
            Arc::new(multicloud_core::StaticCredential::new(key)),
            self.inner.transport.clone(),
            self.inner.clock.clone(),
        )
    }

    /// The domain the client talks to.
    pub(crate) fn domain(&self) -> Domain {
        self.inner.endpoints.domain()
    }

    /// The transport in use.
    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// The page cap of the listing `api` in `region` (`None`: account-wide), from the
    /// transport's [`LimitConfig::max_pages`](multicloud_core::transport::LimitConfig::max_pages).
    pub(crate) fn page_cap(&self, api: &str, region: Option<&str>) -> PageCap {
        self.transport().page_cap(api, region)
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
        // The region travels in the X-TC-Region header: checked here, before anything is
        // signed or sent, as is the key's text.
        if let Some(region) = region {
            validate_region_id(region).map_err(|e| tagged(e, &api))?;
        }
        let prepared = PreparedCall::new(api, region, inner.endpoints.target(api.service), params)?;
        let key = inner.credential.access_key().await?;
        key.validate().map_err(|e| tagged(e, &api))?;
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

/// A local error tagged with the provider and the action it stopped.
fn tagged(error: Error, api: &Api) -> Error {
    error
        .with_provider(ProviderKind::Tencent)
        .with_action(api.name())
}

/// Classifies Tencent Cloud API 3.0 responses: the body's `Response.Error.Code` decides,
/// whatever the HTTP status; a body without the envelope is judged by its status.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TencentClassifier;

impl ResponseClassifier for TencentClassifier {
    fn classify(&self, call: &CallInfo, response: &HttpResponse) -> Result<()> {
        wire::check_response(&call.api, response.status.as_u16(), &response.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, StatusCode};
    use multicloud_core::ErrorKind;

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
}

//! The EOP client every listing goes through.
//!
//! [`Client::send`] sends one call: each attempt gets a fresh `ctyun-eop-request-id` (a UUID)
//! and is signed with [`EopSigner`] at the clock's current time; every request carries a
//! User-Agent (the official SDK warns that requests without one are risk-controlled);
//! [`CtyunClassifier`] reads the envelope whatever the HTTP status; the `returnObj` is then
//! decoded into the wire type asked for.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use multicloud_core::signing::{percent_encode, RequestSigner};
use multicloud_core::transport::{CallInfo, Transport};
use multicloud_core::{Clock, Credential, Domain, Error, ProviderKind, Result};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::endpoints::Endpoints;
use crate::errors::CtyunClassifier;
use crate::signer::EopSigner;
use crate::wire;

/// The User-Agent every request carries.
pub(crate) const USER_AGENT: &str = concat!(
    "Mozilla/5.0 (compatible; multicloud-ctyun/",
    env!("CARGO_PKG_VERSION"),
    ")"
);

/// The HTTP method of an [`Api`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    /// `GET`, parameters in the query.
    Get,
    /// `POST`, parameters in a JSON body.
    Post,
}

impl Verb {
    fn method(self) -> Method {
        match self {
            Verb::Get => Method::GET,
            Verb::Post => Method::POST,
        }
    }
}

/// One CTyun API: the action name (for permissions, limits and errors), the EOP endpoint
/// of its host, the method and the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Api {
    /// `service:Action`, e.g. `ecs:ListInstances`.
    pub(crate) action: &'static str,
    /// The EOP endpoint name in the host (`ctecs` in `ctecs-global.ctapi.ctyun.cn`).
    pub(crate) endpoint: &'static str,
    /// GET or POST.
    pub(crate) method: Verb,
    /// The path.
    pub(crate) path: &'static str,
}

/// One call of an [`Api`]: its query, extra headers (the `regionId` header of some products)
/// and JSON body.
#[derive(Debug, Clone)]
pub(crate) struct ApiCall {
    pub(crate) api: Api,
    query: Vec<(&'static str, String)>,
    headers: Vec<(&'static str, String)>,
    body: Option<Value>,
}

impl ApiCall {
    /// A call of `api` with no parameter.
    pub(crate) fn new(api: Api) -> Self {
        ApiCall {
            api,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a query parameter.
    pub(crate) fn query(mut self, name: &'static str, value: impl ToString) -> Self {
        self.query.push((name, value.to_string()));
        self
    }

    /// Adds a header.
    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Sets the JSON body.
    pub(crate) fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// The path and query as sent.
    fn path_and_query(&self) -> String {
        let mut out = self.api.path.to_owned();
        for (n, (k, v)) in self.query.iter().enumerate() {
            out.push(if n == 0 { '?' } else { '&' });
            out.push_str(&percent_encode(k.as_bytes()));
            out.push('=');
            out.push_str(&percent_encode(v.as_bytes()));
        }
        out
    }
}

/// Sends EOP calls for one account. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    endpoints: Endpoints,
    credential: Arc<dyn Credential>,
    transport: Transport,
    clock: Arc<dyn Clock>,
    page_size: Option<u32>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoints", &self.inner.endpoints)
            .field("credential", &self.inner.credential)
            .field("page_size", &self.inner.page_size)
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
        page_size: Option<u32>,
    ) -> Self {
        Client {
            inner: Arc::new(Inner {
                endpoints,
                credential,
                transport,
                clock,
                page_size,
            }),
        }
    }

    /// The edition the client talks to.
    pub(crate) fn domain(&self) -> Domain {
        self.inner.endpoints.domain()
    }

    /// The transport in use.
    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// The page cap of the listing `action` in `region` (the transport's
    /// [`LimitConfig::max_pages`](multicloud_core::transport::LimitConfig::max_pages)).
    pub(crate) fn page_cap(
        &self,
        action: &str,
        region: Option<&str>,
    ) -> multicloud_core::pagination::PageCap {
        self.transport().page_cap(action, region)
    }

    /// The page size of a product whose pages hold at most `max` items.
    pub(crate) fn page_size(&self, max: u32) -> u32 {
        self.inner.page_size.map_or(max, |n| n.clamp(1, max))
    }

    /// Sends `call` (about `region`, for errors) and decodes its `returnObj` as `T`.
    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        call: &ApiCall,
        region: Option<&str>,
    ) -> Result<T> {
        let inner = &self.inner;
        let api = call.api;
        if let Some(region) = region {
            multicloud_core::validate_region_id(region)?;
        }
        let url = format!(
            "{}{}",
            inner.endpoints.base_url(api.endpoint),
            call.path_and_query()
        );
        let body = match &call.body {
            Some(v) => Bytes::from(
                serde_json::to_vec(v)
                    .map_err(|e| Error::config(format!("{}: body: {e}", api.action)))?,
            ),
            None => Bytes::new(),
        };
        let key = inner.credential.access_key().await?;
        // A blank or garbled key is refused here, before anything is sent.
        key.validate()?;
        let info = CallInfo::read_only(ProviderKind::Ctyun, api.action);
        let response = inner
            .transport
            .execute(
                &info,
                |_attempt| {
                    let mut builder = http::Request::builder()
                        .method(api.method.method())
                        .uri(url.as_str())
                        .header(http::header::USER_AGENT, USER_AGENT)
                        .header(http::header::CONTENT_TYPE, "application/json;charset=UTF-8")
                        // A fresh id per attempt: the gateway ties it to this signature.
                        .header("ctyun-eop-request-id", uuid::Uuid::new_v4().to_string());
                    for (name, value) in &call.headers {
                        builder = builder.header(*name, value.as_str());
                    }
                    let mut request = builder.body(body.clone()).map_err(|e| {
                        Error::config(format!("{}: cannot build the request: {e}", api.action))
                    })?;
                    EopSigner::new().sign(&mut request, &key, inner.clock.now())?;
                    Ok(request)
                },
                &CtyunClassifier,
            )
            .await?;
        wire::return_obj(api.action, region, &response.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const API: Api = Api {
        action: "zos:ListBuckets",
        endpoint: "zos",
        method: Verb::Get,
        path: "/v4/oss/list-buckets",
    };

    #[test]
    fn the_query_is_encoded_in_order() {
        let call = ApiCall::new(API)
            .query("regionID", "public")
            .query("name", "a b/c");
        assert_eq!(
            call.path_and_query(),
            "/v4/oss/list-buckets?regionID=public&name=a%20b%2Fc"
        );
        assert_eq!(ApiCall::new(API).path_and_query(), "/v4/oss/list-buckets");
    }

    #[test]
    fn the_user_agent_names_the_crate() {
        assert!(USER_AGENT.starts_with("Mozilla/5.0"));
        assert!(USER_AGENT.contains("multicloud-ctyun/"));
    }
}

//! The BCE client every call goes through.
//!
//! [`Client::call`] sends one API call to its real `https` host: each attempt is signed with
//! `bce-auth-v1` at the clock's current time, and [`BceClassifier`] turns an error status and
//! BCE's `{"code", "message", "requestId"}` body into an error kind (`errors.rs`). A refused
//! call names the system policy that grants it.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HOST};
use http::HeaderValue;
use multicloud_core::signing::{push_percent_encoded, RequestSigner};
use multicloud_core::transport::{CallInfo, HttpResponse, ResponseClassifier, Transport};
use multicloud_core::{Clock, Credential, Error, ErrorKind, PageCap, ProviderKind, Result};

use crate::api::{self, Api};
use crate::endpoints::{self, Endpoints};
use crate::errors::{self, Failure};
use crate::signer::BceSigner;
use crate::wire;

/// The largest `maxKeys` BCE's marker listings accept (and their default).
pub(crate) const MAX_PAGE_SIZE: u32 = 1000;

/// Sends BCE calls for one account. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    endpoints: Endpoints,
    credential: Arc<dyn Credential>,
    transport: Transport,
    clock: Arc<dyn Clock>,
    page_size: u32,
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
        page_size: u32,
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

    /// The transport in use.
    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// The `maxKeys` of every marker listing.
    pub(crate) fn page_size(&self) -> u32 {
        self.inner.page_size
    }

    /// The page cap of the listing `api` in `region` (`None`: account-wide), from the
    /// transport's [`LimitConfig::max_pages`](multicloud_core::transport::LimitConfig::max_pages).
    pub(crate) fn page_cap(&self, api: &str, region: Option<&str>) -> PageCap {
        self.transport().page_cap(api, region)
    }

    /// Sends `api` to `region` (`None`: the region-less host) with `query` pairs (values
    /// are percent-encoded here) and, for a POST, a JSON `body`; returns the 2xx body.
    pub(crate) async fn call(
        &self,
        api: &Api,
        region: Option<&str>,
        query: &[(&str, &str)],
        body: Option<&'static str>,
    ) -> Result<Bytes> {
        if let Some(r) = region {
            if !endpoints::is_valid_region(r) {
                return Err(Error::config(format!(
                    "{r:?} is not a BCE region id (lower-case letters, digits and dashes)"
                )));
            }
        }
        let mut path_and_query = api.path.to_owned();
        for (n, (name, value)) in query.iter().enumerate() {
            path_and_query.push(if n == 0 { '?' } else { '&' });
            path_and_query.push_str(name);
            path_and_query.push('=');
            push_percent_encoded(value.as_bytes(), &mut path_and_query);
        }
        let inner = &self.inner;
        let target = inner.endpoints.target(api.service, region, &path_and_query);
        let host = HeaderValue::from_str(&target.host)
            .map_err(|_| Error::config("the request host is not a valid header value"))?;
        let key = inner.credential.access_key().await?;
        // A blank or garbled key is refused here, before anything is sent.
        key.validate()?;
        let signer = BceSigner::new();
        let call = CallInfo::read_only(ProviderKind::Baidu, api.name);
        let response = inner
            .transport
            .execute(
                &call,
                |_attempt| {
                    let mut request = http::Request::builder()
                        .method(api.method.method())
                        .uri(&target.url)
                        .body(Bytes::from_static(body.unwrap_or("").as_bytes()))
                        .map_err(|e| Error::config(format!("cannot build the request: {e}")))?;
                    if target.overridden {
                        // The real host is signed and sent: it tells the server service and region.
                        request.headers_mut().insert(HOST, host.clone());
                    }
                    if body.is_some() {
                        request
                            .headers_mut()
                            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                    }
                    signer.sign(&mut request, &key, inner.clock.now())?;
                    Ok(request)
                },
                &BceClassifier,
            )
            .await?;
        Ok(response.body)
    }
}

/// Classifies BCE responses: a 2xx is a success; otherwise the status decides and the body's
/// `code` refines it. A refusal names the policy that grants the call.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BceClassifier;

impl ResponseClassifier for BceClassifier {
    fn classify(&self, call: &CallInfo, response: &HttpResponse) -> Result<()> {
        if response.is_success() {
            return Ok(());
        }
        let parsed = wire::error_body(&response.body);
        let err = match &parsed {
            Some(b) => errors::api_error(Failure {
                action: &call.api,
                status: response.status,
                headers: &response.headers,
                code: b.code.as_deref(),
                message: b.message.as_deref().unwrap_or_default(),
                request_id: b.request_id.as_deref(),
            }),
            None => errors::api_error(Failure {
                action: &call.api,
                status: response.status,
                headers: &response.headers,
                code: None,
                message: &format!("the server answered {}", response.status),
                request_id: None,
            }),
        };
        Err(with_grant_hint(err, &call.api))
    }
}

/// For a refused call, the message names the policy to grant (and GlobalReadPolicy, the
/// quick alternative for every product's reads; it does not cover IAM).
fn with_grant_hint(err: Error, action: &str) -> Error {
    if err.kind() != ErrorKind::PermissionDenied {
        return err;
    }
    let Some(api) = api::by_name(action) else {
        return err;
    };
    let quick = if api.grant == "IAMReadAccessPolicy" {
        ""
    } else {
        " (or GlobalReadPolicy, which grants the reads of every product)"
    };
    let message = format!(
        "IAM does not allow this key {action}: grant the sub-user {}{quick}; BCE said: {}",
        api.grant,
        err.message()
    );
    err.with_message(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, StatusCode};

    fn respond(status: u16, body: &'static str) -> HttpResponse {
        HttpResponse::new(
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            body,
        )
    }

    #[test]
    fn classifier_reads_status_and_code_and_names_the_policy() {
        let call = CallInfo::read_only(ProviderKind::Baidu, "scs:ListInstances");
        assert!(BceClassifier.classify(&call, &respond(200, "{}")).is_ok());
        let denied = BceClassifier
            .classify(
                &call,
                &respond(
                    403,
                    r#"{"requestId":"r1","code":"AccessDenied","message":"Access denied."}"#,
                ),
            )
            .unwrap_err();
        assert_eq!(denied.kind(), ErrorKind::PermissionDenied);
        assert_eq!(denied.request_id(), Some("r1"));
        let text = denied.to_string();
        assert!(
            text.contains("RedisReadAccessPolicy") && text.contains("GlobalReadPolicy"),
            "{text}"
        );
        let iam = CallInfo::read_only(ProviderKind::Baidu, "iam:ListUser");
        let text = BceClassifier
            .classify(
                &iam,
                &respond(403, r#"{"code":"AccessDenied","message":"m"}"#),
            )
            .unwrap_err()
            .to_string();
        assert!(text.contains("IAMReadAccessPolicy") && !text.contains("GlobalReadPolicy"));
        let html = BceClassifier
            .classify(&call, &respond(502, "<html>bad gateway</html>"))
            .unwrap_err();
        assert_eq!(html.kind(), ErrorKind::Transient);
        let bad_key = BceClassifier
            .classify(
                &call,
                &respond(403, r#"{"code":"InvalidAccessKeyId","message":"m"}"#),
            )
            .unwrap_err();
        assert_eq!(bad_key.kind(), ErrorKind::InvalidCredential);
        assert!(bad_key.is_auth_failure());
    }
}

//! The AWS client: builds query-protocol and REST requests, signs them with SigV4, sends them
//! through the shared [`Transport`], classifies failures with the code table in
//! [`crate::errors`] and decodes XML bodies into JSON documents.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HOST};
use http::{Method, Request};
use serde_json::Value;

use multicloud_core::signing::RequestSigner;
use multicloud_core::transport::{CallInfo, HttpResponse, Transport};
use multicloud_core::{AccessKey, Clock, Credential, Error, PageCap, ProviderKind, Result};

use crate::endpoints::{encode, Endpoint, Resolver, Service};
use crate::errors;
use crate::signer::SigV4Signer;
use crate::wire::xml::{self, XmlLists};

/// The parameters of a query-protocol call, in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// No parameters.
    pub(crate) fn new() -> Self {
        Params::default()
    }

    /// Adds `name=value`.
    pub(crate) fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.push((name.into(), value.into()));
        self
    }

    /// Adds `name=value` when `value` is set.
    pub(crate) fn with_opt(self, name: &str, value: Option<String>) -> Self {
        match value {
            Some(v) => self.with(name, v),
            None => self,
        }
    }

    /// The form body `Action=…&Version=…&…`, every component percent-encoded.
    pub(crate) fn form_body(&self, action: &str, version: &str) -> String {
        let mut out = format!("Action={}&Version={}", encode(action), encode(version));
        for (name, value) in &self.0 {
            out.push('&');
            out.push_str(&encode(name));
            out.push('=');
            out.push_str(&encode(value));
        }
        out
    }
}

/// A decoded XML response: the root element's name and its content as JSON.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct XmlDoc {
    pub(crate) root: String,
    pub(crate) doc: Value,
}

/// Everything a call needs: credentials, transport, clock and endpoint resolution.
/// Cheap to clone; streams keep a clone.
#[derive(Clone)]
pub(crate) struct AwsClient {
    inner: Arc<Inner>,
}

struct Inner {
    credential: Arc<dyn Credential>,
    transport: Transport,
    clock: Arc<dyn Clock>,
    resolver: Resolver,
    page_size: Option<u32>,
    /// The caller's account id, once an identity call has said it.
    account_id: std::sync::OnceLock<String>,
}

impl fmt::Debug for AwsClient {
    // The credential's own Debug redacts its secret; the transport prints no secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsClient")
            .field("resolver", &self.inner.resolver)
            .field("credential", &self.inner.credential)
            .field("page_size", &self.inner.page_size)
            .finish_non_exhaustive()
    }
}

impl AwsClient {
    /// A client over its parts.
    pub(crate) fn new(
        credential: Arc<dyn Credential>,
        transport: Transport,
        clock: Arc<dyn Clock>,
        resolver: Resolver,
        page_size: Option<u32>,
    ) -> Self {
        AwsClient {
            inner: Arc::new(Inner {
                credential,
                transport,
                clock,
                resolver,
                page_size,
                account_id: std::sync::OnceLock::new(),
            }),
        }
    }

    /// The caller's account id, if an identity call has run.
    pub(crate) fn known_account_id(&self) -> Option<&str> {
        self.inner.account_id.get().map(String::as_str)
    }

    /// Remembers the caller's account id (the first answer wins; it never changes).
    pub(crate) fn remember_account_id(&self, id: &str) {
        let _ = self.inner.account_id.set(id.to_owned());
    }

    /// The transport in use.
    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// The endpoint resolver (partition and override).
    pub(crate) fn resolver(&self) -> &Resolver {
        &self.inner.resolver
    }

    /// The page size for an API whose `MaxResults` range is `min..=max`: the configured size
    /// clamped into the range, or `max` when none was configured.
    pub(crate) fn page_size(&self, min: u32, max: u32) -> u32 {
        self.inner.page_size.map_or(max, |n| n.clamp(min, max))
    }

    /// The page cap of the listing `action` in `region` (`None`: account-wide), from the
    /// transport's [`LimitConfig::max_pages`](multicloud_core::transport::LimitConfig::max_pages).
    pub(crate) fn page_cap(&self, action: &str, region: Option<&str>) -> PageCap {
        self.transport().page_cap(action, region)
    }

    /// The current time, from the injected clock.
    pub(crate) fn now(&self) -> time::OffsetDateTime {
        self.inner.clock.now()
    }

    /// A client like this one (transport, clock, endpoints) signing with `key` instead.
    pub(crate) fn with_key(&self, key: AccessKey) -> AwsClient {
        AwsClient::new(
            Arc::new(multicloud_core::StaticCredential::new(key)),
            self.inner.transport.clone(),
            self.inner.clock.clone(),
            self.inner.resolver.clone(),
            self.inner.page_size,
        )
    }

    /// Sends a query-protocol call (EC2, STS, IAM, RDS, ELBv2): `POST /` with a form body.
    pub(crate) async fn query(
        &self,
        endpoint: &Endpoint,
        action: &str,
        params: &Params,
        lists: XmlLists,
    ) -> Result<XmlDoc> {
        self.query_call(endpoint, action, params, lists, true).await
    }

    /// Sends a query-protocol call that changes something: a timeout or broken connection
    /// is not retried (the change may have been made).
    pub(crate) async fn query_write(
        &self,
        endpoint: &Endpoint,
        action: &str,
        params: &Params,
    ) -> Result<XmlDoc> {
        self.query_call(endpoint, action, params, xml::QUERY_LISTS, false)
            .await
    }

    async fn query_call(
        &self,
        endpoint: &Endpoint,
        action: &str,
        params: &Params,
        lists: XmlLists,
        idempotent: bool,
    ) -> Result<XmlDoc> {
        let response = self
            .query_response(endpoint, action, params, idempotent)
            .await?;
        let api = format!("{}:{action}", endpoint.service.action_prefix());
        let expected = format!("{action}Response");
        decode(&response, &api, &endpoint.signing_region, &expected, lists)
    }

    /// Sends a query-protocol call and returns its successful response undecoded (for a
    /// caller with its own parser; [`decode`] reads anything that parser does not).
    pub(crate) async fn query_response(
        &self,
        endpoint: &Endpoint,
        action: &str,
        params: &Params,
        idempotent: bool,
    ) -> Result<HttpResponse> {
        let service = endpoint.service;
        let body = Bytes::from(params.form_body(action, service.api_version()));
        let url = format!("{}/", endpoint.base_url);
        let api = format!("{}:{action}", service.action_prefix());
        self.send(endpoint, api.clone(), idempotent, |_| {
            let mut builder = Request::builder().method(Method::POST).uri(&url).header(
                CONTENT_TYPE,
                "application/x-www-form-urlencoded; charset=utf-8",
            );
            builder = with_host(builder, &url)?;
            builder
                .body(body.clone())
                .map_err(|e| Error::config(format!("cannot build the {api} request: {e}")))
        })
        .await
    }

    /// Sends a REST `GET` (S3): `path` is already percent-encoded, `query` pairs are encoded
    /// here. `api` names the IAM action (`s3:ListAllMyBuckets`); `root` is the root element
    /// the answer must have (`ListAllMyBucketsResult`), anything else is an error.
    pub(crate) async fn rest_get(
        &self,
        endpoint: &Endpoint,
        api: &str,
        root: &str,
        path: &str,
        query: &[(&str, Option<String>)],
        lists: XmlLists,
    ) -> Result<XmlDoc> {
        let mut url = format!("{}{path}", endpoint.base_url);
        let mut sep = '?';
        for (name, value) in query {
            url.push(sep);
            sep = '&';
            url.push_str(&encode(name));
            if let Some(v) = value {
                url.push('=');
                url.push_str(&encode(v));
            }
        }
        let response = self
            .send(endpoint, api.to_owned(), true, |_| {
                let builder = with_host(Request::builder().method(Method::GET).uri(&url), &url)?;
                builder
                    .body(Bytes::new())
                    .map_err(|e| Error::config(format!("cannot build the {api} request: {e}")))
            })
            .await?;
        decode(&response, api, &endpoint.signing_region, root, lists)
    }

    /// Builds (per attempt), signs and sends one call; the response is any 2xx (callers
    /// decode it).
    pub(crate) async fn send<F>(
        &self,
        endpoint: &Endpoint,
        api: String,
        idempotent: bool,
        mut build: F,
    ) -> Result<HttpResponse>
    where
        F: FnMut(u32) -> Result<Request<Bytes>> + Send,
    {
        let key: AccessKey = self.inner.credential.access_key().await?;
        // A blank or garbled key fails here, before a request is signed or sent.
        key.validate()
            .map_err(|e| e.with_provider(ProviderKind::Aws))?;
        let signer = signer_for(endpoint);
        let clock = self.inner.clock.clone();
        let call = CallInfo::new(ProviderKind::Aws, api).with_idempotent(idempotent);
        self.inner
            .transport
            .execute(
                &call,
                |attempt| {
                    let mut request = build(attempt)?;
                    // Each attempt gets a fresh X-Amz-Date.
                    signer.sign(&mut request, &key, clock.now())?;
                    Ok(request)
                },
                &classify,
            )
            .await
    }
}

/// The signer for an endpoint: S3 signs the path as sent and adds `X-Amz-Content-SHA256`.
fn signer_for(endpoint: &Endpoint) -> SigV4Signer {
    let signer = SigV4Signer::new(endpoint.signing_region.clone(), endpoint.service.name());
    if endpoint.service == Service::S3 {
        signer
            .with_normalized_path(false)
            .with_content_sha256_header(true)
    } else {
        signer
    }
}

/// Sets `Host` to the URL's authority (`host[:port]`), the value the signature covers. With an
/// endpoint override this is the override's `host:port`, as boto3 does with `endpoint_url`.
fn with_host(builder: http::request::Builder, url: &str) -> Result<http::request::Builder> {
    let uri: http::Uri = url
        .parse()
        .map_err(|e| Error::config(format!("invalid request URL: {e}")))?;
    let authority = uri
        .authority()
        .ok_or_else(|| Error::config("request URL has no host"))?;
    Ok(builder.header(HOST, authority.as_str()))
}

/// The response classifier: 2xx is a success, anything else goes through the code table.
fn classify(call: &CallInfo, response: &HttpResponse) -> Result<()> {
    if response.is_success() {
        return Ok(());
    }
    Err(
        errors::classify(response.status.as_u16(), &response.headers, &response.body)
            .with_action(call.api.clone()),
    )
}

/// The root elements of AWS error documents: EC2 `<Response><Errors>`, query
/// `<ErrorResponse>`, S3 `<Error>`.
const ERROR_ROOTS: &[&str] = &["Response", "ErrorResponse", "Error"];

/// Longest root element name quoted in an error; the rest of the body is never quoted.
const MAX_QUOTED_ROOT: usize = 64;

/// Decodes a successful answer to `api` (sent in `region`), which must be the document asked
/// for: its root element must be `expected`.
///
/// An HTTP 200 carrying an AWS error document with a code is that error, classified by the
/// code table in [`errors`]; any other root (an HTML page, another action's answer, an error
/// document without a code) or a body that is not XML is a [`Decode`](multicloud_core::ErrorKind::Decode)
/// error. Errors keep the request id when the body or headers carry one and never quote the
/// body (at most the root element's name, cut to [`MAX_QUOTED_ROOT`] characters).
pub(crate) fn decode(
    response: &HttpResponse,
    api: &str,
    region: &str,
    expected: &str,
    lists: XmlLists,
) -> Result<XmlDoc> {
    let status = response.status.as_u16();
    let failure = |message: String, request_id: Option<String>| {
        let err = Error::decode(format!("{api} response in {region}: {message}"))
            .with_provider(ProviderKind::Aws)
            .with_action(api)
            .with_http_status(status);
        match request_id {
            Some(id) => err.with_request_id(id),
            None => err,
        }
    };
    let (root, doc) = xml::parse(&response.body, lists)
        .map_err(|e| failure(e.message().to_owned(), header_request_id(response)))?;
    if root == expected {
        return Ok(XmlDoc { root, doc });
    }
    if ERROR_ROOTS.contains(&root.as_str()) {
        let err = errors::classify(status, &response.headers, &response.body);
        if err.code().is_some() {
            return Err(err.with_action(api));
        }
    }
    let request_id = doc_request_id(&doc).or_else(|| header_request_id(response));
    let shown: String = root.chars().take(MAX_QUOTED_ROOT).collect();
    Err(failure(
        format!("expected a <{expected}> document, got <{shown}>"),
        request_id,
    ))
}

/// The request id AWS puts in a header (`x-amzn-RequestId`, S3's `x-amz-request-id`).
fn header_request_id(response: &HttpResponse) -> Option<String> {
    ["x-amzn-requestid", "x-amz-request-id"]
        .iter()
        .find_map(|name| response.headers.get(*name)?.to_str().ok())
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}

/// The request id of a decoded document: EC2 `requestId`, query
/// `ResponseMetadata/RequestId`, S3 and EC2 errors `RequestId` / `RequestID`.
fn doc_request_id(doc: &Value) -> Option<String> {
    [
        doc.get("requestId"),
        doc.get("ResponseMetadata").and_then(|m| m.get("RequestId")),
        doc.get("RequestId"),
        doc.get("RequestID"),
    ]
    .into_iter()
    .flatten()
    .find_map(Value::as_str)
    .map(str::trim)
    .filter(|id| !id.is_empty() && id.len() <= MAX_QUOTED_ROOT)
    .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use multicloud_core::ErrorKind;

    #[test]
    fn form_bodies_are_percent_encoded_like_botocore() {
        let body = Params::new()
            .with("Filter.1.Name", "tag:Name")
            .with("Filter.1.Value.1", "a b/c+d~e")
            .with("NextToken", "eyJ2IjoxfQ==")
            .form_body("DescribeInstances", "2016-11-15");
        assert_eq!(
            body,
            "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3AName\
             &Filter.1.Value.1=a%20b%2Fc%2Bd~e&NextToken=eyJ2IjoxfQ%3D%3D"
        );
    }

    #[test]
    fn host_header_carries_the_port_when_there_is_one() {
        let b = with_host(Request::builder(), "http://127.0.0.1:4566/").unwrap();
        let r = b.body(()).unwrap();
        assert_eq!(r.headers()[HOST], "127.0.0.1:4566");
        let b = with_host(Request::builder(), "https://ec2.us-east-1.amazonaws.com/").unwrap();
        assert_eq!(
            b.body(()).unwrap().headers()[HOST],
            "ec2.us-east-1.amazonaws.com"
        );
    }

    fn ok(body: &str) -> HttpResponse {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-amzn-requestid", http::HeaderValue::from_static("hdr-1"));
        HttpResponse::new(http::StatusCode::OK, headers, body.to_owned())
    }

    fn describe(body: &str) -> Result<XmlDoc> {
        decode(
            &ok(body),
            "ec2:DescribeInstances",
            "eu-west-1",
            "DescribeInstancesResponse",
            crate::wire::xml::EC2_LISTS,
        )
    }

    #[test]
    fn the_answer_asked_for_decodes_including_an_empty_list() {
        let out = describe(
            "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\
             <requestId>r-1</requestId><reservationSet/></DescribeInstancesResponse>",
        )
        .unwrap();
        assert_eq!(out.root, "DescribeInstancesResponse");
        let (items, next) = crate::wire::ec2::instances(out.doc).unwrap();
        assert!(items.is_empty() && next.is_none());
    }

    #[test]
    fn an_html_page_in_a_200_is_a_decode_error_without_the_body() {
        for body in [
            "<!DOCTYPE html><html><head><title>secret-portal</title></head><body>hi</body></html>",
            "<html><body><p>unclosed<br></body></html>",
            "not xml at all secret-portal",
        ] {
            let err = describe(body).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Decode, "{body}");
            assert_eq!(err.action(), Some("ec2:DescribeInstances"));
            assert_eq!(err.request_id(), Some("hdr-1"));
            assert!(err.message().contains("eu-west-1"), "{err}");
            assert!(!err.to_string().contains("secret-portal"), "{err}");
        }
    }

    #[test]
    fn another_actions_answer_is_a_decode_error_naming_both_roots() {
        let err = describe(
            "<DescribeVolumesResponse><requestId>r-7</requestId><volumeSet/></DescribeVolumesResponse>",
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert_eq!(err.request_id(), Some("r-7"));
        let text = err.to_string();
        assert!(text.contains("<DescribeInstancesResponse>"), "{text}");
        assert!(text.contains("<DescribeVolumesResponse>"), "{text}");
        let long = format!("<{0}></{0}>", "A".repeat(500));
        let err = describe(&long).unwrap_err();
        assert!(err.to_string().len() < 400, "{err}");
    }

    #[test]
    fn an_error_envelope_in_a_200_is_the_mapped_error() {
        let err = describe(
            "<Response><Errors><Error><Code>UnauthorizedOperation</Code>\
             <Message>You are not authorized</Message></Error></Errors>\
             <RequestID>r-9</RequestID></Response>",
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
        assert_eq!(err.code(), Some("UnauthorizedOperation"));
        assert_eq!(err.request_id(), Some("r-9"));
        assert_eq!(err.action(), Some("ec2:DescribeInstances"));
        let err = describe(
            "<ErrorResponse><Error><Code>Throttling</Code></Error><RequestId>q</RequestId></ErrorResponse>",
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Throttled);
        // An envelope without a code is not the document asked for either.
        let err = describe("<Response><Errors/></Response>").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
    }

    #[test]
    fn a_missing_list_is_a_decode_error() {
        let out = describe(
            "<DescribeInstancesResponse><requestId>r</requestId></DescribeInstancesResponse>",
        )
        .unwrap();
        let err = crate::wire::ec2::instances(out.doc).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert!(err.message().contains("reservationSet"), "{err}");
    }

    #[test]
    fn s3_answers_must_have_the_rest_root() {
        let list = |body: &str| {
            decode(
                &ok(body),
                "s3:ListAllMyBuckets",
                "us-east-1",
                "ListAllMyBucketsResult",
                crate::wire::xml::S3_LISTS,
            )
        };
        let out = list("<ListAllMyBucketsResult><Owner><ID>o</ID></Owner><Buckets></Buckets></ListAllMyBucketsResult>")
            .unwrap();
        let (_, buckets) = crate::wire::s3::list_buckets(out.doc).unwrap();
        assert!(buckets.is_empty());
        let out =
            list("<ListAllMyBucketsResult><Owner><ID>o</ID></Owner></ListAllMyBucketsResult>")
                .unwrap();
        let err = crate::wire::s3::list_buckets(out.doc).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        let err = list("<ListBucketResult><Name>b</Name></ListBucketResult>").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        let err = list("<Error><Code>AccessDenied</Code><Message>no</Message><RequestId>s3-1</RequestId></Error>")
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
        assert_eq!(err.request_id(), Some("s3-1"));
        let err = list("<html><body>login</body></html>").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
    }
}

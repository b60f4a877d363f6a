//! The plug-in contract between the framework and each simulated cloud.
//!
//! The framework (see [`crate::server`]) owns the HTTP server, the recorder, the fault rules,
//! the key store and the inventory. A provider module implements [`CloudSim`]: it names the
//! endpoint a request is for, checks the signature the way the real gateway does, and renders
//! the inventory in the provider's wire shapes.

use std::fmt;

use bytes::Bytes;
use multicloud_core::ProviderKind;
use time::OffsetDateTime;

use crate::faults::FaultState;
use crate::fixture::ProviderProfile;
use crate::inventory::{BlockRules, Inventory};
use crate::keys::KeyStore;

/// A request as the simulator received it, independent of the HTTP server library.
#[derive(Clone)]
pub struct SimRequest {
    /// The HTTP method.
    pub method: http::Method,
    /// The `Host` header as received (what the client signed), e.g. `127.0.0.1:40123`
    /// or `ec2.us-east-1.amazonaws.com`.
    pub host: String,
    /// The path as on the wire (percent-encoded), e.g. `/` or `/my-bucket`.
    pub path: String,
    /// The query parameters, percent-decoded, in wire order.
    pub query: Vec<(String, String)>,
    /// The query string as on the wire (without `?`), if there was one.
    pub raw_query: Option<String>,
    /// All request headers as received.
    pub headers: http::HeaderMap,
    /// The request body.
    pub body: Bytes,
}

impl SimRequest {
    /// The request as an `http::Request`, with a URI of `path?raw_query` and the received
    /// headers, ready to hand to a signer that recomputes the signature.
    pub fn to_http(&self) -> http::Request<Bytes> {
        let uri = match &self.raw_query {
            Some(q) => format!("http://{}{}?{}", self.host, self.path, q),
            None => format!("http://{}{}", self.host, self.path),
        };
        let mut builder = http::Request::builder().method(self.method.clone());
        // An unparsable host (should not happen: it came in a valid request) falls back to
        // an origin-form URI; the Host header still carries the value that was signed.
        builder = match uri.parse::<http::Uri>() {
            Ok(u) => builder.uri(u),
            Err(_) => builder.uri(self.path_and_query()),
        };
        let mut req = builder
            .body(self.body.clone())
            .unwrap_or_else(|_| http::Request::new(self.body.clone()));
        *req.headers_mut() = self.headers.clone();
        req
    }

    /// The path and raw query, as in the request line.
    pub fn path_and_query(&self) -> String {
        match &self.raw_query {
            Some(q) => format!("{}?{}", self.path, q),
            None => self.path.clone(),
        }
    }

    /// A header's value as UTF-8 text, if present and valid.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The first query parameter named `name` (exact match).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The host name without any `:port` suffix, lower-cased.
    pub fn host_name(&self) -> String {
        let h = self.host.trim();
        let name = if h.starts_with('[') {
            h.split(']')
                .next()
                .map(|s| format!("{s}]"))
                .unwrap_or_default()
        } else {
            h.split(':').next().unwrap_or_default().to_string()
        };
        name.to_ascii_lowercase()
    }

    /// Decodes an `application/x-www-form-urlencoded` body into pairs (AWS query protocols).
    pub fn form_params(&self) -> Vec<(String, String)> {
        parse_form(&self.body)
    }

    /// The body parsed as JSON, or `Value::Null` when empty.
    pub fn json_body(&self) -> Result<serde_json::Value, serde_json::Error> {
        if self.body.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(serde_json::Value::Object(Default::default()));
        }
        serde_json::from_slice(&self.body)
    }
}

impl fmt::Debug for SimRequest {
    // Authorization and token headers carry signatures or secrets: print names only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("SimRequest")
            .field("method", &self.method)
            .field("host", &self.host)
            .field("path", &self.path)
            .field(
                "query_keys",
                &self.query.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("header_names", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Decodes `application/x-www-form-urlencoded` bytes (also used for query strings):
/// `+` is a space, `%XX` escapes are decoded, invalid UTF-8 is replaced.
pub fn parse_form(input: &[u8]) -> Vec<(String, String)> {
    input
        .split(|b| *b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut it = part.splitn(2, |b| *b == b'=');
            let k = it.next().unwrap_or_default();
            let v = it.next().unwrap_or_default();
            (form_decode(k), form_decode(v))
        })
        .collect()
}

fn form_decode(raw: &[u8]) -> String {
    let plus_as_space: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    percent_encoding::percent_decode(&plus_as_space)
        .decode_utf8_lossy()
        .into_owned()
}

/// The internal header [`SimResponse::with_delay`] sets; the server strips it.
pub(crate) const DELAY_HEADER: &str = "x-multicloud-sim-delay-ms";

/// A response to send.
#[derive(Clone, PartialEq, Eq)]
pub struct SimResponse {
    /// The HTTP status code.
    pub status: u16,
    /// Extra headers (the framework adds `Content-Length`).
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl SimResponse {
    /// A JSON response with `Content-Type: application/json`.
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        SimResponse {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: serde_json::to_vec(value).unwrap_or_default(),
        }
    }

    /// An XML response with `Content-Type: text/xml` (what EC2 and the query APIs send).
    pub fn xml(status: u16, body: String) -> Self {
        SimResponse {
            status,
            headers: vec![("Content-Type".into(), "text/xml;charset=UTF-8".into())],
            body: body.into_bytes(),
        }
    }

    /// Answers after `delay` (an empty long poll): the server holds the response that long.
    pub fn with_delay(self, delay: std::time::Duration) -> Self {
        let millis = delay.as_millis().to_string();
        self.with_header(DELAY_HEADER, millis)
    }

    /// Adds a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The body as text (lossy), for assertions and logs.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl fmt::Debug for SimResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// What a simulated cloud implements. One value serves one provider (both of its domains).
///
/// The framework calls, per request: [`endpoint_of`](CloudSim::endpoint_of) and
/// [`region_of`](CloudSim::region_of) → fault rules → [`authenticate`](CloudSim::authenticate)
/// → [`handle`](CloudSim::handle).
pub trait CloudSim: Send + Sync + 'static {
    /// The provider simulated.
    fn provider(&self) -> ProviderKind;

    /// The region catalog, id generators and product list the fixture builder uses.
    fn profile(&self) -> ProviderProfile;

    /// The endpoint name used for fault rules, permissions and recording, e.g.
    /// `"ec2:DescribeInstances"`, `"cvm:DescribeInstances"`, `"ecs:ListServersDetails"`.
    /// `None` = a route this simulator does not know.
    fn endpoint_of(&self, req: &SimRequest) -> Option<String>;

    /// The region a request is addressed to, read the way the real gateway reads it (host,
    /// signing scope, region header or parameter), for region-scoped fault rules. `None` when
    /// the request names no region; the default for simulators that do not say.
    ///
    /// Called before authentication: `ctx.region` is still `None` here.
    fn region_of(&self, req: &SimRequest, ctx: &SimContext<'_>) -> Option<String> {
        let _ = (req, ctx);
        None
    }

    /// Authenticates (signature, key status, domain, clock skew) and authorizes (the key's
    /// permissions for `ctx.endpoint`), returning the provider's real error on failure.
    fn authenticate(
        &self,
        req: &SimRequest,
        ctx: &SimContext<'_>,
    ) -> Result<AuthedKey, SimResponse>;

    /// Handles an authenticated request.
    fn handle(&self, req: &SimRequest, key: &AuthedKey, ctx: &SimContext<'_>) -> SimResponse;

    /// The provider's real throttling error for this request.
    fn throttle_response(&self, req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse;

    /// The provider's real internal-error (5xx) response for this request.
    fn server_error_response(&self, req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse;

    /// The provider's real "request time too skewed" error for this request.
    fn clock_skew_response(&self, req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse;

    /// The provider's real response to an unknown action/path.
    fn unknown_route_response(&self, req: &SimRequest, ctx: &SimContext<'_>) -> SimResponse;
}

/// What a handler may read (and, for block rules, change) while serving one request.
#[derive(Debug)]
pub struct SimContext<'a> {
    /// The world, read-locked for the duration of this request.
    pub inventory: &'a Inventory,
    /// The firewall/WAF rule lists; handlers create and delete rules here.
    pub block_rules: &'a BlockRules,
    /// The keys this cloud knows.
    pub keys: &'a KeyStore,
    /// The IAM / CAM users, policies and keys the write APIs change.
    pub iam: &'a crate::iam::IamState,
    /// The simulator's clock (injectable; the system clock by default).
    pub now: OffsetDateTime,
    /// The fault rules; handlers ask it about pagination loops.
    pub faults: &'a FaultState,
    /// The endpoint name [`CloudSim::endpoint_of`] gave, or `""` for an unknown route.
    pub endpoint: &'a str,
    /// The region [`CloudSim::region_of`] gave, if any.
    pub region: Option<&'a str>,
    /// A request id for this request, unique within the simulator (deterministic).
    pub request_id: &'a str,
}

impl SimContext<'_> {
    /// Whether the pagination-loop fault is on for this request's endpoint (and region): the
    /// handler must then return the same "next page" token forever.
    pub fn pagination_loop(&self) -> bool {
        self.faults.pagination_loop_in(self.endpoint, self.region)
    }

    /// Whether the endless-pagination fault is on for this request's endpoint (and region):
    /// the handler must then page forever, never repeating a token (see
    /// [`EndpointFaults::endless_pagination`](crate::EndpointFaults::endless_pagination)).
    pub fn endless_pagination(&self) -> bool {
        self.faults
            .endless_pagination_in(self.endpoint, self.region)
    }
}

/// The key a request was authenticated with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthedKey {
    /// The AccessKey id.
    pub key_id: String,
    /// The account (AWS account id, Tencent uin, Huawei domain id, ...).
    pub account_id: String,
    /// The user name owning the key.
    pub user_name: String,
    /// The user's id (AWS `AIDA…`, Tencent sub-account uin, ...).
    pub user_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding_handles_plus_and_escapes() {
        let pairs = parse_form(b"Action=Describe&Filter.1.Value=a+b%2Fc&Empty=&Flag");
        assert_eq!(
            pairs,
            vec![
                ("Action".to_string(), "Describe".to_string()),
                ("Filter.1.Value".to_string(), "a b/c".to_string()),
                ("Empty".to_string(), String::new()),
                ("Flag".to_string(), String::new()),
            ]
        );
    }

    #[test]
    fn debug_hides_header_values() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Signature=abcdef".parse().unwrap(),
        );
        let req = SimRequest {
            method: http::Method::POST,
            host: "ec2.us-east-1.amazonaws.com".into(),
            path: "/".into(),
            query: vec![],
            raw_query: None,
            headers,
            body: Bytes::new(),
        };
        let dbg = format!("{req:?}");
        assert!(dbg.contains("authorization"));
        assert!(!dbg.contains("abcdef"));
        assert_eq!(req.host_name(), "ec2.us-east-1.amazonaws.com");
    }

    #[test]
    fn to_http_keeps_path_query_and_headers() {
        let mut headers = http::HeaderMap::new();
        headers.insert("host", "127.0.0.1:9".parse().unwrap());
        let req = SimRequest {
            method: http::Method::GET,
            host: "127.0.0.1:9".into(),
            path: "/b%20k".into(),
            query: vec![("location".into(), String::new())],
            raw_query: Some("location".into()),
            headers,
            body: Bytes::from_static(b"x"),
        };
        let h = req.to_http();
        assert_eq!(h.uri().path(), "/b%20k");
        assert_eq!(h.uri().query(), Some("location"));
        assert_eq!(h.headers()["host"], "127.0.0.1:9");
        assert_eq!(req.host_name(), "127.0.0.1");
    }
}

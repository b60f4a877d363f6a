//! Helpers shared by the simulator tests: a fixed clock, signed requests sent over real
//! HTTP with reqwest, and small XML/JSON readers.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use bytes::Bytes;
use multicloud_core::signing::RequestSigner;
use multicloud_core::{AccessKey, ManualClock};
use time::OffsetDateTime;

/// 2025-03-01T08:00:00Z: every simulator in the tests runs at this instant.
pub const NOW: i64 = 1_740_816_000;

/// The fixed test time.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(NOW).expect("valid timestamp")
}

/// A clock stopped at [`now`].
pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(now()))
}

/// A received response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Resp {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A request to `base` (the simulator URL) for `path`, with an optional `Host` override.
pub fn request(
    method: &str,
    base: &str,
    path: &str,
    host: Option<&str>,
    content_type: Option<&str>,
    body: &str,
) -> http::Request<Bytes> {
    let mut b = http::Request::builder()
        .method(method)
        .uri(format!("{base}{path}"));
    if let Some(h) = host {
        b = b.header("host", h);
    }
    if let Some(ct) = content_type {
        b = b.header("content-type", ct);
    }
    b.body(Bytes::from(body.to_string()))
        .expect("valid request")
}

/// Sends a (signed) request with reqwest, keeping every header as set.
pub async fn send(req: http::Request<Bytes>) -> Result<Resp, reqwest::Error> {
    let client = reqwest::Client::builder().build()?;
    send_with(&client, req).await
}

/// Sends with a given client.
pub async fn send_with(
    client: &reqwest::Client,
    req: http::Request<Bytes>,
) -> Result<Resp, reqwest::Error> {
    let (parts, body) = req.into_parts();
    let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes()).expect("method");
    let mut rb = client
        .request(method, parts.uri.to_string())
        .body(body.to_vec());
    for (k, v) in parts.headers.iter() {
        rb = rb.header(k.as_str(), v.as_bytes());
    }
    let resp = rb.send().await?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.text().await?;
    Ok(Resp {
        status,
        headers,
        body,
    })
}

/// Signs with AWS SigV4 for `region`/`service` at `time`.
pub fn sign_aws(
    req: &mut http::Request<Bytes>,
    key: &AccessKey,
    region: &str,
    service: &str,
    time: OffsetDateTime,
) {
    let s3 = service == "s3";
    multicloud_aws::SigV4Signer::new(region, service)
        .with_normalized_path(!s3)
        .with_content_sha256_header(s3)
        .sign(req, key, time)
        .expect("signing succeeds");
}

/// The text of every `<tag>…</tag>` in document order (no nesting of the same tag).
pub fn xml_values(body: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        // Only `<tag>` or `<tag attr…>`, not `<tagSet>`.
        if !after.starts_with('>') && !after.starts_with(' ') {
            rest = after;
            continue;
        }
        let Some(gt) = after.find('>') else { break };
        if after[..gt].ends_with('/') {
            out.push(String::new());
            rest = &after[gt + 1..];
            continue;
        }
        let inner = &after[gt + 1..];
        let Some(j) = inner.find(&close) else { break };
        out.push(inner[..j].to_string());
        rest = &inner[j + close.len()..];
    }
    out
}

/// The first `<tag>` value.
pub fn xml_value(body: &str, tag: &str) -> Option<String> {
    xml_values(body, tag).into_iter().next()
}

/// Panics unless `body` is a well-formed XML document.
pub fn assert_well_formed(body: &str) {
    let mut reader = quick_xml::Reader::from_str(body);
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("malformed XML ({e}): {body}"),
        }
    }
    assert_eq!(depth, 0, "unbalanced XML: {body}");
}

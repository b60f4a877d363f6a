//! COS `GetService` (`GET /` on `service.cos.myqcloud.com`, or `cos.{region}.myqcloud.com`
//! for one region): the account's buckets as `ListAllMyBucketsResult` XML.
//!
//! COS does not use TC3: its `Authorization` is `q-sign-algorithm=sha1&q-ak=…&q-sign-time=
//! start;end&q-key-time=…&q-header-list=…&q-url-param-list=…&q-signature=…`, verified here
//! as the COS docs and the official Python SDK (`qcloud_cos/cos_auth.py`) compute it:
//! `SignKey = hex(HMAC-SHA1(SecretKey, KeyTime))`, `HttpString = method\npath\nparams\n
//! headers\n` (names lower-cased, names and values percent-encoded except `-_.~`, sorted),
//! `StringToSign = sha1\nKeyTime\nhex(SHA1(HttpString))\n`, signature
//! `hex(HMAC-SHA1(SignKey, StringToSign))`. The SDK signs the host without its port.

use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha1::{Digest, Sha1};

use crate::keys::SimKey;
use crate::render::{iso8601_secs, Xml};
use crate::sim::{SimContext, SimRequest, SimResponse};

const COS_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The endpoint name of the one COS call simulated.
pub(crate) const GET_SERVICE: &str = "cos:GetService";

/// Whether a request is for COS (by its signature scheme or its host).
pub(crate) fn is_cos(req: &SimRequest) -> bool {
    req.header("authorization")
        .is_some_and(|a| a.starts_with("q-sign-algorithm="))
        || req.host_name().ends_with(".myqcloud.com")
}

/// The region a regional COS host names (`cos.ap-guangzhou.myqcloud.com`).
fn host_region(req: &SimRequest) -> Option<String> {
    let host = req.host_name();
    let rest = host.strip_prefix("cos.")?.strip_suffix(".myqcloud.com")?;
    Some(rest.to_string())
}

/// A COS error document.
pub(crate) fn error(status: u16, code: &str, message: &str, request_id: &str) -> SimResponse {
    let mut x = Xml::new();
    x.open("Error").leaf("Code", code).leaf("Message", message);
    x.leaf("Resource", "service.cos.myqcloud.com/")
        .leaf("RequestId", request_id);
    x.leaf("TraceId", request_id).close("Error");
    SimResponse::xml(status, x.finish())
        .with_header("x-cos-request-id", request_id)
        .with_header("Content-Type", "application/xml")
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, COS_ENCODE).to_string()
}

fn hmac_sha1_hex(key: &[u8], data: &[u8]) -> String {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    hex::encode(mac.finalize().into_bytes())
}

fn pairs(list: &str, value: impl Fn(&str) -> String) -> String {
    let mut names: Vec<&str> = list.split(';').filter(|n| !n.is_empty()).collect();
    names.sort_unstable();
    names
        .iter()
        .map(|n| format!("{n}={}", value(n)))
        .collect::<Vec<_>>()
        .join("&")
}

fn signature(req: &SimRequest, secret: &str, fields: &Fields, host: &str) -> String {
    let params = pairs(&fields.params, |n| {
        let v = req
            .query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        encode(v)
    });
    let headers = pairs(&fields.headers, |n| {
        if n == "host" {
            return encode(host);
        }
        encode(req.header(n).unwrap_or(""))
    });
    let path = percent_encoding::percent_decode_str(&req.path).decode_utf8_lossy();
    let http_string = format!(
        "{}\n{path}\n{params}\n{headers}\n",
        req.method.as_str().to_ascii_lowercase()
    );
    let digest = hex::encode(Sha1::digest(http_string.as_bytes()));
    // The docs (and the Go SDK) put KeyTime here; the Python SDK sends it equal to SignTime.
    let string_to_sign = format!("sha1\n{}\n{digest}\n", fields.key_time);
    let sign_key = hmac_sha1_hex(secret.as_bytes(), fields.key_time.as_bytes());
    hmac_sha1_hex(sign_key.as_bytes(), string_to_sign.as_bytes())
}

struct Fields {
    ak: String,
    sign_time: String,
    key_time: String,
    headers: String,
    params: String,
    signature: String,
}

fn parse(auth: &str) -> Option<Fields> {
    let get = |name: &str| {
        auth.split('&')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .map(str::to_string)
    };
    if get("q-sign-algorithm")? != "sha1" {
        return None;
    }
    Some(Fields {
        ak: get("q-ak")?,
        sign_time: get("q-sign-time")?,
        key_time: get("q-key-time")?,
        headers: get("q-header-list").unwrap_or_default(),
        params: get("q-url-param-list").unwrap_or_default(),
        signature: get("q-signature")?,
    })
}

/// Verifies a COS signature and the key's grant for `cos:GetService`.
pub(crate) fn authenticate(req: &SimRequest, ctx: &SimContext<'_>) -> Result<SimKey, SimResponse> {
    let rid = ctx.request_id;
    let fields = req
        .header("authorization")
        .and_then(parse)
        .ok_or_else(|| error(403, "AccessDenied", "Access Denied.", rid))?;
    let (start, end) = fields
        .sign_time
        .split_once(';')
        .and_then(|(s, e)| Some((s.parse::<i64>().ok()?, e.parse::<i64>().ok()?)))
        .ok_or_else(|| error(403, "AccessDenied", "Invalid q-sign-time.", rid))?;
    let now = ctx.now.unix_timestamp();
    if now < start || now > end {
        return Err(error(403, "AccessDenied", "Request has expired", rid));
    }
    let key = ctx
        .keys
        .get(&fields.ak)
        .filter(|k| k.is_active())
        .ok_or_else(|| {
            error(
                403,
                "InvalidAccessKeyId",
                "The access key Id format you provided is invalid.",
                rid,
            )
        })?;
    let secret = key.secret.expose();
    let full = req.host.trim().to_ascii_lowercase();
    let ok = [full.as_str(), req.host_name().as_str()]
        .iter()
        .any(|h| signature(req, secret, &fields, h) == fields.signature);
    if !ok {
        return Err(error(
            403,
            "SignatureDoesNotMatch",
            "The calculated signature does not match the signature you provided.",
            rid,
        ));
    }
    if !key.permissions.allows(GET_SERVICE) {
        return Err(error(403, "AccessDenied", "Access Denied.", rid));
    }
    Ok(key)
}

/// `GetService`.
pub(crate) fn get_service(req: &SimRequest, ctx: &SimContext<'_>, owner: &str) -> SimResponse {
    let region = host_region(req);
    let mut buckets: Vec<_> = ctx
        .inventory
        .resources_of("cos", "bucket")
        .iter()
        .filter(|b| region.as_ref().is_none_or(|r| *r == b.region))
        .collect();
    buckets.sort_by(|a, b| a.id.cmp(&b.id));
    let mut x = Xml::new();
    x.open("ListAllMyBucketsResult").open("Owner");
    x.leaf("ID", format!("qcs::cam::uin/{owner}:uin/{owner}"))
        .leaf("DisplayName", owner);
    x.close("Owner").open("Buckets");
    for b in buckets {
        x.open("Bucket")
            .leaf("Name", &b.id)
            .leaf("Location", &b.region);
        x.leaf("CreationDate", iso8601_secs(b.created_at))
            .leaf("BucketType", "cos");
        x.close("Bucket");
    }
    x.close("Buckets").close("ListAllMyBucketsResult");
    SimResponse::xml(200, x.finish())
        .with_header("x-cos-request-id", ctx.request_id)
        .with_header("Content-Type", "application/xml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_authorization_fields() {
        let f = parse("q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=1;2&q-header-list=host&q-url-param-list=&q-signature=ab").unwrap();
        assert_eq!(
            (
                f.ak.as_str(),
                f.sign_time.as_str(),
                f.headers.as_str(),
                f.signature.as_str()
            ),
            ("AKID", "1;2", "host", "ab")
        );
        assert!(parse("q-sign-algorithm=md5&q-ak=x").is_none());
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
    }

    #[test]
    fn the_string_to_sign_carries_the_key_time() {
        // Sign and key times may differ (the Go SDK's AuthTime); COS's docs sign KeyTime.
        let req = SimRequest {
            method: http::Method::GET,
            host: "127.0.0.1:8080".into(),
            path: "/".into(),
            query: vec![],
            raw_query: None,
            headers: http::HeaderMap::new(),
            body: bytes::Bytes::new(),
        };
        let fields = parse("q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=3;4&q-header-list=host&q-url-param-list=&q-signature=00").unwrap();
        let http_string = "get\n/\n\nhost=127.0.0.1\n";
        let digest = hex::encode(Sha1::digest(http_string.as_bytes()));
        let key = hmac_sha1_hex(b"secret", b"3;4");
        let want = hmac_sha1_hex(key.as_bytes(), format!("sha1\n3;4\n{digest}\n").as_bytes());
        assert_eq!(signature(&req, "secret", &fields, "127.0.0.1"), want);
    }
}

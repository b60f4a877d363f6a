//! OBS (Object Storage) `ListBuckets`: XML, and its own signature.
//!
//! What is checked: the header signature both official OBS clients send
//! (`esdk-obs-python` and `huaweicloudsdkobs`): `Authorization: OBS {AK}:{sig}` with
//! `x-obs-*` headers, or `AWS {AK}:{sig}` with `x-amz-*` headers (what `esdk-obs-python`
//! falls back to when the server is an IP address, or when `HEAD /?apiversion` does not
//! report API 3.0). `sig = base64(HMAC-SHA1(SK, StringToSign))` with
//! `StringToSign = METHOD\nContent-MD5\nContent-Type\nDate\n{x-obs-*:v\n…}{resource}`, where
//! `Date` is empty when an `x-obs-date`/`x-amz-date` header is sent. The request time must be
//! within 15 minutes of the server's (`Date` in RFC 1123 form, or the
//! `Tue Nov 21 2023 05:20:00 GMT` form `huaweicloudsdkobs` writes). That client also signs
//! the first label of the Host as the bucket (`/127/` for `127.0.0.1`) unless it is `obs`;
//! that resource is accepted too. OBS V4 (`AWS4-HMAC-SHA256`) and query-string
//! signatures are not accepted.

use std::collections::BTreeMap;

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use super::routes::Route;
use crate::inventory::SimResource;
use crate::keys::KeyStore;
use crate::sim::{AuthedKey, SimContext, SimRequest, SimResponse};

/// `Tue, 21 Nov 2023 05:20:00 GMT` (RFC 1123, what `esdk-obs-python` puts in `Date`).
const HTTP_DATE: &[FormatItem<'static>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);
/// `Tue Nov 21 2023 05:20:00 GMT` (what `huaweicloudsdkobs` puts in `Date`).
const SDK_V3_DATE: &[FormatItem<'static>] = format_description!(
    "[weekday repr:short] [month repr:short] [day] [year] [hour]:[minute]:[second] GMT"
);

/// How far the request time may be from the server's.
const MAX_SKEW: Duration = Duration::minutes(15);

/// Sub-resources that are part of the signed resource (as the clients list them).
const SUB_RESOURCES: &[&str] = &[
    "acl",
    "cors",
    "delete",
    "encryption",
    "lifecycle",
    "location",
    "logging",
    "metadata",
    "notification",
    "policy",
    "quota",
    "replication",
    "storageclass",
    "storageinfo",
    "storagepolicy",
    "tagging",
    "uploads",
    "versioning",
    "versions",
    "website",
];

/// An OBS XML error body with the request-id headers OBS sends.
pub(crate) fn xml_error(
    status: u16,
    code: &str,
    message: &str,
    ctx: &SimContext<'_>,
) -> SimResponse {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message>\
<RequestId>{rid}</RequestId><HostId>{host}</HostId></Error>",
        rid = ctx.request_id,
        host = host_id(ctx.request_id),
    );
    xml(status, body, ctx)
}

fn host_id(request_id: &str) -> String {
    use base64::engine::general_purpose::STANDARD;
    STANDARD.encode(format!("sim-obs/{request_id}"))
}

fn xml(status: u16, body: String, ctx: &SimContext<'_>) -> SimResponse {
    SimResponse {
        status,
        headers: vec![
            ("Content-Type".into(), "application/xml".into()),
            ("x-obs-request-id".into(), ctx.request_id.to_string()),
            ("x-obs-id-2".into(), host_id(ctx.request_id)),
        ],
        body: body.into_bytes(),
    }
}

/// 503 `ServiceUnavailable` "Please reduce your request rate." (OBS flow control).
pub(crate) fn throttled(ctx: &SimContext<'_>) -> SimResponse {
    xml_error(
        503,
        "ServiceUnavailable",
        "Please reduce your request rate.",
        ctx,
    )
}

/// 500 `InternalError`.
pub(crate) fn internal_error(ctx: &SimContext<'_>) -> SimResponse {
    xml_error(
        500,
        "InternalError",
        "We encountered an internal error. Please try again.",
        ctx,
    )
}

/// 403 `RequestTimeTooSkewed`.
pub(crate) fn skewed(ctx: &SimContext<'_>) -> SimResponse {
    xml_error(
        403,
        "RequestTimeTooSkewed",
        "The difference between the request time and the server's time is too large.",
        ctx,
    )
}

/// 403 `AccessDenied`.
pub(crate) fn access_denied(ctx: &SimContext<'_>) -> SimResponse {
    xml_error(403, "AccessDenied", "Access Denied", ctx)
}

/// `HEAD /?apiversion`: reports API 3.0 so clients pick the OBS signature.
pub(crate) fn api_version(ctx: &SimContext<'_>) -> SimResponse {
    let mut r = xml(200, String::new(), ctx);
    r.headers.push(("x-obs-api".into(), "3.0".into()));
    r
}

fn header_str(req: &SimRequest, name: &str) -> String {
    req.headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",")
}

/// The V2/OBS string to sign for what was received; `prefix` is `x-obs-` or `x-amz-`.
#[cfg(test)]
pub(crate) fn string_to_sign(req: &SimRequest, prefix: &str) -> String {
    string_to_sign_for(
        req,
        prefix,
        if req.path.is_empty() { "/" } else { &req.path },
    )
}

/// The string to sign with the canonical resource given (path-style resource, or
/// `/{bucket}/` for a virtual-hosted request).
fn string_to_sign_for(req: &SimRequest, prefix: &str, resource: &str) -> String {
    let mut interesting: BTreeMap<String, String> = BTreeMap::new();
    for name in req.headers.keys() {
        let lk = name.as_str().to_ascii_lowercase();
        if ["content-type", "content-md5", "date"].contains(&lk.as_str()) || lk.starts_with(prefix)
        {
            interesting.insert(lk.clone(), header_str(req, &lk));
        }
    }
    if interesting.contains_key(&format!("{prefix}date")) {
        interesting.insert("date".into(), String::new());
    }
    interesting.entry("content-type".into()).or_default();
    interesting.entry("content-md5".into()).or_default();
    let meta = format!("{prefix}meta-");
    let mut s = format!("{}\n", req.method.as_str());
    for (k, v) in &interesting {
        if k.starts_with(&meta) {
            s.push_str(&format!("{k}:{}", v.trim()));
        } else if k.starts_with(prefix) {
            s.push_str(&format!("{k}:{v}"));
        } else {
            s.push_str(v);
        }
        s.push('\n');
    }
    s.push_str(resource);
    let mut subs: Vec<(String, String)> = req
        .query
        .iter()
        .filter(|(k, _)| {
            SUB_RESOURCES.contains(&k.to_ascii_lowercase().as_str()) || k.starts_with(prefix)
        })
        .cloned()
        .collect();
    subs.sort();
    if !subs.is_empty() {
        let parts: Vec<String> = subs
            .iter()
            .map(|(k, v)| {
                if v.is_empty() {
                    k.clone()
                } else {
                    format!("{k}={v}")
                }
            })
            .collect();
        s.push('?');
        s.push_str(&parts.join("&"));
    }
    s
}

/// `base64(HMAC-SHA1(secret, string_to_sign))`.
pub(crate) fn signature(secret: &str, string_to_sign: &str) -> String {
    use base64::engine::general_purpose::STANDARD;
    let mut mac = match Hmac::<Sha1>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(string_to_sign.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

fn request_time(req: &SimRequest, prefix: &str) -> Option<OffsetDateTime> {
    let raw = req
        .header(&format!("{prefix}date"))
        .or_else(|| req.header("date"))?;
    PrimitiveDateTime::parse(raw.trim(), HTTP_DATE)
        .or_else(|_| PrimitiveDateTime::parse(raw.trim(), SDK_V3_DATE))
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

/// Verifies an OBS request; `ObsApiVersion` is anonymous, as on the real service.
pub(crate) fn authenticate(
    route: &Route,
    req: &SimRequest,
    keys: &KeyStore,
    ctx: &SimContext<'_>,
) -> Result<AuthedKey, SimResponse> {
    if *route == Route::ObsApiVersion {
        return Ok(AuthedKey {
            key_id: String::new(),
            account_id: String::new(),
            user_name: String::new(),
            user_id: String::new(),
        });
    }
    let auth = req.header("authorization").unwrap_or_default();
    let (scheme, rest) = auth.split_once(' ').unwrap_or(("", ""));
    let prefix = match scheme {
        "OBS" => "x-obs-",
        "AWS" => "x-amz-",
        _ => {
            return Err(xml_error(
                403,
                "AccessDenied",
                "Anonymous access is forbidden for this operation",
                ctx,
            ))
        }
    };
    let Some((ak, sig)) = rest.trim().rsplit_once(':') else {
        return Err(xml_error(
            400,
            "InvalidArgument",
            "Authorization header is invalid",
            ctx,
        ));
    };
    let invalid_ak = || {
        xml_error(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            ctx,
        )
    };
    let key = keys.get(ak).ok_or_else(invalid_ak)?;
    if !key.is_active() {
        return Err(invalid_ak());
    }
    // `huaweicloudsdkobs` takes the first host label as the bucket unless it is `obs`, as a
    // virtual-hosted request names its bucket; accept that resource too.
    let host = req.host_name();
    let label = host.split('.').next().unwrap_or_default();
    let mut resources = vec![if req.path.is_empty() {
        "/".to_string()
    } else {
        req.path.clone()
    }];
    if label != "obs" && !label.is_empty() {
        resources.push(format!("/{label}/"));
    }
    let matches = resources
        .iter()
        .any(|r| signature(key.secret.expose(), &string_to_sign_for(req, prefix, r)) == sig);
    if !matches {
        return Err(xml_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. \
Check your key and signing method.",
            ctx,
        ));
    }
    match request_time(req, prefix) {
        Some(t) if (t - ctx.now).abs() <= MAX_SKEW => {}
        Some(_) => return Err(skewed(ctx)),
        None => {
            return Err(xml_error(
                403,
                "AccessDenied",
                "Request date is missing or invalid",
                ctx,
            ))
        }
    }
    if !key.permissions.allows(ctx.endpoint) {
        return Err(access_denied(ctx));
    }
    Ok(AuthedKey {
        key_id: key.id.clone(),
        account_id: key.account_id.clone(),
        user_name: key.user_name.clone(),
        user_id: key.user_id.clone(),
    })
}

fn creation_date(r: &SimResource) -> String {
    let t = r.created_at;
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `GET /`: every bucket of the account (from any region endpoint), `marker`/`max-keys`
/// paging (1..=1000), `x-obs-bucket-type: OBJECT|POSIX` filter.
pub(crate) fn list_buckets(req: &SimRequest, key: &AuthedKey, ctx: &SimContext<'_>) -> SimResponse {
    let max_keys = match req.query_param("max-keys") {
        None => None,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => Some(n),
            _ => {
                return xml_error(
                    400,
                    "InvalidArgument",
                    "max-keys must be between 1 and 1000",
                    ctx,
                )
            }
        },
    };
    let wanted_type = req.header("x-obs-bucket-type").map(str::to_ascii_uppercase);
    let mut buckets: Vec<&SimResource> = ctx
        .inventory
        .resources_of("obs", "buckets")
        .iter()
        .filter(|_| wanted_type.as_deref().is_none_or(|t| t == "OBJECT"))
        .collect();
    buckets.sort_by(|a, b| a.name.cmp(&b.name));
    let marker = req.query_param("marker").unwrap_or_default();
    let start = if marker.is_empty() {
        0
    } else {
        buckets
            .iter()
            .position(|b| b.name.as_str() > marker)
            .unwrap_or(buckets.len())
    };
    let take = max_keys.unwrap_or(usize::MAX);
    let page: Vec<&&SimResource> = buckets.iter().skip(start).take(take).collect();
    let truncated = start + page.len() < buckets.len();
    let mut next = if truncated {
        page.last().map(|b| b.name.clone())
    } else {
        None
    };
    if ctx.pagination_loop() && max_keys.is_some() {
        next = Some(marker.to_string()).filter(|m| !m.is_empty()).or(next);
    }
    let items: String = page
        .iter()
        .map(|b| {
            format!(
                "<Bucket><Name>{}</Name><CreationDate>{}</CreationDate><Location>{}</Location>\
<BucketType>OBJECT</BucketType></Bucket>",
                escape(&b.name),
                creation_date(b),
                escape(&b.region)
            )
        })
        .collect();
    let paging = match max_keys {
        Some(n) => format!(
            "<Marker>{}</Marker><MaxKeys>{n}</MaxKeys><IsTruncated>{}</IsTruncated>{}",
            escape(marker),
            next.is_some(),
            next.as_ref()
                .map(|m| format!("<NextMarker>{}</NextMarker>", escape(m)))
                .unwrap_or_default()
        ),
        None => String::new(),
    };
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<ListAllMyBucketsResult xmlns=\"http://obs.myhwclouds.com/doc/2015-06-30/\">\
<Owner><ID>{}</ID></Owner><Buckets>{items}</Buckets>{paging}</ListAllMyBucketsResult>",
        key.account_id
    );
    xml(200, body, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn req(headers: &[(&str, &str)], query: &[(&str, &str)]) -> SimRequest {
        let mut map = http::HeaderMap::new();
        for (k, v) in headers {
            map.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        SimRequest {
            method: http::Method::GET,
            host: "obs.cn-north-4.myhuaweicloud.com".into(),
            path: "/".into(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            raw_query: None,
            headers: map,
            body: Bytes::new(),
        }
    }

    #[test]
    fn string_to_sign_follows_the_v2_layout() {
        let r = req(
            &[
                ("Date", "Tue, 21 Nov 2023 05:20:00 GMT"),
                ("x-obs-location", "true"),
                ("User-Agent", "x"),
            ],
            &[("marker", "a"), ("location", "")],
        );
        assert_eq!(
            string_to_sign(&r, "x-obs-"),
            "GET\n\n\nTue, 21 Nov 2023 05:20:00 GMT\nx-obs-location:true\n/?location"
        );
        let with_date = req(&[("x-amz-date", "Tue, 21 Nov 2023 05:20:00 GMT")], &[]);
        assert_eq!(
            string_to_sign(&with_date, "x-amz-"),
            "GET\n\n\n\nx-amz-date:Tue, 21 Nov 2023 05:20:00 GMT\n/"
        );
    }

    #[test]
    fn signature_is_base64_hmac_sha1() {
        // RFC 2202 test case 2: HMAC-SHA1("Jefe", "what do ya want for nothing?").
        let sig = signature("Jefe", "what do ya want for nothing?");
        let raw = base64::engine::general_purpose::STANDARD
            .decode(sig)
            .unwrap();
        assert_eq!(hex::encode(raw), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    }

    #[test]
    fn http_dates_parse() {
        let r = req(&[("Date", "Tue, 21 Nov 2023 05:20:00 GMT")], &[]);
        let t = request_time(&r, "x-obs-").unwrap();
        assert_eq!(t.unix_timestamp(), 1_700_544_000);
    }
}

//! OBS (Object Storage): the bucket list, signed with the OBS signature ([`ObsSigner`]).
//!
//! OBS is not behind the API gateway: it has its own signature (`Authorization: OBS
//! {AK}:{signature}`, HMAC-SHA1 over the V2-style string to sign) and XML errors
//! (`InvalidAccessKeyId`, `SignatureDoesNotMatch`, `AccessDenied`, …).

use std::time::Duration as StdDuration;

use base64::Engine;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http::header::HeaderName;
use http::StatusCode;
use multicloud_core::signing::{Outgoing, RequestSigner, SigningParts};
use multicloud_core::transport::{request_id, CallInfo, HttpResponse};
use multicloud_core::{AccessKey, Error, ErrorKind, ProviderKind, Result};
use sha1::Sha1;
use time::OffsetDateTime;

use crate::client::{encode, Client, OBS_LIST_BUCKETS};
use crate::wire::obs::{self as xml, ListAllMyBucketsResult};

const X_OBS_DATE: HeaderName = HeaderName::from_static("x-obs-date");
const X_OBS_TOKEN: HeaderName = HeaderName::from_static("x-obs-security-token");

/// Sub-resources that are part of the signed resource.
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

/// Signs OBS requests with the OBS signature (`OBS {AK}:{base64(HMAC-SHA1(SK, StringToSign))}`),
/// as the official OBS SDKs do.
///
/// `StringToSign = METHOD \n Content-MD5 \n Content-Type \n Date \n {x-obs-* headers, sorted,
/// "name:value\n"} {resource}`; `Date` is empty because `x-obs-date` is sent.
///
/// ```
/// use bytes::Bytes;
/// use multicloud_core::signing::RequestSigner;
/// use multicloud_core::AccessKey;
/// use multicloud_huawei::ObsSigner;
/// use time::macros::datetime;
///
/// let mut request = http::Request::get("https://obs.myhuaweicloud.com/").body(Bytes::new())?;
/// let key = AccessKey::new("HPUAEXAMPLE", "example-secret");
/// ObsSigner::new().sign(&mut request, &key, datetime!(2023-11-21 05:20:00 UTC))?;
/// assert_eq!(request.headers()["x-obs-date"], "Tue, 21 Nov 2023 05:20:00 GMT");
/// assert!(request.headers()["authorization"].to_str()?.starts_with("OBS HPUAEXAMPLE:"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ObsSigner;

impl ObsSigner {
    /// A signer.
    pub fn new() -> Self {
        ObsSigner
    }

    fn string_to_sign(out: &Outgoing<'_>) -> String {
        let request = out.request();
        let header = |name: &str| -> String {
            out.all_headers()
                .into_iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut obs: Vec<(String, String)> = Vec::new();
        for (name, _) in out.all_headers() {
            let lower = name.to_ascii_lowercase();
            if lower.starts_with("x-obs-") && !obs.iter().any(|(n, _)| *n == lower) {
                obs.push((lower.clone(), header(&lower)));
            }
        }
        obs.sort();
        let date = if obs.iter().any(|(n, _)| n == "x-obs-date") {
            String::new()
        } else {
            header("date")
        };
        let mut s = format!(
            "{}\n{}\n{}\n{}\n",
            request.method().as_str(),
            header("content-md5"),
            header("content-type"),
            date
        );
        for (n, v) in &obs {
            s.push_str(&format!("{n}:{v}\n"));
        }
        let path = request.uri().path();
        s.push_str(if path.is_empty() { "/" } else { path });
        let mut subs: Vec<(String, String)> = request
            .uri()
            .query()
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_owned(), v.to_owned())
            })
            .filter(|(k, _)| SUB_RESOURCES.contains(&k.to_ascii_lowercase().as_str()))
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
}

impl RequestSigner for ObsSigner {
    /// Sets `x-obs-date` (RFC 1123), `x-obs-security-token` for a session key, and `Host`.
    fn prepare(&self, out: &mut Outgoing<'_>, key: &AccessKey, time: OffsetDateTime) -> Result<()> {
        let at = std::time::UNIX_EPOCH
            + StdDuration::from_secs(
                u64::try_from(time.unix_timestamp())
                    .map_err(|_| Error::config("OBS cannot sign a time before 1970"))?,
            );
        out.set(X_OBS_DATE, httpdate::fmt_http_date(at), "x-obs-date")?;
        if let Some(token) = key.session_token() {
            out.set_sensitive(
                X_OBS_TOKEN,
                token.expose().as_bytes().to_vec(),
                "the session token",
            )?;
        }
        let request = out.request();
        out.set_host_if_absent(|| self.uri_host(request.uri()))
    }

    fn compute(
        &self,
        out: &Outgoing<'_>,
        key: &AccessKey,
        _time: OffsetDateTime,
    ) -> Result<SigningParts> {
        let sts = Self::string_to_sign(out);
        let mut mac = Hmac::<Sha1>::new_from_slice(key.secret().expose().as_bytes())
            .map_err(|_| Error::config("OBS cannot use this secret as an HMAC key"))?;
        mac.update(sts.as_bytes());
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        let authorization = format!("OBS {}:{signature}", key.id());
        Ok(SigningParts::new(
            sts.clone(),
            sts,
            signature,
            String::new(),
            authorization,
        ))
    }

    fn provider(&self) -> Option<ProviderKind> {
        Some(ProviderKind::Huawei)
    }
}

/// The kind an OBS error code means.
fn kind_of(code: &str, status: StatusCode) -> ErrorKind {
    match code {
        "InvalidAccessKeyId" | "SignatureDoesNotMatch" => ErrorKind::InvalidCredential,
        "RequestTimeTooSkewed" => ErrorKind::ClockSkew,
        "AccessDenied" | "AllAccessDisabled" => ErrorKind::PermissionDenied,
        "ServiceUnavailable" | "SlowDown" => ErrorKind::Throttled,
        "InternalError" => ErrorKind::Transient,
        _ => multicloud_core::transport::kind_for_status(status).unwrap_or(ErrorKind::Service),
    }
}

/// Classifies an OBS answer.
fn classify(call: &CallInfo, response: &HttpResponse) -> Result<()> {
    if response.is_success() {
        return Ok(());
    }
    let body = xml::parse_error(&response.body).unwrap_or_default();
    let code = body.code.unwrap_or_default();
    let kind = kind_of(&code, response.status);
    let advice = match kind {
        ErrorKind::InvalidCredential => "OBS refused the AccessKey: check the id and SecretKey",
        ErrorKind::ClockSkew => "OBS rejected the request time: synchronise this machine's clock",
        ErrorKind::PermissionDenied => {
            "the key may not list buckets (obs:bucket:ListAllMyBuckets): grant Tenant Guest or OBS ReadOnlyAccess"
        }
        ErrorKind::Throttled => "OBS asked to reduce the request rate",
        _ => "OBS failed the call",
    };
    let said = body
        .message
        .map(|m| format!(" (OBS said: {m})"))
        .unwrap_or_else(|| format!(" (HTTP {})", response.status));
    let mut e = Error::new(kind, format!("{advice}{said}"))
        .with_provider(ProviderKind::Huawei)
        .with_action(call.api.clone())
        .with_http_status(response.status.as_u16());
    if !code.is_empty() {
        e = e.with_code(code);
    }
    if let Some(id) = body
        .request_id
        .as_deref()
        .or_else(|| response.header("x-obs-request-id"))
        .or_else(|| request_id(&response.headers))
    {
        e = e.with_request_id(id);
    }
    Err(e)
}

/// One page of the bucket list: `max-keys` buckets after `marker`.
pub(crate) async fn list_page(
    client: &Client,
    marker: Option<&str>,
    max_keys: u32,
) -> Result<ListAllMyBucketsResult> {
    // The projects lookup is the account's gate: a refused key stops here, before OBS (which
    // has its own authentication) is ever called with it. Any region's endpoint lists the
    // buckets of every region; the global `obs.myhuaweicloud.com` refuses accounts without
    // real-name authentication, so a region the account uses is preferred.
    let projects = client.projects(false).await?;
    let key = client.key_for(OBS_LIST_BUCKETS.name).await?;
    let base = client
        .endpoints()
        .base("obs", projects.region_names().next());
    let mut url = format!("{base}/?max-keys={max_keys}");
    if let Some(m) = marker.filter(|m| !m.is_empty()) {
        url.push_str(&format!("&marker={}", encode(m)));
    }
    let call = CallInfo::read_only(ProviderKind::Huawei, OBS_LIST_BUCKETS.name);
    let signer = ObsSigner::new();
    let response = client
        .transport()
        .execute(
            &call,
            |_attempt| {
                let mut req = http::Request::get(&url)
                    .header("x-obs-location", "true")
                    .body(Bytes::new())
                    .map_err(|e| Error::config(format!("cannot build the OBS request: {e}")))?;
                signer.sign(&mut req, &key, client.clock().now())?;
                Ok(req)
            },
            &classify,
        )
        .await?;
    xml::parse_list(&response.body, OBS_LIST_BUCKETS.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn string_to_sign_has_the_v2_layout() {
        let req = http::Request::get("http://127.0.0.1:9/?max-keys=10&marker=a")
            .header("x-obs-location", "true")
            .body(Bytes::new())
            .unwrap();
        let key = AccessKey::new("AK", "SK");
        let parts = ObsSigner::new()
            .signing_parts(&req, &key, datetime!(2023-11-21 05:20:00 UTC))
            .unwrap();
        assert_eq!(
            parts.string_to_sign,
            "GET\n\n\n\nx-obs-date:Tue, 21 Nov 2023 05:20:00 GMT\nx-obs-location:true\n/"
        );
        assert!(parts.authorization.starts_with("OBS AK:"));
        assert!(!format!("{parts:?}").contains("SK"));
    }

    #[test]
    fn obs_codes_map_to_kinds() {
        assert_eq!(
            kind_of("SignatureDoesNotMatch", StatusCode::FORBIDDEN),
            ErrorKind::InvalidCredential
        );
        assert_eq!(
            kind_of("AccessDenied", StatusCode::FORBIDDEN),
            ErrorKind::PermissionDenied
        );
        assert_eq!(
            kind_of("RequestTimeTooSkewed", StatusCode::FORBIDDEN),
            ErrorKind::ClockSkew
        );
        assert_eq!(
            kind_of("ServiceUnavailable", StatusCode::SERVICE_UNAVAILABLE),
            ErrorKind::Throttled
        );
        assert_eq!(kind_of("", StatusCode::BAD_GATEWAY), ErrorKind::Transient);
    }
}

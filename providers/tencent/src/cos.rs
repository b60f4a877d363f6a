//! COS buckets, from COS's own XML API: `GetService` (`GET /` on `service.cos.myqcloud.com`,
//! every region), signed with [`CosSigner`].
//!
//! The tag service only knows tagged buckets, so the global listing holds its COS entries
//! back, lists every bucket with `GetService`, and emits each bucket once (deduplicated by
//! name) with the tag service's tags when it had some. Tagged buckets `GetService` does not
//! return (other bucket types, such as the regional high-performance ones) are still
//! reported from the tag service afterwards.
//!
//! `GetService` takes `max-keys` (≤ 2000, the default) and an exclusive `marker` (COS's
//! GET Service page; `cos-python-sdk-v5` sends both). The reply's `IsTruncated`/`NextMarker`
//! are read when present, as COS's other listings and its high-performance-bucket
//! GetService page define them; an untruncated reply is the last page.

mod signer;
mod xml;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use multicloud_core::pagination::{paginate_capped, Page, PageCap};
use multicloud_core::signing::{percent_encode, RequestSigner};
use multicloud_core::transport::{status_error, CallInfo, HttpResponse, ResponseClassifier};
use multicloud_core::{CloudResource, Error, ProviderKind, Result};
use serde_json::Value;

use crate::client::Client;
use crate::errors;
use crate::paging::stop_after_error;

pub use signer::CosSigner;

/// The endpoint name of `GetService` (transport key, CAM action `cos:GetService`).
pub(crate) const GET_SERVICE: &str = "cos:GetService";
/// The all-region `GetService` host (both sites use it).
const SERVICE_HOST: &str = "service.cos.myqcloud.com";
/// The most buckets one page may hold, and COS's default.
const MAX_KEYS: u32 = 2000;
/// COS puts the request id in this header (and in error bodies).
const REQUEST_ID_HEADER: &str = "x-cos-request-id";

/// The `GetService` URL for the page after `marker`, on the endpoint override if any.
fn service_url(override_base: Option<&str>, marker: Option<&str>) -> String {
    let base = match override_base {
        Some(base) => base.to_owned(),
        None => format!("https://{SERVICE_HOST}"),
    };
    let mut url = format!("{base}/?max-keys={MAX_KEYS}");
    if let Some(marker) = marker {
        url.push_str("&marker=");
        url.push_str(&percent_encode(marker.as_bytes()));
    }
    url
}

/// One `GetService` call: the permission probe of the bucket kind.
pub(crate) async fn probe(client: &Client) -> Result<()> {
    get_service(client, None).await.map(drop)
}

/// Sends one `GetService` call; each attempt is signed at the clock's current time.
async fn get_service(client: &Client, marker: Option<&str>) -> Result<xml::BucketPage> {
    let url = service_url(client.endpoints().override_base(), marker);
    let key = client.credential().access_key().await?;
    key.validate().map_err(|e| {
        e.with_provider(ProviderKind::Tencent)
            .with_action(GET_SERVICE)
    })?;
    let call = CallInfo::read_only(ProviderKind::Tencent, GET_SERVICE);
    let signer = CosSigner::new();
    let response = client
        .transport()
        .execute(
            &call,
            |_attempt| {
                let mut request = http::Request::get(url.as_str())
                    .body(Bytes::new())
                    .map_err(|e| Error::config(format!("cannot build the COS request: {e}")))?;
                signer.sign(&mut request, &key, client.clock().now())?;
                Ok(request)
            },
            &CosClassifier,
        )
        .await?;
    xml::bucket_page(&response.body)
}

/// Classifies COS XML API responses: 2xx is a success; otherwise the `<Error>` code decides
/// through the provider's code table, and the HTTP status when the code is unknown or absent.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CosClassifier;

impl ResponseClassifier for CosClassifier {
    fn classify(&self, call: &CallInfo, response: &HttpResponse) -> Result<()> {
        if response.is_success() {
            return Ok(());
        }
        let header_id = response.header(REQUEST_ID_HEADER);
        let status = response.status.as_u16();
        Err(match xml::error(&response.body) {
            Some(e) => errors::xml_error(
                &call.api,
                &e.code,
                &e.message,
                e.request_id.as_deref().or(header_id),
                status,
            ),
            None => {
                let err = status_error(call, response);
                match header_id.filter(|_| err.request_id().is_none()) {
                    Some(id) => err.with_request_id(id),
                    None => err,
                }
            }
        })
    }
}

/// The normalized record of one `GetService` bucket; `raw` is the bucket's XML leaves.
fn bucket(raw: Value, tags: Option<CloudResource>) -> Result<CloudResource> {
    let text = |field: &str| raw.get(field).and_then(Value::as_str).map(str::to_owned);
    let name = text("Name").filter(|n| !n.is_empty()).ok_or_else(|| {
        Error::decode("a cos:GetService bucket without Name")
            .with_provider(ProviderKind::Tencent)
            .with_action(GET_SERVICE)
    })?;
    let region = text("Location")
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "global".to_owned());
    Ok(CloudResource::new("cos", "bucket", name.clone(), region)
        .with_name(Some(name))
        .with_tags(tags.map(|t| t.tags).unwrap_or_default())
        .with_raw(raw))
}

fn is_bucket(r: &CloudResource) -> bool {
    r.service == "cos" && r.resource_type == "bucket"
}

type Held = Arc<Mutex<BTreeMap<String, CloudResource>>>;

fn lock(held: &Held) -> MutexGuard<'_, BTreeMap<String, CloudResource>> {
    // A panic elsewhere cannot leave the map half-updated: every use is one insert/remove.
    held.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `tagged` (the tag service's resources) with COS buckets replaced by every bucket
/// `GetService` lists: other services pass through first, then each listed bucket carrying
/// the tag service's tags for its name, then tagged buckets `GetService` did not list.
pub(crate) fn with_every_bucket(
    tagged: BoxStream<'static, Result<CloudResource>>,
    client: Client,
) -> BoxStream<'static, Result<CloudResource>> {
    let cap = client.page_cap("cos:GetService", None);
    with_listed_buckets(tagged, cap, move |marker| {
        let client = client.clone();
        async move { get_service(&client, marker.as_deref()).await }
    })
}

/// [`with_every_bucket`] over any page source (`fetch(marker)`).
fn with_listed_buckets<F, Fut>(
    tagged: BoxStream<'static, Result<CloudResource>>,
    cap: PageCap,
    fetch: F,
) -> BoxStream<'static, Result<CloudResource>>
where
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<xml::BucketPage>> + Send + 'static,
{
    let held: Held = Arc::default();
    let sink = held.clone();
    let others = tagged.filter_map(move |item| {
        let passed = match item {
            Ok(r) if is_bucket(&r) => {
                lock(&sink).insert(r.id.clone(), r);
                None
            }
            other => Some(other),
        };
        futures::future::ready(passed)
    });
    // Built only once the tag service is exhausted, so every tagged bucket is held by then.
    let buckets = stream::once(async move { every_bucket(cap, fetch, held) }).flatten();
    stop_after_error(others.chain(buckets))
}

/// Every listed bucket, tagged from `held` (taken out as matched), then what is left.
fn every_bucket<F, Fut>(
    cap: PageCap,
    mut fetch: F,
    held: Held,
) -> BoxStream<'static, Result<CloudResource>>
where
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<xml::BucketPage>> + Send + 'static,
{
    let matched = held.clone();
    let listed = paginate_capped(cap, move |marker: Option<String>| {
        let page = fetch(marker);
        let held = matched.clone();
        async move {
            let page = page.await?;
            let items = page
                .buckets
                .into_iter()
                .map(|raw| {
                    let name = raw.get("Name").and_then(Value::as_str).unwrap_or_default();
                    let tagged = lock(&held).remove(name);
                    bucket(raw, tagged)
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Page::new(items, page.next_marker))
        }
    });
    let leftover = stream::once(async move { std::mem::take(&mut *lock(&held)) })
        .flat_map(|rest| stream::iter(rest.into_values().map(Ok)));
    stop_after_error(listed.chain(leftover))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, StatusCode};
    use multicloud_core::ErrorKind;
    use serde_json::json;

    fn cos_error(status: u16, code: &str) -> Error {
        let body = format!(
            "<?xml version='1.0' encoding='utf-8' ?><Error><Code>{code}</Code>\
             <Message>m</Message><RequestId>rid-1</RequestId></Error>"
        );
        let call = CallInfo::read_only(ProviderKind::Tencent, GET_SERVICE);
        let response = HttpResponse::new(
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            body,
        );
        CosClassifier.classify(&call, &response).unwrap_err()
    }

    #[test]
    fn cos_error_codes_map_through_the_code_table() {
        let cases = [
            (403, "AccessDenied", ErrorKind::PermissionDenied),
            (403, "SignatureDoesNotMatch", ErrorKind::InvalidCredential),
            (403, "InvalidAccessKeyId", ErrorKind::InvalidCredential),
            (403, "RequestTimeTooSkewed", ErrorKind::ClockSkew),
            (503, "SlowDown", ErrorKind::Throttled),
            (500, "InternalError", ErrorKind::Transient),
            // A code the table does not know: the status decides.
            (503, "SomethingNew", ErrorKind::Transient),
            (400, "InvalidArgument", ErrorKind::Service),
        ];
        for (status, code, kind) in cases {
            let e = cos_error(status, code);
            assert_eq!(e.kind(), kind, "{code}");
            assert_eq!(e.code(), Some(code));
            assert_eq!(e.request_id(), Some("rid-1"));
            assert_eq!(e.http_status(), Some(status));
            assert_eq!(e.action(), Some(GET_SERVICE));
            assert_eq!(e.provider(), Some(ProviderKind::Tencent));
        }
    }

    #[test]
    fn a_body_without_an_error_document_is_judged_by_status_with_the_header_request_id() {
        let call = CallInfo::read_only(ProviderKind::Tencent, GET_SERVICE);
        let mut headers = HeaderMap::new();
        headers.insert(REQUEST_ID_HEADER, "hdr-7".parse().unwrap());
        let gateway = HttpResponse::new(StatusCode::BAD_GATEWAY, headers, "<html/>");
        let e = CosClassifier.classify(&call, &gateway).unwrap_err();
        assert_eq!(
            (e.kind(), e.request_id()),
            (ErrorKind::Transient, Some("hdr-7"))
        );
        let ok = HttpResponse::new(StatusCode::OK, HeaderMap::new(), "<x/>");
        assert!(CosClassifier.classify(&call, &ok).is_ok());
    }

    #[test]
    fn the_url_is_the_all_region_service_host_or_the_override_and_encodes_the_marker() {
        assert_eq!(
            service_url(None, None),
            "https://service.cos.myqcloud.com/?max-keys=2000"
        );
        assert_eq!(
            service_url(Some("http://127.0.0.1:4000"), Some("a b/ü-1250000001")),
            "http://127.0.0.1:4000/?max-keys=2000&marker=a%20b%2F%C3%BC-1250000001"
        );
    }

    #[test]
    fn a_bucket_maps_to_the_same_keys_as_the_tag_service_and_keeps_its_tags() {
        let raw = json!({"Name": "logs-1250000001", "Location": "ap-guangzhou",
            "CreationDate": "2019-05-24T11:49:50Z", "BucketType": "cos"});
        let mut tagged = CloudResource::new("cos", "bucket", "logs-1250000001", "ap-guangzhou")
            .with_raw(json!({}));
        tagged.tags.insert("env".into(), "prod".into());
        let r = bucket(raw.clone(), Some(tagged)).unwrap();
        assert_eq!(r.key(), ("cos", "bucket", "logs-1250000001"));
        assert_eq!(r.name.as_deref(), Some("logs-1250000001"));
        assert_eq!(r.region, "ap-guangzhou");
        assert_eq!(r.tags.get("env").map(String::as_str), Some("prod"));
        assert_eq!(r.raw, raw);
        assert!(bucket(raw, None).unwrap().tags.is_empty());
        let err = bucket(json!({"Location": "x"}), None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
    }

    fn resource(service: &str, id: &str, tag: Option<&str>) -> CloudResource {
        let resource_type = if service == "cos" {
            "bucket"
        } else {
            "ckafkaId"
        };
        let mut r = CloudResource::new(service, resource_type, id, "ap-shanghai")
            .with_raw(json!({"Resource": id}));
        if let Some(v) = tag {
            r.tags.insert("env".into(), v.into());
        }
        r
    }

    fn page(names: &[&str], next: Option<&str>) -> xml::BucketPage {
        xml::BucketPage {
            buckets: names
                .iter()
                .map(|n| json!({"Name": n, "Location": "ap-guangzhou", "BucketType": "cos"}))
                .collect(),
            next_marker: next.map(str::to_owned),
        }
    }

    fn summary(out: &[Result<CloudResource>]) -> Vec<String> {
        out.iter()
            .map(|r| match r {
                Ok(r) => format!(
                    "{}:{}@{}{}",
                    r.service,
                    r.id,
                    r.region,
                    r.tags
                        .get("env")
                        .map(|v| format!(" env={v}"))
                        .unwrap_or_default()
                ),
                Err(e) => format!("error {:?}", e.kind()),
            })
            .collect()
    }

    #[tokio::test]
    async fn buckets_are_deduplicated_by_name_and_keep_the_tag_services_tags() {
        let tagged = stream::iter(vec![
            Ok(resource("cos", "a-1250000001", Some("prod"))),
            Ok(resource("ckafka", "ckafka-1", Some("dev"))),
            Ok(resource("cos", "z-1250000001", Some("old"))),
        ])
        .boxed();
        let markers = Arc::new(Mutex::new(Vec::new()));
        let seen = markers.clone();
        let out: Vec<_> =
            with_listed_buckets(tagged, PageCap::default(), move |marker: Option<String>| {
                seen.lock().unwrap().push(marker.clone());
                futures::future::ready(Ok(match marker.as_deref() {
                    None => page(&["a-1250000001", "b-1250000001"], Some("b-1250000001")),
                    _ => page(&["c-1250000001"], None),
                }))
            })
            .collect()
            .await;
        assert_eq!(
            summary(&out),
            [
                "ckafka:ckafka-1@ap-shanghai env=dev",
                "cos:a-1250000001@ap-guangzhou env=prod",
                "cos:b-1250000001@ap-guangzhou",
                "cos:c-1250000001@ap-guangzhou",
                // Known to the tag service only (e.g. another bucket type): still reported.
                "cos:z-1250000001@ap-shanghai env=old",
            ]
        );
        assert_eq!(
            *markers.lock().unwrap(),
            [None, Some("b-1250000001".to_owned())]
        );
    }

    #[tokio::test]
    async fn a_failure_on_either_side_ends_the_stream_without_guessing() {
        let failing_tags = stream::iter(vec![
            Ok(resource("cos", "a-1250000001", None)),
            Err(Error::new(ErrorKind::Throttled, "tag")),
        ])
        .boxed();
        let calls = Arc::new(Mutex::new(0));
        let counted = calls.clone();
        let out: Vec<_> = with_listed_buckets(failing_tags, PageCap::default(), move |_| {
            *counted.lock().unwrap() += 1;
            futures::future::ready(Ok(page(&["a-1250000001"], None)))
        })
        .collect()
        .await;
        assert_eq!(summary(&out), ["error Throttled"]);
        assert_eq!(
            *calls.lock().unwrap(),
            0,
            "GetService is not called after a tag error"
        );

        let tags = stream::iter(vec![Ok(resource("cos", "z-1250000001", Some("x")))]).boxed();
        let out: Vec<_> =
            with_listed_buckets(tags, PageCap::default(), |marker: Option<String>| {
                futures::future::ready(match marker {
                    None => Ok(page(&["a-1250000001"], Some("a-1250000001"))),
                    Some(_) => Err(Error::new(ErrorKind::PermissionDenied, "denied")),
                })
            })
            .collect()
            .await;
        assert_eq!(
            summary(&out),
            ["cos:a-1250000001@ap-guangzhou", "error PermissionDenied"]
        );
    }
}

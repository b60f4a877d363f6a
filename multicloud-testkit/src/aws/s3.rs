//! S3 (`rest-xml`, path-style): `GET /` ListBuckets and `GET /{bucket}?location`
//! GetBucketLocation.
//!
//! ListBuckets lists the buckets of the request's partition from any regional endpoint;
//! without `max-buckets` it returns every bucket, with it pages by `continuation-token`.

use crate::inventory::SimResource;
use crate::render::{iso8601_millis, page_token, parse_page_token, Xml};

use super::errors::{invalid_value, AwsError};
use super::route::{domain_of_region, partition_name, s3_bucket, Service};
use super::Call;

const NS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

fn buckets<'a>(call: &'a Call<'_>) -> impl Iterator<Item = &'a SimResource> + 'a {
    call.ctx
        .inventory
        .resources_of("s3", "bucket")
        .iter()
        .filter(move |b| domain_of_region(&b.region) == call.route.domain)
}

/// `ListBuckets` (`max-buckets` 1..10000, `continuation-token`, `prefix`, `bucket-region`).
pub(crate) fn list_buckets(call: &Call<'_>) -> Result<String, AwsError> {
    let q = |name: &str| call.req.query_param(name);
    let limit = match q("max-buckets") {
        None => None,
        Some(raw) => {
            let n: usize = raw
                .parse()
                .ok()
                .filter(|n| (1..=10_000).contains(n))
                .ok_or_else(|| {
                    invalid_value(
                        Service::S3,
                        "Argument max-buckets must be an integer between 1 and 10000.",
                    )
                })?;
            Some(n)
        }
    };
    let offset = match q("continuation-token") {
        None | Some("") => 0,
        Some(t) => parse_page_token(t).ok_or_else(|| {
            invalid_value(Service::S3, "The continuation token provided is incorrect")
        })?,
    };
    let prefix = q("prefix").unwrap_or("");
    let region = q("bucket-region");
    let mut selected: Vec<&SimResource> = buckets(call)
        .filter(|b| b.id.starts_with(prefix) && region.is_none_or(|r| r == b.region))
        .collect();
    // S3 lists buckets by name.
    selected.sort_by(|a, b| a.id.cmp(&b.id));
    let (page, next) = match limit {
        None => (&selected[offset.min(selected.len())..], None),
        Some(n) => {
            let start = offset.min(selected.len());
            let end = (start + n).min(selected.len());
            let next = if call.ctx.pagination_loop() {
                Some(
                    q("continuation-token")
                        .filter(|t| !t.is_empty())
                        .map(str::to_string)
                        .unwrap_or_else(|| page_token(n)),
                )
            } else {
                (end < selected.len()).then(|| page_token(end))
            };
            (&selected[start..end], next)
        }
    };
    let partition = partition_name(call.route.domain);
    let mut x = Xml::new();
    x.open_ns("ListAllMyBucketsResult", NS);
    x.open("Owner")
        .leaf("ID", format!("{:0>64}", call.key.account_id));
    x.leaf("DisplayName", &call.key.user_name).close("Owner");
    x.open("Buckets");
    for b in page {
        x.open("Bucket")
            .leaf("Name", &b.id)
            .leaf("CreationDate", iso8601_millis(b.created_at));
        x.leaf("BucketRegion", &b.region);
        x.leaf("BucketArn", format!("arn:{partition}:s3:::{}", b.id))
            .close("Bucket");
    }
    x.close("Buckets");
    x.leaf_opt("ContinuationToken", next.as_deref());
    if !prefix.is_empty() {
        x.leaf("Prefix", prefix);
    }
    x.close("ListAllMyBucketsResult");
    Ok(x.finish())
}

/// `GetBucketLocation`: empty for us-east-1, else the region id.
pub(crate) fn get_bucket_location(call: &Call<'_>) -> Result<String, AwsError> {
    let name = s3_bucket(call.req);
    let bucket = buckets(call)
        .find(|b| b.id == name)
        .ok_or_else(|| AwsError::new(404, "NoSuchBucket", "The specified bucket does not exist"))?;
    let mut x = Xml::new();
    x.open_ns("LocationConstraint", NS);
    if bucket.region != "us-east-1" {
        x.text(&bucket.region);
    }
    x.close("LocationConstraint");
    Ok(x.finish())
}

/// `GetObject` (`GET /{bucket}/{key}`): a log object of the audit pipeline. An SSE-KMS
/// object is refused unless the key is also granted `kms:Decrypt`, as S3 does.
pub(crate) fn get_object(
    call: &Call<'_>,
    pipeline: &super::sqs::AuditPipeline,
) -> Result<crate::sim::SimResponse, AwsError> {
    let path = call.req.path.trim_start_matches('/');
    let key = path.split_once('/').map(|(_, k)| k).unwrap_or_default();
    let key = percent_encoding::percent_decode_str(key)
        .decode_utf8_lossy()
        .into_owned();
    let bucket = s3_bucket(call.req);
    let object = pipeline
        .object(&bucket, &key)
        .ok_or_else(|| AwsError::new(404, "NoSuchKey", "The specified key does not exist."))?;
    let may_decrypt = call
        .ctx
        .keys
        .get(&call.key.key_id)
        .is_some_and(|k| k.permissions.allows("kms:Decrypt"));
    if object.kms && !may_decrypt {
        let arn = call.caller_arn();
        return Err(AwsError::new(
            403,
            "AccessDenied",
            format!(
                "User: {arn} is not authorized to perform: kms:Decrypt on the resource \
                 associated with this ciphertext because no identity-based policy allows the \
                 kms:Decrypt action"
            ),
        ));
    }
    let mut response = crate::sim::SimResponse {
        status: 200,
        headers: vec![
            ("Content-Type".into(), "application/octet-stream".into()),
            ("ETag".into(), format!("\"{}\"", object.etag)),
            ("x-amz-request-id".into(), call.ctx.request_id.into()),
        ],
        body: object.body,
    };
    if object.kms {
        response
            .headers
            .push(("x-amz-server-side-encryption".into(), "aws:kms".into()));
    }
    Ok(response)
}

//! S3 buckets, listed account-wide, each with its region from `GetBucketLocation` (a refused
//! location call leaves the region unknown on the item and is not sent again in that listing).

use std::sync::Arc;

use futures::stream::BoxStream;
use serde_json::Value;

use multicloud_core::{
    paginate_capped, CloudResource, ErrorKind, Page, Result, Tags, UnknownField,
};

use crate::client::AwsClient;
use crate::endpoints::Service;
use crate::resources::{resource, Listed};
use crate::wire::s3::{self as s3_wire, Bucket};
use crate::wire::xml::S3_LISTS;
use crate::wire::{decode, non_empty};

pub(crate) fn buckets(client: AwsClient) -> BoxStream<'static, Result<CloudResource>> {
    let locator = Locator::default();
    let cap = client.page_cap("s3:ListBuckets", None);
    paginate_capped(cap, move |token: Option<String>| {
        let client = client.clone();
        let location = locator.clone();
        async move {
            let endpoint = client.resolver().global(Service::S3);
            let query = [
                ("max-buckets", Some(client.page_size(1, 10_000).to_string())),
                ("continuation-token", token),
            ];
            let query: Vec<(&str, Option<String>)> =
                query.into_iter().filter(|(_, v)| v.is_some()).collect();
            let out = client
                .rest_get(
                    &endpoint,
                    "s3:ListAllMyBuckets",
                    "ListAllMyBucketsResult",
                    "/",
                    &query,
                    S3_LISTS,
                )
                .await?;
            let (listed, next) = listed_buckets(out.doc)?;
            let mut resources = Vec::with_capacity(listed.len());
            for (bucket, raw) in listed {
                let located = match non_empty(bucket.bucket_region.as_deref()) {
                    Some(region) => Ok(region),
                    None => location.of(&client, &bucket.name).await,
                };
                let name = bucket.name;
                let region = located.as_deref().unwrap_or(UNKNOWN_REGION);
                let mut bucket = resource(
                    "s3",
                    "bucket",
                    name.clone(),
                    Some(name),
                    region,
                    Tags::new(),
                    raw,
                );
                if let Err(reason) = located {
                    bucket = bucket.with_unknown(UnknownField::new(
                        "region",
                        "s3:GetBucketLocation",
                        reason,
                    ));
                }
                resources.push(bucket);
            }
            Ok(Page::new(resources, next))
        }
    })
}

/// The `region` of a bucket whose location could not be read.
pub(crate) const UNKNOWN_REGION: &str = "unknown";

/// `GetBucketLocation` for one listing: after the first refusal (denied, or any failure
/// that is not about the bucket itself) the rest of the listing asks no more.
#[derive(Clone, Default)]
struct Locator {
    refused: Arc<std::sync::Mutex<Option<ErrorKind>>>,
}

impl Locator {
    /// The bucket's region, or why it is unknown. A failure of the whole listing's key
    /// (authentication) is still an error of the listing, returned as such by the caller's
    /// next page; here it only marks the field.
    async fn of(&self, client: &AwsClient, bucket: &str) -> std::result::Result<String, ErrorKind> {
        if let Some(reason) = *self.refused.lock().unwrap_or_else(|p| p.into_inner()) {
            return Err(reason);
        }
        match bucket_location(client, bucket).await {
            Ok(region) => Ok(region),
            Err(e) => {
                tracing::warn!(bucket, error = %e, "bucket location unknown; not asking again in this listing");
                let reason = e.kind();
                *self.refused.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason);
                Err(reason)
            }
        }
    }
}

/// The buckets of one `ListBuckets` document, each with its raw item, and the next token.
pub(crate) fn listed_buckets(doc: Value) -> Result<Listed<Bucket>> {
    let (page, items) = s3_wire::list_buckets(doc)?;
    let mut listed = Vec::with_capacity(items.len());
    for raw in items {
        let bucket: Bucket = decode(&raw, "Bucket")?;
        listed.push((bucket, raw));
    }
    Ok((listed, page.continuation_token))
}

/// `GetBucketLocation`, for endpoints whose `ListBuckets` does not report `BucketRegion`.
async fn bucket_location(client: &AwsClient, bucket: &str) -> Result<String> {
    let (endpoint, path) = client.resolver().s3_bucket(bucket);
    let out = client
        .rest_get(
            &endpoint,
            "s3:GetBucketLocation",
            "LocationConstraint",
            &path,
            &[("location", None)],
            S3_LISTS,
        )
        .await?;
    let constraint = out.doc.as_str().unwrap_or_default();
    Ok(s3_wire::location_to_region(constraint))
}

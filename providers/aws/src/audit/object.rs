//! Reading a log object (S3 `GetObject`), and what a refusal means: the key may not read
//! the bucket, or the object is SSE-KMS encrypted with a key the caller may not use.

use bytes::Bytes;
use http::{Method, Request};

use multicloud_core::{Error, ErrorKind, Result};

use crate::client::AwsClient;

use super::notification::ObjectRef;

/// The fix for an object that cannot be decrypted (the onboarding guide asks for SSE-S3).
pub(crate) const KMS_FIX: &str =
    "the trail's log files are SSE-KMS encrypted and this key may not \
     use kms:Decrypt on the KMS key: configure the trail's bucket and the trail to use SSE-S3 \
     (as the onboarding guide says), or grant kms:Decrypt on that KMS key";

/// Reads `object` from its bucket in `region` (the bucket's region, as the notification says,
/// else the queue's: S3 only notifies queues of its own region).
pub(crate) async fn get(client: &AwsClient, object: &ObjectRef, region: &str) -> Result<Bytes> {
    let region = object.region.as_deref().unwrap_or(region);
    let (endpoint, path) = client
        .resolver()
        .s3_object(&object.bucket, region, &object.key)?;
    let url = format!("{}{path}", endpoint.base_url);
    let authority = url
        .parse::<http::Uri>()
        .ok()
        .and_then(|u| u.authority().map(|a| a.as_str().to_owned()))
        .ok_or_else(|| Error::config("the S3 endpoint URL has no host"))?;
    let response = client
        .send(&endpoint, "s3:GetObject".to_owned(), true, |_| {
            Request::builder()
                .method(Method::GET)
                .uri(&url)
                .header(http::header::HOST, &authority)
                .body(Bytes::new())
                .map_err(|e| Error::config(format!("cannot build the s3:GetObject request: {e}")))
        })
        .await
        .map_err(|e| explain(e, object))?;
    Ok(response.body)
}

/// Whether a refusal is about the KMS key rather than the bucket.
pub(crate) fn is_kms_refusal(error: &Error) -> bool {
    error.kind() == ErrorKind::PermissionDenied
        && (error
            .code()
            .is_some_and(|c| c.starts_with("KMS.") || c.starts_with("Kms"))
            || error.message().contains("kms:"))
}

/// Adds what to do to a refused read.
fn explain(error: Error, object: &ObjectRef) -> Error {
    if is_kms_refusal(&error) {
        return error.with_hint(KMS_FIX);
    }
    if error.kind() == ErrorKind::PermissionDenied {
        let fix = format!(
            "grant s3:GetObject on arn:aws:s3:::{}/* to this key (the bucket CloudTrail writes to)",
            object.bucket
        );
        return error.with_hint(fix);
    }
    error
}

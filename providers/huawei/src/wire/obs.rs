//! OBS's XML: `ListAllMyBucketsResult` and the `<Error>` body.

use multicloud_core::Result;
use serde::Deserialize;

use super::decode_error;

/// `GET /` on OBS.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ListAllMyBucketsResult {
    pub(crate) buckets: Option<Buckets>,
    pub(crate) is_truncated: Option<bool>,
    pub(crate) next_marker: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Buckets {
    #[serde(rename = "Bucket", default)]
    pub(crate) bucket: Vec<Bucket>,
}

/// One bucket.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Bucket {
    pub(crate) name: String,
    pub(crate) creation_date: Option<String>,
    pub(crate) location: Option<String>,
    pub(crate) bucket_type: Option<String>,
}

/// Parses a bucket list; a body without `<Buckets>` is not a bucket list.
pub(crate) fn parse_list(body: &[u8], action: &str) -> Result<ListAllMyBucketsResult> {
    let text = std::str::from_utf8(body)
        .map_err(|_| decode_error(action, None, "the bucket list is not UTF-8"))?;
    if !text.contains("<ListAllMyBucketsResult") {
        return Err(decode_error(
            action,
            None,
            "the answer is not a ListAllMyBucketsResult document",
        ));
    }
    let parsed: ListAllMyBucketsResult = quick_xml::de::from_str(text)
        .map_err(|e| decode_error(action, None, &format!("bad bucket list XML: {e}")))?;
    if parsed.buckets.is_none() {
        return Err(decode_error(
            action,
            None,
            "the bucket list has no <Buckets> element",
        ));
    }
    Ok(parsed)
}

/// `<Error><Code>…</Code><Message>…</Message><RequestId>…</RequestId></Error>`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct XmlError {
    pub(crate) code: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) request_id: Option<String>,
}

/// Parses an OBS error body, if it is one.
pub(crate) fn parse_error(body: &[u8]) -> Option<XmlError> {
    let text = std::str::from_utf8(body).ok()?;
    if !text.contains("<Error>") {
        return None;
    }
    quick_xml::de::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_lists_and_errors_parse() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<ListAllMyBucketsResult xmlns="http://obs.myhwclouds.com/doc/2015-06-30/"><Owner><ID>d1</ID></Owner><Buckets><Bucket><Name>a</Name><CreationDate>2024-01-01T00:00:00.000Z</CreationDate><Location>cn-north-4</Location><BucketType>OBJECT</BucketType></Bucket></Buckets><Marker></Marker><MaxKeys>1</MaxKeys><IsTruncated>true</IsTruncated><NextMarker>a</NextMarker></ListAllMyBucketsResult>"#;
        let l = parse_list(xml.as_bytes(), "obs:ListBuckets").unwrap();
        let b = &l.buckets.unwrap().bucket;
        assert_eq!(b[0].location.as_deref(), Some("cn-north-4"));
        assert_eq!(l.is_truncated, Some(true));
        assert_eq!(l.next_marker.as_deref(), Some("a"));
        let empty = parse_list(
            b"<ListAllMyBucketsResult><Owner><ID>d</ID></Owner><Buckets/></ListAllMyBucketsResult>",
            "obs:ListBuckets",
        )
        .unwrap();
        assert!(empty.buckets.unwrap().bucket.is_empty());
        assert!(parse_list(b"<html/>", "obs:ListBuckets").is_err());
        assert!(parse_list(b"<ListAllMyBucketsResult></ListAllMyBucketsResult>", "x").is_err());
        let e = parse_error(b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>r1</RequestId></Error>").unwrap();
        assert_eq!(e.code.as_deref(), Some("AccessDenied"));
        assert_eq!(e.request_id.as_deref(), Some("r1"));
    }
}

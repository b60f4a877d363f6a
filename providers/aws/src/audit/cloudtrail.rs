//! CloudTrail log files: gzip-compressed JSON `{"Records":[…]}`, one record per API call,
//! with `eventID`, `eventTime`, `eventName`, `eventSource`, `userIdentity.arn`,
//! `sourceIPAddress`, `awsRegion` and `readOnly` (providers.md §1.f).
//!
//! Sizes are bounded: a file unpacking to more than [`MAX_UNPACKED`] bytes, holding more
//! than [`MAX_RECORDS`] records or nesting deeper than core's `nesting::MAX_DEPTH` is a
//! `Decode` error, never read whole. The records array is read one record at a time (no
//! tree of the whole document is built).

use std::fmt;
use std::io::Read;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use multicloud_core::nesting::{check_json_depth, MAX_DEPTH};
use multicloud_core::{AuditEvent, Error, ProviderKind, Result};

/// The most a log file may unpack to (CloudTrail's files are a few MB at most).
pub(crate) const MAX_UNPACKED: u64 = 128 * 1024 * 1024;

/// The most records one file may hold.
pub(crate) const MAX_RECORDS: usize = 200_000;

/// Unpacks a log file (gzip, or plain JSON when not gzip: S3 may hand it out decoded when it
/// was stored with `Content-Encoding: gzip`) and reads its records. `origin` names the
/// object in errors and in the ids of records that have no `eventID`.
pub(crate) fn parse(body: &[u8], origin: &str) -> Result<Vec<AuditEvent>> {
    let json = unpack(body, origin)?;
    check_json_depth(&json, MAX_DEPTH).map_err(|e| bad(origin, e.message()))?;
    let mut de = serde_json::Deserializer::from_slice(&json);
    let events = de
        .deserialize_map(FileVisitor { origin })
        .and_then(|events| de.end().map(|()| events))
        .map_err(|e| bad(origin, &format!("not a CloudTrail log file: {e}")))?;
    Ok(events)
}

fn unpack(body: &[u8], origin: &str) -> Result<Vec<u8>> {
    if !body.starts_with(&[0x1f, 0x8b]) {
        if body.len() as u64 > MAX_UNPACKED {
            return Err(bad(origin, "larger than the log file limit"));
        }
        return Ok(body.to_vec());
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(body)
        .take(MAX_UNPACKED + 1)
        .read_to_end(&mut out)
        .map_err(|e| bad(origin, &format!("not a gzip file: {e}")))?;
    if out.len() as u64 > MAX_UNPACKED {
        return Err(bad(
            origin,
            &format!("unpacks to more than {MAX_UNPACKED} bytes"),
        ));
    }
    Ok(out)
}

fn bad(origin: &str, why: &str) -> Error {
    Error::decode(format!("CloudTrail log file {origin}: {why}")).with_provider(ProviderKind::Aws)
}

struct FileVisitor<'a> {
    origin: &'a str,
}

impl<'de> Visitor<'de> for FileVisitor<'_> {
    type Value = Vec<AuditEvent>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with a Records array")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut events = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "Records" && events.is_none() {
                events = Some(map.next_value_seed(RecordsSeed {
                    origin: self.origin,
                })?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        events.ok_or_else(|| serde::de::Error::missing_field("Records"))
    }
}

struct RecordsSeed<'a> {
    origin: &'a str,
}

impl<'de> DeserializeSeed<'de> for RecordsSeed<'_> {
    type Value = Vec<AuditEvent>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RecordsSeed<'_> {
    type Value = Vec<AuditEvent>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of CloudTrail records")
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut events = Vec::new();
        while let Some(record) = seq.next_element::<Value>()? {
            if events.len() == MAX_RECORDS {
                return Err(serde::de::Error::custom(format!(
                    "more than {MAX_RECORDS} records"
                )));
            }
            let index = events.len();
            events.push(event(record, self.origin, index).map_err(serde::de::Error::custom)?);
        }
        Ok(events)
    }
}

/// One record as an [`AuditEvent`]; `eventTime` and `eventName` are required.
pub(crate) fn event(
    record: Value,
    origin: &str,
    index: usize,
) -> std::result::Result<AuditEvent, String> {
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let name = text(record.get("eventName")).ok_or("a record has no eventName")?;
    let time = text(record.get("eventTime")).ok_or("a record has no eventTime")?;
    let time = OffsetDateTime::parse(&time, &Rfc3339)
        .map_err(|_| format!("a record's eventTime {time:?} is not an RFC 3339 time"))?;
    let id = text(record.get("eventID")).unwrap_or_else(|| format!("{origin}#{index}"));
    let identity = record.get("userIdentity");
    let principal = text(identity.and_then(|u| u.get("arn")))
        .or_else(|| text(identity.and_then(|u| u.get("principalId"))))
        .or_else(|| text(identity.and_then(|u| u.get("invokedBy"))));
    let read_only = match record.get("readOnly") {
        Some(Value::Bool(b)) => Some(*b),
        // Some services write it as a string.
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    Ok(AuditEvent::new(id, time, name)
        .with_event_source(text(record.get("eventSource")))
        .with_principal(principal)
        .with_source_ip(text(record.get("sourceIPAddress")))
        .with_region(text(record.get("awsRegion")))
        .with_read_only(read_only)
        .with_raw(record))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    const FILE: &str = r#"{"Records":[
      {"eventVersion":"1.09","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/alice"},
       "eventTime":"2026-03-01T10:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"RunInstances",
       "awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","eventID":"e-1","readOnly":false},
      {"userIdentity":{"type":"AWSService","invokedBy":"cloudtrail.amazonaws.com"},
       "eventTime":"2026-03-01T10:00:01Z","eventSource":"s3.amazonaws.com","eventName":"GetBucketAcl",
       "readOnly":"true"}
    ],"extra":{"ignored":[1,2]}}"#;

    #[test]
    fn records_become_events_with_every_field() {
        let events = parse(&gzip(FILE.as_bytes()), "s3://b/k@e").unwrap();
        assert_eq!(events.len(), 2);
        let e = &events[0];
        assert_eq!(e.id, "e-1");
        assert_eq!(e.event_name, "RunInstances");
        assert_eq!(e.event_source.as_deref(), Some("ec2.amazonaws.com"));
        assert_eq!(
            e.principal.as_deref(),
            Some("arn:aws:iam::123456789012:user/alice")
        );
        assert_eq!(e.source_ip.as_deref(), Some("203.0.113.7"));
        assert_eq!(e.region.as_deref(), Some("us-east-1"));
        assert_eq!(e.read_only, Some(false));
        assert_eq!(e.raw["eventVersion"], "1.09");
        let e = &events[1];
        assert_eq!(
            e.id, "s3://b/k@e#1",
            "no eventID: named by the object and index"
        );
        assert_eq!(e.principal.as_deref(), Some("cloudtrail.amazonaws.com"));
        assert_eq!(e.read_only, Some(true));
        // Plain JSON (already decoded by the server) reads the same.
        assert_eq!(parse(FILE.as_bytes(), "o").unwrap().len(), 2);
    }

    #[test]
    fn broken_files_are_decode_errors_naming_the_object() {
        for body in [
            gzip(b"{\"Records\": [ {\"eventName\": \"X\"} ]}"),
            gzip(b"{\"NotRecords\": []}"),
            gzip(b"{\"Records\": [ "),
            gzip(format!("{}1{}", "[".repeat(100), "]".repeat(100)).as_bytes()),
            vec![0x1f, 0x8b, 1, 2, 3],
            b"<html>".to_vec(),
        ] {
            let err = parse(&body, "s3://b/bad").unwrap_err();
            assert_eq!(err.kind(), multicloud_core::ErrorKind::Decode);
            assert!(err.message().contains("s3://b/bad"), "{err}");
        }
    }
}

//! What an SQS message of the trail's bucket says: S3 event notifications
//! (`{"Records":[{"eventSource":"aws:s3","s3":{"bucket":{"name"},"object":{"key","eTag"}}}]}`),
//! the same wrapped in an SNS envelope (`{"Type":"Notification","Message":"<the S3 JSON as
//! a string>"}`) when the bucket notifies a topic the queue subscribes to, and the one-off
//! `{"Event":"s3:TestEvent"}` S3 sends when the notification is configured.

use serde::Deserialize;

/// The longest SQS message body (256 KiB); anything longer did not come from SQS.
const MAX_BODY: usize = 256 * 1024;

/// One log object a notification announces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObjectRef {
    /// The bucket.
    pub(crate) bucket: String,
    /// The object key, URL-decoded.
    pub(crate) key: String,
    /// The object's ETag, if given (a rewritten object gets a new one).
    pub(crate) etag: Option<String>,
    /// The bucket's region, as the notification says.
    pub(crate) region: Option<String>,
}

impl ObjectRef {
    /// The checkpoint entry of this object: `s3://bucket/key@etag`.
    pub(crate) fn entry(&self) -> String {
        format!(
            "s3://{}/{}@{}",
            self.bucket,
            self.key,
            self.etag.as_deref().unwrap_or("")
        )
    }
}

/// What a message holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Notification {
    /// Objects created (CloudTrail log files; other object events are left out).
    Objects(Vec<ObjectRef>),
    /// S3's test event: nothing to read.
    Test,
    /// A body that is none of the above (said why, without quoting it).
    Unknown(String),
}

#[derive(Debug, Deserialize)]
struct S3Event {
    #[serde(rename = "Records")]
    records: Option<Vec<S3Record>>,
    #[serde(rename = "Event")]
    event: Option<String>,
    // SNS envelope.
    #[serde(rename = "Type")]
    kind: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct S3Record {
    event_source: Option<String>,
    event_name: Option<String>,
    aws_region: Option<String>,
    s3: Option<S3Entity>,
}

#[derive(Debug, Deserialize)]
struct S3Entity {
    bucket: Named,
    object: S3Object,
}

#[derive(Debug, Deserialize)]
struct Named {
    name: String,
}

#[derive(Debug, Deserialize)]
struct S3Object {
    key: String,
    #[serde(rename = "eTag")]
    etag: Option<String>,
}

/// Reads a message body.
pub(crate) fn parse(body: &str) -> Notification {
    parse_level(body, true)
}

fn parse_level(body: &str, unwrap_sns: bool) -> Notification {
    if body.len() > MAX_BODY {
        return Notification::Unknown(format!("a body of {} bytes", body.len()));
    }
    let event: S3Event = match serde_json::from_str(body) {
        Ok(e) => e,
        Err(e) => return Notification::Unknown(format!("not an S3 event notification ({e})")),
    };
    if unwrap_sns && event.kind.as_deref() == Some("Notification") {
        if let Some(inner) = &event.message {
            return parse_level(inner, false);
        }
    }
    if event.event.as_deref() == Some("s3:TestEvent") {
        return Notification::Test;
    }
    let Some(records) = event.records else {
        return Notification::Unknown("no Records".into());
    };
    let objects = records
        .into_iter()
        .filter(|r| r.event_source.as_deref().is_none_or(|s| s == "aws:s3"))
        .filter(|r| {
            r.event_name
                .as_deref()
                .is_none_or(|n| n.starts_with("ObjectCreated:"))
        })
        .filter_map(|r| {
            let s3 = r.s3?;
            Some(ObjectRef {
                bucket: s3.bucket.name,
                key: decode_key(&s3.object.key),
                etag: s3.object.etag.filter(|e| !e.is_empty()),
                region: r.aws_region,
            })
        })
        .collect();
    Notification::Objects(objects)
}

/// S3 URL-encodes keys in notifications, with spaces as `+`.
fn decode_key(key: &str) -> String {
    let spaced = key.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUT: &str = r#"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1",
        "eventTime":"2026-03-01T00:00:00.000Z","eventName":"ObjectCreated:Put",
        "s3":{"s3SchemaVersion":"1.0","bucket":{"name":"trail-bkt","arn":"arn:aws:s3:::trail-bkt"},
        "object":{"key":"AWSLogs/1/CloudTrail/us-east-1/2026/03/01/a+b%2Bc.json.gz","size":20,"eTag":"e1"}}}]}"#;

    #[test]
    fn a_put_notification_names_the_object_with_its_key_decoded() {
        let Notification::Objects(objects) = parse(PUT) else {
            panic!("not objects")
        };
        assert_eq!(objects.len(), 1);
        assert_eq!(objects[0].bucket, "trail-bkt");
        assert_eq!(
            objects[0].key,
            "AWSLogs/1/CloudTrail/us-east-1/2026/03/01/a b+c.json.gz"
        );
        assert_eq!(objects[0].region.as_deref(), Some("us-east-1"));
        assert_eq!(
            objects[0].entry(),
            "s3://trail-bkt/AWSLogs/1/CloudTrail/us-east-1/2026/03/01/a b+c.json.gz@e1"
        );
    }

    #[test]
    fn an_sns_envelope_is_unwrapped_once_and_the_test_event_is_recognised() {
        let sns = serde_json::json!({"Type": "Notification", "MessageId": "x", "Message": PUT});
        assert!(matches!(parse(&sns.to_string()), Notification::Objects(o) if o.len() == 1));
        let test = r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-03-01T00:00:00.000Z","Bucket":"trail-bkt","RequestId":"r","HostId":"h"}"#;
        assert_eq!(parse(test), Notification::Test);
        let sns_test = serde_json::json!({"Type": "Notification", "Message": test});
        assert_eq!(parse(&sns_test.to_string()), Notification::Test);
        // An envelope inside an envelope is not unwrapped again.
        let twice = serde_json::json!({"Type": "Notification", "Message": sns.to_string()});
        assert!(matches!(
            parse(&twice.to_string()),
            Notification::Unknown(_)
        ));
    }

    #[test]
    fn other_bodies_are_unknown_and_deletions_are_left_out() {
        assert!(matches!(parse("not json"), Notification::Unknown(_)));
        assert!(matches!(parse("{}"), Notification::Unknown(_)));
        let removed = PUT.replace("ObjectCreated:Put", "ObjectRemoved:Delete");
        assert_eq!(parse(&removed), Notification::Objects(Vec::new()));
        assert!(matches!(
            parse(&"x".repeat(MAX_BODY + 1)),
            Notification::Unknown(_)
        ));
    }
}
